// In-memory objects per resource and namespace; each object is serialized once on insert so list pages are string joins.
import {randomUUID} from 'node:crypto'
import type {ResourceInfo} from './resource-catalog.js'
import {resourceForKind} from './resource-catalog.js'

export type KubeObject = Record<string, unknown> & {
  apiVersion?: string
  kind?: string
  metadata?: ObjectMeta
}

export interface ObjectMeta {
  name?: string
  generateName?: string
  namespace?: string
  uid?: string
  resourceVersion?: string
  creationTimestamp?: string
  labels?: Record<string, string>
  annotations?: Record<string, string>
  [key: string]: unknown
}

export interface StoredObject {
  key: string
  namespace: string
  name: string
  object: KubeObject
  // The object's JSON; it starts with apiVersion and kind, so `itemJson` can drop them cheaply.
  json: string
  // As a list item: the real API server's typed lists carry no apiVersion/kind on their items.
  itemJson: () => string
}

class ResourceBucket {
  readonly byNamespace = new Map<string, Map<string, StoredObject>>()
  private sortedAll: StoredObject[] | undefined
  private readonly sortedByNamespace = new Map<string, StoredObject[]>()

  put(entry: StoredObject): void {
    let names = this.byNamespace.get(entry.namespace)
    if (!names) this.byNamespace.set(entry.namespace, (names = new Map()))
    names.set(entry.name, entry)
    this.invalidate(entry.namespace)
  }

  delete(namespace: string, name: string): boolean {
    const removed = this.byNamespace.get(namespace)?.delete(name) ?? false
    if (removed) this.invalidate(namespace)
    return removed
  }

  get(namespace: string, name: string): StoredObject | undefined {
    return this.byNamespace.get(namespace)?.get(name)
  }

  // Etcd key order: namespace then name for namespaced resources, name for cluster-scoped ones.
  sorted(namespace: string | undefined): StoredObject[] {
    if (namespace === undefined) {
      if (!this.sortedAll) {
        const all: StoredObject[] = []
        for (const names of this.byNamespace.values()) for (const entry of names.values()) all.push(entry)
        this.sortedAll = all.sort(byKey)
      }
      return this.sortedAll
    }
    let list = this.sortedByNamespace.get(namespace)
    if (!list) {
      list = [...(this.byNamespace.get(namespace)?.values() ?? [])].sort(byKey)
      this.sortedByNamespace.set(namespace, list)
    }
    return list
  }

  private invalidate(namespace: string): void {
    this.sortedAll = undefined
    this.sortedByNamespace.delete(namespace)
  }
}

const byKey = (a: StoredObject, b: StoredObject): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)

/** A stored change, for watches: the revision it made and the object as stored (or as last stored, when deleted). */
export type ChangeListener = (
  type: 'ADDED' | 'MODIFIED' | 'DELETED',
  info: ResourceInfo,
  namespace: string,
  object: KubeObject,
  revision: number,
) => void

export class ObjectStore {
  private readonly buckets = new Map<ResourceInfo, ResourceBucket>()
  revision = 1
  onChange: ChangeListener | undefined
  private readonly createdAt = new Date(Date.now() - 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z')

  bucket(info: ResourceInfo): ResourceBucket {
    let bucket = this.buckets.get(info)
    if (!bucket) this.buckets.set(info, (bucket = new ResourceBucket()))
    return bucket
  }

  // Stores a copy with server-populated metadata; returns the stored entry.
  put(info: ResourceInfo, input: KubeObject): StoredObject {
    const object = structuredClone(input)
    const metadata: ObjectMeta = (object.metadata ??= {})
    if (!metadata.name) throw new Error(`object of kind ${info.kind} has no metadata.name`)
    const namespace = info.namespaced ? (metadata.namespace ?? 'default') : ''
    if (info.namespaced) metadata.namespace = namespace
    else delete metadata.namespace
    metadata.uid ??= randomUUID()
    metadata.creationTimestamp ??= this.createdAt
    this.revision++
    metadata.resourceVersion = String(this.revision)
    // kubernetes: pkg/registry/core/namespace/strategy.go adds the immutable name label.
    if (info.resource === 'namespaces')
      metadata.labels = {...metadata.labels, 'kubernetes.io/metadata.name': metadata.name}
    const typeMeta = {
      apiVersion: info.group ? `${info.group}/${info.version}` : info.version,
      kind: info.kind,
    }
    delete object.apiVersion
    delete object.kind
    const headLength = JSON.stringify(typeMeta).length - 1
    const typed = Object.assign(typeMeta, object) as KubeObject
    const json = JSON.stringify(typed)
    const entry: StoredObject = {
      key: namespace ? `${namespace}/${metadata.name}` : metadata.name,
      namespace,
      name: metadata.name,
      object: typed,
      json,
      itemJson: () => (json[headLength] === '}' ? '{}' : `{${json.slice(headLength + 1)}`),
    }
    const existed = this.bucket(info).get(namespace, metadata.name) !== undefined
    this.bucket(info).put(entry)
    this.onChange?.(existed ? 'MODIFIED' : 'ADDED', info, namespace, typed, this.revision)
    return entry
  }

  add(input: KubeObject): StoredObject {
    const info = resourceForKind(String(input.apiVersion ?? ''), String(input.kind ?? ''))
    if (!info) throw new Error(`the API-server double does not serve ${input.apiVersion} ${input.kind}`)
    return this.put(info, input)
  }

  remove(info: ResourceInfo, namespace: string, name: string): boolean {
    const last = this.bucket(info).get(info.namespaced ? namespace : '', name)
    const removed = this.bucket(info).delete(info.namespaced ? namespace : '', name)
    if (removed) this.revision++
    if (removed && last !== undefined) {
      const object = {
        ...last.object,
        metadata: {...last.object.metadata, resourceVersion: String(this.revision)},
      }
      this.onChange?.('DELETED', info, last.namespace, object, this.revision)
    }
    return removed
  }

  get(info: ResourceInfo, namespace: string, name: string): StoredObject | undefined {
    return this.bucket(info).get(info.namespaced ? namespace : '', name)
  }
}
