// What-if --revision: which configurations serve the revision, whether the object path (pod label istio.io/rev) would
// reach them, and which Service the direct route would call.
import {selectWebhooks} from '../admission/webhook-selection.js'
import {indexRevisions, isIstioConfiguration, revisionOfConfiguration} from '../istio/revisions.js'
import type {ClusterSnapshot, PodFacts} from '../snapshot.js'
import type {WebhookRef} from '../verdict/verdict.js'
import {revisionLabel} from './pod-builder.js'

export interface RevisionTarget {
  readonly revision: string
  readonly configurations: readonly string[]
  /** The injector Service of the revision (first injector webhook that calls a Service); `externalName` for an ExternalName one. */
  readonly service: {
    readonly namespace: string
    readonly name: string
    readonly path: string
    readonly externalName?: string
  } | null
}

export type RevisionLookup =
  | {readonly ok: true; readonly target: RevisionTarget}
  | {readonly ok: false; readonly known: readonly string[]}

/** Configurations whose revision or tag is `revision`. */
export const findRevision = (snapshot: ClusterSnapshot, revision: string): RevisionLookup => {
  const configs = snapshot.webhookConfigurations.filter((mwc) => {
    if (!isIstioConfiguration(mwc)) return false
    const found = revisionOfConfiguration(mwc)
    return found.revision === revision || found.tag === revision
  })
  if (configs.length === 0) {
    const index = indexRevisions(snapshot)
    const known = [
      ...new Set([...index.revisions.map((r) => r.name), ...index.tags.map((t) => t.name)]),
    ].sort()
    return {ok: false, known}
  }
  const hook = configs
    .flatMap((c) => c.webhooks ?? [])
    .find((w) => w.clientConfig.service !== undefined && w.name.endsWith('sidecar-injector.istio.io'))
  const service = hook?.clientConfig.service
  const facts = snapshot.services.find((s) => s.namespace === service?.namespace && s.name === service.name)
  const external = facts?.type === 'ExternalName' ? {externalName: facts.externalName ?? ''} : {}
  return {
    ok: true,
    target: {
      revision,
      configurations: configs.map((c) => c.metadata.name).sort(),
      service:
        service === undefined
          ? null
          : {namespace: service.namespace, name: service.name, path: service.path ?? '/inject', ...external},
    },
  }
}

export type ObjectPathPlan =
  {readonly ok: true; readonly webhook: WebhookRef} | {readonly ok: false; readonly reason: string}

/** Would the pod, labelled istio.io/rev=REV, be sent to REV's injector first? Decided by the admission engine. */
export const planObjectPath = (
  snapshot: ClusterSnapshot,
  pod: PodFacts,
  target: RevisionTarget,
): ObjectPathPlan => {
  const labelled: PodFacts = {...pod, labels: {...pod.labels, [revisionLabel]: target.revision}}
  const namespace = snapshot.namespaces.find((ns) => ns.name === pod.namespace)
  const evaluations = selectWebhooks(snapshot.webhookConfigurations, labelled, namespace)
  const firstIstio = evaluations.find((e) => e.istio && e.outcome === 'Match')
  if (firstIstio !== undefined && target.configurations.includes(firstIstio.ref.configuration))
    return {ok: true, webhook: firstIstio.ref}
  if (firstIstio !== undefined) {
    return {
      ok: false,
      reason: `with label ${revisionLabel}=${target.revision}, webhook ${firstIstio.ref.configuration}/${firstIstio.ref.name} of another revision injects first`,
    }
  }
  const own = evaluations.filter((e) => target.configurations.includes(e.ref.configuration))
  const blocking = own
    .map((e) => ({
      e,
      check: [...e.checks].reverse().find((c) => c.result === 'Fail' || c.result === 'Unknown'),
    }))
    .find((x) => x.check !== undefined)
  if (blocking?.check !== undefined) {
    return {
      ok: false,
      reason: `${blocking.e.ref.configuration}/${blocking.e.ref.name} would not be called: ${blocking.check.subject}: ${blocking.check.detail}`,
    }
  }
  return {
    ok: false,
    reason: `no webhook of revision ${target.revision} selects the pod with label ${revisionLabel}=${target.revision}`,
  }
}
