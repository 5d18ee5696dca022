// The read step of inject-check: a live cluster or --from files into one ClusterSnapshot, plus -f manifests; the
// kubeconfig connection (connectLive) serves inject-diff too.
import type {LiveConnection, LiveReadOptions} from '../cluster/live-source.js'
import type {ManifestReadOptions} from '../cluster/manifest-reader.js'
import {defaultRequestTimeout} from '../cluster/request-timeout.js'
import type {SnapshotExtras, TargetSpec} from '../core/target-spec.js'
import type {Transport} from '../cluster/transport.js'
import type {HealthScopeRequest} from '../core/health/health-scope.js'
import type {ClusterSnapshot, PodFacts, WorkloadFacts} from '../core/snapshot.js'
import type {Verdict} from '../core/verdict/verdict.js'
import {connectionOverrides} from './base-command.js'
import type {KubeFlagValues} from './base-command.js'
import {CliFailure, ExitCode, UsageFailure} from './exit-codes.js'
import {JsonPathError, parseTemplate} from '../render/jsonpath.js'
import type {CheckPlan} from './check-plan.js'
import {startProgress, type Progress} from './spinner.js'
import {parseTargetArgs} from './target-args.js'

export type ConnectionFlags = Omit<KubeFlagValues, 'from' | 'output'>

export interface CheckInput {
  readonly snapshot: ClusterSnapshot
  /** The cluster target, or undefined when -f manifests are judged. */
  readonly target: TargetSpec | undefined
  readonly manifests:
    {readonly pods: readonly PodFacts[]; readonly workloads: readonly WorkloadFacts[]} | undefined
  readonly offline: boolean
}

// Bytes, so the reader can decode UTF-16 (PowerShell pipes) as well as UTF-8.
export const readStdin = async (): Promise<Buffer> => {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin)
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)))
  return Buffer.concat(chunks)
}

/** A resolved kubeconfig connection that reads snapshots; each read opens and closes its own transport. */
export interface LiveReader {
  readonly namespace: string
  readonly contextName: string
  readonly server: string
  read(target: TargetSpec, extras: SnapshotExtras, options?: LiveReadOptions): Promise<ClusterSnapshot>
  /** A transport without a request timeout, for watch streams (--watch); close it when done. */
  openWatchTransport(): Transport
  /** A connection with the request timeout for a series of requests (inject-diff's dry-runs); close its transport. */
  open(): LiveConnection
  /** Runs the credential plugin, if any, before anything owns the terminal (interactive logins). */
  authenticate(): Promise<void>
}

/** KUBECONFIG set but naming only files that do not exist: say so, instead of "no kubeconfig found: set KUBECONFIG". */
export const requireKubeconfigFiles = async (variable: string | undefined): Promise<void> => {
  if (variable === undefined || variable.trim() === '') return
  const {access} = await import('node:fs/promises')
  const {delimiter} = await import('node:path')
  const files = variable.split(delimiter).filter((f) => f !== '')
  const present = await Promise.all(
    files.map((f) =>
      access(f).then(
        () => true,
        () => false,
      ),
    ),
  )
  if (files.length > 0 && !present.includes(true))
    throw new CliFailure(
      `KUBECONFIG is set to ${variable}, and ${files.length === 1 ? 'that file does' : 'none of those files'} not exist`,
      ExitCode.Usage,
      'Point KUBECONFIG at your kubeconfig file, unset it to use ~/.kube/config, or pass --kubeconfig FILE.',
    )
}

/** -f with -l (as kubectl allows): keep the manifests whose pod (template) labels match the selector. */
export const filterManifestsBySelector = <
  T extends {readonly labels: Readonly<Record<string, string>>},
  W extends {readonly template: {readonly labels: Readonly<Record<string, string>>}},
>(
  manifests: {readonly pods: readonly T[]; readonly workloads: readonly W[]},
  selector: string | undefined,
  matches: (text: string, labels: Readonly<Record<string, string>>) => boolean,
): {pods: T[]; workloads: W[]} =>
  selector === undefined
    ? {pods: [...manifests.pods], workloads: [...manifests.workloads]}
    : {
        pods: manifests.pods.filter((p) => matches(selector, p.labels)),
        workloads: manifests.workloads.filter((w) => matches(selector, w.template.labels)),
      }

/** True when something exists at the path (a file --collect must not silently replace). */
export const pathExists = async (path: string): Promise<boolean> => {
  const {access} = await import('node:fs/promises')
  return access(path).then(
    () => true,
    () => false,
  )
}

/** What the health report may speak about: the whole cluster, one namespace, or exactly the evaluated targets. */
export const healthScopeRequest = (
  target: TargetSpec | undefined,
  verdicts: readonly Verdict[],
): HealthScopeRequest => {
  if (target?.kind === 'sweep' && target.labelSelector === undefined && target.fieldSelector === undefined)
    return target.namespace === null ? {kind: 'cluster'} : {kind: 'namespace', namespace: target.namespace}
  if (target?.kind === 'namespace') return {kind: 'namespace', namespace: target.name}
  return {
    kind: 'targets',
    verdicts,
    ...(target?.kind === 'sweep' && target.labelSelector !== undefined
      ? {selector: target.labelSelector}
      : {}),
  }
}

/** Resolves the kubeconfig like kubectl and returns a reader; the spinner stays off for machine output. */
export const connectLive = async (
  flags: ConnectionFlags,
  machineOutput: boolean,
  debug?: (line: string) => void,
): Promise<LiveReader> => {
  const [{resolveConnection}, {openLiveConnection, readLiveSnapshot}, {parseRequestTimeout}] =
    await Promise.all([
      import('../cluster/kubeconfig.js'),
      import('../cluster/live-source.js'),
      import('../cluster/transport.js'),
    ])
  const timeoutMs = parseRequestTimeout(flags['request-timeout'] ?? defaultRequestTimeout)
  if (flags.kubeconfig === undefined && flags.server === undefined)
    await requireKubeconfigFiles(process.env.KUBECONFIG)
  const connection = await resolveConnection({
    kubeconfig: flags.kubeconfig,
    context: flags.context,
    namespace: flags.namespace,
    overrides: connectionOverrides(flags),
  })

  return {
    namespace: connection.namespace,
    contextName: connection.contextName,
    server: connection.cluster.server,
    openWatchTransport: () =>
      openLiveConnection(connection, {timeoutMs: 0, debug, pageSize: flags['chunk-size']}).transport,
    open: () => openLiveConnection(connection, {timeoutMs, debug, pageSize: flags['chunk-size']}),
    authenticate: async () => {
      await connection.cluster.authenticate?.()
    },
    read: async (target, extras, options) => {
      // Opened first: its connection is made while a credential plugin runs (transport.ts preconnect).
      const live = openLiveConnection(connection, {timeoutMs, debug, pageSize: flags['chunk-size']})
      let progress: Progress | undefined
      try {
        // An interactive credential plugin owns the terminal until it answers: no spinner before that.
        await connection.cluster.authenticate?.()
        progress = await startProgress(`Reading cluster (context ${connection.contextName})`, machineOutput)
        return await readLiveSnapshot(live, target, extras, options)
      } finally {
        progress?.stop()
        live.transport.close()
      }
    },
  }
}

/** Views that need webhook health evidence (Services, EndpointSlices, istiod, FailedCreate events, nodes) read it live. */
export const healthExtrasWanted = (plan: CheckPlan): boolean =>
  plan.health === true || plan.format === 'markdown' || plan.collect !== undefined

/** --from input that cannot be read (garbage or truncated archive): one line naming the file, exit 65. */
const readFiles = async (
  paths: readonly string[],
  warn?: (line: string) => void,
): Promise<ClusterSnapshot> => {
  const [{readFileSnapshot}, {BundleReadError}] = await Promise.all([
    import('../cluster/file-source.js'),
    import('../cluster/bundle-reader.js'),
  ])
  try {
    return await readFileSnapshot(paths, warn === undefined ? {} : {warn})
  } catch (error) {
    if (error instanceof BundleReadError) throw new CliFailure(error.message, ExitCode.InputFile)
    throw error
  }
}

export const resolveTarget = (plan: CheckPlan, flags: ConnectionFlags, namespace: string): TargetSpec => {
  const parsed = parseTargetArgs(plan.targetArgs, {
    namespace,
    allNamespaces: flags['all-namespaces'] === true,
    selector: flags.selector,
  })
  // planCheck validated the same arguments already; only the namespace differs.
  if (!parsed.ok) throw new CliFailure(parsed.error, ExitCode.Usage)
  if (parsed.target.kind === 'sweep' && plan.fieldSelector !== undefined)
    return {...parsed.target, fieldSelector: plan.fieldSelector.text}
  return parsed.target
}

/** Reads what the plan needs; heavy modules load only on the path that uses them. */
export const readCheckInput = async (
  plan: CheckPlan,
  flags: ConnectionFlags,
  machineOutput: boolean,
  debug?: (line: string) => void,
  manifestOptions: ManifestReadOptions = {},
  connected?: LiveReader,
): Promise<CheckInput> => {
  const offline = plan.fromPaths.length > 0
  let namespace = flags.namespace ?? 'default'
  let live: LiveReader | undefined
  if (!offline) {
    live = connected ?? (await connectLive(flags, machineOutput, debug))
    namespace = live.namespace
  }
  const extras: SnapshotExtras = healthExtrasWanted(plan) ? {health: true} : {}
  const readSnapshot = async (target: TargetSpec): Promise<ClusterSnapshot> =>
    live !== undefined ? live.read(target, extras) : readFiles(plan.fromPaths, manifestOptions.warn)

  if (plan.manifestPaths.length > 0) {
    const {readManifestTargets} = await import('../cluster/manifest-reader.js')
    const {labelsMatchSelectorString} = await import('../core/admission/label-selector.js')
    const manifests = filterManifestsBySelector(
      await readManifestTargets(plan.manifestPaths, namespace, readStdin, manifestOptions),
      flags.selector,
      (text, labels) => labelsMatchSelectorString(text, labels).matches,
    )
    const namespaces = [...new Set([...manifests.pods, ...manifests.workloads].map((t) => t.namespace))]
    const snapshot = await readSnapshot({kind: 'manifests', namespaces})
    return {snapshot, target: undefined, manifests, offline}
  }
  const target = resolveTarget(plan, flags, namespace)
  return {snapshot: await readSnapshot(target), target, manifests: undefined, offline}
}

/** -o jsonpath-file reads the template here (the plan stays pure); a bad template is a usage error. */
export const resolvePrinter = async (plan: CheckPlan) => {
  const printer = plan.printer
  if (printer === undefined) return undefined
  if (printer.format === 'custom-columns') return printer
  let template = printer.template
  if (printer.templateFile !== undefined) {
    const {readFile} = await import('node:fs/promises')
    try {
      template = await readFile(printer.templateFile, 'utf8')
    } catch (error) {
      throw new CliFailure(
        `cannot read -o jsonpath-file ${printer.templateFile}: ${(error as {code?: string}).code ?? String(error)}`,
        ExitCode.InputFile,
      )
    }
    try {
      parseTemplate(template)
    } catch (error) {
      if (error instanceof JsonPathError)
        throw new UsageFailure(`error parsing jsonpath ${printer.templateFile}: ${error.message}`)
      throw error
    }
  }
  return {format: 'jsonpath' as const, template: template ?? ''}
}
