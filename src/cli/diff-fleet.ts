// Fleet runs of inject-diff: the target previewed in every selected context concurrently (bounded, inject-check's
// runBounded), each context with its own connection; a diff per context under its heading, failed contexts on stderr.
import {scopePreview} from '../core/fix-scope.js'
import {diffExitCode} from '../core/preview/preview.js'
import type {PodPreview} from '../core/preview/preview.js'
import {renderGrouped} from '../render/fleet-report.js'
import {diffApiVersion, previewDocument} from '../render/pod-diff.js'
import type {DiffContextFailure, InjectionDiff, InjectionDiffList} from '../render/pod-diff.js'
import {sanitizeTerminalText} from '../render/terminal-text.js'
import {explainFailure} from './base-command.js'
import type {KubectlTarget} from './base-command.js'
import type {ConnectionFlags} from './check-input.js'
import {readDiffPreviews} from './diff-input.js'
import type {DiffPlan} from './diff-plan.js'
import {machineNotes, renderDiffOutput, writeNotes} from './diff-output.js'
import type {DiffNote} from './diff-output.js'
import {ExitCode} from './exit-codes.js'
import type {ExitCodeValue} from './exit-codes.js'
import {fleetExitCode, runBounded} from './fleet-run.js'
import {writeData, writeError, writeWarning} from './output.js'
import {startProgress} from './spinner.js'

export interface DiffFleetDeps {
  readonly clusterFlags: KubectlTarget
  readonly colour: boolean
  readonly debug: ((line: string) => void) | undefined
  /** inject-diff's code for an unexpected failure (70: its 1 means "differences found"). */
  readonly unexpectedExit: number
}

interface Previewed {
  readonly context: string
  readonly previews: readonly PodPreview[]
}

/**
 * The exit code of a fleet preview: a context that yielded nothing outranks every preview (77, else 69, else the first
 * other failure: 66, 64, 65, 70), as inject-check's fleetExitCode ranks them; else 2 when a preview failed in any
 * context, else 1 when any context differs, else 0.
 */
export const diffFleetExit = (
  failures: readonly {readonly exit: number}[],
  previewExits: readonly number[],
): number => {
  const failed: number = fleetExitCode(failures, false)
  return failed !== ExitCode.Ok ? failed : Math.max(0, ...previewExits)
}

const previewContext = async (
  context: string,
  plan: DiffPlan,
  flags: ConnectionFlags,
  deps: DiffFleetDeps,
): Promise<Previewed | DiffContextFailure> => {
  const target: KubectlTarget = {...deps.clusterFlags, context}
  const debug = deps.debug === undefined ? undefined : (line: string) => deps.debug?.(`[${context}] ${line}`)
  const warn = (line: string) => writeWarning(`context ${sanitizeTerminalText(context)}: ${line}`)
  try {
    const previews = await readDiffPreviews(plan, {...flags, context}, {machine: true, debug, warn})
    return {context, previews: previews.map((p) => scopePreview(p, target))}
  } catch (error) {
    const explained = explainFailure(error, 'inject-diff', target)
    const exit = explained.exit === ExitCode.Unexpected ? deps.unexpectedExit : explained.exit
    return {
      context,
      message: explained.message,
      ...(explained.hint === undefined ? {} : {hint: explained.hint}),
      exit,
    }
  }
}

/** --json (and -o json) over a fleet: one InjectionDiffList, every item naming its context, failed contexts listed. */
export const fleetDiffDocument = (
  previewed: readonly Previewed[],
  failures: readonly DiffContextFailure[],
): InjectionDiffList => ({
  apiVersion: diffApiVersion,
  kind: 'InjectionDiffList',
  items: previewed.flatMap(({context, previews}) =>
    previews.map((p): InjectionDiff => {
      const {apiVersion, kind, ...rest} = previewDocument(p)
      return {apiVersion, kind, context, ...rest}
    }),
  ),
  ...(failures.length === 0 ? {} : {failedContexts: failures}),
})

const contextNote = (context: string, note: DiffNote): DiffNote => ({
  ...note,
  message: `context ${sanitizeTerminalText(context)}: ${note.message}`,
})

/** Previews the plan in every context, prints the diffs (or one document), then the failed contexts; returns the exit code. */
export const runFleetDiff = async (
  plan: DiffPlan,
  contexts: readonly string[],
  flags: ConnectionFlags,
  deps: DiffFleetDeps,
): Promise<ExitCodeValue> => {
  const machine = plan.json || plan.format !== 'diff'
  const progress = await startProgress(`Previewing in ${contexts.length} contexts`, machine)
  let done = 0
  const results = await runBounded(contexts, plan.fleet?.maxParallel ?? contexts.length, async (context) => {
    const result = await previewContext(context, plan, flags, deps)
    progress.update(`Previewing in ${contexts.length} contexts (${++done} done)`)
    return result
  }).finally(() => progress.stop())
  const previewed = results.filter((r): r is Previewed => 'previews' in r)
  const failures = results.filter((r): r is DiffContextFailure => !('previews' in r))
  if (machine) {
    // As for one context: -o json also says each preview's warnings and failure on stderr; --json prints only the document.
    if (!plan.json)
      for (const {context, previews} of previewed)
        writeNotes(machineNotes(previews).map((n) => contextNote(context, n)))
    writeData(JSON.stringify(fleetDiffDocument(previewed, failures), null, 2))
  } else writeDiffs(previewed, deps.colour)
  for (const f of failures)
    writeError(sanitizeTerminalText(`context ${f.context}: ${f.message}`.replace(/\s*\n\s*/g, ' ')))
  return diffFleetExit(
    failures,
    previewed.map((p) => diffExitCode(p.previews)),
  ) as ExitCodeValue
}

// The readable diff of each context under `== context NAME ==`; its notes on stderr, prefixed with the context.
const writeDiffs = (previewed: readonly Previewed[], colour: boolean): void => {
  const sections: {context: string; text: string}[] = []
  for (const {context, previews} of previewed) {
    const output = renderDiffOutput(previews, {format: 'diff', json: false}, colour)
    writeNotes(output.notes.map((n) => contextNote(context, n)))
    if (output.text !== undefined) sections.push({context, text: output.text})
  }
  if (sections.length > 0) writeData(renderGrouped(sections))
}
