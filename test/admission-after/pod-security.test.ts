// Pod Security checks: `upstream` cases transcribed from kubernetes staging/src/k8s.io/pod-security-admission/policy/
// check_*_test.go (same pods, same expected reason and detail), `per` cases built from the check sources, plus
// level/version resolution and message shape.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {
  evaluatePodSecurity,
  forbiddenDetail,
  podSecurityMessage,
  psaPolicy,
} from '../../src/core/admission-after/pod-security.js'
import type {PsaLevelVersion} from '../../src/core/admission-after/pod-security.js'
import type {ContainerFacts, PodFacts, PodSpecFacts} from '../../src/core/snapshot.js'

const pod = (
  containers: ContainerFacts[],
  spec: PodSpecFacts = {},
  initContainers: ContainerFacts[] = [],
): PodFacts => ({
  kind: 'PodTemplate',
  namespace: 'ns',
  name: 'p',
  labels: {},
  annotations: {},
  hostNetwork: false,
  containers,
  initContainers,
  spec,
})

const latest = (level: 'baseline' | 'restricted'): PsaLevelVersion => ({level, version: {latest: true}})
const only = (check: string, level: 'baseline' | 'restricted', p: PodFacts, minor?: number) =>
  evaluatePodSecurity(
    {level, version: minor === undefined ? {latest: true} : {latest: false, minor}},
    p,
  ).violations.find((v) => v.check === check)

describe('Pod Security checks (transcribed upstream cases)', () => {
  const cases: {
    name: string
    check: string
    level: 'baseline' | 'restricted'
    pod: PodFacts
    reason: string
    detail: string
  }[] = [
    {
      name: 'upstream check_capabilities_restricted_test: multiple containers',
      check: 'capabilities_restricted',
      level: 'restricted',
      pod: pod([
        {name: 'a', securityContext: {capabilities: {add: ['FOO', 'BAR']}}},
        {name: 'b', securityContext: {capabilities: {add: ['BAR', 'BAZ']}}},
        {
          name: 'c',
          securityContext: {capabilities: {add: ['NET_BIND_SERVICE', 'CHOWN'], drop: ['ALL', 'FOO']}},
        },
      ]),
      reason: 'unrestricted capabilities',
      detail:
        'containers "a", "b" must set securityContext.capabilities.drop=["ALL"]; containers "a", "b", "c" must not include "BAR", "BAZ", "CHOWN", "FOO" in securityContext.capabilities.add',
    },
    {
      name: 'per check_capabilities_baseline.go: containers adding non-default capabilities',
      check: 'capabilities_baseline',
      level: 'baseline',
      pod: pod([
        {name: 'a', securityContext: {capabilities: {add: ['FOO', 'BAR']}}},
        {name: 'b', securityContext: {capabilities: {add: ['BAR', 'BAZ']}}},
        {name: 'c', securityContext: {capabilities: {add: ['CHOWN']}}},
      ]),
      reason: 'non-default capabilities',
      detail: 'containers "a", "b" must not include "BAR", "BAZ", "FOO" in securityContext.capabilities.add',
    },
    {
      name: 'upstream check_runAsNonRoot_test: no explicit runAsNonRoot',
      check: 'runAsNonRoot',
      level: 'restricted',
      pod: pod([{name: 'a'}]),
      reason: 'runAsNonRoot != true',
      detail: 'pod or container "a" must set securityContext.runAsNonRoot=true',
    },
    {
      name: 'upstream check_runAsNonRoot_test: pod runAsNonRoot=false',
      check: 'runAsNonRoot',
      level: 'restricted',
      pod: pod([{name: 'a'}], {securityContext: {runAsNonRoot: false}}),
      reason: 'runAsNonRoot != true',
      detail: 'pod must not set securityContext.runAsNonRoot=false',
    },
    {
      name: 'upstream check_runAsNonRoot_test: containers runAsNonRoot=false',
      check: 'runAsNonRoot',
      level: 'restricted',
      pod: pod(
        [
          {name: 'a'},
          {name: 'b', securityContext: {}},
          {name: 'c', securityContext: {runAsNonRoot: false}},
          {name: 'd', securityContext: {runAsNonRoot: false}},
          {name: 'e', securityContext: {runAsNonRoot: true}},
          {name: 'f', securityContext: {runAsNonRoot: true}},
        ],
        {securityContext: {runAsNonRoot: true}},
      ),
      reason: 'runAsNonRoot != true',
      detail: 'containers "c", "d" must not set securityContext.runAsNonRoot=false',
    },
    {
      name: 'upstream check_runAsNonRoot_test: pod nil, container fallthrough',
      check: 'runAsNonRoot',
      level: 'restricted',
      pod: pod([
        {name: 'a'},
        {name: 'b', securityContext: {}},
        {name: 'd', securityContext: {runAsNonRoot: true}},
        {name: 'e', securityContext: {runAsNonRoot: true}},
      ]),
      reason: 'runAsNonRoot != true',
      detail: 'pod or containers "a", "b" must set securityContext.runAsNonRoot=true',
    },
    {
      name: 'per check_runAsUser.go: pod and containers set runAsUser=0',
      check: 'runAsUser',
      level: 'restricted',
      pod: pod(
        [
          {name: 'a', securityContext: {runAsUser: 0}},
          {name: 'b', securityContext: {runAsUser: 1000}},
          {name: 'c', securityContext: {runAsUser: 0}},
        ],
        {securityContext: {runAsUser: 0}},
      ),
      reason: 'runAsUser=0',
      detail: 'pod and containers "a", "c" must not set runAsUser=0',
    },
    {
      name: 'per check_privileged.go: one privileged container',
      check: 'privileged',
      level: 'baseline',
      pod: pod([{name: 'a'}, {name: 'b', securityContext: {privileged: true}}]),
      reason: 'privileged',
      detail: 'container "b" must not set securityContext.privileged=true',
    },
    {
      name: 'per check_seccompProfile_restricted.go: a container without seccomp',
      check: 'seccompProfile_restricted',
      level: 'restricted',
      pod: pod([{name: 'a'}, {name: 'b', securityContext: {seccompProfileType: 'RuntimeDefault'}}]),
      reason: 'seccompProfile',
      detail:
        'pod or container "a" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"',
    },
    {
      name: 'per check_hostPorts.go: two containers with host ports',
      check: 'hostPorts',
      level: 'baseline',
      pod: pod([
        {name: 'a', hostPorts: [10]},
        {name: 'b', hostPorts: [20, 30]},
      ]),
      reason: 'hostPort',
      detail: 'containers "a", "b" use hostPorts 10, 20, 30',
    },
    {
      name: 'per check_hostNamespaces.go: hostPID and hostIPC (field order, as the real server prints them)',
      check: 'hostNamespaces',
      level: 'baseline',
      pod: pod([{name: 'a'}], {hostPID: true, hostIPC: true}),
      reason: 'host namespaces',
      detail: 'hostPID=true, hostIPC=true',
    },
    {
      name: 'per check_restrictedVolumes.go: hostPath and nfs (volumes in spec order, types sorted)',
      check: 'restrictedVolumes',
      level: 'restricted',
      pod: pod([{name: 'a'}], {
        volumes: [
          {name: 'b', type: 'nfs'},
          {name: 'a', type: 'hostPath'},
          {name: 'c', type: 'emptyDir'},
        ],
      }),
      reason: 'restricted volume types',
      detail: 'volumes "b", "a" use restricted volume types "hostPath", "nfs"',
    },
  ]
  for (const c of cases)
    it(c.name, () => {
      const v = only(c.check, c.level, c.pod)
      assert.ok(v, 'expected a violation')
      assert.equal(v.reason, c.reason)
      assert.equal(v.detail, c.detail)
    })

  it('user-namespace pods (hostUsers: false) pass runAsNonRoot from policy v1.35 only', () => {
    const p = pod([{name: 'a'}], {hostUsers: false})
    assert.equal(only('runAsNonRoot', 'restricted', p), undefined)
    assert.ok(only('runAsNonRoot', 'restricted', p, 34))
  })

  it('checks apply from their first policy version (runAsUser 1.23, capabilities_restricted 1.22)', () => {
    const p = pod([{name: 'a', securityContext: {runAsUser: 0, capabilities: {add: ['NET_ADMIN']}}}])
    assert.equal(only('runAsUser', 'restricted', p, 22), undefined)
    assert.ok(only('runAsUser', 'restricted', p, 23))
    assert.equal(only('capabilities_restricted', 'restricted', p, 21), undefined)
    assert.ok(only('capabilities_restricted', 'restricted', p, 22))
  })

  it('restricted does not repeat the overlapping baseline capability check; baseline does not run restricted ones', () => {
    const p = pod([
      {name: 'a', securityContext: {capabilities: {add: ['NET_ADMIN'], drop: ['ALL']}, runAsUser: 0}},
    ])
    const restricted = evaluatePodSecurity(latest('restricted'), p).violations.map((v) => v.check)
    const baseline = evaluatePodSecurity(latest('baseline'), p).violations.map((v) => v.check)
    assert.ok(!restricted.includes('capabilities_baseline'))
    assert.deepEqual(baseline, ['capabilities_baseline'])
  })
})

describe('Pod Security policy labels and messages', () => {
  it('enforce and version labels resolve; a bad enforce level fails closed, a bad warn level fails open', () => {
    assert.deepEqual(
      psaPolicy(
        {
          'pod-security.kubernetes.io/enforce': 'baseline',
          'pod-security.kubernetes.io/enforce-version': 'v1.25',
        },
        'enforce',
      ),
      {
        level: 'baseline',
        version: {latest: false, minor: 25},
        labelled: true,
        errors: [],
      },
    )
    assert.equal(psaPolicy({'pod-security.kubernetes.io/enforce': 'strict'}, 'enforce').level, 'restricted')
    assert.equal(psaPolicy({'pod-security.kubernetes.io/warn': 'strict'}, 'warn').level, 'privileged')
    assert.equal(
      psaPolicy({'pod-security.kubernetes.io/enforce-version': '1.25'}, 'enforce').errors.length,
      1,
    )
    assert.equal(psaPolicy({}, 'enforce').labelled, false)
  })

  it('the API server message joins reasons with their details in check order', () => {
    const p = pod([{name: 'a', securityContext: {privileged: true, capabilities: {add: ['SYS_ADMIN']}}}])
    const lv: PsaLevelVersion = {level: 'baseline', version: {latest: false, minor: 28}}
    const {violations} = evaluatePodSecurity(lv, p)
    assert.equal(
      forbiddenDetail(violations),
      'non-default capabilities (container "a" must not include "SYS_ADMIN" in securityContext.capabilities.add), privileged (container "a" must not set securityContext.privileged=true)',
    )
    assert.match(
      podSecurityMessage('enforce', lv, violations),
      /^violates PodSecurity "baseline:v1\.28": non-default capabilities/,
    )
    assert.match(podSecurityMessage('warn', lv, violations), /^would violate PodSecurity "baseline:v1\.28"/)
  })
})
