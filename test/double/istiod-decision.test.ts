// The injector double's istiod decision (layer 2 of the real-cluster prediction suite) against the cases of
// istio pkg/kube/inject/webhook_test.go TestInjectRequired and the ≤1.26 / ≥1.27 value parsing.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {istiodConfigFromConfigMap, istiodDecision} from '../apiserver-double/istiod-decision.js'
import type {IstiodInjectorConfig} from '../apiserver-double/istiod-decision.js'
import {fixtureObjects} from '../real-cluster/fixture-install.js'

const base = (parsing: IstiodInjectorConfig['parsing'], policy = 'enabled'): IstiodInjectorConfig => ({
  revision: 'default',
  policy,
  parsing,
  neverInjectSelector: [{matchExpressions: [{key: 'openshift.io/build.name', operator: 'Exists'}]}, {}],
  alwaysInjectSelector: [{matchLabels: {mesh: 'always'}}, {}],
})

const pod = (
  labels: Record<string, string> = {},
  annotations: Record<string, string> = {},
  hostNetwork = false,
) => ({
  metadata: {labels, annotations},
  spec: {hostNetwork, containers: [{name: 'app'}]},
})

const inject = 'sidecar.istio.io/inject'

describe('the injector double decides like istiod injectRequired', () => {
  const cases: [string, ReturnType<typeof pod>, string, IstiodInjectorConfig, boolean][] = [
    ['a plain pod under policy enabled', pod(), 'shop', base('strict-1.27'), true],
    ['a plain pod under policy disabled', pod(), 'shop', base('strict-1.27', 'disabled'), false],
    [
      'hostNetwork wins over inject=true',
      pod({[inject]: 'true'}, {}, true),
      'shop',
      base('strict-1.27'),
      false,
    ],
    ['kube-system is ignored', pod({[inject]: 'true'}), 'kube-system', base('strict-1.27'), false],
    ['local-path-storage is ignored', pod(), 'local-path-storage', base('strict-1.27'), false],
    ['istio-system is not ignored', pod(), 'istio-system', base('strict-1.27'), true],
    [
      'label inject=yes is invalid on 1.27: policy disabled decides',
      pod({[inject]: 'yes'}),
      'shop',
      base('strict-1.27', 'disabled'),
      false,
    ],
    [
      'label inject=yes means yes on 1.26',
      pod({[inject]: 'yes'}),
      'shop',
      base('lenient-1.26', 'disabled'),
      true,
    ],
    ['label inject=maybe means no on 1.26', pod({[inject]: 'maybe'}), 'shop', base('lenient-1.26'), false],
    [
      'label inject=maybe falls back to policy enabled on 1.27',
      pod({[inject]: 'maybe'}),
      'shop',
      base('strict-1.27'),
      true,
    ],
    [
      'label "" beats annotation false',
      pod({[inject]: ''}, {[inject]: 'false'}),
      'shop',
      base('strict-1.27'),
      true,
    ],
    ['annotation false without a label', pod({}, {[inject]: 'false'}), 'shop', base('strict-1.27'), false],
    [
      'inject=true under policy disabled',
      pod({[inject]: 'true'}),
      'shop',
      base('strict-1.27', 'disabled'),
      true,
    ],
    [
      'neverInjectSelector under policy enabled',
      pod({'openshift.io/build.name': 'b'}),
      'shop',
      base('strict-1.27'),
      false,
    ],
    [
      'alwaysInjectSelector under policy disabled',
      pod({mesh: 'always'}),
      'shop',
      base('strict-1.27', 'disabled'),
      true,
    ],
    [
      'never wins over always',
      pod({mesh: 'always', 'openshift.io/build.name': 'b'}),
      'shop',
      base('strict-1.27', 'disabled'),
      false,
    ],
    [
      'an explicit value skips the selectors',
      pod({mesh: 'always', [inject]: 'false'}),
      'shop',
      base('strict-1.27'),
      false,
    ],
    [
      'an illegal policy disables even inject=true',
      pod({[inject]: 'true'}),
      'shop',
      base('strict-1.27', 'off'),
      false,
    ],
  ]
  for (const [name, p, namespace, config, want] of cases)
    it(name, () => assert.equal(istiodDecision(p, namespace, config).inject, want))

  it('reads policy, selectors and the version from the fixtures’ injector ConfigMaps', () => {
    const configMap = (fixture: string) =>
      fixtureObjects(fixture).find(
        (o) => o.kind === 'ConfigMap' && o.metadata.name === 'istio-sidecar-injector',
      )!
    const disabled = istiodConfigFromConfigMap(configMap('policy-disabled'), 'default')
    assert.equal(disabled.policy, 'disabled')
    assert.equal(disabled.neverInjectSelector.length, 3)
    assert.equal(istiodConfigFromConfigMap(configMap('default-1.26'), 'default').parsing, 'lenient-1.26')
    assert.equal(istiodConfigFromConfigMap(configMap('default-1.28'), 'default').parsing, 'strict-1.27')
  })
})
