// Renders many verdicts as a borderless kubectl-style table (cli-table3) plus a summary line of counts.
import Table from 'cli-table3'
// string-width is cli-table3's own measure (its dependency, the version it measures with).
import stringWidth from 'string-width'
import type {VerdictSummary} from '../core/verdict/summary.js'
import type {Verdict} from '../core/verdict/verdict.js'
import {createPalette, sanitizeTerminalText as safe} from './terminal-text.js'
import {compareText} from '../core/text-order.js'

export interface TableOptions {
  readonly wide: boolean
  readonly colour: boolean
  /** -A: the NAMESPACE column is shown even when every row is in one namespace. */
  readonly allNamespaces?: boolean
  /** -L: one column per label key, the values from `labelsOf`. */
  readonly labelColumns?: {
    readonly keys: readonly string[]
    readonly labelsOf: (v: Verdict) => Readonly<Record<string, string>>
  }
  /** --no-headers: rows only. */
  readonly noHeaders?: boolean
  /** --sort-by already ordered the verdicts: keep that order. */
  readonly keepOrder?: boolean
  /** Fleet runs: the CONTEXT column first, rows grouped by context. */
  readonly contextOf?: (v: Verdict) => string
}

// kubectl -L: the key's last path segment in capitals (printers formatLabelHeaders).
const labelHeader = (key: string): string => (key.split('/').pop() ?? key).toUpperCase()

/** kubectl get: NAMESPACE only under -A; here also when the rows span namespaces, so every row stays unambiguous. */
export const showsNamespaceColumn = (verdicts: readonly Verdict[], allNamespaces: boolean): boolean =>
  allNamespaces || new Set(verdicts.map((v) => v.target.namespace)).size > 1

const yesNo = (value: boolean | null): string => (value === null ? '-' : value ? 'yes' : 'no')

// kubectl get: namespace, then kind, then name.
const compareVerdicts = (a: Verdict, b: Verdict): number =>
  compareText(a.target.namespace, b.target.namespace) ||
  compareText(a.target.kind, b.target.kind) ||
  compareText(a.target.name, b.target.name)

// cli-table3 without borders: three spaces between columns, no padding (kubectl get's look).
const borderless = {
  ...Object.fromEntries(
    ['top', 'top-mid', 'top-left', 'top-right', 'bottom', 'bottom-mid', 'bottom-left', 'bottom-right']
      .concat(['left', 'left-mid', 'mid', 'mid-mid', 'right', 'right-mid'])
      .map((k) => [k, '']),
  ),
  middle: '   ',
}

// cli-table3's layout is quadratic in the rows (225 s for a 20,000-row fleet table): it lays out slices of this many.
const rowsPerSlice = 50

/** Each column's width over all rows (string-width, cli-table3's own measure: colour codes take none). */
const columnWidths = (rows: readonly (readonly string[])[]): number[] => {
  const widths: number[] = []
  for (const row of rows)
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, stringWidth(cell))
    })
  return widths
}

/**
 * Lays out rows as kubectl does (header first), trailing spaces trimmed: cli-table3, fed slices of rows with the
 * widths of the whole table, so the text is what one table gives and the time stays linear.
 */
export const layoutColumns = (rows: readonly (readonly string[])[]): string => {
  const colWidths = columnWidths(rows)
  const lines: string[] = []
  for (let start = 0; start < rows.length; start += rowsPerSlice) {
    const table = new Table({
      chars: borderless,
      colWidths,
      style: {head: [], border: [], 'padding-left': 0, 'padding-right': 0, compact: true},
    })
    for (const row of rows.slice(start, start + rowsPerSlice)) table.push([...row])
    lines.push(...table.toString().split('\n'))
  }
  return lines.map((line) => line.trimEnd()).join('\n')
}

/** The table of verdicts, sorted like kubectl, newline-terminated. */
/** Where the row's object came from: `live`, or the file (and archive entry) of the pod, workload or namespace. */
export const sourceCell = (v: Verdict): string =>
  v.sources?.pod ?? v.sources?.workload ?? v.target.source ?? v.sources?.namespace ?? '-'

export const renderVerdictTable = (verdicts: readonly Verdict[], options: TableOptions): string => {
  const p = createPalette(options.colour)
  // -o wide names each row's file once the command has threaded provenance through (every CLI run does).
  const withSource = options.wide && verdicts.some((v) => v.sources !== undefined)
  const withNamespace = showsNamespaceColumn(verdicts, options.allNamespaces === true)
  const contextOf = options.contextOf
  const head = [
    ...(contextOf === undefined ? [] : ['CONTEXT']),
    ...(withNamespace ? ['NAMESPACE'] : []),
    'NAME',
    'KIND',
    'INJECTED',
    'WOULD-INJECT',
    'REVISION',
    'REASON',
    ...(options.wide ? ['ADMITTED', 'WEBHOOK', 'TAG'] : []),
    ...(withSource ? ['SOURCE'] : []),
    ...(options.labelColumns?.keys ?? []).map(labelHeader),
  ]
  const byContext = (a: Verdict, b: Verdict): number =>
    contextOf === undefined ? 0 : compareText(contextOf(a), contextOf(b))
  const ordered =
    options.keepOrder === true
      ? [...verdicts].sort(byContext)
      : [...verdicts].sort((a, b) => byContext(a, b) || compareVerdicts(a, b))
  const rows = ordered.map((v) => {
    const would = yesNo(v.wouldInject)
    const wouldCell =
      v.outcome === 'Unknown'
        ? p.yellow('?')
        : v.outcome === 'Reject'
          ? p.red('rejected')
          : v.wouldInject === true
            ? p.green(would)
            : would
    const drift = v.injected !== null && v.wouldInject !== null && v.injected !== v.wouldInject
    const injectedCell = drift ? p.yellow(yesNo(v.injected)) : yesNo(v.injected)
    return [
      ...(contextOf === undefined ? [] : [safe(contextOf(v))]),
      ...(withNamespace ? [safe(v.target.namespace === '' ? '-' : v.target.namespace)] : []),
      safe(v.target.name),
      v.target.kind,
      injectedCell,
      wouldCell,
      v.revision === null ? '<none>' : safe(v.revision),
      // The same code as the trail header and the document's `reason`: what to act on first.
      v.reason,
      ...(options.wide
        ? [
            v.admitted === false
              ? p.red('no')
              : v.admitted === true
                ? 'yes'
                : v.admission?.length
                  ? p.yellow('?')
                  : '-',
            v.webhook === null ? '<none>' : safe(`${v.webhook.configuration}/${v.webhook.name}`),
            v.tag === null ? '<none>' : safe(v.tag),
          ]
        : []),
      ...(withSource ? [safe(sourceCell(v))] : []),
      ...labelCells(v, options.labelColumns),
    ]
  })
  const text = layoutColumns([head, ...rows])
  if (options.noHeaders === true) return `${text.split('\n').slice(1).join('\n')}\n`
  return `${whatIfBanner(verdicts)}${text}\n`
}

const labelCells = (v: Verdict, columns: TableOptions['labelColumns']): string[] => {
  if (columns === undefined) return []
  const labels = columns.labelsOf(v)
  return columns.keys.map((key) => safe(labels[key] ?? ''))
}

/** `what-if: namespace labels istio-injection=enabled` above the table: the rows describe an edited cluster. */
export const whatIfBanner = (verdicts: readonly Verdict[]): string => {
  const edits = verdicts.find((v) => v.whatIf !== undefined)?.whatIf
  if (edits === undefined) return ''
  const parts = [
    ...(edits.namespaceLabels === undefined ? [] : [`namespace labels ${safe(edits.namespaceLabels)}`]),
    ...(edits.podLabels === undefined ? [] : [`pod labels ${safe(edits.podLabels)}`]),
  ]
  return `what-if: ${parts.join('; ')} (nothing was changed in the cluster)\n`
}

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`

/** `29 pods: 4 injected, 2 need restart, 2 drifted, 2 with a stale proxy, …` (zero counts left out); the counts add up to the total. */
export const renderSummaryLine = (
  summary: VerdictSummary,
  noun: {one: string; many: string} = {one: 'pod', many: 'pods'},
): string => {
  const parts = [
    [summary.injected, 'injected'],
    [summary.needsRestart, summary.needsRestart === 1 ? 'needs restart' : 'need restart'],
    [summary.drift, 'drifted'],
    [summary.stale, 'with a stale proxy'],
    [summary.rejected, 'rejected'],
    [summary.unknown, 'unknown'],
    [summary.notInjectedByDesign, 'not injected by design'],
    [summary.notEnabled, 'not enabled'],
    [summary.misconfigured, 'misconfigured'],
  ] as const
  const counted = parts.filter(([n]) => n > 0).map(([n, text]) => `${n} ${text}`)
  return `${plural(summary.total, noun.one, noun.many)}${counted.length > 0 ? `: ${counted.join(', ')}` : ''}\n`
}
