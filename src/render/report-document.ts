// The machine-readable contract of inject-check: a versioned, List-shaped InjectionReport for --json and -o json|yaml.
// Field names are stable; new fields may be added, none renamed or removed within v1alpha1.
import {stringify} from 'yaml'
import type {Gap, SnapshotOrigin} from '../core/snapshot.js'
import {formatLabelEdit} from '../core/verdict/label-edit.js'
import type {LabelEdit} from '../core/verdict/label-edit.js'
import {describeReason} from '../core/verdict/reasons.js'
import type {ReasonCode} from '../core/verdict/reasons.js'
import {summarizeVerdicts} from '../core/verdict/summary.js'
import type {VerdictSummary} from '../core/verdict/summary.js'
import type {
  Check,
  Finding,
  Outcome,
  TargetKind,
  Verdict,
  WebhookMatch,
  WebhookRef,
} from '../core/verdict/verdict.js'

export const reportApiVersion = 'inject.kubectl.io/v1alpha1'

export interface InjectionReportItem {
  readonly kind: TargetKind
  readonly namespace: string
  readonly name: string
  /** File a manifest target came from. */
  readonly source?: string
  readonly injected: boolean | null
  readonly wouldInject: boolean | null
  readonly outcome: Outcome
  readonly reason: ReasonCode
  /** The catalog summary of `reason`, for readers without the catalog. */
  readonly message: string
  readonly revision: string | null
  readonly tag: string | null
  readonly injectedRevision: string | null
  readonly webhook: WebhookRef | null
  readonly owner: {readonly kind: string; readonly name: string} | null
  readonly matches: readonly WebhookMatch[]
  readonly checks: readonly Check[]
  readonly findings: readonly Finding[]
  readonly actions: readonly string[]
}

export type ReportSource =
  | {readonly kind: 'live'; readonly context: string; readonly server: string}
  | {readonly kind: 'files'; readonly paths: readonly string[]}

export interface InjectionReport {
  readonly apiVersion: typeof reportApiVersion
  readonly kind: 'InjectionReport'
  /** `whatIf` holds the label edits in kubectl label syntax (`istio.io/rev=canary, istio-injection-`). */
  readonly metadata: {
    readonly source: ReportSource
    readonly whatIf?: {readonly namespaceLabels?: string; readonly podLabels?: string}
  }
  readonly items: readonly InjectionReportItem[]
  readonly summary: VerdictSummary
  /** Parts of the cluster that could not be read; their checks are Unknown. */
  readonly gaps: readonly Gap[]
}

const toItem = (verdict: Verdict): InjectionReportItem => ({
  kind: verdict.target.kind,
  namespace: verdict.target.namespace,
  name: verdict.target.name,
  ...(verdict.target.source === undefined ? {} : {source: verdict.target.source}),
  injected: verdict.injected,
  wouldInject: verdict.wouldInject,
  outcome: verdict.outcome,
  reason: verdict.reason,
  message: describeReason(verdict.reason).summary,
  revision: verdict.revision,
  tag: verdict.tag,
  injectedRevision: verdict.injectedRevision,
  webhook: verdict.webhook,
  owner: verdict.owner ?? null,
  matches: verdict.matches,
  checks: verdict.checks,
  findings: verdict.findings,
  actions: verdict.actions,
})

const toSource = (origin: SnapshotOrigin): ReportSource =>
  origin.kind === 'live'
    ? {kind: 'live', context: origin.context, server: origin.server}
    : {kind: 'files', paths: origin.paths}

export interface ReportInputs {
  readonly origin: SnapshotOrigin
  readonly verdicts: readonly Verdict[]
  readonly gaps: readonly Gap[]
  readonly namespaceLabels?: LabelEdit | undefined
  readonly podLabels?: LabelEdit | undefined
}

/** Builds the report; items keep the verdicts' order. */
export const buildInjectionReport = ({
  origin,
  verdicts,
  gaps,
  namespaceLabels,
  podLabels,
}: ReportInputs): InjectionReport => {
  const whatIf = {
    ...(namespaceLabels === undefined ? {} : {namespaceLabels: formatLabelEdit(namespaceLabels)}),
    ...(podLabels === undefined ? {} : {podLabels: formatLabelEdit(podLabels)}),
  }
  return {
    apiVersion: reportApiVersion,
    kind: 'InjectionReport',
    metadata: {source: toSource(origin), ...(Object.keys(whatIf).length > 0 ? {whatIf} : {})},
    items: verdicts.map(toItem),
    summary: summarizeVerdicts(verdicts),
    gaps,
  }
}

/** JSON (2-space, newline-terminated) or YAML 1.1 without line folding, so kubectl-style consumers read it. */
export const renderReportDocument = (report: InjectionReport, format: 'json' | 'yaml'): string =>
  format === 'json'
    ? `${JSON.stringify(report, null, 2)}\n`
    : stringify(report, {version: '1.1', lineWidth: 0})
