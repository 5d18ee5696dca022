// Projection: raw objects → PodFacts/WorkloadFacts with owners, native sidecars, and `object` kept only for CEL.
import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {fileURLToPath} from 'node:url'
import {readFileSnapshot} from '../../src/cluster/file-source.js'
import {
  buildSnapshot,
  deploymentOfReplicaSet,
  projectPod,
  projectWorkload,
} from '../../src/cluster/projection.js'
import {parseDocuments} from '../../src/cluster/yaml-documents.js'

const fixture = (name: string) => fileURLToPath(new URL(`fixtures/${name}`, import.meta.url))
const files = {kind: 'files', paths: ['test']} as const

const webhookWith = (matchConditions: unknown[] | undefined) => ({
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'MutatingWebhookConfiguration',
  metadata: {name: 'istio-sidecar-injector'},
  webhooks: [
    {
      name: 'namespace.sidecar-injector.istio.io',
      clientConfig: {service: {name: 'istiod', namespace: 'istio-system'}},
      ...(matchConditions === undefined ? {} : {matchConditions}),
    },
  ],
})

const pod = parseDocuments(
  `apiVersion: v1
kind: Pod
metadata:
  name: api-0
  namespace: shop
  managedFields: [{manager: kubectl}]
spec:
  containers: [{name: api, image: shop/api:1}]
`,
  'inline.yaml',
)[0]

describe('projection', () => {
  it('derives the Deployment of a ReplicaSet pod from pod-template-hash', async () => {
    const snapshot = await readFileSnapshot([fixture('cluster-list.yaml')])
    const web = snapshot.pods.find((p) => p.name.startsWith('web-'))!
    assert.deepEqual(web.controller, {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      name: 'web-7d4b9c8f6d',
      controller: true,
      uid: '0b0c1d2e-0000-4000-8000-000000000001',
    })
    assert.deepEqual(web.owner, {kind: 'Deployment', name: 'web'})
  })

  it('keeps the ReplicaSet as owner when its name does not end with the pod-template-hash', async () => {
    const snapshot = await readFileSnapshot([fixture('pods-list.json')])
    assert.deepEqual(snapshot.pods.find((p) => p.name === 'legacy-abc12')!.owner, {
      kind: 'ReplicaSet',
      name: 'legacy-abc12',
    })
    assert.deepEqual(snapshot.pods.find((p) => p.name === 'db-0')!.owner, {kind: 'StatefulSet', name: 'db'})
    assert.equal(deploymentOfReplicaSet('web-abc', 'abc'), 'web')
    assert.equal(deploymentOfReplicaSet('-abc', 'abc'), undefined)
  })

  it('lifts a Job-owned pod to its CronJob when the Job object is present, and not otherwise', async () => {
    const withJob = await readFileSnapshot([fixture('cluster-list.yaml')])
    assert.deepEqual(withJob.pods.find((p) => p.name.startsWith('report-'))!.owner, {
      kind: 'CronJob',
      name: 'report',
    })
    const list = parseDocuments(`kind: List\nitems: []\n`, 'x')[0]
    const withoutJob = buildSnapshot(
      [
        {object: list, source: 'x'},
        {
          object: {
            apiVersion: 'v1',
            kind: 'Pod',
            metadata: {
              name: 'r-1',
              namespace: 'shop',
              ownerReferences: [{kind: 'Job', name: 'r', controller: true}],
            },
          },
          source: 'x',
        },
      ],
      files,
    )
    assert.deepEqual(withoutJob.pods[0]!.owner, {kind: 'Job', name: 'r'})
  })

  it('keeps restartPolicy of init containers (native sidecars) and drops it from regular containers', async () => {
    const snapshot = await readFileSnapshot([fixture('cluster-list.yaml')])
    const web = snapshot.pods.find((p) => p.name.startsWith('web-'))!
    assert.deepEqual(web.initContainers, [
      {name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.26.1', restartPolicy: 'Always'},
      {name: 'migrate', image: 'shop/migrate:1.0'},
    ])
    assert.deepEqual(web.containers, [{name: 'web', image: 'shop/web:2.3'}])
    assert.equal(web.nodeName, 'node-a')
    assert.equal(web.phase, 'Running')
  })

  const objectScenarios = [
    {name: 'no webhook has matchConditions → pods are compact', conditions: undefined, kept: false},
    {name: 'an empty matchConditions list → pods are compact', conditions: [], kept: false},
    {
      name: 'a webhook has matchConditions → pods keep their object',
      conditions: [{name: 'not-kube-system', expression: 'true'}],
      kept: true,
    },
  ]
  for (const scenario of objectScenarios) {
    it(`object: ${scenario.name}`, () => {
      // Pod before the webhook in the input: the decision must not depend on order.
      const snapshot = buildSnapshot(
        [
          {object: pod, source: 'a.yaml'},
          {object: {kind: 'List', items: [webhookWith(scenario.conditions)]}, source: 'b.yaml'},
        ],
        files,
      )
      assert.equal(snapshot.pods[0]!.object !== undefined, scenario.kept)
      if (scenario.kept) {
        const metadata = snapshot.pods[0]!.object!.metadata as Record<string, unknown>
        assert.equal(metadata.name, 'api-0')
        assert.equal('managedFields' in metadata, false)
      }
    })
  }

  it('projects a CronJob template from spec.jobTemplate.spec.template with the workload namespace', () => {
    const cron = parseDocuments(
      `apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly, namespace: batch}
spec:
  jobTemplate:
    spec:
      template:
        metadata: {labels: {sidecar.istio.io/inject: "false"}}
        spec: {containers: [{name: run, image: shop/nightly:2}]}
`,
      'cron.yaml',
    )[0]
    const workload = projectWorkload(cron)!
    assert.equal(workload.template.kind, 'PodTemplate')
    assert.equal(workload.template.namespace, 'batch')
    assert.deepEqual(workload.template.labels, {'sidecar.istio.io/inject': 'false'})
    assert.deepEqual(workload.template.containers, [{name: 'run', image: 'shop/nightly:2'}])
    assert.deepEqual(workload.template.owner, {kind: 'CronJob', name: 'nightly'})
  })

  it('projects a ReplicaSet owned by a Deployment with the Deployment as the template owner', () => {
    const rs = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: 'web-5f6',
        namespace: 'shop',
        ownerReferences: [{kind: 'Deployment', name: 'web', controller: true}],
      },
      spec: {replicas: 2, template: {metadata: {labels: {app: 'web'}}, spec: {containers: [{name: 'web'}]}}},
      status: {readyReplicas: 1},
    }
    const workload = projectWorkload(rs)!
    assert.deepEqual(workload.template.owner, {kind: 'Deployment', name: 'web'})
    assert.equal(workload.replicas, 2)
    assert.equal(workload.readyReplicas, 1)
  })

  it('reads services, endpoint slices, core and events.k8s.io events, and nodes', () => {
    const snapshot = buildSnapshot(
      [
        {
          object: {
            kind: 'List',
            items: [
              {
                apiVersion: 'v1',
                kind: 'Service',
                metadata: {name: 'istiod', namespace: 'istio-system'},
                spec: {
                  selector: {app: 'istiod'},
                  ports: [{name: 'https-webhook', port: 443, targetPort: 15017}],
                },
              },
              {
                apiVersion: 'discovery.k8s.io/v1',
                kind: 'EndpointSlice',
                metadata: {
                  name: 'istiod-x1',
                  namespace: 'istio-system',
                  labels: {'kubernetes.io/service-name': 'istiod'},
                },
                ports: [{name: 'https-webhook', port: 15017}],
                endpoints: [
                  {
                    addresses: ['10.0.0.5'],
                    conditions: {ready: false},
                    targetRef: {kind: 'Pod', name: 'istiod-abc'},
                  },
                  {addresses: ['10.0.0.6'], conditions: {}},
                ],
              },
              {
                apiVersion: 'v1',
                kind: 'Event',
                metadata: {name: 'e1', namespace: 'shop'},
                involvedObject: {kind: 'ReplicaSet', name: 'web-1', namespace: 'shop'},
                reason: 'FailedCreate',
                message: 'Internal error occurred: failed calling webhook',
                count: 4,
              },
              {
                apiVersion: 'events.k8s.io/v1',
                kind: 'Event',
                metadata: {name: 'e2', namespace: 'shop'},
                regarding: {kind: 'ReplicaSet', name: 'web-2'},
                reason: 'FailedCreate',
                note: 'context deadline exceeded',
              },
              {
                apiVersion: 'v1',
                kind: 'Node',
                metadata: {name: 'node-a'},
                status: {nodeInfo: {kubeletVersion: 'v1.33.1'}},
              },
            ],
          },
          source: 'bundle',
        },
      ],
      files,
    )
    assert.deepEqual(snapshot.services[0]!.ports, [{name: 'https-webhook', port: 443, targetPort: 15017}])
    assert.deepEqual(snapshot.endpointSlices[0]!.serviceName, 'istiod')
    assert.deepEqual(
      snapshot.endpointSlices[0]!.endpoints.map((e) => [e.addresses[0], e.ready, e.targetPod]),
      [
        ['10.0.0.5', false, 'istiod-abc'],
        ['10.0.0.6', true, undefined],
      ],
    )
    assert.deepEqual(
      snapshot.events.map((e) => [e.involvedObject.name, e.message]),
      [
        ['web-1', 'Internal error occurred: failed calling webhook'],
        ['web-2', 'context deadline exceeded'],
      ],
    )
    assert.deepEqual(snapshot.nodes, [{name: 'node-a', kubeletVersion: 'v1.33.1'}])
  })

  it('defaults the namespace of a namespace-less manifest pod and marks it as a template', () => {
    const facts = projectPod(
      {kind: 'Pod', metadata: {generateName: 'job-'}, spec: {containers: []}},
      {kind: 'PodTemplate', defaultNamespace: 'team-a'},
    )!
    assert.equal(facts.namespace, 'team-a')
    assert.equal(facts.name, 'job-')
    assert.equal(facts.kind, 'PodTemplate')
  })
})
