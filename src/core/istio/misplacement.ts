// Injection metadata written where the webhook layer cannot see it (istio/istio#32853, #40512; analyzer IST0135).
import {validateLabelValue} from '../admission/label-selector.js'
import type {Labels, PodFacts, WorkloadFacts} from '../snapshot.js'
import {injectKey} from './injection-policy.js'
import {injectionLabel, revLabel, type IstioFinding, type RevisionIndex} from './revisions.js'

/** kubectl resource names of the kinds that hold pod-template metadata, and of Pod itself. */
export const resourceOf: Readonly<Record<string, string>> = {
  Deployment: 'deployment',
  StatefulSet: 'statefulset',
  DaemonSet: 'daemonset',
  ReplicaSet: 'replicaset',
  Job: 'job',
  CronJob: 'cronjob',
  ReplicationController: 'replicationcontroller',
  Pod: 'pod',
}

const isWorkload = (t: WorkloadFacts | PodFacts): t is WorkloadFacts => 'template' in t

/** A merge patch that sets pod-template metadata; a Pod's own metadata for a bare pod. */
export const templateMergePatch = (kind: string, metadata: Readonly<Record<string, unknown>>): string => {
  if (kind === 'Pod') return JSON.stringify({metadata})
  if (kind === 'CronJob') return JSON.stringify({spec: {jobTemplate: {spec: {template: {metadata}}}}})
  return JSON.stringify({spec: {template: {metadata}}})
}

const templatePatch = (kind: string, key: string, value: string, dropAnnotation = false): string =>
  templateMergePatch(kind, {
    labels: {[key]: value},
    ...(dropAnnotation ? {annotations: {[key]: null}} : {}),
  })

// istio: manifests/charts/istio-control/istio-discovery/templates/mutatingwebhook.yaml selects only "true"/"false".
const truthyWords = ['y', 'yes', 'true', 'on']
const falsyWords = ['n', 'no', 'false', 'off']

/**
 * The label value a fix may write for a misplaced one: `true`/`false` for the inject key (what the webhook selectors
 * match), a valid label value for istio.io/rev; undefined when the value says nothing safe (the fix is then dropped).
 */
export const labelFixValue = (key: string, value: string): string | undefined => {
  if (key === injectKey) {
    const word = value.trim().toLowerCase()
    return truthyWords.includes(word) ? 'true' : falsyWords.includes(word) ? 'false' : undefined
  }
  return value !== '' && validateLabelValue(key, value) === undefined ? value : undefined
}

/** Hint params with a merge patch when the value can be written safely; without `patch` the fix is dropped. */
const patchParams = (
  base: Readonly<Record<string, string>>,
  kind: string,
  key: string,
  value: string,
  dropAnnotation = false,
): Record<string, string> => {
  const safe = labelFixValue(key, value)
  return safe === undefined ? {...base} : {...base, patch: templatePatch(kind, key, safe, dropAnnotation)}
}

export interface MisplacementOptions {
  /** Injector `enableNamespacesByDefault` (the `auto.` webhook calls istiod for unlabelled pods, so annotations work). */
  readonly autoInjectAll?: boolean
}

/**
 * Findings for injection labels/annotations on the controller instead of the pod template, annotation-only
 * opt-ins the webhook selectors cannot see, and the deprecated annotation. Works for a bare Pod too.
 * `namespaceLabels` undefined means unknown (the opt-in check is then skipped).
 */
export const findMisplacedInjectionMetadata = (
  target: WorkloadFacts | PodFacts,
  namespaceLabels: Labels | undefined,
  index?: RevisionIndex,
  options: MisplacementOptions = {},
): IstioFinding[] => {
  const findings: IstioFinding[] = []
  const pod: PodFacts = isWorkload(target) ? target.template : target
  const kind = isWorkload(target) ? target.kind : 'Pod'
  const base = {
    resource: resourceOf[kind] ?? kind.toLowerCase(),
    name: target.name,
    namespace: target.namespace,
  }
  const label = `${kind} ${target.namespace}/${target.name}`

  if (isWorkload(target)) {
    const misplaced: {key: string; value: string; where: 'label' | 'annotation'}[] = []
    for (const key of [injectKey, revLabel]) {
      if (Object.hasOwn(target.labels, key))
        misplaced.push({key, value: target.labels[key] ?? '', where: 'label'})
    }
    if (Object.hasOwn(target.annotations, injectKey) && !Object.hasOwn(target.labels, injectKey)) {
      misplaced.push({key: injectKey, value: target.annotations[injectKey] ?? '', where: 'annotation'})
    }
    for (const m of misplaced) {
      const inTemplate = pod.labels[m.key] ?? (m.key === injectKey ? pod.annotations[m.key] : undefined)
      if (inTemplate === m.value) continue
      const templateNote =
        inTemplate === undefined
          ? 'the pod template has no such label'
          : `the pod template says ${m.key}=${JSON.stringify(inTemplate)}, which is what counts`
      findings.push({
        code: 'LabelOnControllerMetadata',
        kind: 'Misconfiguration',
        message: `${label} has ${m.where} ${m.key}=${JSON.stringify(m.value)} on its own metadata; webhooks and istiod only read the pod template (${templateNote})`,
        params: patchParams(base, kind, m.key, m.value),
      })
    }
  }

  const annotation = pod.annotations[injectKey]
  const labelled = Object.hasOwn(pod.labels, injectKey)
  if (annotation === undefined || labelled) return findings

  const namespaceUnlabelled =
    namespaceLabels !== undefined &&
    !Object.hasOwn(namespaceLabels, injectionLabel) &&
    !Object.hasOwn(namespaceLabels, revLabel)
  const autoInjectAll = options.autoInjectAll ?? index?.autoInjectAll ?? false
  // istio: manifests/charts/istio-control/istio-discovery/templates/mutatingwebhook.yaml object.sidecar-injector (label In [true])
  if (
    annotation === 'true' &&
    namespaceUnlabelled &&
    !Object.hasOwn(pod.labels, revLabel) &&
    !autoInjectAll
  ) {
    findings.push({
      code: 'AnnotationOnlyOptIn',
      kind: 'Misconfiguration',
      message: `${label}: sidecar.istio.io/inject="true" is an annotation in a namespace without istio-injection or istio.io/rev; the object.sidecar-injector webhook selects the label, so istiod is never called${kind === 'Pod' ? ' (recreate the pod with the label)' : ''}`,
      params: {...base, patch: templatePatch(kind, injectKey, 'true', true)},
    })
    return findings
  }
  // istio: pkg/config/analysis/analyzers/annotations (IST0135 DeprecatedAnnotation), suppressed when the label exists.
  findings.push({
    code: 'DeprecatedInjectAnnotation',
    kind: 'Misconfiguration',
    message: `${label}: annotation sidecar.istio.io/inject=${JSON.stringify(annotation)} is deprecated in favor of the label; webhooks cannot see annotations`,
    params: patchParams(base, kind, injectKey, annotation, true),
  })
  return findings
}
