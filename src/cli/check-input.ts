// The read step of inject-check: a live cluster or --from files into one ClusterSnapshot, plus -f manifests.
import type {LiveReadOptions} from '../cluster/live-source.js'
import type {SnapshotExtras, TargetSpec} from '../cluster/target-spec.js'
import type {ClusterSnapshot, PodFacts, WorkloadFacts} from '../core/snapshot.js'
import {CliFailure, ExitCode} from './exit-codes.js'
import type {CheckPlan} from './check-plan.js'
import {startProgress} from './spinner.js'
import {parseTargetArgs} from './target-args.js'

export interface ConnectionFlags {
  readonly kubeconfig?: string | undefined
  readonly context?: string | undefined
  readonly namespace?: string | undefined
  readonly 'all-namespaces'?: boolean | undefined
  readonly selector?: string | undefined
  readonly 'request-timeout'?: string | undefined
}

export interface CheckInput {
  readonly snapshot: ClusterSnapshot
  /** The cluster target, or undefined when -f manifests are judged. */
  readonly target: TargetSpec | undefined
  readonly manifests:
    {readonly pods: readonly PodFacts[]; readonly workloads: readonly WorkloadFacts[]} | undefined
  readonly offline: boolean
}

const readStdin = async (): Promise<string> => {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin)
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)))
  return Buffer.concat(chunks).toString('utf8')
}

/** A resolved kubeconfig connection that reads snapshots; each read opens and closes its own transport. */
export interface LiveReader {
  readonly namespace: string
  readonly contextName: string
  readonly server: string
  read(target: TargetSpec, extras: SnapshotExtras, options?: LiveReadOptions): Promise<ClusterSnapshot>
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
  const timeoutMs = parseRequestTimeout(flags['request-timeout'] ?? '30s')
  const connection = await resolveConnection({
    kubeconfig: flags.kubeconfig,
    context: flags.context,
    namespace: flags.namespace,
  })
  return {
    namespace: connection.namespace,
    contextName: connection.contextName,
    server: connection.cluster.server,
    read: async (target, extras, options) => {
      const live = openLiveConnection(connection, {timeoutMs, debug})
      const progress = await startProgress(`Reading ${connection.contextName}`, machineOutput)
      try {
        return await readLiveSnapshot(live, target, extras, options)
      } finally {
        progress.stop()
        live.transport.close()
      }
    },
  }
}

/** Views that need webhook health evidence (Services, EndpointSlices, istiod, FailedCreate events, nodes) read it live. */
export const healthExtrasWanted = (plan: CheckPlan): boolean =>
  plan.health === true || plan.format === 'markdown' || plan.collect !== undefined

/** --from input that cannot be read (garbage or truncated archive): one line naming the file, exit 65. */
const readFiles = async (paths: readonly string[]): Promise<ClusterSnapshot> => {
  const [{readFileSnapshot}, {BundleReadError}] = await Promise.all([
    import('../cluster/file-source.js'),
    import('../cluster/bundle-reader.js'),
  ])
  try {
    return await readFileSnapshot(paths)
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
  return parsed.target
}

/** Reads what the plan needs; heavy modules load only on the path that uses them. */
export const readCheckInput = async (
  plan: CheckPlan,
  flags: ConnectionFlags,
  machineOutput: boolean,
  debug?: (line: string) => void,
): Promise<CheckInput> => {
  const offline = plan.fromPaths.length > 0
  let namespace = flags.namespace ?? 'default'
  let live: LiveReader | undefined
  if (!offline) {
    live = await connectLive(flags, machineOutput, debug)
    namespace = live.namespace
  }
  const extras: SnapshotExtras = healthExtrasWanted(plan) ? {health: true} : {}
  const readSnapshot = async (target: TargetSpec): Promise<ClusterSnapshot> =>
    live !== undefined ? live.read(target, extras) : readFiles(plan.fromPaths)

  if (plan.manifestPaths.length > 0) {
    const {readManifestTargets} = await import('../cluster/manifest-reader.js')
    const manifests = await readManifestTargets(plan.manifestPaths, namespace, readStdin)
    const namespaces = [...new Set([...manifests.pods, ...manifests.workloads].map((t) => t.namespace))]
    const snapshot = await readSnapshot({kind: 'manifests', namespaces})
    return {snapshot, target: undefined, manifests, offline}
  }
  const target = resolveTarget(plan, flags, namespace)
  return {snapshot: await readSnapshot(target), target, manifests: undefined, offline}
}
