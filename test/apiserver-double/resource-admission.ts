// The LimitRanger and ResourceQuota admission plugins as the double runs them on pod creates, written from kubernetes
// plugin/pkg/admission/limitranger/admission.go (defaults before webhooks; min/max/maxLimitRequestRatio after),
// staging/src/k8s.io/apiserver/pkg/admission/plugin/resourcequota/controller.go (CheckRequest and its texts),
// pkg/quota/v1/evaluator/core/pods.go (usage, "must specify") and staging/src/k8s.io/component-helpers/resource/helpers.go
// (PodRequests/PodLimits: max of each init container vs the sum of containers and restartable init containers).
// Quantities print as apimachinery resource.Quantity String() does. Independent of src/.
import type {StatusBody} from './status-bodies.js'
import {statusBody} from './status-bodies.js'

type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any -- pod JSON of any shape

/** A quantity in thousandths with the format its first operand had (sums keep the receiver's format, as Quantity.Add). */
interface Amount {
  milli: bigint
  binary: boolean
}
type ResourceList = Map<string, Amount>

const decimalSuffixes: Record<string, number> = {
  n: -9,
  u: -6,
  m: -3,
  '': 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
}
const binarySuffixes: Record<string, number> = {Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6}

// apimachinery resource/quantity.go ParseQuantity, rounded up to thousandths as MilliValue() does.
export function parseAmount(text: unknown): Amount | undefined {
  const m = /^([+-]?\d+(?:\.\d*)?|[+-]?\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]?)$/.exec(String(text).trim())
  if (m === null) return undefined
  const [whole = '', frac = ''] = (m[1] ?? '0').replace('+', '').split('.')
  const joined = `${whole}${frac}`
  const digits = BigInt(joined === '' || joined === '-' ? '0' : joined)
  const suffix = m[2] ?? ''
  if (suffix in binarySuffixes)
    return {
      milli: (digits * 1000n * 1024n ** BigInt(binarySuffixes[suffix] ?? 0)) / 10n ** BigInt(frac.length),
      binary: true,
    }
  const exp = (decimalSuffixes[suffix] ?? 0) + 3 - frac.length
  const milli = exp >= 0 ? digits * 10n ** BigInt(exp) : ceilDiv(digits, 10n ** BigInt(-exp))
  return {milli, binary: false}
}

const ceilDiv = (a: bigint, b: bigint): bigint => (a % b === 0n ? a / b : a / b + (a > 0n ? 1n : 0n))

// quantity.go CanonicalizeBytes: BinarySI below 1024 or fractional prints as DecimalSI.
export function formatAmount(q: Amount): string {
  if (q.milli === 0n) return '0'
  if (q.binary && q.milli % 1000n === 0n && (q.milli >= 1024_000n || q.milli <= -1024_000n)) {
    let value = q.milli / 1000n
    let power = 0
    while (value % 1024n === 0n && power < 6) {
      value /= 1024n
      power++
    }
    return `${value}${['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'][power] ?? ''}`
  }
  let value = q.milli
  let exp = -3
  while (value % 1000n === 0n && exp < 18) {
    value /= 1000n
    exp += 3
  }
  const suffix = Object.entries(decimalSuffixes).find(([, e]) => e === exp)?.[0] ?? ''
  return `${value}${suffix}`
}

const listOf = (raw: unknown): ResourceList => {
  const out: ResourceList = new Map()
  for (const [k, v] of Object.entries((raw ?? {}) as Record<string, unknown>)) {
    const q = parseAmount(v)
    if (q !== undefined) out.set(k, q)
  }
  return out
}

const addTo = (into: ResourceList, more: ResourceList): void => {
  for (const [k, q] of more) {
    const prev = into.get(k)
    into.set(k, prev === undefined ? q : {...prev, milli: prev.milli + q.milli})
  }
}

const maxInto = (into: ResourceList, more: ResourceList): void => {
  for (const [k, q] of more) {
    const prev = into.get(k)
    if (prev === undefined || q.milli > prev.milli) into.set(k, q)
  }
}

// pkg/apis/core/v1/defaults.go: a request missing for a resource with a limit defaults to the limit.
const requestsOf = (c: Json): ResourceList =>
  new Map([...listOf(c.resources?.limits), ...listOf(c.resources?.requests)])
const limitsOf = (c: Json): ResourceList => listOf(c.resources?.limits)

// component-helpers resource/helpers.go AggregateContainerRequests/Limits.
function aggregate(pod: Json, of: (c: Json) => ResourceList, overhead: boolean): ResourceList {
  const total: ResourceList = new Map()
  for (const c of (pod.spec?.containers ?? []) as Json[]) addTo(total, of(c))
  const sidecars: ResourceList = new Map()
  const inits: ResourceList = new Map()
  for (const c of (pod.spec?.initContainers ?? []) as Json[]) {
    if (c.restartPolicy === 'Always') {
      addTo(total, of(c))
      addTo(sidecars, of(c))
      maxInto(inits, sidecars)
    } else {
      const step = new Map(of(c))
      addTo(step, sidecars)
      maxInto(inits, step)
    }
  }
  maxInto(total, inits)
  if (overhead) addTo(total, listOf(pod.spec?.overhead))
  return total
}

const allContainers = (pod: Json): Json[] => [
  ...((pod.spec?.containers ?? []) as Json[]),
  ...((pod.spec?.initContainers ?? []) as Json[]),
]

/** LimitRanger's mutating half, before webhooks: default/defaultRequest onto containers and init containers. */
export function applyLimitRangeDefaults(pod: Json, ranges: readonly Json[]): void {
  const notes: string[] = []
  for (const range of ranges) {
    const items = ((range.spec?.limits ?? []) as Json[])
      .filter((l) => l.type === 'Container')
      .map(itemDefaults)
    const limits = Object.assign({}, ...items.map((l) => l.default)) as Record<string, string>
    const requests = Object.assign({}, ...items.map((l) => l.defaultRequest)) as Record<string, string>
    const each = (c: Json, what: string): void => {
      c.resources ??= {}
      const setLimits = Object.keys(limits).filter((k) => c.resources.limits?.[k] === undefined)
      // The pod's own defaulting (SetDefaults_Pod) already made a request of every limit.
      const setRequests = Object.keys(requests).filter(
        (k) => c.resources.requests?.[k] === undefined && c.resources.limits?.[k] === undefined,
      )
      if (setLimits.length > 0) c.resources.limits = {...c.resources.limits, ...pick(limits, setLimits)}
      if (setRequests.length > 0)
        c.resources.requests = {...c.resources.requests, ...pick(requests, setRequests)}
      if (setRequests.length > 0) notes.push(`${setRequests.sort().join(', ')} request for ${what} ${c.name}`)
      if (setLimits.length > 0) notes.push(`${setLimits.sort().join(', ')} limit for ${what} ${c.name}`)
    }
    for (const c of (pod.spec?.containers ?? []) as Json[]) each(c, 'container')
    for (const c of (pod.spec?.initContainers ?? []) as Json[]) each(c, 'init container')
  }
  if (notes.length > 0)
    pod.metadata = {
      ...pod.metadata,
      annotations: {
        ...pod.metadata?.annotations,
        'kubernetes.io/limit-ranger': `LimitRanger plugin set: ${notes.join('; ')}`,
      },
    }
}

// pkg/apis/core/v1/defaults.go SetDefaults_LimitRangeItem: default ← max; defaultRequest ← default, then min.
const itemDefaults = (
  item: Json,
): {default: Record<string, string>; defaultRequest: Record<string, string>} => {
  const defaults = {...item.max, ...item.default} as Record<string, string>
  return {default: defaults, defaultRequest: {...item.min, ...defaults, ...item.defaultRequest}}
}

const pick = (from: Record<string, string>, keys: string[]): Record<string, string> =>
  Object.fromEntries(keys.map((k) => [k, from[k] ?? '']))

// limitranger/admission.go minConstraint, maxConstraint, limitRequestRatioConstraint (texts verbatim).
function constraintErrors(kind: string, item: Json, requests: ResourceList, limits: ResourceList): string[] {
  const errors: string[] = []
  for (const [resource, text] of Object.entries((item.min ?? {}) as Record<string, string>)) {
    const min = parseAmount(text)
    const req = requests.get(resource)
    const lim = limits.get(resource)
    if (min === undefined) continue
    const shown = formatAmount(min)
    if (req === undefined)
      errors.push(`minimum ${resource} usage per ${kind} is ${shown}.  No request is specified`)
    else if (req.milli < min.milli)
      errors.push(`minimum ${resource} usage per ${kind} is ${shown}, but request is ${formatAmount(req)}`)
    else if (lim !== undefined && lim.milli < min.milli)
      errors.push(`minimum ${resource} usage per ${kind} is ${shown}, but limit is ${formatAmount(lim)}`)
  }
  for (const [resource, text] of Object.entries((item.max ?? {}) as Record<string, string>)) {
    const max = parseAmount(text)
    const req = requests.get(resource)
    const lim = limits.get(resource)
    if (max === undefined) continue
    const shown = formatAmount(max)
    if (lim === undefined)
      errors.push(`maximum ${resource} usage per ${kind} is ${shown}.  No limit is specified`)
    else if (lim.milli > max.milli)
      errors.push(`maximum ${resource} usage per ${kind} is ${shown}, but limit is ${formatAmount(lim)}`)
    else if (req !== undefined && req.milli > max.milli)
      errors.push(`maximum ${resource} usage per ${kind} is ${shown}, but request is ${formatAmount(req)}`)
  }
  for (const [resource, text] of Object.entries(
    (item.maxLimitRequestRatio ?? {}) as Record<string, string>,
  )) {
    const ratio = parseAmount(text)
    const req = requests.get(resource)
    const lim = limits.get(resource)
    if (ratio === undefined) continue
    const shown = formatAmount(ratio)
    if (req === undefined || req.milli === 0n)
      errors.push(
        `${resource} max limit to request ratio per ${kind} is ${shown}, but no request is specified or request is 0`,
      )
    else if (lim === undefined || lim.milli === 0n)
      errors.push(
        `${resource} max limit to request ratio per ${kind} is ${shown}, but no limit is specified or limit is 0`,
      )
    else if (lim.milli * 1000n > ratio.milli * req.milli)
      errors.push(
        `${resource} max limit to request ratio per ${kind} is ${shown}, but provided ratio is ${(Number(lim.milli) / Number(req.milli)).toFixed(6)}`,
      )
  }
  return errors
}

/** LimitRanger's validating half (after webhooks, so injected containers are judged): the first failing LimitRange's 403. */
export function validateLimitRanges(
  pod: Json,
  ranges: readonly Json[],
  name: string,
): StatusBody | undefined {
  for (const range of ranges) {
    const errors: string[] = []
    for (const item of (range.spec?.limits ?? []) as Json[]) {
      if (item.type === 'Container')
        for (const c of allContainers(pod))
          errors.push(...constraintErrors('Container', item, requestsOf(c), limitsOf(c)))
      if (item.type === 'Pod')
        errors.push(
          ...constraintErrors(
            'Pod',
            item,
            aggregate(pod, requestsOf, false),
            aggregate(pod, limitsOf, false),
          ),
        )
    }
    // apimachinery util/errors NewAggregate: one message bare, several in brackets (repeats dropped).
    const distinct = [...new Set(errors)]
    if (distinct.length > 0)
      return forbidden(name, distinct.length === 1 ? (distinct[0] ?? '') : `[${distinct.join(', ')}]`)
  }
  return undefined
}

const forbidden = (name: string, reason: string): StatusBody =>
  statusBody(403, 'Forbidden', `pods "${name}" is forbidden: ${reason}`, {kind: 'pods', name})

// pods.go podComputeUsageHelper over PodRequests/PodLimits, plus the object counts.
function podUsage(pod: Json): ResourceList {
  const usage: ResourceList = new Map([
    ['pods', {milli: 1000n, binary: false}],
    ['count/pods', {milli: 1000n, binary: false}],
  ])
  const requests = aggregate(pod, requestsOf, true)
  const limits = aggregate(pod, limitsOf, true)
  for (const r of ['cpu', 'memory', 'ephemeral-storage']) {
    const req = requests.get(r)
    if (req !== undefined) usage.set(r, req).set(`requests.${r}`, req)
    const lim = limits.get(r)
    if (lim !== undefined) usage.set(`limits.${r}`, lim)
  }
  return usage
}

const validationSet = ['cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory']

// pods.go Constraints: a quota on cpu/memory makes every container (init containers too) declare it.
function missingDeclarations(pod: Json, hard: string[]): string | undefined {
  const missing = new Map<string, Set<string>>()
  for (const c of allContainers(pod)) {
    const requests = listOf(c.resources?.requests)
    const limits = listOf(c.resources?.limits)
    for (const resource of hard.filter((r) => validationSet.includes(r))) {
      const [side, name = resource] = resource.includes('.') ? resource.split('.') : ['requests', resource]
      const has = side === 'limits' ? limits.has(name) : requests.has(name)
      if (!has) missing.set(resource, (missing.get(resource) ?? new Set()).add(String(c.name)))
    }
  }
  if (missing.size === 0) return undefined
  return [...missing.keys()]
    .sort()
    .map((r) => `${r} for: ${[...(missing.get(r) ?? [])].sort().join(',')}`)
    .join('; ')
}

const podResources = new Set([
  'pods',
  'count/pods',
  'cpu',
  'memory',
  'ephemeral-storage',
  'requests.cpu',
  'requests.memory',
  'requests.ephemeral-storage',
  'limits.cpu',
  'limits.memory',
  'limits.ephemeral-storage',
])

const prettyPrint = (list: ResourceList, keys: string[]): string =>
  keys.map((k) => `${k}=${formatAmount(list.get(k) ?? {milli: 0n, binary: false})}`).join(',')

/**
 * ResourceQuota admission for a pod create (the last plugin): the first quota it breaks, as a 403. The double is its own
 * quota controller: status.hard defaults to spec.hard and status.used to the usage of the namespace's stored pods.
 * Scoped quotas (scopes, scopeSelector) are not modelled and skipped.
 */
export function checkQuotas(
  pod: Json,
  quotas: readonly Json[],
  storedPods: readonly Json[],
  name: string,
): StatusBody | undefined {
  const usage = podUsage(pod)
  for (const quota of quotas) {
    if ((quota.spec?.scopes ?? []).length > 0 || quota.spec?.scopeSelector !== undefined) continue
    const hard = listOf(quota.status?.hard ?? quota.spec?.hard)
    const limited = [...hard.keys()].filter((r) => podResources.has(r))
    if (limited.length === 0) continue
    const quotaName = String(quota.metadata?.name ?? '')
    const missing = missingDeclarations(pod, limited)
    if (missing !== undefined) return forbidden(name, `failed quota: ${quotaName}: must specify ${missing}`)
    const used: ResourceList = quota.status?.used !== undefined ? listOf(quota.status.used) : new Map()
    if (quota.status?.used === undefined)
      for (const p of storedPods.filter((x) => !['Failed', 'Succeeded'].includes(x.status?.phase)))
        addTo(used, podUsage(p))
    const requested = limited.filter((r) => (usage.get(r)?.milli ?? 0n) !== 0n)
    const exceeded = requested
      .filter((r) => (used.get(r)?.milli ?? 0n) + (usage.get(r)?.milli ?? 0n) > (hard.get(r)?.milli ?? 0n))
      .sort()
    if (exceeded.length > 0)
      return forbidden(
        name,
        `exceeded quota: ${quotaName}, requested: ${prettyPrint(usage, exceeded)}, used: ${prettyPrint(used, exceeded)}, limited: ${prettyPrint(hard, exceeded)}`,
      )
  }
  return undefined
}
