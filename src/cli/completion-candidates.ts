// Completion candidates for kubectl's plugin completion: flag names and values from the manifest and the commands' own
// value lists, targets from the cluster through `CompletionSources`. Answers in cobra's __complete protocol.
import {checkOutputFormats, checkTemplateFormats} from './check-plan.js'
import {failOnConditions} from '../core/verdict/summary.js'
import type {WorkloadKind} from '../core/snapshot.js'
import {resolveResourceType} from './target-args.js'
import {flagNameCandidates} from './completion-words.js'
import type {ManifestFlag, ManifestFlags, TypedWords} from './completion-words.js'

/** cobra's ShellCompDirective bits (spf13/cobra completions.go). */
export const Directive = {Default: 0, NoSpace: 2, NoFileComp: 4} as const

export interface Completion {
  readonly values: readonly string[]
  readonly directive: number
}

export type NamedResource = 'namespace' | 'pod' | WorkloadKind

/** Where names come from; every method may reject (the caller answers empty then). */
export interface CompletionSources {
  readonly contexts: () => Promise<readonly string[]>
  readonly clusters: () => Promise<readonly string[]>
  readonly users: () => Promise<readonly string[]>
  /** Names of `resource` in the namespace the typed flags select (namespaces: cluster-wide). */
  readonly names: (resource: NamedResource) => Promise<readonly string[]>
}

export type CompletedCommand = 'inject-check' | 'inject-diff'

/** Flags whose value is a path: the shell's own file completion (directive Default). */
export const pathFlags = ['kubeconfig', 'filename', 'from', 'collect', 'certificate-authority'] as const

/** The TYPE/ prefixes offered for the first argument; inject-diff previews pods, so no ns/. */
export const typePrefixes: Readonly<Record<CompletedCommand, readonly string[]>> = {
  'inject-check': ['pod/', 'deploy/', 'sts/', 'ds/', 'rs/', 'rc/', 'job/', 'cronjob/', 'ns/'],
  'inject-diff': ['pod/', 'deploy/', 'sts/', 'ds/', 'rs/', 'rc/', 'job/', 'cronjob/'],
}

export const render = (completion: Completion): string =>
  [...completion.values, `:${completion.directive}`].map((line) => `${line}\n`).join('')

export const empty: Completion = {values: [], directive: Directive.NoFileComp}

const matching = (values: readonly string[], prefix: string, head = ''): string[] =>
  values.filter((value) => value.startsWith(prefix)).map((value) => `${head}${value}`)

// NoSpace when a candidate continues (`deploy/`, `jsonpath=`): the user types on after it.
const directiveFor = (values: readonly string[]): number =>
  Directive.NoFileComp | (values.some((value) => /[/=,]$/.test(value)) ? Directive.NoSpace : 0)

const outputValues = (command: CompletedCommand, flag: ManifestFlag): readonly string[] =>
  command === 'inject-check'
    ? [...checkOutputFormats, ...checkTemplateFormats.map((format) => `${format}=`)]
    : (flag.options ?? [])

// --fail-on takes a comma list: complete its last element, without the conditions already listed.
const failOnValues = (prefix: string, head: string): string[] => {
  const comma = prefix.lastIndexOf(',')
  const listed = prefix.slice(0, comma + 1)
  const taken = new Set(listed.split(','))
  const open = failOnConditions.filter((condition) => !taken.has(condition))
  return matching(open, prefix.slice(comma + 1), `${head}${listed}`)
}

const flagValues = async (
  command: CompletedCommand,
  flag: ManifestFlag,
  prefix: string,
  head: string,
  sources: CompletionSources,
): Promise<Completion> => {
  if ((pathFlags as readonly string[]).includes(flag.name)) return {values: [], directive: Directive.Default}
  const list = async (): Promise<readonly string[]> => {
    if (flag.name === 'output') return outputValues(command, flag)
    if (flag.name === 'context') return sources.contexts()
    if (flag.name === 'cluster') return sources.clusters()
    if (flag.name === 'user') return sources.users()
    if (flag.name === 'namespace') return sources.names('namespace')
    return flag.options ?? []
  }
  if (flag.name === 'fail-on') {
    const values = failOnValues(prefix, head)
    return {values, directive: Directive.NoFileComp}
  }
  const values = matching(await list(), prefix, head)
  return {values, directive: directiveFor(values)}
}

const namesOfType = async (type: string, sources: CompletionSources): Promise<readonly string[]> => {
  const resource = resolveResourceType(type)
  if (resource === undefined) return []
  return sources.names(resource.kind === 'workload' ? resource.workloadKind : resource.kind)
}

// First argument: TYPE/NAME with names from the cluster, or the TYPE/ prefixes and pod names.
const firstArgument = async (
  command: CompletedCommand,
  prefix: string,
  live: boolean,
  sources: CompletionSources,
): Promise<Completion> => {
  const slash = prefix.indexOf('/')
  if (slash >= 0) {
    const type = prefix.slice(0, slash)
    if (command === 'inject-diff' && resolveResourceType(type)?.kind === 'namespace') return empty
    const names = live ? await namesOfType(type, sources) : []
    return {values: matching(names, prefix.slice(slash + 1), `${type}/`), directive: Directive.NoFileComp}
  }
  const pods = live ? await sources.names('pod') : []
  const values = [...matching(typePrefixes[command], prefix), ...matching(pods, prefix)]
  return {values, directive: directiveFor(values)}
}

/** The answer to `words` for `command` (sources are only asked what the request needs). */
export const completeWords = async (
  command: CompletedCommand,
  flags: ManifestFlags,
  typed: TypedWords,
  sources: CompletionSources,
): Promise<Completion> => {
  const request = typed.request
  if (request.kind === 'flag-names') {
    const values = flagNameCandidates(flags, typed.flags, request.prefix)
    return {values, directive: Directive.NoFileComp}
  }
  if (request.kind === 'flag-value')
    return flagValues(command, request.flag, request.prefix, request.head, sources)
  // -f manifests and a TARGET exclude each other; names need one namespace (not -A) and a live cluster (not --from).
  if (typed.flags.has('filename')) return empty
  const live = !typed.flags.has('all-namespaces') && !typed.flags.has('from')
  if (request.position === 0) return firstArgument(command, request.prefix, live, sources)
  const [type] = typed.args
  if (request.position === 1 && type !== undefined && !type.includes('/') && live) {
    const names = await namesOfType(type, sources)
    return {values: matching(names, request.prefix), directive: Directive.NoFileComp}
  }
  return empty
}
