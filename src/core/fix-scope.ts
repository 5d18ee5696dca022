// A fix must act on the cluster that was checked: the user's --kubeconfig/--context ride along in every command the
// report suggests (verdict actions and alternatives, health hints, the restart plan, a preview's next step).
import type {HealthReport} from './health/health-report.js'
import type {PodPreview} from './preview/preview.js'
import type {Verdict} from './verdict/verdict.js'
import {withClusterFlags} from './verdict/shell-command.js'
import type {ClusterFlags} from './verdict/shell-command.js'

const scoped = (texts: readonly string[], flags: ClusterFlags): string[] =>
  texts.map((text) => withClusterFlags(text, flags))

const hasFlags = (flags: ClusterFlags): boolean =>
  flags.kubeconfig !== undefined ||
  flags.context !== undefined ||
  flags.as !== undefined ||
  (flags.asGroups?.length ?? 0) > 0

export const scopeVerdict = (verdict: Verdict, flags: ClusterFlags): Verdict =>
  !hasFlags(flags)
    ? verdict
    : {
        ...verdict,
        actions: scoped(verdict.actions, flags),
        // The `kubectl auth can-i …` of an unreadable resource must ask about the same identity.
        checks: verdict.checks.map((c) =>
          c.code === 'Forbidden' ? {...c, detail: withClusterFlags(c.detail, flags)} : c,
        ),
        ...(verdict.notes === undefined ? {} : {notes: scoped(verdict.notes, flags)}),
        ...(verdict.alternatives === undefined
          ? {}
          : {alternatives: verdict.alternatives.map((a) => ({...a, actions: scoped(a.actions, flags)}))}),
      }

export const scopeHealth = (health: HealthReport, flags: ClusterFlags): HealthReport =>
  !hasFlags(flags)
    ? health
    : {
        ...health,
        findings: health.findings.map((f) => ({
          ...f,
          hint: withClusterFlags(f.hint, flags),
          moreHints: scoped(f.moreHints, flags),
        })),
        failures: health.failures.map((f) => ({...f, hints: scoped(f.hints, flags)})),
        plan: {
          ...health.plan,
          steps: health.plan.steps.map((s) => ({...s, commands: scoped(s.commands, flags)})),
        },
      }

export const scopePreview = (preview: PodPreview, flags: ClusterFlags): PodPreview =>
  !hasFlags(flags) || preview.failure === null
    ? preview
    : {...preview, failure: {...preview.failure, hint: withClusterFlags(preview.failure.hint, flags)}}
