// One target's decision path as a Mermaid flowchart (GitHub and GitLab render ```mermaid blocks inline): webhook
// selection → istiod policy → admission after injection → outcome, the step that decided highlighted. Node ids are fixed
// words; every label character outside a small safe set is a Mermaid entity code, so no name can end a label or the graph.
import type {ReasonCode} from '../core/verdict/reasons.js'
import type {Check, CheckStage, Verdict} from '../core/verdict/verdict.js'
import {sanitizeTerminalText} from './terminal-text.js'

type StepId = 'webhook' | 'policy' | 'admission'

interface Step {
  readonly id: StepId
  readonly title: string
  /** Trail stages this step summarises (Revision: which istiod the selected webhook calls). */
  readonly stages: readonly CheckStage[]
}

const steps: readonly Step[] = [
  {id: 'webhook', title: 'Webhook selection', stages: ['Webhook', 'Revision']},
  {id: 'policy', title: 'istiod policy', stages: ['Policy']},
  {id: 'admission', title: 'Admission after injection', stages: ['Admission']},
]

/** Mermaid entity codes (`#34;`) for everything but letters, digits and `space . , : / _ = + -`; at most `max` characters. */
export const mermaidText = (text: string, max = 80): string => {
  const clean = sanitizeTerminalText(text)
  const short = [...clean].length > max ? `${[...clean].slice(0, max - 1).join('')}…` : clean
  return [...short].map((ch) => (/^[A-Za-z0-9 .,:/_=+-]$/.test(ch) ? ch : `#${ch.codePointAt(0)};`)).join('')
}

// A node: fixed id, a quoted label of escaped lines joined by <br/> (our markup, never the cluster's).
const node = (id: string, lines: readonly string[]): string =>
  `  ${id}["${lines.map((l) => mermaidText(l)).join('<br/>')}"]`

const stepChecks = (verdict: Verdict, step: Step): Check[] =>
  [...verdict.checks, ...(verdict.admission ?? [])].filter((c) => step.stages.includes(c.stage))

// The code a step shows: the deciding code when it is here; for a step the evaluation went past, its last passing check
// of its own stage (InjectorWebhookSelected); otherwise its first failure, first unknown, or last check.
const stepCode = (
  checks: readonly Check[],
  decided: ReasonCode | undefined,
  step: Step,
  passedOn: boolean,
): {code: ReasonCode; result: string} => {
  const own = checks.filter((c) => c.stage === step.stages[0] && c.result === 'Pass')
  const pick =
    checks.find((c) => c.code === decided) ??
    (passedOn ? own.at(-1) : undefined) ??
    checks.find((c) => c.result === 'Fail') ??
    checks.find((c) => c.result === 'Unknown') ??
    checks.at(-1)!
  return {code: pick.code, result: pick.result}
}

const stepDetail = (verdict: Verdict, id: StepId): string | undefined => {
  if (id === 'webhook' && verdict.webhook !== null)
    return `${verdict.webhook.configuration}/${verdict.webhook.name}${verdict.revision === null ? '' : ` (revision ${verdict.revision})`}`
  if (id === 'admission' && verdict.admitted !== undefined && verdict.admitted !== null)
    return verdict.admitted ? 'admitted' : 'not admitted'
  return undefined
}

// The step that decided: the one whose trail holds the deciding code; a conclusion no check carries (e.g.
// NoInjectorWebhookMatches) belongs to the last step reached, unless the pod is injected (then the outcome decides).
const decidingIndex = (
  verdict: Verdict,
  trails: readonly Check[][],
  decided: ReasonCode,
): number | undefined => {
  const holding = trails.findIndex((trail) => trail.some((c) => c.code === decided))
  if (holding >= 0) return holding
  const last = trails.reduce((found, trail, i) => (trail.length > 0 ? i : found), -1)
  return last >= 0 && verdict.outcome !== 'Inject' ? last : undefined
}

const stepNode = (
  verdict: Verdict,
  index: number,
  trails: readonly Check[][],
  deciding: number | undefined,
): string => {
  const step = steps[index]!
  const checks = trails[index] ?? []
  if (checks.length === 0) return node(step.id, [step.title, 'not reached'])
  const decided = verdict.decidedBy ?? verdict.reason
  const passedOn = trails.slice(index + 1).some((later) => later.length > 0)
  const own = checks.some((c) => c.code === decided)
  const {code, result} = stepCode(checks, decided, step, passedOn)
  const codeLine = index === deciding && !own ? decided : `${code}: ${result}`
  const detail = stepDetail(verdict, step.id)
  return node(step.id, [step.title, codeLine, ...(detail === undefined ? [] : [detail])])
}

/** The flowchart lines (without fences) for one verdict. */
export const decisionFlowchart = (verdict: Verdict): string[] => {
  const t = verdict.target
  const trails = steps.map((step) => stepChecks(verdict, step))
  const deciding = decidingIndex(verdict, trails, verdict.decidedBy ?? verdict.reason)
  const reached = steps.filter((_, i) => (trails[i] ?? []).length > 0).map((step) => step.id)
  const unreached = steps.filter((_, i) => (trails[i] ?? []).length === 0).map((step) => step.id)
  const lines = [
    'flowchart TD',
    node('target', [`${t.kind} ${t.namespace}/${t.name}`]),
    ...steps.map((_, i) => stepNode(verdict, i, trails, deciding)),
    node('outcome', [`Outcome: ${verdict.outcome}`, verdict.reason]),
  ]
  const path = ['target', ...reached, 'outcome']
  for (let i = 1; i < path.length; i++) lines.push(`  ${path[i - 1]} --> ${path[i]}`)
  // A step the evaluation never got to hangs off the step before it, dotted.
  for (const id of unreached) {
    const before = steps.findIndex((s) => s.id === id) - 1
    lines.push(`  ${steps[before]?.id ?? 'target'} -.->|not reached| ${id}`)
  }
  lines.push('  classDef decided fill:#fde68a,stroke:#b45309,stroke-width:3px')
  lines.push('  classDef skipped fill:#f3f4f6,stroke:#9ca3af,color:#6b7280')
  lines.push(`  class ${deciding === undefined ? 'outcome' : steps[deciding]!.id} decided`)
  if (unreached.length > 0) lines.push(`  class ${unreached.join(',')} skipped`)
  return lines
}
