// The one code a reader acts on first, shared by the table's REASON column, the trail header and the document.
import type {ReasonCode} from './reasons.js'
import type {Finding} from './verdict.js'

/** Findings that outrank the decision's cause, most urgent first. */
export const leadingFindingCodes: readonly ReasonCode[] = [
  'WebhookBlocksCreation',
  'WebhookFailing',
  'PodSecurityViolation',
  'LimitRangeViolation',
  'QuotaExceeded',
  'NeedsRestart',
  'RevisionDrift',
  'UnexpectedSidecar',
  'StaleProxyImage',
]

/** A blocking, drift or stale-proxy finding first, else the decision's specific cause. */
export const leadingReason = (cause: ReasonCode, findings: readonly Finding[]): ReasonCode =>
  leadingFindingCodes.find((code) => findings.some((f) => f.code === code)) ?? cause
