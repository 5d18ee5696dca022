// Build-time start-up transforms (scripts/startup-transforms.mjs): ASCII-only bundles, read as latin1 by the launchers,
// oclif's edits (command sort without localeCompare, no engine check, wrap-ansi and tinyglobby on first use, one
// Config load), and
// packages evaluated on first use (CEL).
import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {spawnSync} from 'node:child_process'
import {fileURLToPath} from 'node:url'
import {build, type Plugin} from 'esbuild'
import {
  applyEdits,
  asciiOnly,
  deferredImportsOf,
  deferredPackages,
} from '../../scripts/startup-transforms.mjs'

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

describe('oclif edits', () => {
  it('fail the build, naming the file, when oclif no longer has the text they edit', () => {
    assert.throws(() => applyEdits('oclif/lib/x.js', 'a();\n', [{from: 'b();\n', to: ''}]), /oclif\/lib\/x\.js: expected one b\(\);/)
    assert.throws(() => applyEdits('x.js', 'b(); b();', [{from: 'b();', to: ''}]), /expected one/)
    assert.equal(applyEdits('x.js', 'a(); b();', [{from: 'b();', to: 'c($&);'}]), 'a(); c($&);')
  })

  const check = readFileSync(join(root, 'dist', 'bin', 'kubectl-inject_check.cjs'), 'latin1')
  it('the bundle never runs oclif’s engine check (semver for dist/package.json, which never exists)', () =>
    assert.doesNotMatch(check, /^\s*checkNodeVersion\(\);$/m))
  it('a command runs on the Config the bundle loaded, not a second one (oclif reloads a Config it is given)', () => {
    for (const bin of ['kubectl-inject_check', 'kubectl-inject_diff']) {
      const run = spawnSync(join(root, 'bin', bin), ['--from', join(root, 'examples', 'demo-cluster'), '-A'], {
        env: {...process.env, DEBUG: 'oclif:config', PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`},
        encoding: 'utf8',
      })
      // The command ran (inject-diff refuses --from without --observed after it parsed its flags).
      assert.match(run.stderr, /oclif:config runCommand inject-/, run.stderr)
      assert.equal(run.stderr.match(/oclif:config config done/g)?.length, 1, run.stderr)
      assert.doesNotMatch(run.stderr, /reloading config/)
    }
  })
  it('wrap-ansi and tinyglobby are required on first use', () => {
    assert.equal(check.match(/var wrap_ansi_1 = \{ get default\(\) \{/g)?.length, 3)
    assert.match(check, /var tinyglobby_1 = \{ get glob\(\) \{/)
  })
})

describe('deferred imports', () => {
  // A package whose evaluation counts itself, imported by an entry that notes the count before and after first use.
  const bundled = async (plugins: Plugin[]) => {
    const dir = mkdtempSync(join(tmpdir(), 'deferred-'))
    const pkg = join(dir, 'node_modules', 'heavy-package')
    mkdirSync(pkg, {recursive: true})
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({name: 'heavy-package', type: 'module', exports: './index.js'}))
    writeFileSync(
      join(pkg, 'index.js'),
      'globalThis.evaluations = (globalThis.evaluations ?? 0) + 1\nexport const value = 21\nexport class Twice { of(x) { return 2 * x } }\n',
    )
    const entry = [
      `import {Twice, value} from 'heavy-package'`,
      `const before = globalThis.evaluations ?? 0`,
      `const result = new Twice().of(value)`,
      `module.exports = {before, result, after: globalThis.evaluations}`,
    ].join('\n')
    const out = await build({
      stdin: {contents: entry, resolveDir: dir, loader: 'ts'},
      absWorkingDir: dir,
      bundle: true,
      format: 'cjs',
      platform: 'node',
      write: false,
      logLevel: 'silent',
      plugins,
    })
    const module = {exports: {} as {before: number; result: number; after: number}}
    delete (globalThis as {evaluations?: number}).evaluations
    new Function('module', 'exports', 'require', out.outputFiles[0]!.text)(module, module.exports, () => undefined)
    return module.exports
  }

  it('a deferred package is evaluated on first use, not at start', async () =>
    assert.deepEqual(await bundled([deferredImportsOf(['heavy-package'])]), {before: 0, result: 42, after: 1}))

  it('without the plugin it is evaluated at start (so the test above can fail)', async () =>
    assert.deepEqual(await bundled([]), {before: 1, result: 42, after: 1}))

  it('CEL is deferred in the plugins’ bundles', () => {
    assert.deepEqual(deferredPackages, ['@marcbachmann/cel-js'])
    for (const bundle of ['kubectl-inject_check.cjs', 'kubectl-inject_diff.cjs'])
      assert.match(readFileSync(join(root, 'dist', 'bin', bundle), 'latin1'), /\/\/ deferred-import:node_modules\/@marcbachmann\/cel-js\//)
  })
})
