// Parses kubectl-style target arguments (`web-0`, `pod/web-0`, `deploy/web`, `deployment web`, `ns/shop`, `deployments`) into a TargetSpec.
// Pure: returns the target or a kubectl-worded error; the command turns errors into exit 64.
import type {TargetSpec} from '../core/target-spec.js'
import {parseLabelSelector} from '../core/admission/label-selector.js'
import type {WorkloadKind} from '../core/snapshot.js'

type ResourceKind =
  | {readonly kind: 'pod'}
  | {readonly kind: 'namespace'}
  | {readonly kind: 'workload'; readonly workloadKind: WorkloadKind}

// kubectl's short names and plurals (kubectl api-resources) for the kinds inject-check understands.
const resourceNames: Readonly<Record<string, ResourceKind>> = {
  po: {kind: 'pod'},
  pod: {kind: 'pod'},
  pods: {kind: 'pod'},
  ns: {kind: 'namespace'},
  namespace: {kind: 'namespace'},
  namespaces: {kind: 'namespace'},
  deploy: {kind: 'workload', workloadKind: 'Deployment'},
  deployment: {kind: 'workload', workloadKind: 'Deployment'},
  deployments: {kind: 'workload', workloadKind: 'Deployment'},
  sts: {kind: 'workload', workloadKind: 'StatefulSet'},
  statefulset: {kind: 'workload', workloadKind: 'StatefulSet'},
  statefulsets: {kind: 'workload', workloadKind: 'StatefulSet'},
  ds: {kind: 'workload', workloadKind: 'DaemonSet'},
  daemonset: {kind: 'workload', workloadKind: 'DaemonSet'},
  daemonsets: {kind: 'workload', workloadKind: 'DaemonSet'},
  rs: {kind: 'workload', workloadKind: 'ReplicaSet'},
  replicaset: {kind: 'workload', workloadKind: 'ReplicaSet'},
  replicasets: {kind: 'workload', workloadKind: 'ReplicaSet'},
  job: {kind: 'workload', workloadKind: 'Job'},
  jobs: {kind: 'workload', workloadKind: 'Job'},
  cj: {kind: 'workload', workloadKind: 'CronJob'},
  cronjob: {kind: 'workload', workloadKind: 'CronJob'},
  cronjobs: {kind: 'workload', workloadKind: 'CronJob'},
  rc: {kind: 'workload', workloadKind: 'ReplicationController'},
  replicationcontroller: {kind: 'workload', workloadKind: 'ReplicationController'},
  replicationcontrollers: {kind: 'workload', workloadKind: 'ReplicationController'},
}

export interface TargetContext {
  /** -n, or the kubeconfig context's namespace, or `default`. */
  readonly namespace: string
  readonly allNamespaces: boolean
  readonly selector?: string | undefined
}

export type TargetParse =
  {readonly ok: true; readonly target: TargetSpec} | {readonly ok: false; readonly error: string}

const fail = (error: string): TargetParse => ({ok: false, error})

// kubectl's fully-qualified TYPE.GROUP forms (`deployments.apps/web`, `jobs.batch/x`): the group must be the kind's own.
const groupOfKind: Readonly<Record<ResourceKind['kind'] | WorkloadKind, string>> = {
  pod: '',
  namespace: '',
  workload: '',
  Deployment: 'apps',
  StatefulSet: 'apps',
  DaemonSet: 'apps',
  ReplicaSet: 'apps',
  Job: 'batch',
  CronJob: 'batch',
  ReplicationController: '',
}

/** Resolves `deploy`, `Deployments`, `deployment.apps`, `cronjobs.batch`; undefined for anything else. */
export const resolveResourceType = (type: string): ResourceKind | undefined => {
  const lower = type.toLowerCase()
  const dot = lower.indexOf('.')
  const word = dot < 0 ? lower : lower.slice(0, dot)
  const group = dot < 0 ? undefined : lower.slice(dot + 1)
  const resource = resourceNames[word]
  if (resource === undefined || group === undefined) return resource
  // kubectl also takes the versioned form (`deployments.v1.apps`).
  const wanted = groupOfKind[resource.kind === 'workload' ? resource.workloadKind : resource.kind]
  const bare = group.replace(/^v\d+(?:(?:alpha|beta)\d+)?\./, '')
  return wanted !== '' && bare === wanted ? resource : undefined
}

const acceptedTypes =
  'pod, deployment, statefulset, daemonset, replicaset, job, cronjob, replicationcontroller, namespace (kubectl short names and TYPE.GROUP forms such as deployments.apps work too)'

// DNS-1123 subdomain: what the API server accepts as an object name.
const validName = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/

const splitArgs = (args: readonly string[]): {type?: string; name?: string} | {error: string} => {
  if (args.length === 0) return {}
  const [first = '', second] = args
  if (args.length > 2)
    return {error: `expected at most one target, got ${args.length} arguments: ${args.join(' ')}`}
  if (first.includes('/')) {
    if (second !== undefined)
      return {
        error: `there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl inject-check ${first}' instead of 'kubectl inject-check ${first} ${second}')`,
      }
    const parts = first.split('/')
    if (parts.length !== 2 || parts[0] === '' || parts[1] === '')
      return {error: `arguments in resource/name form must have a single resource and name: ${first}`}
    return {type: parts[0], name: parts[1]}
  }
  if (second !== undefined) return {type: first, name: second}
  // A bare resource word is a type (`pods`, `deployments` list every object of it); any other word is a pod name.
  return resolveResourceType(first) !== undefined ? {type: first} : {name: first}
}

// A TYPE alone lists, as `kubectl get TYPE`: pods are a sweep (pods and their owners), other kinds every object of the
// kind in scope; -l selects by the objects' own labels (for pods: the pod labels), namespaces ignore -n as kubectl does.
const listTarget = (resource: ResourceKind, context: TargetContext): TargetParse => {
  const selector = context.selector === undefined ? {} : {labelSelector: context.selector}
  const namespace = context.allNamespaces ? null : context.namespace
  switch (resource.kind) {
    case 'pod':
      return {ok: true, target: {kind: 'sweep', namespace, ...selector}}
    case 'namespace':
      return {ok: true, target: {kind: 'list', listKind: 'Namespace', namespace: null, ...selector}}
    case 'workload':
      return {ok: true, target: {kind: 'list', listKind: resource.workloadKind, namespace, ...selector}}
  }
}

/** Turns positional arguments plus -n/-A/-l into the target a source reads. */
export const parseTargetArgs = (args: readonly string[], context: TargetContext): TargetParse => {
  // A malformed -l is a usage error before any read (kubectl: "unable to parse requirement"), never an empty answer.
  const selectorProblem =
    context.selector === undefined ? undefined : parseLabelSelector(context.selector).error
  if (selectorProblem !== undefined)
    return fail(`-l/--selector "${context.selector ?? ''}": ${selectorProblem}`)
  const split = splitArgs(args)
  if ('error' in split) return fail(split.error)
  const {type, name} = split
  const resource = type === undefined ? ({kind: 'pod'} as const) : resolveResourceType(type)
  if (resource === undefined)
    return fail(
      `the server doesn't have a resource type "${type ?? ''}" that inject-check understands: ${acceptedTypes}`,
    )
  if (name === undefined) return listTarget(resource, context)
  if (!validName.test(name))
    return fail(`invalid resource name "${name}": must be a lowercase RFC 1123 subdomain`)
  if (context.allNamespaces && resource.kind !== 'namespace')
    return fail(
      'a resource cannot be retrieved by name across all namespaces (-A/--all-namespaces with a named target)',
    )
  if (context.selector !== undefined)
    return fail('name cannot be provided when a selector is specified (-l/--selector with a named target)')
  switch (resource.kind) {
    case 'pod':
      return {ok: true, target: {kind: 'pod', namespace: context.namespace, name}}
    case 'namespace':
      return {ok: true, target: {kind: 'namespace', name}}
    case 'workload':
      return {
        ok: true,
        target: {kind: 'workload', workloadKind: resource.workloadKind, namespace: context.namespace, name},
      }
  }
}
