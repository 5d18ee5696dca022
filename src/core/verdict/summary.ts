// Buckets verdicts for the summary line and for --fail-on; every verdict lands in exactly one bucket, so the counts add up.
import {byDesignCauses} from './nearest-cause.js'
import {describeReason} from './reasons.js'
import type {Verdict} from './verdict.js'

export type VerdictBucket =
  | 'Injected'
  | 'NeedsRestart'
  | 'Drift'
  | 'Stale'
  | 'Rejected'
  | 'Unknown'
  | 'NotInjectedByDesign'
  | 'NotEnabled'
  | 'Misconfigured'

const has = (verdict: Verdict, kind: Verdict['findings'][number]['kind']): boolean =>
  verdict.findings.some((f) => f.kind === kind)

// Pods are being rejected now; WebhookFailing (a running pod whose next restart would fail) is a warning, not a bucket.
// Pods are being rejected now (a failing webhook under failurePolicy Fail), or the injected pod fails admission after injection.
const blocksCreation = (verdict: Verdict): boolean =>
  verdict.findings.some((f) => f.code === 'WebhookBlocksCreation') || verdict.admitted === false

/** A Misconfiguration finding that is not merely informational (a deprecated annotation still injects). */
const misconfigured = (verdict: Verdict): boolean =>
  verdict.findings.some((f) => f.kind === 'Misconfiguration' && describeReason(f.code).level !== 'Info')

export const bucketOf = (verdict: Verdict): VerdictBucket => {
  if (verdict.outcome === 'Unknown') return 'Unknown'
  // Pods of this target are being rejected now (a failing webhook with failurePolicy Fail), whatever istiod would decide.
  if (verdict.outcome === 'Reject' || blocksCreation(verdict)) return 'Rejected'
  if (has(verdict, 'NeedsRestart')) return 'NeedsRestart'
  if (has(verdict, 'UnexpectedSidecar') || has(verdict, 'RevisionDrift')) return 'Drift'
  if (has(verdict, 'StaleProxy')) return 'Stale'
  if (verdict.outcome === 'Inject') return 'Injected'
  if (byDesignCauses.has(verdict.decidedBy ?? verdict.reason) || byDesignCauses.has(verdict.reason))
    return 'NotInjectedByDesign'
  if (misconfigured(verdict)) return 'Misconfigured'
  return 'NotEnabled'
}

/** One count per bucket; `total` is their sum. */
export interface VerdictSummary {
  readonly total: number
  /** Injected, or would be, and current. */
  readonly injected: number
  readonly needsRestart: number
  /** Revision drift or an unexpected sidecar. */
  readonly drift: number
  /** Injected, but the proxy image is older than what the injector injects now. */
  readonly stale: number
  /** Would be rejected, or pods are being rejected (a failing webhook under failurePolicy Fail). */
  readonly rejected: number
  readonly unknown: number
  /** Opted out, ignored namespace, hostNetwork, injector policy disabled, namespace disabled. */
  readonly notInjectedByDesign: number
  /** Neither the namespace nor the pod is labelled for injection. */
  readonly notEnabled: number
  /** Not injected because of a mistake a Misconfiguration finding names. */
  readonly misconfigured: number
}

export const summarizeVerdicts = (verdicts: readonly Verdict[]): VerdictSummary => {
  const counts = new Map<VerdictBucket, number>()
  for (const v of verdicts) counts.set(bucketOf(v), (counts.get(bucketOf(v)) ?? 0) + 1)
  const count = (bucket: VerdictBucket): number => counts.get(bucket) ?? 0
  return {
    total: verdicts.length,
    injected: count('Injected'),
    needsRestart: count('NeedsRestart'),
    drift: count('Drift'),
    stale: count('Stale'),
    rejected: count('Rejected'),
    unknown: count('Unknown'),
    notInjectedByDesign: count('NotInjectedByDesign'),
    notEnabled: count('NotEnabled'),
    misconfigured: count('Misconfigured'),
  }
}

export const failOnConditions = [
  'not-injected',
  'drift',
  'unknown',
  'reject',
  'misconfigured',
  'stale',
] as const
export type FailOnCondition = (typeof failOnConditions)[number]

/** Whether a verdict trips one of the --fail-on conditions (CI gates). */
export const matchesFailOn = (verdict: Verdict, conditions: readonly FailOnCondition[]): boolean =>
  conditions.some((condition) => {
    switch (condition) {
      case 'not-injected':
        return verdict.outcome === 'Skip' || verdict.injected === false
      case 'drift':
        return verdict.findings.some(
          (f) => f.kind === 'NeedsRestart' || f.kind === 'UnexpectedSidecar' || f.kind === 'RevisionDrift',
        )
      case 'unknown':
        return verdict.outcome === 'Unknown'
      case 'reject':
        return verdict.outcome === 'Reject' || blocksCreation(verdict)
      case 'misconfigured':
        return misconfigured(verdict)
      case 'stale':
        return has(verdict, 'StaleProxy')
    }
  })
