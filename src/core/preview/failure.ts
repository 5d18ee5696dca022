// A failed dry-run create → the API server's message plus a one-line diagnosis, reusing the failure-event classifier.
import {classifyFailureEvents} from '../health/failure-events.js'
import {describeReason} from '../verdict/reasons.js'
import type {PreviewFailure} from './preview.js'

/** Classifies the Status message of a rejected dry-run create (webhook unreachable, timeout, x509, denied, …). */
export const diagnoseDryRunFailure = (
  message: string,
  code: number,
  namespace: string,
  name: string,
): PreviewFailure => {
  // The classifier reads controller FailedCreate events; a dry-run Status carries the same message shape.
  const [diagnosis] = classifyFailureEvents([
    {namespace, involvedObject: {kind: 'Pod', name, namespace}, reason: 'FailedCreate', message},
  ])
  if (diagnosis !== undefined) {
    return {
      code: diagnosis.code,
      message,
      diagnosis: `${describeReason(diagnosis.code).summary}${diagnosis.webhook === null ? '' : ` (webhook ${diagnosis.webhook})`}`,
      hint: diagnosis.hints[0] ?? describeReason(diagnosis.code).hint,
    }
  }
  if (code === 403) {
    return {
      code: 'PreviewDryRunForbidden',
      message,
      diagnosis: describeReason('PreviewDryRunForbidden').summary,
      hint: `kubectl auth can-i create pods -n ${namespace}`,
    }
  }
  return {
    code: 'PreviewDryRunFailed',
    message,
    diagnosis: describeReason('PreviewDryRunFailed').summary,
    hint: `kubectl create -f pod.yaml -n ${namespace} --dry-run=server -o yaml`,
  }
}
