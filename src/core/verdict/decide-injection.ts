// Both layers for one pod as it would be created now: the API server's webhook selection, then istiod's policy
// for the Istio webhook that would be called. Observed state (drift) is added by the callers.
import {sh} from './shell-command.js'
import {selectWebhooks} from '../admission/webhook-selection.js'
import type {WebhookEvaluation} from '../admission/webhook-selection.js'
import {evaluateInjectionPolicy} from '../istio/injection-policy.js'
import type {PolicyEvaluation} from '../istio/injection-policy.js'
import {findInjectorConfigMap, loadInjectorConfig} from '../istio/injector-config.js'
import type {InjectorConfigLoad} from '../istio/injector-config.js'
import {versionOfRevision} from '../istio/istio-version.js'
import {activeRevisionNames, namespaceLabelFindings, revisionOfConfiguration} from '../istio/revisions.js'
import type {RevisionIndex} from '../istio/revisions.js'
import type {ClusterSnapshot, Gap, NamespaceFacts, PodFacts} from '../snapshot.js'
import type {ActionSource} from './actions.js'
import {byDesignCauses, findNearestCause} from './nearest-cause.js'
import type {WebhookMiss} from './nearest-cause.js'
import {findGap, gapCheck, gapParams} from './gap-checks.js'
import type {ReasonCode} from './reasons.js'
import type {Check, Finding, Outcome, WebhookMatch, WebhookRef} from './verdict.js'

export interface InjectionDecision {
  readonly outcome: Outcome
  /** The specific cause: for a pod no Istio webhook selects, the nearest cause (opted out, not enabled…). */
  readonly reason: ReasonCode
  /** The decisive check's code (PolicyEnabled, NoInjectorWebhookMatches…); equals `reason` unless a nearer cause was found. */
  readonly decidedBy?: ReasonCode
  /** Per Istio configuration without a match, its nearest-miss webhook (for the trail's deciding path). */
  readonly misses?: readonly WebhookMiss[]
  readonly wouldInject: boolean | null
  readonly revision: string | null
  readonly tag: string | null
  readonly webhook: WebhookRef | null
  readonly matches: readonly WebhookMatch[]
  readonly checks: readonly Check[]
  readonly findings: readonly Finding[]
  readonly actions: readonly ActionSource[]
}

export interface NamespaceView {
  /** The namespace with what-if labels applied; undefined when it could not be read. */
  readonly facts: NamespaceFacts | undefined
  readonly gap: Gap | undefined
}

const outcomeOf = (decision: 'Inject' | 'Skip' | 'Reject' | 'Unknown'): boolean | null =>
  decision === 'Inject' ? true : decision === 'Unknown' ? null : false

// Non-Istio webhooks that do not select the pod only matter as context: keep their deciding check, as Info.
const trailOf = (evaluation: WebhookEvaluation): readonly Check[] => {
  if (evaluation.istio || evaluation.outcome !== 'NoMatch') return evaluation.checks
  const last = evaluation.checks.at(-1)
  return last === undefined ? [] : [{...last, result: 'Info'}]
}

const decisiveCheck = (evaluation: WebhookEvaluation, result: Check['result']): Check | undefined =>
  [...evaluation.checks].reverse().find((c) => c.result === result)

/** The fix for "no Istio webhook selects this pod": label the namespace for the default revision, or for a revision. */
export const enableNamespaceAction = (namespace: string, index: RevisionIndex): ActionSource => {
  if (index.hasDefault)
    return {command: sh`kubectl label namespace ${namespace} istio-injection=enabled --overwrite`}
  const revision = activeRevisionNames(index)[0] ?? index.tags.find((t) => !t.deactivated)?.name
  return revision === undefined
    ? {code: 'NoInjectorWebhooks', params: {}}
    : {command: sh`kubectl label namespace ${namespace} istio.io/rev=${revision} --overwrite`}
}

/** Decides injection for `pod` (labels already edited for what-if) in `namespace`. */
export const decideInjection = (
  snapshot: ClusterSnapshot,
  pod: PodFacts,
  namespace: NamespaceView,
  index: RevisionIndex,
  /** Findings about the target's own metadata (misplaced labels): they can be the nearest cause of a miss. */
  metadataFindings: readonly Finding[] = [],
): InjectionDecision => {
  const trail = startTrail(namespace, index)
  const unreadable = unreadableWebhooks(snapshot, trail)
  if (unreadable !== undefined) return unreadable
  // Layer 1: the API server's selection, every webhook in call order.
  const evaluations = selectWebhooks(
    snapshot.webhookConfigurations,
    pod,
    namespace.facts,
    namespace.gap === undefined ? {} : {namespaceGap: namespace.gap},
  )
  trail.checks.push(...evaluations.flatMap(trailOf))
  const matches = webhookMatches(snapshot, evaluations)
  // Any webhook whose selection fails the request (invalid selector, CEL error under Fail) rejects the pod.
  const rejecting = evaluations.find((e) => e.outcome === 'Reject')
  if (rejecting !== undefined) return rejectedBySelection(trail, matches, rejecting)
  // Layer 2: every Istio webhook the API server calls (or may call), in call order, each with its own revision's config.
  const calls = evaluations
    .filter((e) => e.istio && (e.outcome === 'Match' || e.outcome === 'Unknown'))
    .map((e) => callIstiod(snapshot, pod, e))
  if (calls.length === 0)
    return noIstiodCalled(
      snapshot,
      pod,
      namespace.facts,
      index,
      evaluations,
      trail,
      matches,
      metadataFindings,
    )
  return decideByIstiod(pod, namespace, trail, matches, calls)
}

/** What a decision accumulates as it goes: the trail's checks, findings and fixes; namespace label checks go last. */
interface Trail {
  readonly checks: Check[]
  readonly findings: Finding[]
  readonly actions: ActionSource[]
  /** Namespace label findings' checks (IST0123 conflicts, unknown revisions, deactivated webhooks). */
  readonly revisionChecks: readonly Check[]
}

const decisionBase = (trail: Trail) => ({
  revision: null,
  tag: null,
  webhook: null,
  matches: [],
  checks: trail.checks,
  findings: trail.findings,
  actions: trail.actions,
})

// Namespace label findings explain many misses: collected first, their checks appended after the webhooks'.
const startTrail = (namespace: NamespaceView, index: RevisionIndex): Trail => {
  const trail: Trail = {checks: [], findings: [], actions: [], revisionChecks: []}
  if (namespace.facts === undefined) return trail
  const labels = namespaceLabelFindings(namespace.facts, index)
  for (const f of labels.findings) {
    trail.findings.push({code: f.code, kind: f.kind, message: f.message})
    trail.actions.push({code: f.code, params: f.params})
  }
  return {...trail, revisionChecks: labels.checks}
}

/** Webhook configurations the source could not read (and none known): the decision is Unknown, naming the gap. */
const unreadableWebhooks = (snapshot: ClusterSnapshot, trail: Trail): InjectionDecision | undefined => {
  const gap = findGap(snapshot, 'mutatingwebhookconfigurations')
  if (gap === undefined || snapshot.webhookConfigurations.length > 0) return undefined
  const code = gap.reason === 'Forbidden' ? 'Forbidden' : 'DataMissing'
  trail.checks.push(gapCheck('Webhook', gap), ...trail.revisionChecks)
  trail.actions.push({code, params: gapParams(gap)})
  return {...decisionBase(trail), outcome: 'Unknown', reason: code, wouldInject: null}
}

/** The webhooks that select the pod (or may), with the revision and tag of Istio's. */
const webhookMatches = (
  snapshot: ClusterSnapshot,
  evaluations: readonly WebhookEvaluation[],
): WebhookMatch[] =>
  evaluations
    .filter((e) => e.outcome === 'Match' || e.outcome === 'Unknown')
    .map((e) => {
      const config = snapshot.webhookConfigurations.find((c) => c.metadata.name === e.ref.configuration)
      const rev =
        e.istio && config !== undefined ? revisionOfConfiguration(config) : {revision: null, tag: null}
      return {
        webhook: e.ref,
        istio: e.istio,
        result: e.outcome === 'Match' ? 'Match' : 'Unknown',
        revision: rev.revision,
        tag: rev.tag,
        failurePolicy: e.failurePolicy,
        reinvocationPolicy: e.reinvocationPolicy,
      }
    })

const rejectedBySelection = (
  trail: Trail,
  matches: readonly WebhookMatch[],
  rejecting: WebhookEvaluation,
): InjectionDecision => {
  trail.checks.push(...trail.revisionChecks)
  return {
    ...decisionBase(trail),
    matches,
    outcome: 'Reject',
    reason: decisiveCheck(rejecting, 'Fail')?.code ?? 'InvalidSelector',
    wouldInject: false,
  }
}

/** No Istio webhook is called: none exists, or none selects the pod (then the nearest cause is the reason). */
const noIstiodCalled = (
  snapshot: ClusterSnapshot,
  pod: PodFacts,
  namespace: NamespaceFacts | undefined,
  index: RevisionIndex,
  evaluations: readonly WebhookEvaluation[],
  trail: Trail,
  matches: readonly WebhookMatch[],
  metadataFindings: readonly Finding[],
): InjectionDecision => {
  if (!evaluations.some((e) => e.istio)) {
    trail.checks.push(...trail.revisionChecks)
    trail.findings.push(missingInjectorFinding(snapshot))
    trail.actions.push({code: 'NoInjectorWebhooks', params: {}})
    return {
      ...decisionBase(trail),
      matches,
      outcome: 'Skip',
      reason: 'NoInjectorWebhooks',
      wouldInject: false,
    }
  }
  const nearest = findNearestCause(snapshot, pod, namespace, index, [...trail.findings, ...metadataFindings])
  if (byDesignCauses.has(nearest.code)) trail.actions.length = 0
  else if (nearest.code === 'NamespaceNotEnabled')
    trail.actions.push(enableNamespaceAction(pod.namespace, index))
  if (nearest.code !== 'NoInjectorWebhookMatches')
    trail.checks.push({
      stage: 'Webhook',
      code: nearest.code,
      result: byDesignCauses.has(nearest.code) ? 'Info' : 'Fail',
      subject: 'no Istio webhook selects the pod',
      detail: nearest.detail,
    })
  trail.checks.push(...trail.revisionChecks)
  return {
    ...decisionBase(trail),
    matches,
    outcome: 'Skip',
    reason: nearest.code,
    decidedBy: 'NoInjectorWebhookMatches',
    misses: nearest.misses,
    wouldInject: false,
  }
}

/** The cluster has no Istio injector webhook at all: said as a finding, since no pod there can get a sidecar. */
const missingInjectorFinding = (snapshot: ClusterSnapshot): Finding => {
  const count = snapshot.webhookConfigurations.length
  return {
    code: 'NoInjectorWebhooks',
    kind: 'Misconfiguration',
    message:
      count === 0
        ? 'the cluster has no MutatingWebhookConfigurations at all: no Istio sidecar injector is installed'
        : `none of the cluster's ${count} MutatingWebhookConfiguration${count === 1 ? '' : 's'} is an Istio sidecar injector`,
  }
}

/** Istio webhooks are called (or may be): the trail of each call, then the outcome their answers combine to. */
const decideByIstiod = (
  pod: PodFacts,
  namespace: NamespaceView,
  trail: Trail,
  matches: readonly WebhookMatch[],
  calls: readonly IstiodCall[],
): InjectionDecision => {
  const combined = combineCalls(calls)
  const certain = calls.filter((c) => c.evaluation.outcome === 'Match')
  const several = certain.length > 1
  trail.checks.push(
    ...certain.map((call, position) =>
      selectedCheck(call, several ? {position, of: certain.length} : undefined),
    ),
    ...calls.filter((c) => c.evaluation.outcome === 'Unknown').map((c) => mayBeCalledCheck(c, combined)),
    ...trail.revisionChecks,
    ...certain.flatMap((call) => {
      const prefix = several ? `${call.revision ?? 'revision unknown'}: ` : ''
      return [...call.gapChecks, ...call.policy.checks.map((c) => ({...c, subject: `${prefix}${c.subject}`}))]
    }),
  )
  if (several) multipleInjectors(trail, certain, combined)
  const decisive = combined.decisive
  if (decisive !== undefined) return decisiveOutcome(pod, trail, matches, decisive)
  if (combined.undecided !== undefined) return undecidedOutcome(namespace, trail, matches, combined.undecided)
  // Only webhooks that may be called, and each one's istiod would decline: not injected either way.
  return {
    ...decisionBase(trail),
    matches,
    outcome: 'Skip',
    reason: calls.at(-1)?.policy.reason ?? 'NoInjectorWebhookMatches',
    wouldInject: false,
  }
}

const selectedCheck = (call: IstiodCall, order: {position: number; of: number} | undefined): Check => ({
  stage: 'Webhook',
  code: 'InjectorWebhookSelected',
  result: 'Pass',
  subject: refName(call.evaluation.ref),
  detail: `the API server calls istiod ${call.revision === null ? '(revision unknown)' : `revision ${call.revision}`}${call.tag === null ? '' : ` through tag ${call.tag}`} at ${call.target}${order === undefined ? '' : ` (call ${order.position + 1} of ${order.of}: ${call.policy.decision})`}`,
})

const mayBeCalledCheck = (call: IstiodCall, combined: Combination): Check => ({
  stage: 'Webhook',
  code: 'WebhookSelectionUnknown',
  result: call.policy.decision === 'Skip' ? 'Info' : 'Unknown',
  subject: refName(call.evaluation.ref),
  detail:
    call.policy.decision === 'Skip'
      ? `may be called; its istiod would decline anyway (${call.policy.reason}), so it cannot change the outcome`
      : combined.undecided === call
        ? `may be called (selection undecided); if it is, ${call.policy.decision === 'Unknown' ? "its istiod's answer is not known either" : `istiod ${call.revision ?? '(revision unknown)'} would answer ${call.policy.decision}`}, so the outcome is not known`
        : `may be called; it comes before the injecting webhook, whose injection replaces it`,
})

/** Several Istio injectors are called: a finding naming them in order and which one decides, and its fix. */
const multipleInjectors = (trail: Trail, certain: readonly IstiodCall[], combined: Combination): void => {
  const ifNeeded = certain.filter((c) => c.evaluation.reinvocationPolicy === 'IfNeeded')
  const listed = certain.map(
    (c) => `${refName(c.evaluation.ref)} (${c.revision ?? '?'}: ${c.policy.decision})`,
  )
  const winner = combined.decisive
  trail.findings.push({
    code: 'MultipleInjectors',
    kind: 'MultipleInjectors',
    message: `${certain.length} Istio injector webhooks are called for this pod, in order: ${listed.join(', ')}; each istiod that injects replaces earlier injection, so ${winner === undefined ? 'the outcome is not known' : `${refName(winner.evaluation.ref)} decides`}${ifNeeded.length > 0 ? `; reinvocationPolicy IfNeeded on ${ifNeeded.map((c) => refName(c.evaluation.ref)).join(', ')}: the API server calls it again after later webhooks change the pod, so its istiod may inject last` : ''}`,
  })
  trail.actions.push({
    code: 'MultipleInjectors',
    params: {revision: winner?.revision ?? certain.at(-1)?.revision ?? 'default'},
  })
}

/** A call whose answer could change the outcome is not known: Unknown, with what would make it known. */
const undecidedOutcome = (
  namespace: NamespaceView,
  trail: Trail,
  matches: readonly WebhookMatch[],
  undecided: IstiodCall,
): InjectionDecision => {
  const certainUnknown = undecided.evaluation.outcome === 'Match'
  if (!certainUnknown && namespace.gap !== undefined)
    trail.actions.push({
      code: namespace.gap.reason === 'Forbidden' ? 'Forbidden' : 'DataMissing',
      params: gapParams(namespace.gap),
    })
  if (certainUnknown) trail.actions.push(...undecided.loadActions)
  return {
    ...decisionBase(trail),
    outcome: 'Unknown',
    reason: certainUnknown
      ? undecided.policy.reason
      : (decisiveCheck(undecided.evaluation, 'Unknown')?.code ?? 'WebhookSelectionUnknown'),
    wouldInject: null,
    revision: certainUnknown ? undecided.revision : null,
    tag: certainUnknown ? undecided.tag : null,
    webhook: certainUnknown ? undecided.evaluation.ref : null,
    matches,
  }
}

/** The decisive istiod's answer is the outcome; a Skip or Reject carries the fix for its reason. */
const decisiveOutcome = (
  pod: PodFacts,
  trail: Trail,
  matches: readonly WebhookMatch[],
  decisive: IstiodCall,
): InjectionDecision => {
  const policy = decisive.policy
  trail.actions.push(...decisive.loadActions)
  if (policy.decision === 'Skip' || policy.decision === 'Reject')
    trail.actions.push({
      code: policy.reason,
      params: {
        namespace: pod.namespace,
        name: pod.owner?.name ?? pod.name,
        configMap: decisive.configMap.name,
        istioNamespace: decisive.configMap.namespace,
        revision: decisive.revision ?? 'default',
        known: 'config' in decisive.load ? decisive.load.config.templates.join(', ') : '',
      },
    })
  return {
    ...decisionBase(trail),
    outcome: policy.decision,
    reason: policy.reason,
    wouldInject: outcomeOf(policy.decision),
    revision: decisive.revision,
    tag: decisive.tag,
    webhook: decisive.evaluation.ref,
    matches,
  }
}

const refName = (ref: WebhookRef): string => `${ref.configuration}/${ref.name}`

/** One Istio webhook the API server calls (Match) or may call (Unknown), with its istiod's answer. */
interface IstiodCall {
  readonly evaluation: WebhookEvaluation
  readonly revision: string | null
  readonly tag: string | null
  readonly target: string
  readonly load: InjectorConfigLoad
  readonly configMap: {readonly name: string; readonly namespace: string}
  readonly gapChecks: readonly Check[]
  readonly loadActions: readonly ActionSource[]
  readonly policy: PolicyEvaluation
}

// Layer 2 for one webhook: the revision's injector ConfigMap and version, then injectRequired and RunTemplate's checks.
const callIstiod = (snapshot: ClusterSnapshot, pod: PodFacts, evaluation: WebhookEvaluation): IstiodCall => {
  const config = snapshot.webhookConfigurations.find((c) => c.metadata.name === evaluation.ref.configuration)
  const webhook = config?.webhooks?.find((w) => w.name === evaluation.ref.name)
  const {revision, tag} = config === undefined ? {revision: null, tag: null} : revisionOfConfiguration(config)
  const service = webhook?.clientConfig.service
  const target =
    service === undefined
      ? (webhook?.clientConfig.url ?? 'an unknown endpoint')
      : `service ${service.namespace}/${service.name}`
  const istiodNamespace = service?.namespace
  const load = loadInjectorConfig(snapshot, revision, istiodNamespace)
  const version = versionOfRevision(snapshot, revision ?? 'default', istiodNamespace)
  const gapChecks: Check[] = []
  const loadActions: ActionSource[] = []
  if ('code' in load) {
    const lookup = findInjectorConfigMap(snapshot, revision, istiodNamespace)
    const gap = lookup.gap ?? findGap(snapshot, 'configmaps', istiodNamespace, lookup.name)
    if (gap !== undefined) {
      gapChecks.push(gapCheck('Policy', gap))
      loadActions.push({
        code: gap.reason === 'Forbidden' ? 'Forbidden' : 'DataMissing',
        params: gapParams(gap),
      })
    }
    loadActions.push({code: load.code, params: load.params})
  }
  const policy = evaluateInjectionPolicy(pod, 'config' in load ? load.config : undefined, {
    ...(version === undefined ? {} : {version: version.version}),
    ...('code' in load ? {configGap: load.message, configGapCode: load.code} : {}),
  })
  const configMap =
    'config' in load
      ? load.config.source
      : {
          name: findInjectorConfigMap(snapshot, revision, istiodNamespace).name,
          namespace: istiodNamespace ?? 'istio-system',
        }
  return {evaluation, revision, tag, target, load, configMap, gapChecks, loadActions, policy}
}

interface Combination {
  /** The call whose answer is the outcome (the last injecting one, the first rejecting one, or the last declining one). */
  readonly decisive?: IstiodCall
  /** Set when the outcome is Unknown: the first call whose unknown answer could change it. */
  readonly undecided?: IstiodCall
}

// istio: pkg/kube/inject/inject.go stripPod (a later injection replaces an earlier one; a declining istiod returns no
// patch); k8s: apiserver/pkg/admission/plugin/webhook/mutating/dispatcher.go (calls in order, any denial rejects).
const combineCalls = (calls: readonly IstiodCall[]): Combination => {
  const called = (c: IstiodCall): boolean => c.evaluation.outcome === 'Match'
  const rejecting = calls.find((c) => called(c) && c.policy.decision === 'Reject')
  if (rejecting !== undefined) return {decisive: rejecting}
  const lastInject = calls.reduce(
    (found, c, i) => (called(c) && c.policy.decision === 'Inject' ? i : found),
    -1,
  )
  const undecided = calls.find((c, i) => {
    if (called(c)) return c.policy.decision === 'Unknown'
    // A webhook that may be called matters unless its istiod declines, or it injects before the injection that wins.
    if (c.policy.decision === 'Skip') return false
    return !(c.policy.decision === 'Inject' && i < lastInject)
  })
  if (undecided !== undefined) return {undecided}
  if (lastInject >= 0) return {decisive: calls[lastInject] as IstiodCall}
  const lastCalled = calls.filter(called).at(-1)
  return lastCalled === undefined ? {} : {decisive: lastCalled}
}
