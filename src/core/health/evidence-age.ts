// Evidence has an age: a FailedCreate is about its workload at its time, judged against the snapshot's time (live:
// when it was read; a bundle: when it was collected), never against the clock of whoever reads the bundle later.
import type {ClusterSnapshot, EventFacts} from '../snapshot.js'

// k8s: staging/src/k8s.io/client-go/util/workqueue/default_rate_limiters.go — controllers retry a failed create with
// a backoff capped at 1000 s, so a webhook that still fails renews its FailedCreate within ~17 minutes; an event not
// renewed for an hour (kube-apiserver's default --event-ttl) is history.
export const recentEvidenceSeconds = 60 * 60

const newestEventTime = (events: readonly EventFacts[]): number | undefined => {
  let newest: number | undefined
  for (const event of events) {
    const t = event.lastTimestamp === undefined ? Number.NaN : Date.parse(event.lastTimestamp)
    if (!Number.isNaN(t) && (newest === undefined || t > newest)) newest = t
  }
  return newest
}

/** When the snapshot shows the cluster: its recorded time, else its newest event (a bundle's lower bound), else `clock`. */
export const snapshotTime = (snapshot: Pick<ClusterSnapshot, 'takenAt' | 'events'>, clock: Date): Date => {
  const recorded = snapshot.takenAt === undefined ? Number.NaN : Date.parse(snapshot.takenAt)
  if (!Number.isNaN(recorded)) return new Date(recorded)
  const newest = newestEventTime(snapshot.events)
  return newest === undefined ? clock : new Date(newest)
}

/** Seconds between the evidence and the snapshot; undefined when neither a timestamp nor a relative age is known. */
export const evidenceAgeSeconds = (
  evidence: {
    readonly lastTimestamp?: string | null | undefined
    readonly ageSeconds?: number | null | undefined
  },
  at: Date,
): number | undefined => {
  if (evidence.ageSeconds !== undefined && evidence.ageSeconds !== null) return evidence.ageSeconds
  const t = evidence.lastTimestamp == null ? Number.NaN : Date.parse(evidence.lastTimestamp)
  return Number.isNaN(t) ? undefined : Math.max(0, Math.round((at.getTime() - t) / 1000))
}

/** Evidence of unknown age counts as recent: nothing shows it is history. */
export const isRecentAge = (ageSeconds: number | null | undefined): boolean =>
  ageSeconds === undefined || ageSeconds === null || ageSeconds <= recentEvidenceSeconds

/** `42s`, `17m`, `3h5m`, `2d4h`: kubectl's short age. */
export const formatAge = (seconds: number): string => {
  if (seconds < 120) return `${seconds}s`
  const minutes = Math.floor(seconds / 60)
  if (minutes < 180) return `${minutes}m`
  const hours = Math.floor(minutes / 60)
  if (hours < 48) return `${hours}h${minutes % 60 === 0 ? '' : `${minutes % 60}m`}`
  return `${Math.floor(hours / 24)}d${hours % 24 === 0 ? '' : `${hours % 24}h`}`
}
