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
