import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {assessWebhooks} from '../../src/core/health/webhook-health.js'
import {buildRestartPlan, restartCandidatesFromVerdicts} from '../../src/core/health/restart-plan.js'
import type {Verdict} from '../../src/core/verdict/verdict.js'
import {istioFixture, snapshotFrom} from './fixture-snapshot.js'
import {podVerdict} from './verdict-fixtures.js'

const healthyOnly: Verdict = {...podVerdict('shop', 'ok-1', {kind: 'Deployment', name: 'ok'}), findings: []}

const verdicts: readonly Verdict[] = [
  podVerdict(
    'istio-system',
    'istio-ingressgateway-6d9f-abcde',
    {kind: 'Deployment', name: 'istio-ingressgateway'},
    'StaleProxy',
  ),
  podVerdict('shop', 'cart-0', {kind: 'StatefulSet', name: 'cart'}),
  podVerdict('shop', 'web-7d9c4b6f5d-a1', {kind: 'Deployment', name: 'web'}),
  podVerdict('shop', 'web-7d9c4b6f5d-b2', {kind: 'Deployment', name: 'web'}),
  podVerdict('shop', 'debug-shell', undefined),
  podVerdict('shop', 'node-agent-x1', {kind: 'DaemonSet', name: 'node-agent'}, 'RevisionDrift'),
  podVerdict('analytics', 'etl-28512345-q8', {kind: 'CronJob', name: 'etl'}),
  podVerdict('analytics', 'api-5c8-aa', {kind: 'Deployment', name: 'api'}),
  podVerdict('payments', 'gateway-7f-aa', {kind: 'Deployment', name: 'payments-gateway'}),
  healthyOnly,
]

describe('buildRestartPlan', () => {
  const plan = buildRestartPlan(restartCandidatesFromVerdicts(verdicts), {criticalNamespaces: ['payments']})
  const order = plan.steps.map((s) => `${s.namespace}:${s.target.kind}/${s.target.name}`)

  it('orders namespaces alphabetically, critical ones after the rest, gateways last of all', () => {
    assert.deepEqual(order, [
      'analytics:Deployment/api',
      'analytics:CronJob/etl',
      'shop:Deployment/web',
      'shop:StatefulSet/cart',
      'shop:DaemonSet/node-agent',
      'shop:Pod/debug-shell',
      'istio-system:Deployment/istio-ingressgateway',
      'payments:Deployment/payments-gateway',
    ])
  })

  it('groups the pods of one Deployment into one rollout restart, followed by a status wait', () => {
    const web = plan.steps.find((s) => s.target.name === 'web')
    assert.deepEqual(web?.pods, ['web-7d9c4b6f5d-a1', 'web-7d9c4b6f5d-b2'])
    assert.deepEqual(web?.commands, [
      'kubectl rollout restart deployment/web -n shop',
      'kubectl rollout status deployment/web -n shop --timeout=10m',
    ])
  })

  it('deletes a bare pod only with a warning that it will not come back', () => {
    const bare = plan.steps.find((s) => s.target.kind === 'Pod')
    assert.equal(bare?.action, 'RecreatePod')
    assert.ok(bare?.commands.includes('kubectl delete pod debug-shell -n shop'))
    assert.match(bare?.warning ?? '', /does not come back/)
  })

  it('does not restart Job pods but offers a CronJob re-run', () => {
    const etl = plan.steps.find((s) => s.target.name === 'etl')
    assert.equal(etl?.action, 'RerunJob')
    assert.deepEqual(etl?.commands, ['kubectl create job etl-reinject --from=cronjob/etl -n analytics'])
  })

  it('counts workloads, pods, namespaces and unmanaged pods, and is not blocked without webhook problems', () => {
    assert.deepEqual(plan.counts, {workloads: 7, pods: 9, namespaces: 4, unmanagedPods: 1})
    assert.equal(plan.blocked, false)
    assert.ok(plan.steps.every((s) => s.blockedBy.length === 0))
  })

  it('puts the webhook fix first and marks every restart blocked when the injector has no ready endpoints', () => {
    const broken = snapshotFrom(
      [istioFixture('default-1.28.yaml')],
      `
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: istiod-lr7jg, namespace: istio-system, labels: {kubernetes.io/service-name: istiod}}
addressType: IPv4
endpoints: []
ports: [{name: https-webhook, port: 15017, protocol: TCP}]
`,
    )
    const blocked = buildRestartPlan(restartCandidatesFromVerdicts(verdicts), {
      webhooks: assessWebhooks(broken, new Date('2026-12-01T00:00:00Z')),
    })
    assert.equal(blocked.blocked, true)
    assert.equal(blocked.steps[0]?.action, 'FixWebhook')
    assert.equal(blocked.steps[0]?.target.name, 'istio-sidecar-injector')
    assert.ok(blocked.steps[0]?.codes.includes('WebhookNoReadyEndpoints'))
    assert.ok(blocked.steps.slice(1).every((s) => s.blockedBy.includes('istio-sidecar-injector')))
  })
})
