// YAML 1.1 plain-scalar resolution as kubectl reads it (sigs.k8s.io/yaml → go-yaml v2): yes/no/on/off/y/n booleans,
// 0755 octal, 0b/0x integers, `_` separators; timestamps and `22:22` stay strings (go-yaml v2 keeps them as text).
// The same rules as the `yaml` package's yaml-1.1 schema minus timestamp and sexagesimal tags (yamlOptions below).
import type {DocumentOptions, ParseOptions, SchemaOptions, ToJSOptions} from 'yaml'

const binaryPattern = /^[-+]?0b[0-1_]+$/
const octalPattern = /^[-+]?0[0-7_]+$/
const decimalPattern = /^[-+]?[0-9][0-9_]*$/
const hexPattern = /^[-+]?0x[0-9a-fA-F_]+$/
const specialFloatPattern = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/
const exponentPattern = /^[-+]?(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?[eE][-+]?[0-9]+$/
const floatPattern = /^[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*$/

function integer(text: string, prefix: number, radix: number): number {
  const sign = text[0]
  const digits = text.slice(sign === '-' || sign === '+' ? prefix + 1 : prefix).replace(/_/g, '')
  const value = parseInt(digits, radix)
  return sign === '-' ? -value : value
}

// The words YAML 1.1 reads as null or booleans; everything else that is not a number is a string.
const words = new Map<string, null | boolean>([
  ...['~', 'null', 'Null', 'NULL'].map((word) => [word, null] as const),
  ...['Y', 'y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON'].map(
    (word) => [word, true] as const,
  ),
  ...['N', 'n', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF'].map(
    (word) => [word, false] as const,
  ),
])

/** A plain (unquoted) scalar's value under YAML 1.1. */
export function resolvePlainScalar(text: string): unknown {
  if (text === '') return null
  if (text.length <= 5) {
    const word = words.get(text)
    if (word !== undefined) return word
  }
  const code = text.charCodeAt(0)
  // Numbers start with a digit, a sign or a dot.
  if (!((code >= 48 && code <= 57) || code === 43 || code === 45 || code === 46)) return text
  if (binaryPattern.test(text)) return integer(text, 2, 2)
  if (octalPattern.test(text)) return integer(text, 1, 8)
  if (decimalPattern.test(text)) return integer(text, 0, 10)
  if (hexPattern.test(text)) return integer(text, 2, 16)
  if (specialFloatPattern.test(text))
    return text.slice(-3).toLowerCase() === 'nan' ? NaN : text[0] === '-' ? -Infinity : Infinity
  if (exponentPattern.test(text) || floatPattern.test(text)) return parseFloat(text.replace(/_/g, ''))
  return text
}

/** Options for the `yaml` package that read as kubectl does (YAML 1.1, merge keys, no timestamp or base-60 numbers). */
export const yamlOptions: ParseOptions & DocumentOptions & SchemaOptions = {
  version: '1.1',
  merge: true,
  uniqueKeys: false,
  prettyErrors: false,
  customTags: (tags) =>
    tags.filter(
      (tag) =>
        typeof tag !== 'object' || (tag.tag !== 'tag:yaml.org,2002:timestamp' && tag.format !== 'TIME'),
    ),
}

export const toJsOptions: ToJSOptions = {maxAliasCount: 1000}
