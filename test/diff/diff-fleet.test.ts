// inject-diff over several contexts, end to end through the built plugin: three API-server doubles with real Istio
// webhook configurations on separate ports (east injects web, west does not, bare has no web) and one closed port;
// west-2 is a second context on west's server.
import assert from 'node:assert/strict'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {runBuiltDiff} from '../faults/fixtures/cli-harness.js'
import type {RunResult} from '../faults/fixtures/cli-harness.js'
import {closedPort, writeFleetKubeconfig} from '../cli/fleet-kubeconfig.js'
import {deployment, namespace, startDiffCluster, stateChangingRequests} from './diff-cluster.js'
import type {DiffCluster} from './diff-cluster.js'

let work = ''
let kubeconfig = ''
const clusters: DiffCluster[] = []

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'diff-fleet-'))
  const install = {defaultRevision: {mode: 'classic' as const}}
  const east = await startDiffCluster(
    [namespace('shop', {'istio-injection': 'enabled'}), deployment('shop', 'web')],
    install,
  )
  const west = await startDiffCluster([namespace('shop'), deployment('shop', 'web')], install)
  const bare = await startDiffCluster([namespace('shop', {'istio-injection': 'enabled'})], install)
  clusters.push(east, west, bare)
  kubeconfig = writeFleetKubeconfig(
    work,
    [
      {name: 'east', server: east.api.url, double: east.api},
      {name: 'west', server: west.api.url, double: west.api},
      // A second context on the same cluster (another user or namespace in real life).
      {name: 'west-2', server: west.api.url, double: west.api},
      {name: 'bare', server: bare.api.url, double: bare.api},
      {name: 'gone', server: `https://127.0.0.1:${await closedPort()}`, double: east.api},
    ],
    'east',
  )
})

after(async () => {
  for (const c of clusters) assert.deepEqual(stateChangingRequests(c.api), [], 'a preview never writes')
  await Promise.all(clusters.map((c) => c.close()))
  await rm(work, {recursive: true, force: true})
})

const run = (args: readonly string[]): Promise<RunResult> =>
  runBuiltDiff(['deploy/web', '-n', 'shop', ...args, '--request-timeout', '3s'], {
    env: {KUBECONFIG: kubeconfig},
    killAfterMs: 40_000,
  })

const errorLines = (r: RunResult): string[] => r.stderr.split('\n').filter((l) => l.startsWith('error: '))

// The text under `== context NAME ==` up to the next heading.
const section = (stdout: string, context: string): string | undefined =>
  stdout.split(/^== context /m).find((s) => s.startsWith(`${context} ==\n`))

describe('inject-diff previews the target in every selected context', () => {
  it('--all-contexts: a diff per reachable context under its heading; bare (404) and gone named once; exit 69', async () => {
    const r = await run(['--all-contexts'])
    assert.equal(r.code, 69, r.stderr)
    assert.deepEqual(
      [...r.stdout.matchAll(/^== context (\S+) ==$/gm)].map((m) => m[1]),
      ['east', 'west', 'west-2'],
    )
    assert.match(section(r.stdout, 'east') ?? '', /istio-proxy/)
    assert.doesNotMatch(section(r.stdout, 'west') ?? '', /istio-proxy/)
    const errors = errorLines(r)
    assert.equal(errors.length, 2, r.stderr)
    assert.match(errors.find((l) => l.includes('context bare:')) ?? '', /not found/)
    assert.match(errors.find((l) => l.includes('context gone:')) ?? '', /cannot reach the API server/)
    assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace')
    assert.ok(!clusters.some((c) => (r.stdout + r.stderr).includes(c.api.token)), 'no token printed')
  })

  const exits: {name: string; contexts: string[]; code: number; failed: number}[] = [
    {name: 'differences in one context: 1', contexts: ['east', 'west'], code: 1, failed: 0},
    {name: 'no differences in any context: 0', contexts: ['west', 'west-2'], code: 0, failed: 0},
    {name: 'the target missing in one context: 66, not 1', contexts: ['east', 'bare'], code: 66, failed: 1},
    {
      name: 'an unreachable context outranks a missing target: 69',
      contexts: ['bare', 'gone'],
      code: 69,
      failed: 2,
    },
  ]
  for (const c of exits)
    it(`exit code: ${c.name}`, async () => {
      const r = await run(c.contexts.flatMap((n) => ['--context', n]))
      assert.equal(r.code, c.code, r.stderr)
      assert.equal(errorLines(r).length, c.failed, 'one line per failed context')
    })
})

interface DiffListJson {
  kind: string
  items: {context?: string; target: {name: string}; differences: boolean}[]
  failedContexts?: {context: string; exit: number}[]
}

describe('machine output over several contexts', () => {
  it('--json: one InjectionDiffList (schema-checked by the runner), each item with its context, failed contexts listed', async () => {
    const r = await run(['--all-contexts', '--json'])
    assert.equal(r.code, 69, r.stderr)
    const list = JSON.parse(r.stdout) as DiffListJson
    assert.equal(list.kind, 'InjectionDiffList')
    assert.deepEqual(
      list.items.map((i) => [i.context, i.target.name, i.differences]),
      [
        ['east', 'web', true],
        ['west', 'web', false],
        ['west-2', 'web', false],
      ],
    )
    assert.deepEqual(
      list.failedContexts?.map((f) => [f.context, f.exit]),
      [
        ['bare', 66],
        ['gone', 69],
      ],
    )
    assert.equal(errorLines(r).length, 2, r.stderr)
  })

  it('-o json is the same document; -o patch takes one context', async () => {
    const json = await run(['--context', 'east', '--context', 'west', '-o', 'json'])
    assert.equal(json.code, 1, json.stderr)
    assert.deepEqual(
      (JSON.parse(json.stdout) as DiffListJson).items.map((i) => i.context),
      ['east', 'west'],
    )
    const patch = await run(['--context', 'east', '--context', 'west', '-o', 'patch'])
    assert.equal(patch.code, 64, patch.stderr)
    assert.match(patch.stderr, /-o patch is for one context/)
    assert.equal(patch.stdout, '')
  })
})

describe('notes on stderr over several contexts', () => {
  it('-o json repeats each context’s preview notes on stderr, prefixed with the context, as -o json does for one', async () => {
    const single = await run(['--context', 'east', '-o', 'json', '--revision', 'nope'])
    const notes = single.stderr.split('\n').filter((l) => /^(warning|error): /.test(l))
    assert.ok(notes.length > 0, `one context prints notes: ${single.stderr}`)
    const fleet = await run(['--context', 'east', '--context', 'west', '-o', 'json', '--revision', 'nope'])
    for (const line of notes) {
      const [level, ...rest] = line.split(': ')
      assert.ok(
        fleet.stderr.includes(`${level}: context east: ${rest.join(': ')}`),
        `${line} in:\n${fleet.stderr}`,
      )
    }
  })
})

describe('one context behaves exactly as before', () => {
  it('a selector matching one context prints what --context prints, with no heading', async () => {
    const selected = await run(['--context-selector', 'ea*'])
    const single = await run(['--context', 'east'])
    const current = await run([])
    assert.equal(single.code, 1, single.stderr)
    assert.equal(selected.code, 1, selected.stderr)
    assert.equal(selected.stdout, single.stdout)
    assert.equal(current.stdout, single.stdout)
    assert.doesNotMatch(single.stdout, /== context/)
  })
})

describe('fleet usage errors name the flags', () => {
  const cases: {name: string; args: string[]; stderr: RegExp}[] = [
    {
      name: 'an unknown context',
      args: ['--context', 'east', '--context', 'nope'],
      stderr: /"nope" not found/,
    },
    {
      name: '--server for every context',
      args: ['--all-contexts', '--server', 'https://x'],
      stderr: /--server would apply/,
    },
    {name: '--max-parallel 0', args: ['--all-contexts', '--max-parallel', '0'], stderr: /max-parallel/},
  ]
  for (const c of cases)
    it(c.name, async () => {
      const r = await run(c.args)
      assert.equal(r.code, 64, r.stderr)
      assert.match(r.stderr, c.stderr)
      assert.equal(r.stdout, '')
    })
})
