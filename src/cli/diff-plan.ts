// inject-diff's flags compiled once into a typed plan, as check-plan.ts does for inject-check; pure, so tests need no I/O.
import {fleetOverrides, planFleet} from './fleet-plan.js'
import type {FleetFlags, FleetOverrideFlags, FleetPlan} from './fleet-plan.js'
import {parseTargetArgs} from './target-args.js'
import type {TargetContext} from './target-args.js'

/** -o formats of inject-diff: the readable diff, an RFC 6902 patch, or the resulting pod. */
export const diffFormats = ['diff', 'patch', 'yaml', 'json'] as const
export type DiffFormat = (typeof diffFormats)[number]

/** Pods a selector may match before inject-diff refuses to dry-run them all (raise with --max). */
export const defaultMaxPods = 20

export const diffHelp = "See 'kubectl inject-diff --help' for usage."

export interface DiffFlags extends FleetFlags, FleetOverrideFlags {
  readonly output: DiffFormat
  readonly from?: readonly string[] | undefined
  readonly filename?: readonly string[] | undefined
  readonly recursive?: boolean | undefined
  readonly revision?: string | undefined
  readonly observed?: boolean | undefined
  readonly raw?: boolean | undefined
  readonly namespace?: string | undefined
  readonly 'all-namespaces'?: boolean | undefined
  readonly selector?: string | undefined
  readonly max: number
}

export interface DiffPlan {
  /** -o; under --json the InjectionDiff document is printed instead. */
  readonly format: DiffFormat
  readonly json: boolean
  /** --from paths (only with --observed); empty means live. */
  readonly fromPaths: readonly string[]
  /** -f paths (`-` is stdin); non-empty means manifests are previewed instead of a cluster target. */
  readonly manifestPaths: readonly string[]
  readonly recursive: boolean
  /** Positional arguments, parsed again once the default namespace is known. */
  readonly targetArgs: readonly string[]
  readonly observed: boolean
  readonly raw: boolean
  readonly revision?: string
  /** -l: at most this many pods are dry-run. */
  readonly max: number
  /** Several contexts (--context repeated, --all-contexts, --context-selector): each previewed on its own. */
  readonly fleet?: FleetPlan
}

export type DiffPlanResult =
  {readonly ok: true; readonly plan: DiffPlan} | {readonly ok: false; readonly error: string}

/** What a target must be for a preview: pods (one dry-run each) or a workload; null when the parse is fine. */
export const previewTargetProblem = (
  targetArgs: readonly string[],
  context: TargetContext,
  observed: boolean,
): string | null => {
  const parsed = parseTargetArgs(targetArgs, context)
  if (!parsed.ok) return parsed.error.replace('inject-check', 'inject-diff')
  const kind = parsed.target.kind
  if (kind === 'namespace' || kind === 'list')
    return 'inject-diff previews pods: name a pod, a workload (deploy/NAME, …) or -f manifests'
  if (observed && kind !== 'pod' && kind !== 'sweep')
    return '--observed takes pods (POD, -l, -A), not workloads'
  return null
}

// The flag combinations that make no sense for a preview, in the order a user meets them.
const combinationProblem = (
  flags: DiffFlags,
  targetArgs: readonly string[],
  json: boolean,
): string | null => {
  const manifests = flags.filename ?? []
  const offline = (flags.from ?? []).length > 0
  if (json && flags.output !== 'diff' && flags.output !== 'json')
    return `--json and -o ${flags.output} cannot be used together`
  if (flags.observed === true && manifests.length > 0)
    return '--observed compares running pods with their templates; -f manifests have no running pod'
  if (flags.observed === true && flags.revision !== undefined)
    return '--observed shows what happened; --revision previews what would happen: use one'
  if (offline && flags.observed !== true)
    return '--from works only with --observed: a preview needs the cluster’s admission chain'
  if (manifests.length > 0 && targetArgs.length > 0) return 'give either -f manifests or a TARGET, not both'
  return null
}

// A preview is one dry-run per pod: a whole namespace (or cluster) is never previewed by accident.
const missingTarget = (flags: DiffFlags, targetArgs: readonly string[]): string | null => {
  const bareType = targetArgs.length === 1 && /^(po|pod|pods)$/i.test(targetArgs[0] ?? '')
  const named = (flags.filename ?? []).length > 0 || (targetArgs.length > 0 && !bareType)
  if (flags.observed === true || named || flags.selector !== undefined) return null
  return `inject-diff needs a target: POD, TYPE/NAME (deploy/web), -f FILE, or -l SELECTOR (at most --max ${flags.max} pods)${flags['all-namespaces'] === true ? '; -A alone would dry-run every pod of the cluster' : ''}`
}

/** Validates the inject-diff flag combinations, naming the flags; the target is checked with a placeholder namespace. */
export const planDiff = (flags: DiffFlags, targetArgs: readonly string[], json: boolean): DiffPlanResult => {
  const manifestPaths = flags.filename ?? []
  const problem =
    combinationProblem(flags, targetArgs, json) ??
    missingTarget(flags, targetArgs) ??
    (manifestPaths.length > 0
      ? null
      : previewTargetProblem(
          targetArgs,
          {
            namespace: flags.namespace ?? 'default',
            allNamespaces: flags['all-namespaces'] === true,
            selector: flags.selector,
          },
          flags.observed === true,
        ))
  if (problem !== null) return {ok: false, error: problem}
  const fleet = planFleet(flags, {
    from: (flags.from ?? []).length > 0,
    watch: false,
    stdinManifest: manifestPaths.includes('-'),
    clusterOverrides: fleetOverrides.filter((name) => flags[name] !== undefined),
  })
  if ('error' in fleet) return {ok: false, error: fleet.error}
  if (fleet.fleet !== undefined && !json && (flags.output === 'patch' || flags.output === 'yaml'))
    return {
      ok: false,
      error: `-o ${flags.output} is for one context; with several, use the diff or --json (each item names its context)`,
    }
  return {
    ok: true,
    plan: {
      format: flags.output,
      json,
      fromPaths: flags.from ?? [],
      manifestPaths,
      recursive: flags.recursive === true,
      targetArgs,
      observed: flags.observed === true,
      raw: flags.raw === true,
      ...(flags.revision === undefined ? {} : {revision: flags.revision}),
      max: flags.max,
      ...(fleet.fleet === undefined ? {} : {fleet: fleet.fleet}),
    },
  }
}
