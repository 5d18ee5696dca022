// Text → plain JSON values for Kubernetes files: JSON fast path, multi-document YAML otherwise.
// Malformed input raises InputFileError naming the file and the line, never a stack trace.
import {parseAllDocuments} from 'yaml'
import {InputFileError, oneLine} from './kube-errors.js'

/** Line (1-based) of a character offset. */
function lineOf(textValue: string, offset: number): number {
  let line = 1
  for (let i = 0; i < offset && i < textValue.length; i++) if (textValue.charCodeAt(i) === 10) line++
  return line
}

/** Parses a file's text into its documents (nulls dropped); `file` names the source in errors. */
export function parseDocuments(input: string, file: string): unknown[] {
  const textValue = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input
  // YAML and JSON never hold NUL: a binary file (an image, a raw archive) is named instead of read as one odd scalar.
  const nul = textValue.indexOf('\u0000')
  if (nul >= 0) throw new InputFileError(file, 'binary data, not YAML or JSON', lineOf(textValue, nul))
  const first = textValue.trimStart()[0]
  if (first === '{' || first === '[') {
    try {
      const value = JSON.parse(textValue) as unknown
      return Array.isArray(value) ? value.filter((item) => item !== null) : [value]
    } catch (error) {
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
      parseYamlDocuments(textValue, file, 'not valid JSON')
      throw new InputFileError(file, `not valid JSON: ${oneLine(message)}`)
    }
  }
  return parseYamlDocuments(textValue, file, 'not valid YAML')
}

function parseYamlDocuments(textValue: string, file: string, what: string): unknown[] {
  const documents = parseAllDocuments(textValue, {prettyErrors: false, uniqueKeys: false})
  const list = Array.isArray(documents) ? documents : []
  const values: unknown[] = []
  for (const document of list) {
    const error = document.errors[0]
    if (error !== undefined) {
      const line = error.linePos?.[0]?.line ?? lineOf(textValue, error.pos[0])
      throw new InputFileError(
        file,
        `${what}: ${oneLine(error.message.split('\n')[0] ?? error.message)}`,
        line,
      )
    }
    let value: unknown
    try {
      value = document.toJS({maxAliasCount: 1000})
    } catch (caught) {
      const line = document.range === undefined ? undefined : lineOf(textValue, document.range[0])
      throw new InputFileError(file, `${what}: ${oneLine((caught as Error).message)}`, line)
    }
    if (value !== null && value !== undefined) values.push(value)
  }
  return values
}
