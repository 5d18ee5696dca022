// The plugins as kubectl runs them: real kubectl (found on PATH) discovers bin/ and talks to the API-server double.
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {accessSync, constants, cpSync, mkdtempSync, readFileSync, readdirSync, writeFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import type {ApiServerDouble} from '../apiserver-double/index.js'
import {assertFreshBuild, checkBin, diffBin} from './built-cli.js'
import {binDir, pluginPath, requireKubectl, startShopCluster} from './kubectl-on-path.js'
import {schemaChecked} from '../schemas/validate-output.js'

// Module level: without kubectl this file fails once, with that message.
const kubectlBin = requireKubectl()

interface Run {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

const run = (
  file: string,
  args: readonly string[],
  env: Record<string, string | undefined>,
): Promise<Run> => {
  assertFreshBuild()
  return new Promise<Run>((resolve) => {
    execFile(
      file,
      args,
      {
        env: {
          ...process.env,
          NO_COLOR: undefined,
          FORCE_COLOR: undefined,
          COLUMNS: undefined,
          CI: '1',
          ...env,
        },
        timeout: 30_000,
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1
        resolve({code, stdout, stderr})
      },
    )
  }).then(schemaChecked)
}

describe('bin/ as kubectl plugin discovery sees it', () => {
  it('kubectl plugin list with PATH=bin lists both plugins and warns about nothing', async () => {
    const r = await run(kubectlBin, ['plugin', 'list'], {PATH: binDir})
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stderr, '')
    assert.deepEqual(
      r.stdout.split('\n').filter((line) => line.startsWith('/')),
      [checkBin, diffBin],
    )
  })

  it('every kubectl-* file in bin/ is an executable sh-then-node launcher with no extension', () => {
    const plugins = readdirSync(binDir).filter((name) => name.startsWith('kubectl-'))
    assert.deepEqual(plugins, ['kubectl-inject_check', 'kubectl-inject_diff'])
    for (const name of plugins) {
      accessSync(join(binDir, name), constants.X_OK)
      assert.match(
        readFileSync(join(binDir, name), 'utf8'),
        /^#!\/bin\/sh\n':' \/\/; .*exec node "\$0" "\$@"\n/,
      )
    }
  })

  /** bin/ and package.json copied where windows-shebangs.cjs may rewrite them. */
  const packageCopy = (prefix: string): string => {
    const copy = mkdtempSync(join(tmpdir(), prefix))
    cpSync(binDir, join(copy, 'bin'), {recursive: true})
    cpSync(join(binDir, '..', 'package.json'), join(copy, 'package.json'))
    return copy
  }

  it('on Windows, preinstall gives every bin a node shebang, so npm’s .cmd shims run node, not /bin/sh', async () => {
    const copy = packageCopy('windows-bins-')
    // A Windows checkout may have CRLF line ends.
    const crlf = join(copy, 'bin', 'kubectl-inject_diff')
    writeFileSync(crlf, readFileSync(crlf, 'utf8').replaceAll('\n', '\r\n'))
    const script = JSON.stringify(join(copy, 'bin', 'windows-shebangs.cjs'))
    const asWindows = `Object.defineProperty(process, 'platform', {value: 'win32'}); require(${script})`
    const r = await run(process.execPath, ['-e', asWindows], {PATH: pluginPath})
    assert.equal(r.code, 0, r.stderr)
    // npm's own cmd-shim, as `npm install` on Windows runs it (it ships inside npm, beside this node).
    const npmModules = join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules')
    const cmdShim = createRequire(join(npmModules, 'x.js'))('cmd-shim') as (
      from: string,
      to: string,
    ) => Promise<void>
    const bins = (
      JSON.parse(readFileSync(join(copy, 'package.json'), 'utf8')) as {bin: Record<string, string>}
    ).bin
    for (const [name, path] of Object.entries(bins)) {
      const text = readFileSync(join(copy, path), 'utf8')
      assert.match(text, /^#!\/usr\/bin\/env node\r?\n':' \/\/; /, name)
      await cmdShim(join(copy, path), join(copy, 'shims', name))
      const shim = readFileSync(join(copy, 'shims', `${name}.cmd`), 'utf8')
      assert.match(shim, /"%_prog%" +"%dp0%\\..\\bin\\/, name)
      assert.match(shim, /SET "_prog=node"/, name)
      assert.doesNotMatch(shim, /\/bin\/sh/, name)
    }
    // Elsewhere the script changes nothing.
    const unchanged = packageCopy('unix-bins-')
    await run(process.execPath, [join(unchanged, 'bin', 'windows-shebangs.cjs')], {PATH: pluginPath})
    assert.match(readFileSync(join(unchanged, 'bin', 'kubectl-inject_check'), 'utf8'), /^#!\/bin\/sh\n/)
  })

  for (const bin of [checkBin, diffBin]) {
    it(`${bin.slice(binDir.length + 1)} runs by itself (shebang, no extension) and prints its help`, async () => {
      const r = await run(bin, ['--help'], {PATH: pluginPath})
      assert.equal(r.code, 0, r.stderr)
      assert.match(r.stdout, /^USAGE\n {2}\$ kubectl inject-(check|diff)/m)
    })
  }
})

const noStack = (r: Run): void => assert.ok(!/\n\s+at /.test(r.stderr), `no stack trace:\n${r.stderr}`)

describe('kubectl inject-check against the API-server double', () => {
  let double: ApiServerDouble
  let kubeconfig: string
  before(async () => {
    double = await startShopCluster()
    kubeconfig = double.writeKubeconfig({namespace: 'shop'})
  })
  after(async () => {
    await double.close()
  })

  const kubectl = (args: readonly string[]): Promise<Run> =>
    run(kubectlBin, ['inject-check', ...args], {
      PATH: pluginPath,
      KUBECONFIG: kubeconfig,
    })

  it('kubectl finds the plugin and explains a Deployment from the live cluster', async () => {
    const r = await kubectl(['deploy/web'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(
      r.stdout,
      /^deployment\/web -n shop: a pod created now would be injected by revision default/,
    )
    assert.match(r.stdout, /NeedsRestart/)
  })

  it('a live sweep as JSON names its source, and the double saw only reads', async () => {
    const r = await kubectl(['-A', '-o', 'json'])
    assert.equal(r.code, 0, r.stderr)
    const doc = JSON.parse(r.stdout) as {metadata: {source: {kind: string}}; items: unknown[]}
    assert.equal(doc.metadata.source.kind, 'live')
    assert.ok(doc.items.length >= 3)
    assert.deepEqual(double.writes(), [])
    assert.ok(double.requests.length > 0)
  })

  it('a pod that does not exist is one error line', async () => {
    const r = await kubectl(['pod/nope'])
    assert.notEqual(r.code, 0)
    assert.match(r.stderr, /^error: .*not found/)
    noStack(r)
  })
})
