// ResourceQuota admission for the injected pod: hard − used against the pod's usage, and "must specify" for quotas on
// compute resources. kubernetes: pkg/quota/v1/evaluator/core/pods.go (podComputeUsageHelper, enforcePodContainerConstraints),
// staging/src/k8s.io/apiserver/pkg/admission/plugin/resourcequota/controller.go (message texts).
import type {ContainerFacts, PodFacts, ResourceQuotaFacts} from '../snapshot.js'
import {podLimits, podRequests} from './pod-resources.js'
import {formatQuantity, parseQuantity, zeroQuantity} from './quantity.js'
import type {Quantity} from './quantity.js'

export interface QuotaResult {
  readonly quota: string
  readonly admitted: boolean | null
  /** The API server's text when rejected; the remaining headroom when admitted. */
  readonly message: string
  /** Containers the rejection names (for "added by injection"). */
  readonly containers: readonly string[]
}

/** The quota resource names a pod is charged on, and where its value comes from. */
const usageOf = (pod: PodFacts): Map<string, Quantity> => {
  const req = podRequests(pod)
  const lim = podLimits(pod)
  const out = new Map<string, Quantity>([
    ['pods', {milli: 1000n, binarySI: false}],
    ['count/pods', {milli: 1000n, binarySI: false}],
  ])
  for (const r of ['cpu', 'memory', 'ephemeral-storage']) {
    const q = req.get(r)
    if (q !== undefined) {
      out.set(`requests.${r}`, q)
      out.set(r, q)
    }
    const l = lim.get(r)
    if (l !== undefined) out.set(`limits.${r}`, l)
  }
  return out
}

// pods.go: a quota on requests.X / limits.X requires every container (init containers too) to declare it.
const requirement = (resource: string): {side: 'requests' | 'limits'; name: string} | undefined => {
  const m = /^(requests|limits)\.(cpu|memory)$/.exec(resource) ?? /^()(cpu|memory)$/.exec(resource)
  if (m === null) return undefined
  return {side: m[1] === 'limits' ? 'limits' : 'requests', name: m[2] ?? ''}
}

const declares = (c: ContainerFacts, side: 'requests' | 'limits', name: string): boolean =>
  side === 'limits'
    ? c.resources?.limits?.[name] !== undefined
    : c.resources?.requests?.[name] !== undefined || c.resources?.limits?.[name] !== undefined

/** One quota against the pod; a scoped quota (scopes/scopeSelector) is Unknown. */
export const evaluateQuota = (quota: ResourceQuotaFacts, pod: PodFacts): QuotaResult => {
  if (quota.scoped)
    return {
      quota: quota.name,
      admitted: null,
      message: 'scoped quota (scopes or scopeSelector): not evaluated',
      containers: [],
    }
  const all = [...pod.initContainers, ...pod.containers]
  const missing: string[] = []
  const missingContainers = new Set<string>()
  for (const resource of Object.keys(quota.hard).sort()) {
    const need = requirement(resource)
    if (need === undefined) continue
    const lacking = all.filter((c) => !declares(c, need.side, need.name)).map((c) => c.name)
    if (lacking.length > 0) {
      missing.push(`${resource} for: ${lacking.join(',')}`)
      lacking.forEach((c) => missingContainers.add(c))
    }
  }
  if (missing.length > 0)
    return {
      quota: quota.name,
      admitted: false,
      message: `failed quota: ${quota.name}: must specify ${missing.join('; ')}`,
      containers: [...missingContainers],
    }
  const usage = usageOf(pod)
  const exceeded: {resource: string; requested: Quantity; used: Quantity; hard: Quantity}[] = []
  const headroom: string[] = []
  for (const [resource, hardText] of Object.entries(quota.hard).sort()) {
    const requested = usage.get(resource)
    const hard = parseQuantity(hardText)
    if (requested === undefined || hard === undefined) continue
    const used = parseQuantity(quota.used[resource] ?? '0') ?? zeroQuantity
    if (used.milli + requested.milli > hard.milli) exceeded.push({resource, requested, used, hard})
    else
      headroom.push(
        `${resource} needs ${formatQuantity(requested)}, ${formatQuantity({...hard, milli: hard.milli - used.milli})} left`,
      )
  }
  if (exceeded.length === 0)
    return {
      quota: quota.name,
      admitted: true,
      message: headroom.join(', ') || 'no resource of the pod is limited',
      containers: [],
    }
  const list = (f: (e: (typeof exceeded)[number]) => Quantity) =>
    exceeded.map((e) => `${e.resource}=${formatQuantity(f(e))}`).join(',')
  return {
    quota: quota.name,
    admitted: false,
    message: `exceeded quota: ${quota.name}, requested: ${list((e) => e.requested)}, used: ${list((e) => e.used)}, limited: ${list((e) => e.hard)}`,
    containers: [],
  }
}
