// kubectl's JSONPath templates (k8s.io/client-go/util/jsonpath): text with {actions}; fields, [n], [a:b], [*], ..,
// ['key'], unions, [?(@.f OP v)] filters, range/end and "quoted" text. Pure; missing keys print nothing (kubectl -o jsonpath).

export class JsonPathError extends Error {}

type Step =
  | {readonly kind: 'field'; readonly names: readonly string[]}
  | {readonly kind: 'recursive'; readonly name: string | undefined}
  | {readonly kind: 'wildcard'}
  | {readonly kind: 'indexes'; readonly indexes: readonly number[]}
  | {readonly kind: 'slice'; readonly start?: number; readonly end?: number; readonly step?: number}
  | {readonly kind: 'filter'; readonly path: Path; readonly op?: string; readonly value?: unknown}

interface Path {
  /** `$`: from the document root; otherwise from the current node (`@`, or the range element). */
  readonly root: boolean
  readonly steps: readonly Step[]
}

type Node =
  | {readonly kind: 'text'; readonly text: string}
  | {readonly kind: 'path'; readonly path: Path}
  | {readonly kind: 'range'; readonly path: Path; readonly body: readonly Node[]}

const fail = (message: string): never => {
  throw new JsonPathError(message)
}

const nameChars = /^[^.[\]\s(){}=!<>,'"@$]+/

const unquote = (text: string): string =>
  text.slice(1, -1).replace(/\\(.)/g, (_, c: string) => ({n: '\n', t: '\t', r: '\r'})[c] ?? c)

// One bracket `[...]` body → a step.
const bracketStep = (body: string): Step => {
  const inner = body.trim()
  if (inner === '*') return {kind: 'wildcard'}
  if (inner.startsWith('?')) {
    const m = /^\?\(\s*(@[^=!<>]*?)\s*(?:(==|!=|<=|>=|<|>)\s*(.+?))?\s*\)$/.exec(inner)
    if (m === null) return fail(`unrecognized filter "${inner}"`)
    const path = parsePath(m[1]!)
    if (m[2] === undefined) return {kind: 'filter', path}
    return {kind: 'filter', path, op: m[2], value: literal(m[3]!)}
  }
  const parts = splitTop(inner, ',')
  if (parts.every((p) => /^\s*(['"]).*\1\s*$/.test(p)))
    return {kind: 'field', names: parts.map((p) => unquote(p.trim()))}
  if (parts.length === 1 && inner.includes(':')) {
    const [a, b, c] = inner.split(':').map((x) => x.trim())
    const num = (x: string | undefined) => (x === undefined || x === '' ? undefined : integer(x))
    const start = num(a)
    const end = num(b)
    const step = num(c)
    return {
      kind: 'slice',
      ...(start === undefined ? {} : {start}),
      ...(end === undefined ? {} : {end}),
      ...(step === undefined ? {} : {step}),
    }
  }
  return {kind: 'indexes', indexes: parts.map((p) => integer(p.trim()))}
}

const integer = (text: string): number =>
  /^-?\d+$/.test(text) ? Number(text) : fail(`invalid array index "${text}"`)

const literal = (text: string): unknown => {
  const t = text.trim()
  if (/^(['"]).*\1$/.test(t)) return unquote(t)
  if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t)
  if (t === 'true' || t === 'false') return t === 'true'
  return fail(`unrecognized filter value "${t}"`)
}

// Splits on `sep` outside quotes and brackets.
const splitTop = (text: string, sep: string): string[] => {
  const parts: string[] = []
  let depth = 0
  let quote: string | undefined
  let start = 0
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (quote !== undefined) {
      if (c === '\\') i++
      else if (c === quote) quote = undefined
    } else if (c === "'" || c === '"') quote = c
    else if (c === '[' || c === '(') depth++
    else if (c === ']' || c === ')') depth--
    else if (c === sep && depth === 0) {
      parts.push(text.slice(start, i))
      start = i + 1
    }
  }
  parts.push(text.slice(start))
  return parts
}

// The index of the `]` closing the bracket opened at `open`.
const closingBracket = (text: string, open: number): number => {
  let depth = 0
  let quote: string | undefined
  for (let i = open; i < text.length; i++) {
    const c = text[i]!
    if (quote !== undefined) {
      if (c === '\\') i++
      else if (c === quote) quote = undefined
    } else if (c === "'" || c === '"') quote = c
    else if (c === '[') depth++
    else if (c === ']' && --depth === 0) return i
  }
  return fail(`unclosed array expect ] in "${text}"`)
}

/** Parses `.items[*].metadata.name`, `$.kind`, `@.status`, `..name`, `['a.b/c']`. */
export const parsePath = (text: string): Path => {
  let rest = text.trim()
  let root = false
  if (rest.startsWith('$')) {
    root = true
    rest = rest.slice(1)
  } else if (rest.startsWith('@')) rest = rest.slice(1)
  const steps: Step[] = []
  while (rest !== '') {
    if (rest.startsWith('..')) {
      rest = rest.slice(2)
      const name = nameChars.exec(rest)?.[0]
      steps.push({kind: 'recursive', name})
      if (name !== undefined) rest = rest.slice(name.length)
    } else if (rest.startsWith('.')) {
      rest = rest.slice(1)
      if (rest.startsWith('*')) {
        steps.push({kind: 'wildcard'})
        rest = rest.slice(1)
        continue
      }
      const name = nameChars.exec(rest)?.[0]
      if (name === undefined) {
        if (rest === '' || rest.startsWith('[')) continue
        return fail(`unrecognized character in "${text}"`)
      }
      steps.push({kind: 'field', names: [name]})
      rest = rest.slice(name.length)
    } else if (rest.startsWith('[')) {
      const close = closingBracket(rest, 0)
      steps.push(bracketStep(rest.slice(1, close)))
      rest = rest.slice(close + 1)
    } else {
      const name = nameChars.exec(rest)?.[0]
      if (name === undefined || steps.length > 0) return fail(`unrecognized identifier in "${text}"`)
      steps.push({kind: 'field', names: [name]})
      rest = rest.slice(name.length)
    }
  }
  return {root, steps}
}

/** Parses a whole template into text, paths and range/end blocks. */
export const parseTemplate = (template: string): readonly Node[] => {
  const stack: {path?: Path; body: Node[]}[] = [{body: []}]
  let i = 0
  while (i < template.length) {
    const open = template.indexOf('{', i)
    const top = stack[stack.length - 1]!
    if (open < 0) {
      top.body.push({kind: 'text', text: template.slice(i)})
      break
    }
    if (open > i) top.body.push({kind: 'text', text: template.slice(i, open)})
    const close = actionEnd(template, open)
    const action = template.slice(open + 1, close).trim()
    i = close + 1
    if (action === 'end') {
      const done = stack.pop()
      if (stack.length === 0 || done?.path === undefined) return fail('not in range, nothing to end')
      stack[stack.length - 1]!.body.push({kind: 'range', path: done.path, body: done.body})
    } else if (/^range\s/.test(action)) stack.push({path: parsePath(action.slice(6)), body: []})
    else if (/^(['"]).*\1$/s.test(action)) top.body.push({kind: 'text', text: unquote(action)})
    else if (action === '') return fail(`empty action in "${template}"`)
    else {
      // `{.a,.b}`: kubectl prints each expression's results in turn.
      for (const part of splitTop(action, ',')) top.body.push({kind: 'path', path: parsePath(part)})
    }
  }
  if (stack.length !== 1) return fail('range without end')
  return stack[0]!.body
}

// The `}` closing the action opened at `open`, skipping quoted text.
const actionEnd = (text: string, open: number): number => {
  let quote: string | undefined
  for (let i = open + 1; i < text.length; i++) {
    const c = text[i]!
    if (quote !== undefined) {
      if (c === '\\') i++
      else if (c === quote) quote = undefined
    } else if (c === "'" || c === '"') quote = c
    else if (c === '}') return i
  }
  return fail(`unclosed action in "${text}"`)
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v)

const children = (v: unknown): unknown[] => (Array.isArray(v) ? v : isObject(v) ? Object.values(v) : [])

const descendants = (v: unknown): unknown[] => [v, ...children(v).flatMap(descendants)]

const compare = (a: unknown, op: string, b: unknown): boolean => {
  switch (op) {
    case '==':
      return a === b
    case '!=':
      return a !== b
    default: {
      if (typeof a !== typeof b || (typeof a !== 'number' && typeof a !== 'string')) return false
      const x = a as number | string
      const y = b as number | string
      return op === '<' ? x < y : op === '<=' ? x <= y : op === '>' ? x > y : x >= y
    }
  }
}

const applyStep = (values: readonly unknown[], step: Step, root: unknown): unknown[] =>
  values.flatMap((v): unknown[] => {
    switch (step.kind) {
      case 'field':
        return isObject(v) ? step.names.filter((n) => n in v).map((n) => v[n]) : []
      case 'recursive':
        return step.name === undefined
          ? descendants(v)
          : descendants(v).flatMap((d) => (isObject(d) && step.name! in d ? [d[step.name!]] : []))
      case 'wildcard':
        return children(v)
      case 'indexes':
        if (!Array.isArray(v)) return []
        return step.indexes.flatMap((i) => {
          const at = i < 0 ? v.length + i : i
          return at >= 0 && at < v.length ? [v[at]] : []
        })
      case 'slice': {
        if (!Array.isArray(v)) return []
        const clamp = (i: number) => Math.max(0, Math.min(v.length, i < 0 ? v.length + i : i))
        const start = clamp(step.start ?? 0)
        const end = clamp(step.end ?? v.length)
        const stride = step.step ?? 1
        if (stride <= 0) return fail('step must be positive')
        const out: unknown[] = []
        for (let i = start; i < end; i += stride) out.push(v[i])
        return out
      }
      case 'filter':
        return children(v).filter((item) => {
          const found = evaluatePath(step.path, item, root)
          if (step.op === undefined) return found.length > 0
          return found.some((f) => compare(f, step.op!, step.value))
        })
    }
  })

/** Every value the path selects (none when a key is missing). */
export const evaluatePath = (path: Path, current: unknown, root: unknown): unknown[] =>
  path.steps.reduce<unknown[]>((values, step) => applyStep(values, step, root), [path.root ? root : current])

/** How kubectl prints one value: strings bare, other scalars as text, objects and arrays as JSON. */
export const formatValue = (value: unknown): string =>
  typeof value === 'string'
    ? value
    : typeof value === 'number' || typeof value === 'boolean'
      ? String(value)
      : value === null || value === undefined
        ? ''
        : JSON.stringify(value)

const renderNodes = (nodes: readonly Node[], current: unknown, root: unknown): string =>
  nodes
    .map((node) => {
      switch (node.kind) {
        case 'text':
          return node.text
        case 'path':
          return evaluatePath(node.path, current, root).map(formatValue).join(' ')
        case 'range':
          return evaluatePath(node.path, current, root)
            .map((item) => renderNodes(node.body, item, root))
            .join('')
      }
    })
    .join('')

/** Renders a kubectl -o jsonpath template over a document; throws JsonPathError on a bad template. */
export const renderJsonPath = (template: string, document: unknown): string =>
  renderNodes(parseTemplate(template), document, document)

/** kubectl's relaxed form for custom-columns and --sort-by: `.a.b`, `a.b` and `{.a.b}` are the same path. */
export const relaxedPath = (text: string): Path => {
  const trimmed = text.trim()
  const bare = trimmed.startsWith('{') && trimmed.endsWith('}') ? trimmed.slice(1, -1) : trimmed
  if (bare === '') return fail('an empty JSONPath expression')
  return parsePath(bare.startsWith('.') || bare.startsWith('[') || bare.startsWith('$') ? bare : `.${bare}`)
}
