// The live source reads what verdicts use (FailedCreate events, controllers they name, Jobs of pods) with bounded requests.
import {after, before, describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {startApiServer, type ApiServerDouble} from '../apiserver-double/index.js'
import {resolveConnection} from '../../src/cluster/kubeconfig.js'
import {controllerReadLimit, openLiveConnection, readLiveSnapshot} from '../../src/cluster/live-source.js'
import type {LiveReadOptions} from '../../src/cluster/live-source.js'
import type {TargetSpec} from '../../src/core/target-spec.js'
import {blockedWorkloads, evaluateTarget} from '../../src/core/verdict/targets.js'

const owner = (apiVersion: string, kind: string, name: string) => [
  {apiVersion, kind, name, controller: true, uid: `uid-${name}`},
]
const template = (app: string) => ({
  metadata: {labels: {app}},
  spec: {containers: [{name: app, image: `pay/${app}:1`}]},
})
const deployment = (name: string) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {name, namespace: 'pay'},
  spec: {replicas: 1, selector: {matchLabels: {app: name}}, template: template(name)},
})
const replicaSet = (deploymentName: string, hash: string) => ({
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  metadata: {
    name: `${deploymentName}-${hash}`,
    namespace: 'pay',
    labels: {app: deploymentName, 'pod-template-hash': hash},
    ownerReferences: owner('apps/v1', 'Deployment', deploymentName),
  },
  spec: {replicas: 1, selector: {matchLabels: {app: deploymentName}}, template: template(deploymentName)},
})
const failedCreate = (kind: string, name: string, index = 0) => ({
  apiVersion: 'v1',
  kind: 'Event',
  metadata: {name: `${name}.${index}`, namespace: 'pay', uid: `event-${name}-${index}`},
  involvedObject: {apiVersion: 'apps/v1', kind, name, namespace: 'pay'},
  reason: 'FailedCreate',
  type: 'Warning',
  count: 3,
  message: `Error creating: Internal error occurred: failed calling webhook "namespace.sidecar-injector.istio.io": failed to call webhook: Post "https://istiod.istio-system.svc:443/inject?timeout=10s": no endpoints available for service "istiod"`,
})
const webhook = {
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'MutatingWebhookConfiguration',
  metadata: {name: 'istio-sidecar-injector', labels: {'istio.io/rev': 'default'}},
  webhooks: [
    {
      name: 'namespace.sidecar-injector.istio.io',
      clientConfig: {service: {name: 'istiod', namespace: 'istio-system', path: '/inject', port: 443}},
      rules: [{operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods']}],
      namespaceSelector: {matchLabels: {'istio-injection': 'enabled'}},
      failurePolicy: 'Fail',
      sideEffects: 'None',
      admissionReviewVersions: ['v1'],
    },
  ],
}
const jobPod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name: 'nightly-29402520-abcde',
    namespace: 'pay',
    labels: {'job-name': 'nightly-29402520'},
    ownerReferences: owner('batch/v1', 'Job', 'nightly-29402520'),
  },
  spec: {containers: [{name: 'batch', image: 'pay/batch:1'}]},
  status: {phase: 'Succeeded'},
}
const job = {
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: {
    name: 'nightly-29402520',
    namespace: 'pay',
    ownerReferences: owner('batch/v1', 'CronJob', 'nightly'),
  },
  spec: {template: template('batch')},
}
const cronJob = {
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  metadata: {name: 'nightly', namespace: 'pay'},
  spec: {schedule: '0 2 * * *', jobTemplate: {spec: {template: template('batch')}}},
}

const baseObjects = [
  {apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'pay', labels: {'istio-injection': 'enabled'}}},
  {apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'istio-system'}},
  webhook,
  {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {name: 'istio-sidecar-injector', namespace: 'istio-system'},
    data: {config: 'policy: enabled'},
  },
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {name: 'istiod', namespace: 'istio-system'},
    spec: {ports: [{name: 'https-webhook', port: 443, targetPort: 15017}]},
  },
  deployment('fraud'),
  replicaSet('fraud', '84f6d9c7b5'),
  failedCreate('ReplicaSet', 'fraud-84f6d9c7b5'),
  // Events outlive their objects: a deleted ReplicaSet is neither a row nor a gap.
  failedCreate('ReplicaSet', 'gone-5c5c5c5c5c'),
  jobPod,
  job,
  cronJob,
]

describe('live reads of verdict evidence', () => {
  let server: ApiServerDouble
  before(async () => {
    server = await startApiServer({objects: baseObjects})
  })
  after(async () => {
    assert.deepEqual(server.writes(), [], 'the live source never writes')
    await server.close()
  })

  const read = async (target: TargetSpec, options: LiveReadOptions = {}) => {
    server.requests.length = 0
    const connection = await resolveConnection({kubeconfig: server.writeKubeconfig(), env: {}})
    const live = openLiveConnection(connection, {timeoutMs: 5000})
    try {
      return await readLiveSnapshot(live, target, {}, options)
    } finally {
      live.transport.close()
    }
  }
  const paths = () => server.requests.map((r) => r.path).sort()

  it('a sweep GETs the controllers FailedCreate events name, and their Deployment: a 0-pod workload becomes a row', async () => {
    const snapshot = await read({kind: 'sweep', namespace: 'pay'})
    const gets = paths().filter((p) => /\/(replicasets|deployments|jobs|cronjobs)\//.test(p))
    assert.deepEqual(gets, [
      '/apis/apps/v1/namespaces/pay/deployments/fraud',
      '/apis/apps/v1/namespaces/pay/replicasets/fraud-84f6d9c7b5',
      '/apis/apps/v1/namespaces/pay/replicasets/gone-5c5c5c5c5c',
    ])
    // pods (1 page), namespace, MWCs, ConfigMaps, Services, EndpointSlices, events, one list per owner kind (the pod's
    // Job and CronJob come from those) + 3 blocked-controller GETs (ReplicaSets and their Deployment) + 5 lists for
    // admission after injection (quotas, LimitRanges, validating webhooks, policies, bindings).
    assert.equal(server.requests.length, 7 + 5 + 3 + 5)
    assert.deepEqual(snapshot.gaps, [], 'a deleted controller is not a gap')
    assert.deepEqual(
      blockedWorkloads(snapshot, {namespace: 'pay'}).map((w) => `${w.kind}/${w.name}`),
      ['Deployment/fraud'],
    )
    const evaluation = evaluateTarget(snapshot, {kind: 'sweep', namespace: 'pay'})
    assert.ok(evaluation.ok)
    assert.deepEqual(
      evaluation.verdicts.map((v) => `${v.target.kind}/${v.target.name}`),
      ['Deployment/fraud', 'Pod/nightly-29402520-abcde'],
    )
  })

  it('a Job-owned pod in a sweep is lifted to its CronJob, as offline input with the Job is', async () => {
    const snapshot = await read({kind: 'sweep', namespace: 'pay'})
    assert.deepEqual(snapshot.pods.find((p) => p.name === jobPod.metadata.name)?.owner, {
      kind: 'CronJob',
      name: 'nightly',
    })
  })

  it('a sweep in another namespace reads none of those controllers', async () => {
    await read({kind: 'sweep', namespace: 'istio-system'})
    assert.ok(
      paths().every((p) => !/\/(replicasets|deployments|jobs)\/[^/]+$/.test(p)),
      paths().join('\n'),
    )
  })

  it(`more than ${controllerReadLimit} blocked controllers: one list per kind instead of a GET each`, async () => {
    const extra = Array.from({length: controllerReadLimit + 1}, (_, i) =>
      failedCreate('ReplicaSet', `burst-${String(i).padStart(3, '0')}`),
    )
    server.addObjects(extra)
    try {
      const snapshot = await read({kind: 'sweep', namespace: 'pay'})
      const controllerReads = paths().filter((p) => /replicasets|deployments/.test(p))
      assert.deepEqual(controllerReads, [
        '/apis/apps/v1/namespaces/pay/deployments',
        '/apis/apps/v1/namespaces/pay/replicasets',
      ])
      assert.deepEqual(
        blockedWorkloads(snapshot, {namespace: 'pay'}).map((w) => `${w.kind}/${w.name}`),
        ['Deployment/fraud'],
      )
    } finally {
      for (const event of extra) server.removeObject('Event', 'pay', event.metadata.name)
    }
  })

  it('--collect (owners): a sweep lists every owner kind in scope', async () => {
    const snapshot = await read({kind: 'sweep', namespace: 'pay'}, {owners: true})
    for (const kind of ['cronjobs', 'daemonsets', 'deployments', 'jobs', 'replicasets', 'statefulsets']) {
      assert.ok(
        paths().some((p) => p.endsWith(`/namespaces/pay/${kind}`)),
        `${kind} listed:\n${paths().join('\n')}`,
      )
    }
    assert.deepEqual(snapshot.workloads.map((w) => `${w.kind}/${w.name}`).sort(), [
      'CronJob/nightly',
      'Deployment/fraud',
      'Job/nightly-29402520',
      'ReplicaSet/fraud-84f6d9c7b5',
    ])
  })

  it('--collect (owners): one pod reads its controller and the controller’s owner', async () => {
    const captured: string[] = []
    await read(
      {kind: 'pod', namespace: 'pay', name: jobPod.metadata.name},
      {
        owners: true,
        onRaw: (object, kind) =>
          captured.push(`${kind}/${String((object.metadata as {name?: unknown}).name)}`),
      },
    )
    assert.ok(captured.includes('Job/nightly-29402520'), captured.join(', '))
    assert.ok(captured.includes('CronJob/nightly'), captured.join(', '))
  })
})
