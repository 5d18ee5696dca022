// Dispatches a target (what the user named) to the right evaluation over a snapshot: pod, workload, namespace, sweep, manifests.
import {labelsMatchSelectorString} from '../admission/label-selector.js'
import {indexRevisions} from '../istio/revisions.js'
import type {ClusterSnapshot, PodFacts, WorkloadFacts} from '../snapshot.js'
import type {TargetSpec} from '../../cluster/target-spec.js'
import {evaluatePod, evaluateWorkload} from './evaluate.js'
import type {EvaluateOptions} from './evaluate.js'
import {evaluateNamespace} from './namespace-verdict.js'
import type {Verdict} from './verdict.js'

export type TargetEvaluation =
  | {readonly ok: true; readonly verdicts: readonly Verdict[]}
  /** The named object is not in the snapshot (offline input without it); `message` is kubectl-worded. */
  | {readonly ok: false; readonly message: string}

const byName = (a: PodFacts, b: PodFacts): number =>
  a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name)

/** Evaluates a TargetSpec against the snapshot; a sweep yields one verdict per pod, sorted by namespace and name. */
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
        .sort(byName)
      return {ok: true, verdicts: pods.map((pod) => evaluatePod(snapshot, pod, shared))}
    }
    case 'manifests':
      return {ok: true, verdicts: []}
  }
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
