// RFC 6902 JSON Patch between two JSON documents, and its application (the direct route applies the injector's patch).
// Arrays are matched by `name` (else by value) with a longest common subsequence, so an added container is one `add`.

export interface PatchOperation {
  readonly op: 'add' | 'remove' | 'replace'
  readonly path: string
  readonly value?: unknown
}

type Json = Record<string, unknown>

const isObject = (value: unknown): value is Json =>
  value !== null && typeof value === 'object' && !Array.isArray(value)

/** RFC 6901 token escaping: `~` → `~0`, `/` → `~1` (annotation keys like `sidecar.istio.io/status` need it). */
export const escapePointerToken = (token: string): string => token.replace(/~/g, '~0').replace(/\//g, '~1')

const unescapeToken = (token: string): string => token.replace(/~1/g, '/').replace(/~0/g, '~')

/** Structural equality of JSON values (key order ignored). */
export const jsonEqual = (a: unknown, b: unknown): boolean => {
  if (a === b) return true
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false
    return a.every((item, i) => jsonEqual(item, b[i]))
  }
  if (!isObject(a) || !isObject(b)) return false
  const keys = Object.keys(a)
  if (keys.length !== Object.keys(b).length) return false
  return keys.every((key) => Object.hasOwn(b, key) && jsonEqual(a[key], b[key]))
}

/** Canonical JSON (sorted keys): equal values get equal text. */
export const canonical = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (isObject(value))
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`)
      .join(',')}}`
  return JSON.stringify(value) ?? 'null'
}

/** Identity of an array item: `name` (+ `mountPath` for volumeMounts), `key` for tolerations, else its value. */
export const itemIdentity = (item: unknown): string => {
  if (isObject(item)) {
    if (typeof item.name === 'string')
      return typeof item.mountPath === 'string' ? `name:${item.name}@${item.mountPath}` : `name:${item.name}`
    if (typeof item.containerPort === 'number')
      return `port:${item.containerPort}/${String(item.protocol ?? 'TCP')}`
  }
  return `value:${canonical(item)}`
}

const lcsPairs = (left: readonly string[], right: readonly string[]): [number, number][] => {
  const rows = left.length
  const cols = right.length
  const table: number[][] = Array.from({length: rows + 1}, () => new Array<number>(cols + 1).fill(0))
  for (let i = rows - 1; i >= 0; i--) {
    for (let j = cols - 1; j >= 0; j--) {
      table[i]![j] =
        left[i] === right[j] ? table[i + 1]![j + 1]! + 1 : Math.max(table[i + 1]![j]!, table[i]![j + 1]!)
    }
  }
  const pairs: [number, number][] = []
  let i = 0
  let j = 0
  while (i < rows && j < cols) {
    if (left[i] === right[j]) {
      pairs.push([i, j])
      i++
      j++
    } else if (table[i + 1]![j]! >= table[i]![j + 1]!) i++
    else j++
  }
  return pairs
}

const diffArrays = (
  before: readonly unknown[],
  after: readonly unknown[],
  path: string,
  ops: PatchOperation[],
): void => {
  const pairs = lcsPairs(before.map(itemIdentity), after.map(itemIdentity))
  const keptBefore = new Set(pairs.map(([i]) => i))
  const keptAfter = new Set(pairs.map(([, j]) => j))
  // Removals from the end keep earlier indices valid; inserts in ascending order land matched items on their final index.
  for (let i = before.length - 1; i >= 0; i--)
    if (!keptBefore.has(i)) ops.push({op: 'remove', path: `${path}/${i}`})
  for (let j = 0; j < after.length; j++)
    if (!keptAfter.has(j)) ops.push({op: 'add', path: `${path}/${j}`, value: structuredClone(after[j])})
  for (const [i, j] of pairs) diffValues(before[i], after[j], `${path}/${j}`, ops)
}

const diffValues = (before: unknown, after: unknown, path: string, ops: PatchOperation[]): void => {
  if (jsonEqual(before, after)) return
  if (isObject(before) && isObject(after)) {
    for (const key of Object.keys(before))
      if (!Object.hasOwn(after, key)) ops.push({op: 'remove', path: `${path}/${escapePointerToken(key)}`})
    for (const key of Object.keys(after)) {
      const child = `${path}/${escapePointerToken(key)}`
      if (!Object.hasOwn(before, key)) ops.push({op: 'add', path: child, value: structuredClone(after[key])})
      else diffValues(before[key], after[key], child, ops)
    }
    return
  }
  if (Array.isArray(before) && Array.isArray(after)) return diffArrays(before, after, path, ops)
  ops.push({op: 'replace', path, value: structuredClone(after)})
}

/** The JSON Patch that turns `before` into `after` (applying it reproduces `after` exactly). */
export const createJsonPatch = (before: unknown, after: unknown): PatchOperation[] => {
  const ops: PatchOperation[] = []
  diffValues(before, after, '', ops)
  return ops
}

/** Applies add/remove/replace (and test/copy/move from injectors) to a copy of `document`; throws on a bad path. */
export const applyJsonPatch = (
  document: unknown,
  operations: readonly {op: string; path: string; value?: unknown; from?: string}[],
): unknown => {
  let root = structuredClone(document)
  const tokensOf = (pointer: string): string[] => {
    if (pointer === '') return []
    if (!pointer.startsWith('/')) throw new Error(`invalid JSON pointer "${pointer}"`)
    return pointer.slice(1).split('/').map(unescapeToken)
  }
  const get = (pointer: string): unknown => {
    let current: unknown = root
    for (const token of tokensOf(pointer)) {
      if (Array.isArray(current)) current = current[Number(token)]
      else if (isObject(current)) current = current[token]
      else throw new Error(`path ${pointer} does not exist`)
      if (current === undefined) throw new Error(`path ${pointer} does not exist`)
    }
    return current
  }
  const parentOf = (pointer: string): {parent: unknown; key: string} => {
    const tokens = tokensOf(pointer)
    const key = tokens.pop()
    if (key === undefined) throw new Error('the document root has no parent')
    const parent = get(tokens.map((t) => `/${escapePointerToken(t)}`).join(''))
    return {parent, key}
  }
  const add = (pointer: string, value: unknown): void => {
    if (pointer === '') return void (root = value)
    const {parent, key} = parentOf(pointer)
    if (Array.isArray(parent)) {
      const index = key === '-' ? parent.length : Number(key)
      if (!Number.isInteger(index) || index < 0 || index > parent.length)
        throw new Error(`index ${key} out of range at ${pointer}`)
      parent.splice(index, 0, value)
    } else if (isObject(parent)) parent[key] = value
    else throw new Error(`cannot add at ${pointer}`)
  }
  const remove = (pointer: string): unknown => {
    const {parent, key} = parentOf(pointer)
    if (Array.isArray(parent)) {
      const index = Number(key)
      if (!Number.isInteger(index) || index < 0 || index >= parent.length)
        throw new Error(`index ${key} out of range at ${pointer}`)
      return parent.splice(index, 1)[0]
    }
    if (isObject(parent) && Object.hasOwn(parent, key)) {
      const old = parent[key]
      delete parent[key]
      return old
    }
    throw new Error(`path ${pointer} does not exist`)
  }
  for (const operation of operations) {
    switch (operation.op) {
      case 'add':
        add(operation.path, structuredClone(operation.value))
        break
      case 'remove':
        remove(operation.path)
        break
      case 'replace':
        if (operation.path === '') {
          root = structuredClone(operation.value)
          break
        }
        remove(operation.path)
        add(operation.path, structuredClone(operation.value))
        break
      case 'move':
        add(operation.path, remove(operation.from ?? ''))
        break
      case 'copy':
        add(operation.path, structuredClone(get(operation.from ?? '')))
        break
      case 'test':
        if (!jsonEqual(get(operation.path), operation.value))
          throw new Error(`test failed at ${operation.path}`)
        break
      default:
        throw new Error(`unknown JSON Patch operation "${operation.op}"`)
    }
  }
  return root
}
