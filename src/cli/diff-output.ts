// The render step of inject-diff: the readable diff (from the jsondiffpatch delta), -o patch|yaml|json, or the
// InjectionDiff document under --json; the exit code follows kubectl diff (0 same, 1 different, 2 a preview failed).
import {podDelta} from '../core/preview/delta.js'
import {diffExitCode} from '../core/preview/preview.js'
import type {PodPreview} from '../core/preview/preview.js'
import {buildDiffDocument, renderMachineOutput, renderPodDiff} from '../render/pod-diff.js'
import type {DiffPlan} from './diff-plan.js'
import {writeData, writeError, writeWarning} from './output.js'

/** A stderr line: a warning, or a preview's failure with its diagnosis and next step. */
export type DiffNote =
  | {readonly level: 'warning'; readonly message: string}
  | {readonly level: 'error'; readonly message: string; readonly hint: string}

export interface DiffOutput {
  readonly exit: 0 | 1 | 2
  /** --json: the InjectionDiff (or InjectionDiffList) document; nothing else is printed. */
  readonly document?: unknown
  /** stdout; undefined when there is nothing to print. */
  readonly text?: string
  /** stderr lines, in order, before the text. */
  readonly notes: readonly DiffNote[]
}

/** What -o json|yaml|patch say on stderr besides the document: each preview's warnings and failure. */
export const machineNotes = (previews: readonly PodPreview[]): DiffNote[] => [
  ...(previews.length === 0 ? [noPods] : []),
  ...previews.flatMap((p) => {
    const who = `${p.subject.namespace}/${p.subject.name}`
    return [
      ...p.warnings.map((w) => ({level: 'warning' as const, message: `${who}: ${w.message}`})),
      ...(p.failure === null
        ? []
        : [
            {
              level: 'error' as const,
              message: `${who}: ${p.failure.message}`,
              hint: `${p.failure.diagnosis} — ${p.failure.hint}`,
            },
          ]),
    ]
  }),
]

const noPods: DiffNote = {level: 'warning', message: 'no pods to preview'}

/** What the previews print as the plan asks; pure. */
export const renderDiffOutput = (
  previews: readonly PodPreview[],
  plan: Pick<DiffPlan, 'format' | 'json'>,
  colour: boolean,
): DiffOutput => {
  const exit = diffExitCode(previews)
  if (plan.json) return {exit, document: buildDiffDocument(previews), notes: []}
  if (plan.format !== 'diff') {
    const text = renderMachineOutput(previews, plan.format)
    return {exit, notes: machineNotes(previews), ...(text === '' ? {} : {text})}
  }
  if (previews.length === 0) return {exit, notes: [noPods]}
  const text = previews
    .map((p) => renderPodDiff(p, p.before === null ? undefined : podDelta(p.before, p.after), {colour}))
    .join('\n\n')
  return {exit, notes: [], text}
}

/** Writes the notes to stderr, then the document or text to stdout. */
export const writeDiffOutput = (output: DiffOutput): void => {
  writeNotes(output.notes)
  if (output.document !== undefined) writeData(JSON.stringify(output.document, null, 2))
  if (output.text !== undefined) writeData(output.text)
}

export const writeNotes = (notes: readonly DiffNote[]): void => {
  for (const note of notes)
    if (note.level === 'warning') writeWarning(note.message)
    else writeError(note.message, note.hint)
}
