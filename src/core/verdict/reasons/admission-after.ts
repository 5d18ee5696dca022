// Reasons of the third layer: is the pod that injection produces still admitted (Pod Security, quota, LimitRange,
// validating webhooks and policies that run after the Istio webhook).
import type {ReasonDefinition} from '../reason-definition.js'

export const admissionAfterReasons = {
  InjectedContainers: {
    level: 'Info',
    summary:
      'what the injector adds, from its ConfigMap values and the pod annotations: init container (istio-init or istio-validation), istio-proxy, their securityContext and resources',
    hint: '',
  },
  PodSecurityViolation: {
    level: 'Error',
    summary:
      'the injected pod violates the namespace Pod Security enforce level: the API server rejects it (a Deployment silently stops creating pods)',
    hint: 'istioctl install --set components.cni.enabled=true',
  },
  PodSecurityWarning: {
    level: 'Warning',
    summary:
      'the injected pod violates the namespace Pod Security warn or audit level: admitted, with a warning only the creator (replicaset-controller) sees',
    hint: 'kubectl get namespace {namespace} --show-labels',
  },
  PodSecurityAdmitted: {
    level: 'Info',
    summary: 'the injected pod meets the namespace Pod Security levels',
    hint: '',
  },
  PodSecurityClusterDefault: {
    level: 'Info',
    summary:
      'the namespace has no Pod Security enforce label: the cluster default (AdmissionConfiguration, privileged unless changed) applies and cannot be read through the API',
    hint: 'kubectl label --dry-run=server --overwrite namespace {namespace} pod-security.kubernetes.io/enforce=baseline',
  },
  QuotaExceeded: {
    level: 'Error',
    summary:
      'the injected pod does not fit a ResourceQuota (the sidecar adds its requests and limits): the API server rejects it',
    hint: 'kubectl describe resourcequota {quota} -n {namespace}',
  },
  QuotaAdmitted: {
    level: 'Info',
    summary: 'the injected pod fits the namespace ResourceQuotas',
    hint: '',
  },
  LimitRangeViolation: {
    level: 'Error',
    summary:
      'an injected container breaks a LimitRange min, max or ratio (LimitRange defaults are not applied to injected containers): the API server rejects the pod',
    hint: 'kubectl describe limitrange {limitRange} -n {namespace}',
  },
  LimitRangeAdmitted: {
    level: 'Info',
    summary: 'the injected pod meets the namespace LimitRanges',
    hint: '',
  },
  AdmissionDataMissing: {
    level: 'Warning',
    summary: 'objects admission after injection depends on could not be read, so that part is Unknown',
    hint: 'kubectl auth can-i list {resource} -n {namespace}',
  },
  ValidatingWebhookUnknown: {
    level: 'Warning',
    summary:
      'a validating webhook (Kyverno, Gatekeeper, GKE Warden or other) sees the injected pod; its answer cannot be predicted, a server dry run shows it',
    hint: 'kubectl inject-diff {kind}/{name} -n {namespace}',
  },
  ValidatingPolicyUnknown: {
    level: 'Warning',
    summary:
      'a ValidatingAdmissionPolicy binding matches pods; its CEL validations are not evaluated here, a server dry run shows them',
    hint: 'kubectl inject-diff {kind}/{name} -n {namespace}',
  },
  PlatformPolicyUnknown: {
    level: 'Warning',
    summary:
      'the platform adds its own pod admission (OpenShift SCC, GKE Autopilot); istio-init NET_ADMIN/NET_RAW is usually refused there',
    hint: 'kubectl inject-diff {kind}/{name} -n {namespace}',
  },
  AdmissionPolicyDenied: {
    level: 'Error',
    summary:
      'a ValidatingAdmissionPolicy rejected the injected pod (its CEL validation fails on what injection added); adjust the expression or the binding',
    hint: 'kubectl get validatingadmissionpolicybindings',
  },
  SecurityContextConstraintDenied: {
    level: 'Error',
    summary:
      'OpenShift Security Context Constraints rejected the injected pod (istio-init NET_ADMIN/NET_RAW, or uid 1337 outside the namespace range): install Istio with profile=openshift (CNI via multus; since 1.20 the proxy uid comes from the namespace range)',
    hint: 'istioctl install --set profile=openshift',
  },
  AutopilotWardenDenied: {
    level: 'Error',
    summary:
      'GKE Autopilot (Warden) rejected the injected pod: NET_ADMIN on istio-init is refused unless the cluster allows it (Istio CNI is not available on Autopilot)',
    hint: 'gcloud container clusters update CLUSTER --workload-policies=allow-net-admin',
  },
  KyvernoPolicyDenied: {
    level: 'Error',
    summary:
      "a Kyverno policy rejected the injected pod (e.g. disallow-capabilities on istio-init): use Kyverno's service-mesh variant of the policy, or exclude the proxy image (*/istio/proxyv2*) in podSecurity.exclude",
    hint: 'kubectl get clusterpolicies',
  },
  GatekeeperConstraintDenied: {
    level: 'Error',
    summary:
      "a Gatekeeper constraint rejected the injected pod (e.g. psp-capabilities on istio-init): add the proxy image to the constraint's exemptImages (*/proxyv2*), or use Istio CNI",
    hint: 'kubectl get constraints',
  },
} as const satisfies Record<string, ReasonDefinition>
