// The watch loop's pure parts and its reconnect/relist logic, with a scripted transport (no network).
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {changedRows, coalesce, followCollection, sweepCollections} from '../../src/cli/check-watch.js'
import type {WatchedCollection} from '../../src/cli/check-watch.js'
import {ApiStatusError} from '../../src/cluster/kube-errors.js'
import {WatchLineSplitter} from '../../src/cluster/transport.js'
import type {JsonObject, Query, Transport, WatchEvent} from '../../src/cluster/transport.js'

describe('watch stream lines', () => {
  it('splits events across chunk boundaries and skips lines that are no event', () => {
    const events: WatchEvent[] = []
    const lines = new WatchLineSplitter((e) => events.push(e))
    lines.push('{"type":"ADDED","object":{"metadata":{"name":"a"}}}\n{"type":"MOD')
    lines.push('IFIED","object":{"metadata":{"name":"a"}}}\nnot json\n{"type":"BOOKMARK"}\n')
    assert.deepEqual(
      events.map((e) => e.type),
      ['ADDED', 'MODIFIED'],
    )
  })
})

describe('which rows a re-judgement prints', () => {
  const v = (name: string, reason: string) => ({target: {kind: 'Pod', namespace: 'shop', name}, reason})
  it('prints new and changed rows once, and forgets targets that are gone', () => {
    const printed = new Map<string, string>()
    const row = (x: {target: {name: string}; reason: string}) => `${x.target.name} ${x.reason}`
    assert.deepEqual(changedRows(printed, [v('a', 'Inject'), v('b', 'Skip')], row), ['a Inject', 'b Skip'])
    assert.deepEqual(changedRows(printed, [v('a', 'Inject'), v('b', 'Skip')], row), [])
    assert.deepEqual(changedRows(printed, [v('a', 'NeedsRestart')], row), ['a NeedsRestart'])
    assert.deepEqual(changedRows(printed, [v('a', 'NeedsRestart'), v('b', 'Skip')], row), ['b Skip'])
  })
})

describe('bursts of changes', () => {
  it('run one re-judgement at a time, and once more when changes arrived during it', async () => {
    let runs = 0
    let release: () => void = () => undefined
    const gate = () => new Promise<void>((resolve) => (release = resolve))
    const c = coalesce(async () => {
      runs++
      await gate()
    }, 5)
    c.trigger()
    c.trigger()
    await new Promise((r) => setTimeout(r, 20))
    assert.equal(runs, 1)
    c.trigger()
    c.trigger()
    release()
    await new Promise((r) => setTimeout(r, 30))
    assert.equal(runs, 2)
    release()
    await c.idle()
  })
})

describe('following one collection', () => {
  const collection: WatchedCollection = {
    what: 'pods in shop',
    path: '/api/v1/namespaces/shop/pods',
    query: {},
  }

  /** A transport whose watches play `script` in turn; each entry is the events of one stream, or an error. */
  const scripted = (script: (WatchEvent[] | Error)[], listVersion: string) => {
    const watches: Query[] = []
    const lists: Query[] = []
    const stop = new AbortController()
    const transport = {
      server: 'https://x',
      contextName: 'x',
      getJson: async (_path: string, query: Query = {}) => {
        lists.push(query)
        return {metadata: {resourceVersion: listVersion}} as JsonObject
      },
      postJson: async () => ({}),
      list: async () => ({items: 0, pages: 0}),
      watch: async (_path: string, query: Query, onEvent: (e: WatchEvent) => void) => {
        watches.push(query)
        const next = script.shift()
        if (next === undefined) {
          stop.abort()
          return
        }
        if (next instanceof Error) throw next
        for (const event of next) onEvent(event)
      },
      close: () => undefined,
    } satisfies Transport
    return {transport, watches, lists, stop}
  }
  const pod = (rv: string): WatchEvent => ({
    type: 'ADDED',
    object: {metadata: {name: 'p', resourceVersion: rv}},
  })

  it('reconnects from the last version seen (a BOOKMARK moves it too)', async () => {
    const s = scripted([[pod('11')], [{type: 'BOOKMARK', object: {metadata: {resourceVersion: '15'}}}]], '99')
    const changes: string[] = []
    await followCollection(s.transport, collection, '10', {
      signal: s.stop.signal,
      onChange: (why) => changes.push(why),
      warn: () => undefined,
    })
    assert.deepEqual(
      s.watches.map((q) => q.resourceVersion),
      ['10', '11', '15'],
    )
    assert.deepEqual(changes, ['ADDED pods in shop'])
  })

  it('relists after a 410 ERROR event and judges again', async () => {
    const expired: WatchEvent = {type: 'ERROR', object: {kind: 'Status', code: 410, reason: 'Expired'}}
    const s = scripted([[expired]], '42')
    const changes: string[] = []
    await followCollection(s.transport, collection, '10', {
      signal: s.stop.signal,
      onChange: (why) => changes.push(why),
      warn: () => undefined,
    })
    assert.deepEqual(
      s.watches.map((q) => q.resourceVersion),
      ['10', '42'],
    )
    assert.equal(s.lists.length, 1)
    assert.deepEqual(changes, ['relist pods in shop'])
  })

  it('relists after an HTTP 410 too, and retries other failures after a pause, warning once', async () => {
    const gone = new ApiStatusError(
      'GET',
      collection.path,
      {code: 410, reason: 'Expired', message: 'too old'} as never,
      'too old',
    )
    const s = scripted([gone, new Error('reset'), new Error('reset')], '7')
    const warnings: string[] = []
    const pauses: number[] = []
    await followCollection(s.transport, collection, '1', {
      signal: s.stop.signal,
      onChange: () => undefined,
      warn: (m) => warnings.push(m),
      sleep: async (ms) => {
        pauses.push(ms)
      },
    })
    assert.deepEqual(
      s.watches.map((q) => q.resourceVersion),
      ['1', '7', '7', '7'],
    )
    assert.equal(warnings.length, 1)
    assert.equal(pauses.length, 2)
  })
})

describe('what a sweep watches', () => {
  it('pods with the selectors, FailedCreate events, the namespace and the webhook configurations', () => {
    const collections = sweepCollections({
      kind: 'sweep',
      namespace: 'shop',
      labelSelector: 'app=web',
      fieldSelector: 'status.phase=Running',
    })
    assert.deepEqual(
      collections.map((c) => [c.path, c.query]),
      [
        ['/api/v1/namespaces/shop/pods', {labelSelector: 'app=web', fieldSelector: 'status.phase=Running'}],
        ['/api/v1/namespaces/shop/events', {fieldSelector: 'reason=FailedCreate'}],
        ['/api/v1/namespaces', {fieldSelector: 'metadata.name=shop'}],
        ['/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations', {}],
      ],
    )
  })
})
