// Restart plan: pods that need a new injection, grouped by the workload a user restarts, in the
// order a careful operator runs them: fix the injector first, one namespace at a time, gateways last.
import {isSafeCommand, sh} from '../verdict/shell-command.js'
import type {ReasonCode} from '../verdict/reasons.js'
import type {Check, FindingKind, Verdict} from '../verdict/verdict.js'
import type {RolloutStrategy} from '../snapshot.js'
import {rejectionConsequence} from './rollout-stall.js'
import {istiodSelector, revisionOfIstiodService} from './failure-events.js'
import type {ProxyFreshnessFinding} from './proxy-freshness.js'
import type {WebhookHealth} from './webhook-health.js'
import {compareText} from '../text-order.js'

export type RestartAction =
  'FixWebhook' | 'FixAdmission' | 'Restart' | 'DeletePods' | 'RerunJob' | 'RecreatePod'

export interface RestartStep {
  readonly order: number
  readonly action: RestartAction
  readonly namespace: string | null
  /** The workload restarted; for FixWebhook, the webhook configuration. */
  readonly target: {readonly kind: string; readonly name: string}
  readonly pods: readonly string[]
  readonly codes: readonly ReasonCode[]
  readonly commands: readonly string[]
  readonly warning?: string
  /** Webhook configurations that must be healthy before this step can create pods. */
  readonly blockedBy: readonly string[]
  /** Admission rules that reject this workload's injected pods: the FixAdmission step before it must come first. */
  readonly rejectedBy?: readonly ReasonCode[]
  readonly gateway: boolean
}

export interface RestartPlan {
  readonly steps: readonly RestartStep[]
  readonly blocked: boolean
  /** Some restart would bring pods that admission rejects after injection. */
  readonly admissionBlocked: boolean
  readonly counts: {
    readonly workloads: number
    readonly pods: number
    readonly namespaces: number
    readonly unmanagedPods: number
  }
}

/** A pod or workload that needs a new injection. */
export interface RestartCandidate {
  readonly namespace: string
  /** Pod name; absent when the verdict is about a workload template. */
  readonly pod?: string
  readonly owner?: {readonly kind: string; readonly name: string}
  readonly code: ReasonCode
  /** Webhook configuration that will inject the new pods, when known. */
  readonly configuration?: string
  readonly revision?: string | null
  /** The injected pod would be rejected (Pod Security, quota, LimitRange…): why, and the fix. */
  readonly rejected?: AdmissionBlock
}

export interface AdmissionBlock {
  readonly code: ReasonCode
  readonly detail: string
  readonly commands: readonly string[]
}

/** What a restart acts on: replicas and the rollout strategy as written on the workload. */
export interface WorkloadRollout {
  readonly replicas?: number
  readonly rollout?: RolloutStrategy
}

export interface RestartPlanOptions {
  readonly webhooks?: readonly WebhookHealth[]
  /** Namespaces restarted after all others (istio-system and kube-system always are). */
  readonly criticalNamespaces?: readonly string[]
  /** Workloads restarted last of all; defaults to names containing `gateway`. */
  readonly isGateway?: (namespace: string, owner: {readonly kind: string; readonly name: string}) => boolean
  /** The workload behind a step, for what a restart does when its new pods are rejected. */
  readonly workloadOf?: (
    namespace: string,
    owner: {readonly kind: string; readonly name: string},
  ) => WorkloadRollout | undefined
}

const restartKinds: readonly FindingKind[] = ['NeedsRestart', 'RevisionDrift', 'StaleProxy']
const workloadKinds = new Set([
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
  'ReplicationController',
  'Job',
  'CronJob',
])
/** Within a namespace: stateless first, then ordered and per-node workloads, then pods nobody recreates. */
const kindRank: Readonly<Record<string, number>> = {
  Deployment: 0,
  DeploymentConfig: 0,
  ReplicaSet: 1,
  ReplicationController: 1,
  StatefulSet: 2,
  DaemonSet: 3,
  Job: 4,
  CronJob: 4,
  Pod: 5,
}
const alwaysCritical = ['istio-system', 'kube-system']

export const restartCandidatesFromVerdicts = (verdicts: readonly Verdict[]): RestartCandidate[] =>
  verdicts.flatMap((verdict) => {
    const finding = verdict.findings.find((f) => restartKinds.includes(f.kind))
    if (finding === undefined) return []
    const target = verdict.target
    const owner =
      verdict.owner ?? (workloadKinds.has(target.kind) ? {kind: target.kind, name: target.name} : undefined)
    if (target.kind !== 'Pod' && owner === undefined) return []
    return [
      {
        namespace: target.namespace,
        ...(target.kind === 'Pod' ? {pod: target.name} : {}),
        ...(owner ? {owner} : {}),
        code: finding.code,
        ...(verdict.webhook ? {configuration: verdict.webhook.configuration} : {}),
        revision: verdict.revision,
        ...(verdict.admitted === false ? admissionBlockOf(verdict.admission ?? [], target.namespace) : {}),
      },
    ]
  })

/** The first rule that rejects the injected pod, with the commands that lead to its fix. */
const admissionBlockOf = (checks: readonly Check[], ns: string): {rejected?: AdmissionBlock} => {
  const failed = checks.filter((c) => c.result === 'Fail')
  const first = failed[0]
  if (first === undefined) return {}
  const commands = failed.map((c) => {
    const named = c.subject.split('/').at(-1) ?? ''
    if (c.code === 'PodSecurityViolation')
      return /istio-init/.test(c.detail)
        ? 'istioctl install --set components.cni.enabled=true'
        : sh`kubectl get namespace ${ns} --show-labels`
    if (c.code === 'QuotaExceeded') return sh`kubectl describe resourcequota ${named} -n ${ns}`
    if (c.code === 'LimitRangeViolation') return sh`kubectl describe limitrange ${named} -n ${ns}`
    return sh`kubectl get events -n ${ns} --field-selector reason=FailedCreate`
  })
  return {rejected: {code: first.code, detail: first.detail, commands: [...new Set(commands)]}}
}

export const restartCandidatesFromProxies = (proxies: readonly ProxyFreshnessFinding[]): RestartCandidate[] =>
  proxies.map((p) => ({
    namespace: p.namespace,
    pod: p.pod,
    ...(p.owner ? {owner: p.owner} : {}),
    code: p.code,
    revision: p.code === 'StaleProxyImage' ? p.revision : null,
  }))

const resourceName = (kind: string): string => kind.toLowerCase()

interface Group {
  namespace: string
  owner: {kind: string; name: string} | null
  pods: Set<string>
  codes: Set<ReasonCode>
  configurations: Set<string>
  revisions: Set<string>
  rejected?: AdmissionBlock
}

/** The fields every restart step shares, in their output order. */
type StepBase = Pick<RestartStep, 'pods' | 'codes' | 'blockedBy' | 'gateway'> & {readonly namespace: string}
type Owner = {readonly kind: string; readonly name: string}

/** Unmanaged pods: save, delete and re-create each by hand. */
const recreatePodStep = (base: StepBase): Omit<RestartStep, 'order'> => ({
  ...base,
  action: 'RecreatePod',
  target: {kind: 'Pod', name: base.pods.join(' ')},
  commands: base.pods.flatMap((pod) => [
    sh`kubectl get pod ${pod} -n ${base.namespace} -o yaml > ${`${pod}.yaml`}`,
    sh`kubectl delete pod ${pod} -n ${base.namespace}`,
  ]),
  warning:
    'not managed by a controller: a deleted pod does not come back; re-create it from its manifest (strip status, uid and resourceVersion from the saved YAML)',
})

/** Jobs are not restarted: a CronJob gets a manual run, a Job waits for its next one. */
const rerunJobStep = (base: StepBase, owner: Owner): Omit<RestartStep, 'order'> => ({
  ...base,
  action: 'RerunJob',
  target: owner,
  commands:
    owner.kind === 'CronJob'
      ? [sh`kubectl create job ${`${owner.name}-reinject`} --from=cronjob/${owner.name} -n ${base.namespace}`]
      : [],
  warning: 'Job pods are not restarted: the next run is injected with the current configuration',
})

/** A bare ReplicaSet or ReplicationController: deleting its pods makes it recreate them. */
const deletePodsStep = (base: StepBase, owner: Owner): Omit<RestartStep, 'order'> => ({
  ...base,
  action: 'DeletePods',
  target: owner,
  commands: [sh`kubectl delete pod ${base.pods} -n ${base.namespace}`],
  warning: `${owner.kind} ${owner.name} has no Deployment: deleting its pods one at a time lets it recreate them`,
})

/** Deployments, StatefulSets, DaemonSets: a rollout restart, then wait for it. */
const rolloutRestartStep = (base: StepBase, owner: Owner): Omit<RestartStep, 'order'> => {
  const ref = `${resourceName(owner.kind)}/${owner.name}`
  return {
    ...base,
    action: 'Restart',
    target: owner,
    commands: [
      sh`kubectl rollout restart ${ref} -n ${base.namespace}`,
      sh`kubectl rollout status ${ref} -n ${base.namespace} --timeout=10m`,
    ],
  }
}

/** A group's step, by how its pods come back: re-created by hand, re-run, deleted, or rolled out. */
const stepFor = (group: Group, blockedBy: string[], gateway: boolean): Omit<RestartStep, 'order'> => {
  const pods = [...group.pods].sort()
  const base = {namespace: group.namespace, pods, codes: [...group.codes].sort(), blockedBy, gateway}
  const owner = group.owner
  if (owner === null) return recreatePodStep(base)
  if (owner.kind === 'Job' || owner.kind === 'CronJob') return rerunJobStep(base, owner)
  if (owner.kind === 'ReplicaSet' || owner.kind === 'ReplicationController')
    return deletePodsStep(base, owner)
  return rolloutRestartStep(base, owner)
}

const groupKey = (c: RestartCandidate): string =>
  c.owner ? `${c.namespace}/${c.owner.kind}/${c.owner.name}` : `${c.namespace}/Pod/${c.pod ?? ''}`

/** Candidates → one group per workload (or per unmanaged pod), in first-seen order. */
const groupCandidates = (candidates: readonly RestartCandidate[]): Group[] => {
  const groups = new Map<string, Group>()
  for (const c of candidates) {
    const key = groupKey(c)
    let group = groups.get(key)
    if (group === undefined) {
      group = {
        namespace: c.namespace,
        owner: c.owner ? {...c.owner} : null,
        pods: new Set(),
        codes: new Set(),
        configurations: new Set(),
        revisions: new Set(),
      }
      groups.set(key, group)
    }
    if (c.pod !== undefined) group.pods.add(c.pod)
    group.codes.add(c.code)
    if (c.configuration) group.configurations.add(c.configuration)
    if (c.revision) group.revisions.add(c.revision)
    if (c.rejected && !group.rejected) group.rejected = c.rejected
  }
  return [...groups.values()]
}

/** The failing webhook configurations that would inject this group's new pods. */
const blockersOf = (group: Group, failing: readonly WebhookHealth[]): string[] => {
  const named = failing.filter(
    (w) =>
      group.configurations.has(w.configuration) ||
      (group.configurations.size === 0 && w.revision !== null && group.revisions.has(w.revision)),
  )
  return [...new Set(named.map((w) => w.configuration))].sort()
}

interface OrderedGroup {
  readonly group: Group
  readonly gateway: boolean
}

/** Gateways last, critical namespaces after others, then namespace, workload kind, name and pods. */
const orderGroups = (groups: readonly Group[], options: RestartPlanOptions): OrderedGroup[] => {
  const critical = new Set([...alwaysCritical, ...(options.criticalNamespaces ?? [])])
  const isGateway =
    options.isGateway ?? ((_ns: string, owner: {kind: string; name: string}) => /gateway/i.test(owner.name))
  return groups
    .map((group) => ({group, gateway: group.owner !== null && isGateway(group.namespace, group.owner)}))
    .sort(
      (a, b) =>
        Number(a.gateway) - Number(b.gateway) ||
        Number(critical.has(a.group.namespace)) - Number(critical.has(b.group.namespace)) ||
        compareText(a.group.namespace, b.group.namespace) ||
        (kindRank[a.group.owner?.kind ?? 'Pod'] ?? 5) - (kindRank[b.group.owner?.kind ?? 'Pod'] ?? 5) ||
        compareText(a.group.owner?.name ?? '', b.group.owner?.name ?? '') ||
        compareText([...a.group.pods].join(), [...b.group.pods].join()),
    )
}

/** A group's step with only safe commands; when admission rejects its new pods, what the restart then does. */
const restartStepFor = (
  {group, gateway}: OrderedGroup,
  failing: readonly WebhookHealth[],
  options: RestartPlanOptions,
): Omit<RestartStep, 'order'> => {
  const step = stepFor(group, blockersOf(group, failing), gateway)
  const safe = {...step, commands: step.commands.filter(isSafeCommand)}
  if (group.rejected === undefined) return safe
  const workload = group.owner === null ? undefined : options.workloadOf?.(group.namespace, group.owner)
  const consequence = rejectionConsequence(group.owner, step.pods, workload)
  return {
    ...safe,
    rejectedBy: [group.rejected.code],
    warning: `${consequence}${safe.warning === undefined ? '' : `; ${safe.warning}`}`,
  }
}

/** The commands that show why a webhook configuration's istiod is not serving. */
const webhookFixCommands = (configuration: string, hooks: readonly WebhookHealth[]): string[] => {
  const service = hooks.find((w) => w.service !== null)?.service
  return service
    ? [
        sh`kubectl get pods -n ${service.namespace} -l ${istiodSelector(hooks.find((w) => w.revision !== null)?.revision ?? revisionOfIstiodService(service.name))} -o wide`,
        sh`kubectl get endpointslices -n ${service.namespace} -l kubernetes.io/service-name=${service.name}`,
      ]
    : [sh`kubectl get mutatingwebhookconfiguration ${configuration} -o yaml`]
}

/** One FixWebhook step for a failing configuration that some restart depends on. */
const webhookFixStep = (
  configuration: string,
  failing: readonly WebhookHealth[],
): Omit<RestartStep, 'order'> => {
  const hooks = failing.filter((w) => w.configuration === configuration)
  const codes = [
    ...new Set(hooks.flatMap((w) => w.checks.filter((c) => c.result === 'Fail').map((c) => c.code))),
  ].sort()
  const service = hooks.find((w) => w.service !== null)?.service
  return {
    action: 'FixWebhook',
    namespace: service?.namespace ?? null,
    target: {kind: 'MutatingWebhookConfiguration', name: configuration},
    pods: [],
    codes,
    commands: webhookFixCommands(configuration, hooks),
    warning:
      'restarts would fail to create pods (or create them without a sidecar) until this webhook is healthy',
    blockedBy: [],
    gateway: false,
  }
}

const planCounts = (ordered: readonly OrderedGroup[]): RestartPlan['counts'] => ({
  workloads: ordered.filter(({group}) => group.owner !== null).length,
  pods: ordered.reduce((n, {group}) => n + group.pods.size, 0),
  namespaces: new Set(ordered.map(({group}) => group.namespace)).size,
  unmanagedPods: ordered
    .filter(({group}) => group.owner === null)
    .reduce((n, {group}) => n + group.pods.size, 0),
})

/** Steps: webhook fixes first, then namespaces (critical ones last), workloads by kind, gateways at the very end. */
export const buildRestartPlan = (
  candidates: readonly RestartCandidate[],
  options: RestartPlanOptions = {},
): RestartPlan => {
  const failing = (options.webhooks ?? []).filter((w) => w.state === 'Failing')
  const ordered = orderGroups(groupCandidates(candidates), options)
  const restartSteps = ordered.map((entry) => restartStepFor(entry, failing, options))
  const admissionSteps = admissionFixSteps(ordered.map(({group}) => group))
  const neededFixes = [...new Set(restartSteps.flatMap((s) => s.blockedBy))].sort()
  const fixSteps = neededFixes.map((configuration) => webhookFixStep(configuration, failing))
  const steps = [...fixSteps, ...admissionSteps, ...restartSteps].map((step, index) => ({
    order: index + 1,
    ...step,
  }))
  return {
    steps,
    blocked: neededFixes.length > 0,
    admissionBlocked: admissionSteps.length > 0,
    counts: planCounts(ordered),
  }
}

/** One FixAdmission step per namespace and rule, before any restart whose new pods that rule rejects. */
const admissionFixSteps = (groups: readonly Group[]): Omit<RestartStep, 'order'>[] => {
  const steps = new Map<string, Omit<RestartStep, 'order'>>()
  for (const group of groups) {
    const rejected = group.rejected
    if (rejected === undefined) continue
    const key = `${group.namespace}|${rejected.code}|${rejected.commands.join('|')}`
    if (steps.has(key)) continue
    steps.set(key, {
      action: 'FixAdmission',
      namespace: group.namespace,
      target: {kind: 'Admission', name: rejected.code},
      pods: [],
      codes: [rejected.code],
      commands: rejected.commands.filter(isSafeCommand),
      warning: `new pods here are rejected after injection: ${rejected.detail}`,
      blockedBy: [],
      gateway: false,
    })
  }
  return [...steps.values()]
}
