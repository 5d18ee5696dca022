// The injector ConfigMap `istio-sidecar-injector[-<rev>]`: `data.config` (YAML) and `data.values` (JSON).
// istio: pkg/kube/inject/inject.go Config, UnmarshalConfig; chart istio-discovery/templates/istiod-injector-configmap.yaml
import {readYaml11} from '../yaml/read-yaml11.js'
import type {
  ClusterSnapshot,
  ConfigMapFacts,
  Gap,
  LabelSelector,
  LabelSelectorRequirement,
  Labels,
} from '../snapshot.js'

/** The few chart values istiod templates and analyzers read. */
export interface InjectorValues {
  readonly hub?: string
  readonly tag?: string
  /** `global.proxy.image`: a name (`proxyv2`) or a full reference when it contains `/`. */
  readonly proxyImage?: string
  readonly variant?: string
  readonly autoInject?: string
  readonly istioNamespace?: string
  readonly revision?: string
  /** Only drives the `auto.` webhook and IST0148; istiod itself ignores it. */
  readonly enableNamespacesByDefault: boolean
  /** What shapes the injected containers' securityContext and resources (admission after injection). */
  readonly emission?: EmissionValues
}

/** Chart values the sidecar template reads for securityContext and resources (files/injection-template.yaml). */
export interface EmissionValues {
  /** `pilot.cni.enabled` (1.22+, the only key from 1.24). */
  readonly pilotCni?: boolean
  /** `istio_cni.enabled` (before 1.24). */
  readonly legacyCni?: boolean
  readonly privileged?: boolean
  readonly capNetBindService?: boolean
  readonly enableCoreDump?: boolean
  readonly holdApplicationUntilProxyStarts?: boolean
  /** `global.proxy.seccompProfile.type` (1.28+). */
  readonly seccompProfileType?: string
  /** `global.proxy.resources`; undefined when the values have no such block. */
  readonly proxyResources?: {readonly requests?: Labels; readonly limits?: Labels}
}

export interface InjectorConfig {
  readonly source: {readonly namespace: string; readonly name: string}
  /** Raw `policy`; anything but `enabled`/`disabled` disables injection. */
  readonly policy: string
  /** Never empty: UnmarshalConfig turns an empty list into `[sidecar]`. */
  readonly defaultTemplates: readonly string[]
  /** Template names only, sorted (the bodies are large and not needed for the decision). */
  readonly templates: readonly string[]
  readonly aliases: Readonly<Record<string, readonly string[]>>
  readonly neverInjectSelector: readonly LabelSelector[]
  readonly alwaysInjectSelector: readonly LabelSelector[]
  readonly injectedAnnotations: Labels
  readonly values?: InjectorValues
  /** Set when `data.values` does not parse (a fresh istiod then fails every injection). */
  readonly valuesError?: string
}

export type InjectorConfigResult = {readonly config: InjectorConfig} | {readonly error: string}

type Json = Record<string, unknown>

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)

class ShapeError extends Error {}

const stringOf = (v: unknown, where: string): string | undefined => {
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'string') throw new ShapeError(`${where}: expected a string, got ${JSON.stringify(v)}`)
  return v
}

const stringList = (v: unknown, where: string): string[] => {
  if (v === undefined || v === null) return []
  if (!Array.isArray(v)) throw new ShapeError(`${where}: expected a list`)
  return v.map((item, i) => stringOf(item, `${where}[${i}]`) ?? '')
}

const stringMap = (v: unknown, where: string): Record<string, string> => {
  if (v === undefined || v === null) return {}
  if (!isObject(v)) throw new ShapeError(`${where}: expected a map`)
  const out: Record<string, string> = {}
  for (const [k, value] of Object.entries(v)) out[k] = stringOf(value, `${where}.${k}`) ?? ''
  return out
}

// A null list entry unmarshals to the zero LabelSelector `{}` in Go.
const selectorList = (v: unknown, where: string): LabelSelector[] => {
  if (v === undefined || v === null) return []
  if (!Array.isArray(v)) throw new ShapeError(`${where}: expected a list of label selectors`)
  return v.map((item, i): LabelSelector => {
    if (item === null) return {}
    if (!isObject(item)) throw new ShapeError(`${where}[${i}]: expected a label selector`)
    const matchLabels =
      item.matchLabels == null ? undefined : stringMap(item.matchLabels, `${where}[${i}].matchLabels`)
    let matchExpressions: LabelSelectorRequirement[] | undefined
    if (item.matchExpressions != null) {
      if (!Array.isArray(item.matchExpressions))
        throw new ShapeError(`${where}[${i}].matchExpressions: expected a list`)
      matchExpressions = item.matchExpressions.map((e, j): LabelSelectorRequirement => {
        const at = `${where}[${i}].matchExpressions[${j}]`
        if (!isObject(e)) throw new ShapeError(`${at}: expected a requirement`)
        const values = e.values == null ? undefined : stringList(e.values, `${at}.values`)
        return {
          key: stringOf(e.key, `${at}.key`) ?? '',
          operator: stringOf(e.operator, `${at}.operator`) ?? '',
          ...(values === undefined ? {} : {values}),
        }
      })
    }
    return {
      ...(matchLabels === undefined ? {} : {matchLabels}),
      ...(matchExpressions === undefined ? {} : {matchExpressions}),
    }
  })
}

const path = (root: unknown, ...keys: string[]): unknown => {
  let cur = root
  for (const k of keys) {
    if (!isObject(cur)) return undefined
    cur = cur[k]
  }
  return cur
}

const optionalString = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined

// Sweeps evaluate thousands of pods against a handful of ConfigMaps: parse each text once (results are never mutated).
const valuesCache = new Map<string, {values: InjectorValues} | {error: string}>()
const configCache = new WeakMap<ConfigMapFacts, InjectorConfigResult>()

/** Reads `data.values` (JSON or YAML); istiod fails injection with "failed to parse values.yaml" when it does not parse. */
export const parseInjectorValues = (text: string | undefined): {values: InjectorValues} | {error: string} => {
  if (text === undefined) return {error: 'ConfigMap has no data.values'}
  const cached = valuesCache.get(text)
  if (cached !== undefined) return cached
  const parsed = parseInjectorValuesText(text)
  if (valuesCache.size >= 64) valuesCache.clear()
  valuesCache.set(text, parsed)
  return parsed
}

const parseInjectorValuesText = (text: string): {values: InjectorValues} | {error: string} => {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (e) {
    // istio: pkg/kube/inject/webhook.go NewValuesConfig decodes values as YAML (JSON being the chart's rendering).
    try {
      parsed = readYaml11(text)
    } catch {
      return {error: `data.values is neither JSON nor YAML: ${(e as Error).message}`}
    }
  }
  if (!isObject(parsed)) return {error: 'data.values is not a map'}
  const g = (...keys: string[]): string | undefined => optionalString(path(parsed, ...keys))
  const entries: [keyof InjectorValues, string | undefined][] = [
    ['hub', g('global', 'hub')],
    ['tag', g('global', 'tag')],
    ['proxyImage', g('global', 'proxy', 'image')],
    ['variant', g('global', 'variant')],
    ['autoInject', g('global', 'proxy', 'autoInject')],
    ['istioNamespace', g('global', 'istioNamespace')],
    ['revision', g('revision')],
  ]
  const values: InjectorValues = {
    ...Object.fromEntries(entries.filter(([, v]) => v !== undefined)),
    enableNamespacesByDefault: path(parsed, 'sidecarInjectorWebhook', 'enableNamespacesByDefault') === true,
    emission: emissionValues(parsed),
  }
  return {values}
}

// Helm renders `true` and `"true"` alike in `{{ if }}`/`eq … "true"`; anything else is false.
const flag = (v: unknown): boolean | undefined =>
  v === true || v === 'true' ? true : v === false || v === 'false' ? false : undefined

const resourceBlock = (v: unknown): {requests?: Labels; limits?: Labels} | undefined => {
  if (!isObject(v)) return undefined
  const side = (x: unknown): Labels | undefined => {
    if (!isObject(x)) return undefined
    const out: Record<string, string> = {}
    for (const [k, q] of Object.entries(x)) {
      const text = optionalString(q)
      if (text !== undefined) out[k] = text
    }
    return out
  }
  const requests = side(v.requests)
  const limits = side(v.limits)
  return {...(requests ? {requests} : {}), ...(limits ? {limits} : {})}
}

const emissionValues = (parsed: Json): EmissionValues => {
  const entries: [keyof EmissionValues, unknown][] = [
    ['pilotCni', flag(path(parsed, 'pilot', 'cni', 'enabled'))],
    ['legacyCni', flag(path(parsed, 'istio_cni', 'enabled'))],
    ['privileged', flag(path(parsed, 'global', 'proxy', 'privileged'))],
    ['capNetBindService', flag(path(parsed, 'global', 'proxy', 'capNetBindService'))],
    ['enableCoreDump', flag(path(parsed, 'global', 'proxy', 'enableCoreDump'))],
    [
      'holdApplicationUntilProxyStarts',
      flag(path(parsed, 'global', 'proxy', 'holdApplicationUntilProxyStarts')),
    ],
    ['seccompProfileType', optionalString(path(parsed, 'global', 'proxy', 'seccompProfile', 'type'))],
    ['proxyResources', resourceBlock(path(parsed, 'global', 'proxy', 'resources'))],
  ]
  return Object.fromEntries(entries.filter(([, v]) => v !== undefined)) as EmissionValues
}

/** Parses an injector ConfigMap as istiod does; a shape error is the whole config's error, as in Go's Unmarshal. */
export const parseInjectorConfig = (cm: ConfigMapFacts): InjectorConfigResult => {
  const cached = configCache.get(cm)
  if (cached !== undefined) return cached
  const parsed = parseInjectorConfigData(cm)
  configCache.set(cm, parsed)
  return parsed
}

const parseInjectorConfigData = (cm: ConfigMapFacts): InjectorConfigResult => {
  const text = cm.data.config
  if (text === undefined) return {error: `ConfigMap ${cm.namespace}/${cm.name} has no data.config`}
  // istio: pkg/kube/inject/watcher.go readConfigMap: without the values key istiod loads nothing from the ConfigMap.
  if (cm.data.values === undefined)
    return {error: `missing ConfigMap values key "values" in ${cm.namespace}/${cm.name}`}
  let doc: unknown
  try {
    // sigs.k8s.io/yaml reads YAML 1.1 (yes/on are booleans); the block reader takes the charts' output (~3 ms less).
    doc = readYaml11(text)
  } catch (e) {
    return {error: `failed to unmarshal injection template: ${(e as Error).message.split('\n')[0]}`}
  }
  if (doc === null || doc === undefined) doc = {}
  if (!isObject(doc)) return {error: 'failed to unmarshal injection template: data.config is not a map'}
  try {
    const templatesRaw = doc.templates
    if (templatesRaw != null && !isObject(templatesRaw)) throw new ShapeError('templates: expected a map')
    const templates = Object.keys(stringMap(templatesRaw, 'templates')).sort()
    const aliasesRaw = doc.aliases
    if (aliasesRaw != null && !isObject(aliasesRaw)) throw new ShapeError('aliases: expected a map')
    const aliases: Record<string, string[]> = {}
    for (const [k, v] of Object.entries(aliasesRaw ?? {})) aliases[k] = stringList(v, `aliases.${k}`)
    const defaultTemplates = stringList(doc.defaultTemplates, 'defaultTemplates')
    const values = parseInjectorValues(cm.data.values)
    const config: InjectorConfig = {
      source: {namespace: cm.namespace, name: cm.name},
      policy: stringOf(doc.policy, 'policy') ?? '',
      defaultTemplates: defaultTemplates.length === 0 ? ['sidecar'] : defaultTemplates,
      templates,
      aliases,
      neverInjectSelector: selectorList(doc.neverInjectSelector, 'neverInjectSelector'),
      alwaysInjectSelector: selectorList(doc.alwaysInjectSelector, 'alwaysInjectSelector'),
      injectedAnnotations: stringMap(doc.injectedAnnotations, 'injectedAnnotations'),
      ...('values' in values ? {values: values.values} : {valuesError: values.error}),
    }
    return {config}
  } catch (e) {
    if (e instanceof ShapeError) return {error: `failed to unmarshal injection template: ${e.message}`}
    throw e
  }
}

/** istio: pkg/config/analysis/analyzers/util/config.go GetInjectorConfigMapName */
export const injectorConfigMapName = (revision: string | null | undefined): string =>
  !revision || revision === 'default' ? 'istio-sidecar-injector' : `istio-sidecar-injector-${revision}`

export interface InjectorConfigMapLookup {
  readonly name: string
  /** Where it was looked for (the webhook's service namespace), if known. */
  readonly namespace?: string
  readonly configMap?: ConfigMapFacts
  /** Why it could not be read, when the snapshot says so. */
  readonly gap?: Gap
}

/** The ConfigMap a revision's istiod reads, in istiod's namespace first, then in any namespace. */
export const findInjectorConfigMap = (
  snapshot: ClusterSnapshot,
  revision: string | null | undefined,
  istiodNamespace?: string,
): InjectorConfigMapLookup => {
  const name = injectorConfigMapName(revision)
  const candidates = snapshot.configMaps.filter((cm) => cm.name === name)
  const configMap =
    (istiodNamespace === undefined ? undefined : candidates.find((cm) => cm.namespace === istiodNamespace)) ??
    candidates[0]
  const ns = istiodNamespace === undefined ? {} : {namespace: istiodNamespace}
  if (configMap) return {name, ...ns, configMap}
  const gap = snapshot.gaps.find(
    (g) =>
      g.resource === 'configmaps' &&
      (g.name === undefined || g.name === name) &&
      (g.namespace === undefined || istiodNamespace === undefined || g.namespace === istiodNamespace),
  )
  return {name, ...ns, ...(gap ? {gap} : {})}
}

export type InjectorConfigLoad =
  | {readonly config: InjectorConfig}
  | {
      readonly code: 'InjectorConfigMissing' | 'InjectorConfigInvalid'
      /** Passed to evaluateInjectionPolicy as `configGap`. */
      readonly message: string
      readonly params: Readonly<Record<string, string>>
    }

/** Finds and parses a revision's injector ConfigMap; a missing, forbidden or broken one becomes a reason, never a throw. */
export const loadInjectorConfig = (
  snapshot: ClusterSnapshot,
  revision: string | null | undefined,
  istiodNamespace?: string,
): InjectorConfigLoad => {
  const lookup = findInjectorConfigMap(snapshot, revision, istiodNamespace)
  const params = {
    configMap: lookup.name,
    istioNamespace: lookup.namespace ?? istiodNamespace ?? 'istio-system',
  }
  if (!lookup.configMap) {
    const where = lookup.namespace ? ` in namespace ${lookup.namespace}` : ''
    const why = lookup.gap ? `${lookup.gap.reason}: ${lookup.gap.message}` : 'not found in the snapshot'
    return {code: 'InjectorConfigMissing', message: `ConfigMap ${lookup.name}${where}: ${why}`, params}
  }
  const parsed = parseInjectorConfig(lookup.configMap)
  if ('error' in parsed) {
    return {
      code: 'InjectorConfigInvalid',
      message: `ConfigMap ${lookup.configMap.namespace}/${lookup.name}: ${parsed.error}`,
      params: {...params, istioNamespace: lookup.configMap.namespace},
    }
  }
  return parsed
}

export interface ExpectedProxyImage {
  readonly image: string
  /** Images IST0158 accepts: the image and, with a variant, the image suffixed `-<variant>`. */
  readonly accepted: readonly string[]
}

/** istio: pkg/config/analysis/analyzers/injection/injection-image.go GetIstioProxyImage (plus the variant suffix). */
export const expectedProxyImage = (config: InjectorConfig): ExpectedProxyImage | undefined => {
  const v = config.values
  if (!v) return undefined
  const name = v.proxyImage || 'proxyv2'
  if (!name.includes('/') && (!v.hub || !v.tag)) return undefined
  const image = name.includes('/') ? name : `${v.hub}/${name}:${v.tag}`
  const accepted = v.variant ? [image, `${image}-${v.variant}`] : [image]
  return {image, accepted}
}
