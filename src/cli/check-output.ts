// The render step of inject-check: a trail for one named target, a table for many, a document for json/yaml.
import type {TargetSpec} from '../core/target-spec.js'
import type {HealthReport} from '../core/health/health-report.js'
import type {ClusterSnapshot, Gap} from '../core/snapshot.js'
import {matchesFailOn} from '../core/verdict/summary.js'
import type {FailOnCondition} from '../core/verdict/summary.js'
import type {Verdict} from '../core/verdict/verdict.js'
import {renderHealth} from '../render/health.js'
import {renderMarkdownReport} from '../render/markdown-report.js'
import {renderReportDocumentChunks} from '../render/report-document.js'
import type {InjectionReport} from '../render/report-document.js'
import {sanitizeTerminalText} from '../render/terminal-text.js'
import {renderTrail} from '../render/trail.js'
import {renderSummaryLine, renderVerdictTable} from '../render/verdict-table.js'
import type {TableOptions} from '../render/verdict-table.js'
import {renderCustomColumns, renderNames} from '../render/item-printers.js'
import {renderJsonPath} from '../render/jsonpath.js'
import type {CheckFormat, CustomColumn} from './check-plan.js'

export interface CheckView {
  readonly report: InjectionReport
  readonly verdicts: readonly Verdict[]
  /** Undefined for -f manifests. */
  readonly target: TargetSpec | undefined
  readonly format: CheckFormat
  readonly colour: boolean
  /** The health report, when the view needs one (--health, -o markdown, the sweep footer). */
  readonly health?: HealthReport | undefined
  /** --health: the health view replaces the table and trail. */
  readonly healthView?: boolean | undefined
  /** Shown under the sweep's counts line (see healthFooter). */
  readonly footer?: string | undefined
  readonly snapshot?: Pick<ClusterSnapshot, 'origin' | 'gaps'> | undefined
  /** -v: every webhook's checks in the trail. */
  readonly verbose?: boolean | undefined
  /** Terminal columns the trail wraps to. */
  readonly width?: number | undefined
  /** -o jsonpath (the template's text) or -o custom-columns. */
  readonly printer?:
    | {readonly format: 'jsonpath'; readonly template: string}
    | {readonly format: 'custom-columns'; readonly columns: readonly CustomColumn[]}
    | undefined
  /** --no-headers, -L and --sort-by for the table. */
  readonly table?: Pick<TableOptions, 'labelColumns' | 'noHeaders' | 'keepOrder'> | undefined
}

/** What goes to stdout; undefined when there is nothing to show (the notice says so on stderr). */
export const renderCheckOutput = ({
  report,
  verdicts,
  target,
  format,
  colour,
  health,
  healthView,
  footer,
  snapshot,
  verbose,
  width,
  printer,
  table: tableOptions,
}: CheckView): string | Iterable<string> | undefined => {
  if (format === 'json' || format === 'yaml') return renderReportDocumentChunks(report, format)
  // kubectl prints a jsonpath template over the whole list, also an empty one.
  if (printer?.format === 'jsonpath')
    return renderJsonPath(printer.template, JSON.parse(JSON.stringify(report)))
  if (format === 'markdown' && health !== undefined)
    return renderMarkdownReport({
      report: health,
      verdicts,
      snapshotOrigin: snapshot?.origin ?? {kind: 'files', paths: []},
      gaps: snapshot?.gaps ?? report.gaps,
    })
  if (healthView === true && health !== undefined)
    return renderHealth(health, {color: colour, webhooks: true})
  if (verdicts.length === 0) return undefined
  if (format === 'name') return renderNames(verdicts.map((v) => v.target))
  if (printer?.format === 'custom-columns')
    return renderCustomColumns(
      JSON.parse(JSON.stringify(report.items)) as unknown[],
      printer.columns,
      tableOptions?.noHeaders === true,
    )
  const named = target !== undefined && target.kind !== 'sweep' && target.kind !== 'list'
  const [only] = verdicts
  if (format === 'table' && only !== undefined && verdicts.length === 1 && (named || target === undefined))
    return renderTrail(only, {
      colour,
      verbose: verbose === true,
      ...(width === undefined ? {} : {width}),
    })
  // A sweep may list workloads blocked before any pod exists: then the rows are targets, not pods.
  const allPods = verdicts.every((v) => v.target.kind === 'Pod')
  const noun =
    target?.kind === 'sweep' && allPods
      ? {one: 'pod', many: 'pods'}
      : target?.kind === 'list'
        ? {one: target.listKind.toLowerCase(), many: `${target.listKind.toLowerCase()}s`}
        : {one: 'target', many: 'targets'}
  const allNamespaces =
    (target?.kind === 'sweep' || (target?.kind === 'list' && target.listKind !== 'Namespace')) &&
    target.namespace === null
  const rows = renderVerdictTable(verdicts, {wide: format === 'wide', colour, allNamespaces, ...tableOptions})
  // --no-headers: the rows alone, as kubectl (no counts line, no footer) so scripts can read them.
  if (tableOptions?.noHeaders === true) return rows
  const table = `${rows}\n${renderSummaryLine(report.summary, noun)}`
  return footer === undefined ? table : `${table}${sanitizeTerminalText(footer)}\n`
}

/**
 * The condensed health line under a sweep's counts, without --health: shown when the webhooks have a problem the
 * snapshot proves (a failing or degraded configuration, failed pod creations), or when the snapshot holds health
 * evidence (Services, EndpointSlices, events: bundles, --collect) yet the webhooks could not be judged. A healthy
 * cluster gets no extra line; a plain live sweep reads no health extras, so only what its reads prove is shown.
 */
export const healthFooter = (
  health: HealthReport,
  snapshot: Pick<ClusterSnapshot, 'services' | 'endpointSlices' | 'events'>,
): string | undefined => {
  const evidence =
    snapshot.services.length > 0 || snapshot.endpointSlices.length > 0 || snapshot.events.length > 0
  const problem =
    health.configurations.some((c) => c.state === 'Failing' || c.state === 'Degraded') ||
    health.failures.length > 0
  const unjudged =
    health.configurations.length === 0 || health.configurations.some((c) => c.state === 'Unknown')
  return problem || (evidence && unjudged) ? health.summary : undefined
}

/** kubectl's wording when a sweep finds nothing. */
export const emptyNotice = (target: TargetSpec | undefined): string => {
  const listed = target?.kind === 'sweep' || target?.kind === 'list'
  if (listed && target.namespace !== null)
    return `No resources found in ${sanitizeTerminalText(target.namespace)} namespace.`
  if (listed) return 'No resources found.'
  return 'No pods or workloads found in the given manifests.'
}

/** One warning line per gap: the evaluation went on, but these checks are Unknown. */
export const gapWarnings = (gaps: readonly Gap[]): string[] =>
  gaps.map((gap) => {
    const where = `${gap.resource}${gap.name === undefined ? '' : ` "${gap.name}"`}${gap.namespace === undefined ? '' : ` in namespace "${gap.namespace}"`}`
    return sanitizeTerminalText(`could not read ${where} (${gap.reason}): ${gap.message}`)
  })

const failOnWhy = (verdict: Verdict, condition: FailOnCondition): string => {
  const finding = (kinds: readonly string[]) => verdict.findings.find((f) => kinds.includes(f.kind))?.code
  switch (condition) {
    case 'drift':
      return finding(['NeedsRestart', 'UnexpectedSidecar', 'RevisionDrift']) ?? verdict.reason
    case 'reject':
      return verdict.outcome === 'Reject' ? verdict.reason : (finding(['CreationBlocked']) ?? verdict.reason)
    case 'not-injected':
      return verdict.outcome === 'Skip' ? verdict.reason : `no sidecar now (${verdict.reason})`
    case 'stale':
      return finding(['StaleProxy']) ?? verdict.reason
    case 'misconfigured':
      return finding(['Misconfiguration']) ?? verdict.reason
    default:
      return verdict.reason
  }
}

/** A heading, then one stderr line per target that tripped --fail-on (condition and code), at most `limit`, then "and N more". */
export const failOnReport = (
  verdicts: readonly Verdict[],
  conditions: readonly FailOnCondition[],
  limit = 10,
): string[] => {
  const hits = verdicts.flatMap((v) => {
    const tripped = conditions.filter((c) => matchesFailOn(v, [c]))
    if (tripped.length === 0) return []
    const t = v.target
    const name = `${t.kind.toLowerCase()}/${t.name}${t.kind === 'Namespace' ? '' : ` -n ${t.namespace}`}`
    return [sanitizeTerminalText(`  ${name}: ${tripped.map((c) => `${c} (${failOnWhy(v, c)})`).join(', ')}`)]
  })
  if (hits.length === 0) return []
  const head = `--fail-on matched ${hits.length} ${hits.length === 1 ? 'target' : 'targets'}:`
  return [
    head,
    ...hits.slice(0, limit),
    ...(hits.length > limit ? [`  and ${hits.length - limit} more`] : []),
  ]
}

/** Compact provenance: `/a/demo-cluster/pods.yaml` → `demo-cluster/pods.yaml`; `/t/b.tar.gz!bug-report/cluster/pods` → `b.tar.gz!cluster/pods`. */
export const compactSource = (source: string): string => {
  const tail = (path: string, keep: number): string =>
    path
      .split(/[\\/]/)
      .filter((part) => part !== '')
      .slice(-keep)
      .join('/') || path
  const bang = source.indexOf('!')
  return bang < 0 ? tail(source, 2) : `${tail(source.slice(0, bang), 1)}!${tail(source.slice(bang + 1), 2)}`
}

/** -o wide keeps the SOURCE column narrow: the same verdict with compact file names (JSON keeps full paths). */
export const compactSources = (verdict: Verdict): Verdict => {
  if (verdict.sources === undefined && verdict.target.source === undefined) return verdict
  const sources = Object.fromEntries(
    Object.entries(verdict.sources ?? {}).map(([k, v]) => [k, typeof v === 'string' ? compactSource(v) : v]),
  )
  return {
    ...verdict,
    target:
      verdict.target.source === undefined
        ? verdict.target
        : {...verdict.target, source: compactSource(verdict.target.source)},
    ...(verdict.sources === undefined ? {} : {sources}),
  }
}

/** True when any verdict trips a --fail-on condition. */
export const failOnMatched = (
  verdicts: readonly Verdict[],
  conditions: readonly FailOnCondition[],
): boolean => conditions.length > 0 && verdicts.some((v) => matchesFailOn(v, conditions))

type LabelSources = Pick<ClusterSnapshot, 'pods' | 'workloads' | 'namespaces'>

/** -L cells: a pod's labels, a workload's pod template labels, a namespace's labels (manifests first, then the cluster). */
export const targetLabels = (
  sources: readonly LabelSources[],
): ((v: Verdict) => Readonly<Record<string, string>>) => {
  const index = new Map<string, Readonly<Record<string, string>>>()
  for (const source of [...sources].reverse()) {
    for (const p of source.pods) index.set(`Pod/${p.namespace}/${p.name}`, p.labels)
    for (const w of source.workloads) index.set(`${w.kind}/${w.namespace}/${w.name}`, w.template.labels)
    for (const n of source.namespaces) index.set(`Namespace//${n.name}`, n.labels)
  }
  return (v) => {
    const namespace = v.target.kind === 'Namespace' ? '' : v.target.namespace
    return index.get(`${v.target.kind}/${namespace}/${v.target.name}`) ?? {}
  }
}
