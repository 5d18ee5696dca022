// Proxy freshness: injected istio-proxy images against what the injector injects now, and pods whose
// injecting revision is gone. istio: pkg/config/analysis/analyzers/injection/injection-image.go (IST0158)
import {expectedProxyImage, loadInjectorConfig} from '../istio/injector-config.js'
import {indexRevisions} from '../istio/revisions.js'
import {observeSidecar} from '../istio/sidecar-state.js'
import type {ClusterSnapshot, Provenance} from '../snapshot.js'
import {compareText} from '../text-order.js'

export interface ProxyFreshnessFinding {
  readonly code: 'StaleProxyImage' | 'OrphanedRevision'
  readonly namespace: string
  readonly pod: string
  readonly owner?: {readonly kind: string; readonly name: string}
  /** Revision that injected the pod (`default` when the pod names none). */
  readonly revision: string
  readonly image: string | null
  /** What the revision's injector ConfigMap injects now; null for an orphaned revision. */
  readonly expected: string | null
  readonly detail: string
  readonly source?: Provenance
}

/** Per-pod image types a ProxyConfig may select besides the chart variant. istio: pkg/config/mesh ProxyImage image types */
const imageTypes = ['distroless', 'debug']

export const assessProxyFreshness = (snapshot: ClusterSnapshot): ProxyFreshnessFinding[] => {
  const index = indexRevisions(snapshot)
  // Absence is only evidence when the snapshot holds both webhooks and injector ConfigMaps.
  const revisionsKnown =
    index.complete &&
    snapshot.configMaps.length > 0 &&
    !snapshot.gaps.some((g) => g.resource === 'configmaps')
  const exists = (revision: string): boolean =>
    index.revisions.some(
      (r) =>
        r.name === revision &&
        (r.configurations.length > 0 || r.configMaps.length > 0 || r.istiod.length > 0),
    ) || index.tags.some((t) => t.name === revision)
  const findings: ProxyFreshnessFinding[] = []
  for (const pod of snapshot.pods) {
    if (pod.kind !== 'Pod') continue
    const state = observeSidecar(pod)
    if (!state.hasSidecar) continue
    // A custom proxy image always overrides the injector's (IST0158 skips these pods too).
    if (pod.annotations['sidecar.istio.io/proxyImage']) continue
    const revision = state.revision ?? 'default'
    const base = {
      namespace: pod.namespace,
      pod: pod.name,
      ...(pod.owner ? {owner: pod.owner} : {}),
      revision,
      image: state.image,
      ...(pod.source ? {source: pod.source} : {}),
    }
    if (revisionsKnown && !exists(revision)) {
      findings.push({
        ...base,
        code: 'OrphanedRevision',
        expected: null,
        detail: `injected by revision ${revision}, which has no webhook, injector ConfigMap or istiod any more`,
      })
      continue
    }
    const loaded = loadInjectorConfig(snapshot, revision)
    if (!('config' in loaded)) continue
    const expected = expectedProxyImage(loaded.config)
    if (expected === undefined || state.image === null) continue
    const accepted = [...expected.accepted, ...imageTypes.map((type) => `${expected.image}-${type}`)]
    if (accepted.includes(state.image)) continue
    findings.push({
      ...base,
      code: 'StaleProxyImage',
      expected: expected.image,
      detail: `istio-proxy image ${state.image}; ${loaded.config.source.namespace}/${loaded.config.source.name} injects ${expected.image}`,
    })
  }
  return findings.sort((a, b) => compareText(a.namespace, b.namespace) || compareText(a.pod, b.pod))
}
