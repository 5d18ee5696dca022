// The machine-readable contract of inject-check: a versioned, List-shaped InjectionReport for --json and -o json|yaml.
// Field names are stable; new fields may be added, none renamed or removed within v1alpha1.
import {inertYaml} from './yaml-text.js'
import {jsonChunks} from './json-chunks.js'
import type {HealthReport} from '../core/health/health-report.js'
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
  FixAlternative,
  Outcome,
  TargetKind,
  Verdict,
  VerdictSources,
  WebhookMatch,
  WebhookRef,
} from '../core/verdict/verdict.js'

export const reportApiVersion = 'inject.kubectl.io/v1alpha1'

export interface InjectionReportItem {
  /** Fleet runs (several contexts): the kubeconfig context the item was read from. Absent for one context. */
  readonly context?: string
  readonly kind: TargetKind
  readonly namespace: string
  readonly name: string
  /** File a manifest target came from. */
  readonly source?: string
  readonly injected: boolean | null
  readonly wouldInject: boolean | null
  readonly outcome: Outcome
  /** The most actionable code (the table's REASON): a blocking/drift/stale finding first, else the decision's cause. */
  readonly reason: ReasonCode
  /** The catalog summary of `reason`, for readers without the catalog. */
  readonly message: string
  /** The decisive check's code, e.g. PolicyEnabled or NoInjectorWebhookMatches. */
  readonly decidedBy: ReasonCode
  readonly revision: string | null
  readonly tag: string | null
  readonly injectedRevision: string | null
  readonly webhook: WebhookRef | null
  readonly owner: {readonly kind: string; readonly name: string} | null
  readonly matches: readonly WebhookMatch[]
  readonly checks: readonly Check[]
  readonly findings: readonly Finding[]
  /** Copy-pasteable commands only. */
  readonly actions: readonly string[]
  /** What no command says (a file edit, a schedule, the reach of a namespace label). */
  readonly notes: readonly string[]
  /** Other fixes to the same end, each `description` and `actions`. */
  readonly alternatives: readonly FixAlternative[]
  /** Would the pod injection produces be admitted (Pod Security, LimitRange, ResourceQuota); null when not knowable. */
  readonly admitted: boolean | null
  /**
   * Admission after injection, like `checks` (`stage` Admission, `code`, `result`, `subject`, `detail`): what the injector
   * emits, then Pod Security (enforce/warn/audit), LimitRange, validating policies and webhooks, ResourceQuota.
   */
  readonly admission: readonly Check[]
  /**
   * Provenance of each fact the verdict read: `pod` or `workload`, `namespace`, `webhookConfiguration`,
   * `injectorConfigMap`; each `live` or the file (with `!entry` inside an archive). Absent keys: not in the snapshot.
   */
  readonly sources?: VerdictSources
}

/** Where one context's objects came from. */
export type ContextSource =
  | {readonly kind: 'live'; readonly context: string; readonly server: string}
  | {readonly kind: 'files'; readonly paths: readonly string[]}

export type ReportSource =
  | ContextSource
  | {
      readonly kind: 'fleet'
      readonly contexts: readonly {readonly context: string; readonly source?: ContextSource}[]
    }

/** Fleet runs: one entry per context, in run order; `error` (with `exit`) when the context could not be read. */
export interface FleetContextEntry {
  readonly context: string
  readonly summary?: VerdictSummary
  readonly error?: {readonly message: string; readonly hint?: string; readonly exit: number}
  /** With --health: that context's health report. */
  readonly health?: HealthReport
}

/** A gap of a fleet run names its context (a whole context that failed is a gap with resource `contexts`). */
export type ReportGap = Gap & {readonly context?: string}

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
  readonly gaps: readonly ReportGap[]
  /** Fleet runs only: per context summary, error and health (`summary` above is the total). */
  readonly contexts?: readonly FleetContextEntry[]
  /**
   * With --health: the injector webhook health report.
   * - `generatedAt` (ISO time the checks were judged at), `platform` (EKS/GKE/AKS/OpenShift… or null),
   *   `state` (Healthy|Degraded|Failing|Unknown), `summary` (the one-line form the sweep footer prints);
   * - `configurations[]`: per MutatingWebhookConfiguration `configuration`, `revision`, `tag`, `state`, `reason`;
   * - `webhooks[]`: per Istio webhook `configuration`, `webhook`, `revision`, `tag`, `service` (or `url`),
   *   `failurePolicy`, `timeoutSeconds`, `reinvocationPolicy`, `readyEndpoints`, `state`, and `checks[]` (`code`,
   *   `result` Pass|Fail|Unknown|Info, `subject`, `detail`) for the service chain, endpoints, caBundle,
   *   failurePolicy, foreign selector terms and ordering;
   * - `failures[]`: classified FailedCreate events and istiod log lines (`code`, `object`, `count`, `webhook`,
   *   `message`, `hints` for the platform, `source`);
   * - `proxies[]`: stale proxy images and orphaned revisions per pod (`image`, `expected`, `revision`, `owner`);
   * - `plan`: the restart plan (`steps[]` in order with `commands`, `blockedBy`, `gateway`; `counts`; `blocked`);
   * - `findings[]`: everything above that needs action, errors first (`severity`, `code`, `subject`, `detail`,
   *   `hint`, `moreHints`, `unknown`, `source`).
   */
  readonly health?: HealthReport
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
  decidedBy: verdict.decidedBy ?? verdict.reason,
  revision: verdict.revision,
  tag: verdict.tag,
  injectedRevision: verdict.injectedRevision,
  webhook: verdict.webhook,
  owner: verdict.owner ?? null,
  matches: verdict.matches,
  checks: verdict.checks,
  findings: verdict.findings,
  actions: verdict.actions,
  notes: verdict.notes ?? [],
  alternatives: verdict.alternatives ?? [],
  admitted: verdict.admitted ?? null,
  admission: verdict.admission ?? [],
  ...(verdict.sources === undefined ? {} : {sources: verdict.sources}),
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
  readonly health?: HealthReport | undefined
}

/** Builds the report; items keep the verdicts' order. */
export const buildInjectionReport = ({
  origin,
  verdicts,
  gaps,
  namespaceLabels,
  podLabels,
  health,
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
    ...(health === undefined ? {} : {health}),
  }
}

/** JSON (2-space, newline-terminated) or YAML 1.1 without line folding, so kubectl-style consumers read it. */
/** The document as chunks for the writer: JSON item by item (same text as renderReportDocument), YAML whole. */
export function* renderReportDocumentChunks(
  report: InjectionReport,
  format: 'json' | 'yaml',
): Generator<string> {
  if (format === 'yaml') {
    yield renderReportDocument(report, format)
    return
  }
  yield* jsonChunks(report)
  yield '\n'
}

export const renderReportDocument = (report: InjectionReport, format: 'json' | 'yaml'): string =>
  format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : inertYaml(report, {version: '1.1'})
