// The restart plan when a workload's injected pods would be rejected after injection: the admission fix comes first,
// and each restart step says what restarting now actually does (kubernetes deployment/rolling.go, recreate.go,
// statefulset and daemonset update order), from the workload's replicas and rollout strategy.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {buildRestartPlan, restartCandidatesFromVerdicts} from '../../src/core/health/restart-plan.js'
import type {WorkloadRollout} from '../../src/core/health/restart-plan.js'
import type {Check, Verdict} from '../../src/core/verdict/verdict.js'
import {podVerdict} from './verdict-fixtures.js'

const psa: Check = {
  stage: 'Admission',
  code: 'PodSecurityViolation',
  result: 'Fail',
  subject: 'namespace shop Pod Security enforce',
  detail:
    'violates PodSecurity "baseline:latest": non-default capabilities (container "istio-init" must not include "NET_ADMIN", "NET_RAW" in securityContext.capabilities.add); injection adds istio-init',
}
const quota: Check = {
  stage: 'Admission',
  code: 'QuotaExceeded',
  result: 'Fail',
  subject: 'resourcequota shop/compute',
  detail: 'exceeded quota: compute, requested: limits.cpu=2100m, used: limits.cpu=0, limited: limits.cpu=1',
}

const verdict = (
  pod: string,
  owner: {kind: string; name: string} | undefined,
  admission: Check[] | undefined,
): Verdict => ({
  ...podVerdict('shop', pod, owner),
  ...(admission === undefined ? {admitted: true} : {admitted: false, admission}),
})

interface Case {
  name: string
  owner?: {kind: string; name: string}
  workload?: WorkloadRollout
  admission?: Check[]
  consequence?: RegExp
  fix?: string
}

const deploy = {kind: 'Deployment', name: 'web'}
const cases: Case[] = [
  {
    name: 'a Deployment of 3 with the default 25%/25%: maxUnavailable rounds down to 0, all old pods stay, the rollout stalls',
    owner: deploy,
    workload: {replicas: 3},
    admission: [psa],
    consequence:
      /^a rollout restart now would stall, not finish: .*maxSurge 25% = 1, maxUnavailable 25% = 0 of 3, all 3 pods of the old ReplicaSet stay; .*ProgressDeadlineExceeded/,
    fix: 'istioctl install --set components.cni.enabled=true',
  },
  {
    name: 'a Deployment of 8 with maxSurge 0, maxUnavailable 2: 2 old pods removed and never replaced',
    owner: deploy,
    workload: {replicas: 8, rollout: {type: 'RollingUpdate', maxSurge: '0', maxUnavailable: '2'}},
    admission: [psa],
    consequence: /2 pods of the old ReplicaSet are removed and not replaced \(6 pods left\)/,
  },
  {
    name: 'a Deployment of 1 with maxSurge 0 (maxUnavailable 25% rounds to 0, raised to 1): no pods left',
    owner: deploy,
    workload: {replicas: 1, rollout: {type: 'RollingUpdate', maxSurge: '0', maxUnavailable: '25%'}},
    admission: [psa],
    consequence:
      /^restarting now would leave the workload with no pods: maxSurge 0 = 0, maxUnavailable 25% = 1 of 1/,
  },
  {
    name: 'a Deployment with strategy Recreate: no pods',
    owner: deploy,
    workload: {replicas: 4, rollout: {type: 'Recreate'}},
    admission: [quota],
    consequence: /^restarting now would leave the workload with no pods: strategy Recreate/,
    fix: 'kubectl describe resourcequota compute -n shop',
  },
  {
    name: 'a StatefulSet of 3: the highest ordinal is deleted and not re-created',
    owner: {kind: 'StatefulSet', name: 'db'},
    workload: {replicas: 3},
    admission: [psa],
    consequence: /^restarting now would delete db-2 \(highest ordinal first\) and fail to re-create it/,
  },
  {
    name: 'a DaemonSet with the default update: one node loses its pod',
    owner: {kind: 'DaemonSet', name: 'agent'},
    admission: [psa],
    consequence: /^restarting now would delete the pod on 1 node\(s\)/,
  },
  {
    name: 'a bare pod: deleting it leaves it gone',
    admission: [psa],
    consequence: /^restarting now would leave this pod gone/,
  },
]

describe('restart plan when new pods would be rejected after injection', () => {
  for (const c of cases)
    it(c.name, () => {
      const plan = buildRestartPlan(restartCandidatesFromVerdicts([verdict('p-1', c.owner, c.admission)]), {
        workloadOf: () => c.workload,
      })
      assert.equal(plan.admissionBlocked, true)
      const [fix, restart] = plan.steps
      assert.equal(fix?.action, 'FixAdmission', 'the admission fix comes first')
      assert.equal(fix?.order, 1)
      if (c.fix !== undefined) assert.deepEqual(fix?.commands, [c.fix])
      assert.deepEqual(restart?.rejectedBy, [c.admission?.[0]?.code])
      assert.match(restart?.warning ?? '', c.consequence ?? /./)
    })

  it('an admitted workload gets no admission step and no consequence', () => {
    const plan = buildRestartPlan(restartCandidatesFromVerdicts([verdict('p-1', deploy, undefined)]), {
      workloadOf: () => ({replicas: 3}),
    })
    assert.equal(plan.admissionBlocked, false)
    assert.deepEqual(
      plan.steps.map((s) => s.action),
      ['Restart'],
    )
    assert.equal(plan.steps[0]?.warning, undefined)
  })

  it('two workloads rejected by the same rule in one namespace share one fix step', () => {
    const plan = buildRestartPlan(
      restartCandidatesFromVerdicts([
        verdict('a-1', {kind: 'Deployment', name: 'a'}, [psa]),
        verdict('b-1', {kind: 'Deployment', name: 'b'}, [psa]),
      ]),
    )
    assert.deepEqual(
      plan.steps.map((s) => s.action),
      ['FixAdmission', 'Restart', 'Restart'],
    )
  })
})
