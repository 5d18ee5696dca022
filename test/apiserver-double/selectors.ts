// Label and field selector parsing/matching for list requests, written independently of src/ (apimachinery semantics).
export type LabelOperator = 'in' | 'notin' | 'exists' | '!' | '=' | '!=' | 'gt' | 'lt'

export interface LabelRequirement {
  key: string
  operator: LabelOperator
  values: string[]
}

export class SelectorError extends Error {}

const keyPattern =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/
const valuePattern = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/

function checkKey(key: string): string {
  if (!keyPattern.test(key))
    throw new SelectorError(`unable to parse requirement: invalid label key "${key}"`)
  return key
}

function checkValue(value: string): string {
  if (value.length > 63 || !valuePattern.test(value))
    throw new SelectorError(`unable to parse requirement: invalid label value: "${value}"`)
  return value
}

// Splits on commas that are not inside parentheses.
function splitTerms(text: string): string[] {
  const terms: string[] = []
  let depth = 0
  let current = ''
  for (const ch of text) {
    if (ch === '(') depth++
    if (ch === ')') depth--
    if (ch === ',' && depth === 0) {
      terms.push(current)
      current = ''
    } else current += ch
  }
  terms.push(current)
  return terms.map((t) => t.trim())
}

// apimachinery labels.Parse syntax: a=b, a==b, a!=b, a in (x,y), a notin (x), a, !a, a>1, a<1.
export function parseLabelSelector(text: string): LabelRequirement[] {
  if (text.trim() === '') return []
  return splitTerms(text).map((term) => {
    if (term === '') throw new SelectorError(`found '', expected: !, identifier, or 'end of string'`)
    const setMatch = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(term)
    if (setMatch) {
      const values = setMatch[3]!.split(',').map((v) => checkValue(v.trim()))
      return {key: checkKey(setMatch[1]!), operator: setMatch[2] as 'in' | 'notin', values}
    }
    if (term.startsWith('!')) return {key: checkKey(term.slice(1).trim()), operator: '!', values: []}
    const opMatch = /^([^=!<>\s]+)\s*(==|=|!=|>|<)\s*(.*)$/.exec(term)
    if (opMatch) {
      const op = opMatch[2]!
      const operator: LabelOperator = op === '!=' ? '!=' : op === '>' ? 'gt' : op === '<' ? 'lt' : '='
      const value = opMatch[3]!.trim()
      if ((operator === 'gt' || operator === 'lt') && !/^-?\d+$/.test(value))
        throw new SelectorError(
          `unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer`,
        )
      return {key: checkKey(opMatch[1]!), operator, values: [checkValue(value)]}
    }
    return {key: checkKey(term), operator: 'exists', values: []}
  })
}

export function matchesLabels(
  requirements: LabelRequirement[],
  labels: Record<string, string> | undefined,
): boolean {
  for (const req of requirements) {
    const has = labels !== undefined && Object.hasOwn(labels, req.key)
    const value = has ? labels[req.key]! : undefined
    switch (req.operator) {
      case 'exists':
        if (!has) return false
        break
      case '!':
        if (has) return false
        break
      case '=':
      case 'in':
        if (!has || !req.values.includes(value!)) return false
        break
      case '!=':
      case 'notin':
        if (has && req.values.includes(value!)) return false
        break
      case 'gt':
      case 'lt': {
        if (!has || !/^-?\d+$/.test(value!)) return false
        const n = Number(value)
        const bound = Number(req.values[0])
        if (req.operator === 'gt' ? !(n > bound) : !(n < bound)) return false
        break
      }
    }
  }
  return true
}

// metav1.LabelSelector (matchLabels + matchExpressions) as used by webhook namespace/object selectors.
export interface LabelSelectorObject {
  matchLabels?: Record<string, string>
  matchExpressions?: {key: string; operator: string; values?: string[]}[]
}

export function labelSelectorRequirements(selector: LabelSelectorObject | undefined): LabelRequirement[] {
  if (!selector) return []
  const reqs: LabelRequirement[] = []
  for (const [key, value] of Object.entries(selector.matchLabels ?? {}))
    reqs.push({key, operator: '=', values: [value]})
  for (const expr of selector.matchExpressions ?? []) {
    const op = {In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!'}[expr.operator] as
      LabelOperator | undefined
    if (!op) throw new SelectorError(`"${expr.operator}" is not a valid label selector operator`)
    reqs.push({key: expr.key, operator: op, values: expr.values ?? []})
  }
  return reqs
}

export interface FieldRequirement {
  field: string
  negate: boolean
  value: string
}

// fields.ParseSelector: comma-separated key=value, key==value, key!=value (backslash escapes allowed).
export function parseFieldSelector(text: string, supported: string[]): FieldRequirement[] {
  if (text.trim() === '') return []
  return text.split(/(?<!\\),/).map((term) => {
    const m = /^([^=!]+)(==|=|!=)(.*)$/.exec(term.trim())
    if (!m) throw new SelectorError(`invalid selector: '${text}'; can't understand '${term}'`)
    const field = m[1]!.trim()
    if (field !== 'metadata.name' && field !== 'metadata.namespace' && !supported.includes(field))
      throw new SelectorError(`field label not supported: ${field}`)
    return {field, negate: m[2] === '!=', value: m[3]!.replace(/\\(.)/g, '$1')}
  })
}

function fieldValue(obj: Record<string, unknown>, field: string): string {
  // Events' "source" field selector maps to source.component.
  const path = field === 'source' ? ['source', 'component'] : field.split('.')
  let current: unknown = obj
  for (const part of path) {
    if (current === null || typeof current !== 'object') return ''
    current = (current as Record<string, unknown>)[part]
  }
  if (current === undefined || current === null) return field === 'spec.hostNetwork' ? 'false' : ''
  return String(current)
}

export function matchesFields(requirements: FieldRequirement[], obj: Record<string, unknown>): boolean {
  for (const req of requirements) {
    const actual = fieldValue(obj, req.field)
    if (req.negate ? actual === req.value : actual !== req.value) return false
  }
  return true
}
