// What inject-diff computes for one pod: the route taken, before/after, the patch, the webhooks, or a diagnosed failure.
import type {ReasonCode} from '../verdict/reasons.js'
import type {WebhookRef} from '../verdict/verdict.js'
import {patchOfDelta, podDelta} from './delta.js'
import type {PatchOperation} from './json-patch.js'
import type {PodObject} from './pod-builder.js'
import {rebase} from './rebase.js'
import {summarizeChanges} from './change-summary.js'
import type {ChangeSummary} from './change-summary.js'

/**
 * dry-run: server-side dryRun=All create; direct: AdmissionReview to the injector via services/proxy; observed: template
 * vs running pod; restart: an injected running pod against the pod a restart would create now (dry-run).
 */
export type PreviewRoute = 'dry-run' | 'direct' | 'observed' | 'restart'

export interface PreviewSubject {
  /** `Pod`, a workload kind, or `Manifest`. */
  readonly kind: string
  readonly namespace: string
  readonly name: string
  /** File a manifest came from. */
  readonly source?: string
}

export interface WebhookAttribution extends WebhookRef {
  readonly istio: boolean
  /** True when this webhook's mutation is in the diff (Istio injector whose revision is in the result). */
  readonly mutated: boolean
  readonly failurePolicy: string
}

export interface PreviewNote {
  readonly code: ReasonCode
  readonly message: string
}

export interface PreviewFailure {
  readonly code: ReasonCode
  /** The API server's (or the injector's) message, verbatim. */
  readonly message: string
  /** One-line diagnosis. */
  readonly diagnosis: string
  readonly hint: string
}

export interface PodPreview {
  readonly subject: PreviewSubject
  readonly route: PreviewRoute
  /** Why this route (what-if --revision, or the route's own explanation). */
  readonly routeReason: PreviewNote
  readonly revision: string | null
  readonly webhooks: readonly WebhookAttribution[]
  readonly raw: boolean
  readonly before: PodObject | null
  readonly after: PodObject | null
  readonly patch: readonly PatchOperation[]
  readonly summary: ChangeSummary | null
  readonly warnings: readonly PreviewNote[]
  readonly failure: PreviewFailure | null
}

export const hasDifferences = (preview: PodPreview): boolean => preview.patch.length > 0

/** The pod object without `status`: what a user writes and patches (the API server computes status). */
export const withoutStatus = (pod: PodObject): PodObject => {
  const {status: _status, ...rest} = pod
  return rest
}

/** A successful preview: patch (from the diff's delta) and summary of before/after, both without status (the patch applies to `before`). */
export const completePreview = (
  base: Omit<PodPreview, 'patch' | 'summary' | 'failure' | 'before' | 'after'>,
  before: PodObject,
  after: PodObject,
): PodPreview => {
  const left = withoutStatus(before)
  const right = withoutStatus(after)
  return {
    ...base,
    before: left,
    after: right,
    patch: patchOfDelta(podDelta(left, right)),
    summary: summarizeChanges(left, right),
    failure: null,
  }
}

/** A preview that could not be made: the failure replaces the diff. */
export const failedPreview = (
  base: Omit<PodPreview, 'patch' | 'summary' | 'failure' | 'before' | 'after'>,
  failure: PreviewFailure,
): PodPreview => ({
  ...base,
  before: null,
  after: null,
  patch: [],
  summary: null,
  failure,
})

/** A dry run rejected after injection: the failure, and the diff of what injection produced before admission refused it. */
export const rejectedPreview = (
  base: Omit<PodPreview, 'patch' | 'summary' | 'failure' | 'before' | 'after'>,
  before: PodObject,
  after: PodObject,
  failure: PreviewFailure,
): PodPreview => ({...completePreview(base, before, after), failure})

/** Revision that injected the result: `sidecar.istio.io/status` revision, else annotation `istio.io/rev`. */
// istio: pkg/kube/inject/webhook.go (status annotation carries the revision); istioctl describe GetRevisionFromPodAnnotation
export const revisionOfResult = (pod: PodObject | null): string | null => {
  const annotations = ((pod?.metadata as {annotations?: Record<string, unknown>} | undefined)?.annotations ??
    {}) as Record<string, unknown>
  const status = annotations['sidecar.istio.io/status']
  if (typeof status === 'string') {
    try {
      const parsed = JSON.parse(status) as {revision?: unknown}
      if (typeof parsed.revision === 'string' && parsed.revision !== '') return parsed.revision
    } catch {
      // fall back to the rev annotation
    }
  }
  const rev = annotations['istio.io/rev']
  return typeof rev === 'string' && rev !== '' ? rev : null
}

/** True when the pod carries Istio's injection status annotation. */
export const isInjected = (pod: PodObject | null): boolean =>
  typeof ((pod?.metadata as {annotations?: Record<string, unknown>} | undefined)?.annotations ?? {})[
    'sidecar.istio.io/status'
  ] === 'string'

/** kubectl diff semantics: 2 when any preview failed, else 1 when any differs, else 0. */
export const diffExitCode = (previews: readonly PodPreview[]): 0 | 1 | 2 =>
  previews.some((p) => p.failure !== null) ? 2 : previews.some(hasDifferences) ? 1 : 0

/** A running pod's preview carried onto the pod as stored (`kubectl get pod -o yaml`), so its patch applies to that pod. */
export const onStoredPod = (preview: PodPreview, stored: PodObject): PodPreview => {
  if (preview.failure !== null || preview.before === null || preview.after === null) return preview
  const {patch: _patch, summary: _summary, failure: _failure, before, after, ...rest} = preview
  return completePreview(rest, stored, rebase(before, after, withoutStatus(stored)) as PodObject)
}
