// The live source: a constant number of read-only requests per target, in parallel, projected while streaming.
// A 403/404 on a supporting read becomes a Gap (a partial answer); only an unreadable target is an error.
import type {
  ClusterSnapshot,
  Gap,
  LabelSelector,
  MutatingWebhookConfiguration,
  WorkloadKind,
} from '../core/snapshot.js'
import type {Connection} from './kubeconfig.js'
import {ApiStatusError, statusReason, subjectOfPath} from './kube-errors.js'
import {SnapshotBuilder, needsPodObjects, projectPod, projectWorkload} from './projection.js'
import type {SnapshotExtras, TargetSpec} from './target-spec.js'
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
}

const mwcPath = '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations'
const live = 'live'
const enc = encodeURIComponent

const workloadPaths: Readonly<Record<WorkloadKind, string>> = {
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

const isIstioWebhook = (
  config: MutatingWebhookConfiguration,
  hook: NonNullable<MutatingWebhookConfiguration['webhooks']>[number],
): boolean =>
  hook.name.endsWith('sidecar-injector.istio.io') ||
  (hook.clientConfig.service?.name ?? '').startsWith('istiod') ||
  config.metadata.labels?.['istio.io/rev'] !== undefined

/** Namespaces of the istiod services Istio webhooks call; `istio-system` when none is known. */
export function istiodNamespaces(configs: readonly MutatingWebhookConfiguration[]): string[] {
  const found = new Set<string>()
  for (const config of configs) {
    for (const hook of config.webhooks ?? []) {
      const namespace = hook.clientConfig.service?.namespace
      if (namespace !== undefined && isIstioWebhook(config, hook)) found.add(namespace)
    }
  }
  return found.size === 0 ? ['istio-system'] : [...found].sort()
}

/** The injector ConfigMaps Istio webhook configurations imply: `istio-sidecar-injector[-<rev>]` in the service namespace. */
// istio: manifests/charts/istio-control/istio-discovery/templates/configmap.yaml (name istio-sidecar-injector{{- if not (eq .Values.revision "") }}-{{ .Values.revision }}{{- end }}).
export function expectedInjectorConfigMaps(
  configs: readonly MutatingWebhookConfiguration[],
): {namespace: string; name: string; configuration: string}[] {
  const out = new Map<string, {namespace: string; name: string; configuration: string}>()
  for (const config of configs) {
    const revision = config.metadata.labels?.['istio.io/rev']
    for (const hook of config.webhooks ?? []) {
      const namespace = hook.clientConfig.service?.namespace
      if (namespace === undefined || !isIstioWebhook(config, hook)) continue
      const name =
        revision === undefined || revision === '' || revision === 'default'
          ? 'istio-sidecar-injector'
          : `istio-sidecar-injector-${revision}`
      const key = `${namespace}/${name}`
      if (!out.has(key)) out.set(key, {namespace, name, configuration: config.metadata.name})
    }
  }
  return [...out.values()]
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
    const listed = await settleAll(
      namespaces.map((ns) => listSupporting(nsPath('/api/v1/namespaces/{ns}/configmaps', ns), 'ConfigMap')),
    )
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
    if (extras.health === true) await readIstiodHealth(namespaces)
  })

  const readIstiodHealth = async (namespaces: readonly string[]) => {
    await settleAll(
      namespaces.flatMap((ns) => [
        listSupporting(nsPath('/api/v1/namespaces/{ns}/services', ns), 'Service'),
        listSupporting(
          nsPath('/apis/discovery.k8s.io/v1/namespaces/{ns}/endpointslices', ns),
          'EndpointSlice',
        ),
        listSupporting(nsPath('/apis/apps/v1/namespaces/{ns}/deployments', ns), 'Deployment'),
        listSupporting(nsPath('/api/v1/namespaces/{ns}/pods', ns), 'Pod', {}, webhooks),
      ]),
    )
  }

  // Health extras scoped to the target: FailedCreate events (pods the webhook blocked) and node versions.
  const healthScope = (namespaces: readonly string[] | null): Promise<unknown>[] => {
    if (extras.health !== true) return []
    const events = (namespaces === null ? [null] : namespaces).map((ns) => {
      const path = ns === null ? '/api/v1/events' : nsPath('/api/v1/namespaces/{ns}/events', ns)
      return listSupporting(path, 'Event', {fieldSelector: 'reason=FailedCreate'})
    })
    return [...events, listSupporting('/api/v1/nodes', 'Node')]
  }

  return readTarget()

  async function readTarget(): Promise<ClusterSnapshot> {
    const origin = {kind: 'live', context: connection.contextName, server: connection.server} as const
    switch (target.kind) {
      case 'pod': {
        const path = `${nsPath('/api/v1/namespaces/{ns}/pods', target.namespace)}/${enc(target.name)}`
        await settleAll<unknown>([
          Promise.all([t.getJson(path), webhooks]).then(async ([object]) => {
            capture(object, 'Pod')
            const projected = projectPod(object, {keepObject: builder.keepPodObjects, source: live})
            if (projected === undefined) return
            builder.addPod(projected)
            if (projected.controller?.kind === 'Job')
              await readJobOwner(target.namespace, projected.controller.name)
          }),
          getSupporting(nsPath('/api/v1/namespaces/{ns}', target.namespace), 'Namespace'),
          istio,
          ...healthScope([target.namespace]),
        ])
        return builder.build(origin)
      }
      case 'workload': {
        const path = `${nsPath(workloadPaths[target.workloadKind], target.namespace)}/${enc(target.name)}`
        await settleAll<unknown>([
          t.getJson(path).then(async (object) => {
            capture(object, target.workloadKind)
            // The target keeps its template object: previews and CEL need the whole spec.
            const workload = projectWorkload(
              {...object, kind: target.workloadKind},
              {source: live, keepObject: true},
            )
            if (workload !== undefined) builder.addWorkload(workload)
            await readWorkloadPods(target.workloadKind, target.namespace, object)
          }),
          getSupporting(nsPath('/api/v1/namespaces/{ns}', target.namespace), 'Namespace'),
          istio,
          ...healthScope([target.namespace]),
        ])
        return builder.build(origin)
      }
      case 'namespace': {
        await settleAll<unknown>([
          t.getJson(`/api/v1/namespaces/${enc(target.name)}`).then((object) => {
            capture(object, 'Namespace')
            builder.add(object, live, 'Namespace')
          }),
          istio,
          ...healthScope([target.name]),
        ])
        return builder.build(origin)
      }
      case 'sweep': {
        const query = {labelSelector: target.labelSelector}
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
          ...healthScope(target.namespace === null ? null : [target.namespace]),
        ])
        return builder.build(origin)
      }
      case 'manifests': {
        const namespaces = [...new Set(target.namespaces)].sort()
        await settleAll<unknown>([
          ...namespaces.map((ns) => getSupporting(`/api/v1/namespaces/${enc(ns)}`, 'Namespace')),
          istio,
          ...healthScope(namespaces),
        ])
        return builder.build(origin)
      }
    }
  }

  // A Job's CronJob is one cheap GET for a single pod; sweeps keep the Job as the owner.
  async function readJobOwner(namespace: string, job: string): Promise<void> {
    const path = `${nsPath(workloadPaths.Job, namespace)}/${enc(job)}`
    const object = await supporting('GET', path, () => t.getJson(path))
    if (object !== undefined) capture(object, 'Job')
    const refs = ((object?.metadata as {ownerReferences?: unknown} | undefined)?.ownerReferences ?? []) as {
      kind?: unknown
      name?: unknown
      controller?: unknown
    }[]
    const cronJob = Array.isArray(refs)
      ? refs.find((ref) => ref.controller === true && ref.kind === 'CronJob')
      : undefined
    if (typeof cronJob?.name === 'string') builder.addJobOwner(namespace, job, cronJob.name)
  }

  // Pods of a workload by its own selector (CronJobs have none: their pods belong to Jobs).
  async function readWorkloadPods(kind: WorkloadKind, namespace: string, object: JsonObject): Promise<void> {
    if (kind === 'CronJob') return
    const spec = (object.spec ?? {}) as {selector?: unknown}
    const raw = spec.selector
    if (raw === null || typeof raw !== 'object') return
    const selector: LabelSelector =
      kind === 'ReplicationController' ? {matchLabels: raw as Record<string, string>} : (raw as LabelSelector)
    const labelSelector = selectorToQuery(selector)
    if (labelSelector === '') return
    await listSupporting(nsPath('/api/v1/namespaces/{ns}/pods', namespace), 'Pod', {labelSelector}, webhooks)
  }
}

/** Like Promise.all, but returns only when every request has settled (no request outlives the read); the first listed failure wins. */
async function settleAll<T>(promises: readonly Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(promises)
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
  if (failed !== undefined) throw failed.reason
  return results.map((r) => (r as PromiseFulfilledResult<T>).value)
}
