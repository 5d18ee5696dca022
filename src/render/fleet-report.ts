// Fleet runs (several kubeconfig contexts): one report document whose items carry `context`, a table with the CONTEXT
// column first, a counts line per context and a total; the grouped views (--health, -o markdown, trails) per context.
import type {HealthReport} from '../core/health/health-report.js'
import type {Gap} from '../core/snapshot.js'
import {summarizeVerdicts} from '../core/verdict/summary.js'
import type {Verdict} from '../core/verdict/verdict.js'
import {reportApiVersion} from './report-document.js'
import type {FleetContextEntry, InjectionReport, ReportGap} from './report-document.js'
import {sanitizeTerminalText} from './terminal-text.js'
import {renderSummaryLine, renderVerdictTable} from './verdict-table.js'
import type {TableOptions} from './verdict-table.js'

/** One context that was read and judged. */
export interface FleetMember {
  readonly context: string
  readonly report: InjectionReport
  /** The verdicts as the table shows them (wide: compact sources). */
  readonly verdicts: readonly Verdict[]
  readonly health?: HealthReport | undefined
  /** The condensed health line the single-context sweep prints under its counts. */
  readonly footer?: string | undefined
}

/** One context that could not be read: the explained failure and its exit code. */
export interface FleetFailure {
  readonly context: string
  readonly message: string
  readonly hint?: string | undefined
  readonly exit: number
}

const failureReason = (exit: number): Gap['reason'] =>
  exit === 77 ? 'Forbidden' : exit === 69 ? 'Unreachable' : exit === 66 ? 'NotFound' : 'Error'

/** The gap a failed context leaves in the report: resource `contexts`, named after the context. */
export const failureGap = (failure: FleetFailure): ReportGap => ({
  context: failure.context,
  resource: 'contexts',
  name: failure.context,
  reason: failureReason(failure.exit),
  message: failure.message,
})

/** Members and failures in one InjectionReport: items and gaps carry `context`, `summary` is the total. */
export const buildFleetReport = (
  members: readonly FleetMember[],
  failures: readonly FleetFailure[],
  order: readonly string[],
): InjectionReport => {
  const rank = (context: string) => order.indexOf(context)
  const entries: FleetContextEntry[] = [
    ...members.map((m): FleetContextEntry => ({
      context: m.context,
      summary: m.report.summary,
      ...(m.report.health === undefined ? {} : {health: m.report.health}),
    })),
    ...failures.map((f): FleetContextEntry => ({
      context: f.context,
      error: {message: f.message, ...(f.hint === undefined ? {} : {hint: f.hint}), exit: f.exit},
    })),
  ].sort((a, b) => rank(a.context) - rank(b.context))
  const sources = members.map((m) => ({context: m.context, source: m.report.metadata.source}))
  const whatIf = members.find((m) => m.report.metadata.whatIf !== undefined)?.report.metadata.whatIf
  return {
    apiVersion: reportApiVersion,
    kind: 'InjectionReport',
    metadata: {
      source: {
        kind: 'fleet',
        contexts: entries.map((e) => {
          const source = sources.find((s) => s.context === e.context)?.source
          // A member report is one context's: live or files, never itself a fleet.
          return {context: e.context, ...(source === undefined || source.kind === 'fleet' ? {} : {source})}
        }),
      },
      ...(whatIf === undefined ? {} : {whatIf}),
    },
    // Items that already name their context (the fleet run stamps them as each context is judged) are not copied again.
    items: members.flatMap((m) =>
      m.report.items.map((item) => (item.context === m.context ? item : {context: m.context, ...item})),
    ),
    summary: summarizeVerdicts(members.flatMap((m) => m.verdicts)),
    gaps: [
      ...members.flatMap((m) => m.report.gaps.map((gap) => ({context: m.context, ...gap}))),
      ...failures.map(failureGap),
    ],
    contexts: entries,
  }
}

/** The table of every member's verdicts, CONTEXT first; then one counts line per context and the total. */
export const renderFleetTable = (
  members: readonly FleetMember[],
  options: TableOptions,
  noun: {one: string; many: string},
): string => {
  const contextOf = new Map<Verdict, string>()
  for (const m of members) for (const v of m.verdicts) contextOf.set(v, m.context)
  const verdicts = members.flatMap((m) => m.verdicts)
  const rows =
    verdicts.length === 0
      ? ''
      : renderVerdictTable(verdicts, {...options, contextOf: (v) => contextOf.get(v) ?? ''})
  if (options.noHeaders === true) return rows
  const lines = members.map(
    (m) =>
      `${sanitizeTerminalText(m.context)}: ${renderSummaryLine(summarizeVerdicts(m.verdicts), noun)}${m.footer === undefined ? '' : `  ${sanitizeTerminalText(m.footer).trimEnd()}\n`}`,
  )
  const total = `total (${members.length} ${members.length === 1 ? 'context' : 'contexts'}): ${renderSummaryLine(summarizeVerdicts(verdicts), noun)}`
  return `${rows}${lines.join('')}${total}`
}

/** `== context NAME ==` before each context's own output (trail, health view), in run order. */
export const renderGrouped = (sections: readonly {context: string; text: string}[]): string =>
  sections
    .map(
      ({context, text}) =>
        `== context ${sanitizeTerminalText(context)} ==\n${text.endsWith('\n') ? text : `${text}\n`}`,
    )
    .join('\n')

// One level down for every Markdown heading outside fenced code, so each context's report nests under its heading.
const demoteHeadings = (markdown: string): string => {
  let fence: string | undefined
  return markdown
    .split('\n')
    .map((line) => {
      const opener = /^(`{3,}|~{3,})/.exec(line)?.[1]
      if (opener !== undefined) {
        if (fence === undefined) fence = opener
        else if (line.trim() === fence || line.startsWith(fence)) fence = undefined
        return line
      }
      return fence === undefined && /^#{1,5} /.test(line) ? `#${line}` : line
    })
    .join('\n')
}

/** -o markdown over a fleet: a contexts table, then each context's report one heading level down. */
export const renderFleetMarkdown = (
  sections: readonly {context: string; markdown: string; summary: string}[],
  failures: readonly FleetFailure[],
  escape: (text: string) => string,
): string => {
  const cell = (text: string) => escape(text).replace(/\n/g, ' ')
  const rows = [
    ...sections.map((s) => `| ${cell(s.context)} | ${cell(s.summary)} |`),
    ...failures.map((f) => `| ${cell(f.context)} | not read (exit ${f.exit}): ${cell(f.message)} |`),
  ]
  const head = [
    '# Istio sidecar injection report: fleet',
    '',
    '| Context | Result |',
    '| --- | --- |',
    ...rows,
    '',
  ]
  const bodies = sections.map(
    (s) => `## Context ${cell(s.context)}\n\n${demoteHeadings(s.markdown).trimEnd()}\n`,
  )
  return [head.join('\n'), ...bodies].join('\n')
}
