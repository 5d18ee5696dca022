// Pods to send through admission: from a running pod, a workload's template or a manifest, cleaned of what the
// API server and the controllers fill in, named with generateName as the controller would name them.
import type {WorkloadKind} from '../snapshot.js'
import {canonical} from './json-patch.js'

export type PodObject = Record<string, unknown>
type Json = Record<string, unknown>

export const injectLabel = 'sidecar.istio.io/inject'
export const revisionLabel = 'istio.io/rev'
export const statusAnnotation = 'sidecar.istio.io/status'

const isObject = (value: unknown): value is Json =>
  value !== null && typeof value === 'object' && !Array.isArray(value)
const record = (value: unknown): Json => (isObject(value) ? value : {})
const list = (value: unknown): Json[] => (Array.isArray(value) ? value.filter(isObject) : [])

/** The projected service-account token volume the ServiceAccount admission plugin adds: `kube-api-access-<5 chars>`. */
// kubernetes: plugin/pkg/admission/serviceaccount/admission.go (ServiceAccountVolumeName prefix + rand.String(5)).
export const kubeApiAccessVolume = /^kube-api-access-[a-z0-9]{5}$/
const serviceAccountMountPath = '/var/run/secrets/kubernetes.io/serviceaccount'

// kubernetes: plugin/pkg/admission/defaulttolerationseconds/admission.go (not-ready/unreachable, NoExecute, 300s).
const defaultTolerationKeys = new Set(['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'])
const isDefaultToleration = (t: Json): boolean =>
  typeof t.key === 'string' &&
  defaultTolerationKeys.has(t.key) &&
  t.operator === 'Exists' &&
  t.effect === 'NoExecute' &&
  t.tolerationSeconds === 300

/** apimachinery rand.SafeEncodeString alphabet: no vowels, no confusable characters. */
// kubernetes: staging/src/k8s.io/apimachinery/pkg/util/rand/rand.go SafeEncodeString
const alphanums = 'bcdfghjklmnpqrstvwxz2456789'

/** A pod-template-hash in the controller's spelling: FNV-32a of the template, decimal, SafeEncodeString'd. */
// kubernetes: pkg/controller/controller_utils.go ComputeHash (the real one hashes the Go object dump; ours hashes canonical JSON).
export const podTemplateHash = (template: unknown): string => {
  let hash = 0x811c9dc5
  for (const byte of new TextEncoder().encode(canonical(template))) {
    hash ^= byte
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return [...String(hash)].map((ch) => alphanums[ch.charCodeAt(0) % alphanums.length]).join('')
}

/** Removes what admission and the scheduler add to a pod (token volume and mounts, default tolerations, nodeName). */
export const stripAdmissionArtifacts = (spec: Json, template: Json = {}): Json => {
  const out: Json = structuredClone(spec)
  delete out.nodeName
  const tokenVolumes = new Set(
    list(out.volumes)
      .map((v) => String(v.name))
      .filter((name) => kubeApiAccessVolume.test(name)),
  )
  if (Array.isArray(out.volumes)) {
    out.volumes = list(out.volumes).filter((v) => !tokenVolumes.has(String(v.name)))
    if ((out.volumes as Json[]).length === 0 && !Array.isArray(template.volumes)) delete out.volumes
  }
  for (const field of ['containers', 'initContainers', 'ephemeralContainers']) {
    for (const container of list(out[field])) {
      if (!Array.isArray(container.volumeMounts)) continue
      container.volumeMounts = list(container.volumeMounts).filter(
        (m) => !(tokenVolumes.has(String(m.name)) && m.mountPath === serviceAccountMountPath),
      )
      if ((container.volumeMounts as Json[]).length === 0) delete container.volumeMounts
    }
  }
  if (Array.isArray(out.tolerations) && !Array.isArray(template.tolerations)) {
    out.tolerations = list(out.tolerations).filter((t) => !isDefaultToleration(t))
    if ((out.tolerations as Json[]).length === 0) delete out.tolerations
  }
  // ServiceAccount and Priority admission fill these when the template leaves them out.
  for (const field of ['serviceAccount', 'serviceAccountName', 'priority', 'preemptionPolicy']) {
    if (!Object.hasOwn(template, field) && field in out) {
      if (field === 'serviceAccountName' && out[field] !== 'default') continue
      if (
        field === 'serviceAccount' &&
        out[field] !== (out.serviceAccountName ?? 'default') &&
        out[field] !== 'default'
      )
        continue
      delete out[field]
    }
  }
  return out
}

const cleanMeta = (meta: Json, namespace: string, generateName: string): Json => {
  const labels = record(meta.labels)
  const annotations = record(meta.annotations)
  return {
    generateName,
    namespace,
    ...(Object.keys(labels).length === 0 ? {} : {labels: {...labels}}),
    ...(Object.keys(annotations).length === 0 ? {} : {annotations: {...annotations}}),
  }
}

/** A running (or manifest) pod as a fresh create: server fields, status and admission artifacts removed. */
export const podFromPod = (pod: PodObject, defaultNamespace: string): PodObject => {
  const meta = record(pod.metadata)
  const namespace = typeof meta.namespace === 'string' ? meta.namespace : defaultNamespace
  const name = typeof meta.name === 'string' ? meta.name : undefined
  // A dry-run create with the name of an existing pod fails AlreadyExists: generateName never collides.
  const generateName = typeof meta.generateName === 'string' ? meta.generateName : `${name ?? 'pod'}-`
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: cleanMeta(meta, namespace, generateName),
    spec: stripAdmissionArtifacts(record(pod.spec)),
  }
}

/** The pod template of a workload object (CronJob: spec.jobTemplate.spec.template). */
export const templateOfWorkload = (kind: WorkloadKind, workload: PodObject): Json => {
  const spec = record(workload.spec)
  return kind === 'CronJob' ? record(record(record(spec.jobTemplate).spec).template) : record(spec.template)
}

/** A workload's template as the pod its controller would create: template metadata, `<name>-<hash>-` for Deployments. */
// kubernetes: pkg/controller/deployment/sync.go (RS `<deploy>-<hash>`, label pod-template-hash); controller_utils.go (pods `<owner>-`).
export const podFromTemplate = (
  kind: WorkloadKind,
  name: string,
  namespace: string,
  template: Json,
): PodObject => {
  const meta = record(template.metadata)
  const spec = record(template.spec)
  if (kind === 'Deployment') {
    const hash = podTemplateHash(template)
    const labels = {...record(meta.labels), 'pod-template-hash': hash}
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: cleanMeta({...meta, labels}, namespace, `${name}-${hash}-`),
      spec: structuredClone(spec),
    }
  }
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: cleanMeta(meta, namespace, `${name}-`),
    spec: structuredClone(spec),
  }
}

const labelsOf = (pod: PodObject): Record<string, string> =>
  record(record(pod.metadata).labels) as Record<string, string>

/** A copy with one pod label set. */
export const withPodLabel = (pod: PodObject, key: string, value: string): PodObject => {
  const copy = structuredClone(pod)
  const meta = record(copy.metadata)
  meta.labels = {...labelsOf(pod), [key]: value}
  copy.metadata = meta
  return copy
}

/** The same pod opted out of injection (`sidecar.istio.io/inject=false`: Istio's objectSelectors and injectRequired skip it). */
// istio: manifests/charts/istio-control/istio-discovery/templates/mutatingwebhook.yaml (objectSelector inject NotIn [false]).
export const optedOut = (pod: PodObject): PodObject => withPodLabel(pod, injectLabel, 'false')

// Labels and annotations istiod's sidecar template adds (the status annotation lists containers and volumes, not these).
// istio: manifests/charts/istio-control/istio-discovery/files/injection-template.yaml (metadata section)
const injectedLabels = [
  'security.istio.io/tlsMode',
  'service.istio.io/canonical-name',
  'service.istio.io/canonical-revision',
]
const injectedAnnotations = [
  statusAnnotation,
  'istio.io/rev',
  'kubectl.kubernetes.io/default-container',
  'kubectl.kubernetes.io/default-logs-container',
  'prometheus.io/path',
  'prometheus.io/port',
  'prometheus.io/scrape',
]

const names = (value: unknown): Set<string> =>
  new Set(Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [])

/**
 * A pod without what Istio injected, as named by its `sidecar.istio.io/status` annotation (containers, init
 * containers, volumes, image pull secrets) plus the labels and annotations the template adds. Probe rewrites stay.
 */
// istio: pkg/kube/inject/inject.go SidecarInjectionStatus (the annotation injection writes)
export const withoutInjection = (pod: PodObject): PodObject => {
  const copy = structuredClone(pod)
  const meta = record(copy.metadata)
  const annotations = {...record(meta.annotations)}
  let status: Json = {}
  try {
    status = record(JSON.parse(String(annotations[statusAnnotation] ?? '{}')))
  } catch {
    status = {}
  }
  const spec = record(copy.spec)
  const drop = (field: string, key: string): void => {
    const gone = names(status[key])
    if (!Array.isArray(spec[field])) return
    spec[field] = list(spec[field]).filter((item) => !gone.has(String(item.name)))
    if ((spec[field] as Json[]).length === 0) delete spec[field]
  }
  drop('containers', 'containers')
  drop('initContainers', 'initContainers')
  drop('volumes', 'volumes')
  drop('imagePullSecrets', 'imagePullSecrets')
  for (const key of injectedAnnotations) delete annotations[key]
  const labels = {...record(meta.labels)}
  for (const key of injectedLabels) delete labels[key]
  if (Object.keys(annotations).length === 0) delete meta.annotations
  else meta.annotations = annotations
  if (Object.keys(labels).length === 0) delete meta.labels
  else meta.labels = labels
  copy.metadata = meta
  copy.spec = spec
  return copy
}

/** The pod a restart would create from `template`, keeping the running pod's name prefix and pod-template-hash. */
export const podForRestart = (
  kind: WorkloadKind,
  name: string,
  template: Json,
  running: PodObject,
): PodObject => {
  const meta = record(running.metadata)
  const namespace = String(meta.namespace ?? 'default')
  const pod = podFromTemplate(kind, name, namespace, template)
  const runningHash = record(meta.labels)['pod-template-hash']
  const podMeta = record(pod.metadata)
  if (typeof runningHash === 'string')
    podMeta.labels = {...record(podMeta.labels), 'pod-template-hash': runningHash}
  if (typeof meta.generateName === 'string') podMeta.generateName = meta.generateName
  return pod
}
