// Reasons reported by inject-diff (preview routes and their failures).
import type {ReasonDefinition} from '../reason-definition.js'

export const diffReasons = {
  PreviewDryRun: {
    level: 'Info',
    summary:
      "server-side dry-run create: the cluster's admission chain made the result; an opted-out second dry-run (sidecar.istio.io/inject=false) removes the API server's own changes",
    hint: 'kubectl inject-diff {target} -n {namespace} --raw   # everything the API server changed',
  },
  PreviewRawDryRun: {
    level: 'Info',
    summary:
      'server-side dry-run create, compared with the input as sent (defaulting and every admission step included)',
    hint: '',
  },
  PreviewRevisionObjectPath: {
    level: 'Info',
    summary:
      "what-if --revision: pod label istio.io/rev makes the revision's webhook select the pod (the admission engine checked it first)",
    hint: 'kubectl label namespace {namespace} istio.io/rev={revision} --overwrite   # or set the label on the pod template',
  },
  PreviewRevisionDirect: {
    level: 'Info',
    summary:
      "what-if --revision: an AdmissionReview was posted to the revision's injector through the API server's service proxy (nothing is created)",
    hint: 'kubectl auth can-i create services/{service} --subresource=proxy -n {serviceNamespace}',
  },
  PreviewRevisionNoRoute: {
    level: 'Error',
    summary:
      'the revision cannot be previewed: no webhook of it would select the pod, and posting to the injector through services/proxy is not allowed',
    hint: 'kubectl auth can-i create services/{service} --subresource=proxy -n {serviceNamespace}; or preview in a namespace without istio-injection labels: kubectl inject-diff {target} -n <other> --revision {revision}',
  },
  PreviewRevisionNotFound: {
    level: 'Error',
    summary: 'no Istio webhook configuration serves this revision or tag',
    hint: 'kubectl get mutatingwebhookconfigurations -l istio.io/rev --show-labels',
  },
  PreviewObserved: {
    level: 'Info',
    summary:
      "observed: the owner's pod template against the running pod (what admission really did); no request is sent",
    hint: '',
  },
  PreviewRestart: {
    level: 'Info',
    summary:
      "the pod is already injected: the running pod against the pod a restart would create now from its owner's template (server-side dry-run)",
    hint: 'kubectl rollout restart {ownerKind}/{ownerName} -n {namespace}',
  },
  PreviewRestartBare: {
    level: 'Info',
    summary:
      'the pod is already injected and has no owner: the running pod against itself re-created without its injection (from sidecar.istio.io/status), through a server-side dry-run',
    hint: 'kubectl get pod {name} -n {namespace} -o yaml > pod.yaml   # delete and re-create it to apply the change',
  },
  PreviewNoController: {
    level: 'Error',
    summary: 'the pod has no controller, so there is no template to compare it with',
    hint: 'kubectl inject-diff {name} -n {namespace}   # preview a re-created pod instead',
  },
  PreviewOwnerMissing: {
    level: 'Error',
    summary: "the pod's controller could not be found, so there is no template to compare it with",
    hint: 'kubectl get {ownerKind} {ownerName} -n {namespace}   # or add it to --from',
  },
  PreviewAlreadyInjected: {
    level: 'Warning',
    summary:
      'the manifest already carries sidecar.istio.io/status: Istio skips injected pods, so a re-create preview shows no injection',
    hint: 'kubectl inject-diff {name} -n {namespace}   # for the running pod: what a restart would change',
  },
  PreviewWebhookSkipped: {
    level: 'Warning',
    summary:
      'an Istio webhook selects the pod but the result has no sidecar: failurePolicy Ignore let the API server skip a webhook it could not call',
    hint: 'kubectl inject-check {target} -n {namespace} --health',
  },
  PreviewDryRunFailed: {
    level: 'Error',
    summary: 'the API server rejected the dry-run create of the pod',
    hint: 'kubectl create -f pod.yaml -n {namespace} --dry-run=server -o yaml',
  },
  PreviewDryRunForbidden: {
    level: 'Error',
    summary: 'creating pods (even as a dry run) is forbidden for these credentials',
    hint: 'kubectl auth can-i create pods -n {namespace}',
  },
  PreviewDirectFailed: {
    level: 'Error',
    summary: "the injector's answer through the service proxy could not be used",
    hint: 'kubectl get --raw /api/v1/namespaces/{serviceNamespace}/services/https:{service}:https-webhook/proxy/inject -v4',
  },
  PreviewRejectedDiff: {
    level: 'Info',
    summary:
      "the dry run was rejected after injection; the diff is the injector's own answer (its /inject through the service proxy): the pod admission then refused",
    hint: '',
  },
  PreviewRejectedNoDiff: {
    level: 'Warning',
    summary:
      'the dry run was rejected after injection and the injector could not be asked directly, so there is no diff to show',
    hint: 'kubectl auth can-i create services/{service} --subresource=proxy -n {serviceNamespace}',
  },
  PreviewDryRunAsUser: {
    level: 'Warning',
    summary:
      "the dry run ran as you, but the workload's pods are created by its controller: Pod Security username exemptions and policies that read userInfo can answer it differently",
    hint: 'kubectl get events -n {namespace} --field-selector reason=FailedCreate',
  },
} as const satisfies Record<string, ReasonDefinition>
