// Scenario clusters for inject-diff: the API-server double with real Istio webhook configurations whose Services
// are played by HTTPS injector servers, and a way to run the built CLI against them.
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import https from 'node:https'
import {fileURLToPath} from 'node:url'
import {
  injectorProxyImage,
  loadYamlObjects,
  startApiServer,
  startWebhookServer,
} from '../apiserver-double/index.js'
import {applyJsonPatch} from '../apiserver-double/json-patch.js'
import type {PatchOperation} from '../apiserver-double/json-patch.js'
import {schemaChecked} from '../schemas/validate-output.js'
import type {
  ApiServerDouble,
  DeniedAccess,
  WebhookServer,
  WebhookServerOptions,
} from '../apiserver-double/index.js'

const repo = fileURLToPath(new URL('../../', import.meta.url))
const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/istio/${name}`, import.meta.url))

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test objects of any Kubernetes shape
type Json = Record<string, any>

export const namespace = (name: string, labels: Record<string, string> = {}): Json => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: {name, labels: {'kubernetes.io/metadata.name': name, ...labels}},
})

export const appContainer = {name: 'app', image: 'nginx:1.27', ports: [{containerPort: 8080, name: 'http'}]}

export const deployment = (
  ns: string,
  name: string,
  templateLabels: Record<string, string> = {},
  replicas = 0,
): Json => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {name, namespace: ns, uid: `uid-deploy-${name}`},
  spec: {
    replicas,
    selector: {matchLabels: {app: name}},
    template: {
      metadata: {labels: {app: name, ...templateLabels}},
      spec: {containers: [structuredClone(appContainer)]},
    },
  },
})

export const bareRunningPod = (ns: string, name: string, labels: Record<string, string> = {}): Json => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {name, namespace: ns, uid: `uid-pod-${name}`, creationTimestamp: '2026-01-01T00:00:00Z', labels},
  spec: {containers: [structuredClone(appContainer)], nodeName: 'node-1', serviceAccountName: 'default'},
  status: {phase: 'Running'},
})

/** Which installs the cluster has: the default revision (service istiod), and/or revision 1-28 with tag prod. */
export interface InstallOptions {
  readonly defaultRevision?: {
    mode?: WebhookServerOptions['mode']
    failurePolicy?: 'Fail' | 'Ignore'
    unreachable?: boolean
  }
  readonly revision128?: {mode?: WebhookServerOptions['mode']}
}

export interface DiffCluster {
  readonly api: ApiServerDouble
  readonly kubeconfig: string
  readonly injectors: WebhookServer[]
  close(): Promise<void>
}

// The test webhook certificate names istiod and istio-sidecar-injector only: revision 1-28 is served as istio-sidecar-injector.
const revisionServiceName = 'istio-sidecar-injector'

const retarget = (
  objects: object[],
  options: {caBundle: string; service?: string; failurePolicy?: string},
): object[] =>
  objects.map((object) => {
    const o = object as Json
    if (o.kind !== 'MutatingWebhookConfiguration') return o
    return {
      ...o,
      webhooks: (o.webhooks as Json[]).map((w) => ({
        ...w,
        ...(options.failurePolicy === undefined ? {} : {failurePolicy: options.failurePolicy}),
        clientConfig: {
          ...w.clientConfig,
          caBundle: options.caBundle,
          service: {
            ...w.clientConfig.service,
            ...(options.service === undefined ? {} : {name: options.service}),
          },
        },
      })),
    }
  })

const installObjects = (path: string, keep: (o: Json) => boolean): object[] =>
  loadYamlObjects(fixture(path)).filter((o) => keep(o as Json) && (o as Json).kind !== 'Namespace')

export async function startDiffCluster(
  objects: object[],
  install: InstallOptions,
  denied: DeniedAccess[] = [],
): Promise<DiffCluster> {
  const injectors: WebhookServer[] = []
  const services: Record<string, string> = {}
  const all: object[] = [namespace('istio-system'), ...objects]
  if (install.defaultRevision !== undefined) {
    const configMaps = installObjects('default-1.28.yaml', (o) => o.kind === 'ConfigMap')
    const server = await startWebhookServer({
      mode: install.defaultRevision.mode ?? 'native',
      revision: 'default',
      proxyImage: injectorProxyImage(configMaps, 'default') ?? 'missing-configmap',
    })
    injectors.push(server)
    // An unreachable injector: the Service resolves to a port nobody listens on.
    const url = install.defaultRevision.unreachable === true ? 'https://127.0.0.1:9' : server.url
    services['istio-system/istiod:443'] = url
    services['istio-system/istiod:https-webhook'] = url
    const keep = (o: Json) => o.kind === 'MutatingWebhookConfiguration' || o.kind === 'ConfigMap'
    all.push(
      ...retarget(installObjects('default-1.28.yaml', keep), {
        caBundle: server.caBundle,
        ...(install.defaultRevision.failurePolicy === undefined
          ? {}
          : {failurePolicy: install.defaultRevision.failurePolicy}),
      }),
    )
  }
  if (install.revision128 !== undefined) {
    const configMaps = installObjects('revision-1-28-with-tags.yaml', (o) => o.kind === 'ConfigMap')
    const server = await startWebhookServer({
      mode: install.revision128.mode ?? 'native',
      revision: '1-28',
      proxyImage: injectorProxyImage(configMaps, '1-28') ?? 'missing-configmap',
    })
    injectors.push(server)
    services[`istio-system/${revisionServiceName}:443`] = server.url
    services[`istio-system/${revisionServiceName}:https-webhook`] = server.url
    // The fixture's `default` tag would make revision 1-28 the default too; these scenarios keep the two installs apart.
    const keep = (o: Json) =>
      (o.kind === 'MutatingWebhookConfiguration' &&
        !['istio-sidecar-injector', 'istio-revision-tag-default'].includes(o.metadata.name)) ||
      o.kind === 'ConfigMap'
    all.push(
      ...retarget(installObjects('revision-1-28-with-tags.yaml', keep), {
        caBundle: server.caBundle,
        service: revisionServiceName,
      }),
    )
  }
  const api = await startApiServer({objects: all, services, denied})
  return {
    api,
    kubeconfig: api.writeKubeconfig({namespace: 'default'}),
    injectors,
    close: async () => {
      await api.close()
      for (const injector of injectors) await injector.close()
    },
  }
}

export interface CliResult {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

// The command from source through oclif (tsx): independent of whether bin/ runs a tsc build or an esbuild bundle.
const launcher = `import {handle} from '@oclif/core'
const {default: InjectDiff} = await import(${JSON.stringify(`${repo}commands/inject-diff.ts`)})
InjectDiff.id = 'inject-diff'
try { await InjectDiff.run(process.argv.slice(1), ${JSON.stringify(repo)}) } catch (error) { await handle(error) }`

/** Runs `kubectl inject-diff ARGS` (commands/inject-diff.ts through oclif) with NO_COLOR, as kubectl would. */
export const runDiff = (
  args: readonly string[],
  options: {kubeconfig?: string; stdin?: string; env?: Record<string, string>} = {},
): Promise<CliResult> =>
  new Promise<CliResult>((resolve) => {
    const child = execFile(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        launcher,
        '--',
        ...(options.kubeconfig === undefined ? [] : ['--kubeconfig', options.kubeconfig]),
        ...args,
      ],
      {cwd: repo, env: {...process.env, NO_COLOR: '1', ...options.env}, maxBuffer: 16 * 1024 * 1024},
      (error, stdout, stderr) =>
        resolve({code: error === null ? 0 : Number((error as {code?: unknown}).code ?? 1), stdout, stderr}),
    )
    child.stdin?.end(options.stdin ?? '')
  }).then(schemaChecked)

/** Requests that changed state: the double's writes(), minus the AdmissionReviews posted to an injector via services/proxy. */
export const stateChangingRequests = (api: ApiServerDouble) =>
  api.writes().filter((r) => !/\/services\/[^/]+\/proxy\/inject$/.test(r.path))

/** Runs `body` against a fresh cluster, then audits it: nothing written, every pod POST a dryRun=All. */
export const withCluster = async (
  objects: object[],
  install: InstallOptions,
  body: (cluster: DiffCluster) => Promise<void>,
  denied: DeniedAccess[] = [],
): Promise<void> => {
  const cluster = await startDiffCluster(objects, install, denied)
  try {
    await body(cluster)
    assert.deepEqual(stateChangingRequests(cluster.api), [], 'inject-diff must not write to the cluster')
    for (const request of cluster.api.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/pods')))
      assert.equal(request.query.dryRun, 'All')
  } finally {
    await cluster.close()
  }
}

/** A pod as an injector with `proxyImage` injects it: the AdmissionReview answered by a real webhook server over HTTPS. */
export const injectedBy = async (pod: Json, proxyImage: string, revision = 'default'): Promise<Json> => {
  const server = await startWebhookServer({mode: 'native', revision, proxyImage})
  try {
    const review = {
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      // At admission a controller's pod has only generateName: the injector names the workload from it.
      request: {
        uid: 'u-1',
        operation: 'CREATE',
        namespace: pod.metadata.namespace,
        object: {
          ...pod,
          metadata: {
            ...pod.metadata,
            name: undefined,
            generateName: pod.metadata.generateName ?? `${pod.metadata.name as string}-`,
          },
        },
      },
    }
    const answer = await new Promise<Json>((resolve, reject) => {
      const req = https.request(
        `${server.url}/inject`,
        {
          method: 'POST',
          headers: {'content-type': 'application/json'},
          ca: Buffer.from(server.caBundle, 'base64'),
        },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Json))
        },
      )
      req.on('error', reject)
      req.end(JSON.stringify(review))
    })
    const ops = JSON.parse(
      Buffer.from(String(answer.response.patch), 'base64').toString('utf8'),
    ) as PatchOperation[]
    const injected = applyJsonPatch(review.request.object as Json, ops)
    return {
      ...injected,
      metadata: {...injected.metadata, name: pod.metadata.name, generateName: pod.metadata.generateName},
    }
  } finally {
    await server.close()
  }
}

/** An EndpointSlice of `service` in istio-system with one endpoint, ready or not (what kube-controller-manager writes). */
export const endpointSlice = (service: string, ready: boolean): Json => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: {
    name: `${service}-abcde`,
    namespace: 'istio-system',
    labels: {'kubernetes.io/service-name': service},
  },
  addressType: 'IPv4',
  endpoints: [{addresses: ['10.244.1.27'], conditions: {ready, serving: ready, terminating: false}}],
  ports: [{name: 'https-webhook', port: 15017, protocol: 'TCP'}],
})
