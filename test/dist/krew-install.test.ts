// The release (`npm run dist`) through the real krew (built from the Go module proxy, scripts/dist/krew.ts): krew's own
// manifest validator, `kubectl krew install --manifest --archive` for every platform, and on linux/amd64 both plugins
// run through kubectl with no Node on PATH, printing what the npm install prints.
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {delimiter, join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {parse, stringify} from 'yaml'
import {loadYamlObjects, startApiServer} from '../apiserver-double/index.js'
import {buildRelease, releaseDir, releaseIsFresh, root} from '../../scripts/dist/build.js'
import {ensureKrew, krewUnavailable} from '../../scripts/dist/krew.js'
import type {KrewTools} from '../../scripts/dist/krew.js'
import {binNames, commandOfBin} from '../../scripts/dist/sea-bundle.js'

type Platform = {
  selector: {matchLabels: {os: string; arch: string}}
  uri: string
  sha256: string
  bin: string
  files: {from: string; to: string}[]
}
type Manifest = {
  apiVersion: string
  kind: string
  metadata: {name: string}
  spec: {version: string; shortDescription: string; caveats: string; platforms: Platform[]}
}

const unavailable = krewUnavailable()
const inCi = process.env.CI === 'true'
if (unavailable !== undefined) {
  const line = `krew suite ${inCi ? 'FAILED' : 'SKIPPED'}: ${unavailable}`
  console.log(line)
  if (inCi) it('the real krew can be built or is cached (CI never skips it)', () => assert.fail(line))
}

const pjson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {version: string}
const plugins = binNames(root).flatMap((bin) => commandOfBin(root, bin) ?? [])
const demo = join(root, 'examples', 'demo-cluster')
const scratch = mkdtempSync(join(tmpdir(), 'krew-install-'))
after(() => rmSync(scratch, {recursive: true, force: true}))

type Run = {code: number; stdout: string; stderr: string}
const run = (file: string, args: string[], env: NodeJS.ProcessEnv): Promise<Run> =>
  new Promise((resolve) => {
    execFile(file, args, {env, maxBuffer: 16 * 2 ** 20, timeout: 120_000}, (error, stdout, stderr) =>
      resolve({code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr}),
    )
  })

const manifests = (): Manifest[] =>
  plugins.map((p) => parse(readFileSync(join(releaseDir, `${p}.yaml`), 'utf8')) as Manifest)
const archiveOf = (platform: Platform): string => join(releaseDir, platform.uri.slice(platform.uri.lastIndexOf('/') + 1))

// kubectl and kubectl-krew alone on PATH (plus krew's bin): no node, so the executables must bring their own.
function krewEnv(tools: KrewTools, krewRoot: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const toolDir = `${krewRoot}-tools`
  mkdirSync(toolDir, {recursive: true})
  for (const [name, target] of [
    ['kubectl', kubectlPath()],
    ['kubectl-krew', tools.krew],
  ] as const)
    if (!existsSync(join(toolDir, name))) symlinkSync(target, join(toolDir, name))
  return {
    PATH: [toolDir, join(krewRoot, 'bin')].join(delimiter),
    HOME: scratch,
    KREW_ROOT: krewRoot,
    KUBECONFIG: join(scratch, 'no-kubeconfig'),
    NO_COLOR: '1',
    ...extra,
  }
}

// The double's token kubeconfig with the token handed out by an exec plugin instead (client-node runs exec credentials).
function execCredentialKubeconfig(tokenKubeconfig: string): string {
  const config = parse(readFileSync(tokenKubeconfig, 'utf8')) as {users: {user: Record<string, unknown>}[]}
  const user = config.users[0]!
  const credential = {apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: {token: user.user.token}}
  const plugin = join(scratch, 'credential.sh')
  writeFileSync(plugin, `#!/bin/sh\necho '${JSON.stringify(credential)}'\n`, {mode: 0o755})
  user.user = {exec: {apiVersion: 'client.authentication.k8s.io/v1', command: plugin, interactiveMode: 'Never'}}
  const kubeconfig = join(scratch, 'exec.yaml')
  writeFileSync(kubeconfig, stringify(config))
  return kubeconfig
}

function kubectlPath(): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) if (existsSync(join(dir, 'kubectl'))) return join(dir, 'kubectl')
  throw new Error('kubectl is not on PATH')
}

describe('the release for krew', {skip: unavailable ?? false}, () => {
  let tools: KrewTools
  before(async () => {
    tools = ensureKrew()
    if (!(await releaseIsFresh())) await buildRelease()
  })

  it("krew's validate-krew-manifest accepts both manifests (krew's validation, no overlapping selectors)", async () => {
    for (const plugin of plugins) {
      const result = await run(tools.validate, ['-manifest', join(releaseDir, `${plugin}.yaml`), '-skip-install'], {
        PATH: process.env.PATH,
      })
      assert.equal(result.code, 0, `${plugin}: ${result.stderr}`)
      assert.match(result.stderr, /structural validation OK/)
      assert.match(result.stderr, /no overlapping spec\.platform\[\]\.selector/)
    }
  })

  it('every platform of every manifest installs with krew from its archive (sha256 checked, LICENSE and bin in place)', async () => {
    for (const manifest of manifests()) {
      for (const platform of manifest.spec.platforms) {
        const {os, arch} = platform.selector.matchLabels
        const krewRoot = join(scratch, `${manifest.metadata.name}-${os}-${arch}`)
        const env = krewEnv(tools, krewRoot, {KREW_OS: os, KREW_ARCH: arch})
        const args = ['krew', 'install', `--manifest=${join(releaseDir, `${manifest.metadata.name}.yaml`)}`]
        const result = await run('kubectl', [...args, `--archive=${archiveOf(platform)}`], env)
        assert.equal(result.code, 0, `${manifest.metadata.name} ${os}/${arch}: ${result.stderr}`)
        const store = join(krewRoot, 'store', manifest.metadata.name, manifest.spec.version)
        assert.deepEqual(readdirSync(store).sort(), [platform.bin, 'LICENSE', 'README.md'].sort())
        const link = `kubectl-${manifest.metadata.name.replaceAll('-', '_')}${os === 'windows' ? '.exe' : ''}`
        assert.ok(readdirSync(join(krewRoot, 'bin')).includes(link), `${link} in ${krewRoot}/bin`)
        rmSync(krewRoot, {recursive: true, force: true})
      }
    }
  })

  it('a wrong sha256 in the manifest makes krew refuse the archive', async () => {
    const manifest = readFileSync(join(releaseDir, 'inject-check.yaml'), 'utf8')
    const linux = manifests()[0]!.spec.platforms.find((p) => p.selector.matchLabels.os === 'linux')!
    const broken = join(scratch, 'inject-check.yaml')
    writeFileSync(broken, manifest.replaceAll(linux.sha256, '0'.repeat(64)))
    const krewRoot = join(scratch, 'broken')
    const env = krewEnv(tools, krewRoot, {KREW_OS: 'linux', KREW_ARCH: linux.selector.matchLabels.arch})
    const result = await run('kubectl', ['krew', 'install', `--manifest=${broken}`, `--archive=${archiveOf(linux)}`], env)
    assert.notEqual(result.code, 0)
    assert.match(result.stderr, /sha256/i)
  })

  describe('installed on this linux/amd64 machine, no Node on PATH', {skip: process.platform !== 'linux' || process.arch !== 'x64'}, () => {
    const krewRoot = join(scratch, 'host')
    let env: NodeJS.ProcessEnv
    before(async () => {
      env = krewEnv(tools, krewRoot)
      for (const plugin of plugins) {
        const manifest = join(releaseDir, `${plugin}.yaml`)
        const archive = archiveOf(manifests()[0]!.spec.platforms.find((p) => p.selector.matchLabels.os === 'linux' && p.selector.matchLabels.arch === 'amd64')!)
        const result = await run('kubectl', ['krew', 'install', `--manifest=${manifest}`, `--archive=${archive}`], env)
        assert.equal(result.code, 0, result.stderr)
      }
    })

    it('that PATH has no node (kubectl, kubectl-krew and krew-linked plugins only)', () => {
      for (const dir of (env.PATH ?? '').split(delimiter)) assert.equal(existsSync(join(dir, 'node')), false, dir)
    })

    it('kubectl plugin list shows both plugins from krew', async () => {
      const result = await run('kubectl', ['plugin', 'list'], env)
      for (const plugin of plugins)
        assert.match(result.stdout, new RegExp(`${krewRoot}/bin/kubectl-${plugin.replaceAll('-', '_')}\\n`))
    })

    it('kubectl inject-check --version and kubectl inject-diff --version print the package version', async () => {
      for (const plugin of plugins) {
        const result = await run('kubectl', [plugin, '--version'], env)
        assert.equal(result.code, 0, result.stderr)
        assert.match(result.stdout, new RegExp(`^kubectl-inject/${pjson.version.replaceAll('.', '\\.')} linux-x64 node-v`))
      }
    })

    it('kubectl inject-check --from examples/demo-cluster -A prints what the npm install prints', async () => {
      const sea = await run('kubectl', ['inject-check', '--from', demo, '-A'], env)
      const npm = await run(process.execPath, [join(root, 'bin', 'kubectl-inject_check'), '--from', demo, '-A'], {
        ...process.env,
        NO_COLOR: '1',
      })
      assert.equal(sea.code, npm.code, sea.stderr)
      assert.equal(sea.stdout, npm.stdout)
      assert.match(sea.stdout, /targets: /)
    })

    it('live against the API-server double with an exec credential: the JSON of the npm install, client-node never compiled', async () => {
      const objects = readdirSync(demo)
        .filter((f) => f.endsWith('.yaml'))
        .flatMap((f) => loadYamlObjects(join(demo, f)))
      const double = await startApiServer({objects})
      try {
        const kubeconfig = execCredentialKubeconfig(double.writeKubeconfig({dir: scratch, fileName: 'token.yaml'}))
        const args = ['-A', '--kubeconfig', kubeconfig, '-o', 'json']
        const npm = await run(process.execPath, [join(root, 'bin', 'kubectl-inject_check'), ...args], process.env)
        // Twice: the first run writes the bundle's code cache, the second reads it; the tool runs the exec plugin itself.
        for (let i = 0; i < 2; i++) {
          const sea = await run('kubectl', ['inject-check', ...args], env)
          assert.equal(sea.code, npm.code, sea.stderr)
          assert.deepEqual(JSON.parse(sea.stdout), JSON.parse(npm.stdout))
        }
        const caches = readdirSync(join(scratch, '.cache', 'kubectl-inject', 'compile-cache'))
        assert.deepEqual(caches.map((f) => f.replace(/-[0-9a-f]{16}-.*/, '')).sort(), ['sea-bundle'])
      } finally {
        await double.close()
      }
    })

    it('kubectl completes both plugins through the links the README has users make beside krew’s (what npm’s bins answer)', async () => {
      for (const plugin of plugins) {
        const bin = plugin.replaceAll('-', '_')
        // README, Install: `ln -s kubectl-inject_check ~/.krew/bin/kubectl_complete-inject_check` (survives krew upgrade).
        symlinkSync(`kubectl-${bin}`, join(krewRoot, 'bin', `kubectl_complete-${bin}`))
        const sea = await run('kubectl', ['__complete', plugin, '-o', ''], env)
        const npmPath = [join(root, 'bin'), process.env.PATH ?? ''].join(delimiter)
        const npm = await run('kubectl', ['__complete', plugin, '-o', ''], {...process.env, PATH: npmPath})
        assert.equal(sea.code, 0, sea.stderr)
        assert.equal(sea.stdout, npm.stdout)
        assert.match(sea.stdout, /^json$/m)
        assert.match(sea.stdout, /^:\d+\n$/m)
      }
    })

    it('kubectl inject-diff runs too (its usage error, from the same executable)', async () => {
      const result = await run('kubectl', ['inject-diff', '--help'], env)
      assert.equal(result.code, 0, result.stderr)
      assert.match(result.stdout, /^Preview exactly what sidecar injection does/)
    })
  })
})

describe('the krew manifests', () => {
  before(async () => {
    if (!(await releaseIsFresh())) await buildRelease()
  })

  it("name, kind, apiVersion and version v<package.json version> (krew's semver)", () => {
    for (const [i, manifest] of manifests().entries()) {
      assert.equal(manifest.apiVersion, 'krew.googlecontainertools.github.com/v1alpha2')
      assert.equal(manifest.kind, 'Plugin')
      assert.equal(manifest.metadata.name, plugins[i])
      assert.equal(manifest.spec.version, `v${pjson.version}`)
      assert.doesNotMatch(manifest.spec.shortDescription, /[\r\n]/)
    }
  })

  it('every archive platform plus darwin/arm64 (the darwin/amd64 archive, for Rosetta 2), https uris, the real sha256s', () => {
    const sums = new Map(
      readFileSync(join(releaseDir, 'SHA256SUMS'), 'utf8')
        .trim()
        .split('\n')
        .map((line) => [line.split('  ')[1]!, line.split('  ')[0]!]),
    )
    for (const manifest of manifests()) {
      const selectors = manifest.spec.platforms.map((p) => `${p.selector.matchLabels.os}/${p.selector.matchLabels.arch}`)
      assert.deepEqual(selectors, ['linux/amd64', 'linux/arm64', 'darwin/amd64', 'darwin/arm64', 'windows/amd64'])
      for (const p of manifest.spec.platforms) {
        assert.match(p.uri, /^https:\/\//)
        assert.equal(p.sha256, sums.get(p.uri.slice(p.uri.lastIndexOf('/') + 1)))
        assert.equal(p.bin, p.selector.matchLabels.os === 'windows' ? 'kubectl-inject.exe' : 'kubectl-inject')
      }
      const darwin = manifest.spec.platforms.filter((p) => p.selector.matchLabels.os === 'darwin')
      assert.equal(darwin[0]!.uri, darwin[1]!.uri)
      assert.match(manifest.spec.caveats, /Rosetta 2/)
    }
  })

  it('the caveats name what the plugin reads and that it never writes', () => {
    for (const manifest of manifests()) {
      for (const word of ['namespaces', 'MutatingWebhookConfigurations', 'ConfigMaps', 'pods', 'workloads', 'dryRun=All'])
        assert.ok(manifest.spec.caveats.includes(word), `${manifest.metadata.name} caveats name ${word}`)
      assert.match(manifest.spec.caveats, /never writes/)
    }
  })
})
