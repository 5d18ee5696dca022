// The `kubectl get events -o wide` text table: column positions from the header, messages with spaces intact.
import assert from 'node:assert/strict'
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {eventRowToObject, parseEventsTable} from '../../src/cluster/events-table.js'

const tablePath = join(
  import.meta.dirname,
  '..',
  'fixtures',
  'bundles',
  'bug-report-1.30',
  'bug-report',
  'cluster',
  'events',
)

describe('events table', () => {
  const failureClasses = [
    {name: 'timeout', object: 'reviews-v1-5b8f6d7c9', tail: /: context deadline exceeded$/},
    {
      name: 'i/o timeout',
      object: 'ratings-v1-6d8b5c9f7',
      tail: /: dial tcp 10\.96\.12\.34:443: i\/o timeout$/,
    },
    {name: 'x509', object: 'details-v1-79dfbd6fff', tail: /x509: certificate signed by unknown authority$/},
    {
      name: 'no endpoints',
      object: 'productpage-v1-64794f5db4',
      tail: /no endpoints available for service "istiod"$/,
    },
    {name: 'service not found', object: 'ledger-7c5d8b9f4', tail: /service "istiod-canary" not found$/},
    {
      name: 'denied',
      object: 'custom-5f7b9c8d6',
      tail: /denied the request: requested template "custom" not found; have \[gateway grpc-agent grpc-simple sidecar waypoint\]$/,
    },
  ]
  for (const failure of failureClasses) {
    it(`keeps the whole ${failure.name} message in its column`, async () => {
      const {rows} = parseEventsTable(await readFile(tablePath, 'utf8'))
      const row = rows.find((r) => r.object.name === failure.object)
      assert.ok(row)
      assert.equal(row.reason, 'FailedCreate')
      assert.equal(row.type, 'Warning')
      assert.equal(row.source, 'replicaset-controller')
      assert.equal(row.object.kind, 'replicaset')
      assert.match(row.message, /^Error creating: /)
      assert.match(row.message, failure.tail)
      assert.equal(row.name?.startsWith(`${failure.object}.`), true)
    })
  }

  it('reads SUBOBJECT and a SOURCE with a comma and space', async () => {
    const {rows} = parseEventsTable(await readFile(tablePath, 'utf8'))
    const pulled = rows.find((r) => r.reason === 'Pulled')
    assert.deepEqual(
      {
        namespace: pulled?.namespace,
        subobject: pulled?.subobject,
        source: pulled?.source,
        count: pulled?.count,
        firstSeen: pulled?.firstSeen,
      },
      {
        namespace: 'apps',
        subobject: 'spec.initContainers{istio-init}',
        source: 'kubelet, kind-control-plane',
        count: 1,
        firstSeen: '43m',
      },
    )
    const object = eventRowToObject(pulled!, 'default')
    assert.deepEqual(object.involvedObject, {
      kind: 'Pod',
      name: 'httpbin-7f9c6d5b8-qv2lm',
      namespace: 'apps',
      fieldPath: 'spec.initContainers{istio-init}',
    })
    assert.deepEqual(object.source, {component: 'kubelet', host: 'kind-control-plane'})
  })

  it('reads the narrow table of `kubectl get events -n NS` (no NAMESPACE, no wide columns)', () => {
    const text = [
      'LAST SEEN   TYPE      REASON         OBJECT                           MESSAGE',
      '2m          Warning   FailedCreate   replicaset/reviews-v1-5b8f6d7c9   Error creating: Internal error occurred: failed calling webhook "namespace.sidecar-injector.istio.io": failed to call webhook: Post "https://istiod.istio-system.svc:443/inject?timeout=10s": context deadline exceeded',
      '',
    ].join('\n')
    const {rows, unparsed} = parseEventsTable(text)
    assert.deepEqual(unparsed, [])
    assert.equal(rows.length, 1)
    assert.equal(rows[0]!.namespace, undefined)
    assert.equal(eventRowToObject(rows[0]!, 'apps').metadata !== undefined, true)
    assert.equal((eventRowToObject(rows[0]!, 'apps').involvedObject as {namespace: string}).namespace, 'apps')
    assert.match(rows[0]!.message, /context deadline exceeded$/)
  })

  it('falls back to tokens when a pasted table lost its alignment', () => {
    const text = [
      'NAMESPACE   LAST SEEN   TYPE      REASON         OBJECT                 MESSAGE                        FIRST SEEN   COUNT   NAME',
      'apps 5m Warning FailedCreate replicaset/web-6d4f Error creating: admission webhook "x.example.com" denied the request: no 10m 3 web-6d4f.17a',
    ].join('\n')
    const {rows} = parseEventsTable(text)
    assert.equal(rows.length, 1)
    assert.equal(rows[0]!.message, 'Error creating: admission webhook "x.example.com" denied the request: no')
    assert.equal(rows[0]!.count, 3)
    assert.equal(rows[0]!.object.name, 'web-6d4f')
  })

  it('counts columns in code points, as Go tabwriter counts runes', () => {
    const header = 'LAST SEEN   TYPE      REASON   OBJECT      MESSAGE'
    const row = '1m          Normal    Note     pod/a🚀b     done ok'
    const {rows} = parseEventsTable(`${header}\n${row}\n`)
    assert.equal(rows[0]!.object.name, 'a🚀b')
    assert.equal(rows[0]!.message, 'done ok')
  })

  it('reports no rows and recognized=false for text that is not an events table', () => {
    const result = parseEventsTable('No resources found\n')
    assert.deepEqual(result, {rows: [], unparsed: [], recognized: false})
  })
})
