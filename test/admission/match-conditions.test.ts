import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {
  admissionRequestFor,
  evaluateMatchConditions,
  podObjectFromFacts,
} from '../../src/core/admission/match-conditions.js'
import type {MatchConditionVariables} from '../../src/core/admission/match-conditions.js'
import {podCreateAttributes} from '../../src/core/admission/rules.js'
import type {PodFacts} from '../../src/core/snapshot.js'

const pod: PodFacts = {
  kind: 'PodTemplate',
  namespace: 'shop',
  name: 'web-7d9f',
  generateName: 'web-7d9f-',
  labels: {app: 'web', 'sidecar.istio.io/inject': 'true'},
  annotations: {},
  hostNetwork: false,
  containers: [{name: 'web', image: 'nginx:1.27'}],
  initContainers: [],
}
const vars = (objectIsPartial = true): MatchConditionVariables => ({
  object: podObjectFromFacts(pod),
  oldObject: null,
  request: admissionRequestFor(podCreateAttributes, pod),
  objectIsPartial,
})
const when = (...expressions: string[]) => expressions.map((expression, i) => ({name: `c${i}`, expression}))

describe('matchConditions (CEL)', () => {
  const cases: {
    name: string
    expressions: string[]
    failurePolicy?: string
    outcome: string
    condition?: string
    effect?: string
  }[] = [
    {name: 'no conditions match', expressions: [], outcome: 'Match'},
    {
      name: 'all true calls the webhook',
      expressions: ["request.operation == 'CREATE'", 'oldObject == null'],
      outcome: 'Match',
    },
    {name: 'has() on a present label', expressions: ['has(object.metadata.labels.app)'], outcome: 'Match'},
    {
      name: 'has() on an absent label is false',
      expressions: ['has(object.metadata.labels.tier)'],
      outcome: 'NoMatch',
      condition: 'c0',
    },
    {
      name: 'a label value with a dotted key',
      expressions: ["object.metadata.labels['sidecar.istio.io/inject'] == 'true'"],
      outcome: 'Match',
    },
    {
      name: 'macros and string functions',
      expressions: [
        "object.spec.containers.all(c, c.image.startsWith('nginx'))",
        "object.spec.containers.exists(c, c.name.matches('^w'))",
        'size(object.spec.containers.map(c, c.name)) == 1',
        "'shop' in [request.namespace]",
      ],
      outcome: 'Match',
    },
    {
      name: 'any false skips even after an error',
      expressions: ['1 / 0 == 1', "request.namespace == 'other'"],
      outcome: 'NoMatch',
      condition: 'c1',
    },
    {
      name: 'an error under Fail rejects',
      expressions: ["request.operation == 'CREATE'", '1 / 0 == 1'],
      failurePolicy: 'Fail',
      outcome: 'Error',
      condition: 'c1',
      effect: 'Reject',
    },
    {
      name: 'an error under Ignore skips',
      expressions: ['1 / 0 == 1'],
      failurePolicy: 'Ignore',
      outcome: 'Error',
      effect: 'Skip',
    },
    {
      name: 'a non-bool result is an error',
      expressions: ['request.name'],
      outcome: 'Error',
      effect: 'Reject',
    },
    {
      name: 'the authorizer is Unknown',
      expressions: ["authorizer.group('').resource('pods').check('create').allowed()"],
      outcome: 'Unknown',
    },
    {
      name: 'request.userInfo is Unknown',
      expressions: ["request.userInfo.username == 'admin'"],
      outcome: 'Unknown',
    },
    {
      name: 'an unsupported Kubernetes function is Unknown',
      expressions: ["url('https://x').getHost() == 'x'"],
      outcome: 'Unknown',
    },
    {
      name: 'a namespaced library function is Unknown',
      expressions: ['lists.range(2).size() == 2'],
      outcome: 'Unknown',
    },
    {
      name: 'a false beats an Unknown',
      expressions: ["request.userInfo.username == 'a'", 'false'],
      outcome: 'NoMatch',
      condition: 'c1',
    },
    {
      name: 'Unknown plus error under Fail stays Unknown',
      expressions: ["request.userInfo.username == 'a'", '1 / 0 == 1'],
      outcome: 'Unknown',
    },
    {
      name: 'Unknown plus error under Ignore skips',
      expressions: ["request.userInfo.username == 'a'", '1 / 0 == 1'],
      failurePolicy: 'Ignore',
      outcome: 'Error',
      effect: 'Skip',
    },
    {
      name: 'a missing field of a rebuilt object is Unknown',
      expressions: ["object.spec.serviceAccountName == 'x'"],
      outcome: 'Unknown',
    },
  ]
  for (const c of cases) {
    it(c.name, () => {
      const result = evaluateMatchConditions(when(...c.expressions), vars(), c.failurePolicy ?? 'Fail')
      assert.equal(result.outcome, c.outcome, JSON.stringify(result))
      if (c.condition && 'condition' in result) assert.equal(result.condition, c.condition)
      if (c.effect && result.outcome === 'Error') assert.equal(result.effect, c.effect)
    })
  }

  it('names the unsupported function', () => {
    const result = evaluateMatchConditions(when("quantity('1Gi').isGreaterThan(quantity('1Mi'))"), vars())
    assert.equal(result.outcome, 'Unknown')
    assert.match(
      result.outcome === 'Unknown' ? result.why : '',
      /functions isGreaterThan\(\), quantity\(\) are not supported offline/,
    )
  })

  it('a missing field of a full object is an error', () => {
    const result = evaluateMatchConditions(when("object.spec.serviceAccountName == 'x'"), vars(false))
    assert.equal(result.outcome, 'Error')
  })

  it('a generateName pod has no name at admission time', () => {
    assert.equal(admissionRequestFor(podCreateAttributes, pod).name, '')
    const result = evaluateMatchConditions(
      when('!has(object.metadata.name)', "object.metadata.generateName == 'web-7d9f-'"),
      vars(),
    )
    assert.equal(result.outcome, 'Match')
  })
})
