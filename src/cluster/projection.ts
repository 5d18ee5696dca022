// Raw Kubernetes objects (any list or item shape, any source) → the narrow facts of a ClusterSnapshot.
// Live, file and bundle readers all go through SnapshotBuilder so every source projects the same way.
import {parseKubectlAge} from './events-table.js'
import type {
  ClusterSnapshot,
  ConfigMapFacts,
  ContainerFacts,
  EndpointSliceFacts,
  EventFacts,
  Gap,
  Labels,
  MutatingWebhookConfiguration,
  NamespaceFacts,
  NodeFacts,
  OwnerReference,
  PodFacts,
  LabelSelector,
  LimitRangeFacts,
  LimitRangeItemFacts,
  PodSpecFacts,
  ResourceFacts,
  ResourceQuotaFacts,
  RolloutStrategy,
  SecurityContextFacts,
  ValidatingAdmissionPolicyBindingFacts,
  ValidatingAdmissionPolicyFacts,
  ValidatingWebhookConfigurationFacts,
  Provenance,
  ServiceFacts,
  SnapshotOrigin,
  WorkloadFacts,
  WorkloadKind,
} from '../core/snapshot.js'

type Raw = Record<string, unknown>

export interface RawEntry {
  readonly object: unknown
  /** Provenance: `live`, a file path, or `archive!entry`. */
  readonly source: Provenance
}

import {workloadKinds} from '../core/snapshot.js'

export {workloadKinds}

const isRecord = (value: unknown): value is Raw =>
  value !== null && typeof value === 'object' && !Array.isArray(value)
const record = (value: unknown): Raw => (isRecord(value) ? value : {})
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined)
const num = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined

function labelsOf(value: unknown): Labels {
  if (!isRecord(value)) return {}
  const out: Record<string, string> = {}
  for (const [key, v] of Object.entries(value)) {
    if (typeof v === 'string') out[key] = v
    else if (typeof v === 'number' || typeof v === 'boolean') out[key] = String(v)
  }
  return out
}

const withSource = (source: Provenance | undefined) => (source === undefined ? {} : {source})

function ownerReferences(meta: Raw): OwnerReference[] {
  const refs = Array.isArray(meta.ownerReferences) ? meta.ownerReferences : []
  const out: OwnerReference[] = []
  for (const ref of refs) {
    const r = record(ref)
    const kind = text(r.kind)
    const name = text(r.name)
    if (kind === undefined || name === undefined) continue
    out.push({
      kind,
      name,
      ...(text(r.apiVersion) === undefined ? {} : {apiVersion: text(r.apiVersion)!}),
      ...(r.controller === true ? {controller: true} : {}),
      ...(text(r.uid) === undefined ? {} : {uid: text(r.uid)!}),
    })
  }
  return out
}

const controllerOf = (meta: Raw): OwnerReference | undefined =>
  ownerReferences(meta).find((ref) => ref.controller === true)

/** ReplicaSet `web-7d4b9c` with pod-template-hash `7d4b9c` → Deployment `web` (apps/v1 deployment controller naming). */
// kubernetes: pkg/controller/deployment/sync.go getNewReplicaSet names RSs `<deployment>-<pod-template-hash>`.
export function deploymentOfReplicaSet(
  replicaSetName: string,
  podTemplateHash: string | undefined,
): string | undefined {
  if (podTemplateHash === undefined || podTemplateHash === '') return undefined
  const suffix = `-${podTemplateHash}`
  return replicaSetName.endsWith(suffix) && replicaSetName.length > suffix.length
    ? replicaSetName.slice(0, -suffix.length)
    : undefined
}

/** The workload a user restarts for a pod with this controller; Jobs are lifted to CronJobs later when the Job is known. */
export function ownerOfController(
  controller: OwnerReference | undefined,
  labels: Labels,
): {kind: string; name: string} | undefined {
  if (controller === undefined) return undefined
  if (controller.kind === 'ReplicaSet') {
    const deployment = deploymentOfReplicaSet(controller.name, labels['pod-template-hash'])
    if (deployment !== undefined) return {kind: 'Deployment', name: deployment}
  }
  return {kind: controller.kind, name: controller.name}
}

const bool = (value: unknown): boolean | undefined => (typeof value === 'boolean' ? value : undefined)
const strings = (value: unknown): string[] | undefined =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : undefined

/** The securityContext fields Pod Security reads; fields of checks not modelled are only named. */
function securityContextOf(value: unknown, pod: boolean): SecurityContextFacts | undefined {
  if (!isRecord(value)) return undefined
  const caps = isRecord(value.capabilities) ? value.capabilities : undefined
  const seccomp = text(record(value.seccompProfile).type)
  const se = isRecord(value.seLinuxOptions) ? value.seLinuxOptions : undefined
  const sysctls =
    pod && Array.isArray(value.sysctls) ? value.sysctls.filter(isRecord).map((x) => text(x.name) ?? '') : []
  const entries: [keyof SecurityContextFacts, unknown][] = [
    ['privileged', bool(value.privileged)],
    ['allowPrivilegeEscalation', bool(value.allowPrivilegeEscalation)],
    ['runAsNonRoot', bool(value.runAsNonRoot)],
    ['runAsUser', num(value.runAsUser)],
    ['runAsGroup', num(value.runAsGroup)],
    ['readOnlyRootFilesystem', bool(value.readOnlyRootFilesystem)],
    [
      'capabilities',
      caps === undefined
        ? undefined
        : {
            ...(strings(caps.add) === undefined ? {} : {add: strings(caps.add)}),
            ...(strings(caps.drop) === undefined ? {} : {drop: strings(caps.drop)}),
          },
    ],
    ['seccompProfileType', seccomp],
    ['procMount', text(value.procMount)],
    [
      'seLinuxOptions',
      se === undefined
        ? undefined
        : {type: text(se.type) ?? '', user: text(se.user) ?? '', role: text(se.role) ?? ''},
    ],
    [
      'appArmorProfileType',
      isRecord(value.appArmorProfile) ? (text(value.appArmorProfile.type) ?? '') : undefined,
    ],
    ['windowsHostProcess', bool(record(value.windowsOptions).hostProcess)],
    ['sysctls', sysctls.length > 0 ? sysctls : undefined],
  ]
  return Object.fromEntries(entries.filter(([, v]) => v !== undefined)) as SecurityContextFacts
}

function resourcesOf(value: unknown): ResourceFacts | undefined {
  if (!isRecord(value)) return undefined
  const requests = isRecord(value.requests) ? labelsOf(value.requests) : undefined
  const limits = isRecord(value.limits) ? labelsOf(value.limits) : undefined
  if (requests === undefined && limits === undefined) return undefined
  return {...(requests ? {requests} : {}), ...(limits ? {limits} : {})}
}

function podSpecOf(spec: Raw): PodSpecFacts {
  const volumes = (Array.isArray(spec.volumes) ? spec.volumes : []).filter(isRecord).flatMap((v) => {
    const name = text(v.name)
    const type = Object.keys(v).find((k) => k !== 'name')
    return name === undefined ? [] : [{name, type: type ?? 'emptyDir'}]
  })
  const sc = securityContextOf(spec.securityContext, true)
  const entries: [keyof PodSpecFacts, unknown][] = [
    ['securityContext', sc],
    ['hostPID', bool(spec.hostPID)],
    ['hostIPC', bool(spec.hostIPC)],
    ['hostUsers', bool(spec.hostUsers)],
    ['volumes', volumes.length > 0 ? volumes : undefined],
    ['overhead', isRecord(spec.overhead) ? labelsOf(spec.overhead) : undefined],
  ]
  return Object.fromEntries(entries.filter(([, v]) => v !== undefined)) as PodSpecFacts
}

function containersOf(value: unknown, init: boolean): ContainerFacts[] {
  if (!Array.isArray(value)) return []
  const out: ContainerFacts[] = []
  for (const item of value) {
    const c = record(item)
    const name = text(c.name)
    if (name === undefined) continue
    const image = text(c.image)
    const restartPolicy = init ? text(c.restartPolicy) : undefined
    const securityContext = securityContextOf(c.securityContext, false)
    const resources = resourcesOf(c.resources)
    const hostPorts = (Array.isArray(c.ports) ? c.ports : [])
      .map((p) => num(record(p).hostPort))
      .filter((p): p is number => p !== undefined && p !== 0)
    const probeHosts = probeHostsOf(c)
    out.push({
      name,
      ...(image === undefined ? {} : {image}),
      ...(restartPolicy === undefined ? {} : {restartPolicy}),
      ...(securityContext === undefined ? {} : {securityContext}),
      ...(resources === undefined ? {} : {resources}),
      ...(hostPorts.length === 0 ? {} : {hostPorts}),
      ...(probeHosts.length === 0 ? {} : {probeHosts}),
    })
  }
  return out
}

/** Hosts set in probes and lifecycle handlers (httpGet.host, tcpSocket.host), for Pod Security's 1.34+ check. */
const probeHostsOf = (c: Raw): string[] => {
  const lifecycle = record(c.lifecycle)
  const handlers = [c.livenessProbe, c.readinessProbe, c.startupProbe, lifecycle.postStart, lifecycle.preStop]
  return handlers.flatMap((h) =>
    [record(record(h).httpGet).host, record(record(h).tcpSocket).host].filter(
      (host): host is string => typeof host === 'string' && host !== '',
    ),
  )
}

export interface PodProjectionOptions {
  /** Keep the whole object (CEL matchConditions need `object`). */
  readonly keepObject?: boolean
  readonly source?: Provenance
  /** Used when the object has no namespace (manifests). */
  readonly defaultNamespace?: string
  /** `PodTemplate` for a manifest pod that is not applied yet. */
  readonly kind?: PodFacts['kind']
}

/** A Pod object → PodFacts (compact: the whole object only with keepObject). */
export function projectPod(object: unknown, options: PodProjectionOptions = {}): PodFacts | undefined {
  const raw = record(object)
  const meta = record(raw.metadata)
  const name = text(meta.name) ?? text(meta.generateName)
  if (name === undefined) return undefined
  const spec = record(raw.spec)
  const status = record(raw.status)
  const labels = labelsOf(meta.labels)
  const controller = controllerOf(meta)
  const owner = ownerOfController(controller, labels)
  const generateName = text(meta.generateName)
  const nodeName = text(spec.nodeName)
  const phase = text(status.phase)
  const restartPolicy = text(spec.restartPolicy)
  const serviceAccountName = text(spec.serviceAccountName)
  const creationTimestamp = text(meta.creationTimestamp)
  const podSpec = podSpecOf(spec)
  return {
    kind: options.kind ?? 'Pod',
    namespace: text(meta.namespace) ?? options.defaultNamespace ?? 'default',
    name,
    ...(generateName === undefined ? {} : {generateName}),
    labels,
    annotations: labelsOf(meta.annotations),
    hostNetwork: spec.hostNetwork === true,
    containers: containersOf(spec.containers, false),
    initContainers: containersOf(spec.initContainers, true),
    ...(nodeName === undefined ? {} : {nodeName}),
    ...(phase === undefined ? {} : {phase}),
    ...(restartPolicy === undefined ? {} : {restartPolicy}),
    ...(serviceAccountName === undefined ? {} : {serviceAccountName}),
    ...(creationTimestamp === undefined ? {} : {creationTimestamp}),
    ...(controller === undefined ? {} : {controller}),
    ...(owner === undefined ? {} : {owner}),
    ...(options.keepObject === true ? {object: stripManagedFields(raw)} : {}),
    ...(Object.keys(podSpec).length === 0 ? {} : {spec: podSpec}),
    ...withSource(options.source),
  }
}

/** The pod template of a workload: CronJob → spec.jobTemplate.spec.template, others → spec.template. */
function templateOf(kind: WorkloadKind, spec: Raw): Raw {
  if (kind === 'CronJob') return record(record(record(spec.jobTemplate).spec).template)
  return record(spec.template)
}

/** A workload object → WorkloadFacts with its template as a PodFacts of kind PodTemplate. */
export function projectWorkload(
  object: unknown,
  options: {source?: Provenance; defaultNamespace?: string; keepObject?: boolean} = {},
): WorkloadFacts | undefined {
  const raw = record(object)
  const kind = text(raw.kind) as WorkloadKind | undefined
  if (kind === undefined || !workloadKinds.includes(kind)) return undefined
  const meta = record(raw.metadata)
  const name = text(meta.name)
  if (name === undefined) return undefined
  const namespace = text(meta.namespace) ?? options.defaultNamespace ?? 'default'
  const spec = record(raw.spec)
  const status = record(raw.status)
  const template = record(templateOf(kind, spec))
  const templateMeta = record(template.metadata)
  const labels = labelsOf(meta.labels)
  const controller = controllerOf(meta)
  // The template's pods are owned by this workload; an RS of a Deployment is restarted through the Deployment.
  const owner =
    kind === 'ReplicaSet' && controller?.kind === 'Deployment'
      ? {kind: 'Deployment', name: controller.name}
      : kind === 'Job' && controller?.kind === 'CronJob'
        ? {kind: 'CronJob', name: controller.name}
        : {kind, name}
  const podObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {...templateMeta, name: text(templateMeta.name) ?? name, namespace, generateName: `${name}-`},
    spec: template.spec ?? {},
  }
  const projected = projectPod(podObject, {
    kind: 'PodTemplate',
    keepObject: options.keepObject === true,
    ...withSource(options.source),
  })!
  const templateFacts: PodFacts = {...projected, owner}
  const replicaFailure = replicaFailureOf(status)
  const replicas = kind === 'DaemonSet' ? num(status.desiredNumberScheduled) : num(spec.replicas)
  const readyReplicas = kind === 'DaemonSet' ? num(status.numberReady) : num(status.readyReplicas)
  const rollout = rolloutOf(kind === 'Deployment' ? spec.strategy : spec.updateStrategy)
  return {
    kind,
    namespace,
    name,
    labels,
    annotations: labelsOf(meta.annotations),
    ...(controller === undefined ? {} : {controller}),
    template: templateFacts,
    ...(replicas === undefined ? {} : {replicas}),
    ...(readyReplicas === undefined ? {} : {readyReplicas}),
    ...(rollout === undefined ? {} : {rollout}),
    ...(replicaFailure === undefined ? {} : {replicaFailure}),
    ...withSource(options.source),
  }
}

/** spec.strategy / spec.updateStrategy: type and rolling-update bounds, numbers or percentages kept as text. */
const rolloutOf = (strategy: unknown): RolloutStrategy | undefined => {
  if (typeof strategy !== 'object' || strategy === null) return undefined
  const s = strategy as {type?: unknown; rollingUpdate?: {maxSurge?: unknown; maxUnavailable?: unknown}}
  const bound = (v: unknown): string | undefined =>
    typeof v === 'number' || typeof v === 'string' ? String(v) : undefined
  const maxSurge = bound(s.rollingUpdate?.maxSurge)
  const maxUnavailable = bound(s.rollingUpdate?.maxUnavailable)
  return {
    type: typeof s.type === 'string' ? s.type : 'RollingUpdate',
    ...(maxSurge === undefined ? {} : {maxSurge}),
    ...(maxUnavailable === undefined ? {} : {maxUnavailable}),
  }
}

// k8s: pkg/controller/replicaset/replica_set_utils.go calculateStatus sets ReplicaFailure while creates fail and
// removes it once they succeed; Deployments copy it (pkg/controller/deployment/sync.go).
const replicaFailureOf = (status: Record<string, unknown>): WorkloadFacts['replicaFailure'] => {
  const conditions = Array.isArray(status.conditions) ? (status.conditions as unknown[]) : []
  const failure = conditions.map(record).find((c) => c.type === 'ReplicaFailure' && c.status === 'True')
  if (failure === undefined) return undefined
  const since = text(failure.lastTransitionTime)
  return {
    reason: text(failure.reason) ?? '',
    message: text(failure.message) ?? '',
    ...(since === undefined ? {} : {since}),
  }
}

export function projectNamespace(object: unknown, source?: Provenance): NamespaceFacts | undefined {
  const meta = record(record(object).metadata)
  const name = text(meta.name)
  if (name === undefined) return undefined
  return {name, labels: labelsOf(meta.labels), annotations: labelsOf(meta.annotations), ...withSource(source)}
}

function stripManagedFields(raw: Raw): Raw {
  const meta = record(raw.metadata)
  if (!('managedFields' in meta)) return raw
  const {managedFields: _managedFields, ...rest} = meta
  return {...raw, metadata: rest}
}

/** Kept as plain JSON (minus managedFields); v1beta1 objects get the v1beta1 failurePolicy default made explicit. */
// kubernetes: pkg/apis/admissionregistration/v1beta1/defaults.go (failurePolicy Ignore, matchPolicy Exact) vs v1 (Fail, Equivalent).
export function projectMutatingWebhookConfiguration(
  object: unknown,
  source?: Provenance,
): MutatingWebhookConfiguration | undefined {
  const raw = stripManagedFields(record(object))
  const meta = record(raw.metadata)
  if (text(meta.name) === undefined) return undefined
  const v1beta1 = text(raw.apiVersion) === 'admissionregistration.k8s.io/v1beta1'
  const webhooks = Array.isArray(raw.webhooks)
    ? (raw.webhooks as unknown[])
        .filter(isRecord)
        .map((hook) => (v1beta1 ? {failurePolicy: 'Ignore', matchPolicy: 'Exact', ...hook} : hook))
    : undefined
  return {
    ...(raw as object),
    metadata: meta as unknown as MutatingWebhookConfiguration['metadata'],
    ...(webhooks === undefined
      ? {}
      : {webhooks: webhooks as unknown as MutatingWebhookConfiguration['webhooks']}),
    ...withSource(source),
  } as MutatingWebhookConfiguration
}

/** Only Istio ConfigMaps (`istio-sidecar-injector[-rev]`, `istio[-rev]`, …: names starting with `istio`). */
export function projectConfigMap(object: unknown, source?: Provenance): ConfigMapFacts | undefined {
  const raw = record(object)
  const meta = record(raw.metadata)
  const name = text(meta.name)
  if (name === undefined || !name.startsWith('istio')) return undefined
  return {
    namespace: text(meta.namespace) ?? 'default',
    name,
    labels: labelsOf(meta.labels),
    data: labelsOf(raw.data),
    ...withSource(source),
  }
}

export function projectService(object: unknown, source?: Provenance): ServiceFacts | undefined {
  const raw = record(object)
  const meta = record(raw.metadata)
  const name = text(meta.name)
  if (name === undefined) return undefined
  const spec = record(raw.spec)
  const ports = (Array.isArray(spec.ports) ? spec.ports : []).filter(isRecord).flatMap((p) => {
    const port = num(p.port)
    if (port === undefined) return []
    const targetPort =
      typeof p.targetPort === 'number' || typeof p.targetPort === 'string' ? p.targetPort : undefined
    return [
      {
        ...(text(p.name) === undefined ? {} : {name: text(p.name)!}),
        port,
        ...(targetPort === undefined ? {} : {targetPort}),
        ...(text(p.protocol) === undefined ? {} : {protocol: text(p.protocol)!}),
      },
    ]
  })
  return {
    namespace: text(meta.namespace) ?? 'default',
    name,
    labels: labelsOf(meta.labels),
    ...(isRecord(spec.selector) ? {selector: labelsOf(spec.selector)} : {}),
    ports,
    ...(text(spec.type) === undefined ? {} : {type: text(spec.type)!}),
    ...(text(spec.externalName) === undefined ? {} : {externalName: text(spec.externalName)!}),
    ...(text(spec.clusterIP) === undefined ? {} : {clusterIP: text(spec.clusterIP)!}),
    ...withSource(source),
  }
}

export function projectEndpointSlice(object: unknown, source?: Provenance): EndpointSliceFacts | undefined {
  const raw = record(object)
  const meta = record(raw.metadata)
  const name = text(meta.name)
  if (name === undefined) return undefined
  const labels = labelsOf(meta.labels)
  const serviceName = labels['kubernetes.io/service-name']
  const ports = (Array.isArray(raw.ports) ? raw.ports : []).filter(isRecord).map((p) => ({
    ...(text(p.name) === undefined ? {} : {name: text(p.name)!}),
    ...(num(p.port) === undefined ? {} : {port: num(p.port)!}),
  }))
  const endpoints = (Array.isArray(raw.endpoints) ? raw.endpoints : []).filter(isRecord).map((e) => {
    const targetRef = record(e.targetRef)
    const targetPod = text(targetRef.kind) === 'Pod' ? text(targetRef.name) : undefined
    // discovery.k8s.io: a nil `ready` condition is interpreted as ready.
    const ready = record(e.conditions).ready !== false
    return {
      addresses: (Array.isArray(e.addresses) ? e.addresses : []).filter(
        (a): a is string => typeof a === 'string',
      ),
      ready,
      ...(targetPod === undefined ? {} : {targetPod}),
    }
  })
  return {
    namespace: text(meta.namespace) ?? 'default',
    name,
    ...(serviceName === undefined ? {} : {serviceName}),
    ports,
    endpoints,
    ...withSource(source),
  }
}

/** core/v1 Events (involvedObject, message) and events.k8s.io/v1 Events (regarding, note). */
export function projectEvent(object: unknown, source?: Provenance): EventFacts | undefined {
  const raw = record(object)
  const meta = record(raw.metadata)
  const involved = isRecord(raw.involvedObject) ? raw.involvedObject : record(raw.regarding)
  const kind = text(involved.kind)
  const name = text(involved.name)
  const reason = text(raw.reason)
  if (kind === undefined || name === undefined || reason === undefined) return undefined
  const namespace = text(meta.namespace) ?? text(involved.namespace) ?? 'default'
  const involvedNamespace = text(involved.namespace)
  const type = text(raw.type)
  const count = num(raw.count) ?? num(record(raw.series).count)
  // Events read from `kubectl get events` text carry their age relative to the collection, not a timestamp.
  const lastSeen = text(record(meta.annotations)['kubectl-inject.io/last-seen'])
  const ageSeconds = lastSeen === undefined ? undefined : parseKubectlAge(lastSeen)
  const lastTimestamp =
    text(raw.lastTimestamp) ??
    text(record(raw.series).lastObservedTime) ??
    text(raw.eventTime) ??
    text(raw.firstTimestamp)
  return {
    namespace,
    involvedObject: {kind, name, ...(involvedNamespace === undefined ? {} : {namespace: involvedNamespace})},
    reason,
    message: text(raw.message) ?? text(raw.note) ?? '',
    ...(type === undefined ? {} : {type}),
    ...(count === undefined ? {} : {count}),
    ...(lastTimestamp === undefined ? {} : {lastTimestamp}),
    ...(ageSeconds === undefined ? {} : {ageSeconds}),
    ...withSource(source),
  }
}

export function projectNode(object: unknown): NodeFacts | undefined {
  const raw = record(object)
  const name = text(record(raw.metadata).name)
  if (name === undefined) return undefined
  const kubeletVersion = text(record(record(raw.status).nodeInfo).kubeletVersion)
  return {name, ...(kubeletVersion === undefined ? {} : {kubeletVersion})}
}

const quantities = (value: unknown): Labels | undefined => (isRecord(value) ? labelsOf(value) : undefined)

export function projectResourceQuota(object: unknown, source?: Provenance): ResourceQuotaFacts | undefined {
  const raw = record(object)
  const meta = record(raw.metadata)
  const name = text(meta.name)
  if (name === undefined) return undefined
  const spec = record(raw.spec)
  const status = record(raw.status)
  const scoped = (Array.isArray(spec.scopes) && spec.scopes.length > 0) || isRecord(spec.scopeSelector)
  return {
    namespace: text(meta.namespace) ?? 'default',
    name,
    // status.hard is what the quota controller enforces; spec.hard before the controller synced it.
    hard: quantities(status.hard) ?? quantities(spec.hard) ?? {},
    used: quantities(status.used) ?? {},
    scoped,
    ...withSource(source),
  }
}

export function projectLimitRange(object: unknown, source?: Provenance): LimitRangeFacts | undefined {
  const raw = record(object)
  const meta = record(raw.metadata)
  const name = text(meta.name)
  if (name === undefined) return undefined
  const items = Array.isArray(record(raw.spec).limits) ? (record(raw.spec).limits as unknown[]) : []
  const limits = items.filter(isRecord).map((item) => {
    const entries: [string, unknown][] = [
      ['type', text(item.type) ?? 'Container'],
      ['max', quantities(item.max)],
      ['min', quantities(item.min)],
      ['maxLimitRequestRatio', quantities(item.maxLimitRequestRatio)],
      ['default', quantities(item.default)],
      ['defaultRequest', quantities(item.defaultRequest)],
    ]
    return Object.fromEntries(entries.filter(([, v]) => v !== undefined)) as unknown as LimitRangeItemFacts
  })
  return {namespace: text(meta.namespace) ?? 'default', name, limits, ...withSource(source)}
}

export function projectValidatingWebhookConfiguration(
  object: unknown,
  source?: Provenance,
): ValidatingWebhookConfigurationFacts | undefined {
  const projected = projectMutatingWebhookConfiguration(object, source)
  return projected === undefined
    ? undefined
    : {
        metadata: projected.metadata,
        ...(projected.webhooks === undefined ? {} : {webhooks: projected.webhooks}),
        ...withSource(source),
      }
}

export function projectValidatingAdmissionPolicy(
  object: unknown,
  source?: Provenance,
): ValidatingAdmissionPolicyFacts | undefined {
  const raw = record(object)
  const name = text(record(raw.metadata).name)
  if (name === undefined) return undefined
  const spec = record(raw.spec)
  const rules = record(spec.matchConstraints).resourceRules
  const failurePolicy = text(spec.failurePolicy)
  return {
    name,
    resourceRules: (Array.isArray(rules)
      ? rules.filter(isRecord)
      : []) as ValidatingAdmissionPolicyFacts['resourceRules'],
    ...(failurePolicy === undefined ? {} : {failurePolicy}),
    ...withSource(source),
  }
}

export function projectValidatingAdmissionPolicyBinding(
  object: unknown,
  source?: Provenance,
): ValidatingAdmissionPolicyBindingFacts | undefined {
  const raw = record(object)
  const name = text(record(raw.metadata).name)
  if (name === undefined) return undefined
  const spec = record(raw.spec)
  const policyName = text(spec.policyName)
  if (policyName === undefined) return undefined
  const selector = record(spec.matchResources).namespaceSelector
  return {
    name,
    policyName,
    validationActions: strings(spec.validationActions) ?? [],
    ...(isRecord(selector) ? {namespaceSelector: selector as LabelSelector} : {}),
    ...withSource(source),
  }
}

/** True when some webhook of these configurations has matchConditions (then pods keep their whole object for CEL). */
export function needsPodObjects(configurations: readonly MutatingWebhookConfiguration[]): boolean {
  return configurations.some((c) => (c.webhooks ?? []).some((w) => (w.matchConditions?.length ?? 0) > 0))
}

const admissionKindsByFile: Readonly<Record<string, string>> = {
  resourcequotas: 'ResourceQuota',
  limitranges: 'LimitRange',
  validatingwebhookconfigurations: 'ValidatingWebhookConfiguration',
  validatingadmissionpolicies: 'ValidatingAdmissionPolicy',
  validatingadmissionpolicybindings: 'ValidatingAdmissionPolicyBinding',
}

/** `kubectl get resourcequotas -A -o yaml > resourcequotas.yaml` writes `kind: List` even when empty: its file name says what was read. */
const kindOfListFile = (source: Provenance): string | undefined => {
  const file = source.split('!').pop()?.split('/').pop() ?? ''
  return admissionKindsByFile[file.replace(/\.(ya?ml|json)$/i, '').toLowerCase()]
}

/** Accumulates projected facts from raw objects; `build` resolves owners across objects and removes duplicates (first wins). */
export class SnapshotBuilder {
  /** Decided before pods are added (live) or by a first pass over the entries (files). */
  keepPodObjects: boolean
  private readonly namespaces: NamespaceFacts[] = []
  private readonly webhookConfigurations: MutatingWebhookConfiguration[] = []
  private readonly configMaps: ConfigMapFacts[] = []
  private readonly pods: PodFacts[] = []
  private readonly workloads: WorkloadFacts[] = []
  private readonly services: ServiceFacts[] = []
  private readonly endpointSlices: EndpointSliceFacts[] = []
  private readonly events: EventFacts[] = []
  private readonly nodes: NodeFacts[] = []
  private readonly logs: {source: Provenance; text: string}[] = []
  private readonly gaps: Gap[] = []
  private readonly resourceQuotas: ResourceQuotaFacts[] = []
  private readonly limitRanges: LimitRangeFacts[] = []
  private readonly validatingWebhookConfigurations: ValidatingWebhookConfigurationFacts[] = []
  private readonly validatingAdmissionPolicies: ValidatingAdmissionPolicyFacts[] = []
  private readonly validatingAdmissionPolicyBindings: ValidatingAdmissionPolicyBindingFacts[] = []
  /** Kinds seen as objects or as (possibly empty) typed lists: an empty ResourceQuotaList means "none", absence "unknown". */
  private readonly seenKinds = new Set<string>()
  /** Jobs seen (namespace/name → CronJob name) to lift Job-owned pods to their CronJob. */
  private readonly jobOwners = new Map<string, string>()
  private ignored = 0

  constructor(options: {keepPodObjects?: boolean} = {}) {
    this.keepPodObjects = options.keepPodObjects ?? false
  }

  /** Adds any object or list; `itemKind` names the kind of items in typed lists (`PodList` items carry no kind). */
  add(object: unknown, source: Provenance, itemKind?: string, itemApiVersion?: string): void {
    if (!isRecord(object)) return
    const kind = text(object.kind) ?? itemKind
    const apiVersion = text(object.apiVersion) ?? itemApiVersion
    if (kind !== undefined && (kind === 'List' || kind.endsWith('List')) && Array.isArray(object.items)) {
      const inner = kind === 'List' ? undefined : kind.slice(0, -'List'.length)
      const attested = inner ?? kindOfListFile(source)
      if (attested !== undefined) this.seenKinds.add(attested)
      for (const item of object.items as unknown[])
        this.add(item, source, inner, inner === undefined ? undefined : apiVersion)
      return
    }
    if (kind !== undefined) this.seenKinds.add(kind)
    // Items of typed lists carry no kind/apiVersion; only MWCs (v1beta1 defaults) and workloads (kind) read them.
    const typedCopy = () =>
      text(object.kind) === kind && text(object.apiVersion) === apiVersion
        ? object
        : {...object, kind, apiVersion}
    switch (kind) {
      case 'Pod':
        return this.push(
          this.pods,
          projectPod(this.keepPodObjects ? typedCopy() : object, {keepObject: this.keepPodObjects, source}),
        )
      case 'Namespace':
        return this.push(this.namespaces, projectNamespace(object, source))
      case 'MutatingWebhookConfiguration':
        return this.push(this.webhookConfigurations, projectMutatingWebhookConfiguration(typedCopy(), source))
      case 'ConfigMap':
        return this.push(this.configMaps, projectConfigMap(object, source), false)
      case 'Service':
        return this.push(this.services, projectService(object, source))
      case 'EndpointSlice':
        return this.push(this.endpointSlices, projectEndpointSlice(object, source))
      case 'Event':
        return this.push(this.events, projectEvent(object, source))
      case 'Node':
        return this.push(this.nodes, projectNode(object))
      case 'ResourceQuota':
        return this.push(this.resourceQuotas, projectResourceQuota(object, source))
      case 'LimitRange':
        return this.push(this.limitRanges, projectLimitRange(object, source))
      case 'ValidatingWebhookConfiguration':
        return this.push(
          this.validatingWebhookConfigurations,
          projectValidatingWebhookConfiguration(typedCopy(), source),
        )
      case 'ValidatingAdmissionPolicy':
        return this.push(this.validatingAdmissionPolicies, projectValidatingAdmissionPolicy(object, source))
      case 'ValidatingAdmissionPolicyBinding':
        return this.push(
          this.validatingAdmissionPolicyBindings,
          projectValidatingAdmissionPolicyBinding(object, source),
        )
      default:
        if (kind !== undefined && (workloadKinds as readonly string[]).includes(kind)) {
          const workload = projectWorkload(typedCopy(), {source, keepObject: this.keepPodObjects})
          if (workload !== undefined) return this.addWorkload(workload)
          this.ignored++
          return
        }
        this.ignored++
    }
  }

  private push<T>(list: T[], value: T | undefined, countIgnored = true): void {
    if (value !== undefined) list.push(value)
    else if (countIgnored) this.ignored++
  }

  addPod(pod: PodFacts): void {
    this.pods.push(pod)
  }

  addWorkload(workload: WorkloadFacts): void {
    if (workload.kind === 'Job' && workload.controller?.kind === 'CronJob') {
      this.jobOwners.set(`${workload.namespace}/${workload.name}`, workload.controller.name)
    }
    this.workloads.push(workload)
  }

  hasConfigMap(namespace: string, name: string): boolean {
    return this.configMaps.some((cm) => cm.namespace === namespace && cm.name === name)
  }

  /** Records that a Job is owned by a CronJob without keeping the Job (live single-pod reads). */
  addJobOwner(namespace: string, job: string, cronJob: string): void {
    this.jobOwners.set(`${namespace}/${job}`, cronJob)
  }

  addGap(gap: Gap): void {
    this.gaps.push(gap)
  }

  /** Marks a kind as read (a live list that returned nothing still means "none"). */
  markRead(kind: string): void {
    this.seenKinds.add(kind)
  }

  addLog(source: Provenance, logText: string): void {
    this.logs.push({source, text: logText})
  }

  /** Objects that were not Kubernetes kinds we project (for diagnostics). */
  get ignoredCount(): number {
    return this.ignored
  }

  get webhookConfigurationsSoFar(): readonly MutatingWebhookConfiguration[] {
    return this.webhookConfigurations
  }

  get eventsSoFar(): readonly EventFacts[] {
    return this.events
  }

  get podsSoFar(): readonly PodFacts[] {
    return this.pods
  }

  build(origin: SnapshotOrigin, takenAt?: string): ClusterSnapshot {
    const liftJob = (pod: PodFacts): PodFacts => {
      if (pod.owner?.kind !== 'Job') return pod
      const cronJob = this.jobOwners.get(`${pod.namespace}/${pod.owner.name}`)
      return cronJob === undefined ? pod : {...pod, owner: {kind: 'CronJob', name: cronJob}}
    }
    const byKey = <T>(items: readonly T[], key: (item: T) => string): T[] => {
      const seen = new Set<string>()
      return items.filter((item) => {
        const k = key(item)
        if (seen.has(k)) return false
        seen.add(k)
        return true
      })
    }
    const named = (item: {namespace?: string; name: string}) => `${item.namespace ?? ''}/${item.name}`
    return {
      origin,
      ...(takenAt === undefined ? {} : {takenAt}),
      namespaces: byKey(this.namespaces, (n) => n.name),
      webhookConfigurations: byKey(this.webhookConfigurations, (c) => c.metadata.name),
      configMaps: byKey(this.configMaps, named),
      pods: byKey(this.pods, named).map(liftJob),
      workloads: byKey(this.workloads, (w) => `${w.kind}/${w.namespace}/${w.name}`),
      services: byKey(this.services, named),
      endpointSlices: byKey(this.endpointSlices, named),
      events: this.events,
      nodes: byKey(this.nodes, (n) => n.name),
      logs: this.logs,
      gaps: this.gaps,
      ...this.admissionObjects(byKey, named),
    }
  }

  // Only kinds the input had (even as an empty list): absent kinds stay undefined, so the verdict says Unknown.
  private admissionObjects(
    byKey: <T>(items: readonly T[], key: (item: T) => string) => T[],
    named: (item: {namespace?: string; name: string}) => string,
  ): Partial<ClusterSnapshot> {
    const seen = (kind: string) => this.seenKinds.has(kind)
    return {
      ...(seen('ResourceQuota') ? {resourceQuotas: byKey(this.resourceQuotas, named)} : {}),
      ...(seen('LimitRange') ? {limitRanges: byKey(this.limitRanges, named)} : {}),
      ...(seen('ValidatingWebhookConfiguration')
        ? {
            validatingWebhookConfigurations: byKey(
              this.validatingWebhookConfigurations,
              (c) => c.metadata.name,
            ),
          }
        : {}),
      ...(seen('ValidatingAdmissionPolicy')
        ? {validatingAdmissionPolicies: byKey(this.validatingAdmissionPolicies, (p) => p.name)}
        : {}),
      ...(seen('ValidatingAdmissionPolicyBinding')
        ? {validatingAdmissionPolicyBindings: byKey(this.validatingAdmissionPolicyBindings, (b) => b.name)}
        : {}),
    }
  }
}

/** Walks entries for MutatingWebhookConfigurations first, so pods keep `object` only when CEL will need it. */
export function entriesNeedPodObjects(entries: readonly RawEntry[]): boolean {
  const probe = new SnapshotBuilder()
  const visit = (object: unknown, itemKind?: string): void => {
    if (!isRecord(object)) return
    const kind = text(object.kind) ?? itemKind
    if (kind !== undefined && (kind === 'List' || kind.endsWith('List')) && Array.isArray(object.items)) {
      const inner = kind === 'List' ? undefined : kind.slice(0, -'List'.length)
      for (const item of object.items as unknown[]) visit(item, inner)
    } else if (kind === 'MutatingWebhookConfiguration') probe.add(object, '', kind)
  }
  for (const entry of entries) visit(entry.object)
  return needsPodObjects(probe.webhookConfigurationsSoFar)
}

/** Raw objects from any source → ClusterSnapshot. */
export function buildSnapshot(
  entries: readonly RawEntry[],
  origin: SnapshotOrigin,
  gaps: readonly Gap[] = [],
): ClusterSnapshot {
  const builder = new SnapshotBuilder({keepPodObjects: entriesNeedPodObjects(entries)})
  for (const entry of entries) builder.add(entry.object, entry.source)
  for (const gap of gaps) builder.addGap(gap)
  return builder.build(origin)
}
