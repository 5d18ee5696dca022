// ResourceQuota and LimitRange against the injected pod: how the API server sums init containers and native sidecars,
// quota on requests and on limits, partial proxy annotations, LimitRange max/min/ratio.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {injectPod} from '../../src/core/admission-after/injected-pod.js'
import {aggregateText, evaluateLimitRange} from '../../src/core/admission-after/limit-range.js'
import {podLimits, podRequests} from '../../src/core/admission-after/pod-resources.js'
import {formatQuantity, parseQuantity} from '../../src/core/admission-after/quantity.js'
import {evaluateQuota} from '../../src/core/admission-after/resource-quota.js'
import type {EmissionValues} from '../../src/core/istio/injector-config.js'
import type {LimitRangeFacts, PodFacts, ResourceQuotaFacts} from '../../src/core/snapshot.js'

const values: EmissionValues = {
  pilotCni: false,
  proxyResources: {requests: {cpu: '100m', memory: '128Mi'}, limits: {cpu: '2000m', memory: '1024Mi'}},
}

const app = (annotations: Record<string, string> = {}): PodFacts => ({
  kind: 'PodTemplate',
  namespace: 'shop',
  name: 'web',
  labels: {},
  annotations,
  hostNetwork: false,
  containers: [
    {name: 'app', resources: {requests: {cpu: '500m', memory: '256Mi'}, limits: {cpu: '1', memory: '512Mi'}}},
  ],
  initContainers: [],
})

const injected = (annotations: Record<string, string> = {}, native = false) =>
  injectPod(app({...annotations, ...(native ? {'sidecar.istio.io/nativeSidecar': 'true'} : {})}), {
    values,
    nodes: [],
  }).pod

const text = (m: ReadonlyMap<string, {milli: bigint; binarySI: boolean}>, key: string) => {
  const q = m.get(key)
  return q === undefined ? undefined : formatQuantity(q)
}

describe('quantities', () => {
  const rows: [string, string][] = [
    ['100m', '100m'],
    ['2000m', '2'],
    ['1.5', '1500m'],
    ['1024Mi', '1Gi'],
    ['1G', '1G'],
    ['128974848', '128974848'],
  ]
  for (const [input, canonical] of rows)
    it(`${input} reads back as ${canonical}`, () =>
      assert.equal(formatQuantity(parseQuantity(input)!), canonical))
})

describe('pod requests and limits as the API server counts them', () => {
  it('classic sidecar: containers summed (app + istio-proxy), istio-init counted only through max(init)', () => {
    const p = injected()
    assert.equal(text(podRequests(p), 'cpu'), '600m')
    assert.equal(text(podLimits(p), 'cpu'), '3')
    assert.equal(text(podLimits(p), 'memory'), '1536Mi')
  })
  it('native sidecar: istio-proxy is added to the sum and to every later init step', () => {
    const p = injected({}, true)
    assert.equal(text(podRequests(p), 'cpu'), '600m')
    assert.equal(text(podLimits(p), 'cpu'), '3')
  })
  it('an init container larger than the containers sets the pod value', () => {
    const p = injected({'sidecar.istio.io/proxyCPULimit': '4'})
    // istio-proxy limit 4 + app 1 = 5 in containers; istio-init alone is 4.
    assert.equal(text(podLimits(p), 'cpu'), '5')
  })
})

const quota = (hard: Record<string, string>, used: Record<string, string> = {}): ResourceQuotaFacts => ({
  namespace: 'shop',
  name: 'compute',
  hard,
  used,
  scoped: false,
})

describe('ResourceQuota', () => {
  it('a quota on limits.cpu that the app fits but the sidecar 2-CPU limit exceeds', () => {
    const r = evaluateQuota(quota({'limits.cpu': '4'}, {'limits.cpu': '2'}), injected())
    assert.equal(r.admitted, false)
    assert.equal(
      r.message,
      'exceeded quota: compute, requested: limits.cpu=3, used: limits.cpu=2, limited: limits.cpu=4',
    )
    assert.equal(evaluateQuota(quota({'limits.cpu': '4'}, {'limits.cpu': '2'}), app()).admitted, true)
  })
  it('a quota on requests.cpu with room for the sidecar request', () => {
    const r = evaluateQuota(quota({'requests.cpu': '1'}, {'requests.cpu': '200m'}), injected())
    assert.equal(r.admitted, true)
  })
  it('partial proxy annotations: only proxyCPU set, so the injected containers declare no memory limit', () => {
    const r = evaluateQuota(
      quota({'limits.memory': '4Gi', 'limits.cpu': '8'}),
      injected({'sidecar.istio.io/proxyCPU': '50m'}),
    )
    assert.equal(r.admitted, false)
    assert.equal(
      r.message,
      'failed quota: compute: must specify limits.cpu for: istio-init,istio-proxy; limits.memory for: istio-init,istio-proxy',
    )
  })
  it('a scoped quota is not evaluated', () => {
    assert.equal(evaluateQuota({...quota({'limits.cpu': '1'}), scoped: true}, injected()).admitted, null)
  })
})

const range = (item: LimitRangeFacts['limits'][number]): LimitRangeFacts => ({
  namespace: 'shop',
  name: 'limits',
  limits: [item],
})

describe('LimitRange', () => {
  it('max per Container: the sidecar 2-CPU limit is over a 1-CPU max, on istio-init and istio-proxy', () => {
    const r = evaluateLimitRange(range({type: 'Container', max: {cpu: '1'}}), injected())
    assert.deepEqual(r.errors, [
      'maximum cpu usage per Container is 1, but limit is 2',
      'maximum cpu usage per Container is 1, but limit is 2',
    ])
    // Upstream walks containers before init containers.
    assert.deepEqual(r.containers, ['istio-proxy', 'istio-init'])
  })
  it('the plugin text prints a repeated error once, without brackets (as v1.37.2 answered)', () => {
    const r = evaluateLimitRange(range({type: 'Container', max: {cpu: '1'}}), injected())
    assert.equal(r.message, 'maximum cpu usage per Container is 1, but limit is 2')
  })
  // Upstream ranges over limit.Max (a Go map): with two resources the real order may vary; the tool's is fixed.
  it('the plugin text brackets two distinct errors, containers before init containers', () => {
    const r = evaluateLimitRange(range({type: 'Container', max: {cpu: '1', memory: '512Mi'}}), injected())
    assert.equal(
      r.message,
      '[maximum cpu usage per Container is 1, but limit is 2, maximum memory usage per Container is 512Mi, but limit is 1Gi]',
    )
  })
  it('aggregateText: one message as is, distinct ones bracketed in first-seen order', () => {
    assert.equal(aggregateText(['a', 'a']), 'a')
    assert.equal(aggregateText(['b', 'a', 'b']), '[b, a]')
  })
  it('min per Container: a proxyMemory annotation below the minimum', () => {
    const r = evaluateLimitRange(
      range({type: 'Container', min: {memory: '64Mi'}}),
      injected({
        'sidecar.istio.io/proxyMemory': '32Mi',
        'sidecar.istio.io/proxyCPU': '10m',
        'sidecar.istio.io/proxyCPULimit': '100m',
        'sidecar.istio.io/proxyMemoryLimit': '64Mi',
      }),
    )
    assert.equal(r.errors[0], 'minimum memory usage per Container is 64Mi, but request is 32Mi')
  })
  it('maxLimitRequestRatio: 2000m limit over 100m request is 20, above a ratio of 4', () => {
    const r = evaluateLimitRange(range({type: 'Container', maxLimitRequestRatio: {cpu: '4'}}), injected())
    assert.equal(
      r.errors[0],
      'cpu max limit to request ratio per Container is 4, but provided ratio is 20.000000',
    )
  })
  it('max per Pod: the summed limits', () => {
    const r = evaluateLimitRange(range({type: 'Pod', max: {cpu: '2'}}), injected())
    assert.deepEqual(r.errors, ['maximum cpu usage per Pod is 2, but limit is 3'])
  })
})
