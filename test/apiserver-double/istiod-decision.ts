// istiod's own decision once the API server called it, read from one revision's injector ConfigMap (test double).
// istio: pkg/kube/inject/inject.go injectRequired (HEAD) and its ≤1.26 form; initializer.go IgnoredNamespaces.
import {parse} from 'yaml'
import {labelSelectorRequirements, matchesLabels, SelectorError} from './selectors.js'
import type {LabelSelectorObject} from './selectors.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kubernetes objects of any shape
type Json = Record<string, any>

/** How the istiod version reads `sidecar.istio.io/inject` (istio commit 331d32e30a3, first in 1.27.0). */
export type InjectValueParsing = 'lenient-1.26' | 'strict-1.27'

export interface IstiodInjectorConfig {
  revision: string
  policy: string
  neverInjectSelector: LabelSelectorObject[]
  alwaysInjectSelector: LabelSelectorObject[]
  parsing: InjectValueParsing
  /** values.global.tag, e.g. `1.26.3`. */
  tag?: string
}

export interface IstiodDecision {
  inject: boolean
  why: string
}

/** istio: pkg/kube/inject/initializer.go IgnoredNamespaces (1.9+). */
export const istiodIgnoredNamespaces = ['kube-system', 'kube-public', 'kube-node-lease', 'local-path-storage']

/** The injector config of `istio-sidecar-injector[-REV]`: data.config (YAML) and data.values (JSON). */
export function istiodConfigFromConfigMap(configMap: Json, revision: string): IstiodInjectorConfig {
  const config = (parse(String(configMap.data?.config ?? '{}')) ?? {}) as Json
  const values = JSON.parse(String(configMap.data?.values ?? '{}')) as Json
  const tag = values.global?.tag === undefined ? undefined : String(values.global.tag)
  const [major, minor] = (tag ?? '').split('.').map(Number)
  const old = major !== undefined && minor !== undefined && (major < 1 || (major === 1 && minor <= 26))
  return {
    revision,
    policy: String(config.policy ?? 'enabled'),
    neverInjectSelector: (config.neverInjectSelector ?? []) as LabelSelectorObject[],
    alwaysInjectSelector: (config.alwaysInjectSelector ?? []) as LabelSelectorObject[],
    parsing: old ? 'lenient-1.26' : 'strict-1.27',
    ...(tag === undefined ? {} : {tag}),
  }
}

type Explicit = {explicit: true; inject: boolean; why: string} | {explicit: false; why: string}

// The label key wins over the annotation when present, even with "".
function explicitValue(labels: Json, annotations: Json, parsing: InjectValueParsing): Explicit {
  const key = 'sidecar.istio.io/inject'
  const fromLabel = Object.hasOwn(labels, key)
  const value = String(fromLabel ? labels[key] : (annotations[key] ?? ''))
  const where = `${fromLabel ? 'label' : 'annotation'} ${key}=${JSON.stringify(value)}`
  if (value === '') return {explicit: false, why: 'no inject value'}
  if (parsing === 'lenient-1.26') {
    const yes = ['y', 'yes', 'true', 'on'].includes(value.toLowerCase())
    return {explicit: true, inject: yes, why: `${where} (≤1.26 parsing)`}
  }
  if (value === 'true' || value === 'false') return {explicit: true, inject: value === 'true', why: where}
  return {explicit: false, why: `${where} invalid, default applies`}
}

// istiod skips empty and unparseable selectors (the opposite of webhook selectors, where {} matches all).
function firstMatch(selectors: LabelSelectorObject[], labels: Json): number {
  return selectors.findIndex((selector) => {
    try {
      const requirements = labelSelectorRequirements(selector)
      return requirements.length > 0 && matchesLabels(requirements, labels as Record<string, string>)
    } catch (error) {
      if (error instanceof SelectorError) return false
      throw error
    }
  })
}

/** injectRequired: hostNetwork → ignored namespace → label/annotation → never → always → policy. */
export function istiodDecision(pod: Json, namespace: string, config: IstiodInjectorConfig): IstiodDecision {
  if (pod.spec?.hostNetwork === true) return {inject: false, why: 'hostNetwork'}
  if (istiodIgnoredNamespaces.includes(namespace))
    return {inject: false, why: `ignored namespace ${namespace}`}
  const labels = (pod.metadata?.labels ?? {}) as Json
  let value = explicitValue(labels, (pod.metadata?.annotations ?? {}) as Json, config.parsing)
  if (!value.explicit) {
    const never = firstMatch(config.neverInjectSelector, labels)
    if (never >= 0) value = {explicit: true, inject: false, why: `neverInjectSelector[${never}]`}
  }
  if (!value.explicit) {
    const always = firstMatch(config.alwaysInjectSelector, labels)
    if (always >= 0) value = {explicit: true, inject: true, why: `alwaysInjectSelector[${always}]`}
  }
  if (config.policy === 'enabled')
    return value.explicit ? {inject: value.inject, why: value.why} : {inject: true, why: 'policy enabled'}
  if (config.policy === 'disabled')
    return value.explicit ? {inject: value.inject, why: value.why} : {inject: false, why: 'policy disabled'}
  return {inject: false, why: `illegal policy ${config.policy}`}
}
