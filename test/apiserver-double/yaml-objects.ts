// Reads multi-document YAML (or JSON) files into Kubernetes objects, flattening List kinds into their items.
import {readFileSync} from 'node:fs'
import {parseAllDocuments} from 'yaml'

const flatten = (doc: unknown): object[] => {
  if (doc === null || typeof doc !== 'object') return []
  const obj = doc as {kind?: unknown; items?: unknown}
  if (typeof obj.kind === 'string' && obj.kind.endsWith('List') && Array.isArray(obj.items))
    return obj.items.flatMap(flatten)
  return [doc]
}

export function loadYamlObjects(path: string): object[] {
  const text = readFileSync(path, 'utf8')
  return parseAllDocuments(text).flatMap((doc) => {
    if (doc.errors.length > 0) throw new Error(`${path}: ${doc.errors[0]!.message}`)
    return flatten(doc.toJS())
  })
}

const eventTimeFields = ['lastTimestamp', 'firstTimestamp', 'eventTime'] as const

/**
 * Fixture Events as if they had just happened: every timestamp moves by the same offset so the newest is `now`. A live
 * read judges evidence by its age at read time, as files are judged at their newest event; ages stay as recorded.
 */
export function recordedJustNow(objects: readonly object[], now = new Date()): object[] {
  const times = objects.flatMap((o) => {
    const event = o as Record<string, unknown>
    if (event.kind !== 'Event') return []
    return eventTimeFields.map((f) => (typeof event[f] === 'string' ? Date.parse(event[f]) : NaN))
  })
  const newest = Math.max(...times.filter((t) => !Number.isNaN(t)))
  if (!Number.isFinite(newest)) return [...objects]
  const shift = now.getTime() - newest
  return objects.map((o) => {
    const event = o as Record<string, unknown>
    if (event.kind !== 'Event') return o
    const moved: Record<string, unknown> = {...event}
    for (const f of eventTimeFields) {
      const value = event[f]
      if (typeof value === 'string' && !Number.isNaN(Date.parse(value)))
        moved[f] = new Date(Date.parse(value) + shift).toISOString().replace(/\.\d{3}Z$/, 'Z')
    }
    return moved
  })
}
