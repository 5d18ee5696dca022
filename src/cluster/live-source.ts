// The live source: a constant number of read-only requests per target, in parallel, projected while streaming.
// A 403/404 on a supporting read becomes a Gap (a partial answer); only an unreadable target is an error.
import type {
  ClusterSnapshot,
  Gap,
  LabelSelector,
  MutatingWebhookConfiguration,
  WorkloadKind,
} from '../core/snapshot.js'
import {blockedControllers, type WorkloadRef} from '../core/verdict/targets.js'
import type {Connection} from './kubeconfig.js'
import {ApiStatusError, statusReason, subjectOfPath} from './kube-errors.js'
import {
  SnapshotBuilder,
  needsPodObjects,
  projectEndpointSlice,
  projectPod,
  projectWorkload,
} from './projection.js'
import {expectedInjectorConfigMaps, istiodNamespaces, istiodServices} from './istio-objects.js'
import type {SnapshotExtras, TargetSpec} from '../core/target-spec.js'
import {createTransport, type JsonObject, type Transport, type TransportOptions} from './transport.js'
import {ReadAhead, type Ahead, defaultIstioNamespace, deploymentOfPodName, resultOf} from './read-ahead.js'

export interface LiveConnection {
  readonly transport: Transport
  readonly contextName: string
  readonly server: string
}

/** Wraps a resolved kubeconfig connection in a transport. Call `transport.close()` when done. */
export function openLiveConnection(connection: Connection, options: TransportOptions): LiveConnection {
  return {
    transport: createTransport(connection.cluster, options),
    contextName: connection.contextName,
    server: connection.cluster.server,
  }
}

export interface LiveReadOptions {
  /** List page size (`limit`); kubectl's default chunk size is 500. */
  readonly pageSize?: number
  /** Raw-capture mode (`--collect`): called with every object read, as the API server sent it, and its kind. */
  readonly onRaw?: (object: JsonObject, kind: string) => void
  /** `--collect`: also read the owners of the target's pods (ReplicaSets … CronJobs) so the bundle answers workload targets. */
  readonly owners?: boolean
}

/** At most this many controllers are read one by one (blocked workloads, Jobs of pods); beyond it a sweep lists them. */
export const controllerReadLimit = 50

const mwcPath = '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations'
const admissionPath = '/apis/admissionregistration.k8s.io/v1'
const live = 'live'
const enc = encodeURIComponent

/** Collection paths of the workload kinds, `{ns}` to fill. */
export const workloadPaths: Readonly<Record<WorkloadKind, string>> = {
  Deployment: '/apis/apps/v1/namespaces/{ns}/deployments',
  StatefulSet: '/apis/apps/v1/namespaces/{ns}/statefulsets',
  DaemonSet: '/apis/apps/v1/namespaces/{ns}/daemonsets',
  ReplicaSet: '/apis/apps/v1/namespaces/{ns}/replicasets',
  Job: '/apis/batch/v1/namespaces/{ns}/jobs',
  CronJob: '/apis/batch/v1/namespaces/{ns}/cronjobs',
  ReplicationController: '/api/v1/namespaces/{ns}/replicationcontrollers',
}

const nsPath = (template: string, namespace: string) => template.replace('{ns}', enc(namespace))

/** A LabelSelector in the `labelSelector` query syntax the API server accepts. */
export function selectorToQuery(selector: LabelSelector): string {
  const terms: string[] = []
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) terms.push(`${key}=${value}`)
  for (const requirement of selector.matchExpressions ?? []) {
    const values = (requirement.values ?? []).join(',')
    if (requirement.operator === 'In') terms.push(`${requirement.key} in (${values})`)
    else if (requirement.operator === 'NotIn') terms.push(`${requirement.key} notin (${values})`)
    else if (requirement.operator === 'Exists') terms.push(requirement.key)
    else if (requirement.operator === 'DoesNotExist') terms.push(`!${requirement.key}`)
  }
  return terms.join(',')
}

function gapOf(error: ApiStatusError, method: string, path: string): Gap {
  const subject = subjectOfPath(method, path)
  const code = error.status.code
  const reason: Gap['reason'] = code === 403 ? 'Forbidden' : code === 404 ? 'NotFound' : 'Error'
  return {
    resource: subject.resource,
    ...(subject.namespace === undefined ? {} : {namespace: subject.namespace}),
    ...(subject.name === undefined ? {} : {name: subject.name}),
    reason,
    verb: subject.verb,
    message: code === 403 || code === 404 ? error.message : `${statusReason(error.status)}: ${error.message}`,
  }
}

/** Reads what `target` needs from the cluster (read-only) and projects it into a ClusterSnapshot. */
export async function readLiveSnapshot(
  connection: LiveConnection,
  target: TargetSpec,
  extras: SnapshotExtras = {},
  options: LiveReadOptions = {},
): Promise<ClusterSnapshot> {
  const origin = {kind: 'live', context: connection.contextName, server: connection.server} as const
  // Live evidence ages against the moment it was read.
  const readAt = new Date().toISOString()
  const read = new LiveRead(connection.transport, extras, options)
  await readTarget(read, target)
  return read.builder.build(origin, readAt)
}

/**
 * One live read: the snapshot builder, raw capture and the gap policy shared by its requests. The webhook list starts
 * at once (it decides whether pods keep their whole object), and the Istio reads follow it, for every target kind.
 */
class LiveRead {
  readonly builder = new SnapshotBuilder()
  readonly webhooks: Promise<readonly MutatingWebhookConfiguration[]>
  readonly istio: Promise<void>
  readonly capture: (object: JsonObject, kind: string) => void
  readonly ahead: ReadAhead
  /** Controllers requested by GET, each at most once. */
  private readonly requested = new Set<string>()
  /** Each (kind, namespace) list is requested once, however many readers (owners, blocked controllers) ask for it. */
  private readonly workloadLists = new Map<string, Promise<unknown>>()

  constructor(
    readonly t: Transport,
    readonly extras: SnapshotExtras,
    readonly options: LiveReadOptions,
  ) {
    this.capture = options.onRaw ?? (() => undefined)
    this.ahead = new ReadAhead(t, options.pageSize)
    this.webhooks = this.listSupporting(mwcPath, 'MutatingWebhookConfiguration').then(() => {
      this.builder.keepPodObjects = needsPodObjects(this.builder.webhookConfigurationsSoFar)
      return this.builder.webhookConfigurationsSoFar
    })
    this.istio = this.webhooks.then((configs) => this.readIstio(configs))
  }

  /** A supporting read: API status errors (except 401) become gaps; network and auth failures propagate. */
  async supporting<T>(method: string, path: string, read: () => Promise<T>): Promise<T | undefined> {
    try {
      return await read()
    } catch (error) {
      if (error instanceof ApiStatusError && error.status.code !== 401) {
        this.builder.addGap(gapOf(error, method, path))
        return undefined
      }
      throw error
    }
  }

  add(object: JsonObject, kind: string): void {
    this.capture(object, kind)
    this.builder.add(object, live, kind)
  }

  getSupporting(path: string, itemKind: string): Promise<JsonObject | undefined> {
    return this.supporting('GET', path, async () => {
      const object = await this.t.getJson(path)
      this.add(object, itemKind)
      return object
    })
  }

  listInto(
    path: string,
    itemKind: string,
    query: Record<string, string | undefined> = {},
    gate?: Promise<unknown>,
  ): Promise<unknown> {
    const pageSize = this.options.pageSize
    return this.t.list(path, query, (item) => this.add(item, itemKind), {
      ...(pageSize === undefined ? {} : {pageSize}),
      ...(gate === undefined ? {} : {gate}),
    })
  }

  listSupporting(
    path: string,
    itemKind: string,
    query: Record<string, string | undefined> = {},
    gate?: Promise<unknown>,
  ): Promise<unknown> {
    const ahead =
      gate === undefined && isEmptyQuery(query) ? this.ahead.take<JsonObject[]>(listKey(path)) : undefined
    if (ahead !== undefined) return this.supporting('GET', path, () => this.addAll(ahead, itemKind))
    return this.supporting('GET', path, () => this.listInto(path, itemKind, query, gate))
  }

  /** A read ahead's objects into the snapshot (those `keep` accepts); resolves like a list, to a value. */
  private async addAll(ahead: Promise<Ahead<JsonObject[]>>, kind: string, keep = (_: JsonObject) => true) {
    for (const item of await resultOf(ahead)) if (keep(item)) this.add(item, kind)
    return true
  }

  /** One-pod checks: istiod's usual namespace and the Deployment the pod's name points at, with the first round trip. */
  readAheadForPod(pod: string, namespace: string): Promise<unknown> {
    for (const template of istioPaths) {
      const path = nsPath(template, defaultIstioNamespace)
      this.ahead.list(listKey(path), path)
    }
    const deployment = deploymentOfPodName(pod)
    if (deployment !== undefined) {
      const path = `${nsPath(workloadPaths.Deployment, namespace)}/${enc(deployment)}`
      this.ahead.get(getKey(path), path)
    }
    return this.ahead.settled()
  }

  /** Pods listed after the webhooks are known (so each pod keeps its object when a webhook needs it). */
  listPods(path: string, query: Record<string, string | undefined> = {}): Promise<unknown> {
    return this.listSupporting(path, 'Pod', query, this.webhooks)
  }

  // The injector ConfigMaps and the istiod evidence in one round trip: a single-pod check is latency-bound.
  private async readIstio(configs: readonly MutatingWebhookConfiguration[]): Promise<void> {
    const namespaces = istiodNamespaces(configs)
    const [listed] = await Promise.all([
      settleAll(namespaces.map((ns) => this.listSupporting(nsPath(configMapsPath, ns), 'ConfigMap'))),
      this.readIstiodEvidence(configs, namespaces),
    ])
    const readable = new Set(namespaces.filter((_, i) => listed[i] !== undefined))
    for (const expected of expectedInjectorConfigMaps(configs)) {
      if (!readable.has(expected.namespace) || this.builder.hasConfigMap(expected.namespace, expected.name))
        continue
      this.builder.addGap({
        resource: 'configmaps',
        namespace: expected.namespace,
        name: expected.name,
        reason: 'NotFound',
        verb: 'get',
        message: `configmaps "${expected.name}" not found in namespace "${expected.namespace}" (the injector config of webhook configuration ${expected.configuration})`,
      })
    }
  }

  /** The EndpointSlices of `services` (all with undefined); a read ahead of the namespace's slices is filtered here. */
  private listSlices(path: string, services: readonly string[] | undefined): Promise<unknown> {
    if (services === undefined) return this.listSupporting(path, 'EndpointSlice')
    const ahead = this.ahead.take<JsonObject[]>(listKey(path))
    if (ahead !== undefined) {
      const wanted = (slice: JsonObject) => services.includes(projectEndpointSlice(slice)?.serviceName ?? '')
      return this.supporting('GET', path, () => this.addAll(ahead, 'EndpointSlice', wanted))
    }
    const labelSelector = `kubernetes.io/service-name in (${services.join(',')})`
    return this.listSupporting(path, 'EndpointSlice', {labelSelector})
  }

  // Verdicts read the Services and EndpointSlices the Istio webhooks call (WebhookBlocksCreation), so every target reads
  // them: two lists per istiod namespace. --health adds the whole namespace's slices, istiod Deployments and pods.
  private async readIstiodEvidence(
    configs: readonly MutatingWebhookConfiguration[],
    namespaces: readonly string[],
  ): Promise<void> {
    const health = this.extras.health === true
    await settleAll(
      namespaces.flatMap((ns) => {
        const services = istiodServices(configs, ns)
        if (services.length === 0 && !health) return []
        return [
          this.listSupporting(nsPath(servicesPath, ns), 'Service'),
          this.listSlices(nsPath(slicesPath, ns), health ? undefined : services),
          ...(health
            ? [
                this.listSupporting(nsPath('/apis/apps/v1/namespaces/{ns}/deployments', ns), 'Deployment'),
                this.listPods(nsPath('/api/v1/namespaces/{ns}/pods', ns)),
              ]
            : []),
        ]
      }),
    )
  }

  // FailedCreate events in the target's scope (one list per namespace, or one cluster-wide list): verdicts name the
  // webhook that blocks a controller.
  failedCreates(namespaces: readonly string[] | null): Promise<unknown> {
    return settleAll(
      (namespaces === null ? [null] : namespaces).map((ns) => {
        const path = ns === null ? '/api/v1/events' : nsPath('/api/v1/namespaces/{ns}/events', ns)
        return this.listSupporting(path, 'Event', {fieldSelector: 'reason=FailedCreate'})
      }),
    )
  }

  // A successful list (even empty) marks its kind read; a refused one is a gap, so that step is Unknown, never "none".
  private readKind(path: string, kind: string): Promise<unknown> {
    return this.supporting('GET', path, async () => {
      await this.listInto(path, kind)
      this.builder.markRead(kind)
      return true
    })
  }

  // Admission after injection: quotas and LimitRanges of the namespaces in scope, validating webhooks and policies.
  admissionObjects(namespaces: readonly string[] | null): Promise<unknown> {
    const scoped = (plural: string, ns: string | null) =>
      ns === null ? `/api/v1/${plural}` : nsPath(`/api/v1/namespaces/{ns}/${plural}`, ns)
    return settleAll([
      ...(namespaces === null ? [null] : namespaces).flatMap((ns) => [
        this.readKind(scoped('resourcequotas', ns), 'ResourceQuota'),
        this.readKind(scoped('limitranges', ns), 'LimitRange'),
      ]),
      this.readKind(`${admissionPath}/validatingwebhookconfigurations`, 'ValidatingWebhookConfiguration'),
      this.readKind(`${admissionPath}/validatingadmissionpolicies`, 'ValidatingAdmissionPolicy'),
      this.readKind(`${admissionPath}/validatingadmissionpolicybindings`, 'ValidatingAdmissionPolicyBinding'),
    ])
  }

  /** What every target reads around itself: Istio, FailedCreate events, admission objects; --health adds nodes. */
  scopeReads(namespaces: readonly string[] | null, events = true): Promise<unknown>[] {
    return [
      this.istio,
      ...(events ? [this.failedCreates(namespaces)] : []),
      this.admissionObjects(namespaces),
      ...(this.extras.health === true ? [this.listSupporting('/api/v1/nodes', 'Node')] : []),
    ]
  }

  /** A controller by GET, at most once; one deleted since its events (404) is simply absent. */
  async getWorkload(ref: WorkloadRef): Promise<JsonObject | undefined> {
    const key = `${ref.kind}/${ref.namespace}/${ref.name}`
    if (this.requested.has(key)) return undefined
    this.requested.add(key)
    const path = `${nsPath(workloadPaths[ref.kind], ref.namespace)}/${enc(ref.name)}`
    const ahead = this.ahead.take<JsonObject>(getKey(path))
    const object = await this.supporting('GET', path, async () => {
      try {
        return await (ahead !== undefined ? resultOf(ahead) : this.t.getJson(path))
      } catch (error) {
        if (error instanceof ApiStatusError && error.status.code === 404) return undefined
        throw error
      }
    })
    if (object === undefined) return undefined
    this.capture(object, ref.kind)
    this.builder.add({...object, kind: ref.kind}, live, ref.kind)
    return object
  }

  /** The target itself was read: never GET it again as somebody's owner. */
  markRequested(ref: WorkloadRef): void {
    this.requested.add(`${ref.kind}/${ref.namespace}/${ref.name}`)
  }

  async getWithParent(ref: WorkloadRef): Promise<void> {
    const object = await this.getWorkload(ref)
    const parent = object === undefined ? undefined : parentOf(ref, object)
    if (parent !== undefined) await this.getWorkload(parent)
  }

  /** One list per kind in scope (null = all namespaces), each requested once. */
  listWorkloadKinds(kinds: readonly WorkloadKind[], namespace: string | null): Promise<unknown> {
    return settleAll(
      kinds.map((kind) => {
        const path = workloadCollection(kind, namespace)
        let listed = this.workloadLists.get(path)
        if (listed === undefined) this.workloadLists.set(path, (listed = this.listSupporting(path, kind)))
        return listed
      }),
    )
  }
}

/** A workload kind's collection in one namespace, or across all (null). */
const workloadCollection = (kind: WorkloadKind, namespace: string | null): string =>
  namespace === null
    ? workloadPaths[kind].replace('/namespaces/{ns}', '')
    : nsPath(workloadPaths[kind], namespace)

/** A ReplicaSet's Deployment, a Job's CronJob: the workload a user acts on. */
const parentOf = (ref: WorkloadRef, object: JsonObject): WorkloadRef | undefined => {
  const meta = (object.metadata ?? {}) as {ownerReferences?: unknown}
  const refs = Array.isArray(meta.ownerReferences) ? (meta.ownerReferences as Record<string, unknown>[]) : []
  const controller = refs.find((r) => r.controller === true)
  const kind = controller?.kind
  const name = controller?.name
  if (typeof kind !== 'string' || typeof name !== 'string' || !(kind in workloadPaths)) return undefined
  return {kind: kind as WorkloadKind, namespace: ref.namespace, name}
}

const withParentKinds = (kinds: Iterable<WorkloadKind>): WorkloadKind[] => {
  const out = new Set<WorkloadKind>(kinds)
  if (out.has('ReplicaSet')) out.add('Deployment')
  if (out.has('Job')) out.add('CronJob')
  return [...out].sort()
}

/** The owner kinds a sweep lists so pods are lifted to the workload a user acts on (Job → CronJob). */
const ownerKinds: readonly WorkloadKind[] = ['CronJob', 'DaemonSet', 'Deployment', 'Job', 'StatefulSet']
/** --collect lists ReplicaSets too, so the bundle answers workload targets and keeps 0-pod workloads. */
const collectOwnerKinds: readonly WorkloadKind[] = [...ownerKinds, 'ReplicaSet' as const].sort()

const namespacePath = (name: string) => `/api/v1/namespaces/${enc(name)}`
const configMapsPath = '/api/v1/namespaces/{ns}/configmaps'
const servicesPath = '/api/v1/namespaces/{ns}/services'
const slicesPath = '/apis/discovery.k8s.io/v1/namespaces/{ns}/endpointslices'
/** What every target reads in each istiod namespace. */
const istioPaths = [configMapsPath, servicesPath, slicesPath]
const listKey = (path: string) => `list ${path}`
const getKey = (path: string) => `get ${path}`
const isEmptyQuery = (query: Record<string, string | undefined>) =>
  Object.values(query).every((value) => value === undefined)
const podsPath = (namespace: string | null) =>
  namespace === null ? '/api/v1/pods' : nsPath('/api/v1/namespaces/{ns}/pods', namespace)

/** Dispatches to the reads of one target kind; each reads the target and what decides its verdict, in parallel. */
const readTarget = (r: LiveRead, target: TargetSpec): Promise<unknown> => {
  switch (target.kind) {
    case 'pod':
      return readPod(r, target)
    case 'workload':
      return readWorkload(r, target)
    case 'namespace':
      return settleAll([
        r.t.getJson(namespacePath(target.name)).then((object) => r.add(object, 'Namespace')),
        ...r.scopeReads([target.name]),
      ])
    case 'sweep':
      return readSweep(r, target)
    case 'list':
      return readList(r, target)
    case 'manifests': {
      const namespaces = [...new Set(target.namespaces)].sort()
      return settleAll([
        ...namespaces.map((ns) => r.getSupporting(namespacePath(ns), 'Namespace')),
        ...r.scopeReads(namespaces),
      ])
    }
  }
}

/** One pod, its namespace, and its owner (labels on its metadata, Job → CronJob) as soon as the pod names it. */
const readPod = (r: LiveRead, target: Extract<TargetSpec, {kind: 'pod'}>): Promise<unknown> => {
  const podObject = r.t.getJson(`${podsPath(target.namespace)}/${enc(target.name)}`)
  return settleAll([
    r.readAheadForPod(target.name, target.namespace),
    Promise.all([podObject, r.webhooks]).then(([object]) => {
      r.capture(object, 'Pod')
      const projected = projectPod(object, {keepObject: r.builder.keepPodObjects, source: live})
      if (projected !== undefined) r.builder.addPod(projected)
    }),
    podObject.then((object) => readPodOwners(r, target.namespace, object)),
    r.getSupporting(namespacePath(target.namespace), 'Namespace'),
    ...r.scopeReads([target.namespace]),
  ])
}

// Without waiting for the webhooks; --collect also keeps the ReplicaSet in between.
const readPodOwners = async (r: LiveRead, namespace: string, object: JsonObject): Promise<void> => {
  const projected = projectPod(object, {keepObject: false, source: live})
  if (projected === undefined) return
  const {controller, owner} = projected
  await settleAll<unknown>([
    ...(owner !== undefined && owner.kind in workloadPaths
      ? [r.getWithParent({kind: owner.kind as WorkloadKind, namespace, name: owner.name})]
      : []),
    ...(r.options.owners === true && controller !== undefined && controller.kind in workloadPaths
      ? [r.getWorkload({kind: controller.kind as WorkloadKind, namespace, name: controller.name})]
      : []),
  ])
}

/** A workload (its whole template: previews and CEL need the spec), its pods and the controllers that create them. */
const readWorkload = (r: LiveRead, target: Extract<TargetSpec, {kind: 'workload'}>): Promise<unknown> => {
  const ref = {kind: target.workloadKind, namespace: target.namespace, name: target.name}
  r.markRequested(ref)
  const path = `${nsPath(workloadPaths[ref.kind], ref.namespace)}/${enc(ref.name)}`
  return settleAll([
    r.t.getJson(path).then(async (object) => {
      r.capture(object, ref.kind)
      const workload = projectWorkload({...object, kind: ref.kind}, {source: live, keepObject: true})
      if (workload !== undefined) r.builder.addWorkload(workload)
      const parent = r.options.owners === true ? parentOf(ref, object) : undefined
      await settleAll<unknown>([
        readWorkloadPods(r, ref, object),
        ...(parent === undefined ? [] : [r.getWorkload(parent)]),
      ])
    }),
    r.getSupporting(namespacePath(target.namespace), 'Namespace'),
    ...r.scopeReads([target.namespace]),
  ])
}

/**
 * A workload's pods by its own selector, and the controllers that create them and carry its FailedCreate events: a
 * Deployment's ReplicaSets (they carry its selector labels); a CronJob has no selector: its Jobs, then their pods.
 */
const readWorkloadPods = (r: LiveRead, ref: WorkloadRef, object: JsonObject): Promise<unknown> => {
  if (ref.kind === 'CronJob') return readCronJobRuns(r, ref)
  const labelSelector = selectorOf(ref.kind, object)
  if (labelSelector === undefined) return Promise.resolve()
  return settleAll([
    r.listPods(podsPath(ref.namespace), {labelSelector}),
    ...(ref.kind === 'Deployment'
      ? [r.listSupporting(nsPath(workloadPaths.ReplicaSet, ref.namespace), 'ReplicaSet', {labelSelector})]
      : []),
  ])
}

/** A CronJob's Jobs (those it controls), then each Job's pods by the Job's selector (one namespace list past the limit). */
const readCronJobRuns = async (r: LiveRead, ref: WorkloadRef): Promise<void> => {
  const jobsPath = nsPath(workloadPaths.Job, ref.namespace)
  const jobs: JsonObject[] = []
  const pageSize = r.options.pageSize
  await r.supporting('GET', jobsPath, () =>
    r.t.list(
      jobsPath,
      {},
      (item) => {
        const owner = parentOf({kind: 'Job', namespace: ref.namespace, name: ''}, item)
        if (owner?.kind !== 'CronJob' || owner.name !== ref.name) return
        jobs.push(item)
        r.capture(item, 'Job')
        r.builder.add({...item, kind: 'Job'}, live, 'Job')
      },
      pageSize === undefined ? {} : {pageSize},
    ),
  )
  const selectors = jobs.map((job) => selectorOf('Job', job)).filter((s): s is string => s !== undefined)
  if (selectors.length > controllerReadLimit) {
    await r.listPods(podsPath(ref.namespace))
    return
  }
  await settleAll(selectors.map((labelSelector) => r.listPods(podsPath(ref.namespace), {labelSelector})))
}

/** Every pod in scope, its namespace(s), the owners that name the workload a user acts on, and blocked 0-pod controllers. */
const readSweep = (r: LiveRead, target: Extract<TargetSpec, {kind: 'sweep'}>): Promise<unknown> => {
  const query = {labelSelector: target.labelSelector, fieldSelector: target.fieldSelector}
  return settleAll([
    target.namespace === null
      ? r.listSupporting('/api/v1/namespaces', 'Namespace')
      : r.getSupporting(namespacePath(target.namespace), 'Namespace'),
    r.listInto(podsPath(target.namespace), 'Pod', query, r.webhooks),
    readBlockedControllers(r, target.namespace),
    // One list per owner kind in scope, in parallel with the pod pages: the request count stays pages + a constant.
    r.listWorkloadKinds(r.options.owners === true ? collectOwnerKinds : ownerKinds, target.namespace),
    ...r.scopeReads(target.namespace === null ? null : [target.namespace], false),
  ])
}

// Sweeps show workloads whose pods a webhook refuses (0 pods): the controllers their FailedCreate events name.
const readBlockedControllers = async (r: LiveRead, namespace: string | null): Promise<void> => {
  await r.failedCreates(namespace === null ? null : [namespace])
  if (r.options.owners === true) return
  const refs = blockedControllers(r.builder.eventsSoFar, namespace)
  // Beyond the limit, one list per kind in scope replaces the GETs (request count stays bounded).
  if (refs.length > controllerReadLimit) {
    await r.listWorkloadKinds(withParentKinds(refs.map((ref) => ref.kind)), namespace)
    return
  }
  await settleAll(refs.map((ref) => r.getWithParent(ref)))
}

/**
 * Every object of one kind in scope (`kubectl inject-check deployments`): the kind's list, and for workloads the pods
 * and pod creators in scope, so each row has its pods' drift and FailedCreate evidence as offline input gives it.
 */
const readList = (r: LiveRead, target: Extract<TargetSpec, {kind: 'list'}>): Promise<unknown> => {
  const query = {labelSelector: target.labelSelector}
  if (target.listKind === 'Namespace')
    return settleAll([r.listSupporting('/api/v1/namespaces', 'Namespace', query), ...r.scopeReads(null)])
  const scope = target.namespace === null ? null : [target.namespace]
  return settleAll([
    target.namespace === null
      ? r.listSupporting('/api/v1/namespaces', 'Namespace')
      : r.getSupporting(namespacePath(target.namespace), 'Namespace'),
    r.listSupporting(workloadCollection(target.listKind, target.namespace), target.listKind, query),
    r.listPods(podsPath(target.namespace)),
    r.listWorkloadKinds(podCreatorKinds(target.listKind), target.namespace),
    ...r.scopeReads(scope),
  ])
}

/** The controllers between a workload and its pods (they carry its FailedCreate events). */
const podCreatorKinds = (kind: WorkloadKind): WorkloadKind[] =>
  kind === 'Deployment' ? ['ReplicaSet'] : kind === 'CronJob' ? ['Job'] : []

/** A workload's spec.selector in `labelSelector` query syntax; undefined when it has none. */
function selectorOf(kind: WorkloadKind, object: JsonObject): string | undefined {
  const raw = ((object.spec ?? {}) as {selector?: unknown}).selector
  if (raw === null || typeof raw !== 'object') return undefined
  const selector: LabelSelector =
    kind === 'ReplicationController' ? {matchLabels: raw as Record<string, string>} : (raw as LabelSelector)
  const query = selectorToQuery(selector)
  return query === '' ? undefined : query
}

/** Like Promise.all, but returns only when every request has settled (no request outlives the read); the first listed failure wins. */
async function settleAll<T>(promises: readonly Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(promises)
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
  if (failed !== undefined) throw failed.reason
  return results.map((r) => (r as PromiseFulfilledResult<T>).value)
}
