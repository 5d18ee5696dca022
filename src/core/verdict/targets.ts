// Dispatches a target (what the user named) to the right evaluation over a snapshot: pod, workload, namespace, sweep, manifests.
import {labelsMatchSelectorString} from '../admission/label-selector.js'
import {classifyAdmissionRejection} from '../admission-after/rejection-texts.js'
import {classifyFailureEvents} from '../health/failure-events.js'
import {indexRevisions} from '../istio/revisions.js'
import {workloadKinds} from '../snapshot.js'
import type {ClusterSnapshot, EventFacts, PodFacts, WorkloadFacts, WorkloadKind} from '../snapshot.js'
import type {TargetSpec} from '../target-spec.js'
import {evaluatePod, evaluateWorkload, podsOfWorkload} from './evaluate.js'
import type {EvaluateOptions} from './evaluate.js'
import {evaluateNamespace} from './namespace-verdict.js'
import type {Verdict} from './verdict.js'
import {compareText} from '../text-order.js'

export type TargetEvaluation =
  | {readonly ok: true; readonly verdicts: readonly Verdict[]}
  /** The named object is not in the snapshot (offline input without it); `message` is kubectl-worded. */
  | {readonly ok: false; readonly message: string}

const byName = (
  a: {readonly namespace: string; readonly name: string},
  b: {readonly namespace: string; readonly name: string},
): number => compareText(a.namespace, b.namespace) || compareText(a.name, b.name)

export interface WorkloadRef {
  readonly kind: WorkloadKind
  readonly namespace: string
  readonly name: string
}

const controllerKinds: ReadonlySet<string> = new Set(workloadKinds)

/** Controllers whose FailedCreate events name a webhook that refused their pods, in `namespace` (null = all); distinct, sorted. */
export const blockedControllers = (
  events: readonly EventFacts[],
  namespace: string | null,
): WorkloadRef[] => {
  const found = new Map<string, WorkloadRef>()
  for (const failure of classifyFailureEvents(events)) {
    const object = failure.object
    if (failure.webhook === null || object === null || !controllerKinds.has(object.kind)) continue
    if (namespace !== null && object.namespace !== namespace) continue
    const ref = {kind: object.kind as WorkloadKind, namespace: object.namespace, name: object.name}
    found.set(`${ref.namespace}/${ref.kind}/${ref.name}`, ref)
  }
  // Pods rejected after injection (Pod Security, quota, LimitRange…) leave the same trace: a 0-pod workload row.
  for (const event of events) {
    const kind = event.involvedObject.kind
    if (event.reason !== 'FailedCreate' || !controllerKinds.has(kind)) continue
    const ns = event.involvedObject.namespace ?? event.namespace
    if (namespace !== null && ns !== namespace) continue
    if (classifyAdmissionRejection(event.message, ns) === undefined) continue
    const ref = {kind: kind as WorkloadKind, namespace: ns, name: event.involvedObject.name}
    found.set(`${ref.namespace}/${ref.kind}/${ref.name}`, ref)
  }
  return [...found.values()].sort((a, b) => byName(a, b) || compareText(a.kind, b.kind))
}

/** The workload a user acts on: a Deployment's ReplicaSet → the Deployment, a CronJob's Job → the CronJob, when the snapshot has it. */
export const topWorkload = (snapshot: ClusterSnapshot, workload: WorkloadFacts): WorkloadFacts => {
  const parent = workload.controller
  const lifts =
    (workload.kind === 'ReplicaSet' && parent?.kind === 'Deployment') ||
    (workload.kind === 'Job' && parent?.kind === 'CronJob')
  if (!lifts || parent === undefined) return workload
  return (
    snapshot.workloads.find(
      (w) => w.kind === parent.kind && w.namespace === workload.namespace && w.name === parent.name,
    ) ?? workload
  )
}

/**
 * Sweep rows for workloads whose pods a webhook refuses: a controller in scope with FailedCreate events naming a webhook
 * and no pods in the snapshot, shown as its top workload (judged from the template) so a 0-pod Deployment is not lost.
 */
export const blockedWorkloads = (
  snapshot: ClusterSnapshot,
  scope: {readonly namespace: string | null; readonly labelSelector?: string | undefined},
): WorkloadFacts[] => {
  const rows = new Map<string, WorkloadFacts>()
  // ReplicaFailure conditions outlive their events (an hour): they name blocked controllers too.
  const failing = snapshot.workloads
    .filter(
      (w) => w.replicaFailure !== undefined && (scope.namespace === null || w.namespace === scope.namespace),
    )
    .map((w) => ({kind: w.kind, namespace: w.namespace, name: w.name}))
  for (const ref of [...blockedControllers(snapshot.events, scope.namespace), ...failing]) {
    const controller = snapshot.workloads.find(
      (w) => w.kind === ref.kind && w.namespace === ref.namespace && w.name === ref.name,
    )
    if (controller === undefined || podsOfWorkload(snapshot, controller).length > 0) continue
    const top = topWorkload(snapshot, controller)
    if (
      scope.labelSelector !== undefined &&
      !labelsMatchSelectorString(scope.labelSelector, top.template.labels).matches
    )
      continue
    rows.set(`${top.kind}/${top.namespace}/${top.name}`, top)
  }
  return [...rows.values()]
}

/** Evaluates a TargetSpec; a sweep yields one verdict per pod plus one per blocked 0-pod workload, sorted by namespace and name. */
export const evaluateTarget = (
  snapshot: ClusterSnapshot,
  target: TargetSpec,
  options: EvaluateOptions = {},
): TargetEvaluation => {
  const shared = {...options, index: options.index ?? indexRevisions(snapshot)}
  switch (target.kind) {
    case 'pod': {
      const pod = snapshot.pods.find((p) => p.namespace === target.namespace && p.name === target.name)
      if (pod === undefined)
        return {ok: false, message: `pods "${target.name}" not found in namespace "${target.namespace}"`}
      return {ok: true, verdicts: [evaluatePod(snapshot, pod, shared)]}
    }
    case 'workload': {
      const workload = snapshot.workloads.find(
        (w) => w.kind === target.workloadKind && w.namespace === target.namespace && w.name === target.name,
      )
      if (workload === undefined)
        return {
          ok: false,
          message: `${target.workloadKind.toLowerCase()}s "${target.name}" not found in namespace "${target.namespace}"`,
        }
      return {ok: true, verdicts: [evaluateWorkload(snapshot, workload, shared)]}
    }
    case 'namespace':
      if (
        !snapshot.namespaces.some((ns) => ns.name === target.name) &&
        options.namespaceLabels === undefined &&
        !snapshot.gaps.some((g) => g.resource === 'namespaces')
      ) {
        return {ok: false, message: `namespaces "${target.name}" not found`}
      }
      return {ok: true, verdicts: [evaluateNamespace(snapshot, target.name, shared)]}
    case 'sweep': {
      // Live sources filter server-side already; files need the same namespace and selector filter.
      const pods = snapshot.pods
        .filter((p) => target.namespace === null || p.namespace === target.namespace)
        .filter(
          (p) =>
            target.labelSelector === undefined ||
            labelsMatchSelectorString(target.labelSelector, p.labels).matches,
        )
      const rows: {namespace: string; name: string; verdict: () => Verdict}[] = [
        ...pods.map((pod) => ({...pod, verdict: () => evaluatePod(snapshot, pod, shared)})),
        ...blockedWorkloads(snapshot, target).map((w) => ({
          namespace: w.namespace,
          name: w.name,
          verdict: () => evaluateWorkload(snapshot, w, shared),
        })),
      ]
      return {ok: true, verdicts: rows.sort(byName).map((row) => row.verdict())}
    }
    case 'list':
      return {ok: true, verdicts: evaluateList(snapshot, target, shared)}
    case 'manifests':
      return {ok: true, verdicts: []}
  }
}

/** `kubectl inject-check deployments`: every object of the kind in scope whose own labels match -l, sorted. */
const evaluateList = (
  snapshot: ClusterSnapshot,
  target: Extract<TargetSpec, {kind: 'list'}>,
  options: EvaluateOptions,
): Verdict[] => {
  const selected = (labels: Readonly<Record<string, string>>) =>
    target.labelSelector === undefined || labelsMatchSelectorString(target.labelSelector, labels).matches
  if (target.listKind === 'Namespace')
    return snapshot.namespaces
      .filter((ns) => selected(ns.labels))
      .map((ns) => ns.name)
      .sort()
      .map((name) => evaluateNamespace(snapshot, name, options))
  return snapshot.workloads
    .filter((w) => w.kind === target.listKind && selected(w.labels))
    .filter((w) => target.namespace === null || w.namespace === target.namespace)
    .sort(byName)
    .map((w) => evaluateWorkload(snapshot, w, options))
}

/** Local manifests (`-f`), judged as if applied now: workloads by template, pods as new pods; never matched to live pods. */
export const evaluateManifests = (
  snapshot: ClusterSnapshot,
  manifests: {readonly pods: readonly PodFacts[]; readonly workloads: readonly WorkloadFacts[]},
  options: EvaluateOptions = {},
): Verdict[] => {
  const index = options.index ?? indexRevisions(snapshot)
  const source = (s: string | undefined): {source: string} | Record<string, never> =>
    s === undefined ? {} : {source: s}
  return [
    ...manifests.workloads.map((w) =>
      evaluateWorkload(snapshot, w, {
        ...options,
        index,
        target: {kind: w.kind, namespace: w.namespace, name: w.name, ...source(w.source ?? 'manifest')},
      }),
    ),
    ...manifests.pods.map((p) =>
      evaluatePod(
        snapshot,
        {...p, kind: 'PodTemplate'},
        {
          ...options,
          index,
          target: {kind: 'Pod', namespace: p.namespace, name: p.name, ...source(p.source ?? 'manifest')},
        },
      ),
    ),
  ]
}

/** What a command asks about: a cluster target, or local manifests judged against the cluster. */
export interface CheckRequest {
  readonly target: TargetSpec | undefined
  readonly manifests:
    {readonly pods: readonly PodFacts[]; readonly workloads: readonly WorkloadFacts[]} | undefined
}

/** Manifests when given, else the target (a missing target means every pod). */
export const evaluateRequest = (
  snapshot: ClusterSnapshot,
  request: CheckRequest,
  options: EvaluateOptions = {},
): TargetEvaluation =>
  request.manifests !== undefined
    ? {ok: true, verdicts: evaluateManifests(snapshot, request.manifests, options)}
    : evaluateTarget(snapshot, request.target ?? {kind: 'sweep', namespace: null}, options)
