// Which mutating webhooks the API server would call for a request, in the order it calls them.
import type {
  Gap,
  Labels,
  MutatingWebhook,
  MutatingWebhookConfiguration,
  NamespaceFacts,
  PodFacts,
} from '../snapshot.js'
import type {Check, CheckResult, WebhookRef} from '../verdict/verdict.js'
import type {ReasonCode} from '../verdict/reasons.js'
import {formatSelectorEvaluation, isEmptySelector, matchLabelSelector} from './label-selector.js'
import {
  admissionRequestFor,
  evaluateMatchConditions,
  formatConditionEvaluations,
  podObjectFromFacts,
} from './match-conditions.js'
import type {MatchConditionsOutcome} from './match-conditions.js'
import {
  formatRuleEvaluation,
  isExemptAdmissionConfigurationResource,
  matchRules,
  podCreateAttributes,
} from './rules.js'
import type {AdmissionAttributes} from './rules.js'

export type WebhookOutcome = 'Match' | 'NoMatch' | 'Unknown' | 'Reject'

export interface WebhookEvaluation {
  readonly ref: WebhookRef
  readonly istio: boolean
  /** `Reject`: the API server fails the request (invalid selector, or matchCondition error under failurePolicy Fail). */
  readonly outcome: WebhookOutcome
  /** In ShouldCallHook order; stops at the first decisive failure. */
  readonly checks: readonly Check[]
  readonly failurePolicy: string
  readonly reinvocationPolicy: string
  readonly sideEffects?: string
  readonly timeoutSeconds: number
  readonly matchPolicy: string
  /** Present when matchConditions were evaluated. */
  readonly matchConditions?: MatchConditionsOutcome
}

export interface SelectWebhooksOptions {
  /** Why the namespace is missing (e.g. Forbidden `get namespaces`, NotFound). */
  readonly namespaceGap?: Gap
  /** Defaults to pod CREATE. */
  readonly attributes?: AdmissionAttributes
}

export const namespaceNameLabel = 'kubernetes.io/metadata.name'

/**
 * Ours: webhook name ends with `sidecar-injector.istio.io`, or the configuration is labelled `istio.io/rev`.
 * istioctl check-inject keeps MWCs with any webhook name ending `istio.io` (istioctl/pkg/checkinject/checkinject.go
 * isIstioWebhook); istioctl analyze IST0139 also takes MWCs labelled `istio.io/rev`. The narrower suffix leaves out
 * other istio.io webhooks that do not inject, and the label catches renamed webhooks in Istio-installed MWCs.
 */
export const isIstioInjectorWebhook = (
  config: MutatingWebhookConfiguration,
  webhook: MutatingWebhook,
): boolean =>
  webhook.name.endsWith('sidecar-injector.istio.io') ||
  Object.hasOwn(config.metadata.labels ?? {}, 'istio.io/rev')

/** Namespace labels as the API server stores them: `kubernetes.io/metadata.name` is always set (KEP-2161). */
export const effectiveNamespaceLabels = (namespace: NamespaceFacts): Labels =>
  Object.hasOwn(namespace.labels, namespaceNameLabel)
    ? namespace.labels
    : {...namespace.labels, [namespaceNameLabel]: namespace.name}

/** Configurations by metadata.name (stable, byte order); webhooks keep their list order. */
// k8s: apiserver/pkg/admission/configuration/mutating_webhook_manager.go mergeMutatingWebhookConfigurations
export const sortWebhookConfigurations = (
  configs: readonly MutatingWebhookConfiguration[],
): MutatingWebhookConfiguration[] =>
  [...configs].sort((a, b) =>
    a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0,
  )

const describeGap = (namespace: string, gap: Gap | undefined): {code: ReasonCode; detail: string} => {
  if (gap?.reason === 'NotFound')
    return {code: 'NamespaceNotFound', detail: `namespace ${namespace} not found`}
  if (gap?.reason === 'Forbidden') {
    const verb = gap.verb ?? 'get'
    return {
      code: 'NamespaceUnreadable',
      detail: `namespace ${namespace} labels unreadable: missing permission \`${verb} namespaces\` (${gap.message})`,
    }
  }
  if (gap)
    return {
      code: 'NamespaceUnreadable',
      detail: `namespace ${namespace} labels unreadable: ${gap.reason}: ${gap.message}`,
    }
  return {code: 'NamespaceUnreadable', detail: `namespace ${namespace} labels were not collected`}
}

interface PendingError {
  readonly check: Check
  /** The API server fails the request (invalid selector) rather than us not knowing (missing namespace). */
  readonly rejects: boolean
  /** Index in `checks` where it belongs (ShouldCallHook order). */
  readonly position: number
}

const evaluateWebhook = (
  config: MutatingWebhookConfiguration,
  webhook: MutatingWebhook,
  pod: PodFacts,
  namespace: NamespaceFacts | undefined,
  attrs: AdmissionAttributes,
  options: SelectWebhooksOptions,
): WebhookEvaluation => {
  const ref = {configuration: config.metadata.name, name: webhook.name}
  const failurePolicy = webhook.failurePolicy ?? 'Fail'
  const matchPolicy = webhook.matchPolicy ?? 'Equivalent'
  const base = {
    ref,
    istio: isIstioInjectorWebhook(config, webhook),
    failurePolicy,
    reinvocationPolicy: webhook.reinvocationPolicy ?? 'Never',
    ...(webhook.sideEffects === undefined ? {} : {sideEffects: webhook.sideEffects}),
    timeoutSeconds: webhook.timeoutSeconds ?? 10,
    matchPolicy,
  }
  const subject = (part: string) => `${ref.configuration}/${ref.name} ${part}`
  const check = (part: string, code: ReasonCode, result: CheckResult, detail: string): Check => ({
    stage: 'Webhook',
    code,
    result,
    subject: subject(part),
    detail,
  })
  const checks: Check[] = []
  const pending: PendingError[] = []
  const defer = (c: Check, rejects: boolean) => pending.push({check: c, rejects, position: checks.length})
  // Puts deferred selector errors back in evaluation order; `moot` marks them irrelevant to the outcome.
  const flushPending = (moot?: string) => {
    for (const p of [...pending].reverse()) {
      checks.splice(
        p.position,
        0,
        moot ? {...p.check, result: 'Info', detail: `${p.check.detail} (moot: ${moot})`} : p.check,
      )
    }
  }
  const done = (
    outcome: WebhookOutcome,
    extra: {matchConditions?: MatchConditionsOutcome} = {},
  ): WebhookEvaluation => ({
    ...base,
    outcome,
    checks,
    ...extra,
  })

  if (isExemptAdmissionConfigurationResource(attrs)) {
    checks.push(
      check(
        'rules',
        'ExemptResource',
        'Info',
        `${attrs.kind?.kind ?? attrs.resource} requests never reach webhooks`,
      ),
    )
    return done('NoMatch')
  }

  // 1. namespaceSelector. k8s: apiserver/pkg/admission/plugin/webhook/predicates/namespace/matcher.go
  if (!attrs.namespaced && attrs.resource !== 'namespaces') {
    checks.push(
      check(
        'namespaceSelector',
        'NamespaceSelectorMatch',
        'Pass',
        'cluster-scoped request: never exempted by namespaceSelector',
      ),
    )
  } else if (isEmptySelector(webhook.namespaceSelector)) {
    checks.push(
      check(
        'namespaceSelector',
        'NamespaceSelectorMatch',
        'Pass',
        '{} matches everything (no namespace lookup)',
      ),
    )
  } else {
    const invalid = matchLabelSelector(webhook.namespaceSelector, {}).error
    if (invalid !== undefined) {
      defer(
        check('namespaceSelector', 'InvalidSelector', 'Fail', `invalid namespaceSelector: ${invalid}`),
        true,
      )
    } else if (namespace === undefined) {
      const gap = describeGap(pod.namespace, options.namespaceGap)
      defer(check('namespaceSelector', gap.code, 'Unknown', gap.detail), false)
    } else {
      const labels = effectiveNamespaceLabels(namespace)
      const evaluation = matchLabelSelector(webhook.namespaceSelector, labels)
      const detail = `namespace ${namespace.name}: ${formatSelectorEvaluation(evaluation)}`
      if (!evaluation.matches) {
        checks.push(check('namespaceSelector', 'NamespaceSelectorMismatch', 'Fail', detail))
        return done('NoMatch')
      }
      checks.push(check('namespaceSelector', 'NamespaceSelectorMatch', 'Pass', detail))
    }
  }

  // 2. objectSelector against the new object (oldObject is absent on CREATE). k8s: predicates/object/matcher.go
  if (isEmptySelector(webhook.objectSelector)) {
    checks.push(check('objectSelector', 'ObjectSelectorMatch', 'Pass', '{} matches everything'))
  } else {
    const evaluation = matchLabelSelector(webhook.objectSelector, pod.labels)
    const detail = `pod labels: ${formatSelectorEvaluation(evaluation)}`
    if (evaluation.error !== undefined) {
      defer(
        check('objectSelector', 'InvalidSelector', 'Fail', `invalid objectSelector: ${evaluation.error}`),
        true,
      )
    } else if (!evaluation.matches) {
      checks.push(check('objectSelector', 'ObjectSelectorMismatch', 'Fail', detail))
      flushPending('skipped by objectSelector')
      return done('NoMatch')
    } else {
      checks.push(check('objectSelector', 'ObjectSelectorMatch', 'Pass', detail))
    }
  }

  // 3. rules. k8s: predicates/rules/rules.go
  const rules = matchRules(webhook.rules, attrs, matchPolicy)
  if (!rules.matches) {
    checks.push(check('rules', 'RuleMismatch', 'Fail', formatRuleEvaluation(rules)))
    flushPending('no rule matches')
    return done('NoMatch')
  }
  // 4. Selector errors surface only now that the rules match. k8s: generic/webhook.go ShouldCallHook
  checks.push(check('rules', 'RulesMatch', 'Pass', formatRuleEvaluation(rules)))
  flushPending()
  if (pending.some((p) => p.rejects)) return done('Reject')
  if (pending.length > 0) return done('Unknown')

  // 5. matchConditions. k8s: apiserver/pkg/admission/plugin/webhook/matchconditions/matcher.go
  const conditions = webhook.matchConditions ?? []
  if (conditions.length === 0) return done('Match')
  const partial = pod.object === undefined
  const result = evaluateMatchConditions(
    conditions,
    {
      object: pod.object ?? podObjectFromFacts(pod),
      oldObject: null,
      request: admissionRequestFor(attrs, pod),
      objectIsPartial: partial,
    },
    failurePolicy,
  )
  const note = partial ? ' [object rebuilt from pod facts: metadata, hostNetwork, nodeName, containers]' : ''
  const detail = formatConditionEvaluations(result.conditions) + note
  switch (result.outcome) {
    case 'Match':
      checks.push(check('matchConditions', 'MatchConditionsTrue', 'Pass', detail))
      return done('Match', {matchConditions: result})
    case 'NoMatch':
      checks.push(
        check('matchConditions', 'MatchConditionFalse', 'Fail', `${result.condition} is false: ${detail}`),
      )
      return done('NoMatch', {matchConditions: result})
    case 'Error': {
      const effect =
        result.effect === 'Reject'
          ? 'failurePolicy Fail rejects the request'
          : 'failurePolicy Ignore skips the webhook'
      checks.push(
        check(
          'matchConditions',
          'MatchConditionError',
          'Fail',
          `${result.condition} errors (${effect}): ${detail}`,
        ),
      )
      return done(result.effect === 'Reject' ? 'Reject' : 'NoMatch', {matchConditions: result})
    }
    case 'Unknown':
      checks.push(
        check(
          'matchConditions',
          'MatchConditionUnevaluable',
          'Unknown',
          `${result.condition}: ${result.why}; ${detail}`,
        ),
      )
      return done('Unknown', {matchConditions: result})
  }
}

/** Every webhook of every configuration, in API-server call order, with the reason it would or would not be called. */
export const selectWebhooks = (
  configs: readonly MutatingWebhookConfiguration[],
  pod: PodFacts,
  namespace: NamespaceFacts | undefined,
  options: SelectWebhooksOptions = {},
): WebhookEvaluation[] => {
  const attrs = options.attributes ?? podCreateAttributes
  return sortWebhookConfigurations(configs).flatMap((config) =>
    (config.webhooks ?? []).map((webhook) =>
      evaluateWebhook(config, webhook, pod, namespace, attrs, options),
    ),
  )
}
