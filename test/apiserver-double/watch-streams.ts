// Watch streams as the API server serves them (apiserver pkg/endpoints/handlers/watch.go): a 200 with newline-delimited
// {"type","object"} JSON; ADDED/MODIFIED/DELETED from the requested resourceVersion on, BOOKMARK when asked for, and an
// ERROR event carrying a 410 Status when the resourceVersion is older than the last compaction.
import type {ServerResponse} from 'node:http'
import type {KubeObject} from './object-store.js'
import type {ResourceInfo} from './resource-catalog.js'
import type {FieldRequirement, LabelRequirement} from './selectors.js'
import {matchesFields, matchesLabels} from './selectors.js'

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED'

export interface ChangeRecord {
  readonly revision: number
  readonly type: WatchEventType
  readonly info: ResourceInfo
  readonly namespace: string
  readonly object: KubeObject
}

export interface WatchQuery {
  readonly info: ResourceInfo
  readonly namespace: string | undefined
  readonly labels: LabelRequirement[]
  readonly fields: FieldRequirement[]
  readonly bookmarks: boolean
}

interface OpenWatch {
  readonly query: WatchQuery
  readonly res: ServerResponse
}

/** The change log every watch replays from, and the open watches that receive new changes. */
export class WatchHub {
  private readonly log: ChangeRecord[] = []
  private readonly open = new Set<OpenWatch>()

  record(change: ChangeRecord): void {
    this.log.push(change)
    for (const watch of this.open)
      if (selects(watch.query, change)) send(watch.res, change.type, change.object)
  }

  /** Starts a stream from `since` (exclusive); `expired` answers the 410 ERROR event instead. */
  serve(res: ServerResponse, query: WatchQuery, since: number, expired: string | undefined): void {
    // No transfer-encoding: node chunks an HTTP/1.1 answer without a length by itself, and HTTP/2 forbids the header.
    res.writeHead(200, {'content-type': 'application/json'})
    if (expired !== undefined) {
      send(res, 'ERROR', {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: expired,
        reason: 'Expired',
        code: 410,
      })
      res.end()
      return
    }
    for (const change of this.log)
      if (change.revision > since && selects(query, change)) send(res, change.type, change.object)
    const watch: OpenWatch = {query, res}
    this.open.add(watch)
    res.on('close', () => this.open.delete(watch))
  }

  /** A BOOKMARK at `revision` to every watch that asked for bookmarks. */
  bookmark(revision: number): void {
    for (const watch of this.open) {
      if (!watch.query.bookmarks) continue
      const info = watch.query.info
      send(watch.res, 'BOOKMARK', {
        kind: info.kind,
        apiVersion: info.group ? `${info.group}/${info.version}` : info.version,
        metadata: {resourceVersion: String(revision)},
      })
    }
  }

  /** Ends every open stream, as the API server does at a watch's timeout. */
  closeAll(): number {
    const count = this.open.size
    for (const watch of this.open) watch.res.end()
    this.open.clear()
    return count
  }

  get openCount(): number {
    return this.open.size
  }
}

const selects = (query: WatchQuery, change: ChangeRecord): boolean =>
  change.info === query.info &&
  (query.namespace === undefined || !query.info.namespaced || change.namespace === query.namespace) &&
  (query.labels.length === 0 || matchesLabels(query.labels, change.object.metadata?.labels)) &&
  (query.fields.length === 0 || matchesFields(query.fields, change.object))

const send = (res: ServerResponse, type: string, object: unknown): void => {
  if (!res.writableEnded) res.write(`${JSON.stringify({type, object})}\n`)
}
