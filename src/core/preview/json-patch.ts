// RFC 6902 JSON Patch: the identity of array items the pod diff matches by, and applying a patch (the direct route
// applies the injector's patch). Patches themselves come from the jsondiffpatch delta (delta.ts).

export type PatchOperation =
  | {readonly op: 'add' | 'replace'; readonly path: string; readonly value: unknown}
  | {readonly op: 'remove'; readonly path: string}
  | {readonly op: 'move'; readonly from: string; readonly path: string}

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
