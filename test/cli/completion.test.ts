// Shell completion as kubectl (≥ 1.26) does it: real kubectl's `__complete` runs bin/kubectl_complete-inject_* from PATH,
// which read the flags from the manifest and names from the API-server double.
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {createServer} from 'node:net'
import type {Server, Socket} from 'node:net'
import {dirname, join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {startApiServer} from '../apiserver-double/index.js'
import type {ApiServerDouble} from '../apiserver-double/index.js'
import {assertFreshBuild, repoRoot} from './built-cli.js'
import {binDir, pluginPath, requireKubectl, startShopCluster} from './kubectl-on-path.js'
import {resolveResourceType} from '../../src/cli/target-args.js'
import {pathFlags, typePrefixes} from '../../src/cli/completion-candidates.js'

const kubectlBin = requireKubectl()

interface Answer {
  readonly lines: string[]
  readonly directive: string
  readonly ms: number
  readonly stderr: string
}

// `kubectl __complete inject-check WORDS…`: candidates (value part, before any tab) and the `:N` directive line.
const complete = (command: string, words: readonly string[], kubeconfig: string): Promise<Answer> => {
  assertFreshBuild()
  const started = performance.now()
  return new Promise((resolve, reject) => {
    execFile(
      kubectlBin,
      ['__complete', command, ...words],
      {env: {...process.env, PATH: pluginPath, KUBECONFIG: kubeconfig}, timeout: 15_000},
      (error, stdout, stderr) => {
        if (error !== null) return reject(new Error(`${error.message}\n${stderr}`))
        const all = stdout.split('\n').filter((line) => line !== '')
        const directive = all.at(-1) ?? ''
        const lines = all.slice(0, -1).map((line) => line.split('\t')[0] ?? '')
        resolve({lines, directive, ms: performance.now() - started, stderr})
      },
    )
  })
}

const manifest = JSON.parse(readFileSync(join(repoRoot, 'oclif.manifest.json'), 'utf8')) as {
  commands: Record<string, {flags: Record<string, {char?: string; hidden?: boolean}>}>
}

describe('kubectl __complete against the API-server double', () => {
  let double: ApiServerDouble
  let kubeconfig: string
  before(async () => {
    double = await startShopCluster()
    kubeconfig = double.writeKubeconfig({
      namespace: 'shop',
      extraContexts: [{name: 'staging', namespace: 'istio-system'}],
    })
  })
  after(async () => {
    await double.close()
  })

  const scenarios: {name: string; command?: string; words: string[]; want: string[]; directive: string}[] = [
    {
      name: '-n sh completes the namespace shop from the cluster',
      words: ['-n', 'sh'],
      want: ['shop'],
      directive: ':4',
    },
    {
      name: 'deploy/ completes the Deployments of the context namespace',
      words: ['deploy/'],
      want: ['deploy/api', 'deploy/web'],
      directive: ':4',
    },
    {
      name: '-n istio-system deploy/ follows the namespace typed so far',
      words: ['-n', 'istio-system', 'deploy/'],
      want: ['deploy/istiod'],
      directive: ':4',
    },
    {
      name: 'a TYPE typed alone completes the NAME argument',
      words: ['deployment', 'w'],
      want: ['web'],
      directive: ':4',
    },
    {
      name: 'ns/ completes namespaces',
      words: ['ns/s'],
      want: ['ns/shop'],
      directive: ':4',
    },
    {
      name: 'an empty first word offers the TYPE/ prefixes and pod names, without a space after them',
      words: [''],
      want: [
        ...typePrefixes['inject-check'],
        'api-nj6pwvvvg-t7fzm',
        'web-7c9d8f6b5-mmtn9',
        'web-7c9d8f6b5-vjkhw',
      ],
      directive: ':6',
    },
    {
      name: 'inject-diff offers no ns/ prefix',
      command: 'inject-diff',
      words: ['n'],
      want: [],
      directive: ':4',
    },
    {
      name: '--context offers the kubeconfig contexts',
      words: ['--context', ''],
      want: ['double', 'staging'],
      directive: ':4',
    },
    {
      name: '--context=st completes in the --flag=value form',
      words: ['--context=st'],
      want: ['--context=staging'],
      directive: ':4',
    },
    {
      name: '--context staging deploy/ reads that context’s namespace',
      words: ['--context', 'staging', 'deploy/'],
      want: ['deploy/istiod'],
      directive: ':4',
    },
    {
      name: '-o offers inject-check’s formats; the templates continue without a space',
      words: ['-o', ''],
      want: [
        'table',
        'wide',
        'json',
        'yaml',
        'markdown',
        'name',
        'jsonpath=',
        'jsonpath-file=',
        'custom-columns=',
      ],
      directive: ':6',
    },
    {
      name: 'inject-diff -o offers its own formats',
      command: 'inject-diff',
      words: ['-o', ''],
      want: ['diff', 'patch', 'yaml', 'json'],
      directive: ':4',
    },
    {
      name: '--fail-on offers the conditions not listed yet',
      words: ['--fail-on', 'drift,'],
      want: ['drift,not-injected', 'drift,unknown', 'drift,reject', 'drift,misconfigured', 'drift,stale'],
      directive: ':4',
    },
    {name: '-f leaves it to the shell’s file completion', words: ['-f', ''], want: [], directive: ':0'},
    {
      name: '--from leaves it to the shell’s file completion',
      words: ['--from', ''],
      want: [],
      directive: ':0',
    },
    {name: 'no target after -f manifests', words: ['-f', 'x.yaml', ''], want: [], directive: ':4'},
    {
      name: 'a complete TYPE/NAME takes no further argument',
      words: ['deploy/web', ''],
      want: [],
      directive: ':4',
    },
  ]
  for (const scenario of scenarios) {
    it(scenario.name, async () => {
      const r = await complete(scenario.command ?? 'inject-check', scenario.words, kubeconfig)
      assert.deepEqual(r.lines, scenario.want)
      assert.equal(r.directive, scenario.directive)
    })
  }

  it('the completer only reads (GETs) from the cluster', () => {
    assert.deepEqual(double.writes(), [])
    assert.ok(double.requests.some((request) => request.method === 'GET'))
  })
})

describe('kubectl __complete when the cluster cannot answer', () => {
  let silent: Server
  const sockets: Socket[] = []
  let port = 0
  let dir: ApiServerDouble
  before(async () => {
    // Accepts connections and never answers: only the time bound ends the wait.
    silent = createServer((socket) => void sockets.push(socket))
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    port = (silent.address() as {port: number}).port
    dir = await startApiServer({objects: []})
  })
  after(async () => {
    for (const socket of sockets) socket.destroy()
    silent.close()
    await dir.close()
  })

  it('a refused connection gives an empty answer at once', async () => {
    const kubeconfig = dir.writeKubeconfig({server: 'https://127.0.0.1:1'})
    const r = await complete('inject-check', ['-n', ''], kubeconfig)
    assert.deepEqual(r.lines, [])
    assert.equal(r.directive, ':4')
    assert.ok(r.ms < 3000, `${Math.round(r.ms)} ms`)
  })

  // Timed on the executable itself: this kubectl (a version dispatcher) asks the server its version first, ~5 s here.
  it('a server that never answers: the completer ends within its 2 s bound, empty, the TYPE/ prefixes kept', async () => {
    const kubeconfig = dir.writeKubeconfig({server: `https://127.0.0.1:${port}`})
    const started = performance.now()
    const direct = await new Promise<string>((resolve) =>
      execFile(
        join(binDir, 'kubectl_complete-inject_check'),
        ['d'],
        {env: {...process.env, KUBECONFIG: kubeconfig}},
        (_e, stdout) => resolve(stdout),
      ),
    )
    const ms = performance.now() - started
    assert.equal(direct, 'deploy/\nds/\n:6\n')
    // 2 s from process start; the margin is for a loaded machine (without the bound it would wait for ever).
    assert.ok(ms < 4000, `${Math.round(ms)} ms`)
    const viaKubectl = await complete('inject-check', ['-n', ''], kubeconfig)
    assert.deepEqual(viaKubectl.lines, [])
    assert.equal(viaKubectl.directive, ':4')
  })

  it('a missing kubeconfig is silent: only the directive, nothing on stderr from the plugin', async () => {
    const r = await complete('inject-check', ['-n', ''], join(dirname(repoRoot), 'no-such-kubeconfig'))
    assert.deepEqual(r.lines, [])
    assert.equal(r.directive, ':4')
    assert.doesNotMatch(r.stderr, /error|Error/)
  })
})

describe('completion follows the command definitions', () => {
  for (const command of ['inject-check', 'inject-diff']) {
    it(`${command}: -- completes exactly the manifest's visible flags, and - their short forms`, async () => {
      const flags = manifest.commands[command]?.flags ?? {}
      const visible = Object.entries(flags).filter(([, flag]) => flag.hidden !== true)
      const long = await complete(command, ['--'], '/dev/null')
      assert.deepEqual(long.lines.sort(), visible.map(([name]) => `--${name}`).sort())
      const short = await complete(command, ['-'], '/dev/null')
      const chars = visible.flatMap(([, flag]) => (flag.char === undefined ? [] : [`-${flag.char}`]))
      assert.deepEqual(short.lines.filter((line) => !line.startsWith('--')).sort(), chars.sort())
    })
  }

  it('a flag given once is not offered again; a repeatable one is', async () => {
    const r = await complete('inject-check', ['-o', 'json', '--fail-on', 'drift', '--'], '/dev/null')
    assert.ok(!r.lines.includes('--output'))
    assert.ok(r.lines.includes('--fail-on'))
  })

  it('the path flags and TYPE/ prefixes name real flags and types', () => {
    for (const name of pathFlags)
      assert.ok(
        Object.values(manifest.commands).some((command) => name in command.flags),
        `--${name} is a flag`,
      )
    for (const prefix of typePrefixes['inject-check'])
      assert.ok(resolveResourceType(prefix.slice(0, -1)) !== undefined, prefix)
  })
})
