// Label selectors with API-server semantics: every term is evaluated and reported with the actual label value.
import type {LabelSelector, LabelSelectorRequirement, Labels} from '../snapshot.js'

export interface SelectorTerm {
  /** e.g. `istio-injection In [enabled]`, `app=web`, `istio.io/rev DoesNotExist`. */
  readonly term: string
  readonly matches: boolean
  /** e.g. `istio-injection=disabled` or `istio-injection absent`. */
  readonly actual: string
}

export interface SelectorEvaluation {
  /** False whenever `error` is set: the API server cannot use an invalid selector. */
  readonly matches: boolean
  readonly error?: string
  /** Empty for an empty selector (which matches everything). */
  readonly terms: readonly SelectorTerm[]
}

const labelNamePattern = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/
const labelValuePattern = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/
const dnsSubdomainPattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/

// apimachinery: pkg/util/validation/validation.go IsQualifiedName (label keys)
export const validateLabelKey = (key: string): string | undefined => {
  const parts = key.split('/')
  if (parts.length > 2) return `invalid label key "${key}": at most one '/' is allowed (prefix/name)`
  const name = parts.length === 2 ? (parts[1] ?? '') : key
  if (parts.length === 2) {
    const prefix = parts[0] ?? ''
    if (prefix.length === 0) return `invalid label key "${key}": prefix part must be non-empty`
    if (prefix.length > 253)
      return `invalid label key "${key}": prefix part must be no more than 253 characters`
    if (!dnsSubdomainPattern.test(prefix)) {
      return `invalid label key "${key}": prefix part must be a lowercase RFC 1123 subdomain (e.g. 'example.com')`
    }
  }
  if (name.length === 0) return `invalid label key "${key}": name part must be non-empty`
  if (name.length > 63) return `invalid label key "${key}": name part must be no more than 63 characters`
  if (!labelNamePattern.test(name)) {
    return `invalid label key "${key}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`
  }
  return undefined
}

// apimachinery: pkg/util/validation/validation.go IsValidLabelValue
export const validateLabelValue = (key: string, value: string): string | undefined => {
  if (value.length > 63)
    return `invalid value "${value}" for label ${key}: must be no more than 63 characters`
  if (!labelValuePattern.test(value)) {
    return `invalid value "${value}" for label ${key}: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`
  }
  return undefined
}

const formatValue = (value: string): string => (value === '' ? '""' : value)

export const formatActual = (key: string, labels: Labels): string =>
  Object.hasOwn(labels, key) ? `${key}=${formatValue(labels[key] ?? '')}` : `${key} absent`

/** One requirement, e.g. `istio-injection In [enabled]`, `sidecar.istio.io/inject NotIn ["false"]`. */
export const formatRequirement = (requirement: LabelSelectorRequirement): string => {
  const values = requirement.values ?? []
  if (values.length === 0 && (requirement.operator === 'Exists' || requirement.operator === 'DoesNotExist')) {
    return `${requirement.key} ${requirement.operator}`
  }
  return `${requirement.key} ${requirement.operator} [${values.map(formatValue).join(', ')}]`
}

const matchLabelEntries = (selector: LabelSelector): [string, string][] =>
  Object.entries(selector.matchLabels ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))

/** Undefined or no terms: the API server's `{}` (matches everything), istiod's skipped selector. */
export const isEmptySelector = (selector: LabelSelector | undefined): boolean =>
  selector === undefined ||
  (Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0)

/** One line: `{}` for the empty selector, else the terms joined by `, `. */
export const formatSelector = (selector: LabelSelector | undefined): string => {
  if (selector === undefined || isEmptySelector(selector)) return '{}'
  return [
    ...matchLabelEntries(selector).map(([key, value]) => `${key}=${formatValue(value)}`),
    ...(selector.matchExpressions ?? []).map(formatRequirement),
  ].join(', ')
}

// apimachinery: pkg/labels/selector.go NewRequirement (validation rules and messages)
const validateRequirement = (requirement: LabelSelectorRequirement): string | undefined => {
  const keyError = validateLabelKey(requirement.key)
  if (keyError) return keyError
  const values = requirement.values ?? []
  switch (requirement.operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0) {
        return `${formatRequirement(requirement)}: for 'In', 'NotIn' operators, values set can't be empty`
      }
      break
    case 'Exists':
    case 'DoesNotExist':
      if (values.length !== 0) {
        return `${formatRequirement(requirement)}: values set must be empty for 'Exists' and 'DoesNotExist'`
      }
      break
    default:
      // apimachinery: pkg/apis/meta/v1/helpers.go LabelSelectorAsSelector
      return `"${requirement.operator}" is not a valid label selector operator (key ${requirement.key}); use In, NotIn, Exists or DoesNotExist`
  }
  for (const value of values) {
    const valueError = validateLabelValue(requirement.key, value)
    if (valueError) return valueError
  }
  return undefined
}

// apimachinery: pkg/labels/selector.go Requirement.Matches
const requirementMatches = (requirement: LabelSelectorRequirement, labels: Labels): boolean => {
  const present = Object.hasOwn(labels, requirement.key)
  const value = labels[requirement.key]
  const values = requirement.values ?? []
  switch (requirement.operator) {
    case 'In':
      return present && value !== undefined && values.includes(value)
    case 'NotIn':
      return !present || value === undefined || !values.includes(value)
    case 'Exists':
      return present
    case 'DoesNotExist':
      return !present
    default:
      return false
  }
}

/**
 * API-server semantics: undefined or `{}` matches everything (v1 defaults nil webhook selectors to `{}`),
 * terms are ANDed, values compare exactly and case-sensitively, an invalid selector is an error.
 */
// Validation depends on the selector alone: computed once per selector object (a sweep asks millions of times).
const validated = new WeakMap<object, string[]>()
const requirementValidated = new WeakMap<object, string | null>()
const requirementErrors = (requirement: LabelSelectorRequirement): string | undefined => {
  let error = requirementValidated.get(requirement)
  if (error === undefined)
    requirementValidated.set(requirement, (error = validateRequirement(requirement) ?? null))
  return error ?? undefined
}
const selectorErrors = (selector: LabelSelector): string[] => {
  let errors = validated.get(selector)
  if (errors === undefined) {
    errors = []
    for (const [key, value] of matchLabelEntries(selector)) {
      const error = validateLabelKey(key) ?? validateLabelValue(key, value)
      if (error) errors.push(error)
    }
    for (const requirement of selector.matchExpressions ?? []) {
      const error = requirementErrors(requirement)
      if (error) errors.push(error)
    }
    validated.set(selector, errors)
  }
  return errors
}

export const matchLabelSelector = (
  selector: LabelSelector | undefined,
  labels: Labels,
): SelectorEvaluation => {
  if (selector === undefined || isEmptySelector(selector)) return {matches: true, terms: []}
  const terms: SelectorTerm[] = []
  const errors = selectorErrors(selector)
  for (const [key, value] of matchLabelEntries(selector)) {
    const matches = Object.hasOwn(labels, key) && labels[key] === value
    terms.push({term: `${key}=${formatValue(value)}`, matches, actual: formatActual(key, labels)})
  }
  for (const requirement of selector.matchExpressions ?? []) {
    const error = requirementErrors(requirement)
    terms.push({
      term: formatRequirement(requirement),
      matches: error === undefined && requirementMatches(requirement, labels),
      actual: formatActual(requirement.key, labels),
    })
  }
  if (errors.length > 0) return {matches: false, error: errors.join('; '), terms}
  return {matches: terms.every((term) => term.matches), terms}
}

/** `istio-injection In [enabled]: istio-injection=disabled ✗; ...`, or `{} matches everything`. */
export const formatSelectorEvaluation = (evaluation: SelectorEvaluation): string => {
  if (evaluation.terms.length === 0 && evaluation.error === undefined) return '{} matches everything'
  const terms = evaluation.terms.map((t) => `${t.term}: ${t.actual} ${t.matches ? '✓' : '✗'}`).join('; ')
  return evaluation.error === undefined ? terms : `invalid selector: ${evaluation.error}; ${terms}`
}

// ---- kubectl `-l` syntax ----

type Token =
  | {kind: 'id'; text: string}
  | {kind: 'op'; text: '=' | '==' | '!=' | '!' | '(' | ')' | ',' | '>' | '<'}
  | {kind: 'end'; text: ''}
  | {kind: 'error'; text: string}

const specialCharacters = new Set(['=', '!', '(', ')', ',', '>', '<'])
const operatorTokens = new Set(['=', '==', '!=', '!', '(', ')', ',', '>', '<'])
const isWhitespace = (ch: string): boolean => ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n'

// apimachinery: pkg/labels/selector.go Lexer (identifiers end at whitespace or a special symbol; longest operator wins)
const tokenize = (text: string): Token[] => {
  const tokens: Token[] = []
  let pos = 0
  while (true) {
    while (pos < text.length && isWhitespace(text[pos] ?? '')) pos++
    if (pos >= text.length) {
      tokens.push({kind: 'end', text: ''})
      return tokens
    }
    const ch = text[pos] ?? ''
    if (specialCharacters.has(ch)) {
      let symbol = ''
      let best = ''
      let end = pos
      while (end < text.length && specialCharacters.has(text[end] ?? '')) {
        symbol += text[end]
        end++
        if (operatorTokens.has(symbol)) best = symbol
        else if (best !== '') break
      }
      if (best === '') {
        tokens.push({kind: 'error', text: symbol})
        return tokens
      }
      pos += best.length
      tokens.push({kind: 'op', text: best as Extract<Token, {kind: 'op'}>['text']})
      continue
    }
    let end = pos
    while (end < text.length && !specialCharacters.has(text[end] ?? '') && !isWhitespace(text[end] ?? ''))
      end++
    tokens.push({kind: 'id', text: text.slice(pos, end)})
    pos = end
  }
}

interface ParsedRequirement {
  readonly key: string
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Equals' | 'GreaterThan' | 'LessThan'
  readonly values: string[]
}

const int64Min = -(2n ** 63n)
const int64Max = 2n ** 63n - 1n

// Go strconv.ParseInt(s, 10, 64): optional sign, decimal digits, within int64.
const parseInt64 = (text: string): bigint | undefined => {
  if (!/^[+-]?[0-9]+$/.test(text)) return undefined
  const value = BigInt(text)
  return value < int64Min || value > int64Max ? undefined : value
}

// The real lexer's literal for the end of the string is empty: errors read `found ''`.
const describeToken = (token: Token): string => token.text

type Parsed =
  {readonly requirements: ParsedRequirement[]; readonly error?: undefined} | {readonly error: string}
type Step<T> = {readonly value: T; readonly error?: undefined} | {readonly error: string}

const isOp = (token: Token, text: string): boolean => token.kind === 'op' && token.text === text
const isEndOrComma = (token: Token): boolean => token.kind === 'end' || isOp(token, ',')

class TokenCursor {
  #position = 0
  constructor(private readonly tokens: readonly Token[]) {}
  peek(): Token {
    return this.tokens[this.#position] ?? {kind: 'end', text: ''}
  }
  next(): Token {
    return this.tokens[this.#position++] ?? {kind: 'end', text: ''}
  }
}

// apimachinery: pkg/labels/selector.go parseValues + parseIdentifiersList (texts as the API server words them).
const parseValueSet = (cursor: TokenCursor): Step<string[]> => {
  const open = cursor.next()
  if (!isOp(open, '(')) return {error: `found '${describeToken(open)}' expected: '('`}
  const first = cursor.peek()
  if (isOp(first, ')')) {
    cursor.next()
    return {value: ['']}
  }
  if (!(first.kind === 'id' || isOp(first, ',')))
    return {error: `found '${describeToken(first)}', expected: ',', ')' or identifier`}
  const values: string[] = []
  for (;;) {
    const item = cursor.next()
    if (item.kind === 'id') {
      values.push(item.text)
      const after = cursor.peek()
      if (isOp(after, ')')) break
      if (!isOp(after, ',')) return {error: `found '${describeToken(after)}', expected: ',' or ')'`}
    } else if (isOp(item, ',')) {
      if (values.length === 0) values.push('')
      const after = cursor.peek()
      if (isOp(after, ')')) {
        values.push('')
        break
      }
      if (isOp(after, ',')) values.push('')
    } else return {error: `found '${describeToken(item)}', expected: ',', or identifier`}
  }
  cursor.next()
  return {value: [...new Set(values)]}
}

// apimachinery: pkg/labels/selector.go parseExactValue (`=`, `==`, `!=`, `>`, `<`: one value, possibly empty).
const parseExactValue = (cursor: TokenCursor): Step<string> => {
  if (isEndOrComma(cursor.peek())) return {value: ''}
  const token = cursor.next()
  return token.kind === 'id'
    ? {value: token.text}
    : {error: `found '${describeToken(token)}', expected: identifier`}
}

// apimachinery: pkg/labels/selector.go parseRequirement (errors are prefixed by the caller).
const parseRequirement = (cursor: TokenCursor): Step<ParsedRequirement> => {
  let token = cursor.next()
  const negated = isOp(token, '!')
  if (negated) token = cursor.next()
  if (token.kind !== 'id') return {error: `found '${describeToken(token)}', expected: identifier`}
  const key = token.text
  const keyError = validateLabelKey(key)
  if (keyError) return {error: keyError}
  if (negated) return {value: {key, operator: 'DoesNotExist', values: []}}
  if (isEndOrComma(cursor.peek())) return {value: {key, operator: 'Exists', values: []}}
  const operator = cursor.next()
  if (operator.kind === 'id' && (operator.text === 'in' || operator.text === 'notin')) {
    const set = parseValueSet(cursor)
    if (set.error !== undefined) return set
    return {value: {key, operator: operator.text === 'in' ? 'In' : 'NotIn', values: set.value}}
  }
  if (!(operator.kind === 'op' && ['=', '==', '!=', '>', '<'].includes(operator.text)))
    return {error: `found '${describeToken(operator)}', expected: in, notin, =, ==, !=, gt, lt`}
  const exact = parseExactValue(cursor)
  if (exact.error !== undefined) return exact
  if (operator.text === '>' || operator.text === '<') {
    if (parseInt64(exact.value) === undefined)
      return {
        error: `values[0]: Invalid value: "${exact.value}": for 'Gt', 'Lt' operators, the value must be an integer`,
      }
    return {value: {key, operator: operator.text === '>' ? 'GreaterThan' : 'LessThan', values: [exact.value]}}
  }
  const valueError = validateLabelValue(key, exact.value)
  if (valueError) return {error: valueError}
  return {value: {key, operator: operator.text === '!=' ? 'NotIn' : 'Equals', values: [exact.value]}}
}

// apimachinery: pkg/labels/selector.go Parser.parse (kubectl `-l` grammar, including `>` and `<`); only errors
// inside one requirement carry the "unable to parse requirement: " prefix, as the API server's do.
const parseRequirements = (text: string): Parsed => {
  const tokens = tokenize(text)
  const errorToken = tokens.find((t) => t.kind === 'error')
  if (errorToken)
    return {error: `unable to parse requirement: found '${errorToken.text}', expected: keyword or operator`}
  const cursor = new TokenCursor(tokens)
  const requirements: ParsedRequirement[] = []
  const start = cursor.peek()
  if (start.kind === 'end') return {requirements}
  if (!(start.kind === 'id' || isOp(start, '!')))
    return {error: `found '${describeToken(start)}', expected: !, identifier, or 'end of string'`}
  for (;;) {
    const requirement = parseRequirement(cursor)
    if (requirement.error !== undefined) return {error: `unable to parse requirement: ${requirement.error}`}
    for (const value of requirement.value.operator === 'In' || requirement.value.operator === 'NotIn'
      ? requirement.value.values
      : []) {
      const valueError = validateLabelValue(requirement.value.key, value)
      if (valueError) return {error: `unable to parse requirement: ${valueError}`}
    }
    requirements.push(requirement.value)
    const separator = cursor.next()
    if (separator.kind === 'end') return {requirements}
    if (!isOp(separator, ','))
      return {error: `found '${describeToken(separator)}', expected: ',' or 'end of string'`}
    const following = cursor.peek()
    if (!(following.kind === 'id' || isOp(following, '!')))
      return {error: `found '${describeToken(following)}', expected: identifier after ','`}
  }
}

/**
 * Parses kubectl `-l` syntax (`a=b,c!=d,e in (x,y),f notin (z),g,!h`) into a LabelSelector.
 * `=`/`==` become matchLabels (or `In` when a key repeats), `!=` becomes `NotIn`; `>`/`<` have no LabelSelector form.
 */
export const parseLabelSelector = (
  text: string,
):
  | {readonly selector: LabelSelector; readonly error?: undefined}
  | {readonly error: string; readonly selector?: undefined} => {
  const parsed = parseRequirements(text)
  if (parsed.error !== undefined) return {error: parsed.error}
  return toLabelSelector(parsed.requirements)
}

const toLabelSelector = (
  requirements: readonly ParsedRequirement[],
):
  | {readonly selector: LabelSelector; readonly error?: undefined}
  | {readonly error: string; readonly selector?: undefined} => {
  const ordering = requirements.find((r) => r.operator === 'GreaterThan' || r.operator === 'LessThan')
  if (ordering) {
    const symbol = ordering.operator === 'GreaterThan' ? '>' : '<'
    return {
      error: `unable to parse requirement: operator '${symbol}' (key ${ordering.key}) cannot be expressed in a webhook LabelSelector`,
    }
  }
  const equalsCount = new Map<string, number>()
  for (const r of requirements)
    if (r.operator === 'Equals') equalsCount.set(r.key, (equalsCount.get(r.key) ?? 0) + 1)
  const matchLabels: Record<string, string> = {}
  const matchExpressions: LabelSelectorRequirement[] = []
  for (const r of requirements) {
    if (r.operator === 'Equals' && equalsCount.get(r.key) === 1) matchLabels[r.key] = r.values[0] ?? ''
    else if (r.operator === 'Equals') matchExpressions.push({key: r.key, operator: 'In', values: r.values})
    else if (r.operator === 'Exists' || r.operator === 'DoesNotExist')
      matchExpressions.push({key: r.key, operator: r.operator})
    else matchExpressions.push({key: r.key, operator: r.operator, values: r.values})
  }
  return {
    selector: {
      ...(Object.keys(matchLabels).length > 0 ? {matchLabels} : {}),
      ...(matchExpressions.length > 0 ? {matchExpressions} : {}),
    },
  }
}

// apimachinery: pkg/labels/selector.go Requirement.Matches (Gt/Lt: key present, value an int64, strict comparison)
const orderingTerm = (requirement: ParsedRequirement, labels: Labels): SelectorTerm => {
  const symbol = requirement.operator === 'GreaterThan' ? '>' : '<'
  const bound = parseInt64(requirement.values[0] ?? '')
  const raw = Object.hasOwn(labels, requirement.key) ? labels[requirement.key] : undefined
  const actual = raw === undefined ? undefined : parseInt64(raw)
  const matches =
    bound !== undefined &&
    actual !== undefined &&
    (requirement.operator === 'GreaterThan' ? actual > bound : actual < bound)
  return {
    term: `${requirement.key}${symbol}${requirement.values[0] ?? ''}`,
    matches,
    actual: formatActual(requirement.key, labels),
  }
}

/** Parses kubectl `-l` text and evaluates it against labels, `>` and `<` included. */
export const labelsMatchSelectorString = (text: string, labels: Labels): SelectorEvaluation => {
  const parsed = parseRequirements(text)
  if (parsed.error !== undefined) return {matches: false, error: parsed.error, terms: []}
  const isOrdering = (r: ParsedRequirement) => r.operator === 'GreaterThan' || r.operator === 'LessThan'
  const selector = toLabelSelector(parsed.requirements.filter((r) => !isOrdering(r)))
  if (selector.error !== undefined) return {matches: false, error: selector.error, terms: []}
  const evaluation = matchLabelSelector(selector.selector, labels)
  const ordering = parsed.requirements.filter(isOrdering).map((r) => orderingTerm(r, labels))
  if (ordering.length === 0) return evaluation
  const terms = [...evaluation.terms, ...ordering]
  if (evaluation.error !== undefined) return {matches: false, error: evaluation.error, terms}
  return {matches: terms.every((t) => t.matches), terms}
}
