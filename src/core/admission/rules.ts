// Webhook `rules` matching, as the API server does it, reporting the failing predicate of every rule.
import type {RuleWithOperations} from '../snapshot.js'

export interface GroupVersionResource {
  readonly group: string
  readonly version: string
  readonly resource: string
}

/** The parts of an admission request that webhook selection looks at (admission.Attributes). */
export interface AdmissionAttributes {
  readonly operation: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT'
  readonly group: string
  readonly version: string
  readonly resource: string
  /** `''` for the main resource, e.g. `status` or `ephemeralcontainers` otherwise. */
  readonly subresource: string
  /** True when the request carries a namespace (a namespaced resource). */
  readonly namespaced: boolean
  readonly kind?: {readonly group: string; readonly version: string; readonly kind: string}
  /** `request.dryRun` (e.g. `kubectl create --dry-run=server`). */
  readonly dryRun?: boolean
  /** Other GVRs serving the same objects, tried for `matchPolicy: Equivalent`; empty for pods. */
  readonly equivalents?: readonly GroupVersionResource[]
}

/** Pod CREATE, what Istio's webhooks intercept. Core v1 pods are served at one GVR only, so no equivalents. */
export const podCreateAttributes: AdmissionAttributes = {
  operation: 'CREATE',
  group: '',
  version: 'v1',
  resource: 'pods',
  subresource: '',
  namespaced: true,
  kind: {group: '', version: 'v1', kind: 'Pod'},
  dryRun: false,
  equivalents: [],
}

export type RulePredicate = 'scope' | 'operations' | 'apiGroups' | 'apiVersions' | 'resources'

export interface RulePredicateEvaluation {
  readonly predicate: RulePredicate
  readonly matches: boolean
  /** e.g. `operations [CREATE]`. */
  readonly term: string
  /** e.g. `operation UPDATE`. */
  readonly actual: string
}

export interface RuleCheck {
  readonly index: number
  readonly matches: boolean
  /** First failing predicate in the API server's order (scope, operations, apiGroups, apiVersions, resources). */
  readonly failed?: RulePredicate
  readonly predicates: readonly RulePredicateEvaluation[]
  /** Set when the rule matched through an equivalent GVR (`matchPolicy: Equivalent`). */
  readonly equivalent?: GroupVersionResource
}

export interface RuleEvaluation {
  readonly matches: boolean
  /** Index of the first matching rule. */
  readonly matchedRule?: number
  readonly rules: readonly RuleCheck[]
}

const list = (items: readonly string[] | undefined): string =>
  `[${(items ?? []).map((item) => (item === '' ? '""' : item)).join(', ')}]`

// k8s: apiserver/pkg/admission/plugin/webhook/predicates/rules/rules.go exactOrWildcard
const exactOrWildcard = (items: readonly string[] | undefined, requested: string): boolean =>
  (items ?? []).some((item) => item === '*' || item === requested)

// k8s: rules.go splitResource and resource(): `*` is every resource without subresource, `*/*` everything
const resourceMatches = (
  resources: readonly string[] | undefined,
  resource: string,
  subresource: string,
): boolean =>
  (resources ?? []).some((entry) => {
    const slash = entry.indexOf('/')
    const res = slash < 0 ? entry : entry.slice(0, slash)
    const sub = slash < 0 ? '' : entry.slice(slash + 1)
    return (res === '*' || res === resource) && (sub === '*' || sub === subresource)
  })

const isNamespaceResource = (gvr: GroupVersionResource): boolean =>
  gvr.group === '' && gvr.version === 'v1' && gvr.resource === 'namespaces'

// k8s: rules.go scope(): namespaces themselves are cluster-scoped
const scopeMatches = (scope: string | undefined, gvr: GroupVersionResource, namespaced: boolean): boolean => {
  if (scope === undefined || scope === '*') return true
  if (scope === 'Namespaced') return !isNamespaceResource(gvr) && namespaced
  if (scope === 'Cluster') return isNamespaceResource(gvr) || !namespaced
  return false
}

const evaluateRule = (
  rule: RuleWithOperations,
  index: number,
  attrs: AdmissionAttributes,
  gvr: GroupVersionResource,
): RuleCheck => {
  const requested = attrs.subresource === '' ? gvr.resource : `${gvr.resource}/${attrs.subresource}`
  const predicates: RulePredicateEvaluation[] = [
    {
      predicate: 'scope',
      matches: scopeMatches(rule.scope, gvr, attrs.namespaced),
      term: `scope ${rule.scope ?? '*'}`,
      actual: isNamespaceResource(gvr) || !attrs.namespaced ? 'cluster-scoped request' : 'namespaced request',
    },
    {
      predicate: 'operations',
      matches: exactOrWildcard(rule.operations, attrs.operation),
      term: `operations ${list(rule.operations)}`,
      actual: `operation ${attrs.operation}`,
    },
    {
      predicate: 'apiGroups',
      matches: exactOrWildcard(rule.apiGroups, gvr.group),
      term: `apiGroups ${list(rule.apiGroups)}`,
      actual: `group ${gvr.group === '' ? '"" (core)' : gvr.group}`,
    },
    {
      predicate: 'apiVersions',
      matches: exactOrWildcard(rule.apiVersions, gvr.version),
      term: `apiVersions ${list(rule.apiVersions)}`,
      actual: `version ${gvr.version}`,
    },
    {
      predicate: 'resources',
      matches: resourceMatches(rule.resources, gvr.resource, attrs.subresource),
      term: `resources ${list(rule.resources)}`,
      actual: `resource ${requested}`,
    },
  ]
  const failed = predicates.find((p) => !p.matches)?.predicate
  return {index, matches: failed === undefined, predicates, ...(failed === undefined ? {} : {failed})}
}

/**
 * Rules are tried in order; the first match wins. With `matchPolicy: Equivalent` (the v1 default) and no direct
 * match, the caller-supplied equivalent GVRs are tried rule by rule.
 * k8s: apiserver/pkg/admission/plugin/webhook/generic/webhook.go ShouldCallHook (EquivalentResourcesFor); core v1
 * pods are served at a single GVR, so for pods the Equivalent pass never adds a match.
 */
export const matchRules = (
  rules: readonly RuleWithOperations[] | undefined,
  attrs: AdmissionAttributes,
  matchPolicy: string = 'Equivalent',
): RuleEvaluation => {
  const gvr: GroupVersionResource = {group: attrs.group, version: attrs.version, resource: attrs.resource}
  const checks = (rules ?? []).map((rule, index) => evaluateRule(rule, index, attrs, gvr))
  const direct = checks.find((check) => check.matches)
  if (direct) return {matches: true, matchedRule: direct.index, rules: checks}
  if (matchPolicy === 'Equivalent') {
    for (const [index, rule] of (rules ?? []).entries()) {
      for (const equivalent of attrs.equivalents ?? []) {
        if (
          equivalent.group === gvr.group &&
          equivalent.version === gvr.version &&
          equivalent.resource === gvr.resource
        ) {
          continue
        }
        const check = evaluateRule(rule, index, attrs, equivalent)
        if (check.matches) {
          return {
            matches: true,
            matchedRule: index,
            rules: checks.map((c) => (c.index === index ? {...check, equivalent} : c)),
          }
        }
      }
    }
  }
  return {matches: false, rules: checks}
}

/** `rule[0] operations [CREATE] ✓, ...`: every predicate of every rule with the actual value. */
export const formatRuleEvaluation = (evaluation: RuleEvaluation): string => {
  if (evaluation.rules.length === 0) return 'no rules: the webhook matches no request'
  return evaluation.rules
    .map((rule) => {
      const via = rule.equivalent
        ? ` (via equivalent ${rule.equivalent.group || 'core'}/${rule.equivalent.version}/${rule.equivalent.resource})`
        : ''
      const predicates = rule.predicates
        .map((p) => `${p.term}: ${p.actual} ${p.matches ? '✓' : '✗'}`)
        .join(', ')
      return `rule[${rule.index}]${via} ${predicates}`
    })
    .join('; ')
}

// k8s: rules.go IsExemptAdmissionConfigurationResource: webhooks are never called for their own configuration kinds
const exemptKinds = new Set([
  'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'MutatingAdmissionPolicy',
  'MutatingAdmissionPolicyBinding',
])

export const isExemptAdmissionConfigurationResource = (attrs: AdmissionAttributes): boolean =>
  attrs.kind !== undefined &&
  attrs.kind.group === 'admissionregistration.k8s.io' &&
  exemptKinds.has(attrs.kind.kind)
