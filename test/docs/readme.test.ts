import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {describe, it} from 'node:test'
import {renderReasonCatalogMarkdown} from '../../src/render/reason-catalog-markdown.js'
import {duplicateReasonCodes, reasonCatalog} from '../../src/core/verdict/reasons.js'
import {generatedSection} from './readme-sections.js'
import {readmeSamples, renderSample} from './readme-samples.js'

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')

describe('README stays in step with the code', () => {
  it('carries the reason catalog exactly as the code defines it (run `npm run docs` to refresh)', () => {
    assert.equal(generatedSection(readme, 'reasons'), renderReasonCatalogMarkdown())
  })

  it('defines every reason code once, in PascalCase, with a summary', () => {
    assert.deepEqual(duplicateReasonCodes(), [])
    for (const [code, definition] of Object.entries(reasonCatalog)) {
      assert.match(code, /^[A-Z][A-Za-z0-9]+$/, code)
      assert.notEqual(definition.summary.trim(), '', code)
    }
  })

  for (const sample of readmeSamples.filter((s) => s.clockDependent !== true)) {
    it(`shows the real output of the ${sample.name} sample (run \`npm run docs\` to refresh)`, () => {
      assert.equal(generatedSection(readme, `sample:${sample.name}`), renderSample(sample))
    })
  }

  it('shows the two set-up commands', () => {
    assert.match(readme, /npm install && npm start/)
    assert.match(readme, /npm test/)
  })
})
