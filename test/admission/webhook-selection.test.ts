import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {parse} from 'yaml'
import {isIstioInjectorWebhook, selectWebhooks} from '../../src/core/admission/webhook-selection.js'
import type {Gap, MutatingWebhookConfiguration, NamespaceFacts, PodFacts} from '../../src/core/snapshot.js'

const fixture = (file: string): MutatingWebhookConfiguration =>
  parse(readFileSync(new URL(`./fixtures/${file}`, import.meta.url), 'utf8')) as MutatingWebhookConfiguration

const defaultRevision = fixture('istio-sidecar-injector.yaml')
const defaultWithAuto = fixture('istio-sidecar-injector-auto.yaml')
const canary = fixture('istio-sidecar-injector-canary.yaml')
const tagx = fixture('istio-revision-tag-tagx.yaml')

const podWith = (
  labels: Record<string, string>,
  annotations: Record<string, string> = {},
  namespace = 'shop',
): PodFacts => ({
  kind: 'PodTemplate',
  namespace,
  name: 'web',
  labels: {app: 'web', ...labels},
  annotations,
  hostNetwork: false,
  containers: [{name: 'web', image: 'nginx'}],
  initContainers: [],
})
const namespaceWith = (labels: Record<string, string>, name = 'shop'): NamespaceFacts => ({
  name,
  labels,
  annotations: {},
})

const short = (name: string): string => name.replace('.sidecar-injector.istio.io', '')
const matching = (configs: MutatingWebhookConfiguration[], pod: PodFacts, ns: NamespaceFacts): string[] =>
  selectWebhooks(configs, pod, ns)
    .filter((e) => e.outcome === 'Match')
    .map((e) => `${e.ref.configuration}/${short(e.ref.name)}`)

// injection-semantics.md §3.5: default revision (B1, B2; B3 off) plus revision canary (A1c, A2c), plus tag tagx → canary.
describe('Istio truth table (§3.5) over the Helm-rendered webhooks', () => {
  const cluster = [canary, defaultRevision, tagx]
  const rows: {
    row: number
    name: string
    ns: Record<string, string>
    pod: Record<string, string>
    annotations?: Record<string, string>
    want: string[]
  }[] = [
    {row: 1, name: 'no labels anywhere: nothing matches', ns: {}, pod: {}, want: []},
    {
      row: 2,
      name: 'namespace istio-injection=enabled',
      ns: {'istio-injection': 'enabled'},
      pod: {},
      want: ['istio-sidecar-injector/namespace'],
    },
    {
      row: 3,
      name: 'enabled namespace, pod opts out',
      ns: {'istio-injection': 'enabled'},
      pod: {'sidecar.istio.io/inject': 'false'},
      want: [],
    },
    {
      row: 4,
      name: 'namespace label beats pod revision',
      ns: {'istio-injection': 'enabled'},
      pod: {'istio.io/rev': 'canary'},
      want: ['istio-sidecar-injector/namespace'],
    },
    {
      row: 5,
      name: 'a pod cannot override namespace disabled',
      ns: {'istio-injection': 'disabled'},
      pod: {'sidecar.istio.io/inject': 'true'},
      want: [],
    },
    {
      row: 6,
      name: 'disabled namespace, pod revision canary',
      ns: {'istio-injection': 'disabled'},
      pod: {'istio.io/rev': 'canary'},
      want: [],
    },
    {
      row: 7,
      name: 'namespace revision canary',
      ns: {'istio.io/rev': 'canary'},
      pod: {},
      want: ['istio-sidecar-injector-canary/rev.namespace'],
    },
    {
      row: 8,
      name: 'canary namespace, pod opts out',
      ns: {'istio.io/rev': 'canary'},
      pod: {'sidecar.istio.io/inject': 'false'},
      want: [],
    },
    {
      row: 9,
      name: 'namespace revision beats pod revision',
      ns: {'istio.io/rev': 'canary'},
      pod: {'istio.io/rev': 'default'},
      want: ['istio-sidecar-injector-canary/rev.namespace'],
    },
    {
      row: 10,
      name: 'legacy label beats namespace revision',
      ns: {'istio-injection': 'enabled', 'istio.io/rev': 'canary'},
      pod: {},
      want: ['istio-sidecar-injector/namespace'],
    },
    {
      row: 11,
      name: 'pod opt-in label',
      ns: {},
      pod: {'sidecar.istio.io/inject': 'true'},
      want: ['istio-sidecar-injector/object'],
    },
    {
      row: 12,
      name: 'pod revision canary',
      ns: {},
      pod: {'istio.io/rev': 'canary'},
      want: ['istio-sidecar-injector-canary/rev.object'],
    },
    {
      row: 13,
      name: 'pod revision beats pod opt-in',
      ns: {},
      pod: {'sidecar.istio.io/inject': 'true', 'istio.io/rev': 'canary'},
      want: ['istio-sidecar-injector-canary/rev.object'],
    },
    {
      row: 14,
      name: 'pod revision default',
      ns: {},
      pod: {'istio.io/rev': 'default'},
      want: ['istio-sidecar-injector/rev.object'],
    },
    {
      row: 15,
      name: 'namespace revision default',
      ns: {'istio.io/rev': 'default'},
      pod: {},
      want: ['istio-sidecar-injector/rev.namespace'],
    },
    {
      row: 16,
      name: 'opt-in is exact: True does not match',
      ns: {},
      pod: {'sidecar.istio.io/inject': 'True'},
      want: [],
    },
    {
      row: 16,
      name: 'opt-in is exact: yes does not match',
      ns: {},
      pod: {'sidecar.istio.io/inject': 'yes'},
      want: [],
    },
    {
      row: 17,
      name: 'opt-out is exact: False still matches',
      ns: {'istio-injection': 'enabled'},
      pod: {'sidecar.istio.io/inject': 'False'},
      want: ['istio-sidecar-injector/namespace'],
    },
    {
      row: 17,
      name: 'opt-out is exact: no still matches',
      ns: {'istio-injection': 'enabled'},
      pod: {'sidecar.istio.io/inject': 'no'},
      want: ['istio-sidecar-injector/namespace'],
    },
    {
      row: 18,
      name: 'annotation-only opt-in is invisible',
      ns: {},
      pod: {},
      annotations: {'sidecar.istio.io/inject': 'true'},
      want: [],
    },
    {
      row: 19,
      name: 'annotation-only opt-out is invisible',
      ns: {'istio-injection': 'enabled'},
      pod: {},
      annotations: {'sidecar.istio.io/inject': 'false'},
      want: ['istio-sidecar-injector/namespace'],
    },
    {
      row: 20,
      name: 'namespace tag tagx',
      ns: {'istio.io/rev': 'tagx'},
      pod: {},
      want: ['istio-revision-tag-tagx/rev.namespace'],
    },
    {row: 21, name: 'namespace revision typo', ns: {'istio.io/rev': 'canry'}, pod: {}, want: []},
  ]
  for (const r of rows) {
    it(`row ${r.row}: ${r.name}`, () => {
      assert.deepEqual(matching(cluster, podWith(r.pod, r.annotations), namespaceWith(r.ns)), r.want)
    })
  }

  it('row 1 with enableNamespacesByDefault: auto matches via kubernetes.io/metadata.name', () => {
    assert.deepEqual(matching([defaultWithAuto], podWith({}), namespaceWith({})), [
      'istio-sidecar-injector/auto',
    ])
  })
  it('auto never matches kube-system (automatic metadata.name label)', () => {
    assert.deepEqual(
      matching([defaultWithAuto], podWith({}, {}, 'kube-system'), namespaceWith({}, 'kube-system')),
      [],
    )
  })
})

describe('istioctl check-inject expectations (§5.1), as webhook matches', () => {
  const rev16 = {
    ...canary,
    metadata: {...canary.metadata, name: 'istio-sidecar-injector-1-16'},
    webhooks: fixture('istio-sidecar-injector-canary.yaml').webhooks?.map((w) => ({
      ...w,
      namespaceSelector: JSON.parse(JSON.stringify(w.namespaceSelector).replace('"canary"', '"1-16"')),
      objectSelector: JSON.parse(JSON.stringify(w.objectSelector).replace('"canary"', '"1-16"')),
    })),
  } as MutatingWebhookConfiguration
  const cluster = [defaultRevision, rev16]
  const cases: {name: string; ns: Record<string, string>; pod: Record<string, string>; want: string[]}[] = [
    {name: 'no labels', ns: {}, pod: {}, want: []},
    {
      name: 'ns istio-injection=enabled',
      ns: {'istio-injection': 'enabled'},
      pod: {},
      want: ['istio-sidecar-injector/namespace'],
    },
    {
      name: 'ns istio.io/rev=1-16',
      ns: {'istio.io/rev': '1-16'},
      pod: {},
      want: ['istio-sidecar-injector-1-16/rev.namespace'],
    },
    {
      name: 'pod istio.io/rev=1-16',
      ns: {},
      pod: {'istio.io/rev': '1-16'},
      want: ['istio-sidecar-injector-1-16/rev.object'],
    },
    {
      name: 'pod sidecar.istio.io/inject=true',
      ns: {},
      pod: {'sidecar.istio.io/inject': 'true'},
      want: ['istio-sidecar-injector/object'],
    },
    {
      name: 'both default labels',
      ns: {'istio-injection': 'enabled'},
      pod: {'sidecar.istio.io/inject': 'true'},
      want: ['istio-sidecar-injector/namespace'],
    },
    {
      name: 'ns disabled + pod rev 1-16',
      ns: {'istio-injection': 'disabled'},
      pod: {'istio.io/rev': '1-16'},
      want: [],
    },
    {
      name: 'ns enabled + pod rev 1-16',
      ns: {'istio-injection': 'enabled'},
      pod: {'istio.io/rev': '1-16'},
      want: ['istio-sidecar-injector/namespace'],
    },
    {
      name: 'ns enabled + pod inject=false',
      ns: {'istio-injection': 'enabled'},
      pod: {'sidecar.istio.io/inject': 'false'},
      want: [],
    },
    {
      name: 'ns rev 1-16 + pod inject=false',
      ns: {'istio.io/rev': '1-16'},
      pod: {'sidecar.istio.io/inject': 'false'},
      want: [],
    },
  ]
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(matching(cluster, podWith(c.pod), namespaceWith(c.ns)), c.want))
  }
  it('a deactivated (never-match) configuration matches nothing', () => {
    const never = {matchLabels: {'istio.io/deactivated': 'never-match'}}
    const deactivated = {
      ...defaultRevision,
      webhooks: defaultRevision.webhooks?.map((w) => ({
        ...w,
        namespaceSelector: never,
        objectSelector: never,
      })),
    }
    assert.deepEqual(
      matching(
        [deactivated],
        podWith({'sidecar.istio.io/inject': 'true'}),
        namespaceWith({'istio-injection': 'enabled'}),
      ),
      [],
    )
  })
})

describe('API-server order and checks', () => {
  it('sorts configurations by name and keeps webhook list order', () => {
    const order = selectWebhooks([defaultRevision, tagx, canary], podWith({}), namespaceWith({})).map(
      (e) => `${e.ref.configuration}/${short(e.ref.name)}`,
    )
    assert.deepEqual(order, [
      'istio-revision-tag-tagx/rev.namespace',
      'istio-revision-tag-tagx/rev.object',
      'istio-sidecar-injector/rev.namespace',
      'istio-sidecar-injector/rev.object',
      'istio-sidecar-injector/namespace',
      'istio-sidecar-injector/object',
      'istio-sidecar-injector-canary/rev.namespace',
      'istio-sidecar-injector-canary/rev.object',
    ])
  })

  it('stops at the namespaceSelector mismatch with every term and actual value', () => {
    const [first] = selectWebhooks(
      [defaultRevision],
      podWith({}),
      namespaceWith({'istio-injection': 'disabled'}),
    )
    assert.equal(first?.outcome, 'NoMatch')
    assert.deepEqual(
      first?.checks.map((c) => c.code),
      ['NamespaceSelectorMismatch'],
    )
    assert.equal(
      first?.checks[0]?.subject,
      'istio-sidecar-injector/rev.namespace.sidecar-injector.istio.io namespaceSelector',
    )
    assert.match(
      first?.checks[0]?.detail ?? '',
      /istio\.io\/rev In \[default\]: istio\.io\/rev absent ✗; istio-injection DoesNotExist: istio-injection=disabled ✗/,
    )
  })

  it('a matching webhook passes all three checks with defaults filled in', () => {
    const hit = selectWebhooks(
      [defaultRevision],
      podWith({}),
      namespaceWith({'istio-injection': 'enabled'}),
    ).find((e) => e.outcome === 'Match')
    assert.deepEqual(
      hit?.checks.map((c) => c.code),
      ['NamespaceSelectorMatch', 'ObjectSelectorMatch', 'RulesMatch'],
    )
    assert.equal(hit?.istio, true)
    assert.deepEqual(
      [hit?.failurePolicy, hit?.reinvocationPolicy, hit?.timeoutSeconds, hit?.sideEffects],
      ['Fail', 'Never', 10, 'None'],
    )
  })

  const other = (webhook: Record<string, unknown>): MutatingWebhookConfiguration => ({
    metadata: {name: 'other'},
    webhooks: [
      {
        name: 'x.example.com',
        clientConfig: {url: 'https://x'},
        rules: [{operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods']}],
        ...webhook,
      },
    ],
  })

  const namespaceGap = (reason: 'NotFound' | 'Forbidden'): Gap => ({
    resource: 'namespaces',
    name: 'shop',
    reason,
    ...(reason === 'Forbidden' ? {verb: 'get'} : {}),
    message: reason === 'Forbidden' ? 'forbidden' : 'not found',
  })

  it('a missing namespace with an empty selector matches without lookup', () => {
    const [e] = selectWebhooks([other({})], podWith({}), undefined)
    assert.equal(e?.outcome, 'Match')
    assert.equal(e?.failurePolicy, 'Fail')
    assert.equal(e?.istio, false)
  })

  // The API server stores an omitted namespaceSelector as {}: it selects every namespace without reading one.
  const emptySelectors: {name: string; selector: Record<string, unknown>}[] = [
    {name: 'namespaceSelector: {}', selector: {}},
    {name: 'namespaceSelector: {matchLabels: {}}', selector: {matchLabels: {}}},
    {name: 'namespaceSelector: {matchExpressions: []}', selector: {matchExpressions: []}},
  ]
  const namespaceStates: {name: string; gap?: Gap}[] = [
    {name: 'no namespace object and no gap'},
    {name: 'the namespace was not found', gap: namespaceGap('NotFound')},
    {name: 'the namespace is unreadable', gap: namespaceGap('Forbidden')},
  ]
  for (const empty of emptySelectors) {
    for (const state of namespaceStates) {
      it(`${empty.name} with ${state.name}: selected without the namespace`, () => {
        const [e] = selectWebhooks(
          [other({namespaceSelector: empty.selector})],
          podWith({}),
          undefined,
          state.gap === undefined ? {} : {namespaceGap: state.gap},
        )
        assert.equal(e?.outcome, 'Match')
        assert.deepEqual(
          e?.checks.map((c) => [c.code, c.result]),
          [
            ['NamespaceSelectorMatch', 'Pass'],
            ['ObjectSelectorMatch', 'Pass'],
            ['RulesMatch', 'Pass'],
          ],
        )
      })
    }
  }

  it('a forbidden namespace makes a selective webhook Unknown and names the permission', () => {
    const [e] = selectWebhooks([defaultRevision], podWith({}), undefined, {
      namespaceGap: {
        resource: 'namespaces',
        name: 'shop',
        reason: 'Forbidden',
        verb: 'get',
        message: 'forbidden',
      },
    })
    assert.equal(e?.outcome, 'Unknown')
    assert.equal(e?.checks[0]?.code, 'NamespaceUnreadable')
    assert.match(e?.checks[0]?.detail ?? '', /get namespaces/)
  })

  it('a namespace error is moot when the objectSelector already skips', () => {
    const [e] = selectWebhooks([defaultRevision], podWith({'sidecar.istio.io/inject': 'false'}), undefined, {
      namespaceGap: {resource: 'namespaces', name: 'shop', reason: 'NotFound', message: 'not found'},
    })
    assert.equal(e?.outcome, 'NoMatch')
    assert.deepEqual(
      e?.checks.map((c) => [c.code, c.result]),
      [
        ['NamespaceNotFound', 'Info'],
        ['ObjectSelectorMismatch', 'Fail'],
      ],
    )
  })

  it('an invalid selector rejects the request only when the rules match', () => {
    const bad = {objectSelector: {matchExpressions: [{key: 'a', operator: 'Equals', values: ['b']}]}}
    assert.equal(selectWebhooks([other(bad)], podWith({}), namespaceWith({}))[0]?.outcome, 'Reject')
    const noRules = {
      ...bad,
      rules: [{operations: ['DELETE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods']}],
    }
    assert.equal(selectWebhooks([other(noRules)], podWith({}), namespaceWith({}))[0]?.outcome, 'NoMatch')
  })

  it('matchConditions decide after the rules: false, error under Fail and Ignore, authorizer', () => {
    const run = (expression: string, failurePolicy?: string) =>
      selectWebhooks(
        [other({matchConditions: [{name: 'cond', expression}], ...(failurePolicy ? {failurePolicy} : {})})],
        podWith({}),
        namespaceWith({}),
      )[0]
    assert.equal(run("object.metadata.labels.app == 'web'")?.outcome, 'Match')
    assert.equal(run("object.metadata.labels.app == 'db'")?.outcome, 'NoMatch')
    assert.equal(run('1 / 0 == 1')?.outcome, 'Reject')
    assert.equal(run('1 / 0 == 1', 'Ignore')?.outcome, 'NoMatch')
    const unknown = run("authorizer.group('').resource('pods').check('create').allowed()")
    assert.equal(unknown?.outcome, 'Unknown')
    assert.equal(unknown?.checks.at(-1)?.code, 'MatchConditionUnevaluable')
    assert.match(unknown?.checks.at(-1)?.detail ?? '', /rebuilt from pod facts/)
  })

  it('recognises Istio injector webhooks by name suffix or istio.io/rev label', () => {
    const hook = {name: 'x.example.com', clientConfig: {}}
    assert.equal(isIstioInjectorWebhook({metadata: {name: 'a'}}, hook), false)
    assert.equal(isIstioInjectorWebhook({metadata: {name: 'a', labels: {'istio.io/rev': 'x'}}}, hook), true)
    assert.equal(
      isIstioInjectorWebhook({metadata: {name: 'a'}}, {...hook, name: 'object.sidecar-injector.istio.io'}),
      true,
    )
  })
})
