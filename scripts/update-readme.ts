// Rewrites the generated sections of README.md: the reason catalog and the command samples (run `npm run build` first).
import {readFileSync, writeFileSync} from 'node:fs'
import {replaceGeneratedSection} from '../test/docs/readme-sections.js'
import {readmeSamples, renderSample} from '../test/docs/readme-samples.js'
import {renderReasonCatalogMarkdown} from '../src/render/reason-catalog-markdown.js'

const path = new URL('../README.md', import.meta.url)
let text = replaceGeneratedSection(readFileSync(path, 'utf8'), 'reasons', renderReasonCatalogMarkdown())
for (const sample of readmeSamples) {
  text = replaceGeneratedSection(text, `sample:${sample.name}`, renderSample(sample))
}
writeFileSync(path, text)
process.stdout.write('README.md: reason catalog and samples updated\n')
