// Where a fleet run's contexts come from: the merged kubeconfig (live), or a fleet bundle (--from), and --collect over
// several contexts into one fleet bundle. Each context reads with its own connection, credentials and request timeout.
import type {ManifestReadOptions} from '../cluster/manifest-reader.js'
import type {FleetBundleContext, FleetBundleFailure} from '../cluster/fleet-bundle.js'
import {sanitizeTerminalText} from '../render/terminal-text.js'
import {explainFailure} from './base-command.js'
import type {KubectlTarget} from './base-command.js'
import {readCheckInput, requireKubeconfigFiles, resolveTarget} from './check-input.js'
import type {CheckInput, ConnectionFlags} from './check-input.js'
import type {CheckPlan} from './check-plan.js'
import {describeCollect} from './collect.js'
import type {Gathered} from './collect.js'
import {CliFailure, ExitCode, UsageFailure} from './exit-codes.js'
import {selectContexts} from './fleet-plan.js'
import type {FleetPlan} from './fleet-plan.js'
import {fleetExitCode, runBounded} from './fleet-run.js'
import type {FleetSlot} from './fleet-run.js'
import {startProgress} from './spinner.js'

/** The contexts a fleet plan selects from the merged kubeconfig (KUBECONFIG files or --kubeconfig). */
export const resolveFleetContexts = async (
  fleet: FleetPlan,
  flags: Pick<ConnectionFlags, 'kubeconfig'>,
): Promise<readonly string[]> => {
  if (flags.kubeconfig === undefined) await requireKubeconfigFiles(process.env.KUBECONFIG)
  const {loadKubeconfig, rerunForOidcUsers} = await import('../cluster/kubeconfig.js')
  const merged = await loadKubeconfig({kubeconfig: flags.kubeconfig})
  const selected = selectContexts(fleet, [...merged.contexts.keys()])
  if ('error' in selected)
    throw new UsageFailure(selected.error, 'List the contexts with: kubectl config get-contexts -o name')
  // Before any context starts a credential plugin or reads input.
  rerunForOidcUsers(merged, selected.contexts)
  return selected.contexts
}

/** One slot per live context: readCheckInput with that --context (no per-context spinner). */
export const liveSlots = (
  contexts: readonly string[],
  plan: CheckPlan,
  flags: ConnectionFlags,
  debug: ((line: string) => void) | undefined,
  manifestOptions: ManifestReadOptions,
): FleetSlot[] =>
  contexts.map((context) => ({
    context,
    read: () => readCheckInput(plan, {...flags, context}, true, prefixed(debug, context), manifestOptions),
  }))

const prefixed = (debug: ((line: string) => void) | undefined, context: string) =>
  debug === undefined ? undefined : (line: string) => debug(`[${context}] ${line}`)

/** The contexts of a fleet bundle (--from), or undefined when the single --from path is no fleet bundle. */
export const bundleSlots = async (
  plan: CheckPlan,
  flags: ConnectionFlags,
  warn: (line: string) => void,
): Promise<FleetSlot[] | undefined> => {
  const [path] = plan.fromPaths
  if (plan.fromPaths.length !== 1 || path === undefined || plan.manifestPaths.length > 0) return undefined
  const {isFleetBundle, readFleetBundle} = await import('../cluster/fleet-bundle.js')
  if (!(await isFleetBundle(path))) return undefined
  const {BundleReadError} = await import('../cluster/bundle-reader.js')
  let contexts: FleetBundleContext[]
  try {
    contexts = await readFleetBundle(path)
  } catch (error) {
    if (error instanceof BundleReadError) throw new CliFailure(error.message, ExitCode.InputFile)
    throw error
  }
  return contexts.map((c) =>
    'failure' in c
      ? {context: c.context, failed: c.failure}
      : {context: c.context, read: () => readBundleContext(c.contents, path, plan, flags, warn)},
  )
}

// One context of the bundle through the ordinary --from path (gaps, partial-input checks), as a reader that claims it.
const readBundleContext = async (
  contents: Extract<FleetBundleContext, {contents: unknown}>['contents'],
  path: string,
  plan: CheckPlan,
  flags: ConnectionFlags,
  warn: (line: string) => void,
): Promise<CheckInput> => {
  const {readFileSnapshot} = await import('../cluster/file-source.js')
  const snapshot = await readFileSnapshot([path], {
    warn,
    readers: [
      {
        name: 'fleet-bundle-context',
        claims: () => true,
        read: () =>
          Promise.resolve({
            entries: contents.entries,
            logs: contents.logs,
            gaps: contents.gaps,
            layouts: [contents.layout],
            ...(contents.takenAt === undefined ? {} : {takenAt: contents.takenAt}),
          }),
      },
    ],
  })
  const target = resolveTarget(plan, flags, flags.namespace ?? 'default')
  return {snapshot, target, manifests: undefined, offline: true}
}

type CollectOptions = {
  readonly toolVersion: string
  readonly debug?: ((line: string) => void) | undefined
  readonly clusterFlags: KubectlTarget
}
type Collected = {context: string; gathered: Gathered} | {context: string; failure: FleetBundleFailure}

/** Each context gathered, at most --max-parallel at once; a context that fails is explained, not thrown. */
const gatherContexts = async (
  plan: CheckPlan,
  flags: ConnectionFlags,
  contexts: readonly string[],
  options: CollectOptions,
): Promise<Collected[]> => {
  const {gatherBundle} = await import('./collect.js')
  const progress = await startProgress(`Collecting ${contexts.length} contexts`, false)
  return runBounded(
    contexts,
    plan.fleet?.maxParallel ?? contexts.length,
    async (context): Promise<Collected> => {
      try {
        const gathered = await gatherBundle(
          plan,
          {...flags, context},
          {toolVersion: options.toolVersion, debug: prefixed(options.debug, context)},
          true,
        )
        return {context, gathered}
      } catch (error) {
        const explained = explainFailure(error, 'inject-check', {...options.clusterFlags, context})
        return {context, failure: {context, message: explained.message, exit: explained.exit}}
      }
    },
  ).finally(() => progress.stop())
}

/** --collect over several contexts: each gathered concurrently, one fleet bundle written, failures named; sets the exit code. */
export const collectFleet = async (
  plan: CheckPlan,
  flags: ConnectionFlags,
  contexts: readonly string[],
  options: CollectOptions,
): Promise<{notices: string[]; warnings: string[]; errors: string[]}> => {
  const collect = plan.collect
  if (collect === undefined) throw new CliFailure('--collect needs a file name', ExitCode.Usage)
  const results = await gatherContexts(plan, flags, contexts, options)
  const members = results.flatMap((r) => ('gathered' in r ? [r] : []))
  const failures = results.flatMap((r) => ('failure' in r ? [r.failure] : []))
  const [{writeFleetBundle}, {writeFailure}] = await Promise.all([
    import('../cluster/fleet-bundle.js'),
    import('./collect.js'),
  ])
  try {
    await writeFleetBundle(
      collect.path,
      members.map((m) => ({context: m.context, collected: m.gathered.collected})),
      failures,
      {redact: collect.redact, toolVersion: options.toolVersion},
      contexts,
    )
  } catch (error) {
    throw writeFailure(collect.path, error)
  }
  const exit = fleetExitCode(failures, false)
  if (exit !== ExitCode.Ok) process.exitCode = exit
  return describeFleetCollect(collect.path, collect.redact, members, failures)
}

const describeFleetCollect = (
  path: string,
  redacted: boolean,
  members: readonly {context: string; gathered: Gathered}[],
  failures: readonly {context: string; message: string}[],
): {notices: string[]; warnings: string[]; errors: string[]} => {
  const t = sanitizeTerminalText
  const notices: string[] = []
  const warnings: string[] = []
  for (const m of members) {
    const described = describeCollect({path, redacted, ...m.gathered.outcome})
    // The first line per context (what went in), the redaction line and the read-back command once.
    notices.push(`context ${t(m.context)}: ${described.notices[0] ?? ''}`)
    warnings.push(...described.warnings.map((w) => `context ${t(m.context)}: ${w}`))
  }
  const [first] = members
  if (first !== undefined) {
    const described = describeCollect({path, redacted, ...first.gathered.outcome})
    notices.push(...described.notices.slice(1))
  }
  const errors = failures.map((f) => t(`context ${f.context}: ${f.message}`.replace(/\s*\n\s*/g, ' ')))
  return {notices, warnings, errors}
}
