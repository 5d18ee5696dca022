// inject-diff shares inject-check's connection code: an exec credential plugin, reached through a SOCKS5 proxy.
import {after, before, describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {join} from 'node:path'
import {
  deployment,
  namespace,
  runDiff,
  startDiffCluster,
  stateChangingRequests,
} from '../diff/diff-cluster.js'
import type {DiffCluster} from '../diff/diff-cluster.js'
import {
  caData,
  execUser,
  pluginCalls,
  scratchDir,
  writeKubeconfig,
  writePlugin,
} from './connection-fixtures.js'
import {startSocksProxy, type TestProxy} from './test-proxies.js'

describe('inject-diff over the shared connection path', () => {
  let cluster: DiffCluster
  let proxy: TestProxy
  before(async () => {
    cluster = await startDiffCluster(
      [namespace('shop', {'istio-injection': 'enabled'}), deployment('shop', 'web')],
      {defaultRevision: {mode: 'classic'}},
    )
    proxy = await startSocksProxy()
  })
  after(async () => {
    assert.deepEqual(stateChangingRequests(cluster.api), [], 'inject-diff must not write to the cluster')
    await proxy.close()
    await cluster.close()
  })

  it('an exec plugin runs once, and every request goes through the proxy-url', async () => {
    const dir = scratchDir('diff-connections')
    const log = join(dir, 'calls.jsonl')
    const kubeconfig = writeKubeconfig(join(dir, 'config'), {
      cluster: {server: cluster.api.url, 'certificate-authority-data': caData(), 'proxy-url': proxy.url},
      user: execUser({command: writePlugin(join(dir, 'bin'))}),
    })
    const from = cluster.api.requests.length
    const result = await runDiff(['deploy/web', '-n', 'shop'], {
      kubeconfig,
      env: {PLUGIN_LOG: log, PLUGIN_TOKENS: cluster.api.token},
    })
    assert.equal(result.code, 1, `a diff (exit 1)\n${result.stderr}`)
    assert.match(result.stdout, /istio-proxy/)
    assert.equal(pluginCalls(log).length, 1)
    assert.ok(cluster.api.requests.length > from)
    const port = new URL(cluster.api.url).port
    assert.ok(proxy.tunnels.length >= 1 && proxy.tunnels.every((t) => t === `127.0.0.1:${port}`))
    assert.ok(!result.stdout.includes(cluster.api.token) && !result.stderr.includes(cluster.api.token))
  })

  it('a plugin that fails is an authentication error (77) in one line', async () => {
    const dir = scratchDir('diff-connections-failing')
    const kubeconfig = writeKubeconfig(join(dir, 'config'), {
      cluster: {server: cluster.api.url, 'certificate-authority-data': caData()},
      user: execUser({command: writePlugin(join(dir, 'bin'))}),
    })
    const result = await runDiff(['deploy/web', '-n', 'shop'], {
      kubeconfig,
      env: {PLUGIN_LOG: join(dir, 'calls.jsonl'), PLUGIN_FAIL: '1'},
    })
    assert.equal(result.code, 77, result.stderr)
    assert.match(
      result.stderr,
      /^error: the credential plugin of user "u" \(context "ctx"\) failed: exec: executable .* failed with exit code 3/,
    )
    assert.equal(
      result.stderr
        .trim()
        .split('\n')
        .filter((line) => line.startsWith('error:')).length,
      1,
    )
    assert.doesNotMatch(result.stderr, /^\s+at /m)
  })
})
