// Build-time start-up transforms (scripts/startup-transforms.mjs): ASCII-only bundles, read as latin1 by the launchers,
// and oclif's command sort without localeCompare.
import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {readFileSync, readdirSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {asciiOnly} from '../../scripts/startup-transforms.mjs'

const root = fileURLToPath(new URL('../../', import.meta.url))

describe('asciiOnly', () => {
  const scenarios: readonly {name: string; source: string; input: string; matches: boolean}[] = [
    {name: 'a regular expression keeps its meaning', source: '/(ns|µs)/', input: '5µs', matches: true},
    {name: 'a character class keeps its meaning', source: '/[→—]/', input: 'a — b', matches: true},
    {name: 'an astral character with the u flag', source: '/^[😀]$/u', input: '😀', matches: true},
    {name: 'an escaped backslash before the character', source: '/\\\\µ/', input: '\\µ', matches: true},
  ]
  for (const {name, source, input, matches} of scenarios) {
    it(name, () => {
      const escaped = asciiOnly(source)
      assert.match(escaped, /^[\x20-\x7e]*$/)
      const regex = new Function(`return ${escaped}`)() as RegExp
      assert.equal(regex.test(input), matches)
    })
  }

  it('comments lose nothing that runs', () => assert.equal(asciiOnly('// a → b\n1'), '// a \\u2192 b\n1'))

  it('refuses an identity escape of a non-ASCII character (it would change meaning)', () =>
    assert.throws(() => asciiOnly('/\\µ/'), /escaped non-ASCII character/))
})

describe('the built bundles', () => {
  const bundles = readdirSync(join(root, 'dist', 'bin')).filter((f) => /^kubectl-inject_\w+\.cjs$/.test(f))

  it('are the plugins’ bundles', () => assert.deepEqual(bundles.sort(), ['kubectl-inject_check.cjs', 'kubectl-inject_diff.cjs']))

  for (const bundle of bundles) {
    const text = readFileSync(join(root, 'dist', 'bin', bundle))
    it(`${bundle} is ASCII, so latin1 reads it as UTF-8 would`, () =>
      assert.equal(text.findIndex((byte) => byte > 0x7f), -1))
    it(`${bundle} sorts oclif's commands without localeCompare`, () =>
      assert.doesNotMatch(text.toString('latin1'), /\.localeCompare\(/))
  }
})
