// The real control plane (etcd + kube-apiserver + kube-controller-manager built from Go modules): version, namespace
// labels, controllers creating pods, webhook routing through a Service and a URL, real FailedCreate events, real
// RBAC, and `kubectl inject-check` run as a kubectl plugin making no write the audit log can see.
import {pluginPath} from './kubectl-plugins.js'
import {eventually} from './scenario-helpers.js'
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {delimiter} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {startWebhookServer} from '../apiserver-double/index.js'
import type {WebhookServer} from '../apiserver-double/index.js'
import {realClusterAvailable, startRealCluster} from './cluster.js'
import type {RealCluster} from './cluster.js'
import {externalNameService, injectorWebhookConfiguration, istioConfigMaps} from './istio-install.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kubernetes objects of any shape
type Json = Record<string, any>

const availability = realClusterAvailable()
const inCi = process.env.CI === 'true'
if (!availability.available) {
  const line = `real-cluster suite ${inCi ? 'FAILED' : 'SKIPPED'}: ${availability.reason}`
  console.log(line)
  if (inCi)
    it('the real control plane can be built or is cached (CI never skips it)', () => assert.fail(line))
}

const podYaml = (name: string, ns: string): string =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {name, namespace: ns, labels: {app: name}},
    spec: {containers: [{name: 'app', image: 'nginx:1.27'}]},
  })
const deploymentYaml = (name: string, ns: string): string =>
  JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {name, namespace: ns},
    spec: {
      replicas: 1,
      selector: {matchLabels: {app: name}},
      template: {metadata: {labels: {app: name}}, spec: {containers: [{name: 'app', image: 'nginx:1.27'}]}},
    },
  })

const hasSidecar = (pod: Json): boolean =>
  [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].some(
    (c: Json) => c.name === 'istio-proxy',
  )

describe('a real control plane', {skip: availability.available ? false : availability.reason}, () => {
  let cluster: RealCluster
  let injector: WebhookServer
  let injectorPort = 0

  const create = async (json: string | Json): Promise<void> => {
    const input = typeof json === 'string' ? json : JSON.stringify(json)
    const r = await cluster.kubectl(['create', '-f', '-'], {input})
    assert.equal(r.code, 0, r.stderr)
  }
  const getJson = async (args: string[]): Promise<Json> => {
    const r = await cluster.kubectl(['get', ...args, '-o', 'json'])
    assert.equal(r.code, 0, r.stderr)
    return JSON.parse(r.stdout) as Json
  }
  // The webhook configuration takes effect once the API server's informer sees it: probe with a server dry run.
  const injectedOnDryRun = async (ns: string): Promise<boolean> => {
    const r = await cluster.kubectl(['create', '--dry-run=server', '-o', 'json', '-f', '-'], {
      input: podYaml('probe', ns),
    })
    return r.code === 0 && hasSidecar(JSON.parse(r.stdout) as Json)
  }

  const plugin = (args: string[]): ReturnType<RealCluster['kubectl']> =>
    cluster.kubectl(args, {
      context: 'inspector',
      env: {PATH: `${pluginPath()}${delimiter}${process.env.PATH ?? ''}`, NO_COLOR: '1'},
    })

  before(async () => {
    cluster = await startRealCluster({log: (line) => console.log(`# ${line}`), timeoutMs: 180_000})
    injector = await startWebhookServer({mode: 'native'})
    injectorPort = Number(new URL(injector.url).port)
    await create({apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'istio-system'}})
    for (const cm of istioConfigMaps()) await create(cm)
    await create(externalNameService('istiod', 'istio-system', injectorPort, 'localhost'))
    await create({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {name: 'shop', labels: {'istio-injection': 'enabled'}},
    })
    await create(
      injectorWebhookConfiguration({
        name: 'istio-sidecar-injector',
        clientConfig: {
          service: {name: 'istiod', namespace: 'istio-system', path: '/inject', port: injectorPort},
          caBundle: injector.caBundle,
        },
        failurePolicy: 'Fail',
        namespaceLabel: ['istio-injection', 'enabled'],
      }),
    )
  })
  after(async () => {
    await injector?.close()
    await cluster?.stop()
  })

  it('reports the gitVersion it was built as', async () => {
    const version = (await cluster.api('GET', '/version')).json()
    assert.equal(version.gitVersion, cluster.kubeVersion)
    assert.equal(version.gitVersion, 'v1.37.2')
  })

  it('labels a new namespace with kubernetes.io/metadata.name', async () => {
    await create({apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'labelled'}})
    const ns = await getJson(['namespace', 'labelled'])
    assert.equal(ns.metadata.labels['kubernetes.io/metadata.name'], 'labelled')
  })

  it('runs a Deployment through kube-controller-manager to a real pod', async () => {
    await create(deploymentYaml('plain', 'default'))
    const pod = await eventually('a pod of deployment/plain', async () => {
      const list = await getJson(['pods', '-n', 'default', '-l', 'app=plain'])
      return list.items[0] as Json | undefined
    })
    assert.equal(pod.metadata.ownerReferences[0].kind, 'ReplicaSet')
    assert.equal(pod.spec.serviceAccountName, 'default')
  })

  it('routes clientConfig.service through an ExternalName Service to the injector (kubectl create)', async () => {
    await eventually('the webhook to inject on a dry run', async () =>
      (await injectedOnDryRun('shop')) ? true : undefined,
    )
    const before = injector.calls.length
    await create(podYaml('web', 'shop'))
    const pod = await getJson(['pod', 'web', '-n', 'shop'])
    assert.ok(hasSidecar(pod), 'istio-proxy injected')
    assert.equal(JSON.parse(pod.metadata.annotations['sidecar.istio.io/status']).revision, 'default')
    assert.equal(injector.calls.length, before + 1)
    assert.equal(injector.calls.at(-1)!.request?.name, 'web')
  })

  it('routes clientConfig.url to the injector', async () => {
    await create({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {name: 'by-url', labels: {'url-route': 'on'}},
    })
    await create(
      injectorWebhookConfiguration({
        name: 'url-injector',
        clientConfig: {url: `${injector.url}/inject`, caBundle: injector.caBundle},
        failurePolicy: 'Fail',
        namespaceLabel: ['url-route', 'on'],
      }),
    )
    await eventually('the url webhook to inject', async () =>
      (await injectedOnDryRun('by-url')) ? true : undefined,
    )
    await create(podYaml('api', 'by-url'))
    assert.ok(hasSidecar(await getJson(['pod', 'api', '-n', 'by-url'])))
  })

  it('denies the limited context pods outside its namespace with a real 403', async () => {
    const own = await cluster.kubectl(['get', 'pods'], {context: 'limited'})
    assert.equal(own.code, 0, own.stderr)
    const other = await cluster.kubectl(['get', 'pods', '-n', 'default'], {context: 'limited'})
    assert.notEqual(other.code, 0)
    assert.match(
      other.stderr,
      /pods is forbidden: User "limited-user" cannot list resource "pods" in API group "" in the namespace "default"/,
    )
  })

  it('runs kubectl inject-check as a plugin against it, and the audit log shows no write by the tool', async () => {
    const run = await plugin(['inject-check', 'pod/web', '-n', 'shop'])
    assert.equal(run.code, 0, run.stderr)
    assert.match(run.stdout, /^pod\/web -n shop: /m)
    console.log(`# inject-check: ${run.stdout.split('\n')[0]}`)
    const events = readFileSync(cluster.auditLogPath, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Json)
      .filter((e) => e.user?.username === cluster.identities.inspector.user && e.stage === 'ResponseComplete')
    assert.ok(events.length > 0, 'the tool was audited')
    const allowed = (e: Json): boolean =>
      ['get', 'list', 'watch'].includes(e.verb) ||
      (e.verb === 'create' && /[?&]dryRun=All\b/.test(e.requestURI)) ||
      (e.verb === 'create' && e.objectRef?.resource === 'selfsubjectaccessreviews')
    const writes = events.filter((e) => !allowed(e)).map((e) => `${e.verb} ${e.requestURI}`)
    assert.deepEqual(writes, [])
  })

  it('judges an ExternalName istiod Service by what the API server does (it injects)', async () => {
    const run = await plugin(['inject-check', 'pod/web', '-n', 'shop'])
    assert.equal(run.code, 0, run.stderr)
    assert.doesNotMatch(run.stdout, /WebhookBlocksCreation|WebhookTargetPortMismatch/)
  })

  it('makes the ReplicaSet emit a real FailedCreate event when the injector is down and failurePolicy is Fail', async () => {
    await injector.close()
    await create(deploymentYaml('broken', 'shop'))
    const event = await eventually('a FailedCreate event', async () => {
      const list = await getJson(['events', '-n', 'shop', '--field-selector', 'reason=FailedCreate'])
      return list.items.find((e: Json) => e.involvedObject.kind === 'ReplicaSet') as Json | undefined
    })
    console.log(`# FailedCreate: ${event.message}`)
    assert.equal(event.type, 'Warning')
    assert.match(
      event.message,
      new RegExp(
        `^Error creating: Internal error occurred: failed calling webhook "namespace.sidecar-injector.istio.io": ` +
          `failed to call webhook: Post "https://istiod.istio-system.svc:${injectorPort}/inject\\?timeout=5s": `,
      ),
    )
  })
  it('classifies the real FailedCreate text with inject-check --health', async () => {
    const run = await plugin(['inject-check', '--health', '-A'])
    assert.equal(run.code, 0, run.stderr)
    assert.match(run.stdout, /ERROR +WebhookConnectionRefused +ReplicaSet shop\/broken-/)
  })
})
