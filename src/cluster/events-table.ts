// Parses the text table of `kubectl get events [-A] [-o wide]` (istioctl bug-report `cluster/events`).
// Column positions come from the header: kubectl pads every cell with a tabwriter, so a message with
// spaces stays inside its column. Widths are counted in code points, as Go's tabwriter counts runes.
// kubernetes: pkg/printers/internalversion/printers.go printEvent (columns, `kind/name` lowercased, one-line message)

export interface EventRow {
  readonly namespace?: string
  readonly lastSeen: string
  readonly type: string
  readonly reason: string
  /** OBJECT as printed: lowercased kind and name. */
  readonly object: {readonly kind: string; readonly name: string}
  readonly subobject?: string
  readonly source?: string
  readonly message: string
  readonly firstSeen?: string
  readonly count?: number
  readonly name?: string
  /** 1-based line in the file, for provenance. */
  readonly line: number
}

const knownColumns = [
  'NAMESPACE',
  'LAST SEEN',
  'TYPE',
  'REASON',
  'OBJECT',
  'SUBOBJECT',
  'SOURCE',
  'MESSAGE',
  'FIRST SEEN',
  'COUNT',
  'NAME',
] as const
type Column = (typeof knownColumns)[number]

interface HeaderColumn {
  readonly name: Column
  readonly start: number
}

const isHeader = (line: string): boolean =>
  /\bLAST SEEN\b/.test(line) && /\bREASON\b/.test(line) && /\bMESSAGE\b/.test(line)

const parseHeader = (line: string): HeaderColumn[] | undefined => {
  const points = Array.from(line)
  const columns: HeaderColumn[] = []
  const text = points.join('')
  // Header cells are separated by at least two spaces (tabwriter padding is 3); names have single spaces.
  const pattern = /\S+(?: \S+)*/g
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
    const name = match[0] as Column
    if (!knownColumns.includes(name)) return undefined
    columns.push({name, start: Array.from(text.slice(0, match.index)).length})
  }
  return columns
}

// kubectl lowercases involvedObject.kind; map the common kinds back to their API spelling.
const kindSpelling: Readonly<Record<string, string>> = {
  pod: 'Pod',
  replicaset: 'ReplicaSet',
  deployment: 'Deployment',
  statefulset: 'StatefulSet',
  daemonset: 'DaemonSet',
  job: 'Job',
  cronjob: 'CronJob',
  replicationcontroller: 'ReplicationController',
  namespace: 'Namespace',
  node: 'Node',
  service: 'Service',
  endpoints: 'Endpoints',
  endpointslice: 'EndpointSlice',
  configmap: 'ConfigMap',
  secret: 'Secret',
  serviceaccount: 'ServiceAccount',
  persistentvolumeclaim: 'PersistentVolumeClaim',
  horizontalpodautoscaler: 'HorizontalPodAutoscaler',
  poddisruptionbudget: 'PodDisruptionBudget',
  mutatingwebhookconfiguration: 'MutatingWebhookConfiguration',
  validatingwebhookconfiguration: 'ValidatingWebhookConfiguration',
  ingress: 'Ingress',
  lease: 'Lease',
}

export const apiKindOf = (lowercased: string): string =>
  kindSpelling[lowercased] ?? (lowercased === '' ? '' : lowercased[0]!.toUpperCase() + lowercased.slice(1))

const splitObject = (text: string): {kind: string; name: string} => {
  const slash = text.indexOf('/')
  return slash < 0 ? {kind: text, name: ''} : {kind: text.slice(0, slash), name: text.slice(slash + 1)}
}

const parseCount = (text: string | undefined): number | undefined => {
  if (text === undefined || !/^\d+$/.test(text)) return undefined
  return Number(text)
}

const cellsByPosition = (
  points: readonly string[],
  columns: readonly HeaderColumn[],
): Map<Column, string> | undefined => {
  const cells = new Map<Column, string>()
  for (const [index, column] of columns.entries()) {
    // Each cell but the first starts right after padding; a non-space before it means the columns moved.
    if (column.start > 0 && column.start < points.length && points[column.start - 1] !== ' ') return undefined
    const end = columns[index + 1]?.start ?? points.length
    cells.set(column.name, points.slice(column.start, end).join('').trim())
  }
  return cells
}

// Fallback for a re-flowed table (tabs collapsed, pasted into a ticket): single-token columns from both ends,
// the rest is the message.
const cellsByTokens = (line: string, columns: readonly HeaderColumn[]): Map<Column, string> | undefined => {
  const tokens = line.trim().split(/\s+/)
  const names = columns.map((column) => column.name)
  const left = names
    .slice(0, names.indexOf('MESSAGE'))
    .filter((name) => name !== 'SUBOBJECT' && name !== 'SOURCE')
  const right = names.slice(names.indexOf('MESSAGE') + 1)
  if (tokens.length < left.length + right.length + 1) return undefined
  const cells = new Map<Column, string>()
  left.forEach((name, index) => cells.set(name, tokens[index]!))
  right.forEach((name, index) => cells.set(name, tokens[tokens.length - right.length + index]!))
  cells.set('MESSAGE', tokens.slice(left.length, tokens.length - right.length).join(' '))
  return cells
}

export interface EventsTableResult {
  readonly rows: readonly EventRow[]
  /** Lines that could not be split into columns (1-based). */
  readonly unparsed: readonly number[]
  /** False when no `kubectl get events` header was found. */
  readonly recognized: boolean
}

export const parseEventsTable = (text: string): EventsTableResult => {
  const lines = text.split(/\r?\n/)
  const rows: EventRow[] = []
  const unparsed: number[] = []
  let columns: HeaderColumn[] | undefined
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue
    if (isHeader(line)) {
      columns = parseHeader(line)
      continue
    }
    if (!columns) continue
    const cells = cellsByPosition(Array.from(line), columns) ?? cellsByTokens(line, columns)
    const lastSeen = cells?.get('LAST SEEN')
    const reason = cells?.get('REASON')
    if (!cells || !lastSeen || !reason) {
      unparsed.push(index + 1)
      continue
    }
    const optional = (name: Column): string | undefined => {
      const value = cells.get(name)
      return value === undefined || value === '' ? undefined : value
    }
    const namespace = optional('NAMESPACE')
    const subobject = optional('SUBOBJECT')
    const source = optional('SOURCE')
    const firstSeen = optional('FIRST SEEN')
    const count = parseCount(optional('COUNT'))
    const name = optional('NAME')
    rows.push({
      ...(namespace !== undefined && {namespace}),
      lastSeen,
      type: cells.get('TYPE') ?? '',
      reason,
      object: splitObject(cells.get('OBJECT') ?? ''),
      ...(subobject !== undefined && {subobject}),
      ...(source !== undefined && {source}),
      message: cells.get('MESSAGE') ?? '',
      ...(firstSeen !== undefined && {firstSeen}),
      ...(count !== undefined && {count}),
      ...(name !== undefined && {name}),
      line: index + 1,
    })
  }
  return {rows, unparsed, recognized: columns !== undefined}
}

/**
 * A table row as a core/v1 Event object, so it goes through the same projection as YAML events.
 * Ages (`5m`) stay relative: the table does not say when it was printed.
 */
export const eventRowToObject = (row: EventRow, defaultNamespace: string): Record<string, unknown> => {
  const namespace = row.namespace ?? defaultNamespace
  const [component, host] = (row.source ?? '').split(', ')
  const clusterScoped = [
    'Namespace',
    'Node',
    'MutatingWebhookConfiguration',
    'ValidatingWebhookConfiguration',
  ].includes(apiKindOf(row.object.kind))
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: {
      name: row.name ?? `${row.object.name}.line${row.line}`,
      namespace,
      annotations: {
        'kubectl-inject.io/last-seen': row.lastSeen,
        ...(row.firstSeen && {'kubectl-inject.io/first-seen': row.firstSeen}),
      },
    },
    involvedObject: {
      kind: apiKindOf(row.object.kind),
      name: row.object.name,
      ...(!clusterScoped && {namespace}),
      ...(row.subobject && {fieldPath: row.subobject}),
    },
    reason: row.reason,
    message: row.message,
    type: row.type,
    count: row.count ?? 1,
    ...(component && {source: {component, ...(host && {host})}}),
  }
}

const ageUnits: Readonly<Record<string, number>> = {s: 1, m: 60, h: 3600, d: 86400, y: 31536000}

/** kubectl's short duration (`45s`, `5m`, `3h10m`, `2d4h`, `3y`) → seconds; undefined for `<unknown>` or anything else. */
// k8s: staging/src/k8s.io/apimachinery/pkg/util/duration/duration.go HumanDuration
export const parseKubectlAge = (text: string): number | undefined => {
  const parts = /^(?:\d+[smhdy])+$/.test(text.trim()) ? text.trim().match(/\d+[smhdy]/g) : null
  if (parts === null) return undefined
  return parts.reduce((sum, part) => sum + Number(part.slice(0, -1)) * (ageUnits[part.slice(-1)] ?? 0), 0)
}
