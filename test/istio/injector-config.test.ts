// The injector ConfigMap as Istio's chart renders it, template selection, proxy image, and version parsing.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {
  expectedProxyImage,
  findInjectorConfigMap,
  loadInjectorConfig,
  parseInjectorConfig,
  type InjectorConfig,
} from '../../src/core/istio/injector-config.js'
import {
  evaluateInjectionPolicy,
  readInjectValue,
  selectTemplates,
} from '../../src/core/istio/injection-policy.js'
import {
  injectValueSemantics,
  parseIstioVersion,
  versionOfRevision,
} from '../../src/core/istio/istio-version.js'
import {emptySnapshot, type ConfigMapFacts} from '../../src/core/snapshot.js'
import {configMapFixture, pod} from './fixtures/load.js'

const parsed = (cm: ConfigMapFacts): InjectorConfig => {
  const result = parseInjectorConfig(cm)
  if ('error' in result) throw new Error(result.error)
  return result.config
}

const snapshot = (configMaps: ConfigMapFacts[], gaps: ReturnType<typeof emptySnapshot>['gaps'] = []) => ({
  ...emptySnapshot({kind: 'files', paths: []}),
  configMaps,
  gaps,
})

describe('parseInjectorConfig over chart-rendered ConfigMaps', () => {
  it('default revision 1.28: policy, default templates, chart templates, values', () => {
    const c = parsed(configMapFixture('injector-1.28.yaml'))
    assert.equal(c.policy, 'enabled')
    assert.deepEqual(c.defaultTemplates, ['sidecar'])
    assert.deepEqual(c.templates, [
      'gateway',
      'grpc-agent',
      'grpc-simple',
      'kube-gateway',
      'sidecar',
      'waypoint',
    ])
    assert.deepEqual(c.neverInjectSelector, [])
    assert.equal(c.values?.tag, '1.28.0')
    assert.equal(c.values?.hub, 'docker.io/istio')
    assert.equal(c.values?.proxyImage, 'proxyv2')
    assert.equal(c.values?.enableNamespacesByDefault, false)
    assert.equal(c.values?.istioNamespace, 'istio-system')
  })

  it('revision canary carries its revision in values', () => {
    const c = parsed(configMapFixture('injector-canary.yaml'))
    assert.equal(c.values?.revision, 'canary')
    assert.equal(c.source.name, 'istio-sidecar-injector-canary')
  })

  it('policy disabled with never/always selectors keeps them in order', () => {
    const c = parsed(configMapFixture('injector-policy-disabled.yaml'))
    assert.equal(c.policy, 'disabled')
    assert.equal(c.neverInjectSelector.length, 3)
    assert.equal(c.neverInjectSelector[0]?.matchExpressions?.[0]?.key, 'openshift.io/build.name')
    assert.deepEqual(c.alwaysInjectSelector, [{matchLabels: {mesh: 'always'}}, {}])
  })

  it('empty defaultTemplates becomes [sidecar] (UnmarshalConfig)', () => {
    const c = parsed({
      namespace: 'istio-system',
      name: 'istio-sidecar-injector',
      labels: {},
      data: {config: 'policy: enabled\ndefaultTemplates: []\n', values: '{}'},
    })
    assert.deepEqual(c.defaultTemplates, ['sidecar'])
    assert.equal(c.valuesError, undefined)
  })

  const broken: [string, string][] = [
    ['YAML syntax error', 'policy: [enabled'],
    ['matchLabels value that is not a string', 'neverInjectSelector:\n- matchLabels:\n    foo: yes\n'],
    ['templates that is a list', 'templates:\n- sidecar\n'],
  ]
  for (const [name, config] of broken) {
    it(`reports an error for ${name}`, () => {
      const result = parseInjectorConfig({
        namespace: 'istio-system',
        name: 'istio-sidecar-injector',
        labels: {},
        data: {config},
      })
      assert.ok('error' in result, JSON.stringify(result))
    })
  }

  it('reports a ConfigMap without data.config', () => {
    assert.ok(
      'error' in parseInjectorConfig({namespace: 'x', name: 'istio-sidecar-injector', labels: {}, data: {}}),
    )
  })
})

describe('policy from a chart-rendered ConfigMap (1.27.3, policy disabled)', () => {
  const c = parsed(configMapFixture('injector-policy-disabled.yaml'))
  const version = parseIstioVersion(c.values?.tag)
  const rows: [string, Record<string, string>, string, string][] = [
    ['an unlabelled pod is skipped by the policy', {}, 'Skip', 'PolicyDisabled'],
    ['the alwaysInjectSelector mesh=always injects', {mesh: 'always'}, 'Inject', 'AlwaysInjectSelector'],
    [
      'an OpenShift build pod is never injected',
      {'openshift.io/build.name': 'b-1', mesh: 'always'},
      'Skip',
      'NeverInjectSelector',
    ],
    ['the invalid Equals selector is skipped, not matched', {app: 'broken'}, 'Skip', 'PolicyDisabled'],
  ]
  for (const [name, labels, decision, reason] of rows) {
    it(name, () => {
      const r = evaluateInjectionPolicy(pod({labels}), c, version ? {version} : {})
      assert.equal(r.decision, decision)
      assert.equal(r.reason, reason)
    })
  }
  it('the invalid selector is reported as skipped', () => {
    const r = evaluateInjectionPolicy(pod({labels: {app: 'broken'}}), c, version ? {version} : {})
    assert.ok(r.checks.some((x) => x.code === 'InjectorSelectorInvalid'))
  })
})

describe('template selection (selectTemplates, resolveAliases)', () => {
  const base = parsed(configMapFixture('injector-1.28.yaml'))
  const c: InjectorConfig = {
    ...base,
    aliases: {'sidecar-and-grpc': ['sidecar', 'grpc-agent'], typo: ['sidecarr']},
  }
  const rows: [string, Record<string, string>, string, string[] | null][] = [
    ['no annotation uses defaultTemplates', {}, 'Inject', ['sidecar']],
    ['gateway template', {'inject.istio.io/templates': 'gateway'}, 'Inject', ['gateway']],
    [
      'names are trimmed',
      {'inject.istio.io/templates': ' sidecar , grpc-agent '},
      'Inject',
      ['sidecar', 'grpc-agent'],
    ],
    [
      'an alias expands one level',
      {'inject.istio.io/templates': 'sidecar-and-grpc'},
      'Inject',
      ['sidecar', 'grpc-agent'],
    ],
    ['an unknown name rejects the pod', {'inject.istio.io/templates': 'sidecar,custom'}, 'Reject', null],
    ['an alias to an unknown name rejects the pod', {'inject.istio.io/templates': 'typo'}, 'Reject', null],
    ['an empty annotation asks for template ""', {'inject.istio.io/templates': ''}, 'Reject', null],
  ]
  for (const [name, annotations, decision, templates] of rows) {
    it(name, () => {
      const r = evaluateInjectionPolicy(pod({annotations}), c, {version: parseIstioVersion('1.28.0')})
      assert.equal(r.decision, decision)
      if (templates) assert.deepEqual(r.templates, templates)
      else assert.equal(r.reason, 'TemplateNotFound')
    })
  }
  it("the rejection carries istiod's message", () => {
    const r = evaluateInjectionPolicy(pod({annotations: {'inject.istio.io/templates': 'custom'}}), c)
    assert.match(
      r.checks.at(-1)?.detail ?? '',
      /requested template "custom" not found; have gateway, grpc-agent, grpc-simple, kube-gateway, sidecar, waypoint$/,
    )
  })
  it('selectTemplates alone resolves defaults through aliases', () => {
    assert.deepEqual(selectTemplates(pod(), {...c, defaultTemplates: ['sidecar-and-grpc']}), [
      'sidecar',
      'grpc-agent',
    ])
  })
})

describe('finding and loading the injector ConfigMap', () => {
  const cm128 = configMapFixture('injector-1.28.yaml')
  const canary = configMapFixture('injector-canary.yaml')
  it('default revision → istio-sidecar-injector; "" is default too', () => {
    assert.equal(findInjectorConfigMap(snapshot([cm128, canary]), 'default', 'istio-system').configMap, cm128)
    assert.equal(findInjectorConfigMap(snapshot([cm128, canary]), '', undefined).configMap, cm128)
  })
  it('revision canary → istio-sidecar-injector-canary', () => {
    assert.equal(findInjectorConfigMap(snapshot([cm128, canary]), 'canary', 'istio-system').configMap, canary)
  })
  it("prefers the webhook service's namespace, falls back to any", () => {
    const other = {...cm128, namespace: 'istio-other'}
    assert.equal(findInjectorConfigMap(snapshot([other, cm128]), 'default', 'istio-system').configMap, cm128)
    assert.equal(findInjectorConfigMap(snapshot([other]), 'default', 'istio-system').configMap, other)
  })
  it('a forbidden ConfigMap becomes InjectorConfigMissing with the gap', () => {
    const gap = {
      resource: 'configmaps',
      namespace: 'istio-system',
      reason: 'Forbidden' as const,
      verb: 'list',
      message: 'configmaps is forbidden',
    }
    const load = loadInjectorConfig(snapshot([], [gap]), 'canary', 'istio-system')
    assert.ok('code' in load)
    assert.equal(load.code, 'InjectorConfigMissing')
    assert.match(load.message, /istio-sidecar-injector-canary.*Forbidden/)
  })
  it('an unparseable ConfigMap becomes InjectorConfigInvalid', () => {
    const bad = {...cm128, data: {config: 'policy: [', values: '{}'}}
    const load = loadInjectorConfig(snapshot([bad]), 'default', 'istio-system')
    assert.ok('code' in load && load.code === 'InjectorConfigInvalid')
  })
  it('version of a revision comes from values.global.tag', () => {
    assert.equal(versionOfRevision(snapshot([cm128, canary]), 'canary')?.version.minor, 28)
    assert.equal(
      versionOfRevision(snapshot([configMapFixture('injector-1.26.yaml')]), 'default')?.version.minor,
      26,
    )
    assert.equal(versionOfRevision(snapshot([]), 'default'), undefined)
  })
})

describe('expected proxy image (IST0158)', () => {
  const c = parsed(configMapFixture('injector-1.28.yaml'))
  it('hub/image:tag', () => assert.equal(expectedProxyImage(c)?.image, 'docker.io/istio/proxyv2:1.28.0'))
  it('an image containing / is used as is', () => {
    const img = expectedProxyImage({
      ...c,
      values: {...c.values!, proxyImage: 'registry.local/mesh/proxy:custom'},
    })
    assert.equal(img?.image, 'registry.local/mesh/proxy:custom')
  })
  it('a variant adds the suffixed image', () => {
    assert.deepEqual(expectedProxyImage({...c, values: {...c.values!, variant: 'distroless'}})?.accepted, [
      'docker.io/istio/proxyv2:1.28.0',
      'docker.io/istio/proxyv2:1.28.0-distroless',
    ])
  })
  it('no values → undefined', () => assert.equal(expectedProxyImage({...c, values: undefined}), undefined))
})

describe('Istio versions and inject value semantics', () => {
  const versions: [string, number, number, number | undefined][] = [
    ['1.27.3', 1, 27, 3],
    ['v1.26.0', 1, 26, 0],
    ['1.28.0-beta.1', 1, 28, 0],
    ['1.28-dev', 1, 28, undefined],
    ['docker.io/istio/pilot:1.26.2-distroless', 1, 26, 2],
    ['localhost:5000/istio/pilot:1.29.1', 1, 29, 1],
    ['gcr.io/istio-release/pilot:1.30.0@sha256:abcd', 1, 30, 0],
  ]
  for (const [text, major, minor, patch] of versions) {
    it(`parses ${text}`, () => {
      const v = parseIstioVersion(text)
      assert.deepEqual([v?.major, v?.minor, v?.patch], [major, minor, patch])
    })
  }
  for (const text of ['latest', 'docker.io/istio/pilot:latest', '', 'master-2026']) {
    it(`does not parse ${JSON.stringify(text)}`, () => assert.equal(parseIstioVersion(text), undefined))
  }
  it('≤1.26 vs ≥1.27 (unknown → ≥1.27)', () => {
    assert.equal(injectValueSemantics(parseIstioVersion('1.26.8')), '≤1.26')
    assert.equal(injectValueSemantics(parseIstioVersion('1.27.0-beta.0')), '≥1.27')
    assert.equal(injectValueSemantics(parseIstioVersion('2.0.0')), '≥1.27')
    assert.equal(injectValueSemantics(undefined), '≥1.27')
  })

  const values: [string, string, string][] = [
    // value, ≤1.26 meaning, ≥1.27 meaning
    ['true', 'inject', 'inject'],
    ['false', 'no', 'no'],
    ['', 'default', 'default'],
    ['True', 'inject', 'default'],
    ['TRUE', 'inject', 'default'],
    ['yes', 'inject', 'default'],
    ['y', 'inject', 'default'],
    ['on', 'inject', 'default'],
    ['no', 'no', 'default'],
    ['off', 'no', 'default'],
    ['n', 'no', 'default'],
    ['False', 'no', 'default'],
    ['enabled', 'no', 'default'],
    ['garbage', 'no', 'default'],
  ]
  for (const [value, old, current] of values) {
    it(`label ${JSON.stringify(value)}: ≤1.26 ${old}, ≥1.27 ${current}`, () => {
      const p = {labels: {'sidecar.istio.io/inject': value}, annotations: {}}
      assert.equal(readInjectValue(p, '≤1.26').meaning, old)
      const now = readInjectValue(p, '≥1.27')
      assert.equal(now.meaning, current)
      assert.equal(now.invalid, !['true', 'false', ''].includes(value))
    })
  }
  it('the label key wins even with an empty value', () => {
    const v = readInjectValue(
      {labels: {'sidecar.istio.io/inject': ''}, annotations: {'sidecar.istio.io/inject': 'false'}},
      '≥1.27',
    )
    assert.deepEqual([v.source, v.meaning], ['label', 'default'])
  })
})
