// The API server's texts for a pod rejected after injection (dry-run Status, FailedCreate events, ReplicaFailure
// conditions) → the admission code, the cause in one line and the fix. Texts: kubernetes
// staging/src/k8s.io/pod-security-admission/admission/response.go, apiserver/pkg/admission/plugin/resourcequota/controller.go,
// plugin/pkg/admission/limitranger/admission.go, apiserver/pkg/admission/plugin/policy/validating/dispatcher.go;
// OpenShift SCC, GKE Warden, Kyverno and Gatekeeper texts as the reference notes quote them.
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

const oneLine = (text: string): string => text.replace(/\s+/g, ' ').trim()

// OpenShift: openshift/apiserver-library-go pkg/securitycontextconstraints/sccadmission (the envelope the reference quotes).
const openShift = (message: string): AdmissionRejection | undefined => {
  const m = /unable to validate against any security context constraint: (.*)$/s.exec(message)
  if (m === null) return undefined
  return {
    code: 'SecurityContextConstraintDenied',
    cause: `OpenShift Security Context Constraints reject the pod: ${oneLine(m[1] ?? '')}`,
    hint: 'istioctl install --set profile=openshift',
  }
}

// GKE Autopilot's Warden webhook (warden-validating.common-webhooks.networking.gke.io), as istio/istio#37150 quotes it.
const warden = (message: string): AdmissionRejection | undefined => {
  if (!/GKE Warden|\[denied by autogke-/.test(message)) return undefined
  const constraint = /\[denied by (autogke-[a-z0-9-]+)\]/.exec(message)?.[1]
  const detail = /(linux capability [^"\]]*?)(?:\.?"|\]|$)/.exec(message)?.[1]
  return {
    code: 'AutopilotWardenDenied',
    cause: `GKE Autopilot (Warden${constraint === undefined ? '' : `, ${constraint}`}) rejects the pod${detail === undefined ? '' : `: ${oneLine(detail)}`}`,
    hint: 'gcloud container clusters update CLUSTER --workload-policies=allow-net-admin',
  }
}

// Kyverno: `admission webhook "validate.kyverno.svc-fail" denied the request: … blocked due to the following policies …`.
const kyverno = (message: string): AdmissionRejection | undefined => {
  if (!/admission webhook "[^"]*kyverno[^"]*" denied the request/.test(message)) return undefined
  const policy = /following policies\s+([a-z0-9.-]+):/.exec(message)?.[1]
  const rest = /denied the request:\s*([\s\S]*)$/.exec(message)?.[1] ?? ''
  return {
    code: 'KyvernoPolicyDenied',
    cause: `Kyverno${policy === undefined ? '' : ` policy ${policy}`} rejects the pod: ${oneLine(rest)}`,
    hint:
      policy === undefined ? 'kubectl get clusterpolicies' : sh`kubectl get clusterpolicy ${policy} -o yaml`,
  }
}

// Gatekeeper: `admission webhook "validation.gatekeeper.sh" denied the request: [constraint] message`.
const gatekeeper = (message: string): AdmissionRejection | undefined => {
  const m = /admission webhook "validation\.gatekeeper\.sh" denied the request: ([\s\S]*)$/.exec(message)
  if (m === null) return undefined
  const constraint = /^\[([^\]]+)\]/.exec(m[1] ?? '')?.[1]
  return {
    code: 'GatekeeperConstraintDenied',
    cause: `Gatekeeper${constraint === undefined ? '' : ` constraint ${constraint}`} rejects the pod: ${oneLine(m[1] ?? '')}`,
    hint: 'kubectl get constraints',
  }
}

/** Classifies a rejection after injection; undefined for other failures (webhook calls, RBAC…). */
export const classifyAdmissionRejection = (
  message: string,
  namespace: string,
): AdmissionRejection | undefined =>
  kyverno(message) ??
  gatekeeper(message) ??
  warden(message) ??
  podSecurity(message) ??
  quota(message, namespace) ??
  limitRange(message, namespace) ??
  policy(message) ??
  openShift(message)
