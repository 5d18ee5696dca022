// Separates what the injection did from what the API server always does: both dry-runs are normalised the same way.
import {injectLabel, kubeApiAccessVolume, stripAdmissionArtifacts} from './pod-builder.js'
import {withApiDefaults} from './pod-defaults.js'
import type {PodObject} from './pod-builder.js'

type Json = Record<string, unknown>

const isObject = (value: unknown): value is Json =>
  value !== null && typeof value === 'object' && !Array.isArray(value)
const record = (value: unknown): Json => (isObject(value) ? value : {})
const list = (value: unknown): Json[] => (Array.isArray(value) ? value.filter(isObject) : [])

/** Fields the API server generates on create and that differ between any two dry-runs. */
const generatedMeta = ['uid', 'creationTimestamp', 'resourceVersion', 'managedFields', 'selfLink'] as const

const tokenVolumeName = (pod: PodObject): string | undefined =>
  list(record(pod.spec).volumes)
    .map((v) => String(v.name))
    .find((name) => kubeApiAccessVolume.test(name))

const renameVolume = (pod: PodObject, from: string, to: string): void => {
  const spec = record(pod.spec)
  for (const volume of list(spec.volumes)) if (volume.name === from) volume.name = to
  for (const field of ['containers', 'initContainers', 'ephemeralContainers']) {
    for (const container of list(spec[field]))
      for (const mount of list(container.volumeMounts)) if (mount.name === from) mount.name = to
  }
}

/** Drops uid, creationTimestamp and friends; drops the generated name when the input asked for generateName. */
export const withoutGeneratedFields = (pod: PodObject, input: PodObject): PodObject => {
  const copy = structuredClone(pod)
  const meta = record(copy.metadata)
  for (const field of generatedMeta) delete meta[field]
  if (record(input.metadata).name === undefined && typeof meta.generateName === 'string') delete meta.name
  copy.metadata = meta
  return copy
}

/** Puts the input's own `sidecar.istio.io/inject` label back (or removes the one the opted-out run added). */
export const restoreInjectLabel = (pod: PodObject, input: PodObject): PodObject => {
  const copy = structuredClone(pod)
  const meta = record(copy.metadata)
  const labels = {...record(meta.labels)}
  const original = record(record(input.metadata).labels)[injectLabel]
  if (typeof original === 'string') labels[injectLabel] = original
  else delete labels[injectLabel]
  if (Object.keys(labels).length === 0) delete meta.labels
  else meta.labels = labels
  copy.metadata = meta
  return copy
}

export interface IsolatedInjection {
  /** The opted-out dry-run: the input after defaulting and every non-injecting admission step. */
  readonly before: PodObject
  /** The real dry-run with the same normalisation. */
  readonly after: PodObject
}

/** Both dry-run results made comparable: generated fields gone, opt-out label undone, token volume names aligned. */
export const isolateInjection = (
  input: PodObject,
  baseline: PodObject,
  injected: PodObject,
): IsolatedInjection => {
  const before = restoreInjectLabel(withoutGeneratedFields(baseline, input), input)
  const after = withoutGeneratedFields(injected, input)
  const beforeToken = tokenVolumeName(before)
  const afterToken = tokenVolumeName(after)
  if (beforeToken !== undefined && afterToken !== undefined && beforeToken !== afterToken)
    renameVolume(after, afterToken, beforeToken)
  return {before, after}
}

/** An object for the direct route: the opted-out result as the injector would receive it (no generated fields). */
export const reviewObjectFrom = (baseline: PodObject, input: PodObject): PodObject => {
  const object = restoreInjectLabel(withoutGeneratedFields(baseline, input), input)
  delete object.status
  return object
}

const observedShape = (pod: PodObject, namespace: string, spec: Json): PodObject => {
  const meta = record(pod.metadata)
  const labels = record(meta.labels)
  const annotations = record(meta.annotations)
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      namespace,
      ...(Object.keys(labels).length === 0 ? {} : {labels}),
      ...(Object.keys(annotations).length === 0 ? {} : {annotations}),
    },
    spec,
  }
}

/**
 * --observed: the owner's template against the running pod, both reduced to metadata labels/annotations and spec.
 * Both specs get the same API-server defaults (a template is defaulted as a PodTemplate, the pod as a Pod).
 */
export const observedPair = (template: Json, pod: PodObject, raw: boolean): IsolatedInjection => {
  const namespace = String(record(pod.metadata).namespace ?? 'default')
  const templateSpec = record(template.spec)
  const podSpec = record(pod.spec)
  if (raw)
    return {
      before: observedShape(structuredClone(template), namespace, structuredClone(templateSpec)),
      after: observedShape(structuredClone(pod), namespace, structuredClone(podSpec)),
    }
  return {
    before: observedShape(structuredClone(template), namespace, withApiDefaults(templateSpec)),
    after: observedShape(
      structuredClone(pod),
      namespace,
      withApiDefaults(stripAdmissionArtifacts(podSpec, templateSpec)),
    ),
  }
}

/** A running pod and a dry-run result reduced alike (labels, annotations, defaulted spec without admission artifacts). */
export const restartPair = (
  running: PodObject,
  recreated: PodObject,
  template: Json,
  raw: boolean,
): IsolatedInjection => {
  const namespace = String(record(running.metadata).namespace ?? 'default')
  const reduce = (pod: PodObject): PodObject => {
    const spec = record(pod.spec)
    return observedShape(
      structuredClone(pod),
      namespace,
      raw ? structuredClone(spec) : withApiDefaults(stripAdmissionArtifacts(spec, template)),
    )
  }
  return {before: reduce(running), after: reduce(recreated)}
}
