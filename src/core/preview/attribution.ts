// Which webhooks mutated the pod: the admission engine's matches, narrowed by the revision the result carries.
import {selectWebhooks} from '../admission/webhook-selection.js'
import type {WebhookEvaluation} from '../admission/webhook-selection.js'
import {revisionOfConfiguration} from '../istio/revisions.js'
import type {ClusterSnapshot, PodFacts} from '../snapshot.js'
import type {PreviewNote, WebhookAttribution} from './preview.js'

/** The admission engine's view of a pod create in its namespace (API-server order). */
export const evaluateAdmission = (snapshot: ClusterSnapshot, pod: PodFacts): WebhookEvaluation[] => {
  const namespace = snapshot.namespaces.find((ns) => ns.name === pod.namespace)
  return selectWebhooks(snapshot.webhookConfigurations, pod, namespace)
}

const revisionsOf = (
  snapshot: ClusterSnapshot,
  configuration: string,
): {revision: string | null; tag: string | null} => {
  const mwc = snapshot.webhookConfigurations.find((c) => c.metadata.name === configuration)
  return mwc === undefined ? {revision: null, tag: null} : revisionOfConfiguration(mwc)
}

/**
 * Called webhooks (Match or Unknown) with `mutated` on the first Istio webhook whose revision (or tag) is the result's.
 * Later Istio webhooks see `sidecar.istio.io/status` and leave the pod alone.
 */
// istio: pkg/kube/inject/inject.go injectRequired (already-injected pods are skipped)
export const attributeWebhooks = (
  snapshot: ClusterSnapshot,
  evaluations: readonly WebhookEvaluation[],
  injected: boolean,
  resultRevision: string | null,
): WebhookAttribution[] => {
  let credited = false
  return evaluations
    .filter((e) => e.outcome === 'Match' || e.outcome === 'Unknown')
    .map((e) => {
      const {revision, tag} = revisionsOf(snapshot, e.ref.configuration)
      const sameRevision = resultRevision === null || revision === resultRevision || tag === resultRevision
      const mutated = !credited && injected && e.istio && sameRevision
      if (mutated) credited = true
      return {
        configuration: e.ref.configuration,
        name: e.ref.name,
        istio: e.istio,
        mutated,
        failurePolicy: e.failurePolicy,
      }
    })
}

/** A warning when an Istio webhook selects the pod, the result has no injection, and failurePolicy Ignore hides why. */
export const skippedWebhookWarning = (
  evaluations: readonly WebhookEvaluation[],
  injected: boolean,
  podOptedOut: boolean,
): PreviewNote | undefined => {
  if (injected || podOptedOut) return undefined
  const ignored = evaluations.find((e) => e.istio && e.outcome === 'Match' && e.failurePolicy === 'Ignore')
  if (ignored === undefined) return undefined
  return {
    code: 'PreviewWebhookSkipped',
    message: `webhook ${ignored.ref.configuration}/${ignored.ref.name} selects this pod but the result carries no sidecar: with failurePolicy Ignore the API server skips a webhook it cannot call (or istiod declined by policy)`,
  }
}
