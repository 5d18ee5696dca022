// The API server's texts for a pod rejected after injection (dry-run Status, FailedCreate events, ReplicaFailure
// conditions) → the admission code, the cause in one line and the fix. Texts: kubernetes
// staging/src/k8s.io/pod-security-admission/admission/response.go, apiserver/pkg/admission/plugin/resourcequota/controller.go,
// plugin/pkg/admission/limitranger/admission.go, apiserver/pkg/admission/plugin/policy/validating/dispatcher.go;
// OpenShift SCC and GKE Warden texts as the reference notes quote them.
import type {ReasonCode} from '../verdict/reasons.js'
import {sh} from '../verdict/shell-command.js'

export interface AdmissionRejection {
  readonly code: ReasonCode
  /** One line: which rule rejected the pod and, when the text names them, which containers. */
  readonly cause: string
  readonly hint: string
}

const cniFix = 'istioctl install --set components.cni.enabled=true'

const podSecurity = (message: string): AdmissionRejection | undefined => {
  const m = /violates PodSecurity "([^"]+)": (.*)$/s.exec(message)
  // Kyverno's podSecurity rules quote the same words inside a webhook denial: that is the webhook, not the plugin.
  if (m === null || /admission webhook "/.test(message)) return undefined
  const [, level = '', detail = ''] = m
  const istioInit = /"istio-init"/.test(detail) && /NET_ADMIN|NET_RAW/.test(detail)
  return {
    code: 'PodSecurityViolation',
    cause: `Pod Security ${level} rejects the pod: ${detail.trim()}`,
    hint: istioInit ? cniFix : sh`kubectl get namespace --show-labels`,
  }
}

const quota = (message: string, namespace: string): AdmissionRejection | undefined => {
  const m = /(?:exceeded quota|failed quota): ([^,:\s]+)/.exec(message)
  if (m === null) return undefined
  const name = m[1] ?? ''
  return {
    code: 'QuotaExceeded',
    cause: `ResourceQuota ${name} rejects the pod: ${message.slice(m.index).trim()}`,
    hint: sh`kubectl describe resourcequota ${name} -n ${namespace}`,
  }
}

const limitRange = (message: string, namespace: string): AdmissionRejection | undefined => {
  const m =
    /(?:maximum|minimum) \S+ usage per (?:Container|Pod) is [^,\]]+|\S+ max limit to request ratio per (?:Container|Pod)[^,\]]*/.exec(
      message,
    )
  if (m === null) return undefined
  return {
    code: 'LimitRangeViolation',
    // The plugin joins its errors with ", " inside brackets; keep them all.
    cause: `a LimitRange rejects the pod: ${message
      .slice(m.index)
      .replace(/\]\s*$/, '')
      .trim()}`,
    hint: sh`kubectl get limitrange -n ${namespace} -o yaml`,
  }
}

const policy = (message: string): AdmissionRejection | undefined => {
  const m = /ValidatingAdmissionPolicy '([^']+)' with binding '([^']+)' denied request: (.*)$/s.exec(message)
  if (m === null) return undefined
  return {
    code: 'AdmissionPolicyDenied',
    cause: `ValidatingAdmissionPolicy ${m[1] ?? ''} (binding ${m[2] ?? ''}) rejects the pod: ${(m[3] ?? '').trim()}`,
    hint: sh`kubectl get validatingadmissionpolicy ${m[1] ?? ''} -o yaml`,
  }
}

const platform = (message: string): AdmissionRejection | undefined => {
  if (/unable to validate against any security context constraint/.test(message))
    return {
      code: 'AdmissionPolicyDenied',
      cause:
        'OpenShift Security Context Constraints reject the pod (istio-init capabilities or the proxy uid)',
      hint: 'istioctl install --set profile=openshift',
    }
  if (/GKE Warden|autogke-|Autopilot/.test(message))
    return {
      code: 'AdmissionPolicyDenied',
      cause: 'GKE Autopilot (Warden) rejects the pod: NET_ADMIN on istio-init is not allowed by default',
      hint: 'gcloud container clusters update CLUSTER --workload-policies=allow-net-admin',
    }
  return undefined
}

/** Classifies a rejection after injection; undefined for other failures (webhook calls, RBAC…). */
export const classifyAdmissionRejection = (
  message: string,
  namespace: string,
): AdmissionRejection | undefined =>
  podSecurity(message) ??
  quota(message, namespace) ??
  limitRange(message, namespace) ??
  policy(message) ??
  platform(message)
