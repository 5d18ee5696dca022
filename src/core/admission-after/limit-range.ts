// LimitRange validation of the injected pod (its defaults were applied before injection, to the app's containers only).
// kubernetes: plugin/pkg/admission/limitranger/admission.go (PodValidateLimitFunc, minConstraint, maxConstraint,
// limitRequestRatioConstraint and their messages; Pod-type limits use the pod's summed requests/limits).
import type {ContainerFacts, LimitRangeFacts, PodFacts} from '../snapshot.js'
import {containerLimits, containerRequests, podLimits, podRequests} from './pod-resources.js'
import {formatQuantity, parseQuantity} from './quantity.js'
import type {Quantity} from './quantity.js'

export interface LimitRangeResult {
  readonly limitRange: string
  readonly errors: readonly string[]
  /** The plugin's text: utilerrors.NewAggregate (apimachinery pkg/util/errors) drops repeats, brackets only 2+. */
  readonly message: string
  /** Containers the errors name. */
  readonly containers: readonly string[]
}

const q = (text: string | undefined): Quantity | undefined =>
  text === undefined ? undefined : parseQuantity(text)

const constraintErrors = (
  kind: 'Container' | 'Pod',
  item: LimitRangeFacts['limits'][number],
  requests: ReadonlyMap<string, Quantity>,
  limits: ReadonlyMap<string, Quantity>,
): string[] => {
  const errors: string[] = []
  for (const [resource, minText] of Object.entries(item.min ?? {})) {
    const min = q(minText)
    const req = requests.get(resource)
    if (min === undefined) continue
    if (req === undefined)
      errors.push(`minimum ${resource} usage per ${kind} is ${minText}.  No request is specified`)
    else if (req.milli < min.milli)
      errors.push(
        `minimum ${resource} usage per ${kind} is ${minText}, but request is ${formatQuantity(req)}`,
      )
  }
  for (const [resource, maxText] of Object.entries(item.max ?? {})) {
    const max = q(maxText)
    const lim = limits.get(resource)
    if (max === undefined) continue
    if (lim === undefined)
      errors.push(`maximum ${resource} usage per ${kind} is ${maxText}.  No limit is specified`)
    else if (lim.milli > max.milli)
      errors.push(`maximum ${resource} usage per ${kind} is ${maxText}, but limit is ${formatQuantity(lim)}`)
  }
  for (const [resource, ratioText] of Object.entries(item.maxLimitRequestRatio ?? {})) {
    const ratio = q(ratioText)
    const req = requests.get(resource)
    const lim = limits.get(resource)
    if (ratio === undefined || lim === undefined) continue
    if (req === undefined || req.milli === 0n)
      errors.push(
        `${resource} max limit to request ratio per ${kind} is ${ratioText}, but no request is specified or request is 0`,
      )
    else if (lim.milli * 1000n > ratio.milli * req.milli)
      errors.push(
        `${resource} max limit to request ratio per ${kind} is ${ratioText}, but provided ratio is ${(Number(lim.milli) / Number(req.milli)).toFixed(6)}`,
      )
  }
  return errors
}

/** The aggregate's Error(): one distinct message as is, several joined by ", " inside brackets. */
export const aggregateText = (errors: readonly string[]): string => {
  const distinct = [...new Set(errors)]
  return distinct.length === 1 ? (distinct[0] ?? '') : `[${distinct.join(', ')}]`
}

/** Every Container- and Pod-type item of one LimitRange against the pod (containers, then init containers, as upstream). */
export const evaluateLimitRange = (range: LimitRangeFacts, pod: PodFacts): LimitRangeResult => {
  const errors: string[] = []
  const containers = new Set<string>()
  const all: ContainerFacts[] = [...pod.containers, ...pod.initContainers]
  for (const item of range.limits) {
    if (item.type === 'Container')
      for (const c of all) {
        const found = constraintErrors('Container', item, containerRequests(c), containerLimits(c))
        if (found.length > 0) containers.add(c.name)
        errors.push(...found)
      }
    if (item.type === 'Pod') errors.push(...constraintErrors('Pod', item, podRequests(pod), podLimits(pod)))
  }
  return {limitRange: range.name, errors, message: aggregateText(errors), containers: [...containers]}
}

/** LimitRanger defaulting, which runs before injection: the app's containers get default/defaultRequest. */
export const applyLimitRangeDefaults = (ranges: readonly LimitRangeFacts[], pod: PodFacts): PodFacts => {
  const items = ranges.flatMap((r) => r.limits.filter((l) => l.type === 'Container'))
  if (items.length === 0) return pod
  const fill = (c: ContainerFacts): ContainerFacts => {
    const limits = {
      ...Object.assign({}, ...items.map((i) => i.default ?? {})),
      ...(c.resources?.limits ?? {}),
    }
    const requests = {
      ...Object.assign({}, ...items.map((i) => i.defaultRequest ?? {})),
      ...(c.resources?.limits ?? {}),
      ...(c.resources?.requests ?? {}),
    }
    return {...c, resources: {requests, limits}}
  }
  return {...pod, containers: pod.containers.map(fill), initContainers: pod.initContainers.map(fill)}
}
