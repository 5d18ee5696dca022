// Pod Security messages with several violations, as kube-apiserver v1.37.2 answered `kubectl create --dry-run=server`
// for the fixture pods (captured from the real control plane of test/real-cluster): check order (registry.go sorts
// baseline IDs, then restricted ones; OverrideCheckIDs by version), seccompProfile_baseline (fields from 1.19, alpha
// annotations before) and hostProbesAndHostLifecycle (1.34+).
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {parse} from 'yaml'
import {projectPod} from '../../src/cluster/projection.js'
import {evaluatePodSecurity, podSecurityMessage} from '../../src/core/admission-after/pod-security.js'
import type {PsaLevelVersion} from '../../src/core/admission-after/pod-security.js'

const fixture = (name: string) => {
  const pod = projectPod({
    metadata: {namespace: 'ns'},
    ...parse(readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8')),
  })
  assert.ok(pod !== undefined, name)
  return pod
}

const level = (text: string): PsaLevelVersion => {
  const [lvl, version] = text.split(':') as ['baseline' | 'restricted', string]
  return {
    level: lvl,
    version: version === 'latest' ? {latest: true} : {latest: false, minor: Number(version.slice(3))},
  }
}

const cases: {name: string; file: string; policy: string; real: string | null}[] = [
  {
    name: 'five baseline violations come in the ID order: capabilities first, hostPath before privileged, seccomp last',
    file: 'psa-many-violations.yaml',
    policy: 'baseline:latest',
    real: 'violates PodSecurity "baseline:latest": non-default capabilities (container "a" must not include "NET_ADMIN" in securityContext.capabilities.add), host namespaces (hostNetwork=true), hostPath volumes (volume "h"), privileged (container "a" must not set securityContext.privileged=true), seccompProfile (pod and container "a" must not set securityContext.seccompProfile.type to "Unconfined")',
  },
  {
    name: 'before 1.19 baseline reads the alpha seccomp annotations (sorted, Go-quoted)',
    file: 'psa-seccomp-annotations.yaml',
    policy: 'baseline:v1.18',
    real: 'violates PodSecurity "baseline:v1.18": non-default capabilities (container "a" must not include "NET_ADMIN" in securityContext.capabilities.add), host namespaces (hostNetwork=true), hostPath volumes (volume "h"), privileged (container "a" must not set securityContext.privileged=true), seccompProfile (forbidden annotations container.seccomp.security.alpha.kubernetes.io/a="unconfined", seccomp.security.alpha.kubernetes.io/pod="unconfined")',
  },
  {
    name: 'restricted before 1.19 keeps the baseline capabilities and seccomp checks; restrictedVolumes replaces hostPath',
    file: 'psa-seccomp-annotations.yaml',
    policy: 'restricted:v1.18',
    real: 'violates PodSecurity "restricted:v1.18": non-default capabilities (container "a" must not include "NET_ADMIN" in securityContext.capabilities.add), host namespaces (hostNetwork=true), privileged (container "a" must not set securityContext.privileged=true), seccompProfile (forbidden annotations container.seccomp.security.alpha.kubernetes.io/a="unconfined", seccomp.security.alpha.kubernetes.io/pod="unconfined"), allowPrivilegeEscalation != false (containers "a", "b" must set securityContext.allowPrivilegeEscalation=false), restricted volume types (volume "h" uses restricted volume type "hostPath"), runAsNonRoot != true (pod or containers "a", "b" must set securityContext.runAsNonRoot=true)',
  },
  {
    name: 'restricted latest: the restricted capabilities and seccomp checks override the baseline ones',
    file: 'psa-seccomp-annotations.yaml',
    policy: 'restricted:latest',
    real: 'violates PodSecurity "restricted:latest": host namespaces (hostNetwork=true), privileged (container "a" must not set securityContext.privileged=true), allowPrivilegeEscalation != false (containers "a", "b" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (containers "a", "b" must set securityContext.capabilities.drop=["ALL"]; container "a" must not include "NET_ADMIN" in securityContext.capabilities.add), restricted volume types (volume "h" uses restricted volume type "hostPath"), runAsNonRoot != true (pod or containers "a", "b" must set securityContext.runAsNonRoot=true), seccompProfile (pod or containers "a", "b" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
  },
  {
    name: 'probe and lifecycle hosts are forbidden from 1.34 (containers and hosts sorted)',
    file: 'psa-probe-hosts.yaml',
    policy: 'baseline:latest',
    real: 'violates PodSecurity "baseline:latest": probe or lifecycle host (containers "a", "b" use probe or lifecycle hosts "10.0.0.1", "example.com")',
  },
  {
    name: 'probe hosts are allowed at 1.33',
    file: 'psa-probe-hosts.yaml',
    policy: 'baseline:v1.33',
    real: null,
  },
]

describe('Pod Security messages match the real API server', () => {
  for (const c of cases)
    it(c.name, () => {
      const lv = level(c.policy)
      const {violations} = evaluatePodSecurity(lv, fixture(c.file))
      assert.equal(violations.length === 0 ? null : podSecurityMessage('enforce', lv, violations), c.real)
    })
})
