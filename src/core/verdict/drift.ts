// Observed state against the decision for a pod created now: NeedsRestart, UnexpectedSidecar, RevisionDrift,
// RestartWouldBeRejected, and pod creation blocked by an unreachable webhook (WebhookBlocksCreation).
import {classifyFailureEvents} from '../health/failure-events.js'
import {assessServiceChain} from '../health/webhook-health.js'
import {observeSidecar} from '../istio/sidecar-state.js'
import type {ClusterSnapshot, PodFacts, WorkloadFacts} from '../snapshot.js'
import {restartCommand} from './actions.js'
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

/** Drift of existing pods against what a pod created now would get; `subject` names them (`pod web-0`, `3 of 4 pods of deployment/web`). */
export const findDrift = (
  states: readonly PodState[],
  decision: Pick<InjectionDecision, 'outcome' | 'revision' | 'reason'>,
  owner: {readonly kind: string; readonly name: string} | undefined,
  isCurrentRevision: (injected: string) => boolean = (injected) => injected === decision.revision,
): DriftReport => {
  if (decision.outcome === 'Unknown' || states.length === 0) return {findings: [], actions: []}
  const findings: Finding[] = []
  const restart = (state: PodState): ActionSource => ({
    command: restartCommand({
      namespace: state.pod.namespace,
      name: state.pod.name,
      owner: owner ?? state.pod.owner,
      hasController: state.pod.controller !== undefined,
    }),
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
      message: `${of(missing)} would be injected if created now but run${missing.length === 1 && states.length === 1 ? 's' : ''} without a sidecar: restart to inject`,
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
  return {findings, actions: needsAction.map(restart)}
}

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

/**
 * Pods created now are rejected before istiod decides when an Istio webhook the API server calls has failurePolicy
 * Fail and cannot be reached (its Service has no ready endpoints), or FailedCreate events of the target's controllers
 * name that webhook. k8s: apiserver/pkg/admission/plugin/webhook/mutating/dispatcher.go (call errors under Fail reject).
 */
export const findCreationBlock = (
  snapshot: ClusterSnapshot,
  decision: Pick<InjectionDecision, 'matches'>,
  namespace: string,
  creators: readonly PodCreator[],
): DriftReport => {
  const findings: Finding[] = []
  const actions: ActionSource[] = []
  const failures = classifyFailureEvents(snapshot.events).filter(
    (d) =>
      d.object !== null &&
      d.object.namespace === namespace &&
      creators.some((c) => c.kind === d.object?.kind && c.name === d.object.name),
  )
  for (const match of decision.matches) {
    if (!match.istio || match.result !== 'Match' || match.failurePolicy !== 'Fail') continue
    const config = snapshot.webhookConfigurations.find((c) => c.metadata.name === match.webhook.configuration)
    const service = config?.webhooks?.find((w) => w.name === match.webhook.name)?.clientConfig.service
    const subject = `${match.webhook.configuration}/${match.webhook.name}`
    const chain =
      config === undefined || service === undefined
        ? undefined
        : assessServiceChain(
            snapshot,
            config,
            {namespace: service.namespace, name: service.name, port: service.port ?? 443},
            match.revision,
            subject,
          )
    const broken = chain?.broken === true ? chain.checks.find((c) => c.result === 'Fail') : undefined
    const events = failures.filter((d) => d.webhook === match.webhook.name)
    const event = events[0]
    if (broken === undefined && event === undefined) continue
    const evidence = [
      ...(broken === undefined ? [] : [`${broken.detail} (${broken.code})`]),
      ...(event === undefined
        ? []
        : [
            `${event.object?.kind ?? ''} ${event.object?.name ?? ''}: ${event.message} (×${event.count}${event.lastTimestamp === null ? '' : `, last ${event.lastTimestamp}`})`,
          ]),
    ]
    findings.push({
      code: 'WebhookBlocksCreation',
      kind: 'CreationBlocked',
      message: `pods are currently being rejected: ${subject} has failurePolicy Fail and the API server cannot call istiod ${match.revision ?? ''}; ${evidence.join('; ')}`,
    })
    const hints = event?.hints ?? []
    const ns = service?.namespace ?? 'istio-system'
    actions.push(
      {
        code: 'WebhookBlocksCreation',
        params: {istioNamespace: ns, service: service?.name ?? 'istiod'},
      },
      ...hints.map((command) => ({command})),
    )
  }
  return {findings, actions}
}
