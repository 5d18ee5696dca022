// YAML for machines that is also inert on a terminal: control characters are escaped by the YAML library itself, and
// bidi controls (which reorder what a terminal shows) are written as \u escapes inside double-quoted scalars.
import {Document, isScalar, visit} from 'yaml'

const bidi = /[\u200e\u200f\u202a-\u202e\u2066-\u2069]/
const bidiAll = /[\u200e\u200f\u202a-\u202e\u2066-\u2069]/g

/** `stringify` with the same options, but every string holding a bidi control double-quoted and the control escaped. */
export const inertYaml = (value: unknown, options: {readonly version?: '1.1' | '1.2'} = {}): string => {
  const doc = new Document(value, {version: options.version ?? '1.2'})
  visit(doc, {
    Scalar: (_key, node) => {
      if (isScalar(node) && typeof node.value === 'string' && bidi.test(node.value))
        node.type = 'QUOTE_DOUBLE'
    },
  })
  // Every raw bidi control now stands inside a double-quoted scalar, where a \u escape means the same character.
  return doc
    .toString({lineWidth: 0})
    .replace(bidiAll, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`)
}
