// The published JSON Schemas (schemas/*.json): in step with the types and the reason catalog, strict enough to reject a
// wrong code, a missing or an unknown field, and met by real outputs of both commands.
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {reasonCatalog} from '../../src/core/verdict/reasons.js'
import {buildSchemas, schemaText} from '../../scripts/schemas.js'
import {check} from '../support/harness.js'
import {assertOutputMatchesSchema, schemaErrors} from './validate-output.js'

const root = new URL('../../', import.meta.url)
const committed = (name: string): string => readFileSync(new URL(`schemas/${name}`, root), 'utf8')
const demo = ['--from', join(new URL('examples/demo-cluster', root).pathname)]

type Json = Record<string, unknown>
const clone = <T>(value: T): T => structuredClone(value)

describe('schemas/ in step with the sources', () => {
  it('the committed schemas are what `npm run schemas` generates from the types and the catalog', async () => {
    for (const [name, schema] of Object.entries(buildSchemas()))
      assert.equal(committed(name), await schemaText(schema), `schemas/${name} is stale: run npm run schemas`)
  })

  it('ReasonCode is exactly the catalog, defined once and referenced everywhere a code appears', () => {
    for (const name of ['injection-report.schema.json', 'injection-diff.schema.json']) {
      const text = committed(name)
      const schema = JSON.parse(text) as {$defs: {ReasonCode: {enum: string[]}}}
      assert.deepEqual(schema.$defs.ReasonCode.enum, Object.keys(reasonCatalog).sort())
      // A code inlined as another enum would list it twice.
      assert.equal(text.split('"NamespaceSelectorMatch"').length - 1, 1, name)
    }
  })

  it('package.json ships schemas/', () => {
    const files = (JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {files: string[]}).files
    assert.ok(files.includes('./schemas'))
  })
})

describe('inject-check outputs against schemas/injection-report.schema.json', () => {
  const outputs: {name: string; args: string[]}[] = [
    {name: '-A -o json', args: ['-A', ...demo, '-o', 'json']},
    {name: '-A --json', args: ['-A', ...demo, '--json']},
    {name: '-A -o yaml', args: ['-A', ...demo, '-o', 'yaml']},
    {name: '--health -o json', args: ['-A', ...demo, '--health', '-o', 'json']},
    {
      name: 'one Deployment, what-if labels',
      args: ['deploy/web', '-n', 'shop', ...demo, '--json', '--pod-labels', 'x=y'],
    },
    {name: 'a namespace target', args: ['ns/shop', ...demo, '-o', 'json']},
  ]
  for (const output of outputs) {
    it(`${output.name} is a valid InjectionReport`, async () => {
      const r = await check(output.args)
      assert.equal(r.code, 0, r.stderr)
      assert.equal(assertOutputMatchesSchema(r.stdout), 'valid')
    })
  }

  it('a --json failure is a valid error document', async () => {
    const r = await check(['pod/nope', '-n', 'shop', ...demo, '--json'])
    assert.notEqual(r.code, 0)
    assert.equal(assertOutputMatchesSchema(r.stdout), 'valid')
    assert.ok('error' in (JSON.parse(r.stdout) as Json))
  })
})

describe('the schemas reject what breaks the contract', () => {
  const report = async (): Promise<Json> =>
    JSON.parse((await check(['-A', ...demo, '--health', '-o', 'json'])).stdout) as Json
  const item = (doc: Json): Json => (doc.items as Json[])[0]!

  const mutations: {name: string; mutate: (doc: Json) => void}[] = [
    {name: 'a reason code not in the catalog', mutate: (doc) => void (item(doc).reason = 'NoSuchReason')},
    {
      name: 'a check code not in the catalog',
      mutate: (doc) => void ((item(doc).checks as Json[])[0]!.code = 'Nope'),
    },
    {name: 'a missing required field (outcome)', mutate: (doc) => void delete item(doc).outcome},
    {name: 'an unknown field', mutate: (doc) => void (item(doc).extra = 1)},
    {name: 'a wrong outcome', mutate: (doc) => void (item(doc).outcome = 'Maybe')},
    {name: 'a wrong type (injected as a string)', mutate: (doc) => void (item(doc).injected = 'yes')},
    {name: 'a wrong apiVersion', mutate: (doc) => void (doc.apiVersion = 'v1')},
    {name: 'a summary count missing', mutate: (doc) => void delete (doc.summary as Json).total},
    {name: 'a health state not defined', mutate: (doc) => void ((doc.health as Json).state = 'Fine')},
  ]
  it('the unmutated report is valid (the mutations below are what fail)', async () => {
    assert.deepEqual(schemaErrors(await report()), [])
  })
  for (const mutation of mutations) {
    it(`InjectionReport: ${mutation.name}`, async () => {
      const doc = clone(await report())
      mutation.mutate(doc)
      const errors = schemaErrors(doc)
      assert.ok(errors !== undefined && errors.length > 0, `accepted: ${mutation.name}`)
    })
  }

  const diff: Json = {
    apiVersion: 'inject.kubectl.io/v1alpha1',
    kind: 'InjectionDiff',
    target: {kind: 'Pod', namespace: 'shop', name: 'web'},
    route: 'dry-run',
    routeReason: {code: 'NamespaceSelectorMatch', message: 'm'},
    raw: false,
    revision: null,
    webhooks: [],
    differences: false,
    summary: null,
    before: null,
    after: null,
    patch: [],
    warnings: [],
    failure: {code: 'NamespaceNotFound', message: 'm', diagnosis: 'd', hint: 'h'},
  }
  it('a hand-written InjectionDiff and its list are valid', () => {
    assert.deepEqual(schemaErrors(diff), [])
    assert.deepEqual(
      schemaErrors({apiVersion: diff.apiVersion, kind: 'InjectionDiffList', items: [diff, diff]}),
      [],
    )
  })
  const diffMutations: {name: string; mutate: (doc: Json) => void}[] = [
    {name: 'a failure code not in the catalog', mutate: (doc) => void ((doc.failure as Json).code = 'Nope')},
    {name: 'an unknown route', mutate: (doc) => void (doc.route = 'guess')},
    {name: 'a missing patch', mutate: (doc) => void delete doc.patch},
    {
      name: 'a patch op outside RFC 6902 add/remove/replace',
      mutate: (doc) => void (doc.patch = [{op: 'x', path: '/'}]),
    },
  ]
  for (const mutation of diffMutations) {
    it(`InjectionDiff: ${mutation.name}`, () => {
      const doc = clone(diff)
      mutation.mutate(doc)
      assert.ok((schemaErrors(doc) ?? []).length > 0, `accepted: ${mutation.name}`)
      const list = {apiVersion: diff.apiVersion, kind: 'InjectionDiffList', items: [diff, doc]}
      assert.ok((schemaErrors(list) ?? []).length > 0, `list accepted: ${mutation.name}`)
    })
  }
  it('the runners’ check throws on an invalid document and passes tables through', () => {
    assert.throws(
      () => assertOutputMatchesSchema(JSON.stringify({...diff, route: 'guess'})),
      /does not match/,
    )
    assert.equal(assertOutputMatchesSchema('NAMESPACE  NAME\nshop       web\n'), 'not-a-document')
  })
})
