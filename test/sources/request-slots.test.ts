// At most 8 requests in flight per API server, so a one-pod check opens at most 8 connections even when its sockets are
// made asynchronously (the TLS fast path, proxy tunnels), where node's agent does not count them (src/cluster/request-slots.ts).
import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {startApiServer} from '../apiserver-double/index.js'
import {resolveConnection} from '../../src/cluster/kubeconfig.js'
import {openLiveConnection, readLiveSnapshot} from '../../src/cluster/live-source.js'
import {RequestSlots} from '../../src/cluster/request-slots.js'

describe('RequestSlots', () => {
  it('lets `limit` in at once and the rest in the order they came, as slots free', async () => {
    const slots = new RequestSlots(2)
    const order: string[] = []
    const first = await slots.acquire()
    const second = await slots.acquire()
    const third = slots.acquire().then((release) => (order.push('third'), release))
    const fourth = slots.acquire().then((release) => (order.push('fourth'), release))
    await new Promise((resolve) => setImmediate(resolve))
    assert.deepEqual(order, [], 'both wait while two are in flight')
    first()
    first() // a second release of the same slot frees nothing more
    await new Promise((resolve) => setImmediate(resolve))
    assert.deepEqual(order, ['third'])
    second()
    ;(await third)()
    ;(await fourth)()
    assert.deepEqual(order, ['third', 'fourth'])
    // Everything released: two at once again without waiting.
    await slots.acquire()
    await slots.acquire()
  })
})

describe('a one-pod check against a slow API server', () => {
  it('opens at most 8 TLS connections for its 13 reads', async () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {name: 'web-5d8f7c9b4-x7k2p', namespace: 'shop'},
      spec: {containers: [{name: 'app', image: 'app:1'}]},
    }
    const server = await startApiServer({
      objects: [{apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'shop'}}, pod],
      // Every answer slow: every read is in flight at once unless something bounds them.
      faults: [{path: /.*/, delayMs: 150}],
    })
    try {
      const connection = await resolveConnection({kubeconfig: server.writeKubeconfig(), env: {}})
      const live = openLiveConnection(connection, {timeoutMs: 10_000})
      try {
        await readLiveSnapshot(live, {kind: 'pod', namespace: 'shop', name: 'web-5d8f7c9b4-x7k2p'})
      } finally {
        live.transport.close()
      }
      assert.ok(server.requests.length >= 13, `${server.requests.length} requests`)
      assert.ok(server.connections() <= 8, `${server.connections()} connections`)
    } finally {
      await server.close()
    }
  })
})
