// The double's LimitRanger and ResourceQuota on dryRun=All pod creates: the injected pod judged, texts as kube-apiserver
// words them (limitranger/admission.go, resourcequota/controller.go, pods.go); the same texts a real v1.37.2 server
// sent are compared in test/real-cluster/wire.test.ts.
import assert from 'node:assert/strict'
import https from 'node:https'
import {after, before, describe, it} from 'node:test'
import type {DiffCluster} from '../diff/diff-cluster.js'
import {namespace, startDiffCluster} from '../diff/diff-cluster.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kubernetes objects of any shape
type Json = Record<string, any>

const quota = (
  ns: string,
  name: string,
  hard: Record<string, string>,
  used?: Record<string, string>,
): Json => ({
  apiVersion: 'v1',
  kind: 'ResourceQuota',
  metadata: {name, namespace: ns},
  spec: {hard},
  ...(used === undefined ? {} : {status: {hard, used}}),
})

const limitRange = (ns: string, limits: Json[]): Json => ({
  apiVersion: 'v1',
  kind: 'LimitRange',
  metadata: {name: 'limits', namespace: ns},
  spec: {limits},
})

const runningPod = (ns: string, name: string, cpuLimit: string): Json => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {name, namespace: ns},
  spec: {containers: [{name: 'app', image: 'nginx', resources: {limits: {cpu: cpuLimit, memory: '64Mi'}}}]},
  status: {phase: 'Running'},
})

const resources = (cpu: string, memory = '128Mi') => ({requests: {cpu, memory}, limits: {cpu, memory}})

const injected = {'istio-injection': 'enabled'}
const objects: Json[] = [
  namespace('q-tight', injected),
  quota('q-tight', 'cpu-limits', {'limits.cpu': '1'}, {'limits.cpu': '0'}),
  namespace('q-used', injected),
  quota(
    'q-used',
    'compute',
    {'limits.cpu': '4', 'limits.memory': '2Gi'},
    {'limits.cpu': '3', 'limits.memory': '1Gi'},
  ),
  namespace('q-pods'),
  quota('q-pods', 'pods', {pods: '2'}),
  runningPod('q-pods', 'one', '100m'),
  runningPod('q-pods', 'two', '100m'),
  namespace('q-plain'),
  quota('q-plain', 'cpu', {'requests.cpu': '1', 'limits.memory': '1Gi'}),
  namespace('lr-max', injected),
  limitRange('lr-max', [{type: 'Container', max: {cpu: '1'}}]),
  namespace('lr-plain'),
  limitRange('lr-plain', [
    {type: 'Container', min: {memory: '64Mi'}, maxLimitRequestRatio: {cpu: '2'}},
    {type: 'Pod', max: {cpu: '500m'}},
  ]),
  namespace('lr-defaults', injected),
  limitRange('lr-defaults', [{type: 'Container', default: {cpu: '300m'}, defaultRequest: {cpu: '200m'}}]),
  quota('lr-defaults', 'needs-limits', {'limits.cpu': '10'}, {'limits.cpu': '0'}),
]

interface Case {
  name: string
  ns: string
  containers: Json[]
  status: number
  message?: string
}

const app = (r?: Json): Json => ({
  name: 'app',
  image: 'nginx:1.27',
  ...(r === undefined ? {} : {resources: r}),
})

const cases: Case[] = [
  {
    name: 'quota limits.cpu=1: app 100m + injected istio-proxy 2 exceed it (istio-init counted as an init step, not added)',
    ns: 'q-tight',
    containers: [app(resources('100m'))],
    status: 403,
    message:
      'pods "probe" is forbidden: exceeded quota: cpu-limits, requested: limits.cpu=2100m, used: limits.cpu=0, limited: limits.cpu=1',
  },
  {
    name: 'quota with usage: only the exceeded resources are listed, memory summed in binary units',
    ns: 'q-used',
    containers: [app(resources('100m', '512Mi'))],
    status: 403,
    message:
      'pods "probe" is forbidden: exceeded quota: compute, requested: limits.cpu=2100m,limits.memory=1536Mi, used: limits.cpu=3,limits.memory=1Gi, limited: limits.cpu=4,limits.memory=2Gi',
  },
  {
    name: 'quota pods=2 with two running pods stored: the third is refused (used counted from stored pods)',
    ns: 'q-pods',
    containers: [app(resources('100m'))],
    status: 403,
    message:
      'pods "probe" is forbidden: exceeded quota: pods, requested: pods=1, used: pods=2, limited: pods=2',
  },
  {
    name: 'quota on requests.cpu and limits.memory: a container without them must specify both',
    ns: 'q-plain',
    containers: [app(), {name: 'side', image: 'busybox', resources: {limits: {memory: '64Mi'}}}],
    status: 403,
    message:
      'pods "probe" is forbidden: failed quota: cpu: must specify limits.memory for: app; requests.cpu for: app,side',
  },
  {
    name: 'LimitRange max cpu 1 per Container: the injected proxy and init container (limit 2) are rejected',
    ns: 'lr-max',
    containers: [app(resources('100m'))],
    status: 403,
    message: 'pods "probe" is forbidden: maximum cpu usage per Container is 1, but limit is 2',
  },
  {
    name: 'LimitRange min, ratio and Pod max: every error, bracketed and comma-joined',
    ns: 'lr-plain',
    containers: [
      app({requests: {cpu: '100m', memory: '32Mi'}, limits: {cpu: '300m', memory: '32Mi'}}),
      app(resources('300m')),
    ].map((c, i) => ({...c, name: `c${i}`})),
    status: 403,
    message:
      'pods "probe" is forbidden: [minimum memory usage per Container is 64Mi, but request is 32Mi, cpu max limit to request ratio per Container is 2, but provided ratio is 3.000000, maximum cpu usage per Pod is 500m, but limit is 600m]',
  },
  {
    name: 'LimitRange defaults reach the app before injection, not the injected containers: quota then admits',
    ns: 'lr-defaults',
    containers: [app()],
    status: 201,
  },
  {
    name: 'a pod within every quota and LimitRange is admitted',
    ns: 'q-plain',
    containers: [app({requests: {cpu: '100m'}, limits: {memory: '64Mi'}})],
    status: 201,
  },
]

const post = (c: DiffCluster, ns: string, body: Json): Promise<{status: number; body: Json}> =>
  new Promise((resolve, reject) => {
    const req = https.request(
      `${c.api.url}/api/v1/namespaces/${ns}/pods?dryRun=All`,
      {
        method: 'POST',
        ca: c.api.caData,
        headers: {authorization: `Bearer ${c.api.token}`, 'content-type': 'application/json'},
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (d: Buffer) => chunks.push(d))
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Json,
          }),
        )
      },
    )
    req.on('error', reject)
    req.end(JSON.stringify(body))
  })

describe('the double enforces LimitRange and ResourceQuota on the injected pod', () => {
  let cluster: DiffCluster
  before(async () => {
    cluster = await startDiffCluster(objects, {defaultRevision: {mode: 'classic'}})
  })
  after(() => cluster.close())

  for (const c of cases)
    it(c.name, async () => {
      const answer = await post(cluster, c.ns, {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {name: 'probe'},
        spec: {containers: c.containers},
      })
      assert.equal(answer.status, c.status, JSON.stringify(answer.body))
      if (c.message !== undefined) {
        assert.equal(answer.body.message, c.message)
        assert.deepEqual(answer.body.details, {name: 'probe', kind: 'pods'})
        assert.equal(answer.body.reason, 'Forbidden')
      }
    })

  it('LimitRange defaults are recorded on the pod as the kubernetes.io/limit-ranger annotation, for the app only', async () => {
    const answer = await post(cluster, 'lr-defaults', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {name: 'probe'},
      spec: {containers: [app()]},
    })
    assert.equal(answer.status, 201)
    assert.equal(
      answer.body.metadata.annotations['kubernetes.io/limit-ranger'],
      'LimitRanger plugin set: cpu request for container app; cpu limit for container app',
    )
    const proxy = (answer.body.spec.containers as Json[]).find((x) => x.name === 'istio-proxy')
    assert.equal(proxy?.resources.limits.cpu, '2', 'the injected proxy keeps its own limit')
  })
})
