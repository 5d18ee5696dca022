// The part of the cluster a health report speaks about: webhooks and istiod logs are cluster-wide, but restart
// plans, stale proxies and FailedCreate events count only for the pods and controllers the user asked about.
import {labelsMatchSelectorString} from '../admission/label-selector.js'
import {isWorkloadKind} from '../snapshot.js'
import type {ClusterSnapshot, PodFacts, WorkloadFacts} from '../snapshot.js'
import {podsOfWorkload} from '../verdict/evaluate.js'
import type {Verdict} from '../verdict/verdict.js'

export interface HealthScope {
  /** Whether the pod is among the requested targets. */
  readonly includesPod: (namespace: string, name: string) => boolean
  /** Whether a pod-creating controller (the subject of a FailedCreate event) belongs to the requested targets. */
  readonly includesController: (kind: string, namespace: string, name: string) => boolean
}

/** What the user asked about, in the terms the scope needs. */
export type HealthScopeRequest =
  /** -A without a selector (and the health view of a whole cluster). */
  | {readonly kind: 'cluster'}
  /** -n NS without a selector, or ns/NS: everything in the namespace. */
  | {readonly kind: 'namespace'; readonly namespace: string}
  /** Named targets, -l sweeps (kubectl -l text) and -f manifests: the evaluated verdicts (with -l, matching controllers). */
  | {readonly kind: 'targets'; readonly verdicts: readonly Verdict[]; readonly selector?: string}

export const wholeCluster: HealthScope = {includesPod: () => true, includesController: () => true}

const key = (...parts: readonly string[]): string => parts.join('/')

/** Resolves the request against the snapshot once; the result answers membership in O(1) (plus Deployment-hash names). */
export const resolveHealthScope = (snapshot: ClusterSnapshot, request: HealthScopeRequest): HealthScope => {
  if (request.kind === 'cluster') return wholeCluster
  if (request.kind === 'namespace') {
    const ns = request.namespace
    return {
      includesPod: (namespace) => namespace === ns,
      includesController: (_k, namespace) => namespace === ns,
    }
  }
  const pods = new Set<string>()
  const controllers = new Set<string>()
  const addWorkload = (w: {
    readonly kind: string
    readonly namespace: string
    readonly name: string
  }): void => {
    controllers.add(key(w.namespace, w.kind, w.name))
  }
  const addPod = (p: PodFacts): void => {
    pods.add(key(p.namespace, p.name))
    if (p.owner) controllers.add(key(p.namespace, p.owner.kind, p.owner.name))
    if (p.controller) controllers.add(key(p.namespace, p.controller.kind, p.controller.name))
  }
  const selected: WorkloadFacts[] = []
  for (const verdict of request.verdicts) {
    const t = verdict.target
    if (t.source !== undefined || t.kind === 'Manifest' || t.kind === 'Namespace') continue
    if (verdict.owner) controllers.add(key(t.namespace, verdict.owner.kind, verdict.owner.name))
    if (t.kind === 'Pod') {
      const pod = snapshot.pods.find((p) => p.namespace === t.namespace && p.name === t.name)
      if (pod) addPod(pod)
      else pods.add(key(t.namespace, t.name))
      continue
    }
    const workload = snapshot.workloads.find(
      (w) => w.kind === t.kind && w.namespace === t.namespace && w.name === t.name,
    )
    if (workload) selected.push(workload)
    else if (isWorkloadKind(t.kind)) addWorkload(t)
  }
  const selector = request.selector
  if (selector !== undefined) {
    // -l over pods also takes in the controllers whose template carries the labels (a 0-pod Deployment's FailedCreate).
    const namespaces = new Set(request.verdicts.map((v) => v.target.namespace))
    for (const w of snapshot.workloads) {
      if (namespaces.size > 0 && !namespaces.has(w.namespace)) continue
      if (labelsMatchSelectorString(selector, w.template.labels).matches) selected.push(w)
    }
  }
  for (const w of selected) {
    addWorkload(w)
    for (const pod of podsOfWorkload(snapshot, w)) addPod(pod)
  }
  // ReplicaSets and Jobs owned by a controller in scope (from the snapshot's own ownerReferences).
  for (const w of snapshot.workloads) {
    if (w.controller && controllers.has(key(w.namespace, w.controller.kind, w.controller.name)))
      addWorkload(w)
  }
  const deployments = [...controllers]
    .map((c) => c.split('/'))
    .filter(([, kind]) => kind === 'Deployment')
    .map(([namespace = '', , name = '']) => ({namespace, name}))
  return {
    includesPod: (namespace, name) => pods.has(key(namespace, name)),
    includesController: (kind, namespace, name) =>
      controllers.has(key(namespace, kind, name)) ||
      // A Deployment's ReplicaSets are named <deployment>-<pod-template-hash> (the RS may not be in the snapshot).
      (kind === 'ReplicaSet' &&
        deployments.some(
          (d) =>
            d.namespace === namespace &&
            name.startsWith(`${d.name}-`) &&
            /^[a-z0-9]{5,10}$/.test(name.slice(d.name.length + 1)),
        )),
  }
}
