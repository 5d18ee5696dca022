// A failed dry-run create (or direct AdmissionReview) → the API server's message plus a one-line diagnosis, reusing the
// failure-event classifier so inject-diff names a cause the way inject-check --health does.
import {classifyAdmissionRejection} from '../admission-after/rejection-texts.js'
import {sh} from '../verdict/shell-command.js'
import {classifyFailureEvents, istiodSelector, revisionOfIstiodService} from '../health/failure-events.js'
import {describeReason} from '../verdict/reasons.js'
import type {PreviewFailure} from './preview.js'

const classify = (message: string, namespace: string, name: string): PreviewFailure | undefined => {
  // The classifier reads controller FailedCreate events; a dry-run Status carries the same message shape.
  const [diagnosis] = classifyFailureEvents([
    {namespace, involvedObject: {kind: 'Pod', name, namespace}, reason: 'FailedCreate', message},
  ])
  if (diagnosis === undefined) return undefined
  const webhook = diagnosis.webhook === null ? '' : ` (webhook ${diagnosis.webhook})`
  const service = diagnosis.service
  // kubernetes: staging/src/k8s.io/apiserver/pkg/util/proxy/proxy.go ResolveEndpoint ("no endpoints available for service").
  if (diagnosis.code === 'WebhookNoEndpoints' && service !== null) {
    const revision = revisionOfIstiodService(service.name)
    return {
      code: diagnosis.code,
      message,
      diagnosis: `${service.name} has no ready endpoints: ${describeReason(diagnosis.code).summary}${webhook}`,
      hint: sh`kubectl get pods -n ${service.namespace} -l ${istiodSelector(revision)}; kubectl get endpointslices -n ${service.namespace} -l kubernetes.io/service-name=${service.name}`,
    }
  }
  return {
    code: diagnosis.code,
    message,
    diagnosis: `${describeReason(diagnosis.code).summary}${webhook}`,
    hint: diagnosis.hints[0] ?? describeReason(diagnosis.code).hint,
  }
}

/** Classifies the Status message of a rejected dry-run create (webhook unreachable, timeout, x509, denied, …). */
export const diagnoseDryRunFailure = (
  message: string,
  code: number,
  namespace: string,
  name: string,
): PreviewFailure => {
  // Rejected after injection (Pod Security, quota, LimitRange, policies): the same codes inject-check predicts with.
  const rejected = classifyAdmissionRejection(message, namespace)
  if (rejected !== undefined)
    return {
      code: rejected.code,
      message,
      // Who the dry run ran as (you, not a workload's controller) is a preview note: dry-run.ts knows the subject.
      diagnosis: `${rejected.cause} (after injection)`,
      hint: rejected.hint,
    }
  const classified = classify(message, namespace, name)
  if (classified !== undefined) return classified
  if (code === 403) {
    return {
      code: 'PreviewDryRunForbidden',
      message,
      diagnosis: describeReason('PreviewDryRunForbidden').summary,
      hint: sh`kubectl auth can-i create pods -n ${namespace}`,
    }
  }
  return {
    code: 'PreviewDryRunFailed',
    message,
    diagnosis: describeReason('PreviewDryRunFailed').summary,
    hint: sh`kubectl create -f pod.yaml -n ${namespace} --dry-run=server -o yaml`,
  }
}

/** The direct route's failure: the service proxy answers with the same causes (no endpoints, refused, x509, timeout). */
export const diagnoseDirectFailure = (
  message: string,
  service: {readonly namespace: string; readonly name: string},
  probe: string,
): PreviewFailure => {
  // kubernetes: staging/src/k8s.io/apiserver/pkg/util/proxy/proxy.go ResolveEndpoint, the proxy's bare Status message.
  if (/no endpoints available for service/.test(message)) {
    const revision = revisionOfIstiodService(service.name)
    return {
      code: 'WebhookNoEndpoints',
      message,
      diagnosis: `${service.name} has no ready endpoints: ${describeReason('WebhookNoEndpoints').summary}`,
      hint: sh`kubectl get pods -n ${service.namespace} -l ${istiodSelector(revision)}; kubectl get endpointslices -n ${service.namespace} -l kubernetes.io/service-name=${service.name}`,
    }
  }
  // Other causes arrive wrapped the way a webhook call failure is, so the event classifier reads them alike.
  const named = `failed calling webhook "${service.name}": failed to call webhook: ${message}`
  const classified = classify(named, service.namespace, service.name)
  if (classified !== undefined && classified.code !== 'WebhookCallFailed')
    return {...classified, message, diagnosis: describeReason(classified.code).summary}
  return {
    code: 'PreviewDirectFailed',
    message,
    diagnosis: describeReason('PreviewDirectFailed').summary,
    hint: sh`kubectl get --raw ${probe} -v4`,
  }
}
