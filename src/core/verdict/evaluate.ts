// The verdict core: a pod, a workload or a manifest → Verdict, combining both admission layers with observed state.
// Pure: everything comes from the snapshot and the options; nothing is fetched, printed or timed.
import {findMisplacedInjectionMetadata} from '../istio/misplacement.js'
import {indexRevisions} from '../istio/revisions.js'
import type {RevisionIndex} from '../istio/revisions.js'
import type {ClusterSnapshot, NamespaceFacts, PodFacts, WorkloadFacts} from '../snapshot.js'
import {composeActions} from './actions.js'
import type {ActionSource} from './actions.js'
import {decideInjection} from './decide-injection.js'
import type {InjectionDecision, NamespaceView} from './decide-injection.js'
import {findCreationBlock, findDrift, observePod, podCreatorsOf, stateCheck} from './drift.js'
import {findGap} from './gap-checks.js'
import {applyLabelEdit, formatLabelEdit} from './label-edit.js'
import type {LabelEdit} from './label-edit.js'
import type {Check, Finding, TargetRef, Verdict} from './verdict.js'

export type {LabelEdit} from './label-edit.js'

export interface EvaluateOptions {
  /** What-if: edit the namespace labels before deciding (`--namespace-labels`). */
  readonly namespaceLabels?: LabelEdit | undefined
  /** What-if: edit the pod (template) labels before deciding (`--pod-labels`). */
  readonly podLabels?: LabelEdit | undefined
  /** Overrides the target the verdict names (manifests carry their file). */
  readonly target?: TargetRef | undefined
  /** A prebuilt revision index, so sweeps over many pods index once. */
  readonly index?: RevisionIndex | undefined
}

/** The namespace as the decision sees it: what-if labels applied, or the gap that hides it. */
export const viewNamespace = (
  snapshot: ClusterSnapshot,
  name: string,
  edit: LabelEdit | undefined,
): NamespaceView => {
  const stored = snapshot.namespaces.find((ns) => ns.name === name)
  const gap = stored === undefined ? findGap(snapshot, 'namespaces', undefined, name) : undefined
  // A what-if on a namespace that cannot be read (or does not exist yet) describes the namespace completely.
  const base: NamespaceFacts | undefined =
    stored ?? (edit === undefined ? undefined : {name, labels: {}, annotations: {}})
  const facts = base === undefined ? undefined : {...base, labels: applyLabelEdit(base.labels, edit)}
  return {facts, gap: facts === undefined ? gap : undefined}
}

const whatIfChecks = (options: EvaluateOptions, namespace: string, subject: string): Check[] => [
  ...(options.namespaceLabels === undefined
    ? []
    : [
        {
          stage: 'Webhook',
          code: 'WhatIfLabels',
          result: 'Info',
          subject: `namespace ${namespace}`,
          detail: `what-if: labels edited (${formatLabelEdit(options.namespaceLabels)})`,
        } as const,
      ]),
  ...(options.podLabels === undefined
    ? []
    : [
        {
          stage: 'Webhook',
          code: 'WhatIfLabels',
          result: 'Info',
          subject,
          detail: `what-if: labels edited (${formatLabelEdit(options.podLabels)})`,
        } as const,
      ]),
]

interface Assembly {
  readonly target: TargetRef
  readonly decision: InjectionDecision
  readonly injected: boolean | null
  readonly injectedRevision: string | null
  readonly extraChecks: readonly Check[]
  readonly stateChecks: readonly Check[]
  readonly extraFindings: readonly Finding[]
  /** Specific fixes of the target's own metadata: they come before the decision's generic hints. */
  readonly metadataActions: readonly ActionSource[]
  readonly restartActions: readonly ActionSource[]
  readonly owner?: {readonly kind: string; readonly name: string} | undefined
}

const assemble = (a: Assembly): Verdict => ({
  target: a.target,
  injected: a.injected,
  wouldInject: a.decision.wouldInject,
  outcome: a.decision.outcome,
  reason: a.decision.reason,
  revision: a.decision.revision,
  tag: a.decision.tag,
  webhook: a.decision.webhook,
  injectedRevision: a.injectedRevision,
  matches: a.decision.matches,
  checks: [...a.extraChecks, ...a.decision.checks, ...a.stateChecks],
  findings: [...a.decision.findings, ...a.extraFindings],
  // Configuration fixes first, restarts last: a restart only helps once the configuration is right.
  actions: composeActions([...a.metadataActions, ...a.decision.actions, ...a.restartActions]),
  ...(a.owner === undefined ? {} : {owner: a.owner}),
})

/** An injected revision counts as current when it is the revision, the tag it came through, or a tag resolving to it. */
const sameRevision =
  (index: RevisionIndex, decision: InjectionDecision) =>
  (injected: string): boolean =>
    injected === decision.revision ||
    injected === decision.tag ||
    index.tags.some((t) => t.name === injected && t.revision === decision.revision)

const misplacement = (
  subject: WorkloadFacts | PodFacts,
  namespace: NamespaceView,
  index: RevisionIndex,
): {findings: Finding[]; actions: ActionSource[]} => {
  const found = findMisplacedInjectionMetadata(subject, namespace.facts?.labels, index, {
    autoInjectAll: index.autoInjectAll,
  })
  return {
    findings: found.map((f) => ({code: f.code, kind: f.kind, message: f.message})),
    actions: found.map((f) => ({code: f.code, params: f.params})),
  }
}

/** A pod (existing, or a template as if created now): would Istio inject it, and does the running pod agree. */
export const evaluatePod = (
  snapshot: ClusterSnapshot,
  pod: PodFacts,
  options: EvaluateOptions = {},
): Verdict => {
  const index = options.index ?? indexRevisions(snapshot)
  const subject: PodFacts = {...pod, labels: applyLabelEdit(pod.labels, options.podLabels)}
  const namespace = viewNamespace(snapshot, pod.namespace, options.namespaceLabels)
  const decision = decideInjection(snapshot, subject, namespace, index)
  const misplaced = misplacement(subject, namespace, index)
  const existing = pod.kind === 'Pod' && options.target?.source === undefined
  const state = existing ? observePod(pod) : undefined
  const drift =
    state === undefined
      ? {findings: [], actions: []}
      : findDrift([state], decision, pod.owner, sameRevision(index, decision))
  const blocked = findCreationBlock(
    snapshot,
    decision,
    pod.namespace,
    existing && pod.controller !== undefined ? [pod.controller] : [],
  )
  return assemble({
    target: options.target ?? {kind: 'Pod', namespace: pod.namespace, name: pod.name},
    decision,
    injected: state?.injected ?? null,
    injectedRevision: state?.injectedRevision ?? null,
    extraChecks: whatIfChecks(options, pod.namespace, `pod ${pod.namespace}/${pod.name}`),
    stateChecks: state === undefined ? [] : [stateCheck(state)],
    extraFindings: [...blocked.findings, ...misplaced.findings, ...drift.findings],
    metadataActions: [...blocked.actions, ...misplaced.actions],
    restartActions: drift.actions,
    owner: pod.owner,
  })
}

/** Pods a workload owns: by resolved owner, else by direct controller. */
export const podsOfWorkload = (snapshot: ClusterSnapshot, workload: WorkloadFacts): PodFacts[] =>
  snapshot.pods.filter(
    (p) =>
      p.namespace === workload.namespace &&
      ((p.owner?.kind === workload.kind && p.owner.name === workload.name) ||
        (p.controller?.kind === workload.kind && p.controller.name === workload.name) ||
        // A Deployment's pods belong to ReplicaSets named <deployment>-<pod-template-hash>.
        (workload.kind === 'Deployment' &&
          p.controller?.kind === 'ReplicaSet' &&
          p.labels['pod-template-hash'] !== undefined &&
          p.controller.name === `${workload.name}-${p.labels['pod-template-hash']}`)),
  )

/** A workload: its template as a pod created now (works with zero pods), misplaced metadata, and its pods' drift. */
export const evaluateWorkload = (
  snapshot: ClusterSnapshot,
  workload: WorkloadFacts,
  options: EvaluateOptions = {},
): Verdict => {
  const index = options.index ?? indexRevisions(snapshot)
  const template: PodFacts = {
    ...workload.template,
    namespace: workload.namespace,
    labels: applyLabelEdit(workload.template.labels, options.podLabels),
  }
  const namespace = viewNamespace(snapshot, workload.namespace, options.namespaceLabels)
  const decision = decideInjection(snapshot, template, namespace, index)
  const edited: WorkloadFacts = {...workload, template}
  const misplaced = misplacement(edited, namespace, index)
  const fromManifest = options.target?.source !== undefined
  const states = fromManifest ? [] : podsOfWorkload(snapshot, workload).map(observePod)
  // A ReplicaSet owned by a Deployment is restarted through the Deployment.
  const owner =
    workload.controller !== undefined && workload.kind === 'ReplicaSet'
      ? {kind: workload.controller.kind, name: workload.controller.name}
      : {kind: workload.kind, name: workload.name}
  const drift = findDrift(states, decision, owner, sameRevision(index, decision))
  const blocked = findCreationBlock(
    snapshot,
    decision,
    workload.namespace,
    fromManifest ? [] : podCreatorsOf(snapshot, workload),
  )
  const noPods: Check[] =
    states.length === 0 && !fromManifest
      ? [
          {
            stage: 'State',
            code: 'WorkloadHasNoPods',
            result: 'Info',
            subject: `${workload.kind.toLowerCase()} ${workload.namespace}/${workload.name}`,
            detail: 'no pods found: the verdict is for pods created from the template',
          },
        ]
      : []
  return assemble({
    target: options.target ?? {kind: workload.kind, namespace: workload.namespace, name: workload.name},
    decision,
    injected: states.length === 0 ? null : states.every((s) => s.injected),
    injectedRevision:
      [...new Set(states.map((s) => s.injectedRevision).filter((r) => r !== null))].join(',') || null,
    extraChecks: whatIfChecks(
      options,
      workload.namespace,
      `${workload.kind.toLowerCase()} ${workload.namespace}/${workload.name} template`,
    ),
    stateChecks: [...noPods, ...states.map(stateCheck)],
    extraFindings: [...blocked.findings, ...misplaced.findings, ...drift.findings],
    metadataActions: [...blocked.actions, ...misplaced.actions],
    restartActions: drift.actions,
    owner,
  })
}
