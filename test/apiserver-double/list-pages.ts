// List serving: selectors, limit/continue pagination with opaque tokens, and page serialization from cached JSON.
import type {ObjectStore, StoredObject} from './object-store.js'
import type {ResourceInfo} from './resource-catalog.js'
import {matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector} from './selectors.js'
import type {FieldRequirement, LabelRequirement} from './selectors.js'

export interface ContinueToken {
  rv: number
  start: string
}

// apiserver: pkg/storage/continue.go EncodeContinue (base64url JSON {v, rv, start}).
export function encodeContinue(rv: number, start: string): string {
  return Buffer.from(JSON.stringify({v: 'meta.k8s.io/v1', rv, start})).toString('base64url')
}

export function decodeContinue(token: string): ContinueToken | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      v?: string
      rv?: number
      start?: string
    }
    if (parsed.v !== 'meta.k8s.io/v1' || typeof parsed.rv !== 'number' || typeof parsed.start !== 'string')
      return undefined
    return {rv: parsed.rv, start: parsed.start}
  } catch {
    return undefined
  }
}

export interface ListQuery {
  namespace: string | undefined
  labels: LabelRequirement[]
  fields: FieldRequirement[]
  limit: number | undefined
  token: ContinueToken | undefined
}

export interface ListPage {
  items: StoredObject[]
  resourceVersion: number
  continue?: string
  remainingItemCount?: number
}

export function parseListQuery(
  info: ResourceInfo,
  namespace: string | undefined,
  params: URLSearchParams,
): ListQuery {
  const limitText = params.get('limit')
  const limit = limitText && Number(limitText) > 0 ? Math.floor(Number(limitText)) : undefined
  return {
    namespace,
    labels: parseLabelSelector(params.get('labelSelector') ?? ''),
    fields: parseFieldSelector(params.get('fieldSelector') ?? '', info.fields),
    limit,
    token: undefined,
  }
}

function firstIndexAfter(sorted: StoredObject[], start: string): number {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (sorted[mid]!.key < start) lo = mid + 1
    else hi = mid
  }
  return lo
}

export function listPage(store: ObjectStore, info: ResourceInfo, query: ListQuery): ListPage {
  const sorted = store.bucket(info).sorted(info.namespaced ? query.namespace : undefined)
  const begin = query.token ? firstIndexAfter(sorted, query.token.start) : 0
  const rv = query.token && query.token.rv > 0 ? query.token.rv : store.revision
  const filtered = query.labels.length > 0 || query.fields.length > 0
  const items: StoredObject[] = []
  let index = begin
  for (; index < sorted.length; index++) {
    if (query.limit !== undefined && items.length >= query.limit) break
    const entry = sorted[index]!
    if (query.labels.length > 0 && !matchesLabels(query.labels, entry.object.metadata?.labels)) continue
    if (query.fields.length > 0 && !matchesFields(query.fields, entry.object)) continue
    items.push(entry)
  }
  const page: ListPage = {items, resourceVersion: rv}
  if (index < sorted.length && items.length > 0) {
    page.continue = encodeContinue(rv, items[items.length - 1]!.key + '\u0000')
    // apiserver: etcd3 store sets remainingItemCount only for unfiltered lists.
    if (!filtered) page.remainingItemCount = sorted.length - index
  }
  return page
}

export function listMetadata(page: ListPage): Record<string, unknown> {
  return {
    resourceVersion: String(page.resourceVersion),
    ...(page.continue ? {continue: page.continue} : {}),
    ...(page.remainingItemCount !== undefined ? {remainingItemCount: page.remainingItemCount} : {}),
  }
}

// Builds the List JSON by joining each object's cached serialization (no per-request deep copies).
export function serializeList(info: ResourceInfo, page: ListPage): string {
  const apiVersion = info.group ? `${info.group}/${info.version}` : info.version
  const head = JSON.stringify({kind: `${info.kind}List`, apiVersion, metadata: listMetadata(page)})
  return `${head.slice(0, -1)},"items":[${page.items.map((e) => e.itemJson()).join(',')}]}`
}
