// Text → plain JSON values for Kubernetes files, read as kubectl reads them: JSON (one value, or a stream of
// concatenated values / JSON Lines), else multi-document YAML 1.1 (merge keys, yes/no booleans, 0755 octal).
// kubectl's block YAML goes through the fast block reader; other YAML through the `yaml` package, one List item at a
// time for big Lists. Malformed input raises InputFileError naming the file and the line, never a stack trace.
import {parseAllDocuments} from 'yaml'
import {InputFileError, oneLine} from './kube-errors.js'
import {NotBlockYaml, readBlockYaml} from '../core/yaml/block-reader.js'
import {toJsOptions, yamlOptions} from '../core/yaml/yaml11-scalars.js'
import {refusedMetadata} from './object-meta-types.js'

/** Line (1-based) of a character offset. */
export function lineOf(textValue: string, offset: number): number {
  let line = 1
  let index = textValue.indexOf('\n')
  while (index >= 0 && index < offset) {
    line++
    index = textValue.indexOf('\n', index + 1)
  }
  return line
}

/** Parses a file's text into its documents (nulls dropped); `file` names the source in errors. */
export function parseDocuments(input: string, file: string): unknown[] {
  const textValue = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input
  // YAML and JSON never hold NUL: a binary file (an image, a raw archive) is named instead of read as one odd scalar.
  const nul = textValue.indexOf('\u0000')
  if (nul >= 0) throw new InputFileError(file, 'binary data, not YAML or JSON', lineOf(textValue, nul))
  const first = textValue.trimStart()[0]
  if (first === '{' || first === '[') return checkedJson(parseJsonDocuments(textValue, file), textValue, file)
  return parseYamlDocuments(textValue, file)
}

function parseJsonDocuments(textValue: string, file: string): unknown[] {
  try {
    const value = JSON.parse(textValue) as unknown
    return Array.isArray(value) ? value.filter((item) => item !== null) : [value]
  } catch (error) {
    // Concatenated documents (`kubectl get -o json` twice) and JSON Lines: read value by value.
    const stream = readJsonStream(textValue, file)
    if (stream !== undefined) return stream
    const message = (error as Error).message
    const position = /position (\d+)/.exec(message)?.[1]
    const lineColumn = /line (\d+) column/.exec(message)?.[1]
    if (position !== undefined || lineColumn !== undefined) {
      const line = lineColumn !== undefined ? Number(lineColumn) : lineOf(textValue, Number(position))
      throw new InputFileError(
        file,
        `not valid JSON: ${oneLine(message.replace(/ in JSON at position \d+.*$/, ''))}`,
        line,
      )
    }
    // No position in the message: let the YAML parser (a JSON superset) locate the problem.
    yamlFallback(textValue, 0, textValue.length, file, 'not valid JSON')
    throw new InputFileError(file, `not valid JSON: ${oneLine(message)}`)
  }
}

/** End offset (exclusive) of the JSON object or array starting at `from`; -1 when it never closes. */
function jsonValueEnd(body: string, from: number): number {
  let depth = 0
  let inString = false
  for (let index = from; index < body.length; index++) {
    const code = body.charCodeAt(index)
    if (inString) {
      if (code === 92) index++
      else if (code === 34) inString = false
    } else if (code === 34) inString = true
    else if (code === 123 || code === 91) depth++
    else if (code === 125 || code === 93) {
      depth--
      if (depth === 0) return index + 1
    }
  }
  return -1
}

/** Objects and arrays one after another (whitespace between); undefined when the text is not such a stream. */
function readJsonStream(textValue: string, file: string): unknown[] | undefined {
  const values: unknown[] = []
  let offset = /\S/.exec(textValue)?.index ?? textValue.length
  while (offset < textValue.length) {
    const code = textValue.charCodeAt(offset)
    if (code !== 123 && code !== 91)
      return values.length === 0 ? undefined : notJsonAt(textValue, offset, file)
    const end = jsonValueEnd(textValue, offset)
    if (end < 0) return values.length === 0 ? undefined : notJsonAt(textValue, offset, file)
    let value: unknown
    try {
      value = JSON.parse(textValue.slice(offset, end))
    } catch {
      return values.length === 0 ? undefined : notJsonAt(textValue, offset, file)
    }
    if (Array.isArray(value)) values.push(...value.filter((item) => item !== null))
    else if (value !== null) values.push(value)
    const next = /\S/g
    next.lastIndex = end
    offset = next.exec(textValue)?.index ?? textValue.length
  }
  return values.length < 2 ? undefined : values
}

function notJsonAt(textValue: string, offset: number, file: string): never {
  throw new InputFileError(
    file,
    'not valid JSON: a document in this JSON stream does not parse',
    lineOf(textValue, offset),
  )
}

/** Document ranges of a YAML stream, split at `---` and `...` lines; undefined when directives need the full parser. */
function documentRanges(textValue: string): {start: number; end: number}[] | undefined {
  const ranges: {start: number; end: number}[] = []
  const marker = /^(?:---|\.\.\.)(?=[ \t\r]|$)(.*)$/gm
  let start = 0
  for (let match = marker.exec(textValue); match !== null; match = marker.exec(textValue)) {
    // `--- |` or `--- !tag`: content on the marker line needs the full parser.
    if (match[1]!.trim() !== '' && !match[1]!.trim().startsWith('#')) return undefined
    ranges.push({start, end: match.index})
    start = match.index + match[0].length
  }
  ranges.push({start, end: textValue.length})
  if (/^%/m.test(textValue.slice(0, ranges[0]!.end))) return undefined
  return ranges
}

function parseYamlDocuments(textValue: string, file: string): unknown[] {
  const text = textValue.includes('\r') ? textValue.replace(/\r\n/g, '\n') : textValue
  const ranges = documentRanges(text)
  if (ranges === undefined) {
    const values = yamlFallback(text, 0, text.length, file, 'not valid YAML')
    return checked(values, () => ({start: 0, end: text.length}), text, file)
  }
  const values: unknown[] = []
  const sources: {start: number; end: number}[] = []
  for (const range of ranges) {
    let read: unknown[]
    try {
      read = [readBlockYaml(text, range.start, range.end)]
    } catch (error) {
      if (!(error instanceof NotBlockYaml)) throw error
      read = listByItems(text, range.start, range.end, file)
    }
    for (const value of read) {
      if (value === null || value === undefined) continue
      values.push(value)
      sources.push(range)
    }
  }
  return checked(values, (index) => sources[index]!, text, file)
}

/** kubectl refuses an object whose labels or annotations are not strings: so does this reader, naming the line. */
function checked(
  values: unknown[],
  sourceOf: (index: number) => {start: number; end: number},
  text: string,
  file: string,
): unknown[] {
  for (const [index, value] of values.entries()) {
    const refused = refusedMetadata(value)
    if (refused === undefined) continue
    throw new InputFileError(file, refused.message, locate(text, sourceOf(index), refused.path))
  }
  return values
}

/** The same refusal for JSON (kubectl decodes it the same way); the line is where that key first holds such a value. */
function checkedJson(values: unknown[], text: string, file: string): unknown[] {
  for (const value of values) {
    const refused = refusedMetadata(value)
    if (refused === undefined) continue
    const key = JSON.stringify(String(refused.path[refused.path.length - 1]))
    const at = new RegExp(`${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*:\\s*[^\\s"]`).exec(text)?.index
    throw new InputFileError(file, refused.message, at === undefined ? undefined : lineOf(text, at))
  }
  return values
}

/** Line of a value found by path, via the `yaml` package over the document (or the List item) that holds it. */
function locate(
  text: string,
  range: {start: number; end: number},
  path: readonly (string | number)[],
): number | undefined {
  const [first, second] = path
  const items =
    first === 'items' && typeof second === 'number' ? listItemRanges(text, range.start, range.end) : undefined
  const item = items?.[second as number]
  if (item !== undefined) return lineIn(text, item, path.slice(2))
  return lineIn(text, {...range, dedent: 0}, path)
}

function lineIn(
  text: string,
  part: {start: number; end: number; dedent: number},
  path: readonly (string | number)[],
): number | undefined {
  const body = dedented(text, part)
  const document = parseAllDocuments(body, yamlOptions).find((d) => d.hasIn(path))
  const node = document?.getIn(path, true) as {range?: [number, number, number]} | undefined
  if (node?.range === undefined) return undefined
  return lineOf(text, part.start) + lineOf(body, node.range[0]) - 1
}

/** The item ranges of a List whose `items:` is a top-level block sequence (as kubectl prints); undefined otherwise. */
function listItemRanges(
  text: string,
  start: number,
  end: number,
): {start: number; end: number; dedent: number}[] | undefined {
  const header = text.startsWith('items:\n', start) ? start - 1 : text.indexOf('\nitems:\n', start)
  if (header < start - 1 || header >= end) return undefined
  const at = header + '\nitems:\n'.length
  const indent = /^ */.exec(text.slice(at, at + 64))![0].length
  const dash = `${' '.repeat(indent)}- `
  if (!text.startsWith(dash, at)) return undefined
  const ranges: {start: number; end: number; dedent: number}[] = []
  let itemStart = at
  let lineStart = at
  for (;;) {
    const next = text.indexOf('\n', lineStart) + 1
    lineStart = next <= 0 || next > end ? end : next
    if (lineStart >= end) break
    const lineIndent = /^ */.exec(text.slice(lineStart, lineStart + indent + 1))![0].length
    const code = text.charCodeAt(lineStart + lineIndent)
    if (code === 10 || code === 35 || lineIndent > indent) continue
    ranges.push({start: itemStart, end: lineStart, dedent: indent + 2})
    itemStart = -1
    if (!text.startsWith(dash, lineStart)) break
    itemStart = lineStart
  }
  if (itemStart >= 0) ranges.push({start: itemStart, end: lineStart, dedent: indent + 2})
  return ranges
}

/** An item's text with its sequence indentation removed, so it reads as a document of its own. */
function dedented(text: string, part: {start: number; end: number; dedent: number}): string {
  const body = text.slice(part.start, part.end)
  if (part.dedent === 0) return body
  const pad = new RegExp(`^ {0,${part.dedent}}`, 'gm')
  return body.replace(/^ *- /, ' '.repeat(part.dedent)).replace(pad, '')
}

/** A document the block reader declined: a big List item by item (each fast when it can be), else all at once. */
function listByItems(text: string, start: number, end: number, file: string): unknown[] {
  const ranges = end - start > 1024 * 1024 ? listItemRanges(text, start, end) : undefined
  if (ranges === undefined) return yamlFallback(text, start, end, file, 'not valid YAML')
  const items = ranges.map((range) => {
    const body = dedented(text, range)
    try {
      return readBlockYaml(body)
    } catch (error) {
      if (!(error instanceof NotBlockYaml)) throw error
      // The line offset is counted only for an error: counting it per item would rescan a big file each time.
      const values = yamlFallback(
        body,
        0,
        body.length,
        file,
        'not valid YAML',
        () => lineOf(text, range.start) - 1,
      )
      return values[0] ?? null
    }
  })
  const first = ranges[0]!.start
  const last = ranges[ranges.length - 1]!.end
  const outside = `${text.slice(start, first).replace(/items:\n$/, 'items: []\n')}${text.slice(last, end)}`
  const [wrapper] = yamlFallback(
    outside,
    0,
    outside.length,
    file,
    'not valid YAML',
    () => lineOf(text, start) - 1,
  )
  if (wrapper === null || typeof wrapper !== 'object' || Array.isArray(wrapper))
    return yamlFallback(text, start, end, file, 'not valid YAML')
  return [{...(wrapper as Record<string, unknown>), items}]
}

/** The `yaml` package over text[start, end), YAML 1.1 as kubectl; errors name the file and the line. */
function yamlFallback(
  text: string,
  start: number,
  end: number,
  file: string,
  what: string,
  lineOffset = (): number => lineOf(text, start) - 1,
): unknown[] {
  const body = start === 0 && end === text.length ? text : text.slice(start, end)
  const values: unknown[] = []
  for (const document of parseAllDocuments(body, yamlOptions) as ReturnType<typeof parseAllDocuments> &
    unknown[]) {
    const error = document.errors[0]
    if (error !== undefined) {
      const line = (error.linePos?.[0]?.line ?? lineOf(body, error.pos[0])) + lineOffset()
      throw new InputFileError(
        file,
        `${what}: ${oneLine(error.message.split('\n')[0] ?? error.message)}`,
        line,
      )
    }
    let value: unknown
    try {
      value = document.toJS(toJsOptions)
    } catch (caught) {
      const line = document.range === undefined ? undefined : lineOf(body, document.range[0]) + lineOffset()
      throw new InputFileError(file, `${what}: ${oneLine((caught as Error).message)}`, line)
    }
    if (value !== null && value !== undefined) values.push(value)
  }
  return values
}
