// inject-check -w against the API-server double's watch API: the table, then a row for each changed verdict as pods,
// FailedCreate events and namespace labels change; a 410 after compaction relists; SIGINT ends with exit 0.
import {after, before, describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {startApiServer, loadYamlObjects} from '../apiserver-double/index.js'
import type {ApiServerDouble} from '../apiserver-double/index.js'
import {
  assertOneLineError,
  baseObjects,
  binPath,
  repoFixture,
  repoRoot,
  runCheck,
} from '../faults/fixtures/cli-harness.js'

let double: ApiServerDouble
const scratchHome = mkdtempSync(join(tmpdir(), 'watch-home-'))
let kubeconfig: string

before(async () => {
  double = await startApiServer({objects: baseObjects()})
  kubeconfig = double.writeKubeconfig()
})
after(async () => {
  assert.deepEqual(double.writes(), [], 'inject-check never writes')
  await double.close()
})

const newPod = (name: string): object => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {name, namespace: 'shop', labels: {app: name}},
  spec: {containers: [{name: 'app', image: 'nginx:1.27'}], nodeName: 'node-a'},
  status: {phase: 'Running'},
})

/** Starts `inject-check -w`; `output()` is what it printed so far. */
const startWatch = (args: string[]) => {
  const child = spawn(process.execPath, [binPath, ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {PATH: process.env.PATH ?? '', HOME: scratchHome, NO_COLOR: '1'},
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')))
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')))
  const closed = new Promise<{code: number | null; signal: string | null}>((resolve) =>
    child.on('close', (code, signal) => resolve({code, signal})),
  )
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000)
  return {
    stdout: () => stdout,
    stderr: () => stderr,
    interrupt: async () => {
      child.kill('SIGINT')
      const result = await closed
      clearTimeout(killer)
      return result
    },
  }
}

const until = async (condition: () => boolean, what: string, shown: () => string): Promise<void> => {
  const deadline = Date.now() + 10_000
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}\n${shown()}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

describe('inject-check -w follows the cluster', () => {
  it('prints the table, then a row for each verdict that changes, relists after 410, and exits 0 on SIGINT', async () => {
    const watch = startWatch(['-n', 'shop', '-w', '--kubeconfig', kubeconfig])
    const shown = () => `stdout:\n${watch.stdout()}\nstderr:\n${watch.stderr()}`
    try {
      await until(() => /3 pods: /.test(watch.stdout()), 'the first table', shown)
      await until(
        () => double.openWatches() >= 5,
        'the watches (pods, events, namespaces, webhooks, configmaps)',
        shown,
      )

      // A new pod: its verdict row appears (no sidecar in an injection-enabled namespace: NeedsRestart).
      double.addObjects([newPod('late-arrival')])
      await until(
        () => /^late-arrival\s+Pod\s+no\s+yes\s+default\s+NeedsRestart$/m.test(watch.stdout()),
        'the new pod row',
        shown,
      )

      // A FailedCreate event names a ReplicaSet whose pods the webhook rejects: the workload row appears.
      const failure = loadYamlObjects(repoFixture('clusters/webhook-failure.yaml')) as {kind: string}[]
      double.addObjects(failure.filter((o) => o.kind === 'Deployment' || o.kind === 'ReplicaSet'))
      double.addObjects(failure.filter((o) => o.kind === 'Event'))
      await until(() => /^checkout\s+/m.test(watch.stdout()), 'the rejected workload row', shown)

      // The namespace loses its injection label: every pod's row changes.
      const before = watch.stdout().length
      double.addObjects([{apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'shop', labels: {}}}])
      await until(
        () => /^web-7c9d8f6b5-mmtn9\s+Pod\s+no\s+no\s/m.test(watch.stdout().slice(before)),
        'the changed rows',
        shown,
      )

      // Compaction and dropped streams: the watches come back from a fresh list version (410 → relist), still live.
      double.compact()
      const compactedAt = double.requests.length
      double.closeWatches()
      await until(
        () =>
          double.requests
            .slice(compactedAt)
            .some((r) => r.query.watch === 'true' && r.query.limit === undefined) &&
          double.openWatches() >= 5,
        'the watches to reopen',
        shown,
      )
      double.addObjects([newPod('after-relist')])
      await until(() => /^after-relist\s+Pod\s/m.test(watch.stdout()), 'a row after the relist', shown)
      const relisted = double.requests
        .slice(compactedAt)
        .filter((r) => r.path === '/api/v1/namespaces/shop/pods' && r.query.limit === '1')
      assert.ok(relisted.length > 0, 'the pods were listed again after 410')
    } finally {
      const {code, signal} = await watch.interrupt()
      assert.equal(signal, null, shown())
      assert.equal(code, 0, shown())
      assert.doesNotMatch(watch.stderr(), /^error:|^\s+at /m, shown())
    }
  })
})

describe('-w usage errors', () => {
  const cases = [
    {args: ['-w', '--from', repoFixture('istio/default-1.28.yaml')], error: /cannot be combined with --from/},
    {args: ['-w', 'deploy/web', '-n', 'shop'], error: /drop the TARGET/},
    {args: ['-w', '-n', 'shop', '-o', 'json'], error: /prints table rows/},
  ]
  for (const c of cases)
    it(c.args.join(' '), async () => assertOneLineError(await runCheck(c.args), 64, c.error))
})
