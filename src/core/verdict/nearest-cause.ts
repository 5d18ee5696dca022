// Why no Istio webhook selects a pod: each Istio webhook's selector terms are evaluated one by one against the namespace
// and pod labels, and each failing term is named by what it says about the labels (opted out, disabled, a wrong
// value, a revision that names nothing, not enabled). The most specific cause over all webhooks wins; none is guessed.
import {effectiveNamespaceLabels, isIstioInjectorWebhook} from '../admission/webhook-selection.js'
import {matchLabelSelector} from '../admission/label-selector.js'
import {ignoredNamespaces, injectKey} from '../istio/injection-policy.js'
import {
  configurationsForRevisionLabel,
  injectionLabel,
  isDeactivatedWebhook,
  revLabel,
} from '../istio/revisions.js'
import type {RevisionIndex} from '../istio/revisions.js'
import type {
  ClusterSnapshot,
  LabelSelector,
  LabelSelectorRequirement,
  Labels,
  NamespaceFacts,
  PodFacts,
} from '../snapshot.js'
import type {ReasonCode} from './reasons.js'
import type {Finding, WebhookRef} from './verdict.js'

/** Most specific first: facts istiod acts on regardless of selection, deliberate opt-outs, mistakes, then "not enabled". */
export const causePriority: readonly ReasonCode[] = [
  'HostNetwork',
  'IgnoredNamespace',
  'InjectLabelFalse',
  'NamespaceInjectionDisabled',
  'NamespaceLabelInvalidValue',
  'InjectValueInvalid',
  'RevisionNotFound',
  'WebhookDeactivated',
  'NoDefaultRevision',
  'LabelOnControllerMetadata',
  'AnnotationOnlyOptIn',
  'NamespaceNotEnabled',
]

/** Causes that mean "not injected on purpose": no fix is suggested for them. */
export const byDesignCauses: ReadonlySet<ReasonCode> = new Set<ReasonCode>([
  'HostNetwork',
  'IgnoredNamespace',
  'InjectLabelFalse',
  'InjectAnnotationFalse',
  'NamespaceInjectionDisabled',
  'NeverInjectSelector',
  'PolicyDisabled',
])

export interface WebhookMiss {
  readonly webhook: WebhookRef
  /** The most specific cause among the webhook's failing terms; null when no term says anything about injection. */
  readonly cause: ReasonCode | null
  /** The failing term with the actual value, e.g. `sidecar.istio.io/inject NotIn [false]; pod has "false"`. */
  readonly term: string
}

export interface NearestCause {
  readonly code: ReasonCode
  readonly detail: string
  /** Per Istio configuration, the webhook whose failing term is most informative. */
  readonly misses: readonly WebhookMiss[]
}

const requirementsOf = (selector: LabelSelector | undefined): LabelSelectorRequirement[] => [
  ...Object.entries(selector?.matchLabels ?? {}).map(([key, value]) => ({
    key,
    operator: 'In',
    values: [value],
  })),
  ...(selector?.matchExpressions ?? []),
]

const describeTerm = (r: LabelSelectorRequirement, side: string, actual: string | undefined): string =>
  `${r.key} ${r.operator}${(r.values ?? []).length > 0 ? ` [${(r.values ?? []).join(', ')}]` : ''}; ${side} ${actual === undefined ? `has no ${r.key} label` : `has ${r.key}=${JSON.stringify(actual)}`}`

const namespaceCause = (key: string, actual: string | undefined, index: RevisionIndex): ReasonCode | null => {
  if (key === injectionLabel) {
    if (actual === undefined) return 'NamespaceNotEnabled'
    if (actual === 'disabled') return 'NamespaceInjectionDisabled'
    return actual === 'enabled' ? null : 'NamespaceLabelInvalidValue'
  }
  if (key === revLabel) {
    if (actual === undefined) return 'NamespaceNotEnabled'
    return configurationsForRevisionLabel(index, actual).length === 0 ? 'RevisionNotFound' : null
  }
  // istio: manifests/charts/istio-control/istio-discovery/templates/mutatingwebhook.yaml (auto webhook excludes kube-system, kube-public)
  if (key === 'kubernetes.io/metadata.name' && actual !== undefined && ignoredNamespaces.includes(actual))
    return 'IgnoredNamespace'
  return null
}

const podCause = (key: string, actual: string | undefined, index: RevisionIndex): ReasonCode | null => {
  if (key === injectKey) {
    if (actual === undefined) return 'NamespaceNotEnabled'
    if (actual === 'false') return 'InjectLabelFalse'
    return actual === 'true' ? null : 'InjectValueInvalid'
  }
  if (key === revLabel) {
    if (actual === undefined) return 'NamespaceNotEnabled'
    return configurationsForRevisionLabel(index, actual).length === 0 ? 'RevisionNotFound' : null
  }
  return null
}

const rank = (code: ReasonCode | null): number => {
  const at = code === null ? -1 : causePriority.indexOf(code)
  return at < 0 ? causePriority.length : at
}

interface FailedTerm {
  readonly cause: ReasonCode | null
  readonly term: string
}

const failingTerms = (
  selector: LabelSelector | undefined,
  labels: Labels,
  side: string,
  causeOf: (key: string, actual: string | undefined) => ReasonCode | null,
): FailedTerm[] =>
  requirementsOf(selector)
    .filter((r) => !matchLabelSelector({matchExpressions: [r]}, labels).matches)
    .map((r) => ({cause: causeOf(r.key, labels[r.key]), term: describeTerm(r, side, labels[r.key])}))

/**
 * The nearest specific cause for a pod no Istio webhook selects. `findings` are the namespace-label and misplaced-
 * metadata findings already made (RevisionNotFound, LabelOnControllerMetadata, AnnotationOnlyOptIn…).
 */
export const findNearestCause = (
  snapshot: ClusterSnapshot,
  pod: PodFacts,
  namespace: NamespaceFacts | undefined,
  index: RevisionIndex,
  findings: readonly Finding[],
): NearestCause => {
  const misses: WebhookMiss[] = []
  const nsLabels = namespace === undefined ? undefined : effectiveNamespaceLabels(namespace)
  const configs = [...snapshot.webhookConfigurations].sort((a, b) =>
    a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0,
  )
  for (const config of configs) {
    let best: WebhookMiss | undefined
    for (const webhook of config.webhooks ?? []) {
      if (!isIstioInjectorWebhook(config, webhook) || isDeactivatedWebhook(webhook)) continue
      const terms = [
        ...(nsLabels === undefined
          ? []
          : failingTerms(webhook.namespaceSelector, nsLabels, `namespace ${pod.namespace}`, (k, v) =>
              namespaceCause(k, v, index),
            )),
        ...failingTerms(webhook.objectSelector, pod.labels, 'pod', (k, v) => podCause(k, v, index)),
      ]
      const top = [...terms].sort((a, b) => rank(a.cause) - rank(b.cause))[0]
      if (top === undefined) continue
      const miss = {webhook: {configuration: config.metadata.name, name: webhook.name}, ...top}
      if (best === undefined || rank(miss.cause) < rank(best.cause)) best = miss
    }
    if (best !== undefined) misses.push(best)
  }
  const candidates: {code: ReasonCode; detail: string}[] = []
  if (pod.hostNetwork)
    candidates.push({code: 'HostNetwork', detail: 'spec.hostNetwork is true: istiod never injects such pods'})
  if (ignoredNamespaces.includes(pod.namespace))
    candidates.push({
      code: 'IgnoredNamespace',
      detail: `istiod ignores namespace ${pod.namespace} even when a webhook selects it`,
    })
  for (const miss of misses)
    if (miss.cause !== null)
      candidates.push({
        code: miss.cause,
        detail: `${miss.webhook.configuration}/${miss.webhook.name}: ${miss.term}`,
      })
  for (const finding of findings)
    if (causePriority.includes(finding.code)) candidates.push({code: finding.code, detail: finding.message})
  const chosen = [...candidates].sort((a, b) => rank(a.code) - rank(b.code))[0]
  return {
    code: chosen?.code ?? 'NoInjectorWebhookMatches',
    detail: chosen?.detail ?? 'no failing selector term names an injection label',
    misses,
  }
}
