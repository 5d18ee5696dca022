// RFC 6902 JSON Patch: apply (for the API-server double) and a small diff (for the webhook server's responses).
export interface PatchOperation {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test'
  path: string
  value?: unknown
  from?: string
}

type Container = Record<string, unknown> | unknown[]

const unescape = (token: string): string => token.replace(/~1/g, '/').replace(/~0/g, '~')
export const escapePointer = (token: string): string => token.replace(/~/g, '~0').replace(/\//g, '~1')

function parsePointer(pointer: string): string[] {
  if (pointer === '') return []
  if (!pointer.startsWith('/')) throw new Error(`invalid JSON pointer "${pointer}"`)
  return pointer.slice(1).split('/').map(unescape)
}

function resolveParent(doc: unknown, tokens: string[], pointer: string): {parent: Container; last: string} {
  let current: unknown = doc
  for (const token of tokens.slice(0, -1)) {
    if (Array.isArray(current)) current = current[Number(token)]
    else if (current !== null && typeof current === 'object')
      current = (current as Record<string, unknown>)[token]
    else current = undefined
    if (current === undefined) throw new Error(`doc is missing path: "${pointer}": missing value`)
  }
  if (current === null || typeof current !== 'object')
    throw new Error(`doc is missing path: "${pointer}": missing value`)
  return {parent: current as Container, last: tokens[tokens.length - 1]!}
}

function arrayIndex(arr: unknown[], token: string, forAdd: boolean, pointer: string): number {
  if (forAdd && token === '-') return arr.length
  const index = Number(token)
  if (!/^\d+$/.test(token) || index > arr.length || (!forAdd && index === arr.length))
    throw new Error(`unable to access invalid index: ${token} in "${pointer}"`)
  return index
}

function getAt(doc: unknown, pointer: string): unknown {
  const tokens = parsePointer(pointer)
  if (tokens.length === 0) return doc
  const {parent, last} = resolveParent(doc, tokens, pointer)
  const value = Array.isArray(parent) ? parent[arrayIndex(parent, last, false, pointer)] : parent[last]
  if (value === undefined) throw new Error(`doc is missing key: "${pointer}": missing value`)
  return value
}

function removeAt(doc: unknown, pointer: string): unknown {
  const {parent, last} = resolveParent(doc, parsePointer(pointer), pointer)
  if (Array.isArray(parent)) return parent.splice(arrayIndex(parent, last, false, pointer), 1)[0]
  if (!Object.hasOwn(parent, last))
    throw new Error(`unable to remove nonexistent key: ${last}: missing value`)
  const value = parent[last]
  delete parent[last]
  return value
}

function addAt(doc: unknown, pointer: string, value: unknown, replace: boolean): unknown {
  const tokens = parsePointer(pointer)
  if (tokens.length === 0) return value
  const {parent, last} = resolveParent(doc, tokens, pointer)
  if (Array.isArray(parent)) {
    const index = arrayIndex(parent, last, !replace, pointer)
    parent.splice(index, replace ? 1 : 0, value)
  } else {
    if (replace && !Object.hasOwn(parent, last))
      throw new Error(`replace operation does not apply: doc is missing key: ${pointer}`)
    parent[last] = value
  }
  return doc
}

// Applies the operations to a copy of doc; throws with an evanphx/json-patch style message on failure.
export function applyJsonPatch<T>(doc: T, operations: PatchOperation[]): T {
  let result: unknown = structuredClone(doc)
  for (const op of operations) {
    switch (op.op) {
      case 'add':
        result = addAt(result, op.path, structuredClone(op.value), false)
        break
      case 'replace':
        result = addAt(result, op.path, structuredClone(op.value), true)
        break
      case 'remove':
        removeAt(result, op.path)
        break
      case 'move': {
        const value = removeAt(result, op.from ?? '')
        result = addAt(result, op.path, value, false)
        break
      }
      case 'copy':
        result = addAt(result, op.path, structuredClone(getAt(result, op.from ?? '')), false)
        break
      case 'test':
        if (JSON.stringify(getAt(result, op.path)) !== JSON.stringify(op.value))
          throw new Error(`testing value ${op.path} failed: test failed`)
        break
      default:
        throw new Error(`Unexpected kind: ${String((op as {op: unknown}).op)}`)
    }
  }
  return result as T
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v)

// Minimal diff: recurse into objects, append to arrays that only grew, replace anything else that changed.
export function diffJsonPatch(before: unknown, after: unknown, path = ''): PatchOperation[] {
  if (JSON.stringify(before) === JSON.stringify(after)) return []
  if (isObject(before) && isObject(after)) {
    const ops: PatchOperation[] = []
    for (const key of Object.keys(before))
      if (!Object.hasOwn(after, key)) ops.push({op: 'remove', path: `${path}/${escapePointer(key)}`})
    for (const [key, value] of Object.entries(after)) {
      const child = `${path}/${escapePointer(key)}`
      if (!Object.hasOwn(before, key)) ops.push({op: 'add', path: child, value})
      else ops.push(...diffJsonPatch(before[key], value, child))
    }
    return ops
  }
  if (Array.isArray(before) && Array.isArray(after) && after.length >= before.length) {
    const ops: PatchOperation[] = []
    before.forEach((item, i) => ops.push(...diffJsonPatch(item, after[i], `${path}/${i}`)))
    for (let i = before.length; i < after.length; i++)
      ops.push({op: 'add', path: `${path}/-`, value: after[i]})
    return ops
  }
  return [{op: path === '' ? 'replace' : before === undefined ? 'add' : 'replace', path, value: after}]
}
