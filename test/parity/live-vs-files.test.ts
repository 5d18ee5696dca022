// The same cluster read live (API-server double), from its files (--from examples/demo-cluster) and from its own
// --collect bundle gives the same verdicts: provenance (`sources`) and origin metadata are the only differences allowed.
import {after, before, describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {mkdtemp, readdir} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {schemaChecked} from '../schemas/validate-output.js'
import {
  loadYamlObjects,
  recordedJustNow,
  startApiServer,
  type ApiServerDouble,
} from '../apiserver-double/index.js'

const repo = fileURLToPath(new URL('../../', import.meta.url))
const demo = join(repo, 'examples', 'demo-cluster')

// The command from source through tsx (oclif's Command.run + handle, as the bin does), so the test sees this tree.
const launcher = `import C from './commands/inject-check.ts'; import {handle} from '@oclif/core'; await C.run(process.argv.slice(1), process.cwd()).catch(handle)`

interface Run {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

const inject = (args: readonly string[], kubeconfig: string): Promise<Run> =>
  new Promise<Run>((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', launcher, '--', ...args],
      {
        cwd: repo,
        env: {...process.env, KUBECONFIG: kubeconfig, NO_COLOR: '1', FORCE_COLOR: undefined, CI: '1'},
        timeout: 60_000,
        maxBuffer: 32 * 1024 * 1024,
      },
      (error, stdout, stderr) =>
        resolve({code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr}),
    )
  }).then(schemaChecked)

/** The verdict items of `-o json`, without provenance. */
const verdicts = (run: Run): unknown[] => {
  let document: {items: Record<string, unknown>[]}
  try {
    document = JSON.parse(run.stdout) as {items: Record<string, unknown>[]}
  } catch {
    throw new Error(`not JSON (exit ${run.code}):\n${run.stdout.slice(0, 400)}\n${run.stderr}`)
  }
  return document.items.map(({sources: _sources, ...rest}) => rest)
}
const names = (items: readonly unknown[]) =>
  items.map((item) => {
    const i = item as {kind: string; namespace: string; name: string}
    return `${i.kind} ${i.namespace}/${i.name}`
  })

const targets: readonly {readonly name: string; readonly args: readonly string[]}[] = [
  {name: 'every pod in every namespace', args: ['-A']},
  {name: 'one namespace with a 0-pod blocked Deployment', args: ['-n', 'payments']},
  {name: 'the blocked Deployment itself', args: ['deploy/fraud-check', '-n', 'payments']},
  {name: 'a Deployment with pods', args: ['deploy/web', '-n', 'shop']},
  {name: 'a namespace', args: ['ns/shop']},
  {name: 'one pod behind the failing revision', args: ['api-d2v89dm85-6nvdw', '-n', 'payments']},
  {name: 'one CronJob pod', args: ['nightly-batch-29402520-8fwq5', '-n', 'legacy']},
  {name: 'a CronJob with the pods of its Jobs', args: ['cronjob/nightly-batch', '-n', 'legacy']},
  {name: 'every Deployment of every namespace (a bare TYPE)', args: ['deployments', '-A']},
  {name: 'the Deployments of one namespace', args: ['deploy', '-n', 'shop']},
  {name: 'the CronJobs of a namespace', args: ['cj', '-n', 'legacy']},
  {name: 'the ReplicaSets of a namespace', args: ['rs', '-n', 'payments']},
  {name: 'every namespace', args: ['namespaces']},
]

describe('live and offline give the same verdicts on the demo cluster', () => {
  let server: ApiServerDouble
  let kubeconfig: string
  let bundle: string
  const live = new Map<string, Run>()
  before(async () => {
    const files = (await readdir(demo)).filter((f) => f.endsWith('.yaml')).sort()
    server = await startApiServer({
      objects: recordedJustNow(files.flatMap((f) => loadYamlObjects(join(demo, f)))),
    })
    kubeconfig = server.writeKubeconfig()
    bundle = join(await mkdtemp(join(tmpdir(), 'parity-')), 'demo.tar.gz')
    const collected = await inject(['-A', '--collect', bundle], kubeconfig)
    assert.equal(collected.code, 0, collected.stderr)
    await Promise.all(
      targets.map(async (t) => live.set(t.name, await inject([...t.args, '-o', 'json'], kubeconfig))),
    )
  })
  after(async () => {
    assert.deepEqual(server.writes(), [], 'reads only')
    await server.close()
  })

  it('live -A shows fraud-check (0 of 1 pods) as a Deployment row blocked by the webhook', () => {
    const items = verdicts(live.get('every pod in every namespace')!) as {
      kind: string
      name: string
      findings: {code: string}[]
    }[]
    const row = items.find((i) => i.kind === 'Deployment' && i.name === 'fraud-check')
    assert.ok(row, names(items).join('\n'))
    assert.ok(row.findings.some((f) => f.code === 'WebhookBlocksCreation'))
  })

  for (const target of targets) {
    it(`${target.name} (${target.args.join(' ')}): live = --from files`, async () => {
      const offline = await inject([...target.args, '--from', demo, '-o', 'json'], kubeconfig)
      const fromLive = verdicts(live.get(target.name)!)
      assert.ok(fromLive.length > 0)
      assert.deepEqual(fromLive, verdicts(offline))
    })

    it(`${target.name} (${target.args.join(' ')}): live = --from its own -A --collect bundle`, async () => {
      const fromBundle = await inject([...target.args, '--from', bundle, '-o', 'json'], kubeconfig)
      assert.deepEqual(verdicts(live.get(target.name)!), verdicts(fromBundle))
    })
  }
})
