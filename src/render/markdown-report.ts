// A Markdown report a support engineer pastes into a ticket: summary, findings by severity with
// reason codes and provenance, fixes as code blocks. Every cluster string is escaped.
import type {HealthFinding, HealthReport} from '../core/health/health-report.js'
import type {Gap, SnapshotOrigin} from '../core/snapshot.js'
import {summarizeVerdicts} from '../core/verdict/summary.js'
import type {Verdict} from '../core/verdict/verdict.js'
import {sanitizeTerminalText} from './terminal-text.js'
import {decisionFlowchart} from './decision-flowchart.js'

export interface MarkdownReportInput {
  readonly report: HealthReport
  readonly verdicts: readonly Verdict[]
  readonly snapshotOrigin: SnapshotOrigin
  readonly gaps: readonly Gap[]
  /** Verdict rows listed at most (a sweep can hold thousands); default 200. */
  readonly maxVerdicts?: number
}

/** Inline text: control characters made visible, Markdown and HTML syntax backslash-escaped. */
export const escapeMarkdown = (text: string): string =>
  sanitizeTerminalText(text).replace(/[\\`*_{}[\]<>#!|~&]/g, (ch) => `\\${ch}`)

/** Inline code span: fenced with more backticks than the text holds, padded when it starts or ends with one. */
export const codeSpan = (text: string): string => {
  const clean = sanitizeTerminalText(text)
  const longest = Math.max(0, ...(clean.match(/`+/g) ?? []).map((run) => run.length))
  const fence = '`'.repeat(longest + 1)
  const pad = clean.startsWith('`') || clean.endsWith('`') || clean === '' ? ' ' : ''
  return `${fence}${pad}${clean}${pad}${fence}`
}

/** Fenced block; each line sanitized, the fence longer than any backtick run inside. */
export const codeBlock = (lines: readonly string[], language = ''): string => {
  const clean = lines.map(sanitizeTerminalText)
  const longest = Math.max(2, ...clean.flatMap((line) => (line.match(/`+/g) ?? []).map((run) => run.length)))
  const fence = '`'.repeat(longest + 1)
  return [`${fence}${language}`, ...clean, fence].join('\n')
}

const originLine = (origin: SnapshotOrigin): string =>
  origin.kind === 'live'
    ? `live cluster, context ${codeSpan(origin.context)} (${codeSpan(origin.server)})`
    : `files ${origin.paths.map(codeSpan).join(', ')}${origin.layouts && origin.layouts.length > 0 ? ` (layouts: ${origin.layouts.map(escapeMarkdown).join(', ')})` : ''}`

const commandWord = /^(?:kubectl|istioctl|gcloud|aws|az|helm|oc|openssl)\s/

/** `; ` separators outside quotes and before any ` # comment`: a jsonpath, -p '…' or a comment is never split. */
const splitSegments = (text: string): string[] => {
  const out: string[] = []
  let quote: string | null = null
  let start = 0
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]
    if (quote !== null) {
      if (ch === quote) quote = null
    } else if (ch === '#' && /\s/.test(text[i - 1] ?? '')) break
    else if (ch === "'" || ch === '"') quote = ch
    else if (ch === ';' && text[i + 1] === ' ') {
      out.push(text.slice(start, i))
      start = i + 2
    }
  }
  out.push(text.slice(start))
  return out.map((segment) => segment.trim()).filter((segment) => segment !== '')
}

/** A fix split into prose (said in the text) and commands (the only lines inside a ```sh block). */
export const splitFix = (fix: string): {prose: string[]; commands: string[]} => {
  const prose: string[] = []
  const commands: string[] = []
  for (const segment of splitSegments(fix)) {
    if (commandWord.test(segment)) {
      commands.push(segment)
      continue
    }
    const lead = /^(.*?):\s+((?:kubectl|istioctl|gcloud|aws|az|helm|oc|openssl)\s.*)$/.exec(segment)
    if (lead?.[1] !== undefined && lead[2] !== undefined) {
      prose.push(lead[1])
      commands.push(lead[2])
    } else prose.push(segment)
  }
  return {prose, commands}
}

/** Fixes under a list item: each fix's prose as one line of text, its commands in a ```sh block right after it. */
const fixLines = (fixes: readonly string[], indent: string): string[] => {
  const lines: string[] = []
  const seen = new Set<string>()
  let pending: string[] = []
  const flush = (): void => {
    if (pending.length > 0)
      lines.push(
        '',
        ...codeBlock(pending, 'sh')
          .split('\n')
          .map((line) => `${indent}${line}`),
        '',
      )
    pending = []
  }
  for (const fix of fixes) {
    const {prose, commands} = splitFix(fix)
    // A repeated command is dropped only where no prose introduces it (prose never ends in a dangling colon).
    const fresh = prose.length > 0 ? commands : commands.filter((c) => !seen.has(c))
    for (const c of fresh) seen.add(c)
    if (prose.length > 0) {
      flush()
      lines.push(`${indent}${escapeMarkdown(prose.join('; '))}${fresh.length > 0 ? ':' : ''}  `)
    }
    pending.push(...fresh)
  }
  flush()
  return [...lines, '']
}

const findingBlock = (f: HealthFinding): string[] => {
  const lines = [
    `- **${f.code}**${f.unknown ? ' (not checked)' : ''}: ${escapeMarkdown(f.subject)}  `,
    `  ${escapeMarkdown(f.detail)}  `,
  ]
  if (f.source) lines.push(`  Evidence from ${codeSpan(f.source)}  `)
  return [...lines, ...fixLines([f.hint, ...f.moreHints], '  ')]
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`

/** The one target of a single-target report, before anything cluster-wide. */
const targetSection = (v: Verdict): string[] => {
  const t = v.target
  const out = [`## Target: ${escapeMarkdown(`${t.kind} ${t.namespace}/${t.name}`)}`, '']
  out.push(`- Outcome: **${v.outcome}** (${v.reason})`)
  out.push(
    `- Revision: ${escapeMarkdown(v.revision ?? '—')}${v.webhook ? `, webhook ${codeSpan(`${v.webhook.configuration}/${v.webhook.name}`)}` : ''}`,
  )
  if (v.injected !== null)
    out.push(
      `- Sidecar now: ${v.injected ? 'yes' : 'no'}${v.injectedRevision ? ` (revision ${escapeMarkdown(v.injectedRevision)})` : ''}`,
    )
  const file = v.sources?.pod ?? v.sources?.workload ?? t.source
  if (file !== undefined) out.push(`- Source: ${codeSpan(file)}`)
  for (const f of v.findings) out.push(`- **${f.code}**: ${escapeMarkdown(f.message)}`)
  out.push('')
  // A verdict without a trail (no check ran) has no path to draw.
  if (v.checks.length + (v.admission?.length ?? 0) > 0)
    out.push(
      'Decision path (the deciding step highlighted):',
      '',
      codeBlock(decisionFlowchart(v), 'mermaid'),
      '',
    )
  if (v.actions.length > 0) out.push('Fix:', '', ...fixLines(v.actions, ''))
  return out
}

const verdictRows = (verdicts: readonly Verdict[], limit: number): string[] => {
  const interesting = verdicts.filter(
    (v) => v.findings.length > 0 || v.outcome === 'Reject' || v.outcome === 'Unknown',
  )
  if (interesting.length === 0) return []
  // Provenance column once the command threaded sources through: the file of the target itself.
  const sourced = interesting.some((v) => v.sources !== undefined)
  const sourceOf = (v: Verdict): string => {
    const file = v.sources?.pod ?? v.sources?.workload ?? v.target.source ?? v.sources?.namespace
    return file === undefined ? '—' : codeSpan(file)
  }
  const rows = [
    `| Target | Outcome | Reason | Revision | Findings |${sourced ? ' Source |' : ''}`,
    `|---|---|---|---|---|${sourced ? '---|' : ''}`,
    ...interesting
      .slice(0, limit)
      .map(
        (v) =>
          `| ${escapeMarkdown(`${v.target.kind} ${v.target.namespace}/${v.target.name}`)} | ${v.outcome} | ${v.reason} | ${escapeMarkdown(v.revision ?? '—')} | ${v.findings.map((f) => f.code).join(', ') || '—'} |${sourced ? ` ${sourceOf(v).replace(/\|/g, '\\|')} |` : ''}`,
      ),
  ]
  if (interesting.length > limit) rows.push('', `…and ${interesting.length - limit} more.`)
  return rows
}

const headerSection = (report: HealthReport, origin: SnapshotOrigin): string[] => [
  '# Istio sidecar injection report',
  '',
  `- Generated: ${report.generatedAt}`,
  `- Snapshot: ${originLine(origin)}`,
  ...(report.platform ? [`- Platform: ${report.platform}`] : []),
  `- State: **${report.state}**`,
  `- ${escapeMarkdown(report.summary)}`,
  '',
]

/** Counts by outcome; a single-target report shows its target instead. */
const summarySection = (verdicts: readonly Verdict[]): string[] => {
  const s = summarizeVerdicts(verdicts)
  if (s.total === 0) return []
  return [
    '## Summary',
    '',
    '| Targets | Injected | Needs restart | Drift | Stale proxy | Rejected | Unknown | Not injected by design | Not enabled | Misconfigured |',
    '|---|---|---|---|---|---|---|---|---|---|',
    `| ${s.total} | ${s.injected} | ${s.needsRestart} | ${s.drift} | ${s.stale} | ${s.rejected} | ${s.unknown} | ${s.notInjectedByDesign} | ${s.notEnabled} | ${s.misconfigured} |`,
    '',
  ]
}

const severityGroups = [
  ['Errors', (f: HealthFinding) => f.severity === 'Error' && !f.unknown],
  ['Warnings', (f: HealthFinding) => f.severity === 'Warning' && !f.unknown],
  ['Not checked', (f: HealthFinding) => f.unknown],
  ['Info', (f: HealthFinding) => f.severity === 'Info' && !f.unknown],
] as const

const findingsSection = (findings: readonly HealthFinding[], single: boolean): string[] => {
  const out = [single ? '## Cluster-wide findings' : '## Findings', '']
  if (findings.length === 0) out.push('No problems found.', '')
  for (const [title, pick] of severityGroups) {
    const items = findings.filter(pick)
    if (items.length === 0) continue
    out.push(`### ${title} (${items.length})`, '')
    for (const f of items) out.push(...findingBlock(f))
  }
  return out
}

const webhooksSection = (configurations: HealthReport['configurations']): string[] => {
  if (configurations.length === 0) return []
  return [
    '## Injector webhooks',
    '',
    '| Configuration | Revision | Tag | State | Reason |',
    '|---|---|---|---|---|',
    ...configurations.map(
      (c) =>
        `| ${escapeMarkdown(c.configuration)} | ${escapeMarkdown(c.revision ?? '—')} | ${escapeMarkdown(c.tag ?? '—')} | ${c.state} | ${escapeMarkdown(c.reason ?? '—')} |`,
    ),
    '',
  ]
}

const failureLine = (f: HealthReport['failures'][number]): string => {
  const what = f.object ? `${f.object.kind} ${f.object.namespace}/${f.object.name}` : 'istiod log'
  return `- **${f.code}** (${f.object === null ? plural(f.count, 'log line') : `${plural(f.events, 'event')}${f.count > f.events ? `, ${plural(f.count, 'occurrence')}` : ''}`}${f.lastTimestamp ? `, last ${escapeMarkdown(f.lastTimestamp)}` : ''}): ${escapeMarkdown(what)}${f.webhook ? `, webhook ${codeSpan(f.webhook)}` : ''}${f.source ? `, from ${codeSpan(f.source)}` : ''}`
}

/** Each failure with its message quoted verbatim in an indented block. */
const failuresSection = (failures: HealthReport['failures']): string[] => {
  if (failures.length === 0) return []
  return [
    '## Failure evidence',
    '',
    ...failures.flatMap((f) => [
      failureLine(f),
      '',
      ...codeBlock([f.message])
        .split('\n')
        .map((line) => `  ${line}`),
      '',
    ]),
  ]
}

const targetsSection = (verdicts: readonly Verdict[], limit: number): string[] => {
  const rows = verdictRows(verdicts, limit)
  return rows.length > 0 ? ['## Targets with findings', '', ...rows, ''] : []
}

type PlanStep = HealthReport['plan']['steps'][number]

const planStepLines = (step: PlanStep): string[] => {
  const target =
    step.action === 'FixWebhook'
      ? `Fix webhook ${codeSpan(step.target.name)}`
      : step.action === 'FixAdmission'
        ? `${escapeMarkdown(step.namespace ?? '')}: fix admission (${codeSpan(step.target.name)})`
        : `${escapeMarkdown(step.namespace ?? '')}: ${codeSpan(`${step.target.kind.toLowerCase()}/${step.target.name}`)}`
  const out = [
    `${step.order}. ${target}${step.pods.length > 0 ? ` (${plural(step.pods.length, 'pod')})` : ''}${step.gateway ? ' (gateway)' : ''}  `,
  ]
  if (step.warning) out.push(`   ${escapeMarkdown(step.warning)}  `)
  if (step.commands.length > 0)
    out.push(
      '',
      ...codeBlock(step.commands, 'sh')
        .split('\n')
        .map((line) => `   ${line}`),
      '',
    )
  return out
}

const planSection = (plan: HealthReport['plan']): string[] => {
  if (plan.steps.length === 0) return []
  return [
    '## Restart plan',
    '',
    `${plural(plan.counts.workloads, 'workload')}, ${plural(plan.counts.pods, 'pod')} in ${plural(plan.counts.namespaces, 'namespace')}${plan.blocked ? '. **Blocked: fix the webhook first; restarts would not create injected pods.**' : '.'}${plan.admissionBlocked ? ' **New pods would be rejected after injection: run the admission fixes first.**' : ''}`,
    '',
    ...plan.steps.flatMap(planStepLines),
    '',
  ]
}

const gapsSection = (gaps: readonly Gap[]): string[] => {
  if (gaps.length === 0) return []
  return [
    '## Data not collected',
    '',
    ...gaps.map(
      (g) =>
        `- ${codeSpan(`${g.verb ?? 'read'} ${g.resource}${g.namespace ? ` -n ${g.namespace}` : ''}${g.name ? ` ${g.name}` : ''}`)}: ${g.reason}: ${escapeMarkdown(g.message)}`,
    ),
    '',
  ]
}

export const renderMarkdownReport = (input: MarkdownReportInput): string => {
  const {report, verdicts, snapshotOrigin, gaps} = input
  const [only] = verdicts
  const single = verdicts.length === 1 && only !== undefined
  const out = [
    ...headerSection(report, snapshotOrigin),
    ...(single ? targetSection(only) : summarySection(verdicts)),
    ...findingsSection(report.findings, single),
    ...webhooksSection(report.configurations),
    ...failuresSection(report.failures),
    ...(single ? [] : targetsSection(verdicts, input.maxVerdicts ?? 200)),
    ...planSection(report.plan),
    ...gapsSection(gaps),
  ]
  return `${out
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd()}\n`
}
