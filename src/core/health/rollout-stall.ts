// What a restart does when every new pod is rejected after injection, per controller, from its rollout strategy.
import type {RolloutStrategy} from '../snapshot.js'

interface Owner {
  readonly kind: string
  readonly name: string
}

/** intstr.GetScaledValueFromIntOrPercent: an integer as is, a percentage of `total` rounded up (maxSurge) or down. */
const scaled = (value: string | undefined, fallback: string, total: number, roundUp: boolean): number => {
  const text = value ?? fallback
  const percent = /^(\d+)%$/.exec(text)
  if (percent === null) return Number.parseInt(text, 10) || 0
  const exact = (Number(percent[1]) * total) / 100
  return roundUp ? Math.ceil(exact) : Math.floor(exact)
}

const pods = (n: number): string => `${n} ${n === 1 ? 'pod' : 'pods'}`

// kubernetes pkg/controller/deployment: rolling.go reconcileOldReplicaSets, util ResolveFenceposts, recreate.go.
const deploymentStall = (replicas: number | undefined, rollout: RolloutStrategy | undefined): string => {
  if (rollout?.type === 'Recreate')
    return 'restarting now would leave the workload with no pods: strategy Recreate removes every old pod before the new ReplicaSet, whose pods are rejected, creates any'
  if (replicas === undefined)
    return 'a rollout restart now would stall: the new ReplicaSet cannot create pods (FailedCreate), old pods are removed only down to replicas − maxUnavailable and are never replaced'
  const surge = scaled(rollout?.maxSurge, '25%', replicas, true)
  const unavailableRaw = scaled(rollout?.maxUnavailable, '25%', replicas, false)
  const unavailable = surge === 0 && unavailableRaw === 0 ? 1 : unavailableRaw
  const bounds = `maxSurge ${rollout?.maxSurge ?? '25%'} = ${surge}, maxUnavailable ${rollout?.maxUnavailable ?? '25%'} = ${unavailable} of ${replicas}`
  const left = unavailable > surge ? Math.max(replicas - unavailable, 0) : replicas
  if (left === 0)
    return `restarting now would leave the workload with no pods: ${bounds}, so every old pod is removed while the new ReplicaSet's pods are rejected`
  const lost = replicas - left
  return `a rollout restart now would stall, not finish: the new ReplicaSet's pods are rejected (FailedCreate) and, with ${bounds}, ${lost === 0 ? `all ${pods(replicas)} of the old ReplicaSet stay` : `${pods(lost)} of the old ReplicaSet are removed and not replaced (${pods(left)} left)`}; the Deployment reports ProgressDeadlineExceeded after progressDeadlineSeconds (600 s by default) and does not roll back`
}

// kubernetes pkg/controller/statefulset/stateful_set_control.go: one pod at a time, highest ordinal first.
const statefulSetStall = (owner: Owner, replicas: number | undefined, rollout?: RolloutStrategy): string =>
  rollout?.type === 'OnDelete'
    ? 'a rollout restart changes nothing until pods are deleted (updateStrategy OnDelete), and each deleted pod is not re-created: it is rejected after injection'
    : `restarting now would delete ${replicas === undefined ? 'the highest-ordinal pod' : `${owner.name}-${replicas - 1}`} (highest ordinal first) and fail to re-create it: one pod fewer, and the rollout stops there`

// kubernetes pkg/controller/daemon/update.go: maxUnavailable 1, maxSurge 0 by default.
const daemonSetStall = (rollout?: RolloutStrategy): string =>
  rollout?.type === 'OnDelete'
    ? 'a rollout restart changes nothing until pods are deleted (updateStrategy OnDelete), and a deleted pod is not re-created on its node'
    : rollout?.maxSurge !== undefined && rollout.maxSurge !== '0' && rollout.maxSurge !== '0%'
      ? 'a rollout restart now would stall: the surge pod on the first node is rejected, the old pod stays'
      : `restarting now would delete the pod on ${rollout?.maxUnavailable ?? '1'} node(s) (maxUnavailable) and fail to re-create it: those nodes run no pod of it, and the rollout stops there`

/** One sentence: what restarting does now, given the new pods are rejected after injection. */
export const rejectionConsequence = (
  owner: Owner | null,
  podNames: readonly string[],
  workload: {readonly replicas?: number; readonly rollout?: RolloutStrategy} | undefined,
): string => {
  if (owner === null)
    return `restarting now would leave ${podNames.length === 1 ? 'this pod' : 'these pods'} gone: a deleted pod is re-created from its manifest, and that create is rejected after injection`
  switch (owner.kind) {
    case 'Deployment':
    case 'DeploymentConfig':
      return deploymentStall(workload?.replicas, workload?.rollout)
    case 'StatefulSet':
      return statefulSetStall(owner, workload?.replicas, workload?.rollout)
    case 'DaemonSet':
      return daemonSetStall(workload?.rollout)
    case 'Job':
    case 'CronJob':
      return "the next run creates no pods: the Job's pod creates are rejected after injection (FailedCreate)"
    default:
      return 'restarting now would leave the workload with no pods: each deleted pod is replaced by a create that is rejected after injection'
  }
}
