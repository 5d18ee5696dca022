// Transport details the double cannot stage: 410 without a token (restart once), the write guard, timeout syntax.
import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {createServer} from 'node:http'
import {Worker} from 'node:worker_threads'
import type {AddressInfo} from 'node:net'
import {ForbiddenRequestError, describeSourceError} from '../../src/cluster/kube-errors.js'
import type {ResolvedCluster} from '../../src/cluster/kubeconfig.js'
import {createTransport, isAllowedRequest, parseRequestTimeout} from '../../src/cluster/transport.js'

const clusterAt = (server: string): ResolvedCluster => ({
  contextName: 'plain',
  clusterName: 'plain',
  userName: 'u',
  server,
  insecureSkipTlsVerify: false,
  token: 'secret-token',
  authKind: 'token',
})

describe('transport', () => {
  it('restarts a list once after a 410 without a continue token and skips items already seen (by uid)', async () => {
    const seenQueries: string[] = []
    let expired = false
    const items = ['a', 'b', 'c', 'd', 'e'].map((name) => ({metadata: {name, uid: `uid-${name}`}}))
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x')
      seenQueries.push(url.search)
      assert.equal(req.headers.authorization, 'Bearer secret-token')
      const start = Number(url.searchParams.get('continue') ?? '0')
      if (start === 2 && !expired) {
        expired = true
        res.writeHead(410, {'content-type': 'application/json'})
        res.end(
          JSON.stringify({kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version'}),
        )
        return
      }
      const limit = Number(url.searchParams.get('limit'))
      const page = items.slice(start, start + limit)
      const next = start + limit < items.length ? String(start + limit) : undefined
      res.writeHead(200, {'content-type': 'application/json'})
      res.end(
        JSON.stringify({
          kind: 'PodList',
          metadata: {resourceVersion: '9', ...(next === undefined ? {} : {continue: next})},
          items: page,
        }),
      )
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const lines: string[] = []
    const transport = createTransport(
      clusterAt(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
      {timeoutMs: 2000, debug: (l) => lines.push(l)},
    )
    try {
      const names: string[] = []
      const summary = await transport.list(
        '/api/v1/pods',
        {},
        (item) => names.push((item.metadata as {name: string}).name),
        {pageSize: 2},
      )
      assert.deepEqual(names, ['a', 'b', 'c', 'd', 'e'])
      assert.equal(summary.recovery, 'restarted')
      assert.deepEqual(seenQueries, [
        '?limit=2',
        '?limit=2&continue=2',
        '?limit=2',
        '?limit=2&continue=2',
        '?limit=2&continue=4',
      ])
      assert.ok(lines.some((l) => /restarting the list once/.test(l)))
      assert.ok(lines.every((l) => !l.includes('secret-token')))
    } finally {
      transport.close()
      server.close()
    }
  })

  it('refuses every write except dry-run creates and SelfSubjectAccessReviews, before any request is sent', async () => {
    const transport = createTransport(clusterAt('https://127.0.0.1:1'), {timeoutMs: 1000})
    try {
      await assert.rejects(transport.postJson('/api/v1/namespaces/shop/pods', {}, {}), ForbiddenRequestError)
      await assert.rejects(
        transport.postJson('/api/v1/namespaces/shop/pods', {dryRun: 'None'}, {}),
        ForbiddenRequestError,
      )
      await assert.rejects(
        transport.postJson('/api/v1/namespaces/shop/pods/web/eviction', {dryRun: 'All'}, {}),
        ForbiddenRequestError,
      )
    } finally {
      transport.close()
    }
    const scenarios: [string, string, Record<string, string>, boolean][] = [
      ['GET', '/api/v1/pods', {}, true],
      ['POST', '/api/v1/namespaces/shop/pods', {dryRun: 'All'}, true],
      ['POST', '/apis/apps/v1/namespaces/shop/deployments', {dryRun: 'All'}, true],
      ['POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {}, true],
      ['POST', '/api/v1/namespaces/shop/pods', {}, false],
      ['PUT', '/api/v1/namespaces/shop/pods/web', {dryRun: 'All'}, false],
      ['PATCH', '/api/v1/namespaces/shop', {}, false],
      ['DELETE', '/api/v1/namespaces/shop/pods/web', {dryRun: 'All'}, false],
    ]
    for (const [method, path, query, allowed] of scenarios)
      assert.equal(isAllowedRequest(method, path, query), allowed, `${method} ${path}`)
  })

  it('retries a GET once when the server closed the kept-alive socket while the event loop was busy', async () => {
    // The server runs on its own thread (its timers fire while this one is blocked): HTTP/1.1 keep-alive without a
    // Keep-Alive hint, and each connection closed 50 ms after its first answer, as an API server's idle timeout does.
    const worker = new Worker(
      `const {createServer} = require('node:net'); const {parentPort} = require('node:worker_threads')
      let answered = 0
      const server = createServer((socket) => socket.on('data', () => {
        const body = JSON.stringify({kind: 'Namespace', metadata: {name: 'n' + ++answered}})
        socket.write('HTTP/1.1 200 OK\\r\\nContent-Type: application/json\\r\\nContent-Length: ' + body.length + '\\r\\n\\r\\n' + body)
        setTimeout(() => socket.destroy(), 50)
      }))
      server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port))`,
      {eval: true},
    )
    const port = await new Promise<number>((resolve) => worker.once('message', resolve))
    const transport = createTransport(clusterAt(`http://127.0.0.1:${port}`), {timeoutMs: 2000})
    try {
      await transport.getJson('/api/v1/namespaces/a')
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300)
      const second = await transport.getJson('/api/v1/namespaces/b')
      assert.equal((second.metadata as {name: string}).name, 'n2')
    } finally {
      transport.close()
      await worker.terminate()
    }
  })

  it('parses --request-timeout like kubectl', () => {
    const cases: [string, number][] = [
      ['0', 0],
      ['10', 10_000],
      ['10s', 10_000],
      ['1m', 60_000],
      ['1m30s', 90_000],
      ['500ms', 500],
      ['1.5h', 5_400_000],
    ]
    for (const [input, ms] of cases) assert.equal(parseRequestTimeout(input), ms, input)
    for (const bad of ['ten', '10x', '-1', '1m 2s', '']) {
      assert.throws(
        () => parseRequestTimeout(bad),
        (error: unknown) => describeSourceError(error).category === 'usage',
        bad,
      )
    }
  })
})
