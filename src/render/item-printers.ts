// kubectl's item printers over the report: -o name, -o custom-columns, --sort-by, and -L label cells.
import type {TargetKind} from '../core/verdict/verdict.js'
import {evaluatePath, formatValue, relaxedPath} from './jsonpath.js'
import {sanitizeTerminalText as safe} from './terminal-text.js'
import {layoutColumns} from './verdict-table.js'

// kubectl -o name: the resource (plural-less, kubectl's `kind.group`) then the name.
const resourceOfKind: Readonly<Record<TargetKind, string>> = {
  Pod: 'pod',
  Deployment: 'deployment.apps',
  StatefulSet: 'statefulset.apps',
  DaemonSet: 'daemonset.apps',
  ReplicaSet: 'replicaset.apps',
  Job: 'job.batch',
  CronJob: 'cronjob.batch',
  ReplicationController: 'replicationcontroller',
  Namespace: 'namespace',
  Manifest: 'pod',
}

/** `pod/web-0`, `deployment.apps/web`, one per line in the given order. */
export const renderNames = (targets: readonly {readonly kind: TargetKind; readonly name: string}[]): string =>
  targets.map((t) => `${resourceOfKind[t.kind]}/${safe(t.name)}\n`).join('')

/** One custom-columns cell: every match joined by `,`, `<none>` when nothing matches (kubectl). */
const cell = (path: string, item: unknown): string => {
  const found = evaluatePath(relaxedPath(path), item, item)
  return found.length === 0 ? '<none>' : safe(found.map(formatValue).join(','))
}

/** kubectl -o custom-columns=HEADER:PATH,… over the items; `noHeaders` leaves the header line out. */
export const renderCustomColumns = (
  items: readonly unknown[],
  columns: readonly {readonly header: string; readonly path: string}[],
  noHeaders: boolean,
): string => {
  const rows = items.map((item) => columns.map((c) => cell(c.path, item)))
  const text = layoutColumns([columns.map((c) => safe(c.header)), ...rows])
  return `${noHeaders ? text.split('\n').slice(1).join('\n') : text}\n`
}

const sortKey = (value: unknown): {rank: number; number: number; text: string} =>
  value === undefined
    ? {rank: 0, number: 0, text: ''}
    : typeof value === 'number'
      ? {rank: 1, number: value, text: ''}
      : {rank: 2, number: 0, text: formatValue(value)}

/** --sort-by: the order of the items by the first value the path selects (missing first, numbers by value); stable. */
export const sortOrder = (items: readonly unknown[], path: string): number[] => {
  const compiled = relaxedPath(path)
  const keys = items.map((item) => sortKey(evaluatePath(compiled, item, item)[0]))
  return items
    .map((_, index) => index)
    .sort((a, b) => {
      const x = keys[a]!
      const y = keys[b]!
      return (
        x.rank - y.rank || x.number - y.number || (x.text < y.text ? -1 : x.text > y.text ? 1 : 0) || a - b
      )
    })
}
