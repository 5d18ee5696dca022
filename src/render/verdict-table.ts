// Renders many verdicts as a borderless kubectl-style table (cli-table3) plus a summary line of counts.
import Table from 'cli-table3'
import type {VerdictSummary} from '../core/verdict/summary.js'
import type {Verdict} from '../core/verdict/verdict.js'
import {createPalette, sanitizeTerminalText as safe} from './terminal-text.js'

export interface TableOptions {
  readonly wide: boolean
  readonly colour: boolean
}

const yesNo = (value: boolean | null): string => (value === null ? '-' : value ? 'yes' : 'no')

// kubectl get: namespace, then kind, then name.
const compareVerdicts = (a: Verdict, b: Verdict): number =>
  a.target.namespace.localeCompare(b.target.namespace) ||
  a.target.kind.localeCompare(b.target.kind) ||
  a.target.name.localeCompare(b.target.name)

// kubectl's look: no borders, three spaces between columns, no padding, no colour of cli-table3's own.
const borderless = {
  top: '',
  'top-mid': '',
  'top-left': '',
  'top-right': '',
  bottom: '',
  'bottom-mid': '',
  'bottom-left': '',
  'bottom-right': '',
  left: '',
  'left-mid': '',
  mid: '',
  'mid-mid': '',
  right: '',
  'right-mid': '',
  middle: '   ',
}

/** Lays out rows as kubectl does (header first), trailing spaces trimmed. */
export const layoutColumns = (rows: readonly (readonly string[])[]): string => {
  const [head = [], ...body] = rows
  const table = new Table({
    head: [...head],
    chars: borderless,
    style: {head: [], border: [], 'padding-left': 0, 'padding-right': 0, compact: true},
  })
  for (const row of body) table.push([...row])
  return table
    .toString()
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
}

/** The table of verdicts, sorted like kubectl, newline-terminated. */
/** Where the row's object came from: `live`, or the file (and archive entry) of the pod, workload or namespace. */
export const sourceCell = (v: Verdict): string =>
  v.sources?.pod ?? v.sources?.workload ?? v.target.source ?? v.sources?.namespace ?? '-'

export const renderVerdictTable = (verdicts: readonly Verdict[], options: TableOptions): string => {
  const p = createPalette(options.colour)
  // -o wide names each row's file once the command has threaded provenance through (every CLI run does).
  const withSource = options.wide && verdicts.some((v) => v.sources !== undefined)
  const head = [
    'NAMESPACE',
    'NAME',
    'KIND',
    'INJECTED',
    'WOULD-INJECT',
    'REVISION',
    'REASON',
    ...(options.wide ? ['WEBHOOK', 'TAG'] : []),
    ...(withSource ? ['SOURCE'] : []),
  ]
  const rows = [...verdicts].sort(compareVerdicts).map((v) => {
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
      safe(v.target.namespace === '' ? '-' : v.target.namespace),
      safe(v.target.name),
      v.target.kind,
      injectedCell,
      wouldCell,
      v.revision === null ? '<none>' : safe(v.revision),
      // The table names what to act on: a drift finding outranks the decisive reason (which the trail and JSON keep).
      v.findings.find(
        (f) =>
          f.kind === 'CreationBlocked' ||
          f.kind === 'NeedsRestart' ||
          f.kind === 'UnexpectedSidecar' ||
          f.kind === 'RevisionDrift',
      )?.code ?? v.reason,
      ...(options.wide
        ? [
            v.webhook === null ? '<none>' : safe(`${v.webhook.configuration}/${v.webhook.name}`),
            v.tag === null ? '<none>' : safe(v.tag),
          ]
        : []),
      ...(withSource ? [safe(sourceCell(v))] : []),
    ]
  })
  return `${layoutColumns([head, ...rows])}\n`
}

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`

/** `32 pods: 20 injected, 5 not injected by design, 4 need restart, 2 unknown, 1 rejected` (zero counts left out); stale proxies follow (they are counted as injected too). */
export const renderSummaryLine = (
  summary: VerdictSummary,
  noun: {one: string; many: string} = {one: 'pod', many: 'pods'},
): string => {
  const parts = [
    [summary.injected, 'injected'],
    [summary.notInjected, 'not injected by design'],
    [summary.needsRestart, summary.needsRestart === 1 ? 'needs restart' : 'need restart'],
    [summary.drift, 'drifted'],
    [summary.unknown, 'unknown'],
    [summary.rejected, 'rejected'],
  ] as const
  const stale = summary.staleProxies ?? 0
  const counted = [
    ...parts.filter(([n]) => n > 0).map(([n, text]) => `${n} ${text}`),
    ...(stale > 0 ? [`${stale} with a stale proxy`] : []),
  ]
  return `${plural(summary.total, noun.one, noun.many)}${counted.length > 0 ? `: ${counted.join(', ')}` : ''}\n`
}
