// --health forensics for pods rejected after injection by platforms and policy engines: FailedCreate events and
// ReplicaSet ReplicaFailure conditions with the reference notes' texts (post-injection-admission.md §3) get their own
// codes and fixes, tied to the controller, and are not mistaken for a failing (or denying) Istio webhook.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {classifyAdmissionRejections, classifyCreateFailures} from '../../src/core/health/failure-events.js'
import {assessHealth} from '../../src/core/health/health-report.js'
import type {EventFacts, WorkloadFacts} from '../../src/core/snapshot.js'
import {istioFixture, snapshotFrom} from './fixture-snapshot.js'

const now = new Date('2026-11-25T16:45:00Z')

const texts = {
  scc: 'pods "web-7d4b9c-" is forbidden: unable to validate against any security context constraint: [capabilities.add: Invalid value: "NET_ADMIN": capability may not be added, runAsUser: Invalid value: 1337: must be in the ranges: [1000280000, 1000289999]]',
  warden:
    'admission webhook "warden-validating.common-webhooks.networking.gke.io" denied the request: GKE Warden rejected the request because it violates one or more constraints. Violations details: {"[denied by autogke-default-linux-capabilities]":["linux capability \'NET_ADMIN\' on container \'istio-init\' not allowed; Autopilot only allows the capabilities: \'AUDIT_WRITE,CHOWN\'."]}',
  kyverno:
    'admission webhook "validate.kyverno.svc-fail" denied the request: resource Pod/shop/web-7d4b9c-x2 was blocked due to the following policies disallow-capabilities: adding-capabilities: Any capabilities added beyond the allowed list (AUDIT_WRITE, CHOWN) are disallowed.',
  gatekeeper:
    'admission webhook "validation.gatekeeper.sh" denied the request: [psp-capabilities] container <istio-init> has a disallowed capability. Allowed capabilities are []',
  vap: "pods \"web-7d4b9c-x2\" is forbidden: ValidatingAdmissionPolicy 'no-net-admin' with binding 'no-net-admin-binding' denied request: containers must not add NET_ADMIN",
}

const cases: {name: string; text: string; code: string; hint: RegExp}[] = [
  {
    name: 'OpenShift SCC',
    text: texts.scc,
    code: 'SecurityContextConstraintDenied',
    hint: /istioctl install --set profile=openshift/,
  },
  {
    name: 'GKE Autopilot Warden',
    text: texts.warden,
    code: 'AutopilotWardenDenied',
    hint: /--workload-policies=allow-net-admin/,
  },
  {
    name: 'Kyverno disallow-capabilities',
    text: texts.kyverno,
    code: 'KyvernoPolicyDenied',
    hint: /kubectl get clusterpolicy disallow-capabilities -o yaml/,
  },
  {
    name: 'Gatekeeper psp-capabilities',
    text: texts.gatekeeper,
    code: 'GatekeeperConstraintDenied',
    hint: /kubectl get constraints/,
  },
  {
    name: 'ValidatingAdmissionPolicy',
    text: texts.vap,
    code: 'AdmissionPolicyDenied',
    hint: /kubectl get validatingadmissionpolicy no-net-admin -o yaml/,
  },
]

const event = (rs: string, text: string): EventFacts => ({
  namespace: 'shop',
  involvedObject: {kind: 'ReplicaSet', name: rs, namespace: 'shop'},
  reason: 'FailedCreate',
  type: 'Warning',
  count: 4,
  lastTimestamp: '2026-11-25T16:40:00Z',
  message: `Error creating: ${text}`,
})

// A ReplicaSet whose events expired: only its ReplicaFailure condition is left.
const replicaSet = (name: string, text: string): WorkloadFacts =>
  ({
    kind: 'ReplicaSet',
    namespace: 'shop',
    name,
    labels: {},
    annotations: {},
    template: {kind: 'PodTemplate', namespace: 'shop', name, labels: {}, annotations: {}},
    replicaFailure: {reason: 'FailedCreate', message: text},
  }) as unknown as WorkloadFacts

describe('rejections after injection by platforms and policy engines (--health)', () => {
  for (const c of cases) {
    it(`${c.name}: a FailedCreate event gets ${c.code} and its fix, and no webhook-failure diagnosis`, () => {
      const snapshot = {events: [event('web-7d4b9c', c.text)], workloads: []}
      const [found, ...more] = classifyAdmissionRejections(snapshot)
      assert.deepEqual(more, [])
      assert.equal(found?.rejection.code, c.code)
      assert.deepEqual(found?.object, {kind: 'ReplicaSet', namespace: 'shop', name: 'web-7d4b9c'})
      assert.match(found?.rejection.hint ?? '', c.hint)
      assert.deepEqual(classifyCreateFailures(snapshot), [], 'not a failing or denying Istio webhook')
    })

    it(`${c.name}: a ReplicaFailure condition alone gets ${c.code}`, () => {
      const [found] = classifyAdmissionRejections({events: [], workloads: [replicaSet('web-7d4b9c', c.text)]})
      assert.equal(found?.rejection.code, c.code)
      assert.equal(found?.from, 'condition')
    })
  }

  it('an event and the condition of the same ReplicaSet and cause are one piece of evidence', () => {
    const found = classifyAdmissionRejections({
      events: [event('web-7d4b9c', texts.gatekeeper)],
      workloads: [replicaSet('web-7d4b9c', texts.gatekeeper)],
    })
    assert.deepEqual(
      found.map((f) => f.from),
      ['event'],
    )
  })

  it('assessHealth turns them into findings on the ReplicaSet, with the code, cause and fix', () => {
    const base = snapshotFrom([istioFixture('default-1.28.yaml')])
    const snapshot = {
      ...base,
      events: [event('web-7d4b9c', texts.kyverno)],
      workloads: [...base.workloads, replicaSet('api-5f6d7', texts.warden)],
    }
    const findings = assessHealth(snapshot, [], now).findings.filter((f) =>
      f.subject.startsWith('replicaset shop/'),
    )
    assert.deepEqual(
      findings.map((f) => [f.subject, f.code]),
      [
        ['replicaset shop/web-7d4b9c', 'KyvernoPolicyDenied'],
        ['replicaset shop/api-5f6d7', 'AutopilotWardenDenied'],
      ],
    )
    assert.match(
      findings[1]?.detail ?? '',
      /^new pods are rejected after injection \(ReplicaFailure condition\): GKE Autopilot/,
    )
  })
})
