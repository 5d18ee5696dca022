// Observed state against the decision for a pod created now: NeedsRestart, UnexpectedSidecar, RevisionDrift.
import {observeSidecar} from '../istio/sidecar-state.js'
import type {PodFacts} from '../snapshot.js'
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
  decision: Pick<InjectionDecision, 'outcome' | 'revision'>,
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
  const unexpected = decision.outcome !== 'Inject' ? states.filter((s) => s.injected) : []
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
