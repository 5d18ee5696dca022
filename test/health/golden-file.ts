// Golden comparison for the health renderers; files are rewritten only when UPDATE_GOLDEN=1.
import assert from 'node:assert/strict'
import {existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

const goldenDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'golden', 'health')

export const assertGolden = (name: string, actual: string): void => {
  const path = join(goldenDir, name)
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(dirname(path), {recursive: true})
    writeFileSync(path, actual)
    return
  }
  assert.ok(existsSync(path), `golden file ${path} is missing; run with UPDATE_GOLDEN=1 to create it`)
  assert.equal(actual, readFileSync(path, 'utf8'))
}
