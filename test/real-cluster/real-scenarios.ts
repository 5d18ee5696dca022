// Shared pieces of the prediction and preview suites: one real cluster, one routed injector, installs applied and
// removed, the plugin on PATH, and waits on the API server's webhook informer.
import {pluginPath} from './kubectl-plugins.js'
import {eventually as eventuallyWithin} from './scenario-helpers.js'
import assert from 'node:assert/strict'
import {delimiter} from 'node:path'
import {startWebhookServer} from '../apiserver-double/index.js'
import type {WebhookServer} from '../apiserver-double/index.js'
import type {InjectorRoute} from '../apiserver-double/webhook-server.js'
import {startRealCluster} from './cluster.js'
import type {RealCluster, Run} from './cluster.js'
import {fixtureObjects, realInstall} from './fixture-install.js'
import type {RealInstall} from './fixture-install.js'
import {webhookPki} from './webhook-pki.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kubernetes objects of any shape
export type Json = Record<string, any>

export const fixtureNames = [
  'default-1.26',
  'default-1.28',
  'revision-1-27',
  'revision-1-28-with-tags',
  'deactivated-default',
  'namespaces-by-default',
  'policy-disabled',
  'foreign-webhooks',
  'aks-rewritten',
]

// The lab waits longer than the other files: an install applies hundreds of objects on 2 shared cores.
export const eventually = <T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> => eventuallyWithin(what, probe, timeoutMs)

export const sidecarOf = (pod: Json): Json | undefined =>
  [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].find(
    (c: Json) => c.name === 'istio-proxy',
  )

export const statusRevision = (pod: Json): string | null => {
  const status = pod.metadata?.annotations?.['sidecar.istio.io/status']
  return status ? String((JSON.parse(status) as Json).revision) : null
}

export interface Lab {
  cluster: RealCluster
  injector: WebhookServer
  port: number
  caBundle: string
  kubectl(args: string[], input?: string): Promise<Run>
  plugin(args: string[]): Promise<Run>
  create(objects: Json[]): Promise<Run>
  /** Removes the previous install's webhook configurations and objects, applies this one, waits until served. */
  install(objects: Json[]): Promise<RealInstall>
  namespace(name: string, labels: Record<string, string>): Promise<void>
  stop(): Promise<void>
}

const list = (objects: Json[]): string => JSON.stringify({apiVersion: 'v1', kind: 'List', items: objects})

export async function startLab(): Promise<Lab> {
  const names = new Set<string>()
  for (const f of fixtureNames) for (const n of realInstall(fixtureObjects(f), 1, '').dnsNames) names.add(n)
  const pki = webhookPki([...names, '*.istio-system.svc', 'sentinel.default.svc'])
  let routes = new Map<string, InjectorRoute>()
  const sentinel = /^\/sentinel\//
  const route = (path: string): InjectorRoute | undefined =>
    sentinel.test(path) ? {kind: 'allow'} : routes.get(path)
  const cluster = await startRealCluster({log: (line) => console.log(`# ${line}`), timeoutMs: 180_000})
  const injector = await startWebhookServer({mode: 'native', route, tls: pki})
  const port = Number(new URL(injector.url).port)
  const caBundle = injector.caBundle
  const kubectl = (args: string[], input?: string): Promise<Run> =>
    cluster.kubectl(args, input === undefined ? {} : {input})
  const create = (objects: Json[]): Promise<Run> => kubectl(['create', '-f', '-'], list(objects))
  const sentinelService = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {name: 'sentinel', namespace: 'default'},
    spec: {type: 'ExternalName', externalName: 'localhost', ports: [{name: 'https', port}]},
  }
  assert.equal((await create([sentinelService])).code, 0)
  let generation = 0
  let installed: string[] = []
  let kubeSystemLabels: string[] = []

  const served = async (gen: string): Promise<void> => {
    const probe = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {name: `sentinel-${gen}`, namespace: 'default', labels: {'realpredict-sentinel': gen}},
      spec: {containers: [{name: 'app', image: 'nginx:1.27'}]},
    }
    await eventually(`the API server to call webhook configuration generation ${gen}`, async () => {
      await kubectl(['create', '--dry-run=server', '-o', 'name', '-f', '-'], JSON.stringify(probe))
      return injector.calls.some((c) => c.path === `/sentinel/${gen}`) ? true : undefined
    })
  }
  const sentinelConfiguration = (gen: string): Json => ({
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: {name: `zz-sentinel-${gen}`},
    webhooks: [
      {
        name: 'sentinel.realpredict.test',
        clientConfig: {
          service: {name: 'sentinel', namespace: 'default', path: `/sentinel/${gen}`, port},
          caBundle,
        },
        rules: [{operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods']}],
        objectSelector: {matchLabels: {'realpredict-sentinel': gen}},
        sideEffects: 'None',
        admissionReviewVersions: ['v1'],
        failurePolicy: 'Fail',
      },
    ],
  })

  const install = async (objects: Json[]): Promise<RealInstall> => {
    const real = realInstall(objects, port, caBundle)
    const gen = String(++generation)
    await kubectl(['delete', 'mutatingwebhookconfigurations', '--all', '--wait=false'])
    for (const ns of installed)
      await kubectl(['delete', 'configmaps,services,endpointslices', '--all', '-n', ns, '--wait=false'])
    if (kubeSystemLabels.length > 0)
      await kubectl(['label', 'namespace', 'kube-system', ...kubeSystemLabels.map((k) => `${k}-`)])
    routes = real.routes
    installed = [
      ...new Set(real.objects.flatMap((o) => (o.metadata?.namespace ? [o.metadata.namespace] : []))),
    ]
    const existing = (await kubectl(['get', 'namespaces', '-o', 'name'])).stdout
    const fresh = real.objects.filter(
      (o) => o.kind !== 'Namespace' || !existing.includes(`namespace/${o.metadata.name}\n`),
    )
    const made = await create([...fresh, sentinelConfiguration(gen)])
    assert.equal(made.code, 0, made.stderr)
    const ksLabels = Object.entries(real.kubeSystemLabels).filter(
      ([k]) => k !== 'kubernetes.io/metadata.name',
    )
    kubeSystemLabels = ksLabels.map(([k]) => k)
    if (ksLabels.length > 0)
      await kubectl([
        'label',
        'namespace',
        'kube-system',
        '--overwrite',
        ...ksLabels.map(([k, v]) => `${k}=${v}`),
      ])
    await served(gen)
    await kubectl(['delete', 'mutatingwebhookconfiguration', `zz-sentinel-${gen}`])
    return real
  }

  const namespace = async (name: string, labels: Record<string, string>): Promise<void> => {
    if (name === 'kube-system') {
      const pairs = Object.entries(labels).map(([k, v]) => `${k}=${v}`)
      kubeSystemLabels.push(...Object.keys(labels))
      if (pairs.length > 0) await kubectl(['label', 'namespace', 'kube-system', '--overwrite', ...pairs])
      return
    }
    const made = await create([{apiVersion: 'v1', kind: 'Namespace', metadata: {name, labels}}])
    assert.equal(made.code, 0, made.stderr)
    await eventually(`ServiceAccount ${name}/default`, async () =>
      (await kubectl(['get', 'serviceaccount', 'default', '-n', name, '-o', 'name'])).code === 0
        ? true
        : undefined,
    )
  }

  const plugin = (args: string[]): Promise<Run> =>
    cluster.kubectl(args, {
      context: 'inspector',
      env: {PATH: `${pluginPath()}${delimiter}${process.env.PATH ?? ''}`, NO_COLOR: '1'},
      timeoutMs: 120_000,
    })

  return {
    cluster,
    injector,
    port,
    caBundle,
    kubectl,
    plugin,
    create,
    install,
    namespace,
    stop: async () => {
      await injector.close()
      await cluster.stop()
    },
  }
}
