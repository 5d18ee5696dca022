// meta.k8s.io/v1 Table responses for kubectl's default printing (server-side printing).
import type {KubeObject} from './object-store.js'
import type {ResourceInfo} from './resource-catalog.js'

interface ColumnDefinition {
  name: string
  type: string
  format: string
  description: string
  priority: number
}

type Cell = string | number

// apimachinery: pkg/util/duration/duration.go HumanDuration
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000)
  if (seconds < -1) return '<invalid>'
  if (seconds < 0) return '0s'
  if (seconds < 120) return `${seconds}s`
  const minutes = Math.floor(seconds / 60)
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`
  if (minutes < 180) return `${minutes}m`
  const hours = Math.floor(minutes / 60)
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`
  if (hours < 48) return `${hours}h`
  if (hours < 24 * 8)
    return hours % 24 === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${hours % 24}h`
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`
  const years = Math.floor(hours / 24 / 365)
  if (hours < 24 * 365 * 8)
    return Math.floor(hours / 24) % 365 === 0 ? `${years}y` : `${years}y${Math.floor(hours / 24) % 365}d`
  return `${years}y`
}

const column = (
  name: string,
  type: string,
  description: string,
  format = '',
  priority = 0,
): ColumnDefinition => ({
  name,
  type,
  format,
  description,
  priority,
})

const nameColumn = column('Name', 'string', 'Name must be unique within a namespace.', 'name')
const ageColumn = column(
  'Age',
  'string',
  'CreationTimestamp is a timestamp representing the server time when this object was created.',
)

function age(obj: KubeObject, now: number): string {
  const created = obj.metadata?.creationTimestamp
  return created ? humanDuration(now - Date.parse(created)) : '<unknown>'
}

interface ContainerStatus {
  ready?: boolean
  restartCount?: number
}

// kubernetes: pkg/printers/internalversion/printers.go printPod (the common columns only).
function podCells(obj: KubeObject): Cell[] {
  const spec = (obj.spec ?? {}) as {containers?: unknown[]}
  const status = (obj.status ?? {}) as {
    phase?: string
    reason?: string
    containerStatuses?: ContainerStatus[]
  }
  const statuses = status.containerStatuses ?? []
  const ready = statuses.filter((s) => s.ready).length
  const restarts = statuses.reduce((sum, s) => sum + (s.restartCount ?? 0), 0)
  return [`${ready}/${spec.containers?.length ?? 0}`, status.reason ?? status.phase ?? 'Pending', restarts]
}

function columnsFor(info: ResourceInfo): {
  columns: ColumnDefinition[]
  cells: (obj: KubeObject, now: number) => Cell[]
} {
  const name = (obj: KubeObject): string => obj.metadata?.name ?? ''
  if (info.resource === 'pods') {
    return {
      columns: [
        nameColumn,
        column('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
        column('Status', 'string', 'The aggregate status of the containers in this pod.'),
        column('Restarts', 'string', 'The number of times the containers in this pod have been restarted.'),
        ageColumn,
      ],
      cells: (obj, now) => [name(obj), ...podCells(obj), age(obj, now)],
    }
  }
  if (info.resource === 'namespaces') {
    return {
      columns: [nameColumn, column('Status', 'string', 'The status of the namespace'), ageColumn],
      cells: (obj, now) => [
        name(obj),
        String((obj.status as {phase?: string} | undefined)?.phase ?? 'Active'),
        age(obj, now),
      ],
    }
  }
  if (
    info.resource === 'mutatingwebhookconfigurations' ||
    info.resource === 'validatingwebhookconfigurations'
  ) {
    return {
      columns: [
        nameColumn,
        column('Webhooks', 'integer', 'Webhooks indicates the number of webhooks.'),
        ageColumn,
      ],
      cells: (obj, now) => [name(obj), ((obj.webhooks as unknown[] | undefined) ?? []).length, age(obj, now)],
    }
  }
  return {columns: [nameColumn, ageColumn], cells: (obj, now) => [name(obj), age(obj, now)]}
}

export type IncludeObject = 'None' | 'Metadata' | 'Object'

export function tableFor(
  info: ResourceInfo,
  objects: KubeObject[],
  listMeta: Record<string, unknown>,
  includeObject: IncludeObject,
  now: number,
): object {
  const {columns, cells} = columnsFor(info)
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMeta,
    columnDefinitions: columns,
    rows: objects.map((obj) => {
      const row: Record<string, unknown> = {cells: cells(obj, now)}
      if (includeObject === 'Object') row.object = obj
      else if (includeObject === 'Metadata')
        row.object = {kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata}
      return row
    }),
  }
}
