// Every inject-check / inject-diff output that is one of our documents (InjectionReport, InjectionDiff, InjectionDiffList,
// also inside a kubectl List, and the --json error document) is validated against the published schemas/*.json with ajv: the test runners call this.
import {readFileSync} from 'node:fs'
import {Ajv2020} from 'ajv/dist/2020.js'
import type {ErrorObject, ValidateFunction} from 'ajv/dist/2020.js'
import {parse as parseYaml} from 'yaml'

const schemaFile = (name: string): object =>
  JSON.parse(readFileSync(new URL(`../../schemas/${name}`, import.meta.url), 'utf8')) as object

let validators: {report: ValidateFunction; diff: ValidateFunction; error: ValidateFunction} | undefined
const compiled = () => {
  if (validators !== undefined) return validators
  // strict: a schema keyword ajv does not know is an error, not ignored.
  const ajv = new Ajv2020({allErrors: true, strict: true})
  return (validators = {
    report: ajv.compile(schemaFile('injection-report.schema.json')),
    diff: ajv.compile(schemaFile('injection-diff.schema.json')),
    error: ajv.compile(schemaFile('error.schema.json')),
  })
}

export const describeErrors = (errors: readonly ErrorObject[] | null | undefined): string =>
  (errors ?? [])
    .slice(0, 8)
    .map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`)
    .join('\n')

/** The schema errors of `document`, [] when valid; undefined when it is not one of our documents. */
export const schemaErrors = (document: unknown): string[] | undefined => {
  if (document === null || typeof document !== 'object' || Array.isArray(document)) return undefined
  const kind = (document as {kind?: unknown}).kind
  const validate =
    'error' in document && kind === undefined
      ? compiled().error
      : kind === 'InjectionReport'
        ? compiled().report
        : kind === 'InjectionDiff' || kind === 'InjectionDiffList'
          ? compiled().diff
          : undefined
  if (validate !== undefined)
    return validate(document) ? [] : [`${String(kind ?? 'error')}: ${describeErrors(validate.errors)}`]
  const items = (document as {items?: unknown}).items
  if (kind !== 'List' || !Array.isArray(items)) return undefined
  const found = items.map(schemaErrors).filter((e): e is string[] => e !== undefined)
  return found.length === 0 ? undefined : found.flat()
}

// One JSON document, or YAML when it is not JSON (-o yaml); anything else (tables, streams) is not a document.
const parseDocument = (text: string): unknown => {
  if (text.trim() === '') return undefined
  try {
    return JSON.parse(text)
  } catch {
    try {
      return parseYaml(text, {version: '1.1'})
    } catch {
      return undefined
    }
  }
}

/** Throws when `stdout` is one of our documents and does not match its schema; returns how it judged. */
export const assertOutputMatchesSchema = (stdout: string): 'valid' | 'not-a-document' => {
  const errors = schemaErrors(parseDocument(stdout))
  if (errors === undefined) return 'not-a-document'
  if (errors.length > 0) throw new Error(`output does not match schemas/:\n${errors.join('\n')}`)
  return 'valid'
}

/** For runners: validates the run's stdout, then hands the run on. */
export const schemaChecked = <T extends {readonly stdout: string}>(run: T): T => {
  assertOutputMatchesSchema(run.stdout)
  return run
}
