// The decide step of inject-check: one snapshot's verdicts, evaluated (for health), then with evidence, scoped to the
// user's --kubeconfig/--context and in --sort-by order (for output).
import {scopeHealth, scopeVerdict} from '../core/fix-scope.js'
import {snapshotTime} from '../core/health/evidence-age.js'
import {assessHealth} from '../core/health/health-report.js'
import {resolveHealthScope} from '../core/health/health-scope.js'
import {assessProxyFreshness} from '../core/health/proxy-freshness.js'
import {attachEvidence} from '../core/health/verdict-evidence.js'
import {evaluateRequest} from '../core/verdict/targets.js'
import type {ClusterFlags} from '../core/verdict/shell-command.js'
import type {Verdict} from '../core/verdict/verdict.js'
import {sortOrder} from '../render/item-printers.js'
import {buildInjectionReport} from '../render/report-document.js'
import {healthScopeRequest} from './check-input.js'
import type {CheckInput} from './check-input.js'
import type {CheckPlan} from './check-plan.js'
import {CliFailure, ExitCode} from './exit-codes.js'
import {keepSelectedPods} from './field-selector.js'

/** --sort-by: the verdicts in the order of their report items' values (kubectl sorts the items before printing). */
const sortVerdicts = (
  verdicts: readonly Verdict[],
  path: string,
  origin: Parameters<typeof buildInjectionReport>[0]['origin'],
): Verdict[] => {
  const {items} = buildInjectionReport({origin, verdicts, gaps: []})
  return sortOrder(JSON.parse(JSON.stringify(items)) as unknown[], path).map((i) => verdicts[i]!)
}

/** Verdicts of one snapshot: evaluated (for health), then with evidence and in --sort-by order (for output). */
export const judge = (
  input: CheckInput,
  plan: CheckPlan,
  clusterFlags: ClusterFlags,
): {evaluatedVerdicts: Verdict[]; verdicts: Verdict[]; at: Date} => {
  // Evidence ages against the snapshot's time (a bundle: when it was collected), not the reader's clock.
  const at = snapshotTime(input.snapshot, new Date())
  const evaluated = evaluateRequest(input.snapshot, input, {
    namespaceLabels: plan.namespaceLabels,
    podLabels: plan.podLabels,
    at,
  })
  if (!evaluated.ok)
    throw new CliFailure(
      `${evaluated.message} in the --from input`,
      ExitCode.InputFile,
      'Add the object to the input files, or check the name and -n.',
    )
  const snapshot = input.snapshot
  const evaluatedVerdicts =
    plan.fieldSelector === undefined
      ? [...evaluated.verdicts]
      : keepSelectedPods(evaluated.verdicts, snapshot.pods, plan.fieldSelector.requirements, input.offline)
  const attached = attachEvidence(snapshot, evaluatedVerdicts, assessProxyFreshness(snapshot)).map((v) =>
    scopeVerdict(v, clusterFlags),
  )
  const verdicts = plan.sortBy === undefined ? attached : sortVerdicts(attached, plan.sortBy, snapshot.origin)
  return {evaluatedVerdicts, verdicts: [...verdicts], at}
}

/** One judged snapshot: verdicts, the health report the view needs, and the report document. */
export const assess = (input: CheckInput, plan: CheckPlan, clusterFlags: ClusterFlags) => {
  const {evaluatedVerdicts, verdicts, at} = judge(input, plan, clusterFlags)
  const snapshot = input.snapshot
  const sweep = input.target?.kind === 'sweep'
  const wantsHealth = plan.health === true || plan.format === 'markdown'
  // Health is judged on the evaluated verdicts: the restart plan takes stale proxies from the proxy check itself.
  const health =
    wantsHealth || (sweep && (plan.format === 'table' || plan.format === 'wide'))
      ? scopeHealth(
          assessHealth(snapshot, evaluatedVerdicts, at, {
            scope: resolveHealthScope(snapshot, healthScopeRequest(input.target, evaluatedVerdicts)),
          }),
          clusterFlags,
        )
      : undefined
  const report = buildInjectionReport({
    origin: snapshot.origin,
    verdicts,
    gaps: snapshot.gaps,
    namespaceLabels: plan.namespaceLabels,
    podLabels: plan.podLabels,
    health: plan.health === true ? health : undefined,
  })
  return {verdicts, health, report, sweep, wantsHealth}
}
