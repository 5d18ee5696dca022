// A pod's requests and limits as the API server counts them for quota and LimitRange.
// kubernetes: staging/src/k8s.io/component-helpers/resource/helpers.go PodRequests/PodLimits (max of init containers vs
// the sum of containers, restartable init containers (native sidecars) added to the sum and to every later init step),
// plus spec.overhead.
import type {ContainerFacts, Labels, PodFacts} from '../snapshot.js'
import {addQuantities, maxQuantity, parseQuantity} from './quantity.js'
import type {Quantity} from './quantity.js'

export type ResourceList = ReadonlyMap<string, Quantity>

const listOf = (labels: Labels | undefined): Map<string, Quantity> => {
  const out = new Map<string, Quantity>()
  for (const [k, v] of Object.entries(labels ?? {})) {
    const q = parseQuantity(v)
    if (q !== undefined) out.set(k, q)
  }
  return out
}

const add = (a: ResourceList, b: ResourceList): Map<string, Quantity> => {
  const out = new Map(a)
  for (const [k, q] of b) {
    const prev = out.get(k)
    out.set(k, prev === undefined ? q : addQuantities(prev, q))
  }
  return out
}

const max = (a: ResourceList, b: ResourceList): Map<string, Quantity> => {
  const out = new Map(a)
  for (const [k, q] of b) {
    const prev = out.get(k)
    out.set(k, prev === undefined ? q : maxQuantity(prev, q))
  }
  return out
}

/** A container's requests: requests, else limits (the API server defaults a missing request to the limit). */
// kubernetes: pkg/apis/core/v1/defaults.go SetDefaults_Pod (requests default to limits, per resource).
export const containerRequests = (c: ContainerFacts): Map<string, Quantity> =>
  new Map([...listOf(c.resources?.limits), ...listOf(c.resources?.requests)])

export const containerLimits = (c: ContainerFacts): Map<string, Quantity> => listOf(c.resources?.limits)

const aggregate = (pod: PodFacts, of: (c: ContainerFacts) => ResourceList): Map<string, Quantity> => {
  let sum: Map<string, Quantity> = new Map()
  for (const c of pod.containers) sum = add(sum, of(c))
  let sidecars: Map<string, Quantity> = new Map()
  let initMax: Map<string, Quantity> = new Map()
  for (const c of pod.initContainers) {
    if (c.restartPolicy === 'Always') {
      sum = add(sum, of(c))
      sidecars = add(sidecars, of(c))
      initMax = max(initMax, sidecars)
    } else initMax = max(initMax, add(of(c), sidecars))
  }
  return add(max(sum, initMax), listOf(pod.spec?.overhead))
}

export const podRequests = (pod: PodFacts): Map<string, Quantity> => aggregate(pod, containerRequests)
export const podLimits = (pod: PodFacts): Map<string, Quantity> => aggregate(pod, containerLimits)
