// The verdict core: a pod, a workload or a manifest → Verdict, combining both admission layers with observed state.
// Pure: everything comes from the snapshot and the options; nothing is fetched, printed or timed.
import {evaluateAdmissionAfterInjection} from '../admission-after/admission-layer.js'
import type {AdmissionLayer} from '../admission-after/admission-layer.js'
import {findMisplacedInjectionMetadata} from '../istio/misplacement.js'
import {indexRevisions} from '../istio/revisions.js'
import type {RevisionIndex} from '../istio/revisions.js'
import type {ClusterSnapshot, NamespaceFacts, PodFacts, WorkloadFacts} from '../snapshot.js'
import type {WebhookHealth} from '../health/webhook-health.js'
import {injectKey} from '../istio/injection-policy.js'
import {revLabel} from '../istio/revisions.js'
import {
  composeFixes,
  namespaceLabelCommand,
  podLabelSteps,
  restartSteps,
  templateMetadataPath,
} from './actions.js'
import type {ActionSource, ComposedActions, FixSubject} from './actions.js'
import {decideInjection, enableNamespaceAction} from './decide-injection.js'
import type {InjectionDecision, NamespaceView} from './decide-injection.js'
import {findCreationBlock, findDrift, observePod, podCreatorsOf, stateCheck} from './drift.js'
import type {DriftReport, PodState} from './drift.js'
import {findGap} from './gap-checks.js'
import {applyLabelEdit, formatLabelEdit} from './label-edit.js'
import type {LabelEdit} from './label-edit.js'
import {leadingReason} from './leading-reason.js'
import {byDesignCauses} from './nearest-cause.js'
import type {Check, FixAlternative, Finding, TargetRef, Verdict} from './verdict.js'

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
  /** Injector webhook health judged by the caller (`assessWebhooks(snapshot, now)`); without it only time-free checks run. */
  readonly webhookHealth?: readonly WebhookHealth[] | undefined
  /** The snapshot's time (`snapshotTime`): FailedCreate evidence is judged by its age against it. */
  readonly at?: Date | undefined
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
  readonly subject: FixSubject
  readonly options: EvaluateOptions
  readonly index: RevisionIndex
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
  /** The third layer, when the pod would be injected. */
  readonly admission?: AdmissionLayer | undefined
}

/** Admission after injection, only for a pod the decision injects (otherwise there is no injected pod to judge). */
const admissionLayer = (
  snapshot: ClusterSnapshot,
  pod: PodFacts,
  namespace: NamespaceView,
  decision: InjectionDecision,
  subject: FixSubject,
): AdmissionLayer | undefined =>
  decision.outcome !== 'Inject'
    ? undefined
    : evaluateAdmissionAfterInjection(snapshot, pod, namespace.facts, decision.revision, {
        kind: subject.kind,
        name: subject.name,
        namespace: subject.namespace,
      })

// Metadata fixes that name a per-pod intent (the user asked for this pod): the namespace label becomes the alternative.
const perPodCauses = new Set(['AnnotationOnlyOptIn', 'LabelOnControllerMetadata'])

// The cases of the decision that shape its fixes.
interface FixCase {
  /** New pods would be rejected after injection: a restart now leaves the workload with fewer (or no) pods. */
  readonly rejectedAfter: boolean
  readonly byDesign: boolean
  readonly notEnabled: boolean
  readonly perPod: boolean
  readonly canRecreate: boolean
}

const fixCase = ({decision, subject, admission}: Assembly): FixCase => {
  const skip = decision.outcome === 'Skip'
  return {
    rejectedAfter: admission?.admitted === false,
    byDesign: skip && byDesignCauses.has(decision.reason),
    notEnabled: skip && decision.reason === 'NamespaceNotEnabled',
    perPod: skip && perPodCauses.has(decision.reason),
    canRecreate: subject.kind !== 'Namespace' && subject.manifest === undefined,
  }
}

// What-if: the real edit comes first, so the restart that follows has something to act on.
const whatIfSteps = (subject: FixSubject, options: EvaluateOptions): ActionSource[] => [
  ...(options.namespaceLabels === undefined || subject.manifest !== undefined
    ? []
    : [{command: namespaceLabelCommand(subject.namespace, options.namespaceLabels)}]),
  ...(options.podLabels === undefined ? [] : podLabelSteps(subject, options.podLabels)),
]

// Configuration fixes first, restarts last: a restart only helps once the configuration is right.
const primaryFixes = (a: Assembly, c: FixCase): ComposedActions => {
  const base = [...a.metadataActions, ...a.decision.actions, ...(a.admission?.actions ?? [])]
  const restarts = c.rejectedAfter ? [] : [...a.restartActions]
  const fixable = a.decision.outcome === 'Skip' && !c.byDesign && base.length > 0
  // Injection happens only at CREATE: after a label change the running pod must be created again.
  if ((c.notEnabled || c.perPod || fixable) && c.canRecreate) restarts.push(...restartSteps(a.subject))
  // When the edited cluster rejects the injected pod, the admission fix comes before the what-if edit that causes it.
  const whatIf = whatIfSteps(a.subject, a.options)
  const first = c.rejectedAfter ? [...(a.admission?.actions ?? []), ...whatIf] : whatIf
  return composeFixes(c.byDesign ? [] : [...first, ...base, ...restarts])
}

// A per-pod fix has the namespace label as its alternative, when a default revision would inject there.
const namespaceInstead = ({subject, index}: Assembly, c: FixCase): FixAlternative[] => {
  if (!c.perPod || !index.hasDefault) return []
  const ns = composeFixes([
    enableNamespaceAction(subject.namespace, index),
    ...(c.canRecreate ? restartSteps(subject) : []),
  ])
  if (ns.actions.length === 0) return []
  return [
    {
      description: `or label namespace ${subject.namespace} instead: every new pod in ${subject.namespace} is then injected, not only this one`,
      actions: ns.actions,
    },
  ]
}

// A namespace that is not enabled has labelling only this target's pods as its alternative.
const podsInstead = ({subject, index}: Assembly, c: FixCase): FixAlternative[] => {
  if (!c.notEnabled || !index.hasDefault || subject.kind === 'Namespace') return []
  const pod = composeFixes([
    ...podLabelSteps(subject, {set: {[injectKey]: 'true'}, remove: []}),
    ...(subject.manifest === undefined && subject.owner?.kind !== 'Pod' ? restartSteps(subject) : []),
  ])
  if (pod.actions.length === 0) return []
  const kind = subject.owner === undefined ? subject.kind.toLowerCase() : subject.owner.kind.toLowerCase()
  return [
    {
      description: `or inject only this ${kind}: label its pods sidecar.istio.io/inject=true (the namespace label injects every new pod in ${subject.namespace})`,
      actions: pod.actions,
    },
  ]
}

const fixNotes = (a: Assembly, c: FixCase, primary: ComposedActions): string[] => [
  ...primary.notes,
  ...(a.admission?.notes ?? []),
  ...(c.rejectedAfter && a.restartActions.length > 0
    ? [
        'restarting now would leave the workload with no new pods: fix the admission failure first, then restart',
      ]
    : []),
  ...(c.notEnabled && !c.byDesign && a.subject.kind !== 'Namespace'
    ? [`the namespace label affects every new pod in ${a.subject.namespace}`]
    : []),
]

const whatIfEdits = (options: EvaluateOptions): NonNullable<Verdict['whatIf']> => ({
  ...(options.namespaceLabels === undefined
    ? {}
    : {namespaceLabels: formatLabelEdit(options.namespaceLabels)}),
  ...(options.podLabels === undefined ? {} : {podLabels: formatLabelEdit(options.podLabels)}),
})

// The verdict's fix part: commands, what they cannot say, the alternatives, and the what-if edits they assume.
const fixFields = (a: Assembly): Pick<Verdict, 'actions' | 'notes' | 'alternatives' | 'whatIf'> => {
  const c = fixCase(a)
  const primary = primaryFixes(a, c)
  const whatIf = whatIfEdits(a.options)
  return {
    actions: primary.actions,
    notes: fixNotes(a, c, primary),
    alternatives: [...namespaceInstead(a, c), ...podsInstead(a, c)],
    ...(Object.keys(whatIf).length > 0 ? {whatIf} : {}),
  }
}

// The decision's part of the verdict, with the observed injection beside it.
const decisionFields = (a: Assembly, findings: readonly Finding[]) => {
  const {decision} = a
  return {
    target: a.target,
    injected: a.injected,
    wouldInject: decision.wouldInject,
    outcome: decision.outcome,
    // A rejection's own cause (TemplateNotFound…) says more than the FailedCreate events it produces.
    reason: decision.outcome === 'Reject' ? decision.reason : leadingReason(decision.reason, findings),
    decidedBy: decision.decidedBy ?? decision.reason,
    revision: decision.revision,
    tag: decision.tag,
    webhook: decision.webhook,
    injectedRevision: a.injectedRevision,
    matches: decision.matches,
  }
}

// Field order is the -o json/yaml order: decision, trail, fixes, then the admission layer.
const assemble = (a: Assembly): Verdict => {
  const {decision} = a
  const findings = [...decision.findings, ...a.extraFindings, ...(a.admission?.findings ?? [])]
  return {
    ...decisionFields(a, findings),
    checks: [...a.extraChecks, ...decision.checks, ...a.stateChecks],
    findings,
    ...fixFields(a),
    ...(decision.misses === undefined ? {} : {nearestMisses: decision.misses.map((m) => m.webhook)}),
    ...(a.owner === undefined ? {} : {owner: a.owner}),
    admitted: a.admission?.admitted ?? null,
    admission: a.admission?.checks ?? [],
  }
}

/** An injected revision counts as current when it is the revision, the tag it came through, or a tag resolving to it. */
const sameRevision =
  (index: RevisionIndex, decision: InjectionDecision) =>
  (injected: string): boolean =>
    injected === decision.revision ||
    injected === decision.tag ||
    index.tags.some((t) => t.name === injected && t.revision === decision.revision)

const fileEdit = (code: string, subject: FixSubject, key: string): string | undefined => {
  const where = templateMetadataPath(subject.kind)
  const object = `${subject.kind.toLowerCase()}/${subject.name}`
  if (code === 'LabelOnControllerMetadata')
    return `in ${subject.manifest ?? ''}: move ${key} from metadata of ${object} to ${where}.labels`
  if (code === 'AnnotationOnlyOptIn' || code === 'DeprecatedInjectAnnotation')
    return `in ${subject.manifest ?? ''}: move ${key} from ${where}.annotations to ${where}.labels of ${object}`
  return undefined
}

/** Misplaced injection metadata, with fixes that fit the subject: a file edit, a template patch, or a bare pod's recreation. */
const misplacement = (
  target: WorkloadFacts | PodFacts,
  namespace: NamespaceView,
  index: RevisionIndex,
  subject: FixSubject,
): {findings: Finding[]; actions: ActionSource[]} => {
  const found = findMisplacedInjectionMetadata(target, namespace.facts?.labels, index, {
    autoInjectAll: index.autoInjectAll,
  })
  const pod = 'template' in target ? target.template : target
  const actions: ActionSource[] = []
  for (const f of found) {
    const key = /"(sidecar\.istio\.io\/inject|istio\.io\/rev)"/.exec(f.params.patch ?? '')?.[1] ?? injectKey
    if (subject.manifest !== undefined) {
      const note = fileEdit(f.code, subject, key)
      if (note !== undefined) actions.push({note})
    } else if (!('template' in target) && f.code !== 'LabelOnControllerMetadata') {
      // A live pod: labels on the running pod change nothing until it is created again.
      const value = pod.annotations[injectKey]
      if (value !== undefined)
        actions.push(...podLabelSteps(subject, {set: {[injectKey]: value}, remove: []}))
    } else actions.push({code: f.code, params: f.params})
  }
  return {findings: found.map((f) => ({code: f.code, kind: f.kind, message: f.message})), actions}
}

/** Injection labels on the metadata of the workload that owns a pod (the pod's own labels come from its template). */
const ownerMisplacement = (
  snapshot: ClusterSnapshot,
  pod: PodFacts,
  namespace: NamespaceView,
  index: RevisionIndex,
): {findings: Finding[]; actions: ActionSource[]} => {
  const owner = pod.owner
  const workload =
    owner === undefined
      ? undefined
      : snapshot.workloads.find(
          (w) => w.kind === owner.kind && w.name === owner.name && w.namespace === pod.namespace,
        )
  if (workload === undefined) return {findings: [], actions: []}
  const found = findMisplacedInjectionMetadata(workload, namespace.facts?.labels, index).filter(
    (f) => f.code === 'LabelOnControllerMetadata',
  )
  return {
    findings: found.map((f) => ({code: f.code, kind: f.kind, message: f.message})),
    actions: found.map((f) => ({code: f.code, params: f.params})),
  }
}

// istio: manifests/charts/istio-control/istio-discovery/templates/mutatingwebhook.yaml (rev.object needs the namespace
// labels absent; the namespace webhooks ignore pod istio.io/rev): truth table rows 4 and 9.
const revisionOverride = (
  pod: PodFacts,
  namespace: NamespaceView,
  decision: InjectionDecision,
  index: RevisionIndex,
  subject: FixSubject,
): {findings: Finding[]; actions: ActionSource[]} => {
  const podRev = pod.labels[revLabel]
  const labels = namespace.facts?.labels ?? {}
  const nsLabel =
    labels['istio-injection'] === 'enabled'
      ? 'istio-injection=enabled'
      : labels[revLabel] !== undefined && labels['istio-injection'] === undefined
        ? `istio.io/rev=${labels[revLabel]}`
        : undefined
  if (podRev === undefined || nsLabel === undefined || decision.webhook === null)
    return {findings: [], actions: []}
  if (sameRevision(index, decision)(podRev)) return {findings: [], actions: []}
  const injects = decision.revision ?? 'unknown'
  return {
    findings: [
      {
        code: 'PodRevisionOverridden',
        kind: 'Misconfiguration',
        message: `pod label istio.io/rev=${podRev} is ignored: namespace ${pod.namespace} has ${nsLabel}, so ${decision.webhook.configuration}/${decision.webhook.name} selects the pod and revision ${injects} injects it, not ${podRev}`,
      },
    ],
    actions: [
      {
        note:
          subject.manifest === undefined
            ? `to run revision ${podRev}, use a namespace labelled istio.io/rev=${podRev}; otherwise drop the misleading pod label istio.io/rev`
            : `in ${subject.manifest}: drop istio.io/rev from ${templateMetadataPath(subject.kind)}.labels of ${subject.kind.toLowerCase()}/${subject.name}, or deploy it to a namespace labelled istio.io/rev=${podRev}`,
      },
    ],
  }
}

// What a target is judged against: the revision index, its namespace as decided on (what-if applied), who fixes address.
interface Setting {
  readonly snapshot: ClusterSnapshot
  readonly options: EvaluateOptions
  readonly index: RevisionIndex
  readonly namespace: NamespaceView
  readonly subject: FixSubject
}

const settingFor = (
  snapshot: ClusterSnapshot,
  namespace: string,
  options: EvaluateOptions,
  subject: FixSubject,
): Setting => ({
  snapshot,
  options,
  index: options.index ?? indexRevisions(snapshot),
  namespace: viewNamespace(snapshot, namespace, options.namespaceLabels),
  subject,
})

const noEvidence = (): DriftReport => ({findings: [], actions: []})

// Findings in verdict order (creation block, metadata, drift); restarts stay apart so assemble can hold them back.
const evidenceFields = (
  blocked: DriftReport,
  metadata: readonly DriftReport[],
  drift: DriftReport,
): Pick<Assembly, 'extraFindings' | 'metadataActions' | 'restartActions'> => ({
  extraFindings: [...blocked.findings, ...metadata.flatMap((m) => m.findings), ...drift.findings],
  metadataActions: [...blocked.actions, ...metadata.flatMap((m) => m.actions)],
  restartActions: drift.actions,
})

// The pod as the verdict names it and its fixes address it; `existing`: a running pod, not a template or a manifest.
const podSubject = (pod: PodFacts, options: EvaluateOptions) => {
  const target: TargetRef = options.target ?? {kind: 'Pod', namespace: pod.namespace, name: pod.name}
  const existing = pod.kind === 'Pod' && options.target?.source === undefined
  const subject: FixSubject = {
    kind: target.kind,
    namespace: pod.namespace,
    name: pod.name,
    owner: pod.owner,
    controller: existing ? pod.controller : undefined,
    manifest: options.target?.source,
  }
  return {target, existing, subject}
}

// The pod's injection metadata judged: misplaced on it or its owner, the decision, a pod revision the namespace overrides.
const decidePod = (s: Setting, pod: PodFacts, edited: PodFacts, existing: boolean) => {
  const misplaced = misplacement(edited, s.namespace, s.index, s.subject)
  const onOwner = existing ? ownerMisplacement(s.snapshot, pod, s.namespace, s.index) : noEvidence()
  const decision = decideInjection(s.snapshot, edited, s.namespace, s.index, [
    ...misplaced.findings,
    ...onOwner.findings,
  ])
  const overridden = revisionOverride(edited, s.namespace, decision, s.index, s.subject)
  // The owner's metadata comes before the pod's own.
  return {decision, metadata: [onOwner, misplaced, overridden]}
}

// A running pod's sidecar state, its drift from the decision, and what would block the pod's next creation.
const observeExistingPod = (s: Setting, pod: PodFacts, existing: boolean, decision: InjectionDecision) => {
  const state = existing ? observePod(pod) : undefined
  const drift =
    state === undefined
      ? noEvidence()
      : findDrift([state], decision, pod.owner, sameRevision(s.index, decision))
  const blocked = findCreationBlock(
    s.snapshot,
    decision,
    pod.namespace,
    existing && pod.controller !== undefined ? [pod.controller] : [],
    {webhookHealth: s.options.webhookHealth, running: existing, at: s.options.at},
  )
  return {state, drift, blocked}
}

/** A pod (existing, or a template as if created now): would Istio inject it, and does the running pod agree. */
export const evaluatePod = (
  snapshot: ClusterSnapshot,
  pod: PodFacts,
  options: EvaluateOptions = {},
): Verdict => {
  const {target, existing, subject} = podSubject(pod, options)
  const s = settingFor(snapshot, pod.namespace, options, subject)
  const edited: PodFacts = {...pod, labels: applyLabelEdit(pod.labels, options.podLabels)}
  const {decision, metadata} = decidePod(s, pod, edited, existing)
  const {state, drift, blocked} = observeExistingPod(s, pod, existing, decision)
  return assemble({
    target,
    subject,
    options,
    index: s.index,
    decision,
    injected: state?.injected ?? null,
    injectedRevision: state?.injectedRevision ?? null,
    extraChecks: whatIfChecks(options, pod.namespace, `pod ${pod.namespace}/${pod.name}`),
    stateChecks: state === undefined ? [] : [stateCheck(state)],
    ...evidenceFields(blocked, metadata, drift),
    owner: pod.owner,
    admission: admissionLayer(snapshot, edited, s.namespace, decision, subject),
  })
}

/** Pods a workload owns: by resolved owner, else by direct controller. */
export const podsOfWorkload = (snapshot: ClusterSnapshot, workload: WorkloadFacts): PodFacts[] =>
  snapshot.pods
    .filter(
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
    // By name in byte order, as the API server lists them: findings read the same from a live list and from files in any order.
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))

// A ReplicaSet owned by a Deployment is restarted through the Deployment.
const restartOwnerOf = (workload: WorkloadFacts): {kind: string; name: string} =>
  workload.controller !== undefined && workload.kind === 'ReplicaSet'
    ? {kind: workload.controller.kind, name: workload.controller.name}
    : {kind: workload.kind, name: workload.name}

// The workload's template judged as a pod created now: misplaced metadata, the decision, an overridden pod revision.
const decideTemplate = (s: Setting, workload: WorkloadFacts, template: PodFacts) => {
  const misplaced = misplacement({...workload, template}, s.namespace, s.index, s.subject)
  const decision = decideInjection(s.snapshot, template, s.namespace, s.index, misplaced.findings)
  const overridden = revisionOverride(template, s.namespace, decision, s.index, s.subject)
  return {decision, metadata: [misplaced, overridden]}
}

// The workload's pods (none for a manifest): their states, drift from the decision, and what blocks new ones.
const observeWorkloadPods = (
  s: Setting,
  workload: WorkloadFacts,
  decision: InjectionDecision,
  owner: {kind: string; name: string},
  fromManifest: boolean,
) => {
  const states = fromManifest ? [] : podsOfWorkload(s.snapshot, workload).map(observePod)
  const drift = findDrift(states, decision, owner, sameRevision(s.index, decision))
  const blocked = findCreationBlock(
    s.snapshot,
    decision,
    workload.namespace,
    fromManifest ? [] : podCreatorsOf(s.snapshot, workload),
    {webhookHealth: s.options.webhookHealth, at: s.options.at},
  )
  return {states, drift, blocked}
}

// All pods injected or not (null without pods), and the revisions they run, first seen first.
const observedInjection = (states: readonly PodState[]): Pick<Assembly, 'injected' | 'injectedRevision'> => ({
  injected: states.length === 0 ? null : states.every((s) => s.injected),
  injectedRevision:
    [...new Set(states.map((s) => s.injectedRevision).filter((r) => r !== null))].join(',') || null,
})

const noPodsCheck = (workload: WorkloadFacts, states: readonly PodState[], fromManifest: boolean): Check[] =>
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

/** A workload: its template as a pod created now (works with zero pods), misplaced metadata, and its pods' drift. */
export const evaluateWorkload = (
  snapshot: ClusterSnapshot,
  workload: WorkloadFacts,
  options: EvaluateOptions = {},
): Verdict => {
  const owner = restartOwnerOf(workload)
  const {kind, namespace, name} = workload
  const subject: FixSubject = {kind, namespace, name, owner, manifest: options.target?.source}
  const s = settingFor(snapshot, namespace, options, subject)
  const labels = applyLabelEdit(workload.template.labels, options.podLabels)
  const template: PodFacts = {...workload.template, namespace, labels}
  const fromManifest = options.target?.source !== undefined
  const {decision, metadata} = decideTemplate(s, workload, template)
  const {states, drift, blocked} = observeWorkloadPods(s, workload, decision, owner, fromManifest)
  return assemble({
    target: options.target ?? {kind, namespace, name},
    subject,
    options,
    index: s.index,
    decision,
    ...observedInjection(states),
    extraChecks: whatIfChecks(options, namespace, `${kind.toLowerCase()} ${namespace}/${name} template`),
    stateChecks: [...noPodsCheck(workload, states, fromManifest), ...states.map(stateCheck)],
    ...evidenceFields(blocked, metadata, drift),
    owner,
    admission: admissionLayer(snapshot, template, s.namespace, decision, subject),
  })
}
