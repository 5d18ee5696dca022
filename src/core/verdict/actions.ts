// Turns reason codes with parameters into exact commands, most useful first, without duplicates.
import {formatHint} from './reasons.js'
import type {ReasonCode} from './reasons.js'

export interface Hint {
  readonly code: ReasonCode
  readonly params: Readonly<Record<string, string>>
}

/** Literal commands (not from the catalog) are passed as `command`. */
export type ActionSource = Hint | {readonly command: string}

/** Fills each hint; hints with an unfilled `{placeholder}` or no text are dropped (a broken command helps no one). */
export const composeActions = (sources: readonly ActionSource[]): string[] => {
  const actions: string[] = []
  for (const source of sources) {
    const text = 'command' in source ? source.command : formatHint(source.code, source.params)
    if (text.trim() === '' || /\{[a-zA-Z]+\}/.test(text)) continue
    if (!actions.includes(text)) actions.push(text)
  }
  return actions
}

const rolloutKinds: Readonly<Record<string, string>> = {
  Deployment: 'deployment',
  StatefulSet: 'statefulset',
  DaemonSet: 'daemonset',
}

export interface RestartSubject {
  readonly namespace: string
  readonly name: string
  readonly owner?: {readonly kind: string; readonly name: string} | undefined
  readonly hasController: boolean
}

/** The command that recreates a pod so the webhooks see it again: rollout restart, else delete (a controller recreates it). */
export const restartCommand = ({namespace, name, owner, hasController}: RestartSubject): string => {
  const rollout = owner === undefined ? undefined : rolloutKinds[owner.kind]
  if (owner !== undefined && rollout !== undefined)
    return `kubectl rollout restart ${rollout}/${owner.name} -n ${namespace}`
  if (hasController)
    return `kubectl delete pod ${name} -n ${namespace}   # its ${owner?.kind ?? 'controller'} recreates it`
  return `kubectl delete pod ${name} -n ${namespace}   # then re-create it from its manifest (it has no controller)`
}
