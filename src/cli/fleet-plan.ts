// Fleet runs: which kubeconfig contexts one inject-check or inject-diff run covers (--context repeated, --all-contexts,
// --context-selector) and how many run at once (--max-parallel). Pure, so tests need no kubeconfig.

/** Contexts read at once unless --max-parallel says otherwise: enough to hide latency, few enough for 2 cores. */
export const defaultMaxParallel = 8

export interface FleetFlags {
  readonly context?: readonly string[] | undefined
  readonly 'all-contexts'?: boolean | undefined
  readonly 'context-selector'?: string | undefined
  readonly 'max-parallel'?: number | undefined
}

export interface FleetPlan {
  /** --context values in the order given (duplicates dropped); empty with --all-contexts or a selector alone. */
  readonly named: readonly string[]
  /** --all-contexts, or --context-selector without --context: every context of the merged kubeconfig. */
  readonly all: boolean
  readonly selector?: string
  readonly maxParallel: number
}

/** What else the run does, for the combinations a fleet run refuses. */
export interface FleetConflicts {
  readonly from: boolean
  readonly watch: boolean
  /** `-f -`: stdin can be read once, not once per context. */
  readonly stdinManifest: boolean
  /** Per-cluster connection flags given (--server, --token…): they cannot be right for every context. */
  readonly clusterOverrides: readonly string[]
}

/** Per-cluster connection flags: in a fleet run they could not be right for every context, so they are refused. */
export const fleetOverrides = [
  'server',
  'cluster',
  'user',
  'token',
  'certificate-authority',
  'tls-server-name',
] as const

/** The values of those flags, as both commands' plans read them. */
export type FleetOverrideFlags = {readonly [K in (typeof fleetOverrides)[number]]?: string | undefined}

/** A fleet plan when the flags ask for more than one context (or a selection); undefined for a plain single-context run. */
export const planFleet = (
  flags: FleetFlags,
  conflicts: FleetConflicts,
): {readonly fleet?: FleetPlan} | {readonly error: string} => {
  const named = [...new Set((flags.context ?? []).map((c) => c.trim()).filter((c) => c !== ''))]
  const all = flags['all-contexts'] === true
  const selector = flags['context-selector']
  const maxParallel = flags['max-parallel']
  if (maxParallel !== undefined && maxParallel < 1)
    return {error: `--max-parallel must be at least 1 (got ${maxParallel})`}
  if (selector !== undefined && selector.trim() === '')
    return {error: '--context-selector needs a glob, e.g. --context-selector "prod-*"'}
  const fleet = all || selector !== undefined || named.length > 1
  if (!fleet) {
    if (maxParallel !== undefined)
      return {error: '--max-parallel applies to several contexts (--context repeated, --all-contexts)'}
    return {}
  }
  if (all && named.length > 0)
    return {error: '--all-contexts takes every context; drop --context, or use --context-selector to filter'}
  const which = all
    ? '--all-contexts'
    : selector !== undefined
      ? '--context-selector'
      : '--context (repeated)'
  if (conflicts.from)
    return {error: `${which} reads live clusters; --from reads a fleet bundle's contexts by itself`}
  if (conflicts.watch) return {error: `-w/--watch follows one context; it cannot be combined with ${which}`}
  if (conflicts.stdinManifest) return {error: `-f - (stdin) cannot be read once per context with ${which}`}
  const [override] = conflicts.clusterOverrides
  if (override !== undefined)
    return {
      error: `--${override} would apply to every context of ${which}; set it per context in the kubeconfig`,
    }
  return {
    fleet: {
      named,
      all: all || named.length === 0,
      ...(selector === undefined ? {} : {selector}),
      maxParallel: maxParallel ?? defaultMaxParallel,
    },
  }
}

/** A shell-style glob (`*`, `?`, `[abc]`, `[!a-z]`) as a whole-name test, as kubectx and kubie match context names. */
export const globMatcher = (glob: string): ((name: string) => boolean) => {
  let source = ''
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!
    if (ch === '*') source += '.*'
    else if (ch === '?') source += '.'
    else if (ch === '[' && glob.indexOf(']', i + 2) > i) {
      const end = glob.indexOf(']', i + 2)
      const body = glob.slice(i + 1, end)
      const negate = body.startsWith('!') || body.startsWith('^')
      const chars = (negate ? body.slice(1) : body).replace(/[\\\]^]/g, '\\$&')
      source += `[${negate ? '^' : ''}${chars}]`
      i = end
    } else source += ch.replace(/[.+^${}()|[\]\\/]/g, '\\$&')
  }
  const pattern = new RegExp(`^${source}$`, 's')
  return (name) => pattern.test(name)
}

/** The contexts to run, in a stable order: as named, or the kubeconfig's sorted; unknown names and empty selections are errors. */
export const selectContexts = (
  plan: FleetPlan,
  available: readonly string[],
): {readonly contexts: readonly string[]} | {readonly error: string} => {
  const list = available.length === 0 ? 'none defined' : `available: ${[...available].sort().join(', ')}`
  const unknown = plan.named.filter((name) => !available.includes(name))
  if (unknown.length > 0)
    return {
      error: `${unknown.length === 1 ? 'context' : 'contexts'} ${unknown.map((n) => `"${n}"`).join(', ')} not found in the kubeconfig (${list})`,
    }
  const candidates = plan.all ? [...available].sort() : plan.named
  const matches = plan.selector === undefined ? () => true : globMatcher(plan.selector)
  const contexts = candidates.filter(matches)
  if (contexts.length === 0)
    return {
      error: `--context-selector "${plan.selector ?? ''}" matches none of the ${candidates.length} contexts (${list})`,
    }
  return {contexts}
}
