// Fleet runs of inject-check: every selected context read and judged concurrently (bounded), one output for all,
// failed contexts named on stderr and in the report's gaps; the exit code says the worst that happened.
import type {HealthReport} from '../core/health/health-report.js'
import type {ClusterSnapshot} from '../core/snapshot.js'
import {matchesFailOn} from '../core/verdict/summary.js'
import type {Verdict} from '../core/verdict/verdict.js'
import {
  buildFleetReport,
  renderFleetMarkdown,
  renderFleetTable,
  renderGrouped,
} from '../render/fleet-report.js'
import type {FleetFailure, FleetMember} from '../render/fleet-report.js'
import {escapeMarkdown} from '../render/markdown-report.js'
import {renderReportDocumentChunks} from '../render/report-document.js'
import type {InjectionReport} from '../render/report-document.js'
import {renderCustomColumns, renderNames} from '../render/item-printers.js'
import {renderJsonPath} from '../render/jsonpath.js'
import {sanitizeTerminalText} from '../render/terminal-text.js'
import {renderSummaryLine} from '../render/verdict-table.js'
import {explainFailure, withKubectlTarget} from './base-command.js'
import type {KubectlTarget} from './base-command.js'
import type {CheckInput} from './check-input.js'
import {
  targetLabels,
  compactSources,
  emptyNotice,
  failOnReport,
  gapWarnings,
  healthFooter,
  renderCheckOutput,
} from './check-output.js'
import type {CheckView} from './check-output.js'
import type {CheckPlan} from './check-plan.js'
import {CliFailure, ExitCode} from './exit-codes.js'
import type {ExitCodeValue} from './exit-codes.js'
import {terminalWidth, writeData, writeError, writeNotice, writeWarning} from './output.js'
import {startProgress} from './spinner.js'

/** A context to run: how to read it, or the failure a fleet bundle recorded for it. */
export type FleetSlot =
  | {readonly context: string; readonly read: () => Promise<CheckInput>}
  | {readonly context: string; readonly failed: FleetFailure}

/** What the command judges per context (verdicts, health, report), with the fix commands naming that context. */
export interface Assessed {
  readonly verdicts: readonly Verdict[]
  readonly health: HealthReport | undefined
  readonly report: InjectionReport
  readonly sweep: boolean
  readonly wantsHealth: boolean
}

export interface FleetDeps {
  readonly assess: (input: CheckInput, clusterFlags: KubectlTarget) => Assessed
  readonly clusterFlags: KubectlTarget
  readonly colour: boolean
  readonly json: boolean
  readonly verbose: boolean
  readonly printer: CheckView['printer']
}

// What a judged context keeps: not its snapshot (20 contexts' objects would stay in memory until the output).
interface Judged {
  readonly context: string
  readonly input: {
    readonly snapshot: Pick<ClusterSnapshot, 'origin' | 'gaps'>
    readonly target: CheckInput['target']
    readonly offline: boolean
    readonly manifests: boolean
  }
  readonly assessed: Assessed
  readonly footer: string | undefined
  /** -L: the labels of each target (an index of labels only, not the snapshot). */
  readonly labelsOf: ((v: Verdict) => Readonly<Record<string, string>>) | undefined
}

/** Runs `work` over `items` with at most `limit` in flight; results keep the items' order. */
export const runBounded = async <T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> => {
  const results = new Array<R>(items.length)
  let next = 0
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++
      results[index] = await work(items[index]!, index)
    }
  }
  await Promise.all(Array.from({length: Math.min(limit, items.length)}, lane))
  return results
}

/** A fleet run's exit code: 77 if any context was refused, else 69, else the first other failure's, else 79, else 0. */
export const fleetExitCode = (
  failures: readonly {readonly exit: number}[],
  failOnMatched: boolean,
): ExitCodeValue => {
  const exits = failures.map((f) => f.exit)
  if (exits.includes(ExitCode.ClusterUnauthorized)) return ExitCode.ClusterUnauthorized
  if (exits.includes(ExitCode.ClusterUnreachable)) return ExitCode.ClusterUnreachable
  const [first] = exits
  if (first !== undefined) return first as ExitCodeValue
  return failOnMatched ? ExitCode.FailOnMatched : ExitCode.Ok
}

const judgeSlot = async (
  slot: FleetSlot,
  deps: FleetDeps,
  plan: CheckPlan,
): Promise<Judged | FleetFailure> => {
  if ('failed' in slot) return slot.failed
  const target: KubectlTarget = {...deps.clusterFlags, context: slot.context}
  try {
    const input = await slot.read()
    const judged = deps.assess(input, target)
    // Items stamped with their context now, so the report's items are never held twice.
    const items = judged.report.items.map((item) => ({context: slot.context, ...item}))
    const assessed = {...judged, report: {...judged.report, items}}
    const {health, sweep, wantsHealth} = assessed
    return {
      context: slot.context,
      input: {
        snapshot: {origin: input.snapshot.origin, gaps: input.snapshot.gaps},
        target: input.target,
        offline: input.offline,
        manifests: input.manifests !== undefined,
      },
      assessed,
      footer:
        health !== undefined && sweep && !wantsHealth ? healthFooter(health, input.snapshot) : undefined,
      labelsOf:
        plan.labelColumns === undefined
          ? undefined
          : targetLabels([
              ...(input.manifests === undefined ? [] : [{...input.manifests, namespaces: []}]),
              input.snapshot,
            ]),
    }
  } catch (error) {
    const explained = explainFailure(error, 'inject-check', target)
    return {context: slot.context, message: explained.message, hint: explained.hint, exit: explained.exit}
  }
}

/** Reads and judges every slot, prints one output for all, then the failures; returns the fleet report. */
export const runFleetCheck = async (
  plan: CheckPlan,
  slots: readonly FleetSlot[],
  deps: FleetDeps,
): Promise<InjectionReport> => {
  const machine = plan.format !== 'table' && plan.format !== 'wide'
  const progress = await startProgress(`Reading ${slots.length} contexts`, machine)
  let done = 0
  const results = await runBounded(slots, plan.fleet?.maxParallel ?? slots.length, async (slot) => {
    const result = await judgeSlot(slot, deps, plan)
    progress.update(`Reading ${slots.length} contexts (${++done} done)`)
    return result
  }).finally(() => progress.stop())
  const judged = results.filter((r): r is Judged => 'input' in r)
  const failures = results.filter((r): r is FleetFailure => !('input' in r))
  const order = slots.map((s) => s.context)
  const members = judged.map((j) => toMember(j, plan))
  const verdicts = judged.flatMap((j) => j.assessed.verdicts)
  // As in one context: a CI gate must not pass on nothing (unless a failed context already fails the run).
  if (plan.failOn.length > 0 && verdicts.length === 0 && failures.length === 0)
    throw new CliFailure(
      `--fail-on ${plan.failOn.join(',')}: the input yielded no pod or workload to check in any of the ${slots.length} contexts, so the gate cannot pass`,
      judged.some((j) => j.input.offline || j.input.manifests) ? ExitCode.InputFile : ExitCode.TargetNotFound,
      'Check the -f/--from files, the namespace (-n/-A) and the selector (-l).',
    )
  const report = buildFleetReport(members, failures, order)
  for (const j of judged)
    for (const warning of gapWarnings(j.input.snapshot.gaps))
      writeWarning(
        `context ${sanitizeTerminalText(j.context)}: ${withKubectlTarget(warning, {...deps.clusterFlags, context: j.context})}`,
      )
  if (!deps.json) printFleet(plan, judged, members, failures, report, deps)
  for (const f of failures)
    writeError(sanitizeTerminalText(`context ${f.context}: ${f.message}`.replace(/\s*\n\s*/g, ' ')))
  const matched = plan.failOn.length > 0 && verdicts.some((v) => matchesFailOn(v, plan.failOn))
  if (matched) for (const line of fleetFailOnReport(judged, plan)) writeNotice(line)
  const exit = fleetExitCode(failures, matched)
  if (exit !== ExitCode.Ok) process.exitCode = exit
  return report
}

const toMember = (j: Judged, plan: CheckPlan): FleetMember => {
  const {verdicts, health, report} = j.assessed
  const footer = j.footer
  return {
    context: j.context,
    report,
    verdicts: plan.format === 'wide' ? verdicts.map(compactSources) : verdicts,
    health,
    ...(footer === undefined ? {} : {footer}),
  }
}

// --fail-on over the fleet: one heading, then each hit as `context: kind/name -n ns: condition (code)`, at most 10.
const fleetFailOnReport = (judged: readonly Judged[], plan: CheckPlan): string[] => {
  const hits = judged.flatMap((j) =>
    failOnReport(j.assessed.verdicts, plan.failOn, Number.MAX_SAFE_INTEGER)
      .slice(1)
      .map((line) => `  ${sanitizeTerminalText(j.context)}: ${line.trimStart()}`),
  )
  const head = `--fail-on matched ${hits.length} ${hits.length === 1 ? 'target' : 'targets'}:`
  return [head, ...hits.slice(0, 10), ...(hits.length > 10 ? [`  and ${hits.length - 10} more`] : [])]
}

// One context's own view (trail, health, markdown), as the single-context run prints it.
const ownView = (j: Judged, plan: CheckPlan, deps: FleetDeps, member: FleetMember) =>
  renderCheckOutput({
    report: j.assessed.report,
    verdicts: member.verdicts,
    target: j.input.target,
    format: plan.format,
    colour: deps.colour,
    health: j.assessed.health,
    healthView: plan.health,
    snapshot: j.input.snapshot,
    verbose: deps.verbose,
    width: terminalWidth(),
  })

const asText = (rendered: string | Iterable<string> | undefined): string | undefined =>
  rendered === undefined ? undefined : typeof rendered === 'string' ? rendered : [...rendered].join('')

// True when each context would print a trail (one named target): those are shown one after the other.
const trails = (judged: readonly Judged[], plan: CheckPlan): boolean =>
  plan.format === 'table' &&
  judged.every(
    (j) =>
      j.assessed.verdicts.length <= 1 && (j.input.target === undefined || j.input.target.kind !== 'sweep'),
  )

// -L over the fleet: each row's labels from its own context's index.
const fleetLabels = (keys: readonly string[], judged: readonly Judged[], members: readonly FleetMember[]) => {
  const contextOf = new Map<Verdict, string>()
  for (const m of members) for (const v of m.verdicts) contextOf.set(v, m.context)
  const byContext = new Map(judged.map((j) => [j.context, j.labelsOf]))
  return {keys, labelsOf: (v: Verdict) => byContext.get(contextOf.get(v) ?? '')?.(v) ?? {}}
}

// -o json|yaml, jsonpath and custom-columns: one document over every context. False for the other formats.
const printDocument = (
  plan: CheckPlan,
  report: InjectionReport,
  judged: readonly Judged[],
  printer: FleetDeps['printer'],
): boolean => {
  if (plan.format === 'json' || plan.format === 'yaml')
    writeData(renderReportDocumentChunks(report, plan.format))
  else if (printer?.format === 'jsonpath')
    writeData(renderJsonPath(printer.template, JSON.parse(JSON.stringify(report))), {exact: true})
  else if (printer?.format === 'custom-columns' && report.items.length === 0)
    writeNotice(emptyNotice(judged[0]?.input.target))
  else if (printer?.format === 'custom-columns')
    writeData(
      renderCustomColumns(
        JSON.parse(JSON.stringify(report.items)) as unknown[],
        printer.columns,
        plan.noHeaders === true,
      ),
    )
  else return false
  return true
}

// -o markdown, --health and trails: each context's own view, one after the other.
const printGrouped = (
  plan: CheckPlan,
  judged: readonly Judged[],
  members: readonly FleetMember[],
  failures: readonly FleetFailure[],
  deps: FleetDeps,
): void => {
  if (plan.format === 'markdown') {
    const sections = judged.map((j, i) => ({
      context: j.context,
      markdown: asText(ownView(j, plan, deps, members[i]!)) ?? '',
      summary: renderSummaryLine(j.assessed.report.summary, {one: 'target', many: 'targets'}).trimEnd(),
    }))
    return writeData(renderFleetMarkdown(sections, failures, escapeMarkdown))
  }
  const sections = judged.flatMap((j, i) => {
    const text = asText(ownView(j, plan, deps, members[i]!))
    return text === undefined ? [] : [{context: j.context, text}]
  })
  if (sections.length === 0) writeNotice(emptyNotice(judged[0]?.input.target))
  else writeData(renderGrouped(sections))
}

// Table, -o wide and -o name: the rows of every context, CONTEXT first.
const printRows = (
  plan: CheckPlan,
  judged: readonly Judged[],
  members: readonly FleetMember[],
  deps: FleetDeps,
): void => {
  const verdicts = members.flatMap((m) => m.verdicts)
  if (judged.length === 0) return
  const target = judged[0]?.input.target
  if (verdicts.length === 0) return writeNotice(emptyNotice(target))
  if (plan.format === 'name')
    return writeData(
      members
        .flatMap((m) =>
          renderNames(m.verdicts.map((v) => v.target))
            .split('\n')
            .filter((line) => line !== '')
            .map((line) => `${sanitizeTerminalText(m.context)} ${line}`),
        )
        .join('\n'),
    )
  const allPods = verdicts.every((v) => v.target.kind === 'Pod')
  const noun =
    target?.kind === 'sweep' && allPods ? {one: 'pod', many: 'pods'} : {one: 'target', many: 'targets'}
  const options = {
    wide: plan.format === 'wide',
    colour: deps.colour,
    allNamespaces: target?.kind === 'sweep' && target.namespace === null,
    ...(plan.noHeaders === true ? {noHeaders: true} : {}),
    ...(plan.sortBy === undefined ? {} : {keepOrder: true}),
    ...(plan.labelColumns === undefined
      ? {}
      : {labelColumns: fleetLabels(plan.labelColumns, judged, members)}),
  }
  writeData(renderFleetTable(members, options, noun))
}

const printFleet = (
  plan: CheckPlan,
  judged: readonly Judged[],
  members: readonly FleetMember[],
  failures: readonly FleetFailure[],
  report: InjectionReport,
  deps: FleetDeps,
): void => {
  if (printDocument(plan, report, judged, deps.printer)) return
  if (plan.format === 'markdown' || plan.health === true || trails(judged, plan))
    return printGrouped(plan, judged, members, failures, deps)
  printRows(plan, judged, members, deps)
}
