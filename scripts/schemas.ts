// Writes schemas/*.schema.json, the JSON Schemas of the output documents, from their TypeScript types; the reason-code
// enum comes from the catalog. Run by `npm run schemas` (and `npm run docs`); test/docs/schemas.test.ts keeps them in step.
import {writeFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'
import * as prettier from 'prettier'
import {reasonCatalog} from '../src/core/verdict/reasons.js'
import {schemaFromTypes} from './json-schema-from-types.js'
import type {Schema} from './json-schema-from-types.js'

const root = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '')

const reasonCode: Schema = {
  description:
    'A code of the reason catalog (README.md, "Reason catalog"): each has a summary and a fix hint.',
  enum: Object.keys(reasonCatalog).sort(),
}

/** File name (under schemas/) → the schema document. */
export const buildSchemas = (): Record<string, Schema> => ({
  'injection-report.schema.json': schemaFromTypes(
    root,
    [{file: 'src/render/report-document.ts', type: 'InjectionReport'}],
    {
      $id: 'urn:kubectl-inject:schema:injection-report:v1alpha1',
      title: 'InjectionReport',
      description: 'kubectl inject-check -o json | -o yaml | --json (apiVersion inject.kubectl.io/v1alpha1).',
    },
    {ReasonCode: reasonCode},
  ),
  'injection-diff.schema.json': schemaFromTypes(
    root,
    [
      {file: 'src/render/pod-diff.ts', type: 'InjectionDiff'},
      {file: 'src/render/pod-diff.ts', type: 'InjectionDiffList'},
    ],
    {
      $id: 'urn:kubectl-inject:schema:injection-diff:v1alpha1',
      title: 'InjectionDiff or InjectionDiffList',
      description:
        'kubectl inject-diff --json (one target: InjectionDiff; several, or several contexts: InjectionDiffList, each item with its `context`), and -o json|yaml|patch of a failed preview (apiVersion inject.kubectl.io/v1alpha1).',
    },
    {ReasonCode: reasonCode},
  ),
  'error.schema.json': schemaFromTypes(root, [{file: 'src/cli/base-command.ts', type: 'ErrorDocument'}], {
    $id: 'urn:kubectl-inject:schema:error:v1alpha1',
    title: 'ErrorDocument',
    description:
      'What kubectl inject-check --json and kubectl inject-diff --json print instead of their document when the command fails (the exit code is `exit`).',
  }),
})

/** The file text as committed: JSON as the project's prettier formats it (so `npm run lint` agrees). */
export const schemaText = async (schema: Schema): Promise<string> => {
  const options = (await prettier.resolveConfig(`${root}/schemas/x.json`)) ?? {}
  return prettier.format(JSON.stringify(schema), {...options, parser: 'json'})
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const schemas = buildSchemas()
  for (const [name, schema] of Object.entries(schemas))
    writeFileSync(`${root}/schemas/${name}`, await schemaText(schema))
  process.stdout.write(`schemas/: ${Object.keys(schemas).join(', ')} written\n`)
}
