// --collect FILE.tar.gz: read the live cluster with the health extras for the targets and write a support bundle that
// `--from FILE.tar.gz` reads back to the same verdicts. Only raw objects the checks read go in: never the kubeconfig, never Secrets.
import {rawShell, sh, shellQuote} from '../core/verdict/shell-command.js'
import type {TargetSpec} from '../core/target-spec.js'
import type {Gap} from '../core/snapshot.js'
import type {CollectedCluster} from '../cluster/bundle-writer.js'
import {sanitizeTerminalText} from '../render/terminal-text.js'
import type {CheckPlan} from './check-plan.js'
import {connectLive, resolveTarget} from './check-input.js'
import type {ConnectionFlags} from './check-input.js'
import {CliFailure, ExitCode} from './exit-codes.js'

type Raw = Record<string, unknown>

export interface CollectOutcome {
  readonly path: string
  readonly redacted: boolean
  /** Objects written per kind, kinds sorted. */
  readonly counts: readonly {readonly kind: string; readonly count: number}[]
  /** Reads the cluster refused or that found nothing (written into the bundle manifest too). */
  readonly gaps: readonly Gap[]
  readonly target: TargetSpec
}

/** kubectl's plural resource name of a listed kind: `deployments`, `cronjobs`, `namespaces`. */
const listNoun = (kind: string): string => `${kind.toLowerCase()}s`

/** `pod apps/web-1`, `namespace apps`, `pods in apps`: what the bundle was collected for. */
export const describeTarget = (target: TargetSpec): string => {
  switch (target.kind) {
    case 'pod':
      return `pod ${target.namespace}/${target.name}`
    case 'workload':
      return `${target.workloadKind.toLowerCase()} ${target.namespace}/${target.name}`
    case 'namespace':
      return `namespace ${target.name}`
    case 'sweep':
      return `pods in ${target.namespace === null ? 'all namespaces' : `namespace ${target.namespace}`}${target.labelSelector === undefined ? '' : ` matching ${target.labelSelector}`}`
    case 'list':
      return `${listNoun(target.listKind)}${target.listKind === 'Namespace' ? '' : ` in ${target.namespace === null ? 'all namespaces' : `namespace ${target.namespace}`}`}${target.labelSelector === undefined ? '' : ` matching ${target.labelSelector}`}`
    case 'manifests':
      return `namespaces ${target.namespaces.join(', ')}`
  }
}

/** The target arguments that ask `--from` the same question the collect answered. */
export const readBackArgs = (target: TargetSpec): string => {
  switch (target.kind) {
    case 'pod':
      return sh`pod/${target.name} -n ${target.namespace}`
    case 'workload':
      return sh`${`${target.workloadKind.toLowerCase()}/${target.name}`} -n ${target.namespace}`
    case 'namespace':
      return sh`ns/${target.name}`
    case 'sweep': {
      const scope = target.namespace === null ? '-A' : sh`-n ${target.namespace}`
      return target.labelSelector === undefined ? scope : sh`${rawShell(scope)} -l ${target.labelSelector}`
    }
    case 'list': {
      const scope =
        target.listKind === 'Namespace' ? '' : target.namespace === null ? ' -A' : sh` -n ${target.namespace}`
      const selector = target.labelSelector === undefined ? '' : sh` -l ${target.labelSelector}`
      return `${listNoun(target.listKind)}${scope}${selector}`
    }
    case 'manifests':
      return sh`-f <manifests> -n ${target.namespaces[0] ?? 'default'}`
  }
}

// The same object can arrive twice (istiod pods in a sweep of istio-system); the first copy wins, as in the snapshot.
const identity = (kind: string, object: Raw): string => {
  const meta = (object.metadata ?? {}) as {uid?: unknown; namespace?: unknown; name?: unknown}
  if (kind === 'Event' && typeof meta.uid === 'string') return `${kind}/${meta.uid}`
  return `${kind}/${String(meta.namespace ?? '')}/${String(meta.name ?? meta.uid ?? '')}`
}

/** The raw objects a read hands over, by kind, each once and never a Secret. */
const rawObjectsByKind = () => {
  const objects: Record<string, Raw[]> = {}
  const seen = new Set<string>()
  const onRaw = (object: Raw, kind: string): void => {
    // Secrets are never read by the checks; the guard keeps a future read from leaking one into a bundle.
    if (kind === 'Secret') return
    const key = identity(kind, object)
    if (seen.has(key)) return
    seen.add(key)
    ;(objects[kind] ??= []).push(object)
  }
  return {objects, onRaw}
}

/** What one context's collect read: the bundle contents, and what the report says about them. */
export interface Gathered {
  readonly collected: CollectedCluster
  readonly outcome: Omit<CollectOutcome, 'path' | 'redacted'>
}

/** Reads live with the health extras and keeps the raw objects the checks read (no Secrets, each object once). */
export const gatherBundle = async (
  plan: CheckPlan,
  flags: ConnectionFlags,
  options: {readonly toolVersion: string; readonly debug?: ((line: string) => void) | undefined},
  machineOutput = false,
): Promise<Gathered> => {
  const live = await connectLive(flags, machineOutput, options.debug)
  const target = resolveTarget(plan, flags, live.namespace)
  const {objects, onRaw} = rawObjectsByKind()
  // Owners of the target's pods (and 0-pod workloads) go in, so workload targets read back from the bundle.
  const snapshot = await live.read(target, {health: true}, {owners: true, onRaw})
  // Kinds read in full even when empty: an empty List in the bundle then means "none" (admission after injection).
  const read: [string, unknown][] = [
    ['ResourceQuota', snapshot.resourceQuotas],
    ['LimitRange', snapshot.limitRanges],
    ['ValidatingWebhookConfiguration', snapshot.validatingWebhookConfigurations],
    ['ValidatingAdmissionPolicy', snapshot.validatingAdmissionPolicies],
    ['ValidatingAdmissionPolicyBinding', snapshot.validatingAdmissionPolicyBindings],
  ]
  for (const [kind, list] of read) if (list !== undefined) objects[kind] ??= []
  return {
    collected: {
      objects,
      gaps: snapshot.gaps,
      meta: {
        context: live.contextName,
        server: live.server,
        toolVersion: options.toolVersion,
        targets: [describeTarget(target)],
      },
    },
    outcome: {
      counts: Object.keys(objects)
        .sort()
        .map((kind) => ({kind, count: objects[kind]?.length ?? 0})),
      gaps: snapshot.gaps,
      target,
    },
  }
}

/** A bundle that cannot be written: one line naming the file, exit 65. */
export const writeFailure = (path: string, error: unknown): CliFailure =>
  new CliFailure(
    `cannot write ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    ExitCode.InputFile,
    'Check that the directory exists and is writable.',
  )

/** Reads live with the health extras, keeps the raw objects, writes the bundle; returns what it wrote. */
export const collectBundle = async (
  plan: CheckPlan,
  flags: ConnectionFlags,
  options: {readonly toolVersion: string; readonly debug?: ((line: string) => void) | undefined},
): Promise<CollectOutcome> => {
  const collect = plan.collect
  if (collect === undefined) throw new CliFailure('--collect needs a file name', ExitCode.Usage)
  const gathered = await gatherBundle(plan, flags, options)
  const {writeBundle} = await import('../cluster/bundle-writer.js')
  try {
    await writeBundle(collect.path, gathered.collected, {redact: collect.redact})
  } catch (error) {
    throw writeFailure(collect.path, error)
  }
  return {path: collect.path, redacted: collect.redact, ...gathered.outcome}
}

/** The stderr report of a collect: what went in, what the cluster refused, and how to read it back. */
export const describeCollect = (outcome: CollectOutcome): {notices: string[]; warnings: string[]} => {
  const t = sanitizeTerminalText
  const total = outcome.counts.reduce((n, c) => n + c.count, 0)
  const kinds = outcome.counts.map((c) => `${c.count} ${c.kind}`).join(', ')
  const notices = [
    `Collected ${total} objects for ${t(describeTarget(outcome.target))} into ${t(outcome.path)}${kinds === '' ? '' : `: ${kinds}`}.`,
    outcome.redacted
      ? 'Redacted: Secret data, container env values, credential-like ConfigMap keys, annotations and args (--no-redact keeps them; Secret data never leaves). The kubeconfig is not included.'
      : 'Not redacted (--no-redact): only Secret data was left out. The kubeconfig is not included.',
    `Read it back with: kubectl inject-check ${t(readBackArgs(outcome.target))} --from ${t(shellQuote(outcome.path))}`,
  ]
  const warnings = outcome.gaps.map((gap) =>
    t(
      `not collected: ${gap.verb ?? 'read'} ${gap.resource}${gap.name === undefined ? '' : ` ${gap.name}`}${gap.namespace === undefined ? '' : ` -n ${gap.namespace}`} (${gap.reason}): ${gap.message}`,
    ),
  )
  return {notices, warnings}
}
