// istiod's own decision after the API server called it: injectRequired, then template selection.
// istio: pkg/kube/inject/inject.go injectRequired, selectTemplates, resolveAliases, RunTemplate
import {formatSelector, formatSelectorEvaluation, matchLabelSelector} from '../admission/label-selector.js'
import type {LabelSelector, PodFacts} from '../snapshot.js'
import type {Check} from '../verdict/verdict.js'
import type {ReasonCode} from '../verdict/reasons.js'
import {annotationDenial, annotationRules, validateAnnotations} from './annotation-validation.js'
import type {InjectorConfig} from './injector-config.js'
import {formatIstioVersion, injectValueSemantics, type IstioVersion} from './istio-version.js'

/** istio: pkg/kube/inject/initializer.go IgnoredNamespaces (since 1.9; kube-system and kube-public before). */
export const ignoredNamespaces: readonly string[] = [
  'kube-system',
  'kube-public',
  'kube-node-lease',
  'local-path-storage',
]

export const injectKey = 'sidecar.istio.io/inject'
export const templatesAnnotation = 'inject.istio.io/templates'

export type PolicyDecision = 'Inject' | 'Skip' | 'Reject' | 'Unknown'

export interface PolicyEvaluation {
  readonly decision: PolicyDecision
  readonly reason: ReasonCode
  readonly checks: readonly Check[]
  /** Templates istiod would run, in order (aliases resolved), when the decision is Inject. */
  readonly templates?: readonly string[]
}

export interface PolicyOptions {
  /** Version of the istiod that answers; unknown means ≥1.27 value parsing, said so in a check. */
  readonly version?: IstioVersion
  /** Why the injector config is absent (missing, forbidden, unparseable). */
  readonly configGap?: string
  readonly configGapCode?: 'InjectorConfigMissing' | 'InjectorConfigInvalid'
}

export interface InjectValue {
  readonly source: 'label' | 'annotation' | 'none'
  readonly value: string
  /** `inject`/`no`: explicit; `default`: selectors then policy decide. */
  readonly meaning: 'inject' | 'no' | 'default'
  /** True when istiod logs "Invalid value" and falls back to the default (≥1.27 only). */
  readonly invalid: boolean
}

/** The label key wins when present, even with value ""; otherwise the (deprecated) annotation. */
export const readInjectValue = (
  pod: Pick<PodFacts, 'labels' | 'annotations'>,
  semantics: '≤1.26' | '≥1.27',
): InjectValue => {
  const labelPresent = Object.hasOwn(pod.labels, injectKey)
  const annotationPresent = Object.hasOwn(pod.annotations, injectKey)
  const source = labelPresent ? 'label' : annotationPresent ? 'annotation' : 'none'
  const value = (labelPresent ? pod.labels[injectKey] : pod.annotations[injectKey]) ?? ''
  if (value === '') return {source, value, meaning: 'default', invalid: false}
  if (semantics === '≤1.26') {
    // ≤1.26 read YAML 1.1 truthy words case-insensitively; every other non-empty value meant "no".
    const truthy = ['y', 'yes', 'true', 'on'].includes(value.toLowerCase())
    return {source, value, meaning: truthy ? 'inject' : 'no', invalid: false}
  }
  if (value === 'true') return {source, value, meaning: 'inject', invalid: false}
  if (value === 'false') return {source, value, meaning: 'no', invalid: false}
  return {source, value, meaning: 'default', invalid: true}
}

const check = (code: ReasonCode, result: Check['result'], subject: string, detail: string): Check => ({
  stage: 'Policy',
  code,
  result,
  subject,
  detail,
})

interface SelectorWalk {
  readonly matched?: {readonly index: number; readonly selector: LabelSelector; readonly detail: string}
  readonly skipped: readonly string[]
  readonly invalid: readonly string[]
}

// istiod skips empty selectors (unlike the API server, where {} matches all) and unparseable ones; first match wins.
const walkSelectors = (selectors: readonly LabelSelector[], labels: PodFacts['labels']): SelectorWalk => {
  const skipped: string[] = []
  const invalid: string[] = []
  for (const [index, selector] of selectors.entries()) {
    const evaluation = matchLabelSelector(selector, labels)
    if (evaluation.error !== undefined) {
      invalid.push(`#${index + 1} ${formatSelector(selector)}: ${evaluation.error}`)
      continue
    }
    if (evaluation.terms.length === 0) {
      skipped.push(`#${index + 1} {} skipped (an empty selector matches nothing in istiod)`)
      continue
    }
    if (evaluation.matches) {
      return {matched: {index, selector, detail: formatSelectorEvaluation(evaluation)}, skipped, invalid}
    }
  }
  return {skipped, invalid}
}

const describeLabels = (labels: PodFacts['labels']): string => {
  const entries = Object.entries(labels)
  return entries.length === 0
    ? 'pod has no labels'
    : `pod labels ${entries.map(([k, v]) => `${k}=${v}`).join(',')}`
}

const valueCode = (v: InjectValue): ReasonCode => {
  if (v.invalid) return 'InjectValueInvalid'
  if (v.meaning === 'default') return 'InjectValueUnset'
  if (v.source === 'label') return v.meaning === 'inject' ? 'InjectLabelTrue' : 'InjectLabelFalse'
  return v.meaning === 'inject' ? 'InjectAnnotationTrue' : 'InjectAnnotationFalse'
}

/** Templates istiod runs: the annotation's comma list (trimmed) or defaultTemplates, aliases expanded one level. */
export const selectTemplates = (
  pod: Pick<PodFacts, 'annotations'>,
  config: InjectorConfig,
): readonly string[] => {
  const requested = Object.hasOwn(pod.annotations, templatesAnnotation)
    ? (pod.annotations[templatesAnnotation] ?? '').split(',').map((name) => name.trim())
    : config.defaultTemplates
  return requested.flatMap((name) =>
    Object.hasOwn(config.aliases, name) ? (config.aliases[name] ?? []) : [name],
  )
}

/** Mirrors istiod's injectRequired step by step, then checks the requested templates exist. */
export const evaluateInjectionPolicy = (
  pod: PodFacts,
  config: InjectorConfig | undefined,
  options: PolicyOptions = {},
): PolicyEvaluation => {
  const checks: Check[] = []
  const done = (
    decision: PolicyDecision,
    reason: ReasonCode,
    templates?: readonly string[],
  ): PolicyEvaluation => ({
    decision,
    reason,
    checks,
    ...(templates ? {templates} : {}),
  })

  // 1. hostNetwork
  if (pod.hostNetwork) {
    checks.push(
      check('HostNetwork', 'Fail', 'pod spec.hostNetwork', 'spec.hostNetwork=true: istiod never injects'),
    )
    return done('Skip', 'HostNetwork')
  }
  checks.push(check('NotHostNetwork', 'Pass', 'pod spec.hostNetwork', 'spec.hostNetwork is not true'))

  // 2. ignored namespaces
  const ignored = ignoredNamespaces.includes(pod.namespace)
  checks.push(
    check(
      ignored ? 'IgnoredNamespace' : 'NamespaceNotIgnored',
      ignored ? 'Fail' : 'Pass',
      `namespace ${pod.namespace}`,
      `namespace ${ignored ? 'is' : 'is not'} one of ${ignoredNamespaces.join(', ')}`,
    ),
  )
  if (ignored) return done('Skip', 'IgnoredNamespace')

  // 3. label over annotation, parsed per version
  const semantics = injectValueSemantics(options.version)
  if (options.version === undefined) {
    checks.push(
      check(
        'IstioVersionAssumed',
        'Info',
        'istiod version',
        'version unknown: Istio ≥1.27 inject-value parsing assumed',
      ),
    )
  }
  const value = readInjectValue(pod, semantics)
  const rule =
    options.version === undefined
      ? 'Istio ≥1.27 (assumed)'
      : `Istio ${formatIstioVersion(options.version)} (${semantics} parsing)`
  const where =
    value.source === 'label'
      ? `label ${injectKey}="${value.value}"${Object.hasOwn(pod.annotations, injectKey) ? ` (wins over annotation "${pod.annotations[injectKey]}")` : ''}`
      : value.source === 'annotation'
        ? `annotation ${injectKey}="${value.value}" (no label of that name)`
        : `no label or annotation ${injectKey}`
  const meaning = value.invalid
    ? `invalid on ${rule}: istiod warns and falls back to its selectors and policy`
    : value.meaning === 'inject'
      ? `explicit inject on ${rule}`
      : value.meaning === 'no'
        ? `explicit opt-out on ${rule}`
        : 'no explicit value: selectors and policy decide'
  const vCode = valueCode(value)
  checks.push(
    check(
      vCode,
      value.meaning === 'inject' ? 'Pass' : value.meaning === 'no' ? 'Fail' : 'Info',
      `pod ${injectKey}`,
      `${where}; ${meaning}`,
    ),
  )
  // An explicit "no" skips under every policy, so it decides even without the injector config.
  if (value.meaning === 'no') return done('Skip', vCode)

  if (config === undefined) {
    const code = options.configGapCode ?? 'InjectorConfigMissing'
    checks.push(
      check(
        code,
        'Unknown',
        'injector ConfigMap',
        `${options.configGap ?? 'injector configuration not available'}; neverInjectSelector, alwaysInjectSelector, policy and templates cannot be evaluated`,
      ),
    )
    return done('Unknown', code)
  }
  const cmSubject = `configmap ${config.source.namespace}/${config.source.name}`

  let explicit: 'inject' | 'no' | undefined = value.meaning === 'default' ? undefined : value.meaning
  let explicitCode: ReasonCode = vCode

  // 4–5. neverInjectSelector, then alwaysInjectSelector, only without an explicit value
  const selectorStep = (
    name: 'neverInjectSelector' | 'alwaysInjectSelector',
    code: 'NeverInjectSelector' | 'AlwaysInjectSelector',
    selectors: readonly LabelSelector[],
    outcome: 'inject' | 'no',
  ): void => {
    if (selectors.length === 0) return
    if (explicit !== undefined) {
      checks.push(check(code, 'Info', `${cmSubject} ${name}`, `not consulted: ${where} decides`))
      return
    }
    const walk = walkSelectors(selectors, pod.labels)
    for (const bad of walk.invalid) {
      checks.push(check('InjectorSelectorInvalid', 'Info', `${cmSubject} ${name}`, `${bad}; istiod skips it`))
    }
    const notes = walk.skipped.length > 0 ? `; ${walk.skipped.join('; ')}` : ''
    if (walk.matched) {
      explicit = outcome
      explicitCode = code
      checks.push(
        check(
          code,
          outcome === 'no' ? 'Fail' : 'Pass',
          `${cmSubject} ${name}[${walk.matched.index}]`,
          `${formatSelector(walk.matched.selector)} matches: ${walk.matched.detail}${notes}`,
        ),
      )
    } else {
      checks.push(
        check(
          outcome === 'no' ? 'NeverInjectSelectorNoMatch' : code,
          outcome === 'no' ? 'Pass' : 'Info',
          `${cmSubject} ${name}`,
          `none of ${selectors.length} selector(s) matches; ${describeLabels(pod.labels)}${notes}`,
        ),
      )
    }
  }
  selectorStep('neverInjectSelector', 'NeverInjectSelector', config.neverInjectSelector, 'no')
  selectorStep('alwaysInjectSelector', 'AlwaysInjectSelector', config.alwaysInjectSelector, 'inject')

  // 6. policy
  const policySubject = `${cmSubject} policy`
  let required: boolean
  let reason: ReasonCode
  if (config.policy === 'enabled' || config.policy === 'disabled') {
    const policyCode: ReasonCode = config.policy === 'enabled' ? 'PolicyEnabled' : 'PolicyDisabled'
    required = explicit === undefined ? config.policy === 'enabled' : explicit === 'inject'
    reason = explicit === undefined ? policyCode : explicitCode
    checks.push(
      check(
        policyCode,
        required ? 'Pass' : 'Fail',
        policySubject,
        explicit === undefined
          ? `policy=${config.policy} and no explicit value: ${required ? 'inject' : 'skip'}`
          : `policy=${config.policy}; the explicit ${explicit === 'inject' ? 'inject' : 'opt-out'} decides: ${required ? 'inject' : 'skip'}`,
      ),
    )
  } else {
    required = false
    reason = 'PolicyInvalid'
    checks.push(
      check(
        'PolicyInvalid',
        'Fail',
        policySubject,
        `policy="${config.policy}" is not enabled or disabled: istiod logs "Illegal value for autoInject" and injects nothing`,
      ),
    )
  }
  if (!required) return done('Skip', reason)

  // RunTemplate checks the annotations, then the values, then the templates; any failure rejects the pod.
  // istio: pkg/kube/inject/inject.go RunTemplate; pkg/kube/inject/validate.go validateAnnotations
  const violations = validateAnnotations(pod.annotations, options.version)
  if (violations.length > 0) {
    checks.push(
      check(
        'InjectAnnotationInvalid',
        'Fail',
        `pod annotations ${violations.map((v) => v.annotation).join(', ')}`,
        `istiod denies the request: ${annotationDenial(violations)}`,
      ),
    )
    return done('Reject', 'InjectAnnotationInvalid')
  }
  const validated = Object.keys(pod.annotations).filter((name) => Object.hasOwn(annotationRules, name))
  if (validated.length > 0) {
    checks.push(
      check(
        'InjectAnnotationsValid',
        'Pass',
        `pod annotations ${validated.join(', ')}`,
        'every annotation istiod validates has a valid value',
      ),
    )
  }
  if (config.valuesError !== undefined) {
    checks.push(
      check(
        'InjectorValuesInvalid',
        'Fail',
        `${cmSubject} values`,
        `${config.valuesError}: istiod fails every injection with "failed to parse values.yaml; check Istiod logs for errors"`,
      ),
    )
    return done('Reject', 'InjectorValuesInvalid')
  }

  // Template selection happens during injection; an unknown name fails it and the pod is rejected.
  const templates = selectTemplates(pod, config)
  const missing = templates.find((name) => !config.templates.includes(name))
  const requestedFrom = Object.hasOwn(pod.annotations, templatesAnnotation)
    ? `annotation ${templatesAnnotation}="${pod.annotations[templatesAnnotation]}"`
    : `defaultTemplates [${config.defaultTemplates.join(', ')}]`
  if (missing !== undefined) {
    checks.push(
      check(
        'TemplateNotFound',
        'Fail',
        `${cmSubject} templates`,
        `${requestedFrom}: requested template "${missing}" not found; have ${config.templates.join(', ')}`,
      ),
    )
    return done('Reject', 'TemplateNotFound')
  }
  checks.push(
    check(
      'TemplatesSelected',
      'Pass',
      `${cmSubject} templates`,
      `${requestedFrom} → ${templates.join(', ')}`,
    ),
  )
  return done('Inject', reason, templates)
}
