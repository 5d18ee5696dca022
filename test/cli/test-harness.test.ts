// The guards of the command-line tests: a stale dist/ fails loudly, and kubectl comes from PATH or fails once.
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {chmodSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {after, describe, it} from 'node:test'
import {repoRoot, staleBuild} from './built-cli.js'
import {findOnPath} from './kubectl-on-path.js'

const work = mkdtempSync(join(tmpdir(), 'test-harness-'))
after(() => rmSync(work, {recursive: true, force: true}))

const outputs = [
  'dist/bin/kubectl-inject_check.cjs',
  'dist/bin/kubectl-inject_diff.cjs',
  'dist/bin/kubectl_complete-inject_check.cjs',
  'dist/bin/kubectl_complete-inject_diff.cjs',
  'dist/commands/inject-check.js',
  'dist/commands/inject-diff.js',
]
const inputs = [
  'src/core/snapshot.ts',
  'commands/inject-check.ts',
  'scripts/bundle.mjs',
  'scripts/live-demo.ts',
]

/** A checkout whose outputs were built at t=2000 s and whose inputs date from t=1000 s, except `touched` (t=3000 s). */
const checkout = (name: string, touched: string[] = [], missing: string[] = []): string => {
  const root = join(work, name)
  for (const file of [...inputs, ...outputs].filter((f) => !missing.includes(f))) {
    mkdirSync(dirname(join(root, file)), {recursive: true})
    writeFileSync(join(root, file), '')
    const time = touched.includes(file) ? 3000 : outputs.includes(file) ? 2000 : 1000
    utimesSync(join(root, file), time, time)
  }
  return root
}

describe('a stale build fails the command-line tests', () => {
  const rows: {name: string; touched?: string[]; missing?: string[]; stale: RegExp | undefined}[] = [
    {name: 'built after every source: fresh', stale: undefined},
    {
      name: 'a src/ file edited after the build',
      touched: ['src/core/snapshot.ts'],
      stale: /src\/core\/snapshot\.ts/,
    },
    {
      name: 'a command edited after the build',
      touched: ['commands/inject-check.ts'],
      stale: /commands\/inject-check/,
    },
    {
      name: 'the bundler edited after the build',
      touched: ['scripts/bundle.mjs'],
      stale: /scripts\/bundle\.mjs/,
    },
    {name: 'another script is no build input', touched: ['scripts/live-demo.ts'], stale: undefined},
    {
      name: 'a bundle older than a source though the tsc output is newer',
      touched: ['src/core/snapshot.ts', 'dist/commands/inject-check.js', 'dist/commands/inject-diff.js'],
      stale: /older than src\/core\/snapshot\.ts .*dist\/bin\/kubectl-inject_check\.cjs/,
    },
    {
      name: 'no bundle at all',
      missing: ['dist/bin/kubectl-inject_diff.cjs'],
      stale: /kubectl-inject_diff\.cjs is missing: run npm run build/,
    },
  ]
  for (const [index, row] of rows.entries()) {
    it(row.name, () => {
      const verdict = staleBuild(checkout(`c${index}`, row.touched, row.missing))
      if (row.stale === undefined) assert.equal(verdict, undefined)
      else assert.match(verdict ?? '', row.stale)
    })
  }
})

describe('kubectl comes from PATH', () => {
  it('finds the first executable kubectl and skips non-executables and folders', () => {
    const [a, b, c] = ['a', 'b', 'c'].map((d) => join(work, 'path', d))
    for (const dir of [a, b, c]) mkdirSync(dir!, {recursive: true})
    writeFileSync(join(a!, 'kubectl'), '#!/bin/sh\n')
    chmodSync(join(a!, 'kubectl'), 0o644)
    mkdirSync(join(b!, 'kubectl'))
    writeFileSync(join(c!, 'kubectl'), '#!/bin/sh\n')
    chmodSync(join(c!, 'kubectl'), 0o755)
    assert.equal(findOnPath('kubectl', [a, b, c].join(':')), join(c!, 'kubectl'))
    assert.equal(findOnPath('kubectl', [a, b].join(':')), undefined)
  })

  const kubectlFiles = [
    'test/cli/kubectl-plugin.test.ts',
    'test/double/kubectl-against-double.test.ts',
    'test/diff/running-pods-and-outputs.test.ts',
  ]
  for (const file of kubectlFiles) {
    it(`without kubectl on PATH ${file} fails once, saying kubectl is required`, async () => {
      const result = await new Promise<{code: number; stdout: string}>((resolve) => {
        execFile(
          process.execPath,
          ['--import', 'tsx', '--test', file],
          {cwd: repoRoot, env: {PATH: join(work, 'empty-path'), HOME: work}, timeout: 60_000},
          (error, stdout) => resolve({code: error === null ? 0 : Number(error.code), stdout}),
        )
      })
      assert.equal(result.code, 1)
      assert.match(result.stdout, /kubectl is required for these tests/)
      assert.match(result.stdout, /^# fail 1$/m)
      assert.match(result.stdout, /^# pass 0$/m)
    })
  }
})
