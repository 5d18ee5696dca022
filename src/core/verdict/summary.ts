// Buckets verdicts for the summary line and for --fail-on; every verdict lands in exactly one bucket.
import type {Verdict} from './verdict.js'

export type VerdictBucket = 'Injected' | 'NotInjected' | 'NeedsRestart' | 'Drift' | 'Unknown' | 'Rejected'

export const bucketOf = (verdict: Verdict): VerdictBucket => {
  if (verdict.outcome === 'Unknown') return 'Unknown'
  // Pods of this target are being rejected now (a failing webhook with failurePolicy Fail), whatever istiod would decide.
  if (verdict.outcome === 'Reject' || verdict.findings.some((f) => f.kind === 'CreationBlocked'))
    return 'Rejected'
  if (verdict.findings.some((f) => f.kind === 'NeedsRestart')) return 'NeedsRestart'
  if (verdict.findings.some((f) => f.kind === 'UnexpectedSidecar' || f.kind === 'RevisionDrift'))
    return 'Drift'
  return verdict.outcome === 'Inject' ? 'Injected' : 'NotInjected'
}

export interface VerdictSummary {
  readonly total: number
  readonly injected: number
  readonly notInjected: number
  readonly needsRestart: number
  readonly drift: number
  readonly unknown: number
  readonly rejected: number
  /** Verdicts with a StaleProxy finding; an overlay across buckets (a stale proxy is still injected); absent when 0. */
  readonly staleProxies?: number
}

export const summarizeVerdicts = (verdicts: readonly Verdict[]): VerdictSummary => {
  const count = (bucket: VerdictBucket): number => verdicts.filter((v) => bucketOf(v) === bucket).length
  const stale = verdicts.filter((v) => v.findings.some((f) => f.kind === 'StaleProxy')).length
  return {
    total: verdicts.length,
    injected: count('Injected'),
    notInjected: count('NotInjected'),
    needsRestart: count('NeedsRestart'),
    drift: count('Drift'),
    unknown: count('Unknown'),
    rejected: count('Rejected'),
    ...(stale > 0 ? {staleProxies: stale} : {}),
  }
}

export const failOnConditions = ['not-injected', 'drift', 'unknown', 'reject'] as const
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
        return verdict.outcome === 'Reject' || verdict.findings.some((f) => f.kind === 'CreationBlocked')
    }
  })
