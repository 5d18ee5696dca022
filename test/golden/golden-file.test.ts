// The golden helper: refuses to rewrite under CI, compares exactly, and is the only code that reads UPDATE_GOLDEN.
import assert from 'node:assert/strict'
import {existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, relative} from 'node:path'
import {after, describe, it} from 'node:test'
import {assertGoldenFile, goldenMode, goldenRoot} from './golden-file.js'

const work = mkdtempSync(join(tmpdir(), 'golden-file-'))
after(() => rmSync(work, {recursive: true, force: true}))

describe('golden mode', () => {
  const rows: {name: string; env: Record<string, string>; mode: 'compare' | 'update' | 'refused'}[] = [
    {name: 'no variables: compare', env: {}, mode: 'compare'},
    {name: 'UPDATE_GOLDEN=1 locally: update', env: {UPDATE_GOLDEN: '1'}, mode: 'update'},
    {name: 'UPDATE_GOLDEN=true is not the switch: compare', env: {UPDATE_GOLDEN: 'true'}, mode: 'compare'},
    {name: 'UPDATE_GOLDEN=1 with CI=true: refused', env: {UPDATE_GOLDEN: '1', CI: 'true'}, mode: 'refused'},
    {name: 'UPDATE_GOLDEN=1 with CI=1: refused', env: {UPDATE_GOLDEN: '1', CI: '1'}, mode: 'refused'},
    {name: 'UPDATE_GOLDEN=1 with CI=false: update', env: {UPDATE_GOLDEN: '1', CI: 'false'}, mode: 'update'},
    {name: 'CI alone: compare', env: {CI: 'true'}, mode: 'compare'},
  ]
  for (const row of rows) {
    it(row.name, () => {
      if (row.mode === 'refused') assert.throws(() => goldenMode(row.env), /UPDATE_GOLDEN=1 is refused when CI is set/)
      else assert.equal(goldenMode(row.env), row.mode)
    })
  }
})

describe('assertGoldenFile', () => {
  it('under CI an update neither writes nor passes', () => {
    const path = join(work, 'ci.txt')
    writeFileSync(path, 'old\n')
    assert.throws(() => assertGoldenFile(path, 'new\n', {UPDATE_GOLDEN: '1', CI: 'true'}), /refused/)
    assert.equal(readFileSync(path, 'utf8'), 'old\n')
  })

  it('compares exactly and names the golden on a difference', () => {
    const path = join(work, 'compare.txt')
    writeFileSync(path, 'a\n')
    assert.doesNotThrow(() => assertGoldenFile(path, 'a\n', {}))
    assert.throws(() => assertGoldenFile(path, 'a\n\n', {}), /differs from golden .*compare\.txt/)
  })

  it('a missing golden fails with the command that creates it', () => {
    assert.throws(() => assertGoldenFile(join(work, 'missing.txt'), 'x', {}), /missing: run npm run test:update/)
  })

  it('an update writes the file (and creates its folder)', () => {
    const path = join(work, 'new', 'made.txt')
    assertGoldenFile(path, 'made\n', {UPDATE_GOLDEN: '1'})
    assert.ok(existsSync(path))
    assert.equal(readFileSync(path, 'utf8'), 'made\n')
  })
})

describe('one golden helper', () => {
  const testRoot = join(goldenRoot, '..')
  const sources = (dir: string): string[] =>
    readdirSync(dir, {withFileTypes: true}).flatMap((entry) => {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) return entry.name === 'fixtures' ? [] : sources(path)
      return entry.name.endsWith('.ts') ? [path] : []
    })

  it('no test besides test/golden/ reads UPDATE_GOLDEN (so none compares a file it just wrote)', () => {
    const readers = sources(testRoot)
      .filter((path) => !path.startsWith(goldenRoot))
      .filter((path) => readFileSync(path, 'utf8').includes('UPDATE_GOLDEN'))
      .map((path) => relative(testRoot, path))
    assert.deepEqual(readers, [])
  })
})
