// The baseline checks that were Unknown before (AppArmor, SELinux options, procMount, sysctls, Windows hostProcess):
// `upstream` cases transcribed from kubernetes staging/src/k8s.io/pod-security-admission/policy/check_*_test.go (same
// pods, same reason and detail), `per` cases built from the check sources and their versions.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {evaluatePodSecurity} from '../../src/core/admission-after/pod-security.js'
import type {ContainerFacts, Labels, PodFacts, PodSpecFacts} from '../../src/core/snapshot.js'

const pod = (
  containers: ContainerFacts[],
  spec: PodSpecFacts = {},
  initContainers: ContainerFacts[] = [],
  annotations: Labels = {},
): PodFacts => ({
  kind: 'PodTemplate',
  namespace: 'ns',
  name: 'p',
  labels: {},
  annotations,
  hostNetwork: false,
  containers,
  initContainers,
  spec,
})

const se = (type = '', user = '', role = '') => ({seLinuxOptions: {type, user, role}})
const aa = 'container.apparmor.security.beta.kubernetes.io/'

const cases: {
  name: string
  check: string
  level?: 'baseline' | 'restricted'
  minor?: number
  pod: PodFacts
  reason?: string
  detail?: string
}[] = [
  {
    name: 'upstream check_seLinuxOptions_test: invalid pod and containers',
    check: 'seLinuxOptions',
    pod: pod(
      [
        {name: 'a', securityContext: se('container_t')},
        {name: 'b', securityContext: se('container_init_t')},
        {name: 'c', securityContext: se('container_kvm_t')},
        {name: 'd', securityContext: se('bar')},
        {name: 'e', securityContext: se('', 'bar')},
        {name: 'f', securityContext: se('', '', 'baz')},
      ],
      {securityContext: se('foo', 'bar', 'baz')},
    ),
    reason: 'seLinuxOptions',
    detail:
      'pod and containers "d", "e", "f" set forbidden securityContext.seLinuxOptions: types "bar", "foo"; user may not be set; role may not be set',
  },
  {
    name: 'upstream check_seLinuxOptions_test: invalid containers (pod options empty)',
    check: 'seLinuxOptions',
    pod: pod(
      [
        {name: 'a', securityContext: se('container_t')},
        {name: 'd', securityContext: se('bar')},
        {name: 'e', securityContext: se('', 'bar')},
        {name: 'f', securityContext: se('', '', 'baz')},
      ],
      {securityContext: se()},
    ),
    reason: 'seLinuxOptions',
    detail:
      'containers "d", "e", "f" set forbidden securityContext.seLinuxOptions: type "bar"; user may not be set; role may not be set',
  },
  {
    name: 'upstream check_seLinuxOptions_test: bad user',
    check: 'seLinuxOptions',
    pod: pod([], {securityContext: se('', 'bad')}),
    reason: 'seLinuxOptions',
    detail: 'pod set forbidden securityContext.seLinuxOptions: user may not be set',
  },
  {
    name: 'per check_seLinuxOptions.go: container_engine_t is refused before 1.31',
    check: 'seLinuxOptions',
    minor: 30,
    pod: pod([{name: 'a', securityContext: se('container_engine_t')}]),
    reason: 'seLinuxOptions',
    detail: 'container "a" set forbidden securityContext.seLinuxOptions: type "container_engine_t"',
  },
  {
    name: 'per check_seLinuxOptions.go: container_engine_t is allowed from 1.31',
    check: 'seLinuxOptions',
    minor: 31,
    pod: pod([{name: 'a', securityContext: se('container_engine_t')}]),
  },
  {
    name: 'upstream check_appArmorProfile_test: unconfined pod',
    check: 'appArmorProfile',
    pod: pod([], {securityContext: {appArmorProfileType: 'Unconfined'}}),
    reason: 'forbidden AppArmor profile',
    detail: 'pod must not set AppArmor profile type to "Unconfined"',
  },
  {
    name: 'upstream check_appArmorProfile_test: unconfined init container',
    check: 'appArmorProfile',
    pod: pod([{name: 'foo'}], {securityContext: {appArmorProfileType: 'RuntimeDefault'}}, [
      {name: 'bar', securityContext: {appArmorProfileType: 'Unconfined'}},
    ]),
    reason: 'forbidden AppArmor profile',
    detail: 'container "bar" must not set AppArmor profile type to "Unconfined"',
  },
  {
    name: 'upstream check_appArmorProfile_test: multiple containers (annotations)',
    check: 'appArmorProfile',
    pod: pod([], {}, [], {
      [aa]: 'bogus',
      [`${aa}a`]: '',
      [`${aa}b`]: 'runtime/default',
      [`${aa}c`]: 'localhost/',
      [`${aa}d`]: 'localhost/foo',
      [`${aa}e`]: 'unconfined',
      [`${aa}f`]: 'unknown',
    }),
    reason: 'forbidden AppArmor profiles',
    detail: `annotations must not set AppArmor profile type to "${aa}="bogus"", "${aa}e="unconfined"", "${aa}f="unknown""`,
  },
  {
    name: 'upstream check_appArmorProfile_test: a localhost profile and other annotations are allowed',
    check: 'appArmorProfile',
    pod: pod([{name: 'foo', securityContext: {appArmorProfileType: 'Localhost'}}], {}, [], {
      [`${aa}test`]: 'localhost/sec-profile01',
      env: 'dev',
    }),
  },
  {
    name: 'upstream check_windowsHostProcess_test: host process',
    check: 'windowsHostProcess',
    pod: pod(
      [
        {name: 'a'},
        {name: 'b', securityContext: {}},
        {name: 'd', securityContext: {windowsHostProcess: false}},
        {name: 'e', securityContext: {windowsHostProcess: true}},
        {name: 'f', securityContext: {windowsHostProcess: true}},
      ],
      {securityContext: {windowsHostProcess: true}},
    ),
    reason: 'hostProcess',
    detail: 'pod and containers "e", "f" must not set securityContext.windowsOptions.hostProcess=true',
  },
  {
    name: 'per check_procMount.go: Unmasked on two containers',
    check: 'procMount',
    pod: pod([
      {name: 'a', securityContext: {procMount: 'Default'}},
      {name: 'b', securityContext: {procMount: 'Unmasked'}},
      {name: 'c', securityContext: {procMount: 'Unmasked'}},
    ]),
    reason: 'procMount',
    detail: 'containers "b", "c" must not set securityContext.procMount to "Unmasked"',
  },
  {
    name: 'per check_procMount.go: from 1.35 a pod in a user namespace (hostUsers false) may unmask /proc',
    check: 'procMount',
    minor: 35,
    pod: pod([{name: 'b', securityContext: {procMount: 'Unmasked'}}], {hostUsers: false}),
  },
  {
    name: 'per check_procMount.go: before 1.35 hostUsers false does not relax it',
    check: 'procMount',
    minor: 34,
    pod: pod([{name: 'b', securityContext: {procMount: 'Unmasked'}}], {hostUsers: false}),
    reason: 'procMount',
    detail: 'container "b" must not set securityContext.procMount to "Unmasked"',
  },
  {
    name: 'per check_sysctls.go: unsafe names in spec order, safe ones skipped',
    check: 'sysctls',
    pod: pod([], {
      securityContext: {sysctls: ['net.core.somaxconn', 'kernel.shm_rmid_forced', 'kernel.msgmax']},
    }),
    reason: 'forbidden sysctls',
    detail: 'net.core.somaxconn, kernel.msgmax',
  },
  {
    name: 'per check_sysctls.go: net.ipv4.tcp_rmem is refused at v1.31, allowed from v1.32',
    check: 'sysctls',
    minor: 31,
    pod: pod([], {securityContext: {sysctls: ['net.ipv4.tcp_rmem']}}),
    reason: 'forbidden sysctls',
    detail: 'net.ipv4.tcp_rmem',
  },
  {
    name: 'per check_sysctls.go: net.ipv4.tcp_rmem at v1.32',
    check: 'sysctls',
    minor: 32,
    pod: pod([], {securityContext: {sysctls: ['net.ipv4.tcp_rmem']}}),
  },
  {
    name: 'per check_sysctls.go: net.ipv4.ip_local_reserved_ports needs v1.27',
    check: 'sysctls',
    minor: 26,
    pod: pod([], {securityContext: {sysctls: ['net.ipv4.ip_local_reserved_ports']}}),
    reason: 'forbidden sysctls',
    detail: 'net.ipv4.ip_local_reserved_ports',
  },
]

describe('Pod Security baseline checks for AppArmor, SELinux, procMount, sysctls and hostProcess', () => {
  for (const c of cases)
    it(c.name, () => {
      const lv = {
        level: c.level ?? 'baseline',
        version: c.minor === undefined ? {latest: true as const} : {latest: false as const, minor: c.minor},
      }
      const result = evaluatePodSecurity(lv, c.pod)
      const found = result.violations.find((v) => v.check === c.check)
      if (c.reason === undefined) assert.equal(found, undefined, JSON.stringify(found))
      else {
        assert.equal(found?.reason, c.reason)
        assert.equal(found?.detail, c.detail)
      }
    })

  it('at restricted the baseline checks run first, in the registry order of their files', () => {
    const result = evaluatePodSecurity(
      {level: 'restricted', version: {latest: true}},
      pod(
        [
          {
            name: 'a',
            securityContext: {
              ...se('bad'),
              allowPrivilegeEscalation: false,
              capabilities: {drop: ['ALL']},
              runAsNonRoot: true,
              seccompProfileType: 'RuntimeDefault',
            },
          },
        ],
        {securityContext: {sysctls: ['kernel.msgmax']}},
      ),
    )
    assert.deepEqual(
      result.violations.map((v) => v.reason),
      ['seLinuxOptions', 'forbidden sysctls'],
    )
  })
})
