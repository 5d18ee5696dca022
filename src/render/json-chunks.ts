// Pretty JSON as chunks: the same text as JSON.stringify(value, null, 2), without building one huge string
// (a 20,000-pod report is ~200 MB; chunks keep peak memory to one item at a time).

const indentLines = (text: string, spaces: string): string => text.replace(/\n/g, `\n${spaces}`)

/** Chunks whose concatenation equals `JSON.stringify(value, null, 2)`; top-level arrays are split per element, lazily. */
export function* jsonChunks(value: unknown): Generator<string> {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || 'toJSON' in value) {
    yield JSON.stringify(value, null, 2)
    return
  }
  // JSON.stringify drops undefined, function and symbol members of objects.
  const entries = Object.entries(value).filter(
    ([, v]) => v !== undefined && typeof v !== 'function' && typeof v !== 'symbol',
  )
  if (entries.length === 0) {
    yield '{}'
    return
  }
  yield '{\n'
  for (const [i, [key, member]] of entries.entries()) {
    const comma = i < entries.length - 1 ? ',' : ''
    if (Array.isArray(member) && member.length > 0) {
      yield `  ${JSON.stringify(key)}: [\n`
      for (const [j, item] of member.entries()) {
        // Array members that JSON cannot represent become null, as JSON.stringify does.
        const text = JSON.stringify(item, null, 2) ?? 'null'
        yield `    ${indentLines(text, '    ')}${j < member.length - 1 ? ',' : ''}\n`
      }
      yield `  ]${comma}\n`
    } else {
      yield `  ${JSON.stringify(key)}: ${indentLines(JSON.stringify(member, null, 2), '  ')}${comma}\n`
    }
  }
  yield '}'
}
