// The one golden comparison: exact text against test/golden/<area>/<name>. Only UPDATE_GOLDEN=1 (npm run test:update)
// rewrites a golden, and never when CI is set: CI compares, it never blesses its own output.
import assert from 'node:assert/strict'
import {existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

export const goldenRoot = dirname(fileURLToPath(import.meta.url))

type Env = Readonly<Record<string, string | undefined>>

const ciIsSet = (env: Env): boolean => !['', '0', 'false'].includes((env.CI ?? '').toLowerCase())

/** Compare (the default) or update; throws when UPDATE_GOLDEN=1 meets CI. */
export const goldenMode = (env: Env = process.env): 'compare' | 'update' => {
  if (env.UPDATE_GOLDEN !== '1') return 'compare'
  if (ciIsSet(env))
    throw new Error(
      `UPDATE_GOLDEN=1 is refused when CI is set (CI=${env.CI}): goldens are rewritten locally with npm run test:update and reviewed`,
    )
  return 'update'
}

/** Asserts `actual` equals the file at `path`; in update mode writes it instead and compares nothing. */
export const assertGoldenFile = (path: string, actual: string, env: Env = process.env): void => {
  if (goldenMode(env) === 'update') {
    mkdirSync(dirname(path), {recursive: true})
    writeFileSync(path, actual)
    return
  }
  assert.ok(existsSync(path), `golden ${path} is missing: run npm run test:update locally and review it`)
  assert.equal(actual, readFileSync(path, 'utf8'), `output differs from golden ${path}`)
}

/** `assertGolden('check/table-sweep.txt', text)`: the golden under test/golden/. */
export const assertGolden = (name: string, actual: string): void =>
  assertGoldenFile(join(goldenRoot, name), actual)
