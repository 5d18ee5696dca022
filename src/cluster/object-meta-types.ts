// Objects kubectl refuses to decode: ObjectMeta's labels and annotations are map[string]string and its names are
// strings, so a YAML 1.1 `enabled: yes` label (a boolean) or `port: 8080` annotation (a number) fails in kubectl with
// "json: cannot unmarshal bool into Go struct field ObjectMeta.metadata.labels of type string". Nothing is judged
// from such an object: this finds the first refused field, with its path, for an error naming the line.
// kubernetes: staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/types.go (ObjectMeta)

type Path = (string | number)[]

export interface RefusedField {
  /** Path from the document root, e.g. ['items', 3, 'metadata', 'labels', 'enabled']. */
  readonly path: Path
  readonly message: string
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value)

// encoding/json's names for the JSON type it could not put into a Go string.
const jsonType = (value: unknown): string =>
  typeof value === 'boolean'
    ? 'bool'
    : typeof value === 'number'
      ? 'number'
      : Array.isArray(value)
        ? 'array'
        : typeof value === 'object'
          ? 'object'
          : 'string'

// Where pod-template metadata sits in the workload kinds (Deployment… spec.template, CronJob spec.jobTemplate).
const templatePaths: readonly Path[] = [
  ['spec', 'template', 'metadata'],
  ['spec', 'jobTemplate', 'metadata'],
  ['spec', 'jobTemplate', 'spec', 'template', 'metadata'],
]

const at = (value: unknown, path: Path): unknown =>
  path.reduce<unknown>((node, key) => (isRecord(node) ? node[key as string] : undefined), value)

function refusedIn(meta: unknown, path: Path): RefusedField | undefined {
  if (!isRecord(meta)) return undefined
  const field = (name: string) => `ObjectMeta.${[...path, name].join('.')}`
  // kubectl decodes the object's own metadata; a pod template's is decoded (and refused) by the API server.
  const who =
    path[path.length - 2] === 'template' || path[path.length - 2] === 'jobTemplate'
      ? 'the API server'
      : 'kubectl'
  for (const name of ['name', 'namespace', 'generateName']) {
    const value = meta[name]
    if (value !== undefined && value !== null && typeof value !== 'string')
      return {
        path: [...path, name],
        message: `${[...path, name].join('.')} is ${describe(value)}, not a string, and ${who} refuses the object (json: cannot unmarshal ${jsonType(value)} into Go struct field ${field(name)} of type string); quote the value`,
      }
  }
  for (const name of ['labels', 'annotations']) {
    const map = meta[name]
    if (map === undefined || map === null) continue
    if (!isRecord(map))
      return {
        path: [...path, name],
        message: `${[...path, name].join('.')} is ${describe(map)}, not a map of strings, and ${who} refuses the object (json: cannot unmarshal ${jsonType(map)} into Go struct field ${field(name)} of type map[string]string)`,
      }
    for (const [key, value] of Object.entries(map)) {
      if (value === null || typeof value === 'string') continue
      const label = name === 'labels' ? 'label' : 'annotation'
      return {
        path: [...path, name, key],
        message: `${label} ${JSON.stringify(key)} in ${[...path, name].join('.')} is ${describe(value)}, not a string (YAML 1.1 reads yes/no/on/off/true/false as booleans and unquoted digits as numbers), and ${who} refuses the object (json: cannot unmarshal ${jsonType(value)} into Go struct field ${field(name)} of type string); quote the value, e.g. ${key}: "…"`,
      }
    }
  }
  return undefined
}

const describe = (value: unknown): string =>
  typeof value === 'boolean'
    ? `the boolean ${value}`
    : typeof value === 'number'
      ? `the number ${value}`
      : Array.isArray(value)
        ? 'a list'
        : isRecord(value)
          ? 'a map'
          : 'a string'

/** The first field of a decoded document (a List's items included) that kubectl would refuse, or undefined. */
export function refusedMetadata(document: unknown, path: Path = []): RefusedField | undefined {
  if (!isRecord(document)) return undefined
  const kind = document.kind
  if (typeof kind === 'string' && kind.endsWith('List') && Array.isArray(document.items)) {
    for (const [index, item] of (document.items as unknown[]).entries()) {
      const found = refusedMetadata(item, [...path, 'items', index])
      if (found !== undefined) return found
    }
    return undefined
  }
  for (const relative of [['metadata'], ...templatePaths]) {
    const found = refusedIn(at(document, relative), [...path, ...relative])
    if (found !== undefined) return found
  }
  return undefined
}
