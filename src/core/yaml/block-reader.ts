// A fast reader for the block YAML that kubectl prints (`get -o yaml`): block maps and sequences, plain and quoted
// scalars (also folded over lines), literal block scalars, and flow collections that close on their line
// (`[sidecar]`, `{apiVersion: v1, command: aws}`). It builds plain values straight from the text, with no syntax
// tree, so a 10,000-pod List reads in a few seconds and little memory.
// Anything else (anchors, aliases, tags, flow collections over lines, folded `>` scalars, tabs, odd indentation)
// throws NotBlockYaml, and the caller reads that document with the full `yaml` parser instead; so it never guesses.
import {resolvePlainScalar} from './yaml11-scalars.js'

/** The text uses YAML this reader does not handle; `offset` is where it noticed. */
export class NotBlockYaml extends Error {
  constructor(readonly offset: number) {
    super('not kubectl block YAML')
  }
}

const SPACE = 32
const NEWLINE = 10
const HASH = 35
const DASH = 45
const COLON = 58
const COMMA = 44
const OPEN_BRACKET = 91
const CLOSE_BRACKET = 93
const OPEN_BRACE = 123
const CLOSE_BRACE = 125

/** One document's text (no `---` markers) → its value; throws NotBlockYaml for anything outside the subset. */
export function readBlockYaml(text: string, start = 0, end = text.length): unknown {
  return new BlockReader(text, start, end).document()
}

class BlockReader {
  /** Start of the line being read. */
  private line: number

  constructor(
    private readonly text: string,
    start: number,
    private readonly end: number,
  ) {
    this.line = start
  }

  document(): unknown {
    const first = this.nextContent(this.line)
    if (first < 0) return null
    this.line = first
    const indent = this.indentOf(first)
    const value = this.node(first + indent, -1)
    const rest = this.nextContent(this.lineEnd(this.line) + 1)
    if (rest >= 0) this.fail(rest)
    return value
  }

  private fail(offset: number): never {
    throw new NotBlockYaml(offset)
  }

  private lineEnd(from: number): number {
    const at = this.text.indexOf('\n', from)
    return at < 0 || at > this.end ? this.end : at
  }

  private indentOf(lineStart: number): number {
    let index = lineStart
    while (index < this.end && this.text.charCodeAt(index) === SPACE) index++
    if (this.text.charCodeAt(index) === 9) this.fail(index)
    return index - lineStart
  }

  /** Start of the first line at or after `from` with content (not blank, not only a comment); -1 at the end. */
  private nextContent(from: number): number {
    let lineStart = from
    while (lineStart < this.end) {
      const indent = this.indentOf(lineStart)
      const code = this.text.charCodeAt(lineStart + indent)
      if (lineStart + indent < this.end && code !== NEWLINE && code !== HASH && code !== 13) return lineStart
      lineStart = this.lineEnd(lineStart) + 1
    }
    return -1
  }

  /** A node whose content starts at `at` on the current line; lines that continue it are indented more than `parent`. */
  private node(at: number, parent: number): unknown {
    const code = this.text.charCodeAt(at)
    const column = at - this.line
    if (code === DASH && this.isBlank(at + 1)) return this.sequence(column, at)
    if (code === OPEN_BRACE || code === OPEN_BRACKET) return this.scalar(at, parent)
    const colon = this.keyEnd(at)
    if (colon >= 0) return this.mapping(column, at)
    return this.scalar(at, parent)
  }

  private isBlank(at: number): boolean {
    const code = this.text.charCodeAt(at)
    return at >= this.end || code === SPACE || code === NEWLINE
  }

  /** Offset of the `:` that ends an implicit key starting at `at`, or -1 when the line holds no key. */
  private keyEnd(at: number): number {
    const code = this.text.charCodeAt(at)
    const eol = this.lineEnd(at)
    if (code === 34 || code === 39) {
      const close = code === 34 ? this.doubleQuoteEnd(at + 1) : this.text.indexOf("'", at + 1)
      if (close < 0 || close >= eol) return -1
      if (this.text.charCodeAt(close + 1) === COLON && this.isBlank(close + 2)) return close + 1
      return -1
    }
    let index = this.text.indexOf(':', at)
    while (index >= 0 && index < eol) {
      if (this.isBlank(index + 1)) return index
      index = this.text.indexOf(':', index + 1)
    }
    return -1
  }

  private sequence(column: number, first: number): unknown[] {
    const items: unknown[] = []
    let dash = first
    for (;;) {
      items.push(this.entry(dash + 1, column))
      const next = this.nextContent(this.lineEnd(this.line) + 1)
      if (next < 0) break
      const indent = this.indentOf(next)
      const at = next + indent
      if (indent > column) this.fail(at)
      // Less indented, or the parent mapping's next key at this column: the sequence ends.
      if (indent < column || this.text.charCodeAt(at) !== DASH || !this.isBlank(at + 1)) break
      this.line = next
      dash = at
    }
    return items
  }

  /** The value after `- ` or `key:` (at `from`), in a collection at `column`. Leaves `line` on its last line. */
  private entry(from: number, column: number, inMapping = false): unknown {
    let at = from
    while (this.text.charCodeAt(at) === SPACE) at++
    const code = this.text.charCodeAt(at)
    if (at >= this.end || code === NEWLINE || code === HASH) {
      if (code === HASH && at > from && this.text.charCodeAt(at - 1) !== SPACE) this.fail(at)
      return this.blockValue(column, inMapping)
    }
    if (code === 9 || code === 13) this.fail(at)
    if (!inMapping) return this.node(at, column)
    return this.scalar(at, column)
  }

  /** A value on the lines after its key or dash: more indented, or a sequence at a mapping's own column. */
  private blockValue(column: number, inMapping: boolean): unknown {
    const next = this.nextContent(this.lineEnd(this.line) + 1)
    if (next < 0) return null
    const indent = this.indentOf(next)
    const at = next + indent
    const sequenceHere =
      inMapping && indent === column && this.text.charCodeAt(at) === DASH && this.isBlank(at + 1)
    if (indent <= column && !sequenceHere) return null
    this.line = next
    return this.node(at, column)
  }

  private mapping(column: number, first: number): Record<string, unknown> {
    const map: Record<string, unknown> = {}
    let at = first
    for (;;) {
      const colon = this.keyEnd(at)
      if (colon < 0) this.fail(at)
      const key = this.key(at, colon)
      map[key] = this.entry(colon + 1, column, true)
      const next = this.nextContent(this.lineEnd(this.line) + 1)
      if (next < 0) break
      const indent = this.indentOf(next)
      if (indent < column) break
      at = next + indent
      if (indent > column || (this.text.charCodeAt(at) === DASH && this.isBlank(at + 1))) this.fail(at)
      this.line = next
    }
    return map
  }

  private key(at: number, colon: number): string {
    const code = this.text.charCodeAt(at)
    if (code === 34 || code === 39) {
      const name = this.quotedText(at, colon - 1)
      // An own `__proto__` key, as the yaml package keeps it, needs defineProperty: that document goes to the package.
      if (name === '__proto__') this.fail(at)
      return name
    }
    const raw = this.text.slice(at, colon).trimEnd()
    if (raw === '<<' || raw === '__proto__' || raw.includes(' #') || '?&*!|>%@`{['.includes(raw[0] ?? '?'))
      this.fail(at)
    // A number or boolean key is named by its text form, as the `yaml` package and sigs.k8s.io/yaml both do.
    const value = resolvePlainScalar(raw)
    if (value === null) this.fail(at)
    return String(value)
  }

  /** A scalar starting at `at`; continuation lines are indented more than `parent`. */
  private scalar(at: number, parent: number): unknown {
    const code = this.text.charCodeAt(at)
    if (code === 34) return this.doubleQuoted(at, parent)
    if (code === 39) return this.singleQuoted(at, parent)
    if (code === 124 || code === 62) return this.blockScalar(at, parent, code === 62)
    if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      const {value, next} = this.flowNode(at, this.lineEnd(at))
      this.afterScalar(next)
      return value
    }
    if ('&*!%@`,]}#?'.includes(String.fromCharCode(code)) || (code === DASH && this.isBlank(at + 1)))
      this.fail(at)
    return resolvePlainScalar(this.plain(at, parent))
  }

  /** Text of a plain scalar, folded over its continuation lines. */
  private plain(at: number, parent: number): string {
    let value = this.plainLine(at, this.lineEnd(at))
    let breaks = 0
    let next = this.lineEnd(at) + 1
    while (next < this.end) {
      const indent = this.indentOf(next)
      const eol = this.lineEnd(next)
      if (next + indent >= eol) {
        breaks++
        next = eol + 1
        continue
      }
      if (indent <= parent) break
      const content = next + indent
      if (this.text.charCodeAt(content) === HASH) this.fail(content)
      value += breaks === 0 ? ' ' : '\n'.repeat(breaks)
      value += this.plainLine(content, eol)
      breaks = 0
      this.line = next
      next = eol + 1
    }
    return value
  }

  private plainLine(at: number, eol: number): string {
    const line = this.text.slice(at, eol)
    if (
      line.includes(': ') ||
      line.includes(' #') ||
      line.includes('\t#') ||
      line.includes(':\t') ||
      line.endsWith(':') ||
      line.includes('\r')
    )
      this.fail(at)
    return line.trimEnd()
  }

  /** A flow collection or scalar at `at`, all before `eol`; `next` is the offset after it. */
  private flowNode(at: number, eol: number): {value: unknown; next: number} {
    const code = this.text.charCodeAt(at)
    if (code === OPEN_BRACKET) return this.flowCollection(at, eol, CLOSE_BRACKET)
    if (code === OPEN_BRACE) return this.flowCollection(at, eol, CLOSE_BRACE)
    if (code === 34 || code === 39) {
      const end = code === 34 ? this.doubleQuoteEnd(at + 1) : this.singleQuoteEnd(at + 1)
      if (end < 0 || end >= eol) this.fail(at)
      return {value: this.quotedText(at, end), next: end + 1}
    }
    const end = this.flowPlainEnd(at, eol)
    return {value: resolvePlainScalar(this.text.slice(at, end).trimEnd()), next: end}
  }

  /** `[a, b]` or `{k: v, …}` closed by `close` before `eol`; empty entries, trailing commas and `? ` keys decline. */
  private flowCollection(at: number, eol: number, close: number): {value: unknown; next: number} {
    const mapping = close === CLOSE_BRACE
    const items: unknown[] = []
    const map: Record<string, unknown> = {}
    let index = this.skipSpaces(at + 1, eol)
    if (this.text.charCodeAt(index) === close) return {value: mapping ? map : items, next: index + 1}
    for (;;) {
      if (mapping) {
        const colon = this.flowKeyEnd(index, eol)
        const key = this.key(index, colon)
        if (Object.hasOwn(map, key)) this.fail(index)
        const value = this.flowNode(this.skipSpaces(colon + 1, eol), eol)
        map[key] = value.value
        index = value.next
      } else {
        const item = this.flowNode(index, eol)
        items.push(item.value)
        index = item.next
      }
      index = this.skipSpaces(index, eol)
      const code = this.text.charCodeAt(index)
      if (code === close) return {value: mapping ? map : items, next: index + 1}
      if (code !== COMMA || index >= eol) this.fail(index)
      index = this.skipSpaces(index + 1, eol)
      if (index >= eol || this.text.charCodeAt(index) === close) this.fail(index)
    }
  }

  /** The `:` (followed by a space) ending a flow mapping's key at `at`; a missing value or odd key declines. */
  private flowKeyEnd(at: number, eol: number): number {
    const code = this.text.charCodeAt(at)
    let colon: number
    if (code === 34 || code === 39) {
      const end = code === 34 ? this.doubleQuoteEnd(at + 1) : this.singleQuoteEnd(at + 1)
      colon = end + 1
    } else colon = this.flowPlainEnd(at, eol, true)
    if (colon <= at || colon >= eol || this.text.charCodeAt(colon) !== COLON) this.fail(at)
    const after = this.text.charCodeAt(colon + 1)
    if (after !== SPACE) this.fail(colon)
    const value = this.skipSpaces(colon + 1, eol)
    const first = this.text.charCodeAt(value)
    if (value >= eol || first === COMMA || first === CLOSE_BRACE || first === HASH) this.fail(value)
    return colon
  }

  /**
   * End of a plain scalar in a flow collection: before `,`, `]`, `}` (or, for a key, the `: `); indicators that
   * would make it something else (`[`, `{`, `: `, ` #`, a leading indicator) decline.
   */
  private flowPlainEnd(at: number, eol: number, key = false): number {
    const first = String.fromCharCode(this.text.charCodeAt(at))
    // YAML 1.2 ns-plain-first: `-`, `?` and `:` start a plain scalar only before a safe character (not a flow indicator).
    const unsafeNext = at + 1 >= eol || ' ,[]{}'.includes(String.fromCharCode(this.text.charCodeAt(at + 1)))
    if (at >= eol || '&*!%@`,[]{}#?|>\'"'.includes(first) || ((first === '-' || first === ':') && unsafeNext))
      this.fail(at)
    let index = at
    for (; index < eol; index++) {
      const code = this.text.charCodeAt(index)
      if (code === COMMA || code === CLOSE_BRACKET || code === CLOSE_BRACE) break
      if (code === OPEN_BRACKET || code === OPEN_BRACE || code === 9 || code === 13) this.fail(index)
      if (code === HASH && this.text.charCodeAt(index - 1) === SPACE) this.fail(index)
      if (code === COLON) {
        const next = this.text.charCodeAt(index + 1)
        const ends = next === SPACE || next === COMMA || next === CLOSE_BRACKET || next === CLOSE_BRACE
        if (key && next === SPACE) break
        if (ends || index + 1 >= eol) this.fail(index)
      }
    }
    if (index >= eol) this.fail(at)
    let end = index
    while (end > at && this.text.charCodeAt(end - 1) === SPACE) end--
    return key ? index : end
  }

  /** The text of a quoted scalar on one line, from its opening quote at `at` to its closing one at `end`. */
  private quotedText(at: number, end: number): string {
    const body = this.text.slice(at + 1, end)
    if (this.text.charCodeAt(at) === 39) return body.replaceAll("''", "'")
    return body.includes('\\') ? unescapeDoubleQuoted(body, () => this.fail(at)) : body
  }

  private skipSpaces(from: number, eol: number): number {
    let index = from
    while (index < eol && this.text.charCodeAt(index) === SPACE) index++
    return index
  }

  /** Offset of the `'` closing a single-quoted scalar whose text starts at `from` (`''` is a quote); -1 when none. */
  private singleQuoteEnd(from: number): number {
    let index = this.text.indexOf("'", from)
    while (index >= 0 && this.text.charCodeAt(index + 1) === 39) index = this.text.indexOf("'", index + 2)
    return index >= this.end ? -1 : index
  }

  /** Lines of a quoted scalar from `at` to its closing quote (found by `close`), folded as YAML folds flow scalars. */
  private quoted(at: number, parent: number, close: (from: number) => number): {body: string; after: number} {
    const end = close(at + 1)
    if (end < 0) this.fail(at)
    const eol = this.lineEnd(at)
    if (end < eol) {
      this.afterScalar(end + 1)
      return {body: this.text.slice(at + 1, end), after: end + 1}
    }
    // Spread over lines: each continuation line must be indented past the parent; fold them.
    const lines = this.text.slice(at + 1, end).split('\n')
    for (const line of lines.slice(1)) {
      const indent = line.length - line.trimStart().length
      if (line.includes('\t') || line.includes('\r') || (line.trim() !== '' && indent <= parent))
        this.fail(at)
    }
    this.line = this.text.lastIndexOf('\n', end) + 1
    this.afterScalar(end + 1)
    return {body: foldQuotedLines(lines), after: end + 1}
  }

  /** After a quoted scalar only spaces or a comment may follow on its line. */
  private afterScalar(from: number): void {
    const rest = this.text.slice(from, this.lineEnd(from))
    if (rest.trim() !== '' && !/^\s+#/.test(rest)) this.fail(from)
  }

  /** Offset of the `"` closing a double-quoted scalar whose text starts at `from`; -1 when none. */
  private doubleQuoteEnd(from: number): number {
    for (let index = from; index < this.end; index++) {
      const code = this.text.charCodeAt(index)
      if (code === 92) index++
      else if (code === 34) return index
    }
    return -1
  }

  private singleQuoted(at: number, parent: number): string {
    const {body} = this.quoted(at, parent, (from) => this.singleQuoteEnd(from))
    return body.replaceAll("''", "'")
  }

  private doubleQuoted(at: number, parent: number): string {
    const {body} = this.quoted(at, parent, (from) => this.doubleQuoteEnd(from))
    if (!body.includes('\\')) return body
    // Escapes across lines (an escaped line break among them) are left to the full parser.
    if (this.text.lastIndexOf('\n', this.line) >= at) this.fail(at)
    return unescapeDoubleQuoted(body, () => this.fail(at))
  }

  /** `|` or `>` with `-`/`+` and an indentation digit: lines indented past the parent, kept or folded. */
  private blockScalar(at: number, parent: number, folded: boolean): string {
    const header = this.text.slice(at + 1, this.lineEnd(at)).trimEnd()
    const match = /^([-+]?)([1-9]?)([-+]?)$/.exec(header)
    if (match === null || (match[1] !== '' && match[3] !== '') || (match[2] !== '' && parent < 0))
      this.fail(at)
    const chomp = match[1] || match[3]
    let contentIndent = match[2] === '' ? -1 : parent + Number(match[2])
    const lines: string[] = []
    let contentLines = 0
    let next = this.lineEnd(at) + 1
    while (next < this.end) {
      const eol = this.lineEnd(next)
      let indent = 0
      while (next + indent < eol && this.text.charCodeAt(next + indent) === SPACE) indent++
      if (next + indent < eol) {
        if (contentIndent < 0) {
          if (indent <= parent) break
          contentIndent = indent
          // A leading blank line longer than the first content line's indentation is a YAML error.
          if (lines.some((line) => line.length > indent)) this.fail(next)
        }
        if (indent < contentIndent) break
        lines.push(this.text.slice(next + contentIndent, eol))
        contentLines = lines.length
        this.line = next
      } else if (contentIndent >= 0 && indent > contentIndent) {
        // Spaces past the content indentation are content, even on an otherwise blank line.
        lines.push(this.text.slice(next + contentIndent, eol))
        contentLines = lines.length
        this.line = next
      } else lines.push('')
      next = eol + 1
    }
    if (contentLines === 0 && chomp === '+') this.fail(at)
    const content = lines.slice(0, contentLines)
    // Folding of more-indented lines keeps their breaks in ways this reader does not model.
    if (folded && content.some((line) => line.startsWith(' ') || line.startsWith('\t'))) this.fail(at)
    const body = folded ? foldBlockLines(content) : content.join('\n')
    if (body.includes('\r')) this.fail(at)
    if (chomp === '-' || contentLines === 0) return body
    return chomp === '+' ? body + '\n'.repeat(lines.length - contentLines + 1) : `${body}\n`
  }
}

/** Folded block scalar lines: a single break between text lines → space; each empty line → one newline. */
function foldBlockLines(lines: readonly string[]): string {
  let out = ''
  let text = false
  let breaks = 0
  for (const line of lines) {
    if (line === '') {
      breaks++
      continue
    }
    if (text) out += breaks === 0 ? ' ' : '\n'.repeat(breaks)
    else out += '\n'.repeat(breaks)
    out += line
    text = true
    breaks = 0
  }
  return out
}

/** Flow-scalar line folding: one break → space, n blank lines → n newlines; edges of inner lines trimmed. */
function foldQuotedLines(lines: readonly string[]): string {
  let out = lines[0]!.replace(/[ ]+$/, '')
  let breaks = 0
  for (let index = 1; index < lines.length; index++) {
    const last = index === lines.length - 1
    const line = last ? lines[index]!.replace(/^[ ]+/, '') : lines[index]!.trim()
    if (line === '' && !last) {
      breaks++
      continue
    }
    out += breaks === 0 ? ' ' : '\n'.repeat(breaks)
    out += line
    breaks = 0
  }
  return out
}

const simpleEscapes: Readonly<Record<string, string>> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  t: '\t',
  '\t': '\t',
  n: '\n',
  v: '\v',
  f: '\f',
  r: '\r',
  e: '\x1b',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
  N: '\u0085',
  _: '\u00a0',
  L: '\u2028',
  P: '\u2029',
}

function unescapeDoubleQuoted(body: string, fail: () => never): string {
  return body.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)/g, (_, escape: string) => {
    if (escape.length > 1) {
      const code = parseInt(escape.slice(1), 16)
      return code > 0x10ffff ? fail() : String.fromCodePoint(code)
    }
    return simpleEscapes[escape] ?? fail()
  })
}
