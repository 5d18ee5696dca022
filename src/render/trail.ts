// Renders one verdict as a human explanation: the verdict line, webhook and revision, the decision trail in
// evaluation order (✔ pass, ✘ fail, ? unknown, i info, each with the exact term and the actual value), findings, the fix.
import {describeReason} from '../core/verdict/reasons.js'
import type {Check, CheckResult, Verdict} from '../core/verdict/verdict.js'
import {createPalette, sanitizeTerminalText as safe} from './terminal-text.js'
import type {Palette} from './terminal-text.js'

export interface TrailOptions {
  readonly colour: boolean
}

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
      return `${target}: ${p.green(`${subject} would be injected`)}${verdict.revision === null ? '' : ` by ${revisionText(verdict)}`}${blocked}`
    case 'Skip':
      return `${target}: ${p.yellow(`${subject} would not be injected`)}: ${summary}${blocked}`
    case 'Reject':
      return `${target}: ${p.red(`${subject} would be rejected`)}: ${summary}`
    case 'Unknown':
      return `${target}: ${p.yellow('cannot tell')}: ${summary}`
  }
}

const observedLine = (verdict: Verdict): string | undefined => {
  if (verdict.injected === null) return undefined
  if (!verdict.injected) return 'no sidecar'
  return verdict.injectedRevision === null
    ? 'has the istio-proxy sidecar'
    : `has the istio-proxy sidecar from revision ${safe(verdict.injectedRevision)}`
}

const renderCheck = (check: Check, p: Palette): string[] => {
  const colourOf = paint(check.result, p)
  const head = `  ${colourOf(symbols[check.result])} ${check.stage.padEnd(8)} ${safe(check.subject)}  ${p.dim(check.code)}`
  return check.detail === '' ? [head] : [head, `             ${safe(check.detail)}`]
}

/** The full explanation of one target, newline-terminated. */
export const renderTrail = (verdict: Verdict, options: TrailOptions): string => {
  const p = createPalette(options.colour)
  const lines: string[] = [renderVerdictLine(verdict, p)]
  lines.push(`  reason:   ${verdict.reason}`)
  lines.push(
    `  webhook:  ${verdict.webhook === null ? '<none>' : `${safe(verdict.webhook.configuration)}/${safe(verdict.webhook.name)}`}`,
  )
  if (verdict.revision !== null) lines.push(`  revision: ${revisionText(verdict).replace(/^revision /, '')}`)
  const observed = observedLine(verdict)
  if (observed !== undefined) lines.push(`  observed: ${observed}`)
  if (verdict.owner !== undefined)
    lines.push(`  owner:    ${safe(verdict.owner.kind.toLowerCase())}/${safe(verdict.owner.name)}`)
  if (verdict.checks.length > 0) {
    lines.push('', p.bold('Decision trail'))
    for (const check of verdict.checks) lines.push(...renderCheck(check, p))
  }
  if (verdict.findings.length > 0) {
    lines.push('', p.bold('Findings'))
    for (const finding of verdict.findings) {
      const level = describeReason(finding.code).level
      const mark = level === 'Error' ? p.red('✘') : level === 'Warning' ? p.yellow('!') : p.cyan('i')
      lines.push(`  ${mark} ${finding.code}: ${safe(finding.message)}`)
    }
  }
  if (verdict.actions.length > 0) {
    lines.push('', p.bold('Fix'))
    for (const action of verdict.actions) lines.push(`  ${safe(action)}`)
  }
  return `${lines.join('\n')}\n`
}
