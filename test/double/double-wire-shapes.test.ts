// The double's HTTP answers compared with the real API server's shapes (Status bodies, pagination, selectors, faults).
import {describe, it, before, after} from 'node:test'
import assert from 'node:assert/strict'
import https from 'node:https'
import {startApiServer} from '../apiserver-double/index.js'
import type {ApiServerDouble} from '../apiserver-double/index.js'

interface Reply {
  status: number
  body: Record<string, unknown>
  headers: Record<string, unknown>
}

function get(
  api: ApiServerDouble,
  path: string,
  headers: Record<string, string> = {},
  token = api.token,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      new URL(path, api.url),
      {ca: api.caData, headers: {authorization: `Bearer ${token}`, ...headers}},
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
            headers: res.headers,
          }),
        )
      },
    )
    req.on('error', reject)
    req.end()
  })
}

const objects = [
  {apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'shop'}},
  ...['a', 'b', 'c', 'd'].map((name, i) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'shop',
      labels: {tier: i < 2 ? 'front' : 'back', ...(i === 3 ? {canary: 'true'} : {})},
    },
    spec: {nodeName: i % 2 === 0 ? 'node-a' : 'node-b', containers: [{name: 'app', image: 'x'}]},
    status: {phase: i === 0 ? 'Pending' : 'Running'},
  })),
  {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: {name: 'a.1', namespace: 'shop'},
    involvedObject: {kind: 'Pod', name: 'a', namespace: 'shop'},
    reason: 'FailedCreate',
    type: 'Warning',
  },
]

const names = (reply: Reply): string[] =>
  (reply.body.items as {metadata: {name: string}}[]).map((i) => i.metadata.name)

describe('API-server double wire shapes', () => {
  let api: ApiServerDouble
  before(async () => {
    api = await startApiServer({objects})
  })
  after(() => api.close())

  it('answers a missing token with a 401 Status', async () => {
    const reply = await get(api, '/api/v1/pods', {}, 'wrong')
    assert.equal(reply.status, 401)
    assert.deepEqual(reply.body, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Unauthorized',
      reason: 'Unauthorized',
      code: 401,
    })
  })

  it('defaults the kubernetes.io/metadata.name label on namespaces', async () => {
    const reply = await get(api, '/api/v1/namespaces/shop')
    assert.deepEqual((reply.body.metadata as {labels: object}).labels, {
      'kubernetes.io/metadata.name': 'shop',
    })
  })

  it('returns a PodList with resourceVersion', async () => {
    const reply = await get(api, '/api/v1/namespaces/shop/pods')
    assert.equal(reply.body.kind, 'PodList')
    assert.equal(reply.body.apiVersion, 'v1')
    assert.match(String((reply.body.metadata as {resourceVersion: string}).resourceVersion), /^\d+$/)
    assert.deepEqual(names(reply), ['a', 'b', 'c', 'd'])
  })

  const selectorCases: {name: string; query: string; expected: string[]}[] = [
    {name: 'equality', query: 'labelSelector=tier%3Dfront', expected: ['a', 'b']},
    {name: 'inequality', query: 'labelSelector=tier!%3Dfront', expected: ['c', 'd']},
    {name: 'set notin', query: 'labelSelector=tier%20notin%20(front)', expected: ['c', 'd']},
    {name: 'absence', query: 'labelSelector=!canary', expected: ['a', 'b', 'c']},
    {name: 'existence plus equality', query: 'labelSelector=canary,tier%3Dback', expected: ['d']},
    {name: 'field spec.nodeName', query: 'fieldSelector=spec.nodeName%3Dnode-a', expected: ['a', 'c']},
    {name: 'field status.phase negated', query: 'fieldSelector=status.phase!%3DRunning', expected: ['a']},
  ]
  for (const c of selectorCases)
    it(`filters pods by ${c.name}`, async () => {
      assert.deepEqual(names(await get(api, `/api/v1/namespaces/shop/pods?${c.query}`)), c.expected)
    })

  it('filters events by involvedObject and reason', async () => {
    const reply = await get(api, '/api/v1/events?fieldSelector=involvedObject.name%3Da,reason%3DFailedCreate')
    assert.deepEqual(names(reply), ['a.1'])
  })

  it('rejects an unsupported field selector with 400', async () => {
    const reply = await get(api, '/api/v1/pods?fieldSelector=spec.bogus%3Dx')
    assert.equal(reply.status, 400)
    assert.equal(reply.body.message, 'field label not supported: spec.bogus')
  })

  it('paginates with remainingItemCount and an opaque continue token', async () => {
    const first = await get(api, '/api/v1/pods?limit=3')
    const meta = first.body.metadata as {continue: string; remainingItemCount: number}
    assert.deepEqual(names(first), ['a', 'b', 'c'])
    assert.equal(meta.remainingItemCount, 1)
    const second = await get(api, `/api/v1/pods?limit=3&continue=${meta.continue}`)
    assert.deepEqual(names(second), ['d'])
    assert.equal((second.body.metadata as {continue?: string}).continue, undefined)
  })

  it('answers an expired continue token with 410 Expired and an inconsistent-continue token', async () => {
    const first = await get(api, '/api/v1/pods?limit=2')
    const token = (first.body.metadata as {continue: string}).continue
    api.compact()
    const expired = await get(api, `/api/v1/pods?limit=2&continue=${token}`)
    assert.equal(expired.status, 410)
    assert.equal(expired.body.reason, 'Expired')
    const fresh = (expired.body.metadata as {continue: string}).continue
    assert.equal(JSON.parse(Buffer.from(fresh, 'base64url').toString()).rv, -1)
    assert.deepEqual(names(await get(api, `/api/v1/pods?limit=2&continue=${fresh}`)), ['c', 'd'])
  })

  it('serves a Table with rows carrying partial object metadata', async () => {
    const reply = await get(api, '/api/v1/namespaces/shop/pods', {
      accept: 'application/json;as=Table;v=v1;g=meta.k8s.io',
    })
    assert.equal(reply.body.kind, 'Table')
    const columns = (reply.body.columnDefinitions as {name: string}[]).map((c) => c.name)
    assert.deepEqual(columns, ['Name', 'Ready', 'Status', 'Restarts', 'Age'])
    const row = (reply.body.rows as {cells: unknown[]; object: {kind: string}}[])[0]!
    assert.deepEqual(row.cells.slice(0, 4), ['a', '0/1', 'Pending', 0])
    assert.equal(row.object.kind, 'PartialObjectMetadata')
  })

  const faultCases: {status: 429 | 500 | 503; reason: string}[] = [
    {status: 429, reason: 'TooManyRequests'},
    {status: 500, reason: 'InternalError'},
    {status: 503, reason: 'ServiceUnavailable'},
  ]
  for (const c of faultCases)
    it(`injects a ${c.status} fault once with a ${c.reason} Status`, async () => {
      api.setFaults([{path: /\/api\/v1\/pods/, status: c.status, times: 1}])
      const faulted = await get(api, '/api/v1/pods')
      const after = await get(api, '/api/v1/pods')
      assert.equal(faulted.status, c.status)
      assert.equal(faulted.body.reason, c.reason)
      assert.equal(after.status, 200)
    })

  it('delays a response by delayMs', async () => {
    api.setFaults([{path: '/version', delayMs: 300, times: 1}])
    const started = Date.now()
    await get(api, '/version')
    assert.ok(Date.now() - started >= 290)
  })

  it('drops the connection on a dropConnection fault', async () => {
    api.setFaults([{path: '/version', dropConnection: true, times: 1}])
    await assert.rejects(get(api, '/version'))
  })
})
