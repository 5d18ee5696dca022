// Evidence on verdicts for support tickets: the provenance of every object a verdict read, and stale proxies
// (proxy images older than what the injector injects now) as StaleProxy findings.
import {findInjectorConfigMap} from '../istio/injector-config.js'
import {isWorkloadKind} from '../snapshot.js'
import type {ClusterSnapshot, PodFacts} from '../snapshot.js'
import {podsOfWorkload} from '../verdict/evaluate.js'
import {leadingReason} from '../verdict/leading-reason.js'
import {formatHint} from '../verdict/reasons.js'
import type {Verdict, VerdictSources} from '../verdict/verdict.js'
import type {ProxyFreshnessFinding} from './proxy-freshness.js'

// Pods by namespace/name, built once per snapshot (a linear find per verdict is quadratic in a sweep).
const podIndexes = new WeakMap<ClusterSnapshot, Map<string, PodFacts>>()
const podIndex = (snapshot: ClusterSnapshot): Map<string, PodFacts> => {
  let index = podIndexes.get(snapshot)
  if (index === undefined) {
    index = new Map(snapshot.pods.filter((p) => p.kind === 'Pod').map((p) => [`${p.namespace}/${p.name}`, p]))
    podIndexes.set(snapshot, index)
  }
  return index
}

const podOf = (snapshot: ClusterSnapshot, verdict: Verdict): PodFacts | undefined =>
  verdict.target.kind === 'Pod' && verdict.target.source === undefined
    ? podIndex(snapshot).get(`${verdict.target.namespace}/${verdict.target.name}`)
    : undefined

/** Which file (or `live`) each fact of the verdict came from: pod or workload, namespace, webhook configuration, injector ConfigMap. */
export const verdictSources = (snapshot: ClusterSnapshot, verdict: Verdict): VerdictSources => {
  const t = verdict.target
  const pod = podOf(snapshot, verdict)?.source ?? (t.kind === 'Pod' ? t.source : undefined)
  const workload = isWorkloadKind(t.kind)
    ? (t.source ??
      snapshot.workloads.find((w) => w.kind === t.kind && w.namespace === t.namespace && w.name === t.name)
        ?.source)
    : undefined
  const namespaceName = t.kind === 'Namespace' ? t.name : t.namespace
  const namespace = snapshot.namespaces.find((ns) => ns.name === namespaceName)?.source
  const configuration =
    verdict.webhook === null
      ? undefined
      : snapshot.webhookConfigurations.find((c) => c.metadata.name === verdict.webhook?.configuration)
  const istiodNamespace = configuration?.webhooks?.find((w) => w.name === verdict.webhook?.name)?.clientConfig
    .service?.namespace
  const injector =
    verdict.webhook === null
      ? undefined
      : findInjectorConfigMap(snapshot, verdict.revision, istiodNamespace).configMap?.source
  return {
    ...(pod === undefined ? {} : {pod}),
    ...(workload === undefined ? {} : {workload}),
    ...(namespace === undefined ? {} : {namespace}),
    ...(configuration?.source === undefined ? {} : {webhookConfiguration: configuration.source}),
    ...(injector === undefined ? {} : {injectorConfigMap: injector}),
  }
}

const staleFor = (
  snapshot: ClusterSnapshot,
  verdict: Verdict,
  stale: readonly ProxyFreshnessFinding[],
): ProxyFreshnessFinding[] => {
  const t = verdict.target
  if (t.source !== undefined) return []
  if (t.kind === 'Pod') return stale.filter((p) => p.namespace === t.namespace && p.pod === t.name)
  const workload = snapshot.workloads.find(
    (w) => w.kind === t.kind && w.namespace === t.namespace && w.name === t.name,
  )
  if (workload === undefined) return []
  const names = new Set(podsOfWorkload(snapshot, workload).map((p) => p.name))
  return stale.filter((p) => p.namespace === t.namespace && names.has(p.pod))
}

/** Verdicts with `sources` filled and a StaleProxy finding (and its restart) where a pod runs an outdated proxy image. */
export const attachEvidence = (
  snapshot: ClusterSnapshot,
  verdicts: readonly Verdict[],
  proxies: readonly ProxyFreshnessFinding[],
): Verdict[] => {
  const stale = proxies.filter((p) => p.code === 'StaleProxyImage')
  return verdicts.map((verdict) => {
    const found = staleFor(snapshot, verdict, stale)
    const first = found[0]
    if (first === undefined) return {...verdict, sources: verdictSources(snapshot, verdict)}
    const owner = verdict.owner ?? first.owner
    // An unmanaged pod has no rollout to restart; the restart plan names how to recreate it.
    const restart =
      owner === undefined
        ? undefined
        : formatHint('StaleProxyImage', {
            namespace: first.namespace,
            ownerKind: owner.kind.toLowerCase(),
            ownerName: owner.name,
          })
    const message =
      found.length === 1
        ? first.detail
        : `${found.length} pods run an outdated proxy (${found.map((p) => p.pod).join(', ')}); ${first.pod}: ${first.detail}`
    const findings = [...verdict.findings, {code: 'StaleProxyImage', kind: 'StaleProxy', message} as const]
    return {
      ...verdict,
      reason: leadingReason(verdict.reason, findings),
      findings,
      actions:
        restart === undefined || verdict.actions.includes(restart)
          ? verdict.actions
          : [...verdict.actions, restart],
      sources: verdictSources(snapshot, verdict),
    }
  })
}
