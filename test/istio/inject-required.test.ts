// istiod's injectRequired oracle: the cases of istio/istio pkg/kube/inject/webhook_test.go TestInjectRequired,
// restated as data, each run under both value semantics (≤1.26 and ≥1.27) where they differ.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import type {InjectorConfig} from '../../src/core/istio/injector-config.js'
import {evaluateInjectionPolicy} from '../../src/core/istio/injection-policy.js'
import {parseIstioVersion} from '../../src/core/istio/istio-version.js'
import type {LabelSelector} from '../../src/core/snapshot.js'
import {pod} from './fixtures/load.js'

const exists = (key: string): LabelSelector => ({matchExpressions: [{key, operator: 'Exists'}]})
const labelsAre = (matchLabels: Record<string, string>): LabelSelector => ({matchLabels})

const config = (
  policy: string,
  never: LabelSelector[] = [],
  always: LabelSelector[] = [],
): InjectorConfig => ({
  source: {namespace: 'istio-system', name: 'istio-sidecar-injector'},
  policy,
  defaultTemplates: ['sidecar'],
  templates: ['sidecar'],
  aliases: {},
  neverInjectSelector: never,
  alwaysInjectSelector: always,
  injectedAnnotations: {},
})

interface Case {
  name: string
  config: InjectorConfig
  hostNetwork?: boolean
  labels?: Record<string, string>
  annotations?: Record<string, string>
  /** istiod ≥1.27 answer (upstream HEAD `want`). */
  want: boolean
  /** istiod ≤1.26 answer when it differs. */
  want126?: boolean
}

const inject = 'sidecar.istio.io/inject'
const cases: Case[] = [
  {
    name: 'no value, policy enabled, empty annotations',
    config: config('enabled'),
    annotations: {},
    want: true,
  },
  {name: 'no value, policy enabled, no annotations', config: config('enabled'), want: true},
  {
    name: 'annotation true, policy enabled',
    config: config('enabled'),
    annotations: {[inject]: 'true'},
    want: true,
  },
  {
    name: 'annotation false, policy enabled',
    config: config('enabled'),
    annotations: {[inject]: 'false'},
    want: false,
  },
  {
    name: 'no value, policy disabled, empty annotations',
    config: config('disabled'),
    annotations: {},
    want: false,
  },
  {name: 'no value, policy disabled, no annotations', config: config('disabled'), want: false},
  {
    name: 'annotation true, policy disabled',
    config: config('disabled'),
    annotations: {[inject]: 'true'},
    want: true,
  },
  {
    name: 'annotation false, policy disabled',
    config: config('disabled'),
    annotations: {[inject]: 'false'},
    want: false,
  },
  {
    name: 'annotation "yes", policy enabled',
    config: config('enabled'),
    annotations: {[inject]: 'yes'},
    want: true,
  },
  {
    name: 'annotation "on", policy disabled (≤1.26 read it as true)',
    config: config('disabled'),
    annotations: {[inject]: 'on'},
    want: false,
    want126: true,
  },
  {
    name: 'label "random", policy enabled (≤1.26 read it as false)',
    config: config('enabled'),
    labels: {[inject]: 'random'},
    want: true,
    want126: false,
  },
  {
    name: 'hostNetwork pod, policy enabled',
    config: config('enabled'),
    hostNetwork: true,
    annotations: {},
    want: false,
  },
  {name: 'policy "wrong_policy"', config: config('wrong_policy'), annotations: {}, want: false},
  {
    name: 'policy enabled, alwaysInject foo=bar, no labels',
    config: config('enabled', [], [labelsAre({foo: 'bar'})]),
    want: true,
  },
  {
    name: 'policy enabled, alwaysInject foo=bar, labels foo=bar1',
    config: config('enabled', [], [labelsAre({foo: 'bar'})]),
    labels: {foo: 'bar1'},
    want: true,
  },
  {
    name: 'policy disabled, alwaysInject foo=bar, no labels',
    config: config('disabled', [], [labelsAre({foo: 'bar'})]),
    want: false,
  },
  {
    name: 'policy disabled, alwaysInject foo=bar, labels foo=bar',
    config: config('disabled', [], [labelsAre({foo: 'bar'})]),
    labels: {foo: 'bar'},
    want: true,
  },
  {
    name: 'policy enabled, neverInject foo=bar, no labels',
    config: config('enabled', [labelsAre({foo: 'bar'})]),
    want: true,
  },
  {
    name: 'policy enabled, neverInject foo=bar, labels foo=bar',
    config: config('enabled', [labelsAre({foo: 'bar'})]),
    labels: {foo: 'bar'},
    want: false,
  },
  {
    name: 'policy disabled, neverInject foo=bar, no labels',
    config: config('disabled', [labelsAre({foo: 'bar'})]),
    want: false,
  },
  {
    name: 'policy disabled, neverInject foo=bar, labels foo=bar',
    config: config('disabled', [labelsAre({foo: 'bar'})]),
    labels: {foo: 'bar'},
    want: false,
  },
  {
    name: 'policy enabled, neverInject "foo" exists, label foo=""',
    config: config('enabled', [exists('foo')]),
    labels: {foo: '', foo2: 'bar2'},
    want: false,
  },
  {
    name: 'policy disabled, alwaysInject "foo" exists, label foo=""',
    config: config('disabled', [], [exists('foo')]),
    labels: {foo: '', foo2: 'bar2'},
    want: true,
  },
  {
    name: 'policy disabled, always/never selectors, label always',
    config: config('disabled', [exists('never')], [exists('always')]),
    labels: {always: 'bar', foo2: 'bar2'},
    want: true,
  },
  {
    name: 'policy disabled, always/never selectors, label never',
    config: config('disabled', [exists('never')], [exists('always')]),
    labels: {never: 'bar', foo2: 'bar2'},
    want: false,
  },
  {
    name: 'policy disabled, always/never selectors, both labels: never wins',
    config: config('disabled', [exists('never')], [exists('always')]),
    labels: {always: 'bar', never: 'bar2'},
    want: false,
  },
  {
    name: 'policy enabled, annotation true beats a matching neverInject',
    config: config('enabled', [exists('foo')]),
    annotations: {[inject]: 'true'},
    labels: {foo: '', foo2: 'bar2'},
    want: true,
  },
  {
    name: 'policy enabled, annotation false beats a matching alwaysInject',
    config: config('enabled', [], [exists('foo')]),
    annotations: {[inject]: 'false'},
    labels: {foo: '', foo2: 'bar2'},
    want: false,
  },
  {
    name: 'policy disabled, annotation false beats a matching alwaysInject',
    config: config('disabled', [], [exists('foo')]),
    annotations: {[inject]: 'false'},
    labels: {foo: '', foo2: 'bar2'},
    want: false,
  },
  {
    name: 'policy enabled, second of two neverInject selectors matches',
    config: config('enabled', [exists('foo'), exists('bar')]),
    labels: {label1: '', bar: 'anything'},
    want: false,
  },
  {
    name: 'policy disabled, second of two alwaysInject selectors matches',
    config: config('disabled', [], [exists('foo'), exists('bar')]),
    labels: {label1: '', bar: 'anything'},
    want: true,
  },
  {
    name: 'policy disabled, annotation true beats a matching neverInject',
    config: config('disabled', [exists('foo')]),
    annotations: {[inject]: 'true'},
    labels: {foo: '', foo2: 'bar2'},
    want: true,
  },
  {name: 'policy disabled, label true', config: config('disabled'), labels: {[inject]: 'true'}, want: true},
  {
    name: 'policy disabled, label and annotation true',
    config: config('disabled'),
    annotations: {[inject]: 'true'},
    labels: {[inject]: 'true'},
    want: true,
  },
  {
    name: 'policy disabled, label true beats annotation false',
    config: config('disabled'),
    annotations: {[inject]: 'false'},
    labels: {[inject]: 'true'},
    want: true,
  },
  {
    name: 'policy disabled, label false beats annotation true',
    config: config('disabled'),
    annotations: {[inject]: 'true'},
    labels: {[inject]: 'false'},
    want: false,
  },
  // Beyond the upstream table: consequences stated in inject.go that the oracle does not pin.
  {
    name: 'empty label value wins over annotation false: the default policy decides',
    config: config('enabled'),
    annotations: {[inject]: 'false'},
    labels: {[inject]: ''},
    want: true,
  },
  {
    name: 'an empty {} neverInjectSelector matches nothing in istiod',
    config: config('enabled', [{}]),
    labels: {app: 'web'},
    want: true,
  },
  {
    name: 'an unparseable neverInjectSelector is skipped',
    config: config('enabled', [{matchExpressions: [{key: 'app', operator: 'Equals', values: ['web']}]}]),
    labels: {app: 'web'},
    want: true,
  },
  {
    name: 'policy "wrong_policy" disables even an explicit label true',
    config: config('wrong_policy'),
    labels: {[inject]: 'true'},
    want: false,
  },
  {
    name: 'label "True" (capitalised), policy disabled',
    config: config('disabled'),
    labels: {[inject]: 'True'},
    want: false,
    want126: true,
  },
]

const versions = {'≥1.27': parseIstioVersion('1.27.0'), '≤1.26': parseIstioVersion('1.26.8')} as const

describe('injectRequired oracle (istio webhook_test.go TestInjectRequired)', () => {
  for (const c of cases) {
    for (const [semantics, version] of Object.entries(versions)) {
      const want = semantics === '≤1.26' ? (c.want126 ?? c.want) : c.want
      it(`${c.name} [${semantics}] → ${want ? 'inject' : 'skip'}`, () => {
        const p = pod({
          hostNetwork: c.hostNetwork ?? false,
          labels: c.labels ?? {},
          annotations: c.annotations ?? {},
        })
        const result = evaluateInjectionPolicy(p, c.config, version ? {version} : {})
        assert.equal(result.decision, want ? 'Inject' : 'Skip', JSON.stringify(result.checks, null, 1))
      })
    }
  }
})

describe('injectRequired: reasons, ignored namespaces and unknown versions', () => {
  const scenarios: {name: string; p: Parameters<typeof pod>[0]; cfg: InjectorConfig; reason: string}[] = [
    {
      name: 'hostNetwork decides first',
      p: {hostNetwork: true, labels: {[inject]: 'true'}},
      cfg: config('enabled'),
      reason: 'HostNetwork',
    },
    {
      // istio: pkg/kube/inject/inject.go injectRequired tests HostNetwork before the ignored namespaces
      name: 'a hostNetwork pod in kube-system: hostNetwork is checked before the ignored namespaces',
      p: {namespace: 'kube-system', hostNetwork: true, labels: {[inject]: 'true'}},
      cfg: config('enabled'),
      reason: 'HostNetwork',
    },
    {
      name: 'kube-system is ignored',
      p: {namespace: 'kube-system', labels: {[inject]: 'true'}},
      cfg: config('enabled'),
      reason: 'IgnoredNamespace',
    },
    {
      name: 'local-path-storage is ignored',
      p: {namespace: 'local-path-storage'},
      cfg: config('enabled'),
      reason: 'IgnoredNamespace',
    },
    {
      name: 'istio-system is not ignored',
      p: {namespace: 'istio-system'},
      cfg: config('enabled'),
      reason: 'PolicyEnabled',
    },
    {
      name: 'label false',
      p: {labels: {[inject]: 'false'}},
      cfg: config('enabled'),
      reason: 'InjectLabelFalse',
    },
    {
      name: 'annotation true under policy disabled',
      p: {annotations: {[inject]: 'true'}},
      cfg: config('disabled'),
      reason: 'InjectAnnotationTrue',
    },
    {
      name: 'neverInjectSelector match',
      p: {labels: {foo: 'bar'}},
      cfg: config('enabled', [labelsAre({foo: 'bar'})]),
      reason: 'NeverInjectSelector',
    },
    {
      name: 'alwaysInjectSelector match',
      p: {labels: {foo: 'bar'}},
      cfg: config('disabled', [], [labelsAre({foo: 'bar'})]),
      reason: 'AlwaysInjectSelector',
    },
    {name: 'illegal policy', p: {labels: {[inject]: 'true'}}, cfg: config(''), reason: 'PolicyInvalid'},
  ]
  for (const s of scenarios) {
    it(`${s.name} → ${s.reason}`, () => {
      const result = evaluateInjectionPolicy(pod(s.p), s.cfg, {version: parseIstioVersion('1.28.0')})
      assert.equal(result.reason, s.reason)
      assert.ok(result.checks.every((c) => c.stage === 'Policy'))
    })
  }

  it('an invalid value on ≥1.27 is flagged and falls back to the policy', () => {
    const result = evaluateInjectionPolicy(pod({labels: {[inject]: 'yes'}}), config('enabled'), {
      version: parseIstioVersion('1.28.0'),
    })
    assert.equal(result.decision, 'Inject')
    assert.equal(result.reason, 'PolicyEnabled')
    assert.ok(result.checks.some((c) => c.code === 'InjectValueInvalid'))
  })

  it('an unknown version assumes ≥1.27 parsing and says so', () => {
    const result = evaluateInjectionPolicy(pod({labels: {[inject]: 'no'}}), config('enabled'))
    assert.equal(result.decision, 'Inject')
    assert.ok(result.checks.some((c) => c.code === 'IstioVersionAssumed'))
  })

  it('without the injector config an explicit opt-out still decides Skip', () => {
    const result = evaluateInjectionPolicy(pod({labels: {[inject]: 'false'}}), undefined, {
      configGap: 'forbidden',
    })
    assert.equal(result.decision, 'Skip')
    assert.equal(result.reason, 'InjectLabelFalse')
  })

  it('without the injector config an explicit true is Unknown (policy could be illegal)', () => {
    const result = evaluateInjectionPolicy(pod({labels: {[inject]: 'true'}}), undefined, {
      configGap: 'configmaps "istio-sidecar-injector" is forbidden',
    })
    assert.equal(result.decision, 'Unknown')
    assert.equal(result.reason, 'InjectorConfigMissing')
    const last = result.checks.at(-1)
    assert.equal(last?.result, 'Unknown')
    assert.match(last?.detail ?? '', /forbidden/)
  })

  it('without the injector config hostNetwork still decides Skip', () => {
    const result = evaluateInjectionPolicy(pod({hostNetwork: true}), undefined, {configGap: 'missing'})
    assert.equal(result.decision, 'Skip')
  })

  it('an invalid config is reported with its own code', () => {
    const result = evaluateInjectionPolicy(pod(), undefined, {
      configGap: 'bad yaml',
      configGapCode: 'InjectorConfigInvalid',
    })
    assert.equal(result.reason, 'InjectorConfigInvalid')
  })
})
