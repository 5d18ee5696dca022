// What the injector emits (CNI, TPROXY, capNetBindService, privileged, seccomp) × Pod Security level and version:
// the injected pod's violations, worded as the API server words them.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {injectPod} from '../../src/core/admission-after/injected-pod.js'
import {evaluatePodSecurity, podSecurityMessage} from '../../src/core/admission-after/pod-security.js'
import type {PsaLevelVersion} from '../../src/core/admission-after/pod-security.js'
import type {EmissionValues} from '../../src/core/istio/injector-config.js'
import {parseIstioVersion} from '../../src/core/istio/istio-version.js'
import type {ContainerFacts, PodFacts} from '../../src/core/snapshot.js'

const compliantApp: ContainerFacts = {
  name: 'app',
  securityContext: {
    allowPrivilegeEscalation: false,
    runAsNonRoot: true,
    capabilities: {drop: ['ALL']},
    seccompProfileType: 'RuntimeDefault',
  },
}

const pod = (annotations: Record<string, string> = {}, app: ContainerFacts = compliantApp): PodFacts => ({
  kind: 'PodTemplate',
  namespace: 'shop',
  name: 'web',
  labels: {},
  annotations,
  hostNetwork: false,
  containers: [app],
  initContainers: [],
})

const defaults: EmissionValues = {
  pilotCni: false,
  privileged: false,
  proxyResources: {requests: {cpu: '100m', memory: '128Mi'}, limits: {cpu: '2000m', memory: '1024Mi'}},
}

interface Scenario {
  readonly name: string
  readonly values?: Partial<EmissionValues>
  readonly annotations?: Record<string, string>
  readonly app?: ContainerFacts
  readonly istio?: string
  readonly policy: PsaLevelVersion
  /** The enforce message, or undefined when admitted. */
  readonly message: string | undefined
}

const baseline: PsaLevelVersion = {level: 'baseline', version: {latest: true}}
const restricted: PsaLevelVersion = {level: 'restricted', version: {latest: true}}

const scenarios: Scenario[] = [
  {
    name: 'baseline without CNI: istio-init asks for NET_ADMIN and NET_RAW and is rejected',
    policy: baseline,
    message:
      'violates PodSecurity "baseline:latest": non-default capabilities (container "istio-init" must not include "NET_ADMIN", "NET_RAW" in securityContext.capabilities.add)',
  },
  {
    name: 'baseline with CNI: istio-validation adds nothing, admitted',
    values: {pilotCni: true},
    policy: baseline,
    message: undefined,
  },
  {
    name: 'baseline with CNI but TPROXY interception: istio-proxy adds NET_ADMIN, rejected even with CNI',
    values: {pilotCni: true},
    annotations: {'sidecar.istio.io/interceptionMode': 'TPROXY'},
    policy: baseline,
    message:
      'violates PodSecurity "baseline:latest": non-default capabilities (container "istio-proxy" must not include "NET_ADMIN" in securityContext.capabilities.add)',
  },
  {
    name: 'baseline with CNI and capNetBindService: NET_BIND_SERVICE is in the default set, admitted',
    values: {pilotCni: true},
    annotations: {'sidecar.istio.io/capNetBindService': 'true'},
    policy: baseline,
    message: undefined,
  },
  {
    name: 'restricted with CNI and capNetBindService: the proxy runs as root',
    values: {pilotCni: true, seccompProfileType: 'RuntimeDefault'},
    annotations: {'sidecar.istio.io/capNetBindService': 'true'},
    policy: restricted,
    message:
      'violates PodSecurity "restricted:latest": runAsNonRoot != true (container "istio-proxy" must not set securityContext.runAsNonRoot=false), runAsUser=0 (container "istio-proxy" must not set runAsUser=0)',
  },
  {
    name: 'baseline with global.proxy.privileged: every injected container is privileged',
    values: {pilotCni: true, privileged: true},
    policy: baseline,
    message:
      'violates PodSecurity "baseline:latest": privileged (containers "istio-validation", "istio-proxy" must not set securityContext.privileged=true)',
  },
  {
    name: 'restricted with CNI and no seccomp value: only the seccomp clause, naming the injected containers',
    values: {pilotCni: true},
    policy: restricted,
    message:
      'violates PodSecurity "restricted:latest": seccompProfile (pod or containers "istio-validation", "istio-proxy" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
  },
  {
    name: 'restricted with CNI and global.proxy.seccompProfile RuntimeDefault: admitted',
    values: {pilotCni: true, seccompProfileType: 'RuntimeDefault'},
    policy: restricted,
    message: undefined,
  },
  {
    name: 'restricted without CNI: capabilities, root user and seccomp on istio-init',
    values: {seccompProfileType: 'RuntimeDefault'},
    policy: restricted,
    message:
      'violates PodSecurity "restricted:latest": unrestricted capabilities (container "istio-init" must not include "NET_ADMIN", "NET_RAW" in securityContext.capabilities.add), runAsNonRoot != true (container "istio-init" must not set securityContext.runAsNonRoot=false), runAsUser=0 (container "istio-init" must not set runAsUser=0)',
  },
  {
    name: 'restricted pinned to v1.22 without CNI: the runAsUser=0 check does not exist yet',
    values: {seccompProfileType: 'RuntimeDefault'},
    policy: {level: 'restricted', version: {latest: false, minor: 22}},
    message:
      'violates PodSecurity "restricted:v1.22": unrestricted capabilities (container "istio-init" must not include "NET_ADMIN", "NET_RAW" in securityContext.capabilities.add), runAsNonRoot != true (container "istio-init" must not set securityContext.runAsNonRoot=false)',
  },
  {
    name: 'upgrade trap: a 1.24+ injector ignores the old istio_cni.enabled and still emits istio-init',
    values: {pilotCni: undefined, legacyCni: true},
    istio: '1.25.2',
    policy: baseline,
    message:
      'violates PodSecurity "baseline:latest": non-default capabilities (container "istio-init" must not include "NET_ADMIN", "NET_RAW" in securityContext.capabilities.add)',
  },
  {
    name: 'a 1.21 injector reads istio_cni.enabled: istio-validation, admitted',
    values: {pilotCni: undefined, legacyCni: true},
    istio: '1.21.0',
    policy: baseline,
    message: undefined,
  },
  {
    name: 'restricted with CNI: the app container without a securityContext is named next to the injected ones',
    values: {pilotCni: true, seccompProfileType: 'RuntimeDefault'},
    app: {name: 'app'},
    policy: restricted,
    message:
      'violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "app" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "app" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "app" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "app" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
  },
]

describe('the injected pod under Pod Security', () => {
  for (const s of scenarios)
    it(s.name, () => {
      const values = {...defaults, ...s.values} as EmissionValues
      const injected = injectPod(pod(s.annotations, s.app), {
        values,
        version: parseIstioVersion(s.istio ?? '1.28.1'),
        nodes: [],
      })
      const {violations} = evaluatePodSecurity(s.policy, injected.pod)
      assert.equal(
        violations.length === 0 ? undefined : podSecurityMessage('enforce', s.policy, violations),
        s.message,
      )
    })

  it('proxy resource annotations: setting one drops every default, on istio-init and istio-proxy alike', () => {
    const injected = injectPod(pod({'sidecar.istio.io/proxyCPU': '50m'}), {values: defaults, nodes: []})
    for (const c of [...injected.pod.initContainers, ...injected.pod.containers].filter(
      (c) => c.name !== 'app',
    ))
      assert.deepEqual(c.resources, {requests: {cpu: '50m'}})
  })

  it('native sidecars: istio-proxy becomes an init container with restartPolicy Always when every kubelet is 1.33+', () => {
    const injected = injectPod(pod(), {
      values: defaults,
      version: parseIstioVersion('1.28.1'),
      nodes: [{name: 'a', kubeletVersion: 'v1.33.1'}],
    })
    assert.deepEqual(
      injected.pod.initContainers.map((c) => `${c.name}${c.restartPolicy === 'Always' ? ' (native)' : ''}`),
      ['istio-init', 'istio-proxy (native)'],
    )
    assert.deepEqual(
      injected.pod.containers.map((c) => c.name),
      ['app'],
    )
  })
})
