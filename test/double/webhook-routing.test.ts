// The double routes a service webhook as the real kube-apiserver v1.37.2 did (test/real-cluster/failures.test.ts):
// an ExternalName Service is dialled without looking at EndpointSlices, a headless one cannot be routed to.
import assert from 'node:assert/strict'
import https from 'node:https'
import {after, before, describe, it} from 'node:test'
import {startApiServer, startWebhookServer} from '../apiserver-double/index.js'
import type {ApiServerDouble, WebhookServer} from '../apiserver-double/index.js'

const webhookConfiguration = (service: string, caBundle: string): object => ({
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'MutatingWebhookConfiguration',
  metadata: {name: `injector-${service}`},
  webhooks: [
    {
      name: 'namespace.sidecar-injector.istio.io',
      clientConfig: {
        service: {name: service, namespace: 'istio-system', path: '/inject', port: 443},
        caBundle,
      },
      rules: [{operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods']}],
      failurePolicy: 'Fail',
      namespaceSelector: {matchLabels: {route: service}},
      sideEffects: 'None',
      admissionReviewVersions: ['v1'],
    },
  ],
})

const service = (name: string, spec: object): object => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: {name, namespace: 'istio-system'},
  spec: {ports: [{name: 'https-webhook', port: 443}], ...spec},
})

// A slice with no ready endpoint: the aggregator-routing resolver would answer "no endpoints available".
const notReadySlice = (name: string): object => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: {name: `${name}-x`, namespace: 'istio-system', labels: {'kubernetes.io/service-name': name}},
  addressType: 'IPv4',
  endpoints: [{addresses: ['10.0.0.9'], conditions: {ready: false}}],
  ports: [{name: 'https-webhook', port: 15017}],
})

const namespace = (route: string): object => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: {name: route, labels: {route}},
})

const scenarios = [
  {
    name: 'an ExternalName Service with a not-ready EndpointSlice is still dialled: the pod is injected',
    service: 'istiod-external',
    spec: {type: 'ExternalName', externalName: 'localhost'},
    status: 201,
    message: undefined,
  },
  {
    name: 'a headless Service answers the real "cannot route" text',
    service: 'istiod-headless',
    spec: {clusterIP: 'None'},
    status: 500,
    message:
      'Internal error occurred: failed calling webhook "namespace.sidecar-injector.istio.io": failed to call webhook: Post "https://istiod-headless.istio-system.svc:443/inject?timeout=10s": cannot route to service with ClusterIP "None"',
  },
] as const

describe('webhook routing by Service type', () => {
  let webhook: WebhookServer
  let api: ApiServerDouble
  before(async () => {
    webhook = await startWebhookServer()
    api = await startApiServer({
      services: Object.fromEntries(scenarios.map((s) => [`istio-system/${s.service}:443`, webhook.url])),
      objects: scenarios.flatMap((s) => [
        namespace(s.service),
        service(s.service, s.spec),
        notReadySlice(s.service),
        webhookConfiguration(s.service, webhook.caBundle),
      ]),
    })
  })
  after(async () => {
    await api.close()
    await webhook.close()
  })

  const createPod = (ns: string): Promise<{status: number; body: Record<string, unknown>}> =>
    new Promise((resolve, reject) => {
      const req = https.request(
        `${api.url}/api/v1/namespaces/${ns}/pods?dryRun=All`,
        {
          method: 'POST',
          ca: api.caData,
          headers: {authorization: `Bearer ${api.token}`, 'content-type': 'application/json'},
        },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>,
            }),
          )
        },
      )
      req.on('error', reject)
      req.end(
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: {name: 'web', namespace: ns},
          spec: {containers: [{name: 'app', image: 'nginx'}]},
        }),
      )
    })

  for (const s of scenarios) {
    it(s.name, async () => {
      const answer = await createPod(s.service)
      assert.equal(answer.status, s.status, JSON.stringify(answer.body))
      if (s.message === undefined) {
        const spec = answer.body.spec as {initContainers?: {name: string}[]; containers: {name: string}[]}
        const names = [...(spec.initContainers ?? []), ...spec.containers].map((c) => c.name)
        assert.ok(names.includes('istio-proxy'), names.join(','))
      } else assert.equal(answer.body.message, s.message)
    })
  }
})
