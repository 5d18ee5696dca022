import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {assessProxyFreshness} from '../../src/core/health/proxy-freshness.js'
import {clusterFixture, istioFixture, snapshotFrom} from './fixture-snapshot.js'

describe('assessProxyFreshness', () => {
  it('finds the pods still running proxyv2:1.26.3 after an in-place upgrade to 1.28.1, and only those', () => {
    const found = assessProxyFreshness(
      snapshotFrom([istioFixture('default-1.28.yaml'), clusterFixture('outdated-proxy.yaml')]),
    )
    assert.ok(found.length > 0)
    assert.ok(
      found.every((f) => f.code === 'StaleProxyImage' && f.image === 'docker.io/istio/proxyv2:1.26.3'),
    )
    assert.ok(found.every((f) => f.expected === 'docker.io/istio/proxyv2:1.28.1'))
    assert.ok(
      found.every((f) => f.owner?.kind === 'Deployment' && f.owner.name === 'cart'),
      JSON.stringify(found.map((f) => f.owner)),
    )
  })

  it('skips pods that pin their proxy with sidecar.istio.io/proxyImage', () => {
    const snapshot = snapshotFrom([istioFixture('default-1.28.yaml'), clusterFixture('outdated-proxy.yaml')])
    const pinned = {
      ...snapshot,
      pods: snapshot.pods.map((p) => ({
        ...p,
        annotations: {...p.annotations, 'sidecar.istio.io/proxyImage': 'docker.io/istio/proxyv2:1.26.3'},
      })),
    }
    assert.deepEqual(assessProxyFreshness(pinned), [])
  })

  it('accepts the distroless variant of the injected image', () => {
    const snapshot = snapshotFrom([istioFixture('default-1.28.yaml'), clusterFixture('outdated-proxy.yaml')])
    const distroless = {
      ...snapshot,
      pods: snapshot.pods.map((p) => ({
        ...p,
        containers: p.containers.map((c) =>
          c.name === 'istio-proxy' ? {...c, image: 'docker.io/istio/proxyv2:1.28.1-distroless'} : c,
        ),
        initContainers: p.initContainers.map((c) =>
          c.name === 'istio-proxy' ? {...c, image: 'docker.io/istio/proxyv2:1.28.1-distroless'} : c,
        ),
      })),
    }
    assert.deepEqual(assessProxyFreshness(distroless), [])
  })

  it('reports pods injected by revision 1-27 after 1-27 was uninstalled as orphaned', () => {
    const found = assessProxyFreshness(
      snapshotFrom([istioFixture('revision-1-28-with-tags.yaml'), clusterFixture('revision-drift.yaml')]),
    )
    const orphaned = found.filter((f) => f.code === 'OrphanedRevision')
    assert.ok(orphaned.length > 0)
    assert.ok(orphaned.every((f) => f.revision === '1-27' && f.owner?.name === 'payments-gateway'))
    assert.ok(found.every((f) => f.owner?.name !== 'receipts'))
  })

  it('says nothing when the injector ConfigMaps were not collected', () => {
    const snapshot = snapshotFrom([istioFixture('default-1.28.yaml'), clusterFixture('outdated-proxy.yaml')])
    assert.deepEqual(assessProxyFreshness({...snapshot, configMaps: []}), [])
  })
})
