// The API server's rejection texts after injection (from the reference notes' quoted errors) → the same codes
// inject-check predicts with; inject-diff's dry-run failure names them.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {classifyAdmissionRejection} from '../../src/core/admission-after/rejection-texts.js'
import {diagnoseDryRunFailure} from '../../src/core/preview/failure.js'

const rows: {name: string; message: string; code: string | undefined; cause?: RegExp}[] = [
  {
    name: 'Pod Security baseline refuses istio-init (FailedCreate event text)',
    message:
      'Error creating: pods "web-7d4b9c-" is forbidden: violates PodSecurity "baseline:latest": non-default capabilities (container "istio-init" must not include "NET_ADMIN", "NET_RAW" in securityContext.capabilities.add)',
    code: 'PodSecurityViolation',
    cause: /Pod Security baseline:latest rejects the pod: non-default capabilities \(container "istio-init"/,
  },
  {
    name: 'quota exceeded by the sidecar limits',
    message:
      'pods "web-x" is forbidden: exceeded quota: compute, requested: limits.cpu=3, used: limits.cpu=3, limited: limits.cpu=4',
    code: 'QuotaExceeded',
    cause: /ResourceQuota compute rejects the pod: exceeded quota: compute, requested: limits.cpu=3/,
  },
  {
    name: 'quota needing limits the partial proxy annotations did not set',
    message:
      'pods "web-x" is forbidden: failed quota: compute: must specify limits.cpu for: istio-init,istio-proxy',
    code: 'QuotaExceeded',
  },
  {
    name: 'LimitRange max per container (v1.37.2: the repeat on istio-init and istio-proxy printed once)',
    message: 'pods "web-x" is forbidden: maximum cpu usage per Container is 1, but limit is 2',
    code: 'LimitRangeViolation',
    cause: /maximum cpu usage per Container is 1, but limit is 2/,
  },
  {
    name: 'LimitRange with two distinct errors, bracketed',
    message:
      'pods "web-x" is forbidden: [maximum cpu usage per Container is 1, but limit is 2, maximum memory usage per Container is 512Mi, but limit is 1Gi]',
    code: 'LimitRangeViolation',
    cause: /is 1, but limit is 2, maximum memory usage per Container is 512Mi, but limit is 1Gi$/,
  },
  {
    name: 'a ValidatingAdmissionPolicy denial',
    message:
      "pods \"x\" is forbidden: ValidatingAdmissionPolicy 'no-net-admin' with binding 'no-net-admin-binding' denied request: NET_ADMIN is not allowed",
    code: 'AdmissionPolicyDenied',
  },
  {
    name: 'OpenShift SCC (the reference text: istio-init capabilities and the proxy uid outside the namespace range)',
    message:
      'Error creating: pods "web-7d4b9c-" is forbidden: unable to validate against any security context constraint: [capabilities.add: Invalid value: "NET_ADMIN": capability may not be added, runAsUser: Invalid value: 1337: must be in the ranges: [1000280000, 1000289999]]',
    code: 'SecurityContextConstraintDenied',
    cause:
      /^OpenShift Security Context Constraints reject the pod: \[capabilities\.add: Invalid value: "NET_ADMIN": capability may not be added, runAsUser: Invalid value: 1337/,
  },
  {
    name: "Kyverno's podSecurity rule quoting PodSecurity is the webhook, not the Pod Security plugin",
    message:
      'admission webhook "validate.kyverno.svc-fail" denied the request: resource Pod/shop/web was blocked: It violates PodSecurity "baseline:latest": (Forbidden reason: non-default capabilities)',
    code: 'KyvernoPolicyDenied',
  },
  {
    name: 'Kyverno disallow-capabilities (the reference text, as a ReplicaSet event carries it)',
    message:
      'Error creating: admission webhook "validate.kyverno.svc-fail" denied the request: resource Pod/shop/web-7d4b9c-x2 was blocked due to the following policies disallow-capabilities: adding-capabilities: Any capabilities added beyond the allowed list (AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT) are disallowed.',
    code: 'KyvernoPolicyDenied',
    cause:
      /^Kyverno policy disallow-capabilities rejects the pod: resource Pod\/shop\/web-7d4b9c-x2 was blocked/,
  },
  {
    name: 'Gatekeeper psp-capabilities (the reference text)',
    message:
      'Error creating: admission webhook "validation.gatekeeper.sh" denied the request: [psp-capabilities] container <istio-init> has a disallowed capability. Allowed capabilities are []',
    code: 'GatekeeperConstraintDenied',
    cause:
      /^Gatekeeper constraint psp-capabilities rejects the pod: \[psp-capabilities\] container <istio-init> has a disallowed capability/,
  },
  {
    name: 'Gatekeeper, the Deckhouse variant naming the init container',
    message:
      'admission webhook "validation.gatekeeper.sh" denied the request: [d8-pod-security-baseline] init container <istio-init> has a disallowed capability',
    code: 'GatekeeperConstraintDenied',
    cause: /^Gatekeeper constraint d8-pod-security-baseline rejects/,
  },
  {
    name: 'GKE Autopilot Warden refusing NET_ADMIN on istio-init (istio/istio#37150)',
    message:
      'Error creating: admission webhook "warden-validating.common-webhooks.networking.gke.io" denied the request: GKE Warden rejected the request because it violates one or more constraints. Violations details: {"[denied by autogke-default-linux-capabilities]":["linux capability \'NET_ADMIN\' on container \'istio-init\' not allowed; Autopilot only allows the capabilities: \'AUDIT_WRITE,CHOWN,DAC_OVERRIDE,FOWNER,FSETID,KILL,MKNOD,NET_BIND_SERVICE,NET_RAW,SETFCAP,SETGID,SETPCAP,SETUID,SYS_CHROOT,SYS_PTRACE\'."]}',
    code: 'AutopilotWardenDenied',
    cause:
      /^GKE Autopilot \(Warden, autogke-default-linux-capabilities\) rejects the pod: linux capability 'NET_ADMIN' on container 'istio-init' not allowed; Autopilot only allows/,
  },
  {
    name: 'a webhook timeout is not an admission rejection',
    message: 'failed calling webhook "x": context deadline exceeded',
    code: undefined,
  },
]

describe('rejection texts after injection', () => {
  for (const r of rows)
    it(r.name, () => {
      const found = classifyAdmissionRejection(r.message, 'shop')
      assert.equal(found?.code, r.code)
      if (r.cause !== undefined) assert.match(found?.cause ?? '', r.cause)
    })

  it('inject-diff names the Pod Security cause of a rejected dry run and the CNI fix', () => {
    const failure = diagnoseDryRunFailure(rows[0]!.message, 403, 'shop', 'web')
    assert.equal(failure.code, 'PodSecurityViolation')
    assert.equal(failure.hint, 'istioctl install --set components.cni.enabled=true')
    assert.match(failure.diagnosis, /\(after injection\)$/)
  })
})
