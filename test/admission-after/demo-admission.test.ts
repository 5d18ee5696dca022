// The done-when on the demo cluster: `ns/shop` with enforce=baseline is injected, then rejected by Pod Security
// (istio-init, NET_ADMIN/NET_RAW, the CNI fix); the same with Istio CNI enabled in the injector values is admitted.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {fileURLToPath} from 'node:url'
import {readFileSnapshot} from '../../src/cluster/file-source.js'
import type {ClusterSnapshot} from '../../src/core/snapshot.js'
import {evaluateNamespace} from '../../src/core/verdict/namespace-verdict.js'
import {evaluateRequest} from '../../src/core/verdict/targets.js'
import {renderTrail} from '../../src/render/trail.js'

const root = fileURLToPath(new URL('../../', import.meta.url))
const demo = readFileSnapshot([`${root}examples/demo-cluster`])

/** The demo with `pilot.cni.enabled: true` in every injector ConfigMap's values (what enabling Istio CNI changes). */
const withCni = (s: ClusterSnapshot): ClusterSnapshot => ({
  ...s,
  configMaps: s.configMaps.map((cm) => {
    if (!cm.name.startsWith('istio-sidecar-injector') || cm.data.values === undefined) return cm
    const values = JSON.parse(cm.data.values) as {pilot?: {cni?: {enabled?: boolean}}}
    return {
      ...cm,
      data: {...cm.data, values: JSON.stringify({...values, pilot: {...values.pilot, cni: {enabled: true}}})},
    }
  }),
})

const baseline = {namespaceLabels: {set: {'pod-security.kubernetes.io/enforce': 'baseline'}, remove: []}}

describe('done when: ns/shop under Pod Security baseline', () => {
  it('without CNI: injected, then rejected by Pod Security naming istio-init and its capabilities, with the CNI fix', async () => {
    const v = evaluateNamespace(await demo, 'shop', baseline)
    assert.equal(v.outcome, 'Inject')
    assert.equal(v.admitted, false)
    assert.equal(v.reason, 'PodSecurityViolation')
    const trail = renderTrail(v, {colour: false, width: 200})
    assert.match(trail, /would be injected by revision default, then rejected by Pod Security/)
    assert.match(
      trail,
      /violates PodSecurity "baseline:latest": non-default capabilities \(container "istio-init" must not include "NET_ADMIN", "NET_RAW" in securityContext\.capabilities\.add\)/,
    )
    assert.ok(v.actions.includes('istioctl install --set components.cni.enabled=true'), v.actions.join('\n'))
  })

  it('with CNI enabled: injected and admitted (istio-validation adds no capability)', async () => {
    const v = evaluateNamespace(withCni(await demo), 'shop', baseline)
    assert.equal(v.admitted, true)
    assert.equal(v.reason, 'PolicyEnabled')
    assert.match(v.admission?.[0]?.detail ?? '', /adds istio-validation, istio-proxy/)
  })

  it('a restart is not offered while new pods would be rejected', async () => {
    const edit = {namespaceLabels: baseline.namespaceLabels}
    const r = evaluateRequest(
      await demo,
      {
        target: {kind: 'workload', workloadKind: 'Deployment', namespace: 'shop', name: 'web'},
        manifests: undefined,
      },
      edit,
    )
    assert.ok(r.ok)
    const [v] = r.verdicts
    assert.equal(v?.admitted, false)
    assert.ok(!v?.actions.some((a) => a.includes('rollout restart')), v?.actions.join('\n'))
    assert.ok(v?.notes?.some((n) => n.includes('restarting now would leave the workload with no new pods')))
  })

  it('storefront: privileged enforce admits, the baseline warn level is listed, the quota has room', async () => {
    const r = evaluateRequest(await demo, {
      target: {kind: 'workload', workloadKind: 'Deployment', namespace: 'storefront', name: 'catalog'},
      manifests: undefined,
    })
    assert.ok(r.ok)
    const [v] = r.verdicts
    assert.equal(v?.admitted, true)
    assert.deepEqual(
      v?.admission?.map((c) => `${c.code}:${c.result}`),
      [
        'InjectedContainers:Info',
        'PodSecurityAdmitted:Pass',
        'PodSecurityWarning:Info',
        'LimitRangeAdmitted:Pass',
        'QuotaAdmitted:Pass',
      ],
    )
  })
})
