import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {jsonChunks} from '../../src/render/json-chunks.js'

const cases: {name: string; value: unknown}[] = [
  {
    name: 'a report with items, nested objects and an empty list',
    value: {
      apiVersion: 'v1',
      kind: 'InjectionReport',
      metadata: {source: {kind: 'files', paths: ['a', 'b']}},
      items: [
        {name: 'web', checks: [{code: 'X', detail: 'line\nbreak "quoted"'}], webhook: null},
        {name: 'cart', injected: true},
      ],
      gaps: [],
      summary: {total: 2},
    },
  },
  {
    name: 'undefined members are dropped and undefined array members become null',
    value: {a: undefined, b: [1, undefined, () => 1], c: {d: undefined}},
  },
  {name: 'an empty object', value: {}},
  {name: 'a top-level array', value: [{a: 1}, {b: 2}]},
  {name: 'a scalar', value: 'text'},
  {name: 'unicode and control characters', value: {items: [{label: '\u001b[2J\u202e'}]}},
]

describe('jsonChunks joins to exactly JSON.stringify(value, null, 2)', () => {
  for (const {name, value} of cases) {
    it(name, () => {
      assert.equal([...jsonChunks(value)].join(''), JSON.stringify(value, null, 2))
    })
  }
})
