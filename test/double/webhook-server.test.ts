// The istiod-like webhook server: injection decisions and patch shapes, called directly and through the service proxy.
import {describe, it, before, after} from 'node:test'
import assert from 'node:assert/strict'
import https from 'node:https'
import {startApiServer, startWebhookServer, loadTlsMaterial} from '../apiserver-double/index.js'
import type {WebhookServer} from '../apiserver-double/index.js'
import {applyJsonPatch} from '../apiserver-double/json-patch.js'
import type {PatchOperation} from '../apiserver-double/json-patch.js'

interface Pod {
  metadata: {
    namespace: string
    generateName?: string
    labels?: Record<string, string>
    annotations?: Record<string, string>
  }
  spec: {
    containers: {name: string}[]
    initContainers?: {name: string; restartPolicy?: string}[]
    volumes?: {name: string}[]
  }
}

const podWith = (labels: Record<string, string> = {}, annotations: Record<string, string> = {}): Pod => ({
  metadata: {namespace: 'shop', generateName: 'web-7d9f8c6b5-', labels: {app: 'web', ...labels}, annotations},
  spec: {containers: [{name: 'app'}]},
})

function post(
  url: string,
  body: unknown,
  ca = loadTlsMaterial().caPem,
  headers: Record<string, string> = {},
): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {method: 'POST', ca, headers: {'content-type': 'application/json', ...headers}},
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))))
      },
    )
    req.on('error', reject)
    req.end(JSON.stringify(body))
  })
}

interface Response {
  uid: string
  allowed: boolean
  patch?: string
  status?: {message: string}
}

async function admit(server: WebhookServer, pod: Pod): Promise<Response> {
  const review = {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {uid: 'u-1', namespace: 'shop', operation: 'CREATE', object: pod},
  }
  return (await post(`${server.url}/inject`, review)).response as Response
}

const patchOf = (response: Response): PatchOperation[] =>
  JSON.parse(Buffer.from(response.patch ?? '', 'base64').toString('utf8'))

describe('webhook server injection decisions', () => {
  let native: WebhookServer
  let classic: WebhookServer
  before(async () => {
    native = await startWebhookServer({revision: 'canary'})
    classic = await startWebhookServer({mode: 'classic'})
  })
  after(async () => {
    await native.close()
    await classic.close()
  })

  const cases: {name: string; pod: Pod; patched: boolean}[] = [
    {name: 'a plain pod is injected', pod: podWith(), patched: true},
    {name: 'the label "false" opts out', pod: podWith({'sidecar.istio.io/inject': 'false'}), patched: false},
    {
      name: 'the annotation "false" opts out',
      pod: podWith({}, {'sidecar.istio.io/inject': 'false'}),
      patched: false,
    },
    {
      name: 'the label "true" wins over the annotation "false"',
      pod: podWith({'sidecar.istio.io/inject': 'true'}, {'sidecar.istio.io/inject': 'false'}),
      patched: true,
    },
    {
      name: 'an already injected pod is left alone',
      pod: podWith({}, {'sidecar.istio.io/status': '{}'}),
      patched: false,
    },
  ]
  for (const c of cases)
    it(c.name, async () => {
      const response = await admit(native, c.pod)
      assert.equal(response.uid, 'u-1')
      assert.equal(response.allowed, true)
      assert.equal(response.patch !== undefined, c.patched)
    })

  it('rejects an unknown inject.istio.io/templates name', async () => {
    const response = await admit(native, podWith({}, {'inject.istio.io/templates': 'sidecar,mystery'}))
    assert.equal(response.allowed, false)
    assert.match(response.status?.message ?? '', /^requested template "mystery" not found/)
  })

  it('native mode adds istio-proxy as an init container with restartPolicy Always and the revision', async () => {
    const pod = podWith()
    const injected = applyJsonPatch(pod, patchOf(await admit(native, pod)))
    const init = injected.spec.initContainers ?? []
    assert.deepEqual(
      init.map((c) => [c.name, c.restartPolicy]),
      [
        ['istio-init', undefined],
        ['istio-proxy', 'Always'],
      ],
    )
    assert.deepEqual(
      injected.spec.containers.map((c) => c.name),
      ['app'],
    )
    const annotations = injected.metadata.annotations ?? {}
    assert.equal(annotations['istio.io/rev'], 'canary')
    assert.equal(JSON.parse(annotations['sidecar.istio.io/status']!).revision, 'canary')
    assert.equal(annotations['kubectl.kubernetes.io/default-container'], 'app')
  })

  it('classic mode appends istio-proxy to containers and adds the Istio volumes and labels', async () => {
    const pod = podWith({version: 'v2'})
    const injected = applyJsonPatch(pod, patchOf(await admit(classic, pod)))
    assert.deepEqual(
      injected.spec.containers.map((c) => c.name),
      ['app', 'istio-proxy'],
    )
    assert.deepEqual(
      injected.spec.initContainers?.map((c) => c.name),
      ['istio-init'],
    )
    assert.deepEqual(
      injected.spec.volumes?.map((v) => v.name),
      [
        'workload-socket',
        'credential-socket',
        'workload-certs',
        'istio-envoy',
        'istio-data',
        'istio-podinfo',
        'istio-token',
        'istiod-ca-cert',
      ],
    )
    assert.equal(injected.metadata.labels?.['service.istio.io/canonical-revision'], 'v2')
    assert.equal(injected.metadata.labels?.['service.istio.io/canonical-name'], 'web')
    assert.equal(injected.metadata.labels?.['security.istio.io/tlsMode'], 'istio')
  })

  it('records every call', () => {
    assert.ok(native.calls.length >= cases.length)
    assert.ok(native.calls.every((c) => c.path === '/inject' && c.status === 200))
  })
})

describe('service proxy pass-through', () => {
  it('forwards POST /api/v1/namespaces/istio-system/services/https:istiod:443/proxy/inject to the webhook server', async () => {
    const webhook = await startWebhookServer()
    const api = await startApiServer({services: {'istio-system/istiod:443': webhook.url}})
    try {
      const review = {
        apiVersion: 'admission.k8s.io/v1',
        kind: 'AdmissionReview',
        request: {uid: 'u-2', object: podWith()},
      }
      const answer = await post(
        `${api.url}/api/v1/namespaces/istio-system/services/https:istiod:443/proxy/inject`,
        review,
        api.caData,
        {
          authorization: `Bearer ${api.token}`,
        },
      )
      assert.equal((answer.response as Response).uid, 'u-2')
      assert.equal(webhook.calls.length, 1)
    } finally {
      await api.close()
      await webhook.close()
    }
  })
})
