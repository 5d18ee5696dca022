// Cases in the spirit of client-go util/jsonpath/jsonpath_test.go (a store of books, a List of pods).
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {JsonPathError, relaxedPath, evaluatePath, renderJsonPath} from '../../src/render/jsonpath.js'

const store = {
  store: {
    book: [
      {category: 'reference', author: 'Nigel Rees', title: 'Sayings of the Century', price: 8.95},
      {category: 'fiction', author: 'Evelyn Waugh', title: 'Sword of Honour', price: 12.99},
      {category: 'fiction', author: 'Herman Melville', title: 'Moby Dick', price: 8.99},
    ],
    bicycle: {color: 'red', price: 19.95, 'camel-case': 'yes', 'sidecar.istio.io/inject': 'false'},
  },
}

const pods = {
  kind: 'List',
  items: [
    {
      kind: 'Pod',
      metadata: {name: 'web-0', labels: {app: 'web'}},
      status: {
        phase: 'Running',
        containerStatuses: [
          {name: 'app', ready: true},
          {name: 'istio-proxy', ready: false},
        ],
      },
    },
    {kind: 'Pod', metadata: {name: 'db-0', labels: {app: 'db'}}, status: {phase: 'Pending'}},
  ],
}

describe('kubectl JSONPath templates', () => {
  const cases: {name: string; template: string; data: unknown; expect: string}[] = [
    {name: 'plain text', template: 'hello jsonpath', data: store, expect: 'hello jsonpath'},
    {name: 'a field', template: '{.kind}', data: pods, expect: 'List'},
    {name: 'the root $', template: '{$.kind}', data: pods, expect: 'List'},
    {name: 'a nested field', template: '{.store.bicycle.color}', data: store, expect: 'red'},
    {name: 'a number', template: '{.store.bicycle.price}', data: store, expect: '19.95'},
    {name: 'a dash in a field name', template: '{.store.bicycle.camel-case}', data: store, expect: 'yes'},
    {
      name: 'a quoted key with dots and a slash',
      template: "{.store.bicycle['sidecar.istio.io/inject']}",
      data: store,
      expect: 'false',
    },
    {name: 'an index', template: '{.store.book[1].author}', data: store, expect: 'Evelyn Waugh'},
    {name: 'a negative index', template: '{.store.book[-1].title}', data: store, expect: 'Moby Dick'},
    {name: 'a slice', template: '{.store.book[0:2].price}', data: store, expect: '8.95 12.99'},
    {name: 'an open slice', template: '{.store.book[1:].price}', data: store, expect: '12.99 8.99'},
    {
      name: 'a slice with a step',
      template: '{.store.book[::2].author}',
      data: store,
      expect: 'Nigel Rees Herman Melville',
    },
    {name: 'every element [*]', template: '{.items[*].metadata.name}', data: pods, expect: 'web-0 db-0'},
    {
      name: 'a union of indexes',
      template: '{.store.book[0,2].title}',
      data: store,
      expect: 'Sayings of the Century Moby Dick',
    },
    {
      name: 'a union of keys',
      template: "{.store.bicycle['color','price']}",
      data: store,
      expect: 'red 19.95',
    },
    {
      name: 'two expressions in one action',
      template: '{.kind,.items[0].kind}',
      data: pods,
      expect: 'ListPod',
    },
    {
      name: 'recursive descent',
      template: '{..author}',
      data: store,
      expect: 'Nigel Rees Evelyn Waugh Herman Melville',
    },
    {
      name: 'a filter with ==',
      template: '{.store.book[?(@.category=="fiction")].title}',
      data: store,
      expect: 'Sword of Honour Moby Dick',
    },
    {
      name: 'a filter with <',
      template: '{.store.book[?(@.price<10)].title}',
      data: store,
      expect: 'Sayings of the Century Moby Dick',
    },
    {
      name: 'a filter by existence',
      template: '{.items[?(@.status.containerStatuses)].metadata.name}',
      data: pods,
      expect: 'web-0',
    },
    {
      name: 'a filter on booleans',
      template: '{.items[0].status.containerStatuses[?(@.ready==false)].name}',
      data: pods,
      expect: 'istio-proxy',
    },
    {
      name: 'range … end with quoted text',
      template: '{range .items[*]}{.metadata.name}{"\\t"}{.status.phase}{"\\n"}{end}',
      data: pods,
      expect: 'web-0\tRunning\ndb-0\tPending\n',
    },
    {
      name: 'nested range',
      template: '{range .items[*]}{.metadata.name}:{range .status.containerStatuses[*]}[{.name}]{end};{end}',
      data: pods,
      expect: 'web-0:[app][istio-proxy];db-0:;',
    },
    {
      name: '$ inside range is still the root',
      template: '{range .items[*]}{$.kind} {end}',
      data: pods,
      expect: 'List List ',
    },
    {name: 'a missing key prints nothing', template: 'x{.items[0].spec.nodeName}y', data: pods, expect: 'xy'},
    {name: 'an out-of-range index prints nothing', template: '{.items[5].kind}', data: pods, expect: ''},
    {
      name: 'an object prints as JSON',
      template: '{.items[0].metadata.labels}',
      data: pods,
      expect: '{"app":"web"}',
    },
    {
      name: 'an array prints as JSON',
      template: '{.items[0].status.containerStatuses}',
      data: pods,
      expect: '[{"name":"app","ready":true},{"name":"istio-proxy","ready":false}]',
    },
  ]
  for (const c of cases) it(c.name, () => assert.equal(renderJsonPath(c.template, c.data), c.expect))

  const invalid: {name: string; template: string}[] = [
    {name: 'an unclosed action', template: '{.kind'},
    {name: 'an unclosed bracket', template: '{.items[0}'},
    {name: 'range without end', template: '{range .items[*]}{.kind}'},
    {name: 'end without range', template: '{.kind}{end}'},
    {name: 'a bad index', template: '{.items[x]}'},
    {name: 'a bad filter', template: '{.items[?(@.a=~b)]}'},
  ]
  for (const c of invalid)
    it(`refuses ${c.name}`, () => assert.throws(() => renderJsonPath(c.template, pods), JsonPathError))
})

describe('relaxed paths (custom-columns, --sort-by)', () => {
  for (const spelling of ['.metadata.name', 'metadata.name', '{.metadata.name}'])
    it(`${spelling} selects the same field`, () =>
      assert.deepEqual(evaluatePath(relaxedPath(spelling), pods.items[0], pods.items[0]), ['web-0']))
})
