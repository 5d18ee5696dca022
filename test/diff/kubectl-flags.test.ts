// kubectl's shared flags on inject-diff (they live in the one base command): connection overrides without a
// kubeconfig, impersonation on every request, -v=6 request logging, --chunk-size on the pod list, --flag=false.
import {after, before, describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {
  bareRunningPod,
  deployment,
  namespace,
  runDiff,
  startDiffCluster,
  stateChangingRequests,
} from './diff-cluster.js'
import type {DiffCluster} from './diff-cluster.js'

const caFile = fileURLToPath(new URL('../fixtures/tls/ca.pem', import.meta.url))
// No kubeconfig anywhere: the connection comes from the flags alone.
const noKubeconfig = {HOME: mkdtempSync(join(tmpdir(), 'diff-home-')), KUBECONFIG: ''}

let cluster: DiffCluster
before(async () => {
  cluster = await startDiffCluster(
    [
      namespace('shop', {'istio-injection': 'enabled'}),
      deployment('shop', 'web'),
      bareRunningPod('shop', 'solo-a', {app: 'solo'}),
      bareRunningPod('shop', 'solo-b', {app: 'solo'}),
    ],
    {defaultRevision: {mode: 'classic'}},
  )
})
after(async () => {
  assert.deepEqual(stateChangingRequests(cluster.api), [], 'inject-diff must not write to the cluster')
  await cluster.close()
})

describe('inject-diff takes kubectl’s connection and logging flags', () => {
  it('--server, --token, --certificate-authority, --as/--as-group and -v=6, without a kubeconfig', async () => {
    const from = cluster.api.requests.length
    const result = await runDiff(
      [
        'deploy/web',
        '-n',
        'shop',
        '--server',
        cluster.api.url,
        '--token',
        cluster.api.token,
        '--certificate-authority',
        caFile,
        '--as',
        'alice',
        '--as-group',
        'devs',
        '-v=6',
      ],
      {env: noKubeconfig},
    )
    assert.equal(result.code, 1, `a diff (exit 1)\n${result.stderr}`)
    assert.match(result.stdout, /istio-proxy/)
    assert.match(
      result.stderr,
      /GET https:\/\/127\.0\.0\.1:\d+\/apis\/apps\/v1\/namespaces\/shop\/deployments\/web/,
    )
    assert.ok(!result.stderr.includes(cluster.api.token), 'the token is never printed')
    const requests = cluster.api.requests.slice(from).filter((r) => !r.path.includes('/proxy/'))
    assert.ok(requests.length > 0)
    for (const request of requests) {
      assert.equal(request.impersonateUser, 'alice', request.path)
      assert.deepEqual(request.impersonateGroups, ['devs'], request.path)
    }
  })

  it('--chunk-size pages the pod list of a -l preview, and --raw=false is plain --raw off', async () => {
    const from = cluster.api.requests.length
    const result = await runDiff(['-l', 'app=solo', '-n', 'shop', '--chunk-size', '1', '--raw=false'], {
      kubeconfig: cluster.kubeconfig,
    })
    assert.equal(result.code, 1, result.stderr)
    const lists = cluster.api.requests
      .slice(from)
      .filter((r) => r.path === '/api/v1/namespaces/shop/pods' && r.method === 'GET')
    assert.ok(lists.length >= 2, 'one page per pod')
    assert.ok(lists.every((r) => r.query.limit === '1'))
  })
})
