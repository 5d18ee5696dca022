// The bins run from dist/bin bundles through a per-user V8 code cache: scenarios over the demo cluster and a live double.
import {describe, it, after} from 'node:test'
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {
  chmodSync,
  copyFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {parse, stringify} from 'yaml'
import {loadYamlObjects, startApiServer} from '../apiserver-double/index.js'
import {assertFreshBuild, checkBin} from '../cli/built-cli.js'
import {schemaChecked} from '../schemas/validate-output.js'

const root = fileURLToPath(new URL('../..', import.meta.url))
const demo = join(root, 'examples', 'demo-cluster')
const onePod = ['pod/web-7c9d8f6b5-mmtn9', '-n', 'shop', '--from', demo, '-o', 'json']
const scratch = mkdtempSync(join(tmpdir(), 'bundled-bins-'))
after(() => rmSync(scratch, {recursive: true, force: true}))

// Asynchronous, so an API-server double in this process keeps answering while the bin runs.
const runBin = (bin: string, args: readonly string[], env: Record<string, string> = {}) =>
  new Promise<{code: number | null; stdout: string; stderr: string}>((resolve, reject) => {
    assertFreshBuild()
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: root,
      env: {PATH: process.env.PATH ?? '', HOME: scratch, NO_COLOR: '1', ...env},
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
    child.on('error', reject)
    child.on('close', (code) => resolve({code, stdout, stderr}))
  }).then(schemaChecked)
const run = (args: readonly string[], env: Record<string, string> = {}) => runBin(checkBin, args, env)

const cacheDir = (home: string) => join(home, 'kubectl-inject', 'compile-cache')
const cacheEntries = (home: string) => {
  try {
    return readdirSync(cacheDir(home)).filter((f) => f.startsWith('kubectl-inject_check-'))
  } catch {
    return []
  }
}

describe('the bundle npm run build writes', () => {
  it('carries its content hash on the first line and no import() outside the loader hook', () => {
    const text = readFileSync(join(root, 'dist', 'bin', 'kubectl-inject_check.cjs'), 'utf8')
    assert.match(text, /^\/\/ kubectl-inject_check\.cjs [0-9a-f]{16}\n/)
    assert.doesNotMatch(text, /(?<![\w$.])import\((?!\))/)
    assert.match(text, /__importExternal\("@kubernetes\/client-node"\)/)
  })
})

describe('the code cache', () => {
  const scenarios = [
    {
      name: 'help leaves a partial cache that a successful run replaces',
      first: ['--help'],
      firstFile: /\.partial\.v8$/,
    },
    {name: 'a usage error leaves a partial cache too', first: ['-n', 'a', '-A'], firstFile: /\.partial\.v8$/},
    {name: 'a successful first run leaves a full cache', first: onePod, firstFile: /-x64\.v8$|\d\.v8$/},
  ]
  for (const scenario of scenarios) {
    it(scenario.name, async () => {
      const home = mkdtempSync(join(scratch, 'cache-'))
      await run(scenario.first, {XDG_CACHE_HOME: home})
      assert.equal(cacheEntries(home).length, 1)
      assert.match(cacheEntries(home)[0]!, scenario.firstFile)
      const warm = await run(onePod, {XDG_CACHE_HOME: home})
      assert.equal(warm.code, 0, warm.stderr)
      assert.deepEqual(cacheEntries(home).length, 1)
      assert.doesNotMatch(cacheEntries(home)[0]!, /partial/)
    })
  }

  it('gives the same output warm, cold, and from a corrupt cache (which is rewritten)', async () => {
    const home = mkdtempSync(join(scratch, 'cache-'))
    const cold = await run(onePod, {NODE_DISABLE_COMPILE_CACHE: '1', XDG_CACHE_HOME: home})
    assert.equal(cold.code, 0, cold.stderr)
    assert.deepEqual(cacheEntries(home), [], 'NODE_DISABLE_COMPILE_CACHE=1 writes nothing')
    await run(onePod, {XDG_CACHE_HOME: home})
    const file = join(cacheDir(home), cacheEntries(home)[0]!)
    const warm = await run(onePod, {XDG_CACHE_HOME: home})
    writeFileSync(file, 'not a V8 code cache')
    const corrupt = await run(onePod, {XDG_CACHE_HOME: home})
    for (const output of [warm, corrupt]) {
      assert.equal(output.code, 0, output.stderr)
      assert.equal(output.stderr, '')
      assert.deepEqual(JSON.parse(output.stdout), JSON.parse(cold.stdout))
    }
    assert.notEqual(readFileSync(file, 'utf8'), 'not a V8 code cache')
  })

  it('leaves the run alone when the cache directory cannot be written', async () => {
    const blocker = join(scratch, 'a-file')
    writeFileSync(blocker, '')
    const result = await run(onePod, {XDG_CACHE_HOME: blocker})
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.stderr, '')
  })
})

describe('two checkouts of the same build sharing one cache', () => {
  /** A copy of the installed layout (bin/, the bundle, package.json, manifest) under scratch/NAME. */
  const checkout = (name: string): string => {
    const dir = join(scratch, name)
    mkdirSync(join(dir, 'dist', 'bin'), {recursive: true})
    cpSync(join(root, 'bin'), join(dir, 'bin'), {recursive: true})
    for (const file of ['package.json', 'oclif.manifest.json', 'dist/bin/kubectl-inject_check.cjs'])
      copyFileSync(join(root, file), join(dir, file))
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'))
    return dir
  }

  it('a stack trace under --debug names the checkout that runs, not the one that wrote the cache', async () => {
    const home = mkdtempSync(join(scratch, 'cache-'))
    const [first, second] = [checkout('checkout-a'), checkout('checkout-b')]
    const warm = await runBin(join(first, 'bin', 'kubectl-inject_check'), onePod, {XDG_CACHE_HOME: home})
    assert.equal(warm.code, 0, warm.stderr)
    for (const dir of [first, second]) {
      const failed = await runBin(
        join(dir, 'bin', 'kubectl-inject_check'),
        ['-A', '--from', join(scratch, 'no-such-file.yaml'), '--debug'],
        {XDG_CACHE_HOME: home},
      )
      assert.notEqual(failed.code, 0, failed.stderr)
      const frames = failed.stderr
        .split('\n')
        .filter((line) => /^\s+at .*kubectl-inject_check\.cjs/.test(line))
      assert.ok(frames.length > 0, failed.stderr)
      for (const frame of frames) assert.ok(frame.includes(join(dir, 'dist', 'bin')), frame)
    }
  })
})

describe('an exec-credential kubeconfig (client-node, imported lazily from the bundle)', () => {
  it('authenticates with the token the exec plugin prints, with and without a warm cache', async () => {
    const objects = readdirSync(demo)
      .filter((f) => f.endsWith('.yaml'))
      .flatMap((f) => loadYamlObjects(join(demo, f)))
    const double = await startApiServer({objects})
    try {
      const plain = parse(
        readFileSync(double.writeKubeconfig({dir: scratch, fileName: 'token.yaml'}), 'utf8'),
      )
      const token = plain.users[0].user.token as string
      const plugin = join(scratch, 'credential.sh')
      const credential = {
        apiVersion: 'client.authentication.k8s.io/v1',
        kind: 'ExecCredential',
        status: {token},
      }
      writeFileSync(plugin, `#!/bin/sh\necho '${JSON.stringify(credential)}'\n`)
      chmodSync(plugin, 0o755)
      plain.users[0].user = {
        exec: {apiVersion: 'client.authentication.k8s.io/v1', command: plugin, interactiveMode: 'Never'},
      }
      const kubeconfig = join(scratch, 'exec.yaml')
      writeFileSync(kubeconfig, stringify(plain))
      const home = mkdtempSync(join(scratch, 'cache-'))
      for (let i = 0; i < 2; i++) {
        const result = await run(
          ['pod/web-7c9d8f6b5-mmtn9', '-n', 'shop', '--kubeconfig', kubeconfig, '-o', 'json'],
          {
            XDG_CACHE_HOME: home,
          },
        )
        assert.equal(result.code, 0, result.stderr)
        assert.equal(JSON.parse(result.stdout).items[0].name, 'web-7c9d8f6b5-mmtn9')
      }
    } finally {
      await double.close()
    }
  })
})
