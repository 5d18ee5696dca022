// Second-pair-of-eyes review: behaviours checked against Kubernetes' and Istio's source, one scenario per divergence.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {labelsMatchSelectorString, parseLabelSelector} from '../../src/core/admission/label-selector.js'
import {parseInjectorConfig, parseInjectorValues} from '../../src/core/istio/injector-config.js'
import {observeSidecar} from '../../src/core/istio/sidecar-state.js'

describe('kubectl -l Gt/Lt (apimachinery pkg/labels/selector.go parseOperator, Requirement.Matches)', () => {
  const rows: {name: string; selector: string; labels: Record<string, string>; matches: boolean}[] = [
    {name: 'tier>2 selects tier=3', selector: 'tier>2', labels: {tier: '3'}, matches: true},
    {name: 'tier>2 skips tier=2 (strictly greater)', selector: 'tier>2', labels: {tier: '2'}, matches: false},
    {name: 'tier>2 skips a pod without the label', selector: 'tier>2', labels: {}, matches: false},
    {name: 'tier>2 skips a non-integer value', selector: 'tier>2', labels: {tier: 'gold'}, matches: false},
    {
      name: 'tier<10 selects tier=009 (base-10 integer)',
      selector: 'tier<10',
      labels: {tier: '009'},
      matches: true,
    },
    {
      name: 'tier < 10 with spaces, and another term',
      selector: 'tier < 10, app=web',
      labels: {tier: '3', app: 'web'},
      matches: true,
    },
    {name: 'tier>2 compares as int64, not as text', selector: 'tier>2', labels: {tier: '10'}, matches: true},
  ]
  for (const row of rows) {
    it(row.name, () => {
      const evaluation = labelsMatchSelectorString(row.selector, row.labels)
      assert.equal(evaluation.error, undefined)
      assert.equal(evaluation.matches, row.matches)
    })
  }

  it('tier>gold is a parse error: the value must be an integer', () => {
    assert.match(labelsMatchSelectorString('tier>gold', {tier: '3'}).error ?? '', /integer/)
  })

  it('a webhook LabelSelector still cannot hold Gt (parseLabelSelector reports it)', () => {
    assert.ok(parseLabelSelector('tier>2').error)
  })
})

describe('injector ConfigMap as istiod reads it (pkg/kube/inject/watcher.go readConfigMap, webhook.go NewValuesConfig)', () => {
  it('data.values written as YAML is read: istiod parses values with a YAML decoder', () => {
    const parsed = parseInjectorValues('global:\n  hub: docker.io/istio\n  tag: 1.27.3\nrevision: ""\n')
    assert.ok('values' in parsed, 'values in YAML must parse')
    assert.equal(parsed.values.tag, '1.27.3')
    assert.equal(parsed.values.hub, 'docker.io/istio')
  })

  it('data.values that is neither JSON nor YAML stays an error', () => {
    assert.ok('error' in parseInjectorValues('global: [unclosed'))
  })

  it('a ConfigMap without data.values is unusable: readConfigMap fails with "missing ConfigMap values key"', () => {
    const result = parseInjectorConfig({
      namespace: 'istio-system',
      name: 'istio-sidecar-injector',
      labels: {},
      data: {config: 'policy: enabled\n'},
    })
    assert.ok('error' in result)
    assert.match(result.error, /values/)
  })
})

describe('sidecar.istio.io/status revision (istioctl/pkg/describe/describe.go GetRevisionFromPodAnnotation)', () => {
  const podWith = (annotations: Record<string, string>) => ({
    containers: [{name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.27.3'}],
    initContainers: [],
    annotations,
  })

  it('a field of the wrong type fails json.Unmarshal, so the revision is unknown', () => {
    const state = observeSidecar(
      podWith({'sidecar.istio.io/status': JSON.stringify({containers: 'istio-proxy', revision: 'canary'})}),
    )
    assert.equal(state.revision, null)
  })

  it('a revision that is not a string fails json.Unmarshal too', () => {
    const state = observeSidecar(podWith({'sidecar.istio.io/status': '{"revision": 7}'}))
    assert.equal(state.revision, null)
  })

  it('Go matches JSON keys case-insensitively: "Revision" is the revision', () => {
    const state = observeSidecar(podWith({'sidecar.istio.io/status': '{"Revision":"canary"}'}))
    assert.equal(state.revision, 'canary')
  })

  it('the istio.io/rev annotation wins over the status revision', () => {
    const state = observeSidecar(
      podWith({'istio.io/rev': 'blue', 'sidecar.istio.io/status': '{"revision":"green"}'}),
    )
    assert.equal(state.revision, 'blue')
  })
})
