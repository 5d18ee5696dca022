// What a pod's controller and the API server's built-in admission plugins add to its template, so that --observed
// counts them as theirs and not as admission webhooks' (both are applied to the template side of the comparison).
const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value)

type Json = Record<string, unknown>

const record = (value: unknown): Json => (isObject(value) ? value : {})
const list = (value: unknown): Json[] => (Array.isArray(value) ? value.filter(isObject) : [])
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined)

export interface ControllerView {
  /** The template with the controller's and built-in plugins' additions (metadata labels/annotations, spec). */
  readonly template: Json
  /** Who added what, e.g. `DaemonSet controller: node affinity, 6 tolerations`. */
  readonly additions: readonly string[]
}

const toleration = (key: string, effect: string, seconds?: number): Json => ({
  key,
  operator: 'Exists',
  effect,
  ...(seconds === undefined ? {} : {tolerationSeconds: seconds}),
})

// kubernetes: pkg/apis/core/v1/helper/helpers.go AddOrUpdateTolerationInPodSpec (same key, operator, value, effect: replaced).
const addOrUpdateToleration = (spec: Json, added: Json): void => {
  const same = (t: Json): boolean =>
    t.key === added.key &&
    (t.operator ?? 'Equal') === added.operator &&
    (t.value ?? '') === '' &&
    (t.effect ?? '') === added.effect
  const tolerations = list(spec.tolerations)
  const index = tolerations.findIndex(same)
  if (index >= 0) tolerations[index] = added
  else tolerations.push(added)
  spec.tolerations = tolerations
}

// Only what the pod carries is modelled: a disabled plugin or an older controller never reads as a removal.
const podHas = (pod: Json, wanted: Json): boolean =>
  list(record(pod.spec).tolerations).some(
    (t) =>
      t.key === wanted.key &&
      t.operator === wanted.operator &&
      t.effect === wanted.effect &&
      t.tolerationSeconds === wanted.tolerationSeconds,
  )

const tolerationCount = (n: number): string => `${n} toleration${n === 1 ? '' : 's'}`

/** Adds each of `tolerations` that the pod has; returns how many. */
const addTolerations = (spec: Json, pod: Json, tolerations: readonly Json[]): number => {
  const present = tolerations.filter((t) => podHas(pod, t))
  for (const t of present) addOrUpdateToleration(spec, t)
  return present.length
}

/** A label or annotation the controller sets, copied from the pod (its value is the controller's to choose). */
const copyMeta = (template: Json, pod: Json, field: 'labels' | 'annotations', key: string): boolean => {
  const value = record(record(pod.metadata)[field])[key]
  if (typeof value !== 'string' || record(record(template.metadata)[field])[key] === value) return false
  const meta = record(template.metadata)
  meta[field] = {...record(meta[field]), [key]: value}
  template.metadata = meta
  return true
}

const daemonNodeName = (pod: Json): string | undefined => {
  const terms = list(
    record(
      record(record(record(pod.spec).affinity).nodeAffinity).requiredDuringSchedulingIgnoredDuringExecution,
    ).nodeSelectorTerms,
  )
  for (const term of terms)
    for (const field of list(term.matchFields))
      if (field.key === 'metadata.name' && field.operator === 'In' && Array.isArray(field.values))
        return text(field.values[0])
  return undefined
}

// kubernetes: pkg/controller/daemon/util/daemonset_util.go AddOrUpdateDaemonPodTolerations, CreatePodTemplate,
// ReplaceDaemonSetPodNodeNameNodeAffinity.
const daemonSet = (template: Json, pod: Json): string[] => {
  const spec = record(template.spec)
  const done: string[] = []
  const tolerations = [
    toleration('node.kubernetes.io/not-ready', 'NoExecute'),
    toleration('node.kubernetes.io/unreachable', 'NoExecute'),
    toleration('node.kubernetes.io/disk-pressure', 'NoSchedule'),
    toleration('node.kubernetes.io/memory-pressure', 'NoSchedule'),
    toleration('node.kubernetes.io/pid-pressure', 'NoSchedule'),
    toleration('node.kubernetes.io/unschedulable', 'NoSchedule'),
    ...(spec.hostNetwork === true
      ? [toleration('node.kubernetes.io/network-unavailable', 'NoSchedule')]
      : []),
  ]
  const added = addTolerations(spec, pod, tolerations)
  if (added > 0) done.push(tolerationCount(added))
  const node = daemonNodeName(pod)
  if (node !== undefined) {
    const affinity = record(spec.affinity)
    const nodeAffinity = record(affinity.nodeAffinity)
    const required = record(nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution)
    required.nodeSelectorTerms = [{matchFields: [{key: 'metadata.name', operator: 'In', values: [node]}]}]
    nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution = required
    affinity.nodeAffinity = nodeAffinity
    spec.affinity = affinity
    done.push(`node affinity for ${node}`)
  }
  template.spec = spec
  for (const key of ['controller-revision-hash', 'pod-template-generation'])
    if (copyMeta(template, pod, 'labels', key)) done.push(`label ${key}`)
  return done
}

// kubernetes: pkg/controller/statefulset/stateful_set_utils.go newStatefulSetPod (initIdentity, updateStorage).
const statefulSet = (template: Json, pod: Json, owner: Json): string[] => {
  const spec = record(template.spec)
  const setSpec = record(owner.spec)
  const podName = text(record(pod.metadata).name) ?? ''
  const setName = text(record(owner.metadata).name) ?? ''
  const ordinal = podName.slice(setName.length + 1)
  const done: string[] = []
  spec.hostname = podName
  const service = text(setSpec.serviceName)
  if (service !== undefined && service !== '') spec.subdomain = service
  done.push('hostname and subdomain')
  const claims = list(setSpec.volumeClaimTemplates)
    .map((claim) => text(record(claim.metadata).name))
    .filter((name): name is string => name !== undefined)
  if (claims.length > 0) {
    const claimVolumes = claims.map((name) => ({
      name,
      persistentVolumeClaim: {claimName: `${name}-${setName}-${ordinal}`},
    }))
    spec.volumes = [...claimVolumes, ...list(spec.volumes).filter((v) => !claims.includes(String(v.name)))]
    done.push(`${claims.length} claim volumes`)
  }
  template.spec = spec
  for (const key of [
    'statefulset.kubernetes.io/pod-name',
    'apps.kubernetes.io/pod-index',
    'controller-revision-hash',
  ])
    if (copyMeta(template, pod, 'labels', key)) done.push(`label ${key}`)
  return done
}

// kubernetes: pkg/controller/job/indexed_job_utils.go addCompletionIndexEnvVariables/addCompletionIndexAnnotation, podGenerateNameWithIndex.
const job = (template: Json, pod: Json, owner: Json): string[] => {
  if (record(owner.spec).completionMode !== 'Indexed') return []
  const done: string[] = []
  if (copyMeta(template, pod, 'annotations', 'batch.kubernetes.io/job-completion-index'))
    done.push('annotation batch.kubernetes.io/job-completion-index')
  if (copyMeta(template, pod, 'labels', 'batch.kubernetes.io/job-completion-index'))
    done.push('label batch.kubernetes.io/job-completion-index')
  const spec = record(template.spec)
  const hostname = text(record(pod.spec).hostname)
  if (hostname !== undefined && text(spec.subdomain) !== undefined && spec.hostname === undefined) {
    spec.hostname = hostname
    template.spec = spec
    done.push('hostname')
  }
  return done
}

// kubernetes: plugin/pkg/admission/defaulttolerationseconds/admission.go (300 s unless the pod tolerates the taint).
const defaultTolerationSeconds = (template: Json, pod: Json): string[] => {
  const spec = record(template.spec)
  const tolerates = (key: string): boolean =>
    list(spec.tolerations).some(
      (t) => (t.key === key || (t.key ?? '') === '') && ((t.effect ?? '') === '' || t.effect === 'NoExecute'),
    )
  const keys = ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'].filter(
    (key) => !tolerates(key),
  )
  const added = addTolerations(
    spec,
    pod,
    keys.map((key) => toleration(key, 'NoExecute', 300)),
  )
  template.spec = spec
  return added === 0 ? [] : [tolerationCount(added)]
}

/** `template` (of the pod's controller `kind`, object `owner`) as the controller and built-in plugins make the pod. */
export const controllerView = (kind: string, owner: Json, template: Json, pod: Json): ControllerView => {
  const copy = structuredClone(template)
  const additions: string[] = []
  const by = (who: string, done: readonly string[]): void => {
    if (done.length > 0) additions.push(`${who}: ${done.join(', ')}`)
  }
  if (kind === 'DaemonSet') by('DaemonSet controller', daemonSet(copy, pod))
  if (kind === 'StatefulSet') by('StatefulSet controller', statefulSet(copy, pod, owner))
  if (kind === 'Job') by('Job controller', job(copy, pod, owner))
  by('DefaultTolerationSeconds admission', defaultTolerationSeconds(copy, pod))
  return {template: copy, additions}
}
