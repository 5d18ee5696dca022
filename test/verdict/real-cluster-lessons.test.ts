// What the real API server taught the verdicts (test/real-cluster/failures.test.ts): an ExternalName istiod Service has
// no endpoints to look at, and failurePolicy Ignore admits a pod without a sidecar and without an event.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {evaluatePod, evaluateWorkload} from '../../src/core/verdict/evaluate.js'
import type {ClusterSnapshot} from '../../src/core/snapshot.js'
import {editInjectorWebhooks, istioFixture, snapshotFrom} from '../health/fixture-snapshot.js'

const defaultInstall = istioFixture('default-1.28.yaml')

const externalIstiod = `
apiVersion: v1
kind: Service
metadata: {name: istiod, namespace: istio-system}
spec: {type: ExternalName, externalName: localhost, ports: [{name: https-webhook, port: 443}]}
`

const shop = `
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {istio-injection: enabled}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop, uid: d-1}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: app, image: nginx}]}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: web-54cb9f4f5f
  namespace: shop
  labels: {app: web, pod-template-hash: 54cb9f4f5f}
  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: web, uid: d-1, controller: true}]
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web, pod-template-hash: 54cb9f4f5f}}
    spec: {containers: [{name: app, image: nginx}]}
`

// Recorded by kube-apiserver v1.37.2 with the injector stopped behind the ExternalName Service.
const refused = `
apiVersion: v1
kind: Event
metadata: {name: web-54cb9f4f5f.1, namespace: shop}
involvedObject: {kind: ReplicaSet, name: web-54cb9f4f5f, namespace: shop}
reason: FailedCreate
type: Warning
count: 9
lastTimestamp: "2026-12-06T14:15:44Z"
message: 'Error creating: Internal error occurred: failed calling webhook "namespace.sidecar-injector.istio.io": failed to call webhook: Post "https://istiod.istio-system.svc:443/inject?timeout=10s": dial tcp 127.0.0.1:443: connect: connection refused'
`

const runningWithoutSidecar = `
apiVersion: v1
kind: Pod
metadata:
  name: web-54cb9f4f5f-hfts9
  namespace: shop
  labels: {app: web, pod-template-hash: 54cb9f4f5f}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-54cb9f4f5f, uid: r-1, controller: true}]
spec: {containers: [{name: app, image: nginx}]}
status: {phase: Running}
`

const at = new Date('2026-12-06T14:16:00Z')

const workload = (snapshot: ClusterSnapshot) => {
  const found = snapshot.workloads.find((w) => w.kind === 'Deployment' && w.name === 'web')
  assert.ok(found)
  return found
}

describe('an ExternalName istiod Service (the API server dials externalName:port)', () => {
  const scenarios = [
    {
      name: 'without FailedCreate events the webhook is not judged broken: no targetPort or endpoints apply',
      objects: [externalIstiod, shop].join('---'),
      blocked: false,
    },
    {
      name: 'a real connection-refused event still blocks, and the fix names the Service, not EndpointSlices',
      objects: [externalIstiod, shop, refused].join('---'),
      blocked: true,
    },
  ]
  for (const s of scenarios) {
    it(s.name, () => {
      const snapshot = snapshotFrom(
        [defaultInstall],
        s.objects,
        [],
        ['EndpointSlice/istio-system/istiod-lr7jg'],
      )
      const v = evaluateWorkload(snapshot, workload(snapshot), {at})
      assert.equal(v.outcome, 'Inject')
      assert.equal(
        v.findings.some((f) => f.code === 'WebhookBlocksCreation'),
        s.blocked,
        v.findings.map((f) => `${f.code}: ${f.message}`).join('\n'),
      )
      assert.ok(!v.actions.some((a) => a.includes('endpointslices')), v.actions.join('\n'))
      if (s.blocked)
        assert.ok(v.actions.some((a) => a.includes('kubectl get service istiod -n istio-system -o yaml')))
    })
  }
})

describe('a pod running without a sidecar under an injector webhook', () => {
  const scenarios = [
    {
      name: 'failurePolicy Ignore: the restart finding says why a pod may have been admitted bare',
      policy: 'Ignore',
    },
    {name: 'failurePolicy Fail: the restart finding is plain', policy: 'Fail'},
  ] as const
  for (const s of scenarios) {
    it(s.name, () => {
      const snapshot = editInjectorWebhooks(
        snapshotFrom([defaultInstall], [shop, runningWithoutSidecar].join('---')),
        (w) => ({...w, failurePolicy: s.policy}),
      )
      const pod = snapshot.pods.find((p) => p.name === 'web-54cb9f4f5f-hfts9')
      assert.ok(pod)
      const restart = evaluatePod(snapshot, pod, {at}).findings.find((f) => f.code === 'NeedsRestart')
      assert.ok(restart)
      if (s.policy === 'Ignore')
        assert.match(
          restart.message,
          /istio-sidecar-injector\/namespace\.sidecar-injector\.istio\.io has failurePolicy Ignore, so a pod created while istiod did not answer was admitted without a sidecar and without an event/,
        )
      else assert.doesNotMatch(restart.message, /failurePolicy/)
    })
  }
})
