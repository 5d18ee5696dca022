// Observed state against the decision for a pod created now: NeedsRestart, UnexpectedSidecar, RevisionDrift,
// RestartWouldBeRejected, and pod creation blocked by an unreachable webhook (WebhookBlocksCreation).
import {sh} from './shell-command.js'
import {decodeCABundle} from '../health/ca-bundle.js'
import {classifyCreateFailures, istiodSelector} from '../health/failure-events.js'
import {assessServiceChain} from '../health/webhook-health.js'
import type {WebhookHealth} from '../health/webhook-health.js'
import {reasonCatalog} from './reasons.js'
import {observeSidecar} from '../istio/sidecar-state.js'
import type {ClusterSnapshot, PodFacts, WorkloadFacts} from '../snapshot.js'
import {restartSteps} from './actions.js'
import type {ActionSource} from './actions.js'
import type {InjectionDecision} from './decide-injection.js'
import type {Check, Finding} from './verdict.js'

export interface PodState {
  readonly pod: PodFacts
  readonly injected: boolean
  readonly injectedRevision: string | null
  readonly evidence: string
}

export const observePod = (pod: PodFacts): PodState => {
  const state = observeSidecar(pod)
  return {pod, injected: state.hasSidecar, injectedRevision: state.revision, evidence: state.evidence}
}

export const stateCheck = (state: PodState): Check => ({
  stage: 'State',
  code: state.injected ? 'SidecarPresent' : 'SidecarAbsent',
  result: 'Info',
  subject: `pod ${state.pod.namespace}/${state.pod.name}`,
  detail: state.evidence,
})

export interface DriftReport {
  readonly findings: readonly Finding[]
  readonly actions: readonly ActionSource[]
}

const listNames = (states: readonly PodState[]): string => {
  const names = states.map((s) => s.pod.name)
  return names.length <= 5 ? names.join(', ') : `${names.slice(0, 5).join(', ')} and ${names.length - 5} more`
}

// k8s: apiserver admission/plugin/webhook/mutating/dispatcher.go: under Ignore a failed call admits the object unchanged,
// recording only the audit annotation failed-open.mutation.webhook.admission.k8s.io/round_N_index_M (no event).
const failOpenNote = (decision: Partial<Pick<InjectionDecision, 'matches'>>): string => {
  const open = decision.matches?.find((m) => m.istio && m.result === 'Match' && m.failurePolicy === 'Ignore')
  if (open === undefined) return ''
  const subject = `${open.webhook.configuration}/${open.webhook.name}`
  return `; ${subject} has failurePolicy Ignore, so a pod created while istiod did not answer was admitted without a sidecar and without an event: check that istiod answers (kubectl inject-check --health) before restarting`
}

/** Drift of existing pods against what a pod created now would get; `subject` names them (`pod web-0`, `3 of 4 pods of deployment/web`). */
export const findDrift = (
  states: readonly PodState[],
  decision: Pick<InjectionDecision, 'outcome' | 'revision' | 'reason'> &
    Partial<Pick<InjectionDecision, 'matches'>>,
  owner: {readonly kind: string; readonly name: string} | undefined,
  isCurrentRevision: (injected: string) => boolean = (injected) => injected === decision.revision,
): DriftReport => {
  if (decision.outcome === 'Unknown' || states.length === 0) return {findings: [], actions: []}
  const findings: Finding[] = []
  const restart = (state: PodState): ActionSource[] =>
    restartSteps({
      kind: 'Pod',
      namespace: state.pod.namespace,
      name: state.pod.name,
      owner: owner ?? state.pod.owner,
      controller: state.pod.controller,
    })
  const of = (group: readonly PodState[]): string =>
    states.length === 1
      ? `pod ${group[0]?.pod.name ?? ''}`
      : `${group.length} of ${states.length} pods (${listNames(group)})`
  const missing = decision.outcome === 'Inject' ? states.filter((s) => !s.injected) : []
  const unexpected = decision.outcome === 'Skip' ? states.filter((s) => s.injected) : []
  // A restart would not drop the sidecar: the new pod would be rejected, so no restart is suggested.
  const rejected = decision.outcome === 'Reject' ? states.filter((s) => s.injected) : []
  const drifted =
    decision.outcome === 'Inject' && decision.revision !== null
      ? states.filter(
          (s) => s.injected && s.injectedRevision !== null && !isCurrentRevision(s.injectedRevision),
        )
      : []
  if (missing.length > 0) {
    findings.push({
      code: 'NeedsRestart',
      kind: 'NeedsRestart',
      message: `${of(missing)} would be injected if created now but run${missing.length === 1 && states.length === 1 ? 's' : ''} without a sidecar: restart to inject${failOpenNote(decision)}`,
    })
  }
  if (unexpected.length > 0) {
    findings.push({
      code: 'UnexpectedSidecar',
      kind: 'UnexpectedSidecar',
      message: `${of(unexpected)} run${unexpected.length === 1 && states.length === 1 ? 's' : ''} a sidecar that a pod created now would not get`,
    })
  }
  if (rejected.length > 0) {
    findings.push({
      code: 'RestartWouldBeRejected',
      kind: 'CreationBlocked',
      message: `${of(rejected)} run${rejected.length === 1 && states.length === 1 ? 's' : ''} a sidecar, but a pod created now would be rejected (${decision.reason}): do not restart before fixing that`,
    })
  }
  if (drifted.length > 0) {
    const revisions = [...new Set(drifted.map((s) => s.injectedRevision))].join(', ')
    findings.push({
      code: 'RevisionDrift',
      kind: 'RevisionDrift',
      message: `${of(drifted)} injected by revision ${revisions}; a pod created now gets revision ${decision.revision ?? ''}`,
    })
  }
  const needsAction = [...missing, ...unexpected, ...drifted]
  // composeActions drops the duplicates (one rollout restart covers every pod of a Deployment).
  return {findings, actions: needsAction.flatMap(restart)}
}

const byteOrder = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/** A controller that creates the target's pods and records FailedCreate events on itself. */
export interface PodCreator {
  readonly kind: string
  readonly name: string
}

/** The controllers that create a workload's pods: itself, its ReplicaSets (Deployment) or its Jobs (CronJob). */
export const podCreatorsOf = (snapshot: ClusterSnapshot, workload: WorkloadFacts): PodCreator[] => {
  const childKind =
    workload.kind === 'Deployment' ? 'ReplicaSet' : workload.kind === 'CronJob' ? 'Job' : undefined
  if (childKind === undefined) return [{kind: workload.kind, name: workload.name}]
  return snapshot.workloads
    .filter(
      (w) =>
        w.kind === childKind &&
        w.namespace === workload.namespace &&
        w.controller?.kind === workload.kind &&
        w.controller.name === workload.name,
    )
    .map((w) => ({kind: w.kind, name: w.name}))
}

/** Health of the selected webhooks as the caller judged it (with a clock), or time-free checks when it did not. */
export interface CreationBlockOptions {
  /** From the health module (`assessWebhooks(snapshot, now)`); undefined: only time-free checks (service chain, caBundle decoding). */
  readonly webhookHealth?: readonly WebhookHealth[] | undefined
  /** True for a pod that exists: a failing webhook rejects its next restart (Warning) rather than its creation now. */
  readonly running?: boolean
  /** The snapshot's time: FailedCreate events older than the retry window are history, not evidence of now. */
  readonly at?: Date | undefined
}

interface Breakage {
  readonly code: string
  readonly detail: string
}

// The first Error-level failure of the webhook: what makes the API server's call fail under failurePolicy Fail.
const breakageOf = (
  snapshot: ClusterSnapshot,
  match: Pick<InjectionDecision, 'matches'>['matches'][number],
  options: CreationBlockOptions,
): Breakage | undefined => {
  const subject = `${match.webhook.configuration}/${match.webhook.name}`
  const judged = options.webhookHealth?.find(
    (h) => h.configuration === match.webhook.configuration && h.webhook === match.webhook.name,
  )
  if (judged !== undefined) {
    if (judged.state !== 'Failing') return undefined
    const failed = judged.checks.find((c) => c.result === 'Fail' && reasonCatalog[c.code].level === 'Error')
    return failed === undefined ? undefined : {code: failed.code, detail: failed.detail}
  }
  const config = snapshot.webhookConfigurations.find((c) => c.metadata.name === match.webhook.configuration)
  const webhook = config?.webhooks?.find((w) => w.name === match.webhook.name)
  const service = webhook?.clientConfig.service
  if (config !== undefined && service !== undefined) {
    const chain = assessServiceChain(
      snapshot,
      config,
      {namespace: service.namespace, name: service.name, port: service.port ?? 443},
      match.revision,
      subject,
    )
    const broken = chain.broken ? chain.checks.find((c) => c.result === 'Fail') : undefined
    if (broken !== undefined) return {code: broken.code, detail: broken.detail}
  }
  const decoded = decodeCABundle(webhook?.clientConfig.caBundle)
  if (webhook !== undefined && decoded.kind === 'Invalid')
    return {code: 'WebhookCABundleInvalid', detail: `clientConfig.caBundle: ${decoded.error}`}
  return undefined
}

/**
 * Pods created now are rejected before istiod decides when an Istio webhook the API server calls has failurePolicy
 * Fail and is failing (no Service or ready endpoints, a bad caBundle, a stale revision), or FailedCreate events name
 * that webhook. Events of the target's own controllers, or a template, make it WebhookBlocksCreation; a running pod
 * the failing webhook selects gets WebhookFailing (its next restart would be rejected).
 * k8s: apiserver/pkg/admission/plugin/webhook/mutating/dispatcher.go (call errors under Fail reject).
 */
export const findCreationBlock = (
  snapshot: ClusterSnapshot,
  decision: Pick<InjectionDecision, 'matches'>,
  namespace: string,
  creators: readonly PodCreator[],
  options: CreationBlockOptions = {},
): DriftReport => {
  const findings: Finding[] = []
  const actions: ActionSource[] = []
  const failures = classifyCreateFailures(snapshot, {
    services: snapshot.services,
    ...(options.at === undefined ? {} : {at: options.at}),
  }).filter((d) => d.recent && d.object !== null && d.object.namespace === namespace)
  for (const match of decision.matches) {
    if (!match.istio || match.result !== 'Match' || match.failurePolicy !== 'Fail') continue
    const config = snapshot.webhookConfigurations.find((c) => c.metadata.name === match.webhook.configuration)
    const service = config?.webhooks?.find((w) => w.name === match.webhook.name)?.clientConfig.service
    const subject = `${match.webhook.configuration}/${match.webhook.name}`
    const broken = breakageOf(snapshot, match, options)
    const mine = (d: (typeof failures)[number]): boolean =>
      creators.some((c) => c.kind === d.object?.kind && c.name === d.object.name)
    // An event is evidence about its own controller: other workloads (and new manifests) are at risk only when the
    // webhook's health shows it down (`broken`). Most frequent first, then by name: independent of listing order.
    const own = failures
      .filter((d) => d.webhook === match.webhook.name && mine(d))
      .sort((a, b) => b.count - a.count || byteOrder(a.object?.name ?? '', b.object?.name ?? ''))
    const event = own[0]
    if (broken === undefined && event === undefined) continue
    // No time in the message: recency was judged above, and the text reads the same live, from files and bundles.
    const occurrences = (d: (typeof own)[number]): string =>
      d.events === 0
        ? 'ReplicaFailure condition'
        : `${d.events === 1 ? '1 event' : `${d.events} events`}${d.count > d.events ? `, seen ${d.count} times` : ''}`
    const evidence = [
      ...(broken === undefined ? [] : [`${broken.detail} (${broken.code})`]),
      ...(event === undefined
        ? []
        : [
            `${event.object?.kind.toLowerCase() ?? ''}/${event.object?.name ?? ''}: ${event.message} (${occurrences(event)})`,
          ]),
    ]
    const blocksNow = own.length > 0 || options.running !== true
    const revision = match.revision === null ? '' : ` ${match.revision}`
    findings.push(
      blocksNow
        ? {
            code: 'WebhookBlocksCreation',
            kind: 'CreationBlocked',
            message: `pods are being rejected: ${subject} has failurePolicy Fail and the API server cannot call istiod${revision}; ${evidence.join('; ')}. The controller retries FailedCreate on its own once istiod answers`,
          }
        : {
            code: 'WebhookFailing',
            kind: 'CreationBlocked',
            message: `the pod runs, but its next restart would be rejected: ${subject} has failurePolicy Fail and is failing; ${evidence.join('; ')}`,
          },
    )
    const ns = service?.namespace ?? 'istio-system'
    // An ExternalName Service has no istiod pods or EndpointSlices behind it: the Service names the host dialled.
    const external = snapshot.services.some(
      (s) => s.namespace === ns && s.name === service?.name && s.type === 'ExternalName',
    )
    const commands = [
      ...(service !== undefined && external
        ? [sh`kubectl get service ${service.name} -n ${ns} -o yaml`]
        : [
            sh`kubectl get pods -n ${ns} -l ${istiodSelector(match.revision)}`,
            ...(service === undefined
              ? []
              : [sh`kubectl get endpointslices -n ${ns} -l kubernetes.io/service-name=${service.name}`]),
          ]),
      ...(event?.hints ?? []),
    ]
    // A hint that only repeats an earlier command with other flags adds nothing.
    const key = (c: string): string => c.replace(/\s+-o\s+\S+|\s+--\S+/g, '').trim()
    const kept: string[] = []
    for (const c of commands) if (!kept.some((k) => key(k) === key(c))) kept.push(c)
    // Event hints mix prose and commands; only whole commands are actions.
    const whole = kept.filter((c) => /^(kubectl|istioctl) /.test(c) && !c.includes(';'))
    actions.push(...whole.map((command) => ({command})))
  }
  return {findings, actions}
}
