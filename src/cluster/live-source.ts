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
import {SnapshotBuilder, needsPodObjects, projectPod, projectWorkload} from './projection.js'
import {expectedInjectorConfigMaps, istiodNamespaces, istiodServices} from './istio-objects.js'
import type {SnapshotExtras, TargetSpec} from '../core/target-spec.js'
import {createTransport, type JsonObject, type Transport, type TransportOptions} from './transport.js'

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

export {expectedInjectorConfigMaps, istiodNamespaces} from './istio-objects.js'

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
  const t = connection.transport
  const builder = new SnapshotBuilder()
  const pageSize = options.pageSize
  const capture = options.onRaw ?? (() => undefined)

  // A supporting read: API status errors (except 401) become gaps; network and auth failures propagate.
  const supporting = async <T>(
    method: string,
    path: string,
    read: () => Promise<T>,
  ): Promise<T | undefined> => {
    try {
      return await read()
    } catch (error) {
      if (error instanceof ApiStatusError && error.status.code !== 401) {
        builder.addGap(gapOf(error, method, path))
        return undefined
      }
      throw error
    }
  }
  const getSupporting = (path: string, itemKind: string) =>
    supporting('GET', path, async () => {
      const object = await t.getJson(path)
      capture(object, itemKind)
      builder.add(object, live, itemKind)
      return object
    })
  const listInto = (
    path: string,
    itemKind: string,
    query: Record<string, string | undefined> = {},
    gate?: Promise<unknown>,
  ) =>
    t.list(
      path,
      query,
      (item) => {
        capture(item, itemKind)
        builder.add(item, live, itemKind)
      },
      {
        ...(pageSize === undefined ? {} : {pageSize}),
        ...(gate === undefined ? {} : {gate}),
      },
    )
  const listSupporting = (
    path: string,
    itemKind: string,
    query: Record<string, string | undefined> = {},
    gate?: Promise<unknown>,
  ) => supporting('GET', path, () => listInto(path, itemKind, query, gate))

  // Webhooks first (in parallel with the rest): they decide whether pods keep their whole object.
  const webhooks: Promise<readonly MutatingWebhookConfiguration[]> = listSupporting(
    mwcPath,
    'MutatingWebhookConfiguration',
  ).then(() => {
    builder.keepPodObjects = needsPodObjects(builder.webhookConfigurationsSoFar)
    return builder.webhookConfigurationsSoFar
  })

  const istio = webhooks.then(async (configs) => {
    const namespaces = istiodNamespaces(configs)
    // ConfigMaps and the istiod evidence in one round trip: a single-pod check is latency-bound.
    const [listed] = await Promise.all([
      settleAll(
        namespaces.map((ns) => listSupporting(nsPath('/api/v1/namespaces/{ns}/configmaps', ns), 'ConfigMap')),
      ),
      readIstiodEvidence(configs, namespaces),
    ])
    const readable = new Set(namespaces.filter((_, i) => listed[i] !== undefined))
    for (const expected of expectedInjectorConfigMaps(configs)) {
      if (!readable.has(expected.namespace) || builder.hasConfigMap(expected.namespace, expected.name))
        continue
      builder.addGap({
        resource: 'configmaps',
        namespace: expected.namespace,
        name: expected.name,
        reason: 'NotFound',
        verb: 'get',
        message: `configmaps "${expected.name}" not found in namespace "${expected.namespace}" (the injector config of webhook configuration ${expected.configuration})`,
      })
    }
  })

  // Verdicts read the Services and EndpointSlices the Istio webhooks call (WebhookBlocksCreation), so every target reads
  // them: two lists per istiod namespace. --health adds the whole namespace's slices, istiod Deployments and pods.
  const readIstiodEvidence = async (
    configs: readonly MutatingWebhookConfiguration[],
    namespaces: readonly string[],
  ) => {
    const health = extras.health === true
    await settleAll(
      namespaces.flatMap((ns) => {
        const services = istiodServices(configs, ns)
        if (services.length === 0 && !health) return []
        const sliceQuery = health
          ? {}
          : {labelSelector: `kubernetes.io/service-name in (${services.join(',')})`}
        return [
          listSupporting(nsPath('/api/v1/namespaces/{ns}/services', ns), 'Service'),
          listSupporting(
            nsPath('/apis/discovery.k8s.io/v1/namespaces/{ns}/endpointslices', ns),
            'EndpointSlice',
            sliceQuery,
          ),
          ...(health
            ? [
                listSupporting(nsPath('/apis/apps/v1/namespaces/{ns}/deployments', ns), 'Deployment'),
                listSupporting(nsPath('/api/v1/namespaces/{ns}/pods', ns), 'Pod', {}, webhooks),
              ]
            : []),
        ]
      }),
    )
  }

  // FailedCreate events in the target's scope (one list per namespace, or one cluster-wide list): verdicts name the
  // webhook that blocks a controller; --health adds nodes (platform hints).
  const failedCreates = (namespaces: readonly string[] | null): Promise<unknown> =>
    settleAll(
      (namespaces === null ? [null] : namespaces).map((ns) => {
        const path = ns === null ? '/api/v1/events' : nsPath('/api/v1/namespaces/{ns}/events', ns)
        return listSupporting(path, 'Event', {fieldSelector: 'reason=FailedCreate'})
      }),
    )
  // Admission after injection: quotas and LimitRanges of the namespaces in scope, validating webhooks and policies.
  // A successful list (even empty) marks its kind read; a refused one is a gap, so that step is Unknown, never "none".
  const readKind = (path: string, kind: string) =>
    supporting('GET', path, async () => {
      await listInto(path, kind)
      builder.markRead(kind)
      return true
    })
  const admissionObjects = (namespaces: readonly string[] | null): Promise<unknown> =>
    settleAll([
      ...(namespaces === null ? [null] : namespaces).flatMap((ns) =>
        (
          [
            ['resourcequotas', 'ResourceQuota'],
            ['limitranges', 'LimitRange'],
          ] as const
        ).map(([plural, kind]) =>
          readKind(ns === null ? `/api/v1/${plural}` : nsPath(`/api/v1/namespaces/{ns}/${plural}`, ns), kind),
        ),
      ),
      readKind(`${admissionPath}/validatingwebhookconfigurations`, 'ValidatingWebhookConfiguration'),
      readKind(`${admissionPath}/validatingadmissionpolicies`, 'ValidatingAdmissionPolicy'),
      readKind(`${admissionPath}/validatingadmissionpolicybindings`, 'ValidatingAdmissionPolicyBinding'),
    ])
  const nodes = (): Promise<unknown>[] =>
    extras.health === true ? [listSupporting('/api/v1/nodes', 'Node')] : []

  // Controllers read one by one (GET), each at most once; a controller deleted since its events is simply absent.
  const requested = new Set<string>()
  const getWorkload = async (ref: WorkloadRef): Promise<JsonObject | undefined> => {
    const key = `${ref.kind}/${ref.namespace}/${ref.name}`
    if (requested.has(key)) return undefined
    requested.add(key)
    const path = `${nsPath(workloadPaths[ref.kind], ref.namespace)}/${enc(ref.name)}`
    const object = await supporting('GET', path, async () => {
      try {
        return await t.getJson(path)
      } catch (error) {
        if (error instanceof ApiStatusError && error.status.code === 404) return undefined
        throw error
      }
    })
    if (object === undefined) return undefined
    capture(object, ref.kind)
    builder.add({...object, kind: ref.kind}, live, ref.kind)
    return object
  }
  // A ReplicaSet's Deployment, a Job's CronJob: the workload a user acts on.
  const parentOf = (ref: WorkloadRef, object: JsonObject): WorkloadRef | undefined => {
    const meta = (object.metadata ?? {}) as {ownerReferences?: unknown}
    const refs = Array.isArray(meta.ownerReferences)
      ? (meta.ownerReferences as Record<string, unknown>[])
      : []
    const controller = refs.find((r) => r.controller === true)
    const kind = controller?.kind
    const name = controller?.name
    if (typeof kind !== 'string' || typeof name !== 'string' || !(kind in workloadPaths)) return undefined
    return {kind: kind as WorkloadKind, namespace: ref.namespace, name}
  }
  const getWithParent = async (ref: WorkloadRef): Promise<void> => {
    const object = await getWorkload(ref)
    const parent = object === undefined ? undefined : parentOf(ref, object)
    if (parent !== undefined) await getWorkload(parent)
  }
  // Beyond the limit, one list per kind in scope replaces the GETs (request count stays bounded).
  // Each (kind, namespace) list is requested once, however many readers (owners, blocked controllers) ask for it.
  const workloadLists = new Map<string, Promise<unknown>>()
  const listWorkloadKinds = (kinds: readonly WorkloadKind[], namespace: string | null) =>
    settleAll(
      kinds.map((kind) => {
        const path =
          namespace === null
            ? workloadPaths[kind].replace('/namespaces/{ns}', '')
            : nsPath(workloadPaths[kind], namespace)
        let listed = workloadLists.get(path)
        if (listed === undefined) workloadLists.set(path, (listed = listSupporting(path, kind)))
        return listed
      }),
    )
  const withParentKinds = (kinds: Iterable<WorkloadKind>): WorkloadKind[] => {
    const out = new Set<WorkloadKind>(kinds)
    if (out.has('ReplicaSet')) out.add('Deployment')
    if (out.has('Job')) out.add('CronJob')
    return [...out].sort()
  }

  // Sweeps show workloads whose pods a webhook refuses (0 pods): the controllers their FailedCreate events name.
  const readBlockedControllers = async (namespace: string | null): Promise<void> => {
    await failedCreates(namespace === null ? null : [namespace])
    if (options.owners === true) return
    const refs = blockedControllers(builder.eventsSoFar, namespace)
    if (refs.length > controllerReadLimit) {
      await listWorkloadKinds(withParentKinds(refs.map((r) => r.kind)), namespace)
      return
    }
    await settleAll(refs.map(getWithParent))
  }

  // --collect: every owner kind in scope, so the bundle answers workload targets and keeps 0-pod workloads.
  const ownerLists = (namespace: string | null): Promise<unknown>[] =>
    options.owners === true
      ? [
          listWorkloadKinds(
            ['CronJob', 'DaemonSet', 'Deployment', 'Job', 'ReplicaSet', 'StatefulSet'],
            namespace,
          ),
        ]
      : []

  return readTarget()

  async function readTarget(): Promise<ClusterSnapshot> {
    const origin = {kind: 'live', context: connection.contextName, server: connection.server} as const
    // Live evidence ages against the moment it was read.
    const readAt = new Date().toISOString()
    switch (target.kind) {
      case 'pod': {
        const path = `${nsPath('/api/v1/namespaces/{ns}/pods', target.namespace)}/${enc(target.name)}`
        const podObject = t.getJson(path)
        await settleAll<unknown>([
          Promise.all([podObject, webhooks]).then(([object]) => {
            capture(object, 'Pod')
            const projected = projectPod(object, {keepObject: builder.keepPodObjects, source: live})
            if (projected !== undefined) builder.addPod(projected)
          }),
          // The owner (labels on its metadata, Job → CronJob) as soon as the pod names it, without waiting for the
          // webhooks; --collect also keeps the ReplicaSet in between.
          podObject.then(async (object) => {
            const projected = projectPod(object, {keepObject: false, source: live})
            if (projected === undefined) return
            const controller = projected.controller
            const owner = projected.owner
            await settleAll<unknown>([
              ...(owner !== undefined && owner.kind in workloadPaths
                ? [
                    getWithParent({
                      kind: owner.kind as WorkloadKind,
                      namespace: target.namespace,
                      name: owner.name,
                    }),
                  ]
                : []),
              ...(options.owners === true && controller !== undefined && controller.kind in workloadPaths
                ? [
                    getWorkload({
                      kind: controller.kind as WorkloadKind,
                      namespace: target.namespace,
                      name: controller.name,
                    }),
                  ]
                : []),
            ])
          }),
          getSupporting(nsPath('/api/v1/namespaces/{ns}', target.namespace), 'Namespace'),
          istio,
          failedCreates([target.namespace]),
          admissionObjects([target.namespace]),
          ...nodes(),
        ])
        return builder.build(origin, readAt)
      }
      case 'workload': {
        const path = `${nsPath(workloadPaths[target.workloadKind], target.namespace)}/${enc(target.name)}`
        const ref = {kind: target.workloadKind, namespace: target.namespace, name: target.name}
        requested.add(`${ref.kind}/${ref.namespace}/${ref.name}`)
        await settleAll<unknown>([
          t.getJson(path).then(async (object) => {
            capture(object, target.workloadKind)
            // The target keeps its template object: previews and CEL need the whole spec.
            const workload = projectWorkload(
              {...object, kind: target.workloadKind},
              {source: live, keepObject: true},
            )
            if (workload !== undefined) builder.addWorkload(workload)
            const parent = options.owners === true ? parentOf(ref, object) : undefined
            await settleAll<unknown>([
              readWorkloadPods(target.workloadKind, target.namespace, object),
              readPodCreators(target.workloadKind, target.namespace, object),
              ...(parent === undefined ? [] : [getWorkload(parent)]),
            ])
          }),
          getSupporting(nsPath('/api/v1/namespaces/{ns}', target.namespace), 'Namespace'),
          istio,
          failedCreates([target.namespace]),
          admissionObjects([target.namespace]),
          ...nodes(),
        ])
        return builder.build(origin, readAt)
      }
      case 'namespace': {
        await settleAll<unknown>([
          t.getJson(`/api/v1/namespaces/${enc(target.name)}`).then((object) => {
            capture(object, 'Namespace')
            builder.add(object, live, 'Namespace')
          }),
          istio,
          failedCreates([target.name]),
          admissionObjects([target.name]),
          ...nodes(),
        ])
        return builder.build(origin, readAt)
      }
      case 'sweep': {
        const query = {labelSelector: target.labelSelector, fieldSelector: target.fieldSelector}
        const podsPath =
          target.namespace === null
            ? '/api/v1/pods'
            : nsPath('/api/v1/namespaces/{ns}/pods', target.namespace)
        await settleAll<unknown>([
          target.namespace === null
            ? listSupporting('/api/v1/namespaces', 'Namespace')
            : getSupporting(`/api/v1/namespaces/${enc(target.namespace)}`, 'Namespace'),
          listInto(podsPath, 'Pod', query, webhooks),
          istio,
          readBlockedControllers(target.namespace),
          admissionObjects(target.namespace === null ? null : [target.namespace]),
          // Verdicts read the workload owning each pod (labels on its metadata; Job → CronJob): one list per kind in
          // scope, in parallel with the pod pages, so the request count stays pages + a constant.
          ...(options.owners === true
            ? ownerLists(target.namespace)
            : [
                listWorkloadKinds(
                  ['CronJob', 'DaemonSet', 'Deployment', 'Job', 'StatefulSet'],
                  target.namespace,
                ),
              ]),
          ...nodes(),
        ])
        return builder.build(origin, readAt)
      }
      case 'manifests': {
        const namespaces = [...new Set(target.namespaces)].sort()
        await settleAll<unknown>([
          ...namespaces.map((ns) => getSupporting(`/api/v1/namespaces/${enc(ns)}`, 'Namespace')),
          istio,
          failedCreates(namespaces),
          admissionObjects(namespaces),
          ...nodes(),
        ])
        return builder.build(origin, readAt)
      }
    }
  }

  // Pods of a workload by its own selector (CronJobs have none: their pods belong to Jobs).
  async function readWorkloadPods(kind: WorkloadKind, namespace: string, object: JsonObject): Promise<void> {
    if (kind === 'CronJob') return
    const labelSelector = selectorOf(kind, object)
    if (labelSelector === undefined) return
    await listSupporting(nsPath('/api/v1/namespaces/{ns}/pods', namespace), 'Pod', {labelSelector}, webhooks)
  }

  // The controllers that create a workload's pods and carry its FailedCreate events: a Deployment's ReplicaSets (they
  // carry the Deployment's selector labels), a CronJob's Jobs (kept when the CronJob controls them).
  async function readPodCreators(kind: WorkloadKind, namespace: string, object: JsonObject): Promise<void> {
    if (kind === 'Deployment') {
      const labelSelector = selectorOf(kind, object)
      if (labelSelector === undefined) return
      await listSupporting(nsPath(workloadPaths.ReplicaSet, namespace), 'ReplicaSet', {labelSelector})
    } else if (kind === 'CronJob') {
      const name = (object.metadata as {name?: unknown} | undefined)?.name
      await supporting('GET', nsPath(workloadPaths.Job, namespace), () =>
        t.list(
          nsPath(workloadPaths.Job, namespace),
          {},
          (item) => {
            const owner = parentOf({kind: 'Job', namespace, name: ''}, item)
            if (owner?.kind !== 'CronJob' || owner.name !== name) return
            capture(item, 'Job')
            builder.add({...item, kind: 'Job'}, live, 'Job')
          },
          pageSize === undefined ? {} : {pageSize},
        ),
      )
    }
  }
}

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
