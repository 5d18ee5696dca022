// The render step of inject-check: a trail for one named target, a table for many, a document for json/yaml.
import type {TargetSpec} from '../cluster/target-spec.js'
import type {Gap} from '../core/snapshot.js'
import {matchesFailOn} from '../core/verdict/summary.js'
import type {FailOnCondition} from '../core/verdict/summary.js'
import type {Verdict} from '../core/verdict/verdict.js'
import {renderReportDocument} from '../render/report-document.js'
import type {InjectionReport} from '../render/report-document.js'
import {sanitizeTerminalText} from '../render/terminal-text.js'
import {renderTrail} from '../render/trail.js'
import {renderSummaryLine, renderVerdictTable} from '../render/verdict-table.js'
import type {OutputFormat} from './base-command.js'

export interface CheckView {
  readonly report: InjectionReport
  readonly verdicts: readonly Verdict[]
  /** Undefined for -f manifests. */
  readonly target: TargetSpec | undefined
  readonly format: OutputFormat
  readonly colour: boolean
}

/** What goes to stdout; undefined when there is nothing to show (the notice says so on stderr). */
export const renderCheckOutput = ({
  report,
  verdicts,
  target,
  format,
  colour,
}: CheckView): string | undefined => {
  if (format === 'json' || format === 'yaml') return renderReportDocument(report, format)
  if (verdicts.length === 0) return undefined
  const named = target !== undefined && target.kind !== 'sweep'
  const [only] = verdicts
  if (format === 'table' && only !== undefined && verdicts.length === 1 && (named || target === undefined))
    return renderTrail(only, {colour})
  const noun = target?.kind === 'sweep' ? {one: 'pod', many: 'pods'} : {one: 'target', many: 'targets'}
  return `${renderVerdictTable(verdicts, {wide: format === 'wide', colour})}\n${renderSummaryLine(report.summary, noun)}`
}

/** kubectl's wording when a sweep finds nothing. */
export const emptyNotice = (target: TargetSpec | undefined): string => {
  if (target?.kind === 'sweep' && target.namespace !== null)
    return `No resources found in ${sanitizeTerminalText(target.namespace)} namespace.`
  if (target?.kind === 'sweep') return 'No resources found.'
  return 'No pods or workloads found in the given manifests.'
}

/** One warning line per gap: the evaluation went on, but these checks are Unknown. */
export const gapWarnings = (gaps: readonly Gap[]): string[] =>
  gaps.map((gap) => {
    const where = `${gap.resource}${gap.name === undefined ? '' : ` "${gap.name}"`}${gap.namespace === undefined ? '' : ` in namespace "${gap.namespace}"`}`
    return sanitizeTerminalText(`could not read ${where} (${gap.reason}): ${gap.message}`)
  })

/** True when any verdict trips a --fail-on condition. */
export const failOnMatched = (
  verdicts: readonly Verdict[],
  conditions: readonly FailOnCondition[],
): boolean => conditions.length > 0 && verdicts.some((v) => matchesFailOn(v, conditions))
