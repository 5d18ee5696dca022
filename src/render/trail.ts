// Renders one verdict as a human explanation: the verdict line, webhook and revision, the decision trail in
// evaluation order (✔ pass, ✘ fail, ? unknown, i info, each with the exact term and the actual value), findings, the fix.
import {byDesignCauses} from '../core/verdict/nearest-cause.js'
import {describeReason} from '../core/verdict/reasons.js'
import type {Check, CheckResult, Verdict} from '../core/verdict/verdict.js'
import {createPalette, sanitizeTerminalText as safe} from './terminal-text.js'
import type {Palette} from './terminal-text.js'

export interface TrailOptions {
  readonly colour: boolean
  /** Every webhook's checks (`-v`); by default only the deciding path. */
  readonly verbose?: boolean
  /** Terminal width lines are wrapped to; 100 when not given. */
  readonly width?: number
}

export const defaultTrailWidth = 100

const symbols: Readonly<Record<CheckResult, string>> = {Pass: '✔', Fail: '✘', Unknown: '?', Info: 'i'}

const paint = (result: CheckResult, p: Palette): ((text: string) => string) =>
  ({Pass: p.green, Fail: p.red, Unknown: p.yellow, Info: p.cyan})[result]

/** `deployment/web -n shop`, `pod/web-0 -n shop`, `namespace/shop`, `manifest web.yaml: deployment/web`. */
export const describeTarget = (verdict: Verdict): string => {
  const {kind, namespace, name, source} = verdict.target
  if (kind === 'Namespace') return `namespace/${safe(name)}`
  const ref = `${kind.toLowerCase()}/${safe(name)} -n ${safe(namespace)}`
  return source === undefined ? ref : `${ref} (${safe(source)})`
}

const revisionText = (verdict: Verdict): string =>
  verdict.revision === null
    ? ''
    : `revision ${safe(verdict.revision)}${verdict.tag === null ? '' : ` (tag ${safe(verdict.tag)})`}`

/** The one-line answer, e.g. `deployment/web -n shop: would be injected by revision 1-22 (tag prod)`. */
export const renderVerdictLine = (verdict: Verdict, p: Palette): string => {
  const target = p.bold(describeTarget(verdict))
  const summary = describeReason(verdict.reason).summary
  const subject = verdict.target.kind === 'Namespace' ? 'a new pod here' : 'a pod created now'
  // The decision assumes istiod answers; an unreachable webhook under failurePolicy Fail rejects pods first.
  const blocked = verdict.findings.some((f) => f.code === 'WebhookBlocksCreation')
    ? `, ${p.red('but pods are currently being rejected')} (WebhookBlocksCreation)`
    : ''
  switch (verdict.outcome) {
    case 'Inject':
      return `${target}: ${p.green(`${subject} would be injected`)}${verdict.revision === null ? '' : ` by ${revisionText(verdict)}`}${blocked}${admittedText(verdict, p)}`
    case 'Skip':
      return `${target}: ${p.yellow(`${subject} would not be injected${byDesignCauses.has(verdict.reason) ? ' (by design)' : ''}`)}: ${summary}${blocked}`
    case 'Reject':
      return `${target}: ${p.red(`${subject} would be rejected`)}: ${summary}`
    case 'Unknown':
      return `${target}: ${p.yellow('cannot tell')}: ${summary}`
  }
}

/** The third layer in the headline: rejected after injection (by what), or admission Unknown. */
const admittedText = (verdict: Verdict, p: Palette): string => {
  if (verdict.admitted !== false) return ''
  const failed = (verdict.admission ?? []).filter((c) => c.result === 'Fail').map((c) => c.code)
  const by = [...new Set(failed)].map((code) => admissionCauses[code] ?? code).join(', ')
  return `, ${p.red(`then rejected by ${by}`)}`
}

const admissionCauses: Readonly<Record<string, string>> = {
  PodSecurityViolation: 'Pod Security',
  QuotaExceeded: 'ResourceQuota',
  LimitRangeViolation: 'LimitRange',
}

const admittedLine = (verdict: Verdict): string | undefined =>
  verdict.admitted === undefined || (verdict.admission ?? []).length === 0
    ? undefined
    : verdict.admitted === null
      ? 'unknown (see Admission after injection)'
      : verdict.admitted
        ? 'yes (Pod Security, LimitRange, ResourceQuota pass)'
        : 'no: the injected pod is rejected'

const observedLine = (verdict: Verdict): string | undefined => {
  if (verdict.injected === null) return undefined
  if (!verdict.injected) return 'no sidecar'
  return verdict.injectedRevision === null
    ? 'has the istio-proxy sidecar'
    : `has the istio-proxy sidecar from revision ${safe(verdict.injectedRevision)}`
}

/** Breaks text at spaces so each line fits `width` after `indent`; a word longer than a line is cut. */
export const wrapText = (text: string, width: number, indent: string, first = indent): string[] => {
  const lines: string[] = []
  let line = first
  let empty = true
  const room = (prefix: string): number => Math.max(10, width - prefix.length)
  for (const word of text.split(' ')) {
    let rest = word
    while (rest.length > 0) {
      const prefix = lines.length === 0 ? first : indent
      const sep = empty ? '' : ' '
      if (line.length - prefix.length + sep.length + rest.length <= room(prefix)) {
        line += sep + rest
        empty = false
        rest = ''
      } else if (empty) {
        const cut = room(prefix)
        line += rest.slice(0, cut)
        rest = rest.slice(cut)
        lines.push(line)
        line = indent
      } else {
        lines.push(line)
        line = indent
        empty = true
      }
    }
  }
  lines.push(line)
  return lines.map((l) => l.trimEnd())
}

const detailIndent = ' '.repeat(13)

const renderCheck = (check: Check, p: Palette, width: number): string[] => {
  const colourOf = paint(check.result, p)
  // `Admission` is one letter wider than the column; the section header names the layer.
  const mark = `  ${symbols[check.result]} ${(check.stage === 'Admission' ? 'Admit' : check.stage).padEnd(8)} `
  const subject = wrapText(safe(check.subject), width, detailIndent, mark)
  const last = subject.at(-1) ?? mark
  // The code follows the subject after two spaces when it fits, else on a line of its own.
  const fits = [...last].length + 2 + check.code.length <= width
  const head = fits
    ? [...subject.slice(0, -1), `${last}  ${p.dim(check.code)}`]
    : [...subject, `${detailIndent}${p.dim(check.code)}`]
  const [first = '', ...rest] = head
  const painted = [`  ${colourOf(symbols[check.result])}${first.slice(3)}`, ...rest]
  return check.detail === '' ? painted : [...painted, ...wrapText(safe(check.detail), width, detailIndent)]
}

const refKey = (ref: {configuration: string; name: string}): string => `${ref.configuration}/${ref.name}`

/** The webhook a Webhook-stage check is about (`config/webhook part`), or undefined for other checks. */
const webhookOf = (check: Check): string | undefined =>
  check.stage === 'Webhook' &&
  /^\S+\/\S+ (namespaceSelector|objectSelector|rules|matchConditions)$/.test(check.subject)
    ? check.subject.split(' ')[0]
    : undefined

/**
 * The deciding path: the selected webhook's checks first, then other webhooks the API server calls, then per Istio
 * configuration the nearest miss; other non-matching webhooks are left out (`verbose` keeps everything in order).
 */
export const decidingChecks = (verdict: Verdict): readonly Check[] => {
  const selected = verdict.webhook === null ? [] : [refKey(verdict.webhook)]
  const called = verdict.matches.map((m) => refKey(m.webhook)).filter((k) => !selected.includes(k))
  const misses = (verdict.nearestMisses ?? [])
    .map(refKey)
    .filter((k) => !selected.includes(k) && !called.includes(k))
  const order = [...selected, ...called, ...misses]
  const byWebhook = new Map<string, Check[]>()
  const rest: Check[] = []
  const lead: Check[] = []
  for (const check of verdict.checks) {
    const ref = webhookOf(check)
    if (ref === undefined) (check.stage === 'Webhook' && byWebhook.size === 0 ? lead : rest).push(check)
    else if (order.includes(ref)) byWebhook.set(ref, [...(byWebhook.get(ref) ?? []), check])
  }
  return [...lead, ...order.flatMap((ref) => byWebhook.get(ref) ?? []), ...rest]
}

const decidedByText = (verdict: Verdict): string => {
  const decidedBy = verdict.decidedBy ?? verdict.reason
  return decidedBy === verdict.reason ? verdict.reason : `${verdict.reason} (decided by ${decidedBy})`
}

/** The full explanation of one target, newline-terminated; every line fits `width`. */
export const renderTrail = (verdict: Verdict, options: TrailOptions): string => {
  const p = createPalette(options.colour)
  const width = options.width ?? defaultTrailWidth
  const lines: string[] = [renderVerdictLine(verdict, p)]
  if (verdict.whatIf !== undefined)
    lines.push(
      `  what-if:  ${[
        ...(verdict.whatIf.namespaceLabels === undefined
          ? []
          : [`namespace labels ${safe(verdict.whatIf.namespaceLabels)}`]),
        ...(verdict.whatIf.podLabels === undefined ? [] : [`pod labels ${safe(verdict.whatIf.podLabels)}`]),
      ].join('; ')}`,
    )
  lines.push(`  reason:   ${decidedByText(verdict)}`)
  lines.push(
    `  webhook:  ${verdict.webhook === null ? '<none>' : `${safe(verdict.webhook.configuration)}/${safe(verdict.webhook.name)}`}`,
  )
  if (verdict.revision !== null) lines.push(`  revision: ${revisionText(verdict).replace(/^revision /, '')}`)
  const observed = observedLine(verdict)
  if (observed !== undefined) lines.push(`  observed: ${observed}`)
  if (verdict.owner !== undefined)
    lines.push(`  owner:    ${safe(verdict.owner.kind.toLowerCase())}/${safe(verdict.owner.name)}`)
  const admitted = admittedLine(verdict)
  if (admitted !== undefined) lines.push(`  admitted: ${admitted}`)
  const checks = options.verbose === true ? verdict.checks : decidingChecks(verdict)
  if (checks.length > 0) {
    const hidden = verdict.checks.length - checks.length
    lines.push(
      '',
      p.bold(
        `Decision trail${hidden > 0 ? p.dim(` (${hidden} checks of webhooks that do not select the pod hidden; -v shows them)`) : ''}`,
      ),
    )
    for (const check of checks) lines.push(...renderCheck(check, p, width))
  }
  const admission = verdict.admission ?? []
  if (admission.length > 0) {
    lines.push('', p.bold('Admission after injection'))
    for (const check of admission) lines.push(...renderCheck(check, p, width))
  }
  if (verdict.findings.length > 0) {
    lines.push('', p.bold('Findings'))
    for (const finding of verdict.findings) {
      const level = describeReason(finding.code).level
      const mark = level === 'Error' ? p.red('✘') : level === 'Warning' ? p.yellow('!') : p.cyan('i')
      const text = wrapText(`${finding.code}: ${safe(finding.message)}`, width, '    ', '  ! ')
      lines.push(...text.map((l, i) => (i === 0 ? `  ${mark}${l.slice(3)}` : l)))
    }
  }
  const notes = verdict.notes ?? []
  const alternatives = verdict.alternatives ?? []
  if (verdict.actions.length > 0 || notes.length > 0) {
    lines.push('', p.bold('Fix'))
    // Commands stay whole (wrapping would break copy-paste); notes are shell comments, wrapped.
    for (const action of verdict.actions) lines.push(`  ${safe(action)}`)
    for (const note of notes) lines.push(...wrapText(safe(note), width, '  # ', '  # '))
  }
  for (const alternative of alternatives) {
    lines.push(
      '',
      ...wrapText(safe(alternative.description), width, '  ', '').map((l, i) => (i === 0 ? p.bold(l) : l)),
    )
    for (const action of alternative.actions) lines.push(`  ${safe(action)}`)
  }
  return `${lines.join('\n')}\n`
}
