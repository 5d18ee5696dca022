// inject-check's flags compiled once into a typed plan (stern's Options → Complete → Validate); pure, so tests need no I/O.
import {parseLabelSelector, validateLabelKey, validateLabelValue} from '../core/admission/label-selector.js'
import type {LabelEdit} from '../core/verdict/label-edit.js'
import {failOnConditions} from '../core/verdict/summary.js'
import type {FailOnCondition} from '../core/verdict/summary.js'
import type {OutputFormat} from './base-command.js'
import {parseTemplate, relaxedPath} from '../render/jsonpath.js'
import {parseTargetArgs} from './target-args.js'
import {offlineFieldProblem, parseFieldSelector} from './field-selector.js'
import type {FieldRequirement} from './field-selector.js'
import {fleetOverrides, planFleet} from './fleet-plan.js'
import type {FleetFlags, FleetOverrideFlags, FleetPlan} from './fleet-plan.js'

/** inject-check's -o formats: the kubectl four plus `markdown`, the support-ticket report, and kubectl's item printers. */
export const checkOutputFormats = ['table', 'wide', 'json', 'yaml', 'markdown', 'name'] as const
/** Formats that take a value after `=`, as in kubectl. */
export const checkTemplateFormats = ['jsonpath', 'jsonpath-file', 'custom-columns'] as const
export type CheckFormat = OutputFormat | 'markdown' | 'name' | 'jsonpath' | 'custom-columns'

export interface CustomColumn {
  readonly header: string
  readonly path: string
}

export type OutputChoice =
  | {readonly format: Exclude<CheckFormat, 'jsonpath' | 'custom-columns'>}
  | {readonly format: 'jsonpath'; readonly template?: string; readonly templateFile?: string}
  | {readonly format: 'custom-columns'; readonly columns: readonly CustomColumn[]}

const allFormats = `${checkOutputFormats.join(', ')}, jsonpath=TEMPLATE, jsonpath-file=FILE, custom-columns=SPEC`

/** -o VALUE as kubectl reads it: a format name, or `jsonpath=…`, `jsonpath-file=…`, `custom-columns=HEADER:PATH,…`. */
export const parseCheckOutput = (text: string): OutputChoice | {readonly error: string} => {
  if ((checkOutputFormats as readonly string[]).includes(text))
    return {format: text as (typeof checkOutputFormats)[number]}
  const eq = text.indexOf('=')
  const name = eq < 0 ? text : text.slice(0, eq)
  const value = eq < 0 ? '' : text.slice(eq + 1)
  if (!(checkTemplateFormats as readonly string[]).includes(name))
    return {
      error: `unable to match a printer suitable for the output format "${text}", allowed formats are: ${allFormats}`,
    }
  if (value.trim() === '') return {error: `-o ${name} needs a value: -o ${name}=…`}
  if (name === 'jsonpath-file') return {format: 'jsonpath', templateFile: value}
  if (name === 'jsonpath') {
    try {
      parseTemplate(value)
    } catch (error) {
      return {error: `error parsing jsonpath ${value}: ${(error as Error).message}`}
    }
    return {format: 'jsonpath', template: value}
  }
  const columns: CustomColumn[] = []
  for (const spec of value.split(',')) {
    const colon = spec.indexOf(':')
    if (colon <= 0 || colon === spec.length - 1)
      return {error: `unexpected custom-columns spec: ${spec}, expected <header>:<json-path-expr>`}
    const path = spec.slice(colon + 1)
    try {
      relaxedPath(path)
    } catch (error) {
      return {error: `custom-columns ${spec}: ${(error as Error).message}`}
    }
    columns.push({header: spec.slice(0, colon), path})
  }
  return {format: 'custom-columns', columns}
}

export interface CheckFlags extends FleetFlags, FleetOverrideFlags {
  readonly namespace?: string | undefined
  readonly 'all-namespaces'?: boolean | undefined
  readonly selector?: string | undefined
  readonly 'field-selector'?: string | undefined
  readonly from?: readonly string[] | undefined
  readonly filename?: readonly string[] | undefined
  readonly output?: string | undefined
  readonly 'no-headers'?: boolean | undefined
  readonly 'label-columns'?: readonly string[] | undefined
  readonly 'sort-by'?: string | undefined
  readonly watch?: boolean | undefined
  readonly 'namespace-labels'?: string | undefined
  readonly 'pod-labels'?: string | undefined
  readonly 'fail-on'?: readonly string[] | undefined
  readonly health?: boolean | undefined
  readonly collect?: string | undefined
  readonly 'no-redact'?: boolean | undefined
  readonly overwrite?: boolean | undefined
}

export interface CheckPlan {
  readonly format: CheckFormat
  /** -o jsonpath / jsonpath-file / custom-columns: what the printer needs. Absent for the other formats. */
  readonly printer?: Exclude<OutputChoice, {format: Exclude<CheckFormat, 'jsonpath' | 'custom-columns'>}>
  /** --no-headers: table and custom-columns rows only. */
  readonly noHeaders?: true
  /** -L: label keys shown as columns (pod or template labels). */
  readonly labelColumns?: readonly string[]
  /** --sort-by: a JSONPath over each report item. */
  readonly sortBy?: string
  /** -w: after the table, follow the cluster and print each changed verdict row. */
  readonly watch?: true
  /** --from paths; empty means live. */
  readonly fromPaths: readonly string[]
  /** -f paths (`-` is stdin); non-empty means manifests are judged instead of a cluster target. */
  readonly manifestPaths: readonly string[]
  /** Positional arguments, parsed again once the default namespace is known. */
  readonly targetArgs: readonly string[]
  readonly namespaceLabels?: LabelEdit
  readonly podLabels?: LabelEdit
  readonly failOn: readonly FailOnCondition[]
  /** --health: the webhook health view (live reads the health extras). Absent when off. */
  readonly health?: true
  /** --field-selector over the pods of a sweep. Absent when not given. */
  readonly fieldSelector?: {readonly text: string; readonly requirements: readonly FieldRequirement[]}
  /** --collect: write a support bundle instead of printing verdicts. Absent when off. */
  readonly collect?: {readonly path: string; readonly redact: boolean; readonly overwrite: boolean}
  /** Several contexts (--context repeated, --all-contexts, --context-selector). Absent for one context. */
  readonly fleet?: FleetPlan
}

export type PlanResult =
  {readonly ok: true; readonly plan: CheckPlan} | {readonly ok: false; readonly error: string}

/** kubectl label syntax: `a=b,c=d` sets, `e-` removes; keys and values validated like the API server does. */
export const parseLabelEdit = (flag: string, text: string): {edit: LabelEdit} | {error: string} => {
  const set: Record<string, string> = {}
  const remove: string[] = []
  for (const raw of text.split(',')) {
    const term = raw.trim()
    if (term === '') continue
    if (term.endsWith('-') && !term.includes('=')) {
      const key = term.slice(0, -1)
      const problem = validateLabelKey(key)
      if (problem !== undefined) return {error: `${flag}: ${problem}`}
      remove.push(key)
      continue
    }
    const eq = term.indexOf('=')
    if (eq < 0) return {error: `${flag}: "${term}" is neither key=value nor key- (remove)`}
    const key = term.slice(0, eq)
    const value = term.slice(eq + 1)
    const problem = validateLabelKey(key) ?? validateLabelValue(key, value)
    if (problem !== undefined) return {error: `${flag}: ${problem}`}
    set[key] = value
  }
  if (Object.keys(set).length === 0 && remove.length === 0)
    return {error: `${flag}: no labels given (use key=value,key2-)`}
  return {edit: {set, remove}}
}

// -w follows a live sweep and prints table rows; every other combination is named.
const watchProblem = (flags: CheckFlags, sweep: boolean, format: string): string | undefined => {
  if ((flags.from ?? []).length > 0)
    return '-w/--watch follows the live cluster with the watch API; it cannot be combined with --from'
  if ((flags.filename ?? []).length > 0) return '-w/--watch cannot be combined with -f/--filename'
  if (flags.collect !== undefined) return '-w/--watch cannot be combined with --collect'
  if (!sweep) return '-w/--watch follows the pods of a namespace (-n NS, -A, -l): drop the TARGET'
  if (format !== 'table' && format !== 'wide')
    return `-w/--watch prints table rows: use no -o or -o wide, not ${format}`
  if (flags.health === true) return '-w/--watch cannot be combined with --health'
  if ((flags['fail-on'] ?? []).length > 0) return '-w/--watch runs until interrupted; --fail-on needs one run'
  return undefined
}

const isFailOn = (value: string): value is FailOnCondition =>
  (failOnConditions as readonly string[]).includes(value)

// A step of the plan: the plan fields it settles, or the one-line error that stops the run.
type Step<T> = T | {readonly error: string}

// Repeatable comma-list flags (-L a,b -L c) as one list of non-empty terms.
const commaTerms = (values: readonly string[] | undefined): string[] =>
  (values ?? [])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '')

// Flags that only shape reading the bundle back, named so --collect can say they do not apply when writing it.
const collectConflicts = (flags: CheckFlags, json: boolean): string[] => [
  ...(json || flags.output !== undefined ? ['-o/--output'] : []),
  ...(flags.health === true ? ['--health'] : []),
  ...((flags['fail-on'] ?? []).length > 0 ? ['--fail-on'] : []),
  ...(flags['namespace-labels'] !== undefined ? ['--namespace-labels'] : []),
  ...(flags['pod-labels'] !== undefined ? ['--pod-labels'] : []),
]

// --collect FILE and its modifiers; it reads the live cluster and writes nothing else.
const planCollect = (flags: CheckFlags, json: boolean): Step<Pick<CheckPlan, 'collect'>> => {
  const collect = flags.collect
  if (flags['no-redact'] === true && collect === undefined)
    return {error: '--no-redact only applies to --collect FILE.tar.gz'}
  if (flags.overwrite === true && collect === undefined)
    return {error: '--overwrite only applies to --collect FILE.tar.gz'}
  if (collect === undefined) return {}
  if (collect.trim() === '') return {error: '--collect needs a file name, e.g. --collect bundle.tar.gz'}
  if ((flags.from ?? []).length > 0)
    return {error: '--collect reads the live cluster; it cannot be combined with --from'}
  if ((flags.filename ?? []).length > 0) return {error: '--collect cannot be combined with -f/--filename'}
  const conflicting = collectConflicts(flags, json)
  if (conflicting.length > 0)
    return {
      error: `--collect only writes the bundle; ${conflicting.join(', ')} applies when reading it back (--from ${collect})`,
    }
  return {collect: {path: collect, redact: flags['no-redact'] !== true, overwrite: flags.overwrite === true}}
}

// What is judged: -f manifests (optionally filtered by -l) or a cluster target; a sweep lists a namespace's pods.
const planTarget = (flags: CheckFlags, targetArgs: readonly string[]): Step<{readonly sweep: boolean}> => {
  if ((flags.filename ?? []).length === 0) {
    const parsed = parseTargetArgs(targetArgs, {
      namespace: flags.namespace ?? 'default',
      allNamespaces: flags['all-namespaces'] === true,
      selector: flags.selector,
    })
    return parsed.ok ? {sweep: parsed.target.kind === 'sweep'} : {error: parsed.error}
  }
  if (targetArgs.length > 0)
    return {error: `-f/--filename cannot be combined with a target argument (${targetArgs.join(' ')})`}
  if (flags['all-namespaces'] === true)
    return {error: '-f/--filename cannot be combined with -A/--all-namespaces'}
  // kubectl -f … -l filters the manifests by labels; here by the pod (template) labels that decide injection.
  const selectorProblem = flags.selector === undefined ? undefined : parseLabelSelector(flags.selector).error
  if (selectorProblem !== undefined)
    return {error: `-l/--selector "${flags.selector ?? ''}": ${selectorProblem}`}
  return {sweep: false}
}

// --field-selector filters the pods of a sweep; offline, only the fields a file can answer.
const planFieldSelector = (flags: CheckFlags, sweep: boolean): Step<Pick<CheckPlan, 'fieldSelector'>> => {
  const text = flags['field-selector']
  if (text === undefined) return {}
  const parsed = parseFieldSelector(text)
  if (!parsed.ok) return {error: parsed.error}
  if (!sweep)
    return {
      error:
        '--field-selector selects pods of a list: use it without a TARGET name or -f (e.g. -n shop or -A)',
    }
  const problem = (flags.from ?? []).length > 0 ? offlineFieldProblem(parsed.requirements) : undefined
  if (problem !== undefined) return {error: problem}
  return {fieldSelector: {text, requirements: parsed.requirements}}
}

// The printer: --json wins over -o, but a bad -o value is still reported.
const planOutput = (flags: CheckFlags, json: boolean): Step<Pick<CheckPlan, 'format' | 'printer'>> => {
  const output = flags.output === undefined ? undefined : parseCheckOutput(flags.output)
  if (output !== undefined && 'error' in output) return {error: output.error}
  return {
    format: json ? 'json' : (output?.format ?? 'table'),
    ...(output === undefined || json || (output.format !== 'jsonpath' && output.format !== 'custom-columns')
      ? {}
      : {printer: output}),
  }
}

// Several contexts, with the facts about this run that rule some of them out.
const planCheckFleet = (flags: CheckFlags): Step<Pick<CheckPlan, 'fleet'>> => {
  const fleet = planFleet(flags, {
    from: (flags.from ?? []).length > 0,
    watch: flags.watch === true,
    stdinManifest: (flags.filename ?? []).includes('-'),
    clusterOverrides: fleetOverrides.filter((name) => flags[name] !== undefined),
  })
  if ('error' in fleet) return {error: fleet.error}
  return fleet.fleet === undefined ? {} : {fleet: fleet.fleet}
}

const planWatch = (
  flags: CheckFlags,
  sweep: boolean,
  format: CheckFormat,
): Step<Pick<CheckPlan, 'watch'>> => {
  if (flags.watch !== true) return {}
  const problem = watchProblem(flags, sweep, format)
  return problem === undefined ? {watch: true} : {error: problem}
}

// How table rows are laid out: --sort-by, -L label columns, --no-headers.
const planRows = (flags: CheckFlags): Step<Pick<CheckPlan, 'sortBy' | 'labelColumns' | 'noHeaders'>> => {
  const sortBy = flags['sort-by']
  if (sortBy !== undefined) {
    try {
      relaxedPath(sortBy)
    } catch (error) {
      return {error: `--sort-by ${sortBy}: ${(error as Error).message}`}
    }
  }
  const labelColumns = commaTerms(flags['label-columns'])
  for (const key of labelColumns) {
    const problem = validateLabelKey(key)
    if (problem !== undefined) return {error: `-L/--label-columns: ${problem}`}
  }
  return {
    ...(flags['no-headers'] === true ? {noHeaders: true} : {}),
    ...(labelColumns.length === 0 ? {} : {labelColumns}),
    ...(sortBy === undefined ? {} : {sortBy}),
  }
}

// --fail-on conditions, each once, in the order given.
const planFailOn = (flags: CheckFlags): Step<Pick<CheckPlan, 'failOn'>> => {
  const failOn: FailOnCondition[] = []
  for (const value of commaTerms(flags['fail-on'])) {
    if (!isFailOn(value))
      return {
        error: `--fail-on: unknown condition "${value}" (expected a comma list of: ${failOnConditions.join(', ')})`,
      }
    if (!failOn.includes(value)) failOn.push(value)
  }
  return {failOn}
}

// The what-if label edits: --namespace-labels, then --pod-labels.
const planWhatIf = (flags: CheckFlags): Step<Pick<CheckPlan, 'namespaceLabels' | 'podLabels'>> => {
  const namespace =
    flags['namespace-labels'] === undefined
      ? undefined
      : parseLabelEdit('--namespace-labels', flags['namespace-labels'])
  if (namespace !== undefined && 'error' in namespace) return {error: namespace.error}
  const pod =
    flags['pod-labels'] === undefined ? undefined : parseLabelEdit('--pod-labels', flags['pod-labels'])
  if (pod !== undefined && 'error' in pod) return {error: pod.error}
  return {
    ...(namespace === undefined ? {} : {namespaceLabels: namespace.edit}),
    ...(pod === undefined ? {} : {podLabels: pod.edit}),
  }
}

/** Validates the inject-check flag combinations, naming the flags; the target is checked with a placeholder namespace. */
export const planCheck = (flags: CheckFlags, targetArgs: readonly string[], json: boolean): PlanResult => {
  const fail = (step: {readonly error: string}): PlanResult => ({ok: false, error: step.error})
  const collect = planCollect(flags, json)
  if ('error' in collect) return fail(collect)
  const target = planTarget(flags, targetArgs)
  if ('error' in target) return fail(target)
  const fieldSelector = planFieldSelector(flags, target.sweep)
  if ('error' in fieldSelector) return fail(fieldSelector)
  const output = planOutput(flags, json)
  if ('error' in output) return fail(output)
  const fleet = planCheckFleet(flags)
  if ('error' in fleet) return fail(fleet)
  const watch = planWatch(flags, target.sweep, output.format)
  if ('error' in watch) return fail(watch)
  const rows = planRows(flags)
  if ('error' in rows) return fail(rows)
  const failOn = planFailOn(flags)
  if ('error' in failOn) return fail(failOn)
  const whatIf = planWhatIf(flags)
  if ('error' in whatIf) return fail(whatIf)
  return {
    ok: true,
    plan: {
      ...output,
      ...rows,
      ...watch,
      fromPaths: flags.from ?? [],
      manifestPaths: flags.filename ?? [],
      targetArgs,
      ...whatIf,
      ...failOn,
      ...(flags.health === true ? {health: true} : {}),
      ...fieldSelector,
      ...collect,
      ...fleet,
    },
  }
}
