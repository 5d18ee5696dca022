// Would a new plain pod in this namespace be injected, and by which revision.
import {indexRevisions} from '../istio/revisions.js'
import type {ClusterSnapshot, PodFacts} from '../snapshot.js'
import {evaluatePod} from './evaluate.js'
import type {EvaluateOptions} from './evaluate.js'
import type {Verdict} from './verdict.js'

/** A pod with no labels, annotations or special spec: what `kubectl run` would create. */
export const plainPod = (namespace: string): PodFacts => ({
  kind: 'PodTemplate',
  namespace,
  name: 'new-pod',
  labels: {},
  annotations: {},
  hostNetwork: false,
  containers: [{name: 'app'}],
  initContainers: [],
})

export const evaluateNamespace = (
  snapshot: ClusterSnapshot,
  name: string,
  options: EvaluateOptions = {},
): Verdict =>
  evaluatePod(snapshot, plainPod(name), {
    ...options,
    index: options.index ?? indexRevisions(snapshot),
    target: options.target ?? {kind: 'Namespace', namespace: name, name},
  })
