// Both layers for one pod as it would be created now: the API server's webhook selection, then istiod's policy
// for the Istio webhook that would be called. Observed state (drift) is added by the callers.
import {selectWebhooks} from '../admission/webhook-selection.js'
import type {WebhookEvaluation} from '../admission/webhook-selection.js'
import {evaluateInjectionPolicy, injectKey} from '../istio/injection-policy.js'
import {findInjectorConfigMap, loadInjectorConfig} from '../istio/injector-config.js'
import {versionOfRevision} from '../istio/istio-version.js'
import {
  activeRevisionNames,
  injectionLabel,
  namespaceLabelFindings,
  revisionOfConfiguration,
} from '../istio/revisions.js'
import type {RevisionIndex} from '../istio/revisions.js'
import type {ClusterSnapshot, Gap, NamespaceFacts, PodFacts} from '../snapshot.js'
import type {ActionSource} from './actions.js'
import {findGap, gapCheck, gapParams} from './gap-checks.js'
import type {ReasonCode} from './reasons.js'
import type {Check, Finding, Outcome, WebhookMatch, WebhookRef} from './verdict.js'

export interface InjectionDecision {
  readonly outcome: Outcome
  readonly reason: ReasonCode
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
const enableNamespaceAction = (namespace: string, index: RevisionIndex): ActionSource => {
  if (index.hasDefault)
    return {command: `kubectl label namespace ${namespace} istio-injection=enabled --overwrite`}
  const revision = activeRevisionNames(index)[0] ?? index.tags.find((t) => !t.deactivated)?.name
  return revision === undefined
    ? {code: 'NoInjectorWebhooks', params: {}}
    : {command: `kubectl label namespace ${namespace} istio.io/rev=${revision} --overwrite`}
}

// Opt-outs the user wrote on purpose: enabling the namespace would not (or should not) change them.
const optedOut = (pod: PodFacts, namespace: NamespaceFacts | undefined): boolean =>
  pod.labels[injectKey] === 'false' || namespace?.labels[injectionLabel] === 'disabled'

/** Decides injection for `pod` (labels already edited for what-if) in `namespace`. */
export const decideInjection = (
  snapshot: ClusterSnapshot,
  pod: PodFacts,
  namespace: NamespaceView,
  index: RevisionIndex,
): InjectionDecision => {
  const checks: Check[] = []
  const findings: Finding[] = []
  const actions: ActionSource[] = []
  const base = {revision: null, tag: null, webhook: null, matches: [], checks, findings, actions}

  // Namespace label findings (IST0123 conflicts, unknown revisions, deactivated webhooks) explain many misses.
  const revisionChecks: Check[] = []
  if (namespace.facts !== undefined) {
    const labels = namespaceLabelFindings(namespace.facts, index)
    revisionChecks.push(...labels.checks)
    for (const f of labels.findings) {
      findings.push({code: f.code, kind: f.kind, message: f.message})
      actions.push({code: f.code, params: f.params})
    }
  }

  const webhookGap = findGap(snapshot, 'mutatingwebhookconfigurations')
  if (webhookGap !== undefined && snapshot.webhookConfigurations.length === 0) {
    checks.push(gapCheck('Webhook', webhookGap), ...revisionChecks)
    actions.push({
      code: webhookGap.reason === 'Forbidden' ? 'Forbidden' : 'DataMissing',
      params: gapParams(webhookGap),
    })
    return {
      ...base,
      outcome: 'Unknown',
      reason: webhookGap.reason === 'Forbidden' ? 'Forbidden' : 'DataMissing',
      wouldInject: null,
    }
  }

  const evaluations = selectWebhooks(
    snapshot.webhookConfigurations,
    pod,
    namespace.facts,
    namespace.gap === undefined ? {} : {namespaceGap: namespace.gap},
  )
  const webhookChecks = evaluations.flatMap(trailOf)
  const matches: WebhookMatch[] = evaluations
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
  checks.push(...webhookChecks)

  // Any webhook whose selection fails the request (invalid selector, CEL error under Fail) rejects the pod.
  const rejecting = evaluations.find((e) => e.outcome === 'Reject')
  if (rejecting !== undefined) {
    const failed = decisiveCheck(rejecting, 'Fail')
    checks.push(...revisionChecks)
    return {
      ...base,
      matches,
      outcome: 'Reject',
      reason: failed?.code ?? 'InvalidSelector',
      wouldInject: false,
    }
  }

  const istioMatched = evaluations.filter((e) => e.istio && e.outcome === 'Match')
  const istioUnknown = evaluations.filter((e) => e.istio && e.outcome === 'Unknown')
  if (istioMatched.length === 0) {
    checks.push(...revisionChecks)
    const unknown = istioUnknown[0]
    if (unknown !== undefined) {
      const undecided = decisiveCheck(unknown, 'Unknown')
      if (namespace.gap !== undefined)
        actions.push({
          code: namespace.gap.reason === 'Forbidden' ? 'Forbidden' : 'DataMissing',
          params: gapParams(namespace.gap),
        })
      return {
        ...base,
        matches,
        outcome: 'Unknown',
        reason: undecided?.code ?? 'WebhookSelectionUnknown',
        wouldInject: null,
      }
    }
    const anyIstio = evaluations.some((e) => e.istio)
    if (anyIstio && !optedOut(pod, namespace.facts) && !findings.some((f) => f.kind === 'Misconfiguration')) {
      actions.push(enableNamespaceAction(pod.namespace, index))
    }
    if (!anyIstio) actions.push({code: 'NoInjectorWebhooks', params: {}})
    return {
      ...base,
      matches,
      outcome: 'Skip',
      reason: anyIstio ? 'NoInjectorWebhookMatches' : 'NoInjectorWebhooks',
      wouldInject: false,
    }
  }

  // Every matching webhook is called in order; the injector strips earlier injection, so the last caller wins.
  // k8s: apiserver/pkg/admission/plugin/webhook/mutating/dispatcher.go; istio: pkg/kube/inject/inject.go stripPod
  const selected = istioMatched[istioMatched.length - 1] as WebhookEvaluation
  const config = snapshot.webhookConfigurations.find((c) => c.metadata.name === selected.ref.configuration)
  const webhook = config?.webhooks?.find((w) => w.name === selected.ref.name)
  const {revision, tag} = config === undefined ? {revision: null, tag: null} : revisionOfConfiguration(config)
  if (istioMatched.length > 1) {
    const names = istioMatched.map((e) => `${e.ref.configuration}/${e.ref.name}`)
    findings.push({
      code: 'MultipleInjectors',
      kind: 'MultipleInjectors',
      message: `${istioMatched.length} Istio injector webhooks select this pod (${names.join(', ')}); each is called and the last, ${names.at(-1) ?? ''}, wins`,
    })
    actions.push({code: 'MultipleInjectors', params: {revision: revision ?? 'default'}})
  }
  const service = webhook?.clientConfig.service
  const target =
    service === undefined
      ? (webhook?.clientConfig.url ?? 'an unknown endpoint')
      : `service ${service.namespace}/${service.name}`
  checks.push({
    stage: 'Webhook',
    code: 'InjectorWebhookSelected',
    result: 'Pass',
    subject: `${selected.ref.configuration}/${selected.ref.name}`,
    detail: `the API server calls istiod ${revision === null ? '(revision unknown)' : `revision ${revision}`}${tag === null ? '' : ` through tag ${tag}`} at ${target}`,
  })
  checks.push(...revisionChecks)

  // Layer 2: the revision's injector ConfigMap and version, then injectRequired.
  const istiodNamespace = service?.namespace
  const load = loadInjectorConfig(snapshot, revision, istiodNamespace)
  const version = versionOfRevision(snapshot, revision ?? 'default', istiodNamespace)
  if ('code' in load) {
    const lookup = findInjectorConfigMap(snapshot, revision, istiodNamespace)
    const gap = lookup.gap ?? findGap(snapshot, 'configmaps', istiodNamespace, lookup.name)
    if (gap !== undefined) {
      checks.push(gapCheck('Policy', gap))
      actions.push({code: gap.reason === 'Forbidden' ? 'Forbidden' : 'DataMissing', params: gapParams(gap)})
    }
    actions.push({code: load.code, params: load.params})
  }
  const policy = evaluateInjectionPolicy(pod, 'config' in load ? load.config : undefined, {
    ...(version === undefined ? {} : {version: version.version}),
    ...('code' in load ? {configGap: load.message, configGapCode: load.code} : {}),
  })
  checks.push(...policy.checks)
  if (policy.decision === 'Skip' || policy.decision === 'Reject') {
    const configMap =
      'config' in load
        ? load.config.source
        : {
            name: findInjectorConfigMap(snapshot, revision, istiodNamespace).name,
            namespace: istiodNamespace ?? 'istio-system',
          }
    actions.push({
      code: policy.reason,
      params: {
        namespace: pod.namespace,
        name: pod.owner?.name ?? pod.name,
        configMap: configMap.name,
        istioNamespace: configMap.namespace,
        revision: revision ?? 'default',
        known: 'config' in load ? load.config.templates.join(', ') : '',
      },
    })
  }
  return {
    outcome: policy.decision,
    reason: policy.reason,
    wouldInject: outcomeOf(policy.decision),
    revision,
    tag,
    webhook: selected.ref,
    matches,
    checks,
    findings,
    actions,
  }
}
