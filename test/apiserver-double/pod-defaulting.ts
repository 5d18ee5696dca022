// Pod defaulting and the built-in admission plugins that run before webhooks, as the API server applies them.
import {randomUUID} from 'node:crypto'
import type {KubeObject} from './object-store.js'

type Json = Record<string, unknown>

// apimachinery: pkg/util/rand/rand.go alphanums (no vowels, no confusable digits).
const alphanums = 'bcdfghjklmnpqrstvwxz2456789'

export function randomSuffix(length = 5): string {
  let out = ''
  for (let i = 0; i < length; i++) out += alphanums[Math.floor(Math.random() * alphanums.length)]
  return out
}

const asList = (value: unknown): Json[] => (Array.isArray(value) ? (value as Json[]) : [])

// kubernetes: pkg/apis/core/v1/defaults.go SetDefaults_Container (imagePullPolicy by tag).
function defaultPullPolicy(image: string): string {
  const lastPart = image.slice(image.lastIndexOf('/') + 1)
  if (lastPart.includes('@')) return 'IfNotPresent'
  const colon = lastPart.indexOf(':')
  if (colon < 0) return 'Always'
  return lastPart.slice(colon + 1) === 'latest' ? 'Always' : 'IfNotPresent'
}

function defaultProbe(probe: unknown): void {
  if (!probe || typeof probe !== 'object') return
  const p = probe as Json
  p.timeoutSeconds ??= 1
  p.periodSeconds ??= 10
  p.successThreshold ??= 1
  p.failureThreshold ??= 3
  if (p.httpGet && typeof p.httpGet === 'object') (p.httpGet as Json).scheme ??= 'HTTP'
}

function defaultContainer(c: Json): void {
  c.terminationMessagePath ??= '/dev/termination-log'
  c.terminationMessagePolicy ??= 'File'
  if (typeof c.image === 'string') c.imagePullPolicy ??= defaultPullPolicy(c.image)
  c.resources ??= {}
  for (const port of asList(c.ports)) port.protocol ??= 'TCP'
  for (const env of asList(c.env)) {
    const fieldRef = (env.valueFrom as Json | undefined)?.fieldRef as Json | undefined
    if (fieldRef) fieldRef.apiVersion ??= 'v1'
  }
  defaultProbe(c.livenessProbe)
  defaultProbe(c.readinessProbe)
  defaultProbe(c.startupProbe)
}

function defaultVolume(v: Json): void {
  for (const kind of ['configMap', 'secret', 'projected', 'downwardAPI']) {
    const source = v[kind] as Json | undefined
    if (source) source.defaultMode ??= 420
  }
  const sources = [
    ...asList((v.projected as Json | undefined)?.sources).map((s) => s.downwardAPI as Json | undefined),
    v.downwardAPI as Json | undefined,
  ]
  for (const source of sources)
    for (const item of asList(source?.items)) {
      const fieldRef = item.fieldRef as Json | undefined
      if (fieldRef) fieldRef.apiVersion ??= 'v1'
    }
  for (const s of asList((v.projected as Json | undefined)?.sources)) {
    const token = s.serviceAccountToken as Json | undefined
    if (token) token.expirationSeconds ??= 3600
  }
  if (v.hostPath && typeof v.hostPath === 'object') (v.hostPath as Json).type ??= ''
}

// kubernetes: pkg/apis/core/v1/defaults.go SetDefaults_PodSpec and friends; safe to re-run after webhook patches.
export function applyPodDefaults(pod: KubeObject): void {
  const spec = ((pod.spec as Json | undefined) ?? (pod.spec = {})) as Json
  spec.restartPolicy ??= 'Always'
  spec.dnsPolicy ??= 'ClusterFirst'
  spec.terminationGracePeriodSeconds ??= 30
  spec.securityContext ??= {}
  spec.schedulerName ??= 'default-scheduler'
  spec.enableServiceLinks ??= true
  if (spec.serviceAccountName !== undefined) spec.serviceAccount ??= spec.serviceAccountName
  for (const c of [...asList(spec.initContainers), ...asList(spec.containers)]) defaultContainer(c)
  for (const v of asList(spec.volumes)) defaultVolume(v)
}

const serviceAccountMountPath = '/var/run/secrets/kubernetes.io/serviceaccount'

// kubernetes: plugin/pkg/admission/serviceaccount/admission.go (default SA, kube-api-access projected volume).
export function admitServiceAccount(pod: KubeObject, serviceAccount: KubeObject | undefined): void {
  const spec = pod.spec as Json
  spec.serviceAccountName ??= 'default'
  spec.serviceAccount ??= spec.serviceAccountName
  const automount = spec.automountServiceAccountToken ?? serviceAccount?.automountServiceAccountToken ?? true
  if (automount === false) return
  const containers = [...asList(spec.initContainers), ...asList(spec.containers)]
  const alreadyMounted = (c: Json): boolean =>
    asList(c.volumeMounts).some((m) => m.mountPath === serviceAccountMountPath)
  if (containers.every(alreadyMounted)) return
  const name = `kube-api-access-${randomSuffix()}`
  spec.volumes = [
    ...asList(spec.volumes),
    {
      name,
      projected: {
        defaultMode: 420,
        sources: [
          {serviceAccountToken: {expirationSeconds: 3607, path: 'token'}},
          {configMap: {name: 'kube-root-ca.crt', items: [{key: 'ca.crt', path: 'ca.crt'}]}},
          {
            downwardAPI: {
              items: [{fieldRef: {apiVersion: 'v1', fieldPath: 'metadata.namespace'}, path: 'namespace'}],
            },
          },
        ],
      },
    },
  ]
  for (const c of containers)
    if (!alreadyMounted(c))
      c.volumeMounts = [...asList(c.volumeMounts), {name, readOnly: true, mountPath: serviceAccountMountPath}]
}

// kubernetes: plugin/pkg/admission/priority and defaulttolerationseconds.
export function admitPriorityAndTolerations(pod: KubeObject): void {
  const spec = pod.spec as Json
  if (spec.priorityClassName === undefined) spec.priority ??= 0
  spec.preemptionPolicy ??= 'PreemptLowerPriority'
  const tolerations = asList(spec.tolerations)
  for (const key of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']) {
    const present = tolerations.some(
      (t) => (t.key === key || t.key === undefined) && (t.effect === 'NoExecute' || !t.effect),
    )
    if (!present) tolerations.push({key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300})
  }
  spec.tolerations = tolerations
}

// kubernetes: pkg/apis/core/helper/qos GetPodQOS (simplified to requests/limits presence).
function qosClass(spec: Json): string {
  const containers = [...asList(spec.initContainers), ...asList(spec.containers)]
  const resources = containers.map((c) => (c.resources ?? {}) as {requests?: Json; limits?: Json})
  const anySet = resources.some(
    (r) => Object.keys(r.requests ?? {}).length + Object.keys(r.limits ?? {}).length > 0,
  )
  if (!anySet) return 'BestEffort'
  const guaranteed = resources.every((r) => {
    const limits = r.limits ?? {}
    const requests = r.requests ?? limits
    return (
      ['cpu', 'memory'].every((k) => limits[k] !== undefined) &&
      Object.entries(requests).every(([k, v]) => limits[k] === v)
    )
  })
  return guaranteed ? 'Guaranteed' : 'Burstable'
}

// kubernetes: staging/src/k8s.io/apiserver/pkg/registry/rest/create.go BeforeCreate (after mutating admission).
export function prepareForCreate(pod: KubeObject, now: Date): void {
  const metadata = (pod.metadata ??= {})
  if (!metadata.name && metadata.generateName) metadata.name = metadata.generateName + randomSuffix()
  metadata.uid = randomUUID()
  metadata.creationTimestamp = now.toISOString().replace(/\.\d+Z$/, 'Z')
  delete metadata.resourceVersion
  pod.status = {phase: 'Pending', qosClass: qosClass(pod.spec as Json)}
}
