// Exact comparison with test/golden/check/<name>; only UPDATE_GOLDEN=1 (npm run test:update) rewrites a golden.
import assert from 'node:assert/strict'
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

const goldenDir = fileURLToPath(new URL('../golden/check/', import.meta.url))

export const assertGolden = (name: string, actual: string): void => {
  const path = `${goldenDir}${name}`
  if (process.env.UPDATE_GOLDEN === '1') {
    writeFileSync(path, actual)
    return
  }
  assert.ok(existsSync(path), `golden ${path} is missing: run UPDATE_GOLDEN=1 npm test and review it`)
  assert.equal(actual, readFileSync(path, 'utf8'))
}
