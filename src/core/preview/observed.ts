// --observed: what admission really did to a running pod, read as its controller's template against the pod itself.
import {sh} from '../verdict/shell-command.js'
import type {TargetSpec} from '../target-spec.js'
import {labelsMatchSelectorString} from '../admission/label-selector.js'
import {workloadKinds} from '../snapshot.js'
import type {WorkloadKind} from '../snapshot.js'
import {describeReason} from '../verdict/reasons.js'
import {controllerView} from './controller-additions.js'
import {observedPair} from './noise.js'
import {templateOfWorkload} from './pod-builder.js'
import type {PodObject} from './pod-builder.js'
import {completePreview, failedPreview, isInjected, revisionOfResult} from './preview.js'
import type {PodPreview, PreviewSubject, WebhookAttribution} from './preview.js'
import {compareText} from '../text-order.js'

type Json = Record<string, unknown>
const record = (value: unknown): Json =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {}

/** The pod's controller (ownerReferences with controller: true), when it is a kind that has a pod template. */
export const controllerOf = (
  pod: PodObject,
): {kind: WorkloadKind; name: string} | {kind: string; name: string} | undefined => {
  const refs = Array.isArray(record(pod.metadata).ownerReferences)
    ? (record(pod.metadata).ownerReferences as unknown[])
    : []
  const ref = refs.map(record).find((r) => r.controller === true)
  return typeof ref?.kind === 'string' && typeof ref.name === 'string'
    ? {kind: ref.kind, name: ref.name}
    : undefined
}

const templateKinds: readonly string[] = workloadKinds

export const hasTemplate = (kind: string): kind is WorkloadKind => templateKinds.includes(kind)

/** The owner object among raw objects (any list shape flattened by the caller). */
export const findObject = (
  objects: readonly Json[],
  kind: string,
  namespace: string,
  name: string,
): Json | undefined =>
  objects.find(
    (o) =>
      o.kind === kind &&
      record(o.metadata).name === name &&
      (record(o.metadata).namespace ?? namespace) === namespace,
  )

const observedWebhooks = (pod: PodObject): WebhookAttribution[] => {
  const revision = revisionOfResult(pod)
  if (!isInjected(pod)) return []
  // The running pod does not say which configuration called istiod; the status annotation names the revision.
  return [
    {
      configuration: `(revision ${revision ?? 'unknown'})`,
      name: 'sidecar-injector.istio.io',
      istio: true,
      mutated: true,
      failurePolicy: 'unknown',
    },
  ]
}

/** Template (of `owner`) against `pod`; a missing controller or owner is a diagnosed failure, not a throw. */
export const observedPreview = (
  subject: PreviewSubject,
  pod: PodObject,
  owner: Json | undefined,
  raw: boolean,
): PodPreview => {
  const routeReason = {code: 'PreviewObserved', message: describeReason('PreviewObserved').summary} as const
  const common = {
    subject,
    route: 'observed' as const,
    routeReason,
    raw,
    warnings: [],
    revision: revisionOfResult(pod),
    webhooks: observedWebhooks(pod),
  }
  const controller = controllerOf(pod)
  if (controller === undefined || !hasTemplate(controller.kind)) {
    return failedPreview(common, {
      code: 'PreviewNoController',
      message: `pod ${subject.namespace}/${subject.name} has ${controller === undefined ? 'no controller' : `controller ${controller.kind}/${controller.name}, which has no pod template`}`,
      diagnosis: describeReason('PreviewNoController').summary,
      hint: sh`kubectl inject-diff ${subject.name} -n ${subject.namespace}`,
    })
  }
  if (owner === undefined) {
    return failedPreview(common, {
      code: 'PreviewOwnerMissing',
      message: `${controller.kind.toLowerCase()}s "${controller.name}" not found in namespace "${subject.namespace}"`,
      diagnosis: describeReason('PreviewOwnerMissing').summary,
      hint: sh`kubectl get ${controller.kind.toLowerCase()} ${controller.name} -n ${subject.namespace} -o yaml`,
    })
  }
  // --raw shows everything; otherwise what the controller and built-in plugins add is theirs, not a webhook's.
  const view = raw
    ? {template: templateOfWorkload(controller.kind, owner), additions: []}
    : controllerView(controller.kind, owner, templateOfWorkload(controller.kind, owner), pod)
  const {before, after} = observedPair(view.template, pod, raw)
  const message =
    view.additions.length === 0
      ? routeReason.message
      : `${routeReason.message}; counted as not from webhooks: ${view.additions.join('; ')}`
  return completePreview({...common, routeReason: {...routeReason, message}}, before, after)
}

const flatten = (objects: readonly unknown[]): Json[] =>
  objects.flatMap((object) => {
    const o = record(object)
    if (typeof o.kind === 'string' && o.kind.endsWith('List') && Array.isArray(o.items)) {
      const itemKind = o.kind === 'List' ? undefined : o.kind.slice(0, -'List'.length)
      return flatten(
        (o.items as unknown[]).map((item) =>
          itemKind === undefined || record(item).kind !== undefined
            ? item
            : {...record(item), kind: itemKind},
        ),
      )
    }
    return [o]
  })

/** --observed offline: pods of the target found among raw objects (kubectl get -o yaml output), each against its owner. */
export const observeFromObjects = (
  objects: readonly unknown[],
  target: TargetSpec,
  raw: boolean,
): PodPreview[] => {
  const all = flatten(objects)
  const pods = all
    .filter((o) => o.kind === 'Pod')
    .filter((pod) => {
      const meta = record(pod.metadata)
      const namespace = String(meta.namespace ?? 'default')
      if (target.kind === 'pod') return namespace === target.namespace && meta.name === target.name
      if (target.kind !== 'sweep') return false
      if (target.namespace !== null && namespace !== target.namespace) return false
      return (
        target.labelSelector === undefined ||
        labelsMatchSelectorString(target.labelSelector, record(meta.labels) as Record<string, string>).matches
      )
    })
    .sort(
      (a, b) =>
        compareText(String(record(a.metadata).namespace ?? ''), String(record(b.metadata).namespace ?? '')) ||
        compareText(String(record(a.metadata).name), String(record(b.metadata).name)),
    )
  return pods.map((pod) => {
    const meta = record(pod.metadata)
    const namespace = String(meta.namespace ?? 'default')
    const controller = controllerOf(pod)
    const owner =
      controller === undefined ? undefined : findObject(all, controller.kind, namespace, controller.name)
    return observedPreview({kind: 'Pod', namespace, name: String(meta.name)}, pod, owner, raw)
  })
}
