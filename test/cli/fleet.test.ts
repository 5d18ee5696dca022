// Fleet runs end to end through the built plugin: API-server doubles on separate ports in one kubeconfig (two healthy
// clusters, one closed port, one answering 403, one too slow for --request-timeout), each with its own token.
import assert from 'node:assert/strict'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {loadYamlObjects, startApiServer} from '../apiserver-double/index.js'
import type {ApiServerDouble} from '../apiserver-double/index.js'
import {baseObjects, repoFixture, runCheck} from '../faults/fixtures/cli-harness.js'
import type {RunResult} from '../faults/fixtures/cli-harness.js'
import {assertGolden} from '../golden/golden-file.js'
import {closedPort, writeFleetKubeconfig} from './fleet-kubeconfig.js'

let work = ''
let kubeconfig = ''
const doubles: ApiServerDouble[] = []

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'fleet-'))
  const east = await startApiServer({objects: baseObjects()})
  const west = await startApiServer({
    objects: [
      ...loadYamlObjects(repoFixture('istio/default-1.28.yaml')),
      ...loadYamlObjects(repoFixture('clusters/opted-out-pod.yaml')),
    ],
  })
  const locked = await startApiServer({objects: baseObjects(), faults: [{status: 403, path: /./}]})
  const slow = await startApiServer({objects: baseObjects(), faults: [{delayMs: 8000, path: /./}]})
  doubles.push(east, west, locked, slow)
  const gone = `https://127.0.0.1:${await closedPort()}`
  kubeconfig = writeFleetKubeconfig(
    work,
    [
      {name: 'east', server: east.url, double: east},
      {name: 'west', server: west.url, double: west},
      {name: 'gone', server: gone, double: east},
      {name: 'locked', server: locked.url, double: locked},
      {name: 'slow', server: slow.url, double: slow},
    ],
    'east',
  )
})

after(async () => {
  for (const d of doubles) assert.deepEqual(d.writes(), [], 'a fleet run never writes')
  await Promise.all(doubles.map((d) => d.close()))
  await rm(work, {recursive: true, force: true})
})

const run = (args: readonly string[]): Promise<RunResult> =>
  runCheck([...args, '--request-timeout', '2s'], {env: {KUBECONFIG: kubeconfig}, killAfterMs: 40_000})

const errorLines = (r: RunResult): string[] => r.stderr.split('\n').filter((l) => l.startsWith('error: '))

describe('a fleet run prints every reachable cluster and names the others', () => {
  it('--all-contexts -A: CONTEXT column, a line per context and a total; gone, locked and slow named once; exit 77', async () => {
    const r = await run(['--all-contexts', '-A'])
    assert.equal(r.code, 77, r.stderr)
    assertGolden('check/fleet-table.txt', r.stdout)
    const errors = errorLines(r)
    assert.equal(errors.length, 3, r.stderr)
    assert.match(errors.find((l) => l.includes('context gone:')) ?? '', /cannot reach the API server/)
    assert.match(errors.find((l) => l.includes('context locked:')) ?? '', /Forbidden/)
    assert.match(
      errors.find((l) => l.includes('context slow:')) ?? '',
      /context slow: .*(timed out|timeout)/i,
    )
    assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace')
    assert.doesNotMatch(r.stderr + r.stdout, /double-[0-9a-f]{24}/, 'no token printed')
  })

  it('-o wide keeps CONTEXT first', async () => {
    const r = await run(['--context', 'east', '--context', 'west', '-n', 'shop', '-o', 'wide'])
    assert.equal(r.code, 0, r.stderr)
    assertGolden('check/fleet-wide.txt', r.stdout)
  })

  it('the slow cluster costs one request timeout, not its 8 s: contexts do not wait for each other', async () => {
    const r = await run(['--context', 'east', '--context', 'slow', '-A'])
    assert.equal(r.code, 69, r.stderr)
    assert.match(r.stdout, /^east: 4 pods/m)
    assert.ok(r.elapsedMs < 7000, `took ${Math.round(r.elapsedMs)} ms`)
  })

  const exits: {name: string; args: string[]; code: number}[] = [
    {name: 'two healthy contexts: 0', args: ['--context', 'east', '--context', 'west', '-A'], code: 0},
    {name: 'one unreachable: 69', args: ['--context', 'east', '--context', 'gone', '-A'], code: 69},
    {name: 'one forbidden: 77', args: ['--context', 'east', '--context', 'locked', '-A'], code: 77},
    {name: 'forbidden beats unreachable: 77', args: ['--context-selector', '[gl]o*', '-A'], code: 77},
    {
      name: '--fail-on across contexts: 79',
      args: ['--context', 'east', '--context', 'west', '-A', '--fail-on', 'not-injected'],
      code: 79,
    },
    {
      name: 'an unreachable context beats a --fail-on match: 69',
      args: ['--context', 'east', '--context', 'gone', '-A', '--fail-on', 'drift'],
      code: 69,
    },
  ]
  for (const c of exits)
    it(`exit code: ${c.name}`, async () => {
      const r = await run(c.args)
      assert.equal(r.code, c.code, r.stderr)
    })

  it('--fail-on names the context of each hit', async () => {
    const r = await run(['--context', 'east', '--context', 'west', '-A', '--fail-on', 'drift'])
    assert.equal(r.code, 79, r.stderr)
    assert.match(r.stderr, /^ {2}east: pod\/web-7c9d8f6b5-mmtn9 -n shop: drift \(NeedsRestart\)$/m)
    assert.doesNotMatch(r.stderr, /^ {2}west: /m)
  })
})

interface FleetJson {
  items: {context?: string; name: string}[]
  gaps: {context?: string; resource: string; name?: string; reason: string}[]
  contexts?: {context: string; summary?: {total: number}; error?: {exit: number}}[]
  summary: {total: number}
}

describe('machine output of a fleet run', () => {
  it('every JSON item and gap carries its context; failed contexts are gaps with their names', async () => {
    const r = await run(['--all-contexts', '-A', '-o', 'json'])
    assert.equal(r.code, 77, r.stderr)
    const report = JSON.parse(r.stdout) as FleetJson
    assert.ok(report.items.length > 0)
    assert.ok(report.items.every((i) => i.context === 'east' || i.context === 'west'))
    assert.deepEqual([...new Set(report.items.map((i) => i.context))], ['east', 'west'])
    const failed = report.gaps.filter((g) => g.resource === 'contexts')
    assert.deepEqual(
      failed.map((g) => [g.context, g.name, g.reason]),
      [
        ['gone', 'gone', 'Unreachable'],
        ['locked', 'locked', 'Forbidden'],
        ['slow', 'slow', 'Unreachable'],
      ],
    )
    assert.equal(
      report.summary.total,
      (report.contexts ?? []).reduce((n, c) => n + (c.summary?.total ?? 0), 0),
    )
    assert.deepEqual(
      (report.contexts ?? []).map((c) => [c.context, c.error?.exit ?? 0]),
      [
        ['east', 0],
        ['gone', 69],
        ['locked', 77],
        ['slow', 69],
        ['west', 0],
      ],
    )
  })

  it('-o yaml items carry context too; custom-columns can print it', async () => {
    const yaml = await run(['--context', 'east', '--context', 'west', '-n', 'shop', '-o', 'yaml'])
    assert.equal(yaml.code, 0, yaml.stderr)
    assert.match(yaml.stdout, /^ {2}- context: east$/m)
    const columns = await run([
      '--context',
      'east',
      '--context',
      'west',
      '-n',
      'shop',
      '-o',
      'custom-columns=CTX:.context,NAME:.name',
      '--no-headers',
    ])
    assert.equal(columns.code, 0, columns.stderr)
    assert.deepEqual(
      columns.stdout
        .trim()
        .split('\n')
        .map((l) => l.split(/\s+/)[0]),
      ['east', 'east', 'east', 'west', 'west'],
    )
  })
})

describe('table options over the fleet', () => {
  it("-L takes each row's labels from its own context", async () => {
    const r = await run(['--context', 'east', '--context', 'west', '-n', 'shop', '-L', 'app'])
    assert.equal(r.code, 0, r.stderr)
    const lines = r.stdout.split('\n')
    assert.match(lines[0] ?? '', /^CONTEXT\s+NAME\s+.*REASON\s+APP$/)
    assert.match(r.stdout, /^east\s+web-7c9d8f6b5-mmtn9\s.*\sweb$/m)
    assert.match(r.stdout, /^west\s+cart-f8j7hhcmr-g97ws\s.*\scart$/m)
  })
})

describe('grouped views', () => {
  it('--health and a named target are shown per context under a heading', async () => {
    const health = await run(['--context', 'east', '--context', 'west', '-A', '--health'])
    assert.equal(health.code, 0, health.stderr)
    assert.match(health.stdout, /^== context east ==\nIstio injector webhooks/m)
    assert.match(health.stdout, /^== context west ==\nIstio injector webhooks/m)
    assert.match(health.stdout, /kubectl --context east rollout restart deployment\/web -n shop/)
    const trail = await run(['--context', 'east', '--context', 'gone', 'ns/shop'])
    assert.equal(trail.code, 69, trail.stderr)
    assert.match(trail.stdout, /^== context east ==\nnamespace\/shop/m)
  })

  it('-o markdown: a contexts table, then each context one heading level down', async () => {
    const r = await run(['--context', 'east', '--context', 'gone', '-A', '-o', 'markdown'])
    assert.equal(r.code, 69, r.stderr)
    assert.match(r.stdout, /^# Istio sidecar injection report: fleet$/m)
    assert.match(r.stdout, /^\| gone \| not read \(exit 69\): cannot reach/m)
    assert.match(r.stdout, /^## Context east\n\n## Istio sidecar injection report$/m)
    assert.doesNotMatch(r.stdout, /^# Istio sidecar injection report$/m)
  })
})

describe('one context behaves exactly as before', () => {
  it('--all-contexts selecting one context prints what --context prints: no CONTEXT column', async () => {
    const fleet = await run(['--context-selector', 'ea*', '-A'])
    const single = await run(['--context', 'east', '-A'])
    const current = await run(['-A'])
    assert.equal(single.code, 0, single.stderr)
    assert.equal(fleet.stdout, single.stdout)
    assert.equal(current.stdout, single.stdout)
    assert.doesNotMatch(single.stdout, /CONTEXT/)
  })
})

describe('usage errors name the flags', () => {
  const cases: {name: string; args: string[]; stderr: RegExp}[] = [
    {
      name: 'an unknown context',
      args: ['--context', 'east', '--context', 'nope'],
      stderr: /context "nope" not found/,
    },
    {
      name: 'a selector that matches nothing',
      args: ['--context-selector', 'prod-*'],
      stderr: /matches none of the 5/,
    },
    {
      name: '--all-contexts with --context',
      args: ['--all-contexts', '--context', 'east'],
      stderr: /drop --context/,
    },
    {
      name: '--server for every context',
      args: ['--all-contexts', '--server', 'https://x'],
      stderr: /--server would apply/,
    },
    {
      name: '-w over several contexts',
      args: ['--all-contexts', '-w', '-A'],
      stderr: /-w\/--watch follows one context/,
    },
  ]
  for (const c of cases)
    it(c.name, async () => {
      const r = await run(c.args)
      assert.equal(r.code, 64, r.stderr)
      assert.match(r.stderr, c.stderr)
      assert.equal(r.stdout, '')
    })
})

describe('--collect over several contexts and --from the fleet bundle', () => {
  it('writes one bundle with a folder per context; --from restores the names, the table and the failures', async () => {
    const bundle = join(work, 'fleet.tar.gz')
    const collected = await run(['--all-contexts', '-A', '--collect', bundle])
    assert.equal(collected.code, 77, collected.stderr)
    assert.match(collected.stderr, /^context east: Collected \d+ objects/m)
    assert.match(collected.stderr, /^error: context gone: /m)
    const {list} = await import('tar')
    const entries: string[] = []
    await list({file: bundle, onReadEntry: (e) => entries.push(e.path)})
    assert.equal(entries[0], 'kubectl-inject-fleet/fleet.yaml')
    assert.ok(entries.includes('kubectl-inject-fleet/contexts/east/kubectl-inject-bundle/manifest.yaml'))
    assert.ok(
      entries.includes('kubectl-inject-fleet/contexts/west/kubectl-inject-bundle/resources/pods.yaml'),
    )

    const live = await run(['--all-contexts', '-A'])
    const offline = await runCheck(['-A', '--from', bundle])
    assert.equal(offline.code, 77, offline.stderr)
    assert.equal(offline.stdout, live.stdout)
    assert.deepEqual(
      errorLines(offline).map((l) => l.split(':')[1]),
      [' context gone', ' context locked', ' context slow'],
    )
    const json = JSON.parse((await runCheck(['-A', '--from', bundle, '-o', 'json'])).stdout) as FleetJson
    assert.deepEqual([...new Set(json.items.map((i) => i.context))], ['east', 'west'])
  })
})
