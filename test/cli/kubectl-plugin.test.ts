// The plugins as kubectl runs them: real kubectl (found on PATH) discovers bin/ and talks to the API-server double.
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {mkdtempSync, symlinkSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {loadYamlObjects, startApiServer} from '../apiserver-double/index.js'
import type {ApiServerDouble} from '../apiserver-double/index.js'
import {fixturePath} from '../check/cluster-fixtures.js'
import {assertFreshBuild, checkBin} from './built-cli.js'
import {requireKubectl} from './kubectl-on-path.js'

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
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      {env: {...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined, CI: '1', ...env}, timeout: 30_000},
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1
        resolve({code, stdout, stderr})
      },
    )
  })
}

const noStack = (r: Run): void => assert.ok(!/\n\s+at /.test(r.stderr), `no stack trace:\n${r.stderr}`)

describe('kubectl inject-check against the API-server double', () => {
  let double: ApiServerDouble
  let kubeconfig: string
  let pathDir: string
  before(async () => {
    const objects = [
      ...loadYamlObjects(fixturePath('istio/default-1.28.yaml')),
      ...loadYamlObjects(fixturePath('clusters/created-before-label.yaml')),
    ]
    double = await startApiServer({objects})
    kubeconfig = double.writeKubeconfig({namespace: 'shop'})
    pathDir = mkdtempSync(join(tmpdir(), 'kubectl-plugins-'))
    symlinkSync(checkBin, join(pathDir, 'kubectl-inject_check'))
  })
  after(async () => {
    await double.close()
  })

  const kubectl = (args: readonly string[]): Promise<Run> =>
    run(kubectlBin, ['inject-check', ...args], {
      PATH: `${pathDir}:${process.env.PATH ?? ''}`,
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
