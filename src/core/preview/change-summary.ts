// The one-line summary of a pod diff: containers, init containers, volumes, labels, annotations added/removed/changed.
import {jsonEqual} from './json-patch.js'
import type {PodObject} from './pod-builder.js'

type Json = Record<string, unknown>

export interface NamedChanges {
  readonly added: readonly string[]
  readonly removed: readonly string[]
  readonly changed: readonly string[]
}

export interface ChangeSummary {
  readonly containers: NamedChanges
  readonly initContainers: NamedChanges
  readonly volumes: NamedChanges
  readonly labels: NamedChanges
  readonly annotations: NamedChanges
  /** Other top-level spec/metadata/status paths that changed, e.g. `spec.securityContext`, `status.qosClass`. */
  readonly other: readonly string[]
}

const isObject = (value: unknown): value is Json =>
  value !== null && typeof value === 'object' && !Array.isArray(value)
const record = (value: unknown): Json => (isObject(value) ? value : {})

const byName = (value: unknown): Map<string, unknown> => {
  const out = new Map<string, unknown>()
  if (Array.isArray(value))
    for (const item of value) if (isObject(item) && typeof item.name === 'string') out.set(item.name, item)
  return out
}

const compare = (before: Map<string, unknown>, after: Map<string, unknown>): NamedChanges => ({
  added: [...after.keys()].filter((k) => !before.has(k)),
  removed: [...before.keys()].filter((k) => !after.has(k)),
  changed: [...after.keys()].filter((k) => before.has(k) && !jsonEqual(before.get(k), after.get(k))),
})

const entries = (value: unknown): Map<string, unknown> => new Map(Object.entries(record(value)))

const namedFields = new Set(['containers', 'initContainers', 'volumes'])
const namedMeta = new Set(['labels', 'annotations'])

export const summarizeChanges = (before: PodObject, after: PodObject): ChangeSummary => {
  const spec = (pod: PodObject) => record(pod.spec)
  const meta = (pod: PodObject) => record(pod.metadata)
  const other: string[] = []
  for (const [section, skip] of [
    ['metadata', namedMeta],
    ['spec', namedFields],
    ['status', new Set<string>()],
  ] as const) {
    const left = record(before[section])
    const right = record(after[section])
    for (const key of new Set([...Object.keys(left), ...Object.keys(right)])) {
      if (!skip.has(key) && !jsonEqual(left[key], right[key])) other.push(`${section}.${key}`)
    }
  }
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (!['metadata', 'spec', 'status'].includes(key) && !jsonEqual(before[key], after[key])) other.push(key)
  }
  return {
    containers: compare(byName(spec(before).containers), byName(spec(after).containers)),
    initContainers: compare(byName(spec(before).initContainers), byName(spec(after).initContainers)),
    volumes: compare(byName(spec(before).volumes), byName(spec(after).volumes)),
    labels: compare(entries(meta(before).labels), entries(meta(after).labels)),
    annotations: compare(entries(meta(before).annotations), entries(meta(after).annotations)),
    other,
  }
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`

/** `+1 container (istio-proxy), +1 init container (istio-init), +8 volumes, +3 labels, +7 annotations` or `no changes`. */
export const formatChangeSummary = (summary: ChangeSummary): string => {
  const parts: string[] = []
  const describe = (changes: NamedChanges, word: string, listNames: boolean): void => {
    const names = (list: readonly string[]) =>
      listNames && list.length > 0 && list.length <= 3 ? ` (${list.join(', ')})` : ''
    if (changes.added.length > 0) parts.push(`+${plural(changes.added.length, word)}${names(changes.added)}`)
    if (changes.removed.length > 0)
      parts.push(`-${plural(changes.removed.length, word)}${names(changes.removed)}`)
    if (changes.changed.length > 0)
      parts.push(`~${plural(changes.changed.length, word)}${names(changes.changed)}`)
  }
  describe(summary.containers, 'container', true)
  describe(summary.initContainers, 'init container', true)
  describe(summary.volumes, 'volume', false)
  describe(summary.labels, 'label', false)
  describe(summary.annotations, 'annotation', false)
  if (summary.other.length > 0) parts.push(`~${summary.other.join(', ')}`)
  return parts.length === 0 ? 'no changes' : parts.join(', ')
}
