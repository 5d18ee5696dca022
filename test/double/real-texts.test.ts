// The double's failure texts against the ones a real kube-apiserver v1.37.2 sent for the same situation
// (test/real-cluster/failures.test.ts and permissions.test.ts): webhook call failures and RBAC denials.
import assert from 'node:assert/strict'
import https from 'node:https'
import {after, before, describe, it} from 'node:test'
import {loadTlsMaterial, startApiServer, startWebhookServer} from '../apiserver-double/index.js'
import type {ApiServerDouble, WebhookServer} from '../apiserver-double/index.js'

type Json = Record<string, unknown>

const request = (
  api: ApiServerDouble,
  method: string,
  path: string,
  body?: Json,
): Promise<{status: number; message: string}> =>
  new Promise((resolve, reject) => {
    const req = https.request(
      api.url + path,
      {
        method,
        ca: api.caData,
        headers: {authorization: `Bearer ${api.token}`, 'content-type': 'application/json'},
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {message?: string}
          resolve({status: res.statusCode ?? 0, message: parsed.message ?? ''})
        })
      },
    )
    req.on('error', reject)
    req.end(body === undefined ? undefined : JSON.stringify(body))
  })

// The real message after `Post "https://<service>.istio-system.svc:<port>/inject?timeout=<n>s": `.
const webhookFailures = [
  {
    name: 'nothing listens on the port: connection refused',
    service: 'istiod-stopped',
    caBundle: 'right',
    timeoutSeconds: 5,
    real: /^dial tcp 127\.0\.0\.1:\d+: connect: connection refused$/,
  },
  {
    name: 'the caBundle is another CA: x509 unknown authority',
    service: 'istiod-wrong-ca',
    caBundle: 'wrong',
    timeoutSeconds: 5,
    real: /^tls: failed to verify certificate: x509: certificate signed by unknown authority$/,
  },
  {
    name: 'the injector answers after timeoutSeconds: context deadline exceeded',
    service: 'istiod-slow',
    caBundle: 'right',
    timeoutSeconds: 1,
    real: /^context deadline exceeded$/,
  },
] as const

describe('webhook call failures read as the real API server words them', () => {
  let api: ApiServerDouble
  let serving: WebhookServer
  let slow: WebhookServer
  let stoppedPort = 0
  before(async () => {
    const tls = loadTlsMaterial()
    serving = await startWebhookServer()
    slow = await startWebhookServer({failWith: {delayMs: 2500}})
    const stopped = await startWebhookServer()
    stoppedPort = Number(new URL(stopped.url).port)
    await stopped.close()
    const urls: Record<string, string> = {
      'istiod-stopped': `https://127.0.0.1:${stoppedPort}`,
      'istiod-wrong-ca': serving.url,
      'istiod-slow': slow.url,
    }
    api = await startApiServer({
      services: Object.fromEntries(
        webhookFailures.map((f) => [`istio-system/${f.service}:443`, urls[f.service]!]),
      ),
      objects: webhookFailures.flatMap((f) => [
        {apiVersion: 'v1', kind: 'Namespace', metadata: {name: f.service, labels: {route: f.service}}},
        {
          apiVersion: 'admissionregistration.k8s.io/v1',
          kind: 'MutatingWebhookConfiguration',
          metadata: {name: f.service},
          webhooks: [
            {
              name: 'namespace.sidecar-injector.istio.io',
              clientConfig: {
                service: {name: f.service, namespace: 'istio-system', path: '/inject', port: 443},
                caBundle: Buffer.from(f.caBundle === 'right' ? tls.caPem : tls.wrongCaPem).toString('base64'),
              },
              rules: [{operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods']}],
              failurePolicy: 'Fail',
              namespaceSelector: {matchLabels: {route: f.service}},
              sideEffects: 'None',
              admissionReviewVersions: ['v1'],
              timeoutSeconds: f.timeoutSeconds,
            },
          ],
        },
      ]),
    })
  })
  after(async () => {
    await api.close()
    await serving.close()
    await slow.close()
  })

  for (const f of webhookFailures) {
    it(f.name, async () => {
      const answer = await request(api, 'POST', `/api/v1/namespaces/${f.service}/pods?dryRun=All`, {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {name: 'web'},
        spec: {containers: [{name: 'app', image: 'nginx'}]},
      })
      assert.equal(answer.status, 500)
      const head = `Internal error occurred: failed calling webhook "namespace.sidecar-injector.istio.io": failed to call webhook: Post "https://${f.service}.istio-system.svc:443/inject?timeout=${f.timeoutSeconds}s": `
      assert.ok(answer.message.startsWith(head), answer.message)
      assert.match(answer.message.slice(head.length), f.real)
    })
  }
})

describe('RBAC denials read as the real API server words them', () => {
  let api: ApiServerDouble
  before(async () => {
    api = await startApiServer({
      userName: 'limited-user',
      objects: [{apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'team-a'}}],
      denied: [
        {resource: 'namespaces'},
        {resource: 'mutatingwebhookconfigurations'},
        {resource: 'pods', namespace: 'default'},
      ],
    })
  })
  after(async () => {
    await api.close()
  })

  const denials = [
    {
      name: 'get of a namespace is judged in that namespace',
      path: '/api/v1/namespaces/team-a',
      real: 'namespaces "team-a" is forbidden: User "limited-user" cannot get resource "namespaces" in API group "" in the namespace "team-a"',
    },
    {
      name: 'a cluster-scoped list is at the cluster scope',
      path: '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations',
      real: 'mutatingwebhookconfigurations.admissionregistration.k8s.io is forbidden: User "limited-user" cannot list resource "mutatingwebhookconfigurations" in API group "admissionregistration.k8s.io" at the cluster scope',
    },
    {
      name: 'a pod in another namespace names the pod and the namespace',
      path: '/api/v1/namespaces/default/pods/other',
      real: 'pods "other" is forbidden: User "limited-user" cannot get resource "pods" in API group "" in the namespace "default"',
    },
  ]
  for (const d of denials) {
    it(d.name, async () => {
      const answer = await request(api, 'GET', d.path)
      assert.equal(answer.status, 403)
      assert.equal(answer.message, d.real)
    })
  }
})
