// The read step of inject-diff: the pods to preview (a target, -f manifests, or --observed over --from files), read
// through inject-check's connection (connectLive), then one server-side dry-run per pod.
import type {PreviewInput} from '../cluster/dry-run.js'
import type {LiveConnection} from '../cluster/live-source.js'
import type {ManifestReadOptions} from '../cluster/manifest-reader.js'
import type {Transport} from '../cluster/transport.js'
import type {TargetSpec} from '../core/target-spec.js'
import type {PodPreview} from '../core/preview/preview.js'
import {connectLive, readStdin} from './check-input.js'
import type {ConnectionFlags} from './check-input.js'
import {CliFailure, ExitCode, UsageFailure} from './exit-codes.js'
import {diffHelp, previewTargetProblem} from './diff-plan.js'
import type {DiffPlan} from './diff-plan.js'
import {startProgress, type Progress} from './spinner.js'
import {parseTargetArgs} from './target-args.js'

export interface DiffReadOptions {
  /** Machine output (-o patch|yaml|json, --json): no spinner. */
  readonly machine: boolean
  readonly debug?: ((line: string) => void) | undefined
  readonly warn: (line: string) => void
}

/** The plan's target once the namespace is known (planDiff checked it with a placeholder namespace). */
export const resolvePreviewTarget = (
  plan: DiffPlan,
  flags: ConnectionFlags,
  namespace: string,
): TargetSpec => {
  const context = {namespace, allNamespaces: flags['all-namespaces'] === true, selector: flags.selector}
  const problem = previewTargetProblem(plan.targetArgs, context, plan.observed)
  const parsed = parseTargetArgs(plan.targetArgs, context)
  if (problem !== null || !parsed.ok) throw new UsageFailure(problem ?? 'invalid target', diffHelp)
  return parsed.target
}

/** The previews the plan asks for: observed offline from --from files, else live through the cluster's admission chain. */
export const readDiffPreviews = (
  plan: DiffPlan,
  flags: ConnectionFlags,
  options: DiffReadOptions,
): Promise<PodPreview[]> =>
  plan.fromPaths.length > 0 ? observeOffline(plan, flags) : previewLive(plan, flags, options)

/** --observed --from: each pod of the target against its owner, found among the files' objects. */
const observeOffline = async (plan: DiffPlan, flags: ConnectionFlags): Promise<PodPreview[]> => {
  const target = resolvePreviewTarget(plan, flags, flags.namespace ?? 'default')
  const [{readFileEntries}, {observeFromObjects}] = await Promise.all([
    import('../cluster/file-source.js'),
    import('../core/preview/observed.js'),
  ])
  const entries = []
  for (const path of plan.fromPaths)
    entries.push(...(await readFileEntries(path)).entries.map((e) => e.object))
  const previews = observeFromObjects(entries, target, plan.raw)
  if (target.kind === 'pod' && previews.length === 0)
    throw new CliFailure(
      `pods "${target.name}" not found in namespace "${target.namespace}" in the --from input`,
      ExitCode.InputFile,
      'Add the pod and its ReplicaSet (kubectl get pod,rs -o yaml) to the input files.',
    )
  return previews
}

/** Live: connect as inject-check does, read the inputs, then dry-run each (or compare with --observed). */
const previewLive = async (
  plan: DiffPlan,
  flags: ConnectionFlags,
  options: DiffReadOptions,
): Promise<PodPreview[]> => {
  const [live, dryRun] = await Promise.all([
    connectLive(flags, options.machine, options.debug),
    import('../cluster/dry-run.js'),
  ])
  const connection = live.open()
  let progress: Progress | undefined
  try {
    // An interactive credential plugin owns the terminal until it answers: no spinner before that.
    await live.authenticate()
    progress = await startProgress(`Previewing on ${live.contextName}`, options.machine)
    if (plan.observed) {
      const target = resolvePreviewTarget(plan, flags, live.namespace)
      return await dryRun.observeLive(connection.transport, target, plan.raw)
    }
    const inputs =
      plan.manifestPaths.length > 0
        ? await manifestInputs(plan, live.namespace, {recursive: plan.recursive, warn: options.warn})
        : await targetInputs(connection.transport, plan, flags, live.namespace)
    return await previewEach(connection, inputs, plan, (line) => progress?.update(line))
  } finally {
    progress?.stop()
    connection.transport.close()
  }
}

/** -f manifests as pods to preview: workloads by their template, pods as given; other kinds are named and skipped. */
const manifestInputs = async (
  plan: DiffPlan,
  namespace: string,
  options: ManifestReadOptions & {readonly warn: (line: string) => void},
): Promise<PreviewInput[]> => {
  const [{readManifestTargets}, {podFromPod, podFromTemplate}] = await Promise.all([
    import('../cluster/manifest-reader.js'),
    import('../core/preview/pod-builder.js'),
  ])
  const read = await readManifestTargets(plan.manifestPaths, namespace, readStdin, options)
  for (const skipped of read.skipped)
    options.warn(`${skipped.source}: ${skipped.kind} ${skipped.name} is not a pod or a workload; skipped`)
  const subject = (kind: string, t: {namespace: string; name: string; source?: string | undefined}) => ({
    kind,
    namespace: t.namespace,
    name: t.name,
    ...(t.source === undefined ? {} : {source: t.source}),
  })
  return [
    ...read.workloads.map((w) => ({
      subject: subject(w.kind, w),
      pod: podFromTemplate(w.kind, w.name, w.namespace, w.template.object ?? {}),
    })),
    ...read.pods.map((p) => ({subject: subject('Pod', p), pod: podFromPod(p.object ?? {}, p.namespace)})),
  ]
}

/** A target's pods (or workload template) to preview; -l beyond --max is a usage error before any dry-run. */
const targetInputs = async (
  transport: Transport,
  plan: DiffPlan,
  flags: ConnectionFlags,
  namespace: string,
): Promise<PreviewInput[]> => {
  const dryRun = await import('../cluster/dry-run.js')
  const target = resolvePreviewTarget(plan, flags, namespace)
  try {
    return await dryRun.readLivePreviewInputs(transport, target, {max: plan.max})
  } catch (error) {
    if (!(error instanceof dryRun.TooManyPods)) throw error
    throw new UsageFailure(
      `-l ${flags.selector ?? ''} matches ${error.count} pods; inject-diff dry-runs each one: narrow the selector, or pass --max ${error.count}`,
      diffHelp,
    )
  }
}

/** One dry-run per input, in order, against a snapshot of the namespaces involved (webhooks, injector config). */
const previewEach = async (
  live: LiveConnection,
  inputs: readonly PreviewInput[],
  plan: DiffPlan,
  progress: (line: string) => void,
): Promise<PodPreview[]> => {
  const [{readLiveSnapshot}, {previewInput}] = await Promise.all([
    import('../cluster/live-source.js'),
    import('../cluster/dry-run.js'),
  ])
  const namespaces = [...new Set(inputs.map((i) => i.subject.namespace))].sort()
  const snapshot = await readLiveSnapshot(live, {kind: 'manifests', namespaces})
  const previews: PodPreview[] = []
  for (const input of inputs) {
    progress(`Dry-run ${input.subject.namespace}/${input.subject.name}`)
    previews.push(
      await previewInput(live.transport, snapshot, input, {
        raw: plan.raw,
        ...(plan.revision === undefined ? {} : {revision: plan.revision}),
      }),
    )
  }
  return previews
}
