// Turns reason codes with parameters into exact commands, most useful first, without duplicates; and the commands that
// recreate a pod or edit its template, chosen by what owns the pod (a rollout, a CronJob run, a bare pod's replace).
import {sh} from './shell-command.js'
import {resourceOf, templateMergePatch} from '../istio/misplacement.js'
import {formatLabelEdit} from './label-edit.js'
import type {LabelEdit} from './label-edit.js'
import {formatHint} from './reasons.js'
import type {ReasonCode} from './reasons.js'

export interface Hint {
  readonly code: ReasonCode
  readonly params: Readonly<Record<string, string>>
}

/** Literal commands (not from the catalog) are passed as `command`; prose that is no command goes in as `note`. */
export type ActionSource = Hint | {readonly command: string} | {readonly note: string}

export interface ComposedActions {
  /** Copy-pasteable commands only. */
  readonly actions: string[]
  /** What a command cannot say: file edits, alternatives' consequences, waiting for a schedule. */
  readonly notes: string[]
}

// A hint with an unfilled `{placeholder}` or `<placeholder>` is a broken command: dropped rather than shown.
const unfilled = /\{[a-zA-Z]+\}|<[a-z][a-z-]*>/

/** Fills each hint, drops empty and unfilled ones and repeats; notes are kept apart. */
export const composeFixes = (sources: readonly ActionSource[]): ComposedActions => {
  const actions: string[] = []
  const notes: string[] = []
  for (const source of sources) {
    if ('note' in source) {
      if (source.note !== '' && !notes.includes(source.note)) notes.push(source.note)
      continue
    }
    const text = 'command' in source ? source.command : formatHint(source.code, source.params)
    if (text.trim() === '' || unfilled.test(text)) continue
    if (!actions.includes(text)) actions.push(text)
  }
  return {actions, notes}
}

/** Commands only, for callers that need no notes. */
export const composeActions = (sources: readonly ActionSource[]): string[] => composeFixes(sources).actions

const rolloutKinds: Readonly<Record<string, string>> = {
  Deployment: 'deployment',
  StatefulSet: 'statefulset',
  DaemonSet: 'daemonset',
}

/** What a fix acts on: a live pod or workload, a namespace's new pod, or an object in a manifest file. */
export interface FixSubject {
  readonly kind: string
  readonly namespace: string
  readonly name: string
  /** The workload a user restarts or edits (a Deployment, not its ReplicaSet; a CronJob, not its Job). */
  readonly owner?: {readonly kind: string; readonly name: string} | undefined
  /** Direct controller of a pod (ReplicaSet, Job…); undefined for a bare pod. */
  readonly controller?: {readonly kind: string; readonly name: string} | undefined
  /** File of a manifest target: fixes edit the file, never the live cluster. */
  readonly manifest?: string | undefined
}

/**
 * Steps that create the pod again so the webhooks see it (injection happens only at CREATE): a rollout restart, a
 * manual run of the CronJob, a delete a ReplicaSet answers with a new pod, or a bare pod's forced replace.
 */
export const restartSteps = (subject: FixSubject): ActionSource[] => {
  if (subject.manifest !== undefined) return []
  const {namespace, name, owner} = subject
  const rollout = owner === undefined ? undefined : rolloutKinds[owner.kind]
  if (owner !== undefined && rollout !== undefined)
    return [{command: sh`kubectl rollout restart ${`${rollout}/${owner.name}`} -n ${namespace}`}]
  if (owner?.kind === 'CronJob')
    return [
      {
        command: sh`kubectl create job --from=cronjob/${owner.name} ${`${owner.name}-manual`} -n ${namespace}`,
      },
      {note: `or wait for the next scheduled run of cronjob/${owner.name}: a CronJob never recreates a pod`},
    ]
  if (subject.kind === 'Namespace') return []
  const controller = subject.controller ?? (owner?.kind === 'Job' ? owner : undefined)
  if (controller?.kind === 'Job')
    return [
      {
        note: `job/${controller.name} does not recreate its finished pods: delete the Job and apply its manifest again`,
      },
    ]
  if (subject.kind === 'Pod' && controller !== undefined)
    return [{command: sh`kubectl delete pod ${name} -n ${namespace}`}]
  if (subject.kind === 'Pod')
    // k8s: staging/src/k8s.io/kubectl/pkg/cmd/replace/replace.go forceReplace (delete, then create without resourceVersion)
    return [
      {command: sh`kubectl get pod ${name} -n ${namespace} -o yaml | kubectl replace --force -f -`},
      {
        note: `pod ${name} has no controller: injection happens only when a pod is created, so it must be recreated (delete it and apply its manifest again; the command above recreates it from its live spec)`,
      },
    ]
  const kind = subject.kind.toLowerCase()
  return [{command: sh`kubectl rollout restart ${`${kind}/${name}`} -n ${namespace}`}]
}

const templatePaths: Readonly<Record<string, string>> = {
  Pod: 'metadata',
  CronJob: 'spec.jobTemplate.spec.template.metadata',
}

/** Where pod labels live in an object of this kind (`spec.template.metadata` for workloads). */
export const templateMetadataPath = (kind: string): string => templatePaths[kind] ?? 'spec.template.metadata'

/** The object whose pod-template labels decide for the subject: its owner workload, else itself. */
const templateHolder = (subject: FixSubject): {kind: string; name: string} =>
  subject.owner !== undefined && resourceOf[subject.owner.kind] !== undefined && subject.owner.kind !== 'Pod'
    ? subject.owner
    : {kind: subject.kind, name: subject.name}

/**
 * Steps that make a pod-label edit real: a merge patch of the template labels of the owning workload (then a
 * restart), a label on a bare pod (then its recreation), or, for a manifest, the edit to make in the file.
 */
export const podLabelSteps = (subject: FixSubject, edit: LabelEdit): ActionSource[] => {
  const text = formatLabelEdit(edit)
  if (subject.manifest !== undefined)
    return [
      {
        note: `in ${subject.manifest}: set the labels ${text} under ${templateMetadataPath(subject.kind)}.labels of ${subject.kind.toLowerCase()}/${subject.name}`,
      },
    ]
  if (subject.kind === 'Namespace') return []
  const holder = templateHolder(subject)
  if (holder.kind === 'Pod') {
    return [
      {command: sh`kubectl label pod ${holder.name} -n ${subject.namespace} ${labelArgs(edit)} --overwrite`},
      ...restartSteps(subject),
    ]
  }
  const labels: Record<string, string | null> = {...edit.set}
  for (const key of edit.remove) labels[key] = null
  const resource = resourceOf[holder.kind] ?? holder.kind.toLowerCase()
  return [
    {
      command: sh`kubectl patch ${resource} ${holder.name} -n ${subject.namespace} --type merge -p ${templateMergePatch(holder.kind, {labels})}`,
    },
  ]
}

/** `kubectl label namespace NS a=b c- --overwrite`, the command that makes a namespace what-if true. */
export const namespaceLabelCommand = (namespace: string, edit: LabelEdit): string =>
  sh`kubectl label namespace ${namespace} ${labelArgs(edit)} --overwrite`

/** `kubectl label` arguments of an edit: `key=value` and `key-`, each one shell word. */
const labelArgs = (edit: LabelEdit): string[] => [
  ...Object.entries(edit.set).map(([k, v]) => `${k}=${v}`),
  ...edit.remove.map((k) => `${k}-`),
]
