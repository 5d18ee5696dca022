// Evidence has an age: a FailedCreate names its workload at its time, judged against the snapshot's time; other
// workloads are at risk only when the webhook's health shows it down; status, findings and summary agree.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {parseKubectlAge} from '../../src/cluster/events-table.js'
import {evidenceAgeSeconds, snapshotTime} from '../../src/core/health/evidence-age.js'
import {assessHealth} from '../../src/core/health/health-report.js'
import type {ClusterSnapshot} from '../../src/core/snapshot.js'
import {evaluateRequest} from '../../src/core/verdict/targets.js'
import type {Verdict} from '../../src/core/verdict/verdict.js'
import {clusterFixture, istioFixture, snapshotFrom} from './fixture-snapshot.js'

// webhook-failure.yaml: ReplicaSet shop/checkout-5d4b8c7f9's FailedCreate (timeout), last at 16:31:12Z; istiod is Ready.
const eventAt = Date.parse('2026-11-25T16:31:12Z')
const minutesAfter = (m: number): Date => new Date(eventAt + m * 60_000)

const otherDeployment = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: cart, namespace: shop}
spec:
  selector: {matchLabels: {app: cart}}
  template:
    metadata: {labels: {app: cart}}
    spec: {containers: [{name: app, image: cart:1}]}
`
const noReadyEndpoints = `
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: istiod-lr7jg, namespace: istio-system, labels: {kubernetes.io/service-name: istiod}}
addressType: IPv4
endpoints: [{addresses: [10.0.0.9], conditions: {ready: false}}]
ports: [{name: https-webhook, port: 15017, protocol: TCP}]
`

const withConditions = (extra = ''): ClusterSnapshot =>
  snapshotFrom(
    [istioFixture('default-1.28.yaml'), clusterFixture('webhook-failure.yaml')],
    `${otherDeployment}${extra}`,
  )

// The events alone: the ReplicaSet's ReplicaFailure condition (current by nature) taken out.
const cluster = (extra = ''): ClusterSnapshot => {
  const s = withConditions(extra)
  return {...s, workloads: s.workloads.map(({replicaFailure: _, ...w}) => w)}
}

const workload = (snapshot: ClusterSnapshot, name: string, at: Date): Verdict => {
  const r = evaluateRequest(
    snapshot,
    {target: {kind: 'workload', workloadKind: 'Deployment', namespace: 'shop', name}, manifests: undefined},
    {at},
  )
  assert.ok(r.ok)
  const [verdict] = r.verdicts
  assert.ok(verdict !== undefined)
  return verdict
}

const blocked = (v: Verdict): boolean => v.findings.some((f) => f.code === 'WebhookBlocksCreation')

describe('a FailedCreate is evidence about its own workload, at its time', () => {
  const scenarios = [
    {name: '14 minutes after the event: checkout is being rejected', minutes: 14, checkout: true},
    {name: '59 minutes after: still within the retry window', minutes: 59, checkout: true},
    {
      name: '3 hours after: the event is history, checkout is not called rejected',
      minutes: 180,
      checkout: false,
    },
  ] as const
  for (const s of scenarios) {
    it(s.name, () => {
      assert.equal(blocked(workload(cluster(), 'checkout', minutesAfter(s.minutes))), s.checkout)
    })
  }

  it('3 hours after the event, a ReplicaFailure condition still on the ReplicaSet keeps checkout rejected', () => {
    assert.equal(blocked(workload(withConditions(), 'checkout', minutesAfter(180))), true)
  })

  it('with every event expired, the ReplicaFailure condition alone is the evidence', () => {
    const v = workload({...withConditions(), events: []}, 'checkout', minutesAfter(180))
    assert.equal(blocked(v), true)
    assert.match(
      v.findings.find((f) => f.code === 'WebhookBlocksCreation')?.message ?? '',
      /ReplicaFailure condition/,
    )
  })

  it("another workload the same webhook selects is not rejected because of checkout's event", () => {
    assert.equal(blocked(workload(cluster(), 'cart', minutesAfter(5))), false)
  })

  it('it is at risk when health shows the webhook down (istiod has no ready endpoints)', () => {
    assert.equal(blocked(workload(cluster(noReadyEndpoints), 'cart', minutesAfter(5))), true)
  })

  it('a brand-new manifest is not rejected because of another workload’s event', () => {
    const snapshot = cluster()
    const template = snapshot.workloads.find((w) => w.name === 'cart')
    assert.ok(template !== undefined)
    const r = evaluateRequest(
      snapshot,
      {
        target: undefined,
        manifests: {pods: [], workloads: [{...template, name: 'brand-new', source: 'new.yaml'}]},
      },
      {at: minutesAfter(5)},
    )
    assert.ok(r.ok)
    assert.equal(r.verdicts.some(blocked), false)
  })
})

describe('webhook status, findings and summary never contradict each other', () => {
  it('recent call failures make the configuration Failing even when its service chain looks healthy', () => {
    const report = assessHealth(cluster(), [], minutesAfter(10))
    const configuration = report.configurations.find((c) => c.configuration === 'istio-sidecar-injector')
    assert.equal(configuration?.state, 'Failing')
    assert.match(configuration?.reason ?? '', /calls fail: WebhookCallTimeout for 1 controller/)
    assert.equal(report.state, 'Failing')
    assert.doesNotMatch(report.summary, /healthy/)
    assert.ok(report.findings.some((f) => f.code === 'WebhookCallTimeout' && f.severity === 'Error'))
  })

  it('old failures are history: an Info finding, a healthy webhook, and the summary says so', () => {
    const report = assessHealth(cluster(), [], minutesAfter(180))
    assert.equal(report.configurations[0]?.state, 'Healthy')
    assert.equal(report.state, 'Healthy')
    const finding = report.findings.find((f) => f.code === 'WebhookCallTimeout')
    assert.equal(finding?.severity, 'Info')
    assert.match(finding?.detail ?? '', /^history: 1 event.*, last 3h before the snapshot/)
    assert.match(report.summary, /^webhooks: 1 healthy; 1 older FailedCreate event \(history\)$/)
  })
})

describe("the snapshot's time", () => {
  const base = cluster()
  it('a recorded collection time wins', () => {
    assert.equal(
      snapshotTime({...base, takenAt: '2026-11-26T00:00:00Z'}, new Date(0)).toISOString(),
      '2026-11-26T00:00:00.000Z',
    )
  })
  it('without one, the newest event bounds it (a bundle read days later)', () => {
    assert.equal(snapshotTime(base, new Date('2030-01-01T00:00:00Z')).getTime(), eventAt)
  })
  it('without events, the clock', () => {
    const clock = new Date('2030-01-01T00:00:00Z')
    assert.equal(snapshotTime({...base, events: []}, clock), clock)
  })
  it('a relative age (kubectl get events LAST SEEN) is an age at the snapshot time', () => {
    assert.equal(
      evidenceAgeSeconds({ageSeconds: 300, lastTimestamp: '2000-01-01T00:00:00Z'}, new Date()),
      300,
    )
  })
})

describe("kubectl's LAST SEEN ages", () => {
  const cases: readonly [string, number | undefined][] = [
    ['45s', 45],
    ['5m', 300],
    ['3h10m', 11_400],
    ['2d4h', 187_200],
    ['3y', 94_608_000],
    ['<unknown>', undefined],
    ['5 minutes', undefined],
  ]
  for (const [text, seconds] of cases)
    it(`${text} → ${String(seconds)}`, () => assert.equal(parseKubectlAge(text), seconds))
})
