import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {
  formatSelector,
  labelsMatchSelectorString,
  matchLabelSelector,
  parseLabelSelector,
} from '../../src/core/admission/label-selector.js'
import type {LabelSelector} from '../../src/core/snapshot.js'

describe('label selector semantics (apimachinery labels.Requirement.Matches)', () => {
  const cases: {
    name: string
    selector: LabelSelector | undefined
    labels: Record<string, string>
    matches: boolean
  }[] = [
    {name: 'an undefined selector matches everything', selector: undefined, labels: {}, matches: true},
    {name: 'the empty selector matches everything', selector: {}, labels: {a: 'b'}, matches: true},
    {
      name: 'matchLabels needs the exact value',
      selector: {matchLabels: {app: 'web'}},
      labels: {app: 'web'},
      matches: true,
    },
    {
      name: 'matchLabels fails on another value',
      selector: {matchLabels: {app: 'web'}},
      labels: {app: 'db'},
      matches: false,
    },
    {
      name: 'In needs the key present',
      selector: {matchExpressions: [{key: 'k', operator: 'In', values: ['v']}]},
      labels: {},
      matches: false,
    },
    {
      name: 'In with the value listed',
      selector: {matchExpressions: [{key: 'k', operator: 'In', values: ['x', 'v']}]},
      labels: {k: 'v'},
      matches: true,
    },
    {
      name: 'In compares case-sensitively',
      selector: {matchExpressions: [{key: 'k', operator: 'In', values: ['true']}]},
      labels: {k: 'True'},
      matches: false,
    },
    {
      name: 'NotIn on a missing key is true',
      selector: {matchExpressions: [{key: 'k', operator: 'NotIn', values: ['false']}]},
      labels: {},
      matches: true,
    },
    {
      name: 'NotIn with the listed value is false',
      selector: {matchExpressions: [{key: 'k', operator: 'NotIn', values: ['false']}]},
      labels: {k: 'false'},
      matches: false,
    },
    {
      name: 'NotIn is exact: False is not false',
      selector: {matchExpressions: [{key: 'k', operator: 'NotIn', values: ['false']}]},
      labels: {k: 'False'},
      matches: true,
    },
    {
      name: 'Exists with an empty value',
      selector: {matchExpressions: [{key: 'k', operator: 'Exists'}]},
      labels: {k: ''},
      matches: true,
    },
    {
      name: 'DoesNotExist with the key present',
      selector: {matchExpressions: [{key: 'k', operator: 'DoesNotExist'}]},
      labels: {k: ''},
      matches: false,
    },
    {
      name: 'terms are ANDed',
      selector: {matchLabels: {a: '1'}, matchExpressions: [{key: 'b', operator: 'Exists'}]},
      labels: {a: '1'},
      matches: false,
    },
  ]
  for (const c of cases) {
    it(c.name, () => {
      const result = matchLabelSelector(c.selector, c.labels)
      assert.equal(result.matches, c.matches)
      assert.equal(result.error, undefined)
    })
  }

  it('reports every term with its actual value', () => {
    const result = matchLabelSelector(
      {
        matchExpressions: [
          {key: 'istio-injection', operator: 'In', values: ['enabled']},
          {key: 'istio.io/rev', operator: 'DoesNotExist'},
        ],
      },
      {'istio-injection': 'disabled'},
    )
    assert.deepEqual(result.terms, [
      {term: 'istio-injection In [enabled]', matches: false, actual: 'istio-injection=disabled'},
      {term: 'istio.io/rev DoesNotExist', matches: true, actual: 'istio.io/rev absent'},
    ])
  })

  const invalid: {name: string; selector: LabelSelector; message: RegExp}[] = [
    {
      name: 'unknown operator',
      selector: {matchExpressions: [{key: 'k', operator: 'Equals', values: ['v']}]},
      message: /"Equals" is not a valid label selector operator/,
    },
    {
      name: 'In with no values',
      selector: {matchExpressions: [{key: 'k', operator: 'In', values: []}]},
      message: /values set can't be empty/,
    },
    {
      name: 'Exists with values',
      selector: {matchExpressions: [{key: 'k', operator: 'Exists', values: ['v']}]},
      message: /must be empty/,
    },
    {name: 'invalid key syntax', selector: {matchLabels: {'bad key': 'v'}}, message: /invalid label key/},
    {
      name: 'invalid value syntax',
      selector: {matchExpressions: [{key: 'k', operator: 'In', values: ['-bad-']}]},
      message: /invalid value "-bad-"/,
    },
    {
      name: 'uppercase prefix',
      selector: {matchExpressions: [{key: 'Istio.io/rev', operator: 'Exists'}]},
      message: /prefix part/,
    },
  ]
  for (const c of invalid) {
    it(`an invalid selector is an error, not a crash: ${c.name}`, () => {
      const result = matchLabelSelector(c.selector, {k: 'v'})
      assert.equal(result.matches, false)
      assert.match(result.error ?? '', c.message)
    })
  }

  it('formats a selector on one line', () => {
    assert.equal(formatSelector({}), '{}')
    assert.equal(
      formatSelector({
        matchLabels: {b: '2', a: '1'},
        matchExpressions: [{key: 'c', operator: 'NotIn', values: ['x', 'y']}],
      }),
      'a=1, b=2, c NotIn [x, y]',
    )
  })
})

describe('kubectl -l parsing', () => {
  const valid: {name: string; text: string; selector: LabelSelector}[] = [
    {name: 'empty text selects everything', text: '  ', selector: {}},
    {name: 'equality', text: 'a=b', selector: {matchLabels: {a: 'b'}}},
    {name: 'double equals', text: 'a==b', selector: {matchLabels: {a: 'b'}}},
    {
      name: 'inequality becomes NotIn',
      text: 'a!=b',
      selector: {matchExpressions: [{key: 'a', operator: 'NotIn', values: ['b']}]},
    },
    {
      name: 'set-based with whitespace',
      text: ' a in ( x , y ) , b notin (z)',
      selector: {
        matchExpressions: [
          {key: 'a', operator: 'In', values: ['x', 'y']},
          {key: 'b', operator: 'NotIn', values: ['z']},
        ],
      },
    },
    {
      name: 'exists and does-not-exist',
      text: 'sidecar.istio.io/inject,!istio.io/rev',
      selector: {
        matchExpressions: [
          {key: 'sidecar.istio.io/inject', operator: 'Exists'},
          {key: 'istio.io/rev', operator: 'DoesNotExist'},
        ],
      },
    },
    {name: 'an empty value', text: 'a=', selector: {matchLabels: {a: ''}}},
    {
      name: 'a repeated key becomes In',
      text: 'a=b,a=c',
      selector: {
        matchExpressions: [
          {key: 'a', operator: 'In', values: ['b']},
          {key: 'a', operator: 'In', values: ['c']},
        ],
      },
    },
  ]
  for (const c of valid) {
    it(`parses ${c.name}`, () => assert.deepEqual(parseLabelSelector(c.text), {selector: c.selector}))
  }
  // Texts as kube-apiserver v1.37.2 answers `?labelSelector=…` (held against it in test/real-cluster/wire.test.ts).
  const malformed: {name: string; text: string; message: string | RegExp}[] = [
    {
      name: 'missing parenthesis',
      text: 'a in x',
      message: "unable to parse requirement: found 'x' expected: '('",
    },
    {
      name: 'unclosed set',
      text: 'a in (x',
      message: "unable to parse requirement: found '', expected: ',' or ')'",
    },
    {name: 'trailing comma', text: 'a=b,', message: "found '', expected: identifier after ','"},
    {name: 'two operators', text: 'a=b=c', message: "found '=', expected: ',' or 'end of string'"},
    {name: 'invalid key', text: '-a=b', message: /^unable to parse requirement: invalid label key/},
    {name: 'greater-than', text: 'a>1', message: /^unable to parse requirement: .*cannot be expressed/},
    {name: 'a bare operator', text: '=b', message: "found '=', expected: !, identifier, or 'end of string'"},
    {name: 'a negation with a value', text: '!a=b', message: "found '=', expected: ',' or 'end of string'"},
    {
      name: 'a word where an operator goes',
      text: 'a b',
      message: "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt",
    },
    {
      name: 'a non-integer after >',
      text: 'a > x',
      message: `unable to parse requirement: values[0]: Invalid value: "x": for 'Gt', 'Lt' operators, the value must be an integer`,
    },
  ]
  for (const c of malformed) {
    it(`rejects ${c.name}`, () => {
      const error = parseLabelSelector(c.text).error ?? ''
      if (typeof c.message === 'string') assert.equal(error, c.message)
      else assert.match(error, c.message)
    })
  }
  it('matches labels against kubectl text', () => {
    assert.equal(labelsMatchSelectorString('app=web,tier notin (db)', {app: 'web'}).matches, true)
    assert.equal(labelsMatchSelectorString('app=web,!tier', {app: 'web', tier: 'x'}).matches, false)
  })
})
