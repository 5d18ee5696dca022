// The `--health` view as plain text: webhook states, findings by severity with fixes, the restart plan.
import type {HealthFinding, HealthReport} from '../core/health/health-report.js'
import type {HealthState} from '../core/health/webhook-health.js'
import type {Palette} from './terminal-text.js'
import {createPalette, sanitizeTerminalText} from './terminal-text.js'

export interface RenderHealthOptions {
  readonly color: boolean
  /** Under each configuration, every webhook's target and the result of each of its checks (the CLI view). */
  readonly webhooks?: boolean
}

const checkMark = (result: string, p: Palette): string =>
  result === 'Pass'
    ? p.green('✔')
    : result === 'Fail'
      ? p.red('✘')
      : result === 'Unknown'
        ? p.dim('?')
        : p.dim('·')

const stateMark = (
  state: HealthState | 'Healthy' | 'Degraded' | 'Failing' | 'Unknown',
  p: Palette,
): string => {
  switch (state) {
    case 'Healthy':
      return p.green('✔')
    case 'Degraded':
      return p.yellow('!')
    case 'Failing':
      return p.red('✘')
    case 'Unknown':
      return p.dim('?')
    case 'Inactive':
      return p.dim('-')
  }
}

const severityLabel = (finding: HealthFinding, p: Palette): string => {
  if (finding.unknown) return p.dim('UNKNOWN')
  if (finding.severity === 'Error') return p.red('ERROR  ')
  if (finding.severity === 'Warning') return p.yellow('WARNING')
  return p.cyan('INFO   ')
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`

export const renderHealth = (report: HealthReport, options: RenderHealthOptions): string => {
  const p = createPalette(options.color)
  const t = sanitizeTerminalText
  const lines: string[] = []
  lines.push(
    `${p.bold('Istio injector webhooks')}: ${stateMark(report.state, p)} ${report.state}${report.platform ? p.dim(` (platform: ${report.platform})`) : ''}`,
  )
  if (report.configurations.length === 0) lines.push('  no Istio injector webhook configuration found')
  const width = Math.max(0, ...report.configurations.map((c) => t(c.configuration).length))
  for (const c of report.configurations) {
    const rev = c.tag ? `tag ${t(c.tag)} → ${t(c.revision ?? '?')}` : `revision ${t(c.revision ?? '?')}`
    const reason = c.reason ? `: ${t(c.reason)}` : ''
    lines.push(
      `  ${stateMark(c.state, p)} ${t(c.configuration).padEnd(width)}  ${rev}  ${c.state.toLowerCase()}${reason}`,
    )
    if (options.webhooks !== true) continue
    for (const w of report.webhooks.filter((hook) => hook.configuration === c.configuration)) {
      const calls = w.service
        ? `${w.service.namespace}/${w.service.name}:${w.service.port}`
        : (w.url ?? 'no service or url')
      const endpoints =
        w.readyEndpoints === null ? 'endpoints not checked' : plural(w.readyEndpoints, 'ready endpoint')
      lines.push(`      ${t(w.webhook)} → ${t(calls)}, failurePolicy ${t(w.failurePolicy)}, ${endpoints}`)
      lines.push(
        `        ${w.checks.map((check) => `${checkMark(check.result, p)} ${check.code}`).join('  ')}`,
      )
    }
  }

  const shown = report.findings
  const errors = shown.filter((f) => f.severity === 'Error' && !f.unknown).length
  const warnings = shown.filter((f) => f.severity === 'Warning' && !f.unknown).length
  const unknowns = shown.filter((f) => f.unknown).length
  lines.push('')
  if (shown.length === 0) {
    lines.push(`${p.bold('Findings')}: none`)
  } else {
    const counts = [
      plural(errors, 'error'),
      plural(warnings, 'warning'),
      ...(unknowns > 0 ? [`${unknowns} not checked`] : []),
    ]
    lines.push(`${p.bold('Findings')} (${counts.join(', ')})`)
    for (const f of shown) {
      lines.push(`  ${severityLabel(f, p)}  ${f.code}  ${t(f.subject)}`)
      lines.push(`           ${t(f.detail)}`)
      if (f.source) lines.push(`           ${p.dim(`from ${t(f.source)}`)}`)
      lines.push(`           ${p.dim('fix:')} ${t(f.hint)}`)
      for (const more of f.moreHints) lines.push(`             - ${t(more)}`)
    }
  }

  const plan = report.plan
  if (plan.steps.length > 0) {
    lines.push('')
    const head = `${p.bold('Restart plan')}: ${plural(plan.counts.workloads, 'workload')}, ${plural(plan.counts.pods, 'pod')} in ${plural(plan.counts.namespaces, 'namespace')}`
    const blocked = [
      ...(plan.blocked ? ['fix the webhook first'] : []),
      ...(plan.admissionBlocked ? ['new pods would be rejected after injection: fix admission first'] : []),
    ]
    lines.push(blocked.length > 0 ? `${head} ${p.red(`(blocked: ${blocked.join('; ')})`)}` : head)
    for (const step of plan.steps) {
      const target =
        step.action === 'FixWebhook'
          ? `fix webhook ${t(step.target.name)}`
          : step.action === 'FixAdmission'
            ? `${t(step.namespace ?? '')}  fix admission (${t(step.target.name)})`
            : `${t(step.namespace ?? '')}  ${step.target.kind.toLowerCase()}/${t(step.target.name)}`
      const pods = step.pods.length > 0 ? ` (${plural(step.pods.length, 'pod')})` : ''
      const tags = [
        ...(step.gateway ? ['gateway'] : []),
        ...(step.blockedBy.length > 0 ? [`after ${step.blockedBy.map(t).join(', ')}`] : []),
        ...((step.rejectedBy ?? []).length > 0 ? [`after the admission fix`] : []),
      ]
      lines.push(
        `  ${String(step.order).padStart(2)}. ${target}${pods}${tags.length > 0 ? p.dim(` [${tags.join('; ')}]`) : ''}`,
      )
      if (step.warning) lines.push(`      ${p.yellow('!')} ${t(step.warning)}`)
      for (const command of step.commands) lines.push(`      ${p.cyan('$')} ${t(command)}`)
    }
  }
  lines.push('')
  lines.push(t(report.summary))
  return `${lines.join('\n')}\n`
}
