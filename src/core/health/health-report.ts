// The health report: webhook health, failure forensics, proxy freshness and the restart plan joined,
// with findings ordered by severity and a one-line summary for the sweep footer.
import {sh} from '../verdict/shell-command.js'
import type {ClusterSnapshot, Provenance} from '../snapshot.js'
import type {ReasonCode, ReasonLevel} from '../verdict/reasons.js'
import {formatHint, reasonCatalog} from '../verdict/reasons.js'
import type {Verdict} from '../verdict/verdict.js'
import type {FailureDiagnosis, Platform} from './failure-events.js'
import {
  classifyAdmissionRejections,
  classifyCreateFailures,
  classifyIstiodLogs,
  detectPlatform,
  istiodSelector,
  revisionOfIstiodService,
} from './failure-events.js'
import type {HealthScope} from './health-scope.js'
import {wholeCluster} from './health-scope.js'
import {podsOfWorkload} from '../verdict/evaluate.js'
import type {ProxyFreshnessFinding} from './proxy-freshness.js'
import {assessProxyFreshness} from './proxy-freshness.js'
import type {RestartCandidate, RestartPlan} from './restart-plan.js'
import {
  buildRestartPlan,
  restartCandidatesFromProxies,
  restartCandidatesFromVerdicts,
} from './restart-plan.js'
import type {HealthCheck, HealthState, WebhookHealth} from './webhook-health.js'
import {formatAge} from './evidence-age.js'
import {assessWebhooks, webhookListGap, worstState} from './webhook-health.js'

export interface HealthFinding {
  readonly severity: ReasonLevel
  readonly code: ReasonCode
  readonly subject: string
  readonly detail: string
  /** The code's hint with placeholders filled. */
  readonly hint: string
  /** For Unknown checks: the finding could not be decided from the snapshot. */
  readonly unknown: boolean
  /** Further remediation, e.g. platform-specific network fixes for a timeout. */
  readonly moreHints: readonly string[]
  readonly source?: Provenance
}

export interface ConfigurationHealth {
  readonly configuration: string
  readonly revision: string | null
  readonly tag: string | null
  readonly state: HealthState
  /** Short reason for a non-healthy state, e.g. `istiod-1-27 has no ready endpoints`. */
  readonly reason: string | null
}

export interface HealthReport {
  readonly generatedAt: string
  readonly platform: Platform | null
  readonly state: 'Healthy' | 'Degraded' | 'Failing' | 'Unknown'
  readonly configurations: readonly ConfigurationHealth[]
  readonly webhooks: readonly WebhookHealth[]
  readonly failures: readonly FailureDiagnosis[]
  readonly proxies: readonly ProxyFreshnessFinding[]
  readonly plan: RestartPlan
  /** Errors first, then warnings, then infos. */
  readonly findings: readonly HealthFinding[]
  /** e.g. `webhooks: 3 healthy, 1 failing (istiod-1-27 has no ready endpoints)`. */
  readonly summary: string
}

const severityRank: Readonly<Record<ReasonLevel, number>> = {Error: 0, Warning: 1, Info: 2}

const shortReasons: Partial<Record<ReasonCode, (w: WebhookHealth) => string>> = {
  WebhookServiceMissing: (w) => `service ${w.service?.name ?? '?'} not found`,
  WebhookStaleRevision: (w) => `revision ${w.revision ?? '?'} was removed`,
  WebhookServiceHeadless: (w) => `${w.service?.name ?? '?'} is headless`,
  WebhookServicePortMissing: (w) => `${w.service?.name ?? '?'} has no port ${w.service?.port ?? 443}`,
  WebhookTargetPortMismatch: (w) => `${w.service?.name ?? '?'} targetPort is not 15017`,
  WebhookNoReadyEndpoints: (w) => `${w.service?.name ?? '?'} has no ready endpoints`,
  WebhookCABundleMissing: () => 'caBundle empty',
  WebhookCABundleInvalid: () => 'caBundle invalid',
  WebhookCABundleExpired: () => 'caBundle expired',
  WebhookCABundleExpiring: () => 'caBundle expires within 30 days',
  WebhookCABundleNameMismatch: () => 'caBundle certificate name mismatch',
  WebhookCABundleRootMismatch: () => 'caBundle is not the mesh root',
  WebhookFailOpen: () => 'failurePolicy Ignore',
  WebhookSingleEndpoint: (w) => `${w.service?.name ?? '?'} has a single endpoint`,
  WebhookForeignSelectorTerms: () => 'selectors rewritten',
  WebhookOrderingRisk: () => 'another injector runs after it',
  WebhookSideEffectsUnsafe: () => 'sideEffects unsafe for dry-run',
}

const reasonOf = (hooks: readonly WebhookHealth[]): string | null => {
  const failed = hooks
    .flatMap((w) => w.checks.filter((c) => c.result === 'Fail').map((c) => ({w, c})))
    .sort((a, b) => severityRank[reasonCatalog[a.c.code].level] - severityRank[reasonCatalog[b.c.code].level])
  const first = failed[0]
  if (first === undefined) {
    const unknown = hooks.flatMap((w) => w.checks).find((c) => c.result === 'Unknown')
    return unknown ? `not checked: ${unknown.detail}` : null
  }
  const describe = shortReasons[first.c.code]
  return describe ? describe(first.w) : reasonCatalog[first.c.code].summary
}

// Call failures the chain checks cannot see (a firewall, a NetworkPolicy): recent FailedCreate events naming the webhook.
const callFailureClasses = new Set(['Denied', 'DryRunUnsupported', 'InjectorHandlerMissing', 'PolicySkip'])

/** Recent FailedCreate evidence that this webhook's calls fail (the message's service tells revisions apart). */
const recentCallFailures = (hook: WebhookHealth, failures: readonly FailureDiagnosis[]): FailureDiagnosis[] =>
  failures.filter(
    (f) =>
      f.recent &&
      f.object !== null &&
      f.webhook === hook.webhook &&
      !callFailureClasses.has(f.class) &&
      (f.service === null ||
        (f.service.name === hook.service?.name && f.service.namespace === hook.service.namespace)),
  )

/**
 * A configuration's state is its webhooks' worst, raised to Failing by recent call failures recorded against it, so
 * the per-webhook status, the findings and the summary never contradict each other.
 */
const configurationsOf = (
  webhooks: readonly WebhookHealth[],
  failures: readonly FailureDiagnosis[],
): ConfigurationHealth[] => {
  const names = [...new Set(webhooks.map((w) => w.configuration))]
  return names.map((configuration) => {
    const hooks = webhooks.filter((w) => w.configuration === configuration)
    const checked = worstState(hooks.map((w) => w.state))
    const evidence = hooks.flatMap((w) => recentCallFailures(w, failures))
    const first = hooks[0]
    const byEvents = checked !== 'Failing' && checked !== 'Inactive' && evidence.length > 0
    const state = byEvents ? 'Failing' : checked
    return {
      configuration,
      revision: first?.revision ?? null,
      tag: first?.tag ?? null,
      state,
      reason: byEvents
        ? `calls fail: ${[...new Set(evidence.map((f) => f.code))].join(', ')} for ${countOf(new Set(evidence.map((f) => `${f.object?.namespace ?? ''}/${f.object?.name ?? ''}`)).size, 'controller')}`
        : state === 'Healthy' || state === 'Inactive'
          ? null
          : reasonOf(hooks),
    }
  })
}

/** `1 pod`, `2 pods`: counts in sentences never carry a `(s)`. */
export const countOf = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`

const webhookParams = (w: WebhookHealth): Record<string, string> => ({
  istiodSelector: istiodSelector(w.revision ?? revisionOfIstiodService(w.service?.name ?? '')),
  configuration: w.configuration,
  namespace: w.service?.namespace ?? 'istio-system',
  service: w.service?.name ?? 'istiod',
  deployment: w.service?.name ?? 'istiod',
  revision: w.revision ?? 'default',
  tag: w.tag ?? w.revision ?? 'default',
  port: String(w.service?.port ?? 443),
  host: w.service ? `${w.service.name}.${w.service.namespace}.svc` : (w.url ?? ''),
  url: w.url ?? '',
})

const ownerParams = (owner: {kind: string; name: string} | undefined, pod: string): Record<string, string> =>
  owner ? {ownerKind: owner.kind.toLowerCase(), ownerName: owner.name} : {ownerKind: 'pod', ownerName: pod}

const summaryLine = (
  configurations: readonly ConfigurationHealth[],
  failures: readonly FailureDiagnosis[],
  plan: RestartPlan,
  listGap: HealthCheck | undefined,
): string => {
  // Without the configurations, "none found" would be a claim the snapshot cannot back.
  if (configurations.length === 0 && listGap)
    return `webhooks: not checked (${listGap.detail.split(' (')[0] ?? listGap.detail})`
  if (configurations.length === 0) return 'webhooks: no Istio injector webhook found'
  const counts = (['Healthy', 'Degraded', 'Failing', 'Unknown', 'Inactive'] as const)
    .map((state) => ({state, items: configurations.filter((c) => c.state === state)}))
    .filter(({items}) => items.length > 0)
  const words: Record<HealthState, string> = {
    Healthy: 'healthy',
    Degraded: 'degraded',
    Failing: 'failing',
    Unknown: 'unknown',
    Inactive: 'inactive',
  }
  const parts = counts.map(({state, items}) => {
    const reasons = items.filter((c) => c.reason !== null).map((c) => `${c.configuration}: ${c.reason}`)
    return `${items.length} ${words[state]}${reasons.length > 0 && state !== 'Unknown' ? ` (${reasons.join('; ')})` : ''}`
  })
  const extra: string[] = []
  const recorded = failures.filter((f) => f.object !== null && f.recent)
  const events = recorded.reduce((n, f) => n + f.events, 0)
  const occurrences = recorded.reduce((n, f) => n + f.count, 0)
  const older = failures.filter((f) => f.object !== null && !f.recent).reduce((n, f) => n + f.events, 0)
  if (events > 0)
    extra.push(
      `${countOf(events, 'FailedCreate event')}${occurrences > events ? ` (${countOf(occurrences, 'occurrence')})` : ''}`,
    )
  if (older > 0) extra.push(`${countOf(older, 'older FailedCreate event')} (history)`)
  if (plan.counts.pods + plan.counts.workloads > 0) {
    const what = [
      ...(plan.counts.workloads > 0 ? [countOf(plan.counts.workloads, 'workload')] : []),
      ...(plan.counts.unmanagedPods > 0 ? [countOf(plan.counts.unmanagedPods, 'unmanaged pod')] : []),
    ]
    extra.push(`restart ${what.join(' + ')}${plan.blocked ? ' after fixing the webhook' : ''}`)
  }
  return `webhooks: ${parts.join(', ')}${extra.length > 0 ? `; ${extra.join('; ')}` : ''}`
}

/** Gateway workloads, restarted last: Istio gateway labels on their pods or templates. */
const gatewayOwners = (snapshot: ClusterSnapshot): Set<string> => {
  const isGatewayLabels = (
    labels: Readonly<Record<string, string>>,
    annotations: Readonly<Record<string, string>>,
  ): boolean =>
    /gateway$/.test(labels.istio ?? '') ||
    labels['gateway.networking.k8s.io/gateway-name'] !== undefined ||
    labels['gateway.istio.io/managed'] !== undefined ||
    annotations['inject.istio.io/templates'] === 'gateway'
  const owners = new Set<string>()
  for (const pod of snapshot.pods) {
    if (pod.owner && isGatewayLabels(pod.labels, pod.annotations))
      owners.add(`${pod.namespace}/${pod.owner.kind}/${pod.owner.name}`)
  }
  for (const w of snapshot.workloads) {
    if (isGatewayLabels(w.template.labels, w.template.annotations))
      owners.add(`${w.namespace}/${w.kind}/${w.name}`)
  }
  return owners
}

export interface AssessHealthOptions {
  /** Limits restart plans, stale proxies and FailedCreate events to the requested targets; webhooks stay cluster-wide. */
  readonly scope?: HealthScope
}

/** A workload verdict's restart candidate stands for its pods, so the plan counts the pods a restart replaces. */
const withWorkloadPods = (
  snapshot: ClusterSnapshot,
  candidates: readonly RestartCandidate[],
): RestartCandidate[] =>
  candidates.flatMap((c) => {
    if (c.pod !== undefined || c.owner === undefined) return [c]
    const workload = snapshot.workloads.find(
      (w) => w.namespace === c.namespace && w.kind === c.owner?.kind && w.name === c.owner.name,
    )
    const pods = workload === undefined ? [] : podsOfWorkload(snapshot, workload)
    return pods.length === 0 ? [c] : pods.map((p) => ({...c, pod: p.name}))
  })

/** The restart plan: pods from the verdicts, then pods whose proxies are stale, each once. */
const restartPlanFor = (
  snapshot: ClusterSnapshot,
  verdicts: readonly Verdict[],
  webhooks: readonly WebhookHealth[],
  proxies: readonly ProxyFreshnessFinding[],
): RestartPlan => {
  const gateways = gatewayOwners(snapshot)
  const fromVerdicts = withWorkloadPods(snapshot, restartCandidatesFromVerdicts(verdicts))
  const seen = new Set(fromVerdicts.map((c) => `${c.namespace}/${c.pod ?? ''}`))
  const candidates = [
    ...fromVerdicts,
    ...restartCandidatesFromProxies(proxies).filter((c) => !seen.has(`${c.namespace}/${c.pod ?? ''}`)),
  ]
  return buildRestartPlan(candidates, {
    webhooks,
    workloadOf: (namespace, owner) =>
      snapshot.workloads.find(
        (w) => w.namespace === namespace && w.kind === owner.kind && w.name === owner.name,
      ),
    isGateway: (namespace, owner) =>
      gateways.has(`${namespace}/${owner.kind}/${owner.name}`) || /gateway/i.test(owner.name),
  })
}

const listGapFinding = (listGap: HealthCheck): HealthFinding => ({
  severity: reasonCatalog[listGap.code].level,
  code: listGap.code,
  subject: listGap.subject,
  detail: listGap.detail,
  hint: formatHint(listGap.code, listGap.params ?? {}),
  unknown: true,
  moreHints: [],
})

// Checks of the shared chain repeat for every webhook of a configuration: one finding per configuration, code and detail.
const webhookFindings = (
  webhooks: readonly WebhookHealth[],
  failures: readonly FailureDiagnosis[],
): HealthFinding[] => {
  const byKey = new Map<string, {finding: HealthFinding; webhooks: string[]; configuration: string}>()
  for (const w of webhooks) {
    const params = webhookParams(w)
    for (const c of w.checks) {
      if (c.result !== 'Fail' && c.result !== 'Unknown') continue
      const key = `${w.configuration}|${c.code}|${c.detail}`
      const existing = byKey.get(key)
      if (existing) {
        existing.webhooks.push(w.webhook)
        continue
      }
      byKey.set(key, {
        configuration: w.configuration,
        webhooks: [w.webhook],
        finding: {
          severity: reasonCatalog[c.code].level,
          code: c.code,
          subject: c.subject,
          detail: c.detail,
          hint: formatHint(c.code, {...params, ...c.params}),
          unknown: c.result === 'Unknown',
          moreHints: [],
          ...(w.source ? {source: w.source} : {}),
        },
      })
    }
  }
  return [...byKey.values()].map(({finding, webhooks: names, configuration}) => {
    const service = webhooks.find((w) => w.configuration === configuration)?.service
    // The controllers whose pods this webhook keeps rejecting, named from the FailedCreate evidence in scope.
    const rejected =
      finding.code === 'WebhookFailClosedRisk' && service
        ? failures
            .filter((f) => f.recent && f.object !== null && f.service?.name === service.name)
            .map(
              (f) =>
                sh`kubectl describe ${f.object?.kind.toLowerCase() ?? ''} ${f.object?.name ?? ''} -n ${f.object?.namespace ?? ''}`,
            )
        : []
    const more = [...new Set(rejected)]
    return {
      ...finding,
      ...(names.length > 1 ? {subject: `${configuration} (${names.length} webhooks)`} : {}),
      moreHints:
        more.length > 3
          ? [
              ...more.slice(0, 3),
              `and ${countOf(more.length - 3, 'more controller')} with FailedCreate events`,
            ]
          : more,
    }
  })
}

const failureFinding = (f: FailureDiagnosis): HealthFinding => {
  const subject = f.object ? `${f.object.kind} ${f.object.namespace}/${f.object.name}` : `istiod log`
  // Evidence older than the retry window is history: shown, but it says nothing about now.
  const age = f.ageSeconds === null ? '' : `, last ${formatAge(f.ageSeconds)} before the snapshot`
  return {
    severity: f.recent ? reasonCatalog[f.code].level : 'Info',
    code: f.code,
    subject,
    detail: `${f.recent ? '' : 'history: '}${f.object === null ? countOf(f.count, 'log line') : f.events === 0 ? `ReplicaFailure condition${f.lastTimestamp === null ? '' : ` since ${f.lastTimestamp}`}` : `${countOf(f.events, 'event')}${f.count > f.events ? ` (${countOf(f.count, 'occurrence')})` : ''}`}${age}: ${f.denial ?? f.message}`,
    hint: formatHint(f.code, {
      namespace: f.service?.namespace ?? 'istio-system',
      service: f.service?.name ?? 'istiod',
      istiodSelector: istiodSelector(revisionOfIstiodService(f.service?.name ?? 'istiod')),
    }),
    unknown: false,
    moreHints: f.hints,
    ...(f.source ? {source: f.source} : {}),
  }
}

const proxyFinding = (p: ProxyFreshnessFinding): HealthFinding => ({
  severity: reasonCatalog[p.code].level,
  code: p.code,
  subject: `pod ${p.namespace}/${p.pod}`,
  detail: p.detail,
  hint: formatHint(p.code, {
    namespace: p.namespace,
    revision: p.revision,
    ...ownerParams(p.owner, p.pod),
  }),
  unknown: false,
  moreHints: [],
  ...(p.source ? {source: p.source} : {}),
})

/** What the restart plan itself says: rejected after injection, blocked by unhealthy webhooks, restarts needed. */
const restartPlanFindings = (plan: RestartPlan): HealthFinding[] => {
  const findings: HealthFinding[] = []
  if (plan.admissionBlocked) {
    const rejected = plan.steps.filter((s) => (s.rejectedBy ?? []).length > 0)
    findings.push({
      severity: 'Error',
      code: 'RestartAdmissionBlocked',
      subject: 'restart plan',
      detail: `${countOf(rejected.length, 'restart')} would bring pods that admission rejects after injection: ${rejected.map((s) => `${s.target.kind.toLowerCase()}/${s.target.name} (${(s.rejectedBy ?? []).join(', ')})`).join(', ')}`,
      hint: formatHint('RestartAdmissionBlocked', {}),
      unknown: false,
      moreHints: [],
    })
  }
  if (plan.blocked) {
    const blockers = [...new Set(plan.steps.flatMap((s) => s.blockedBy))]
    findings.push({
      severity: 'Error',
      code: 'RestartBlocked',
      subject: 'restart plan',
      detail: `${blockers.length === 1 ? 'webhook configuration' : 'webhook configurations'} not healthy: ${blockers.join(', ')}`,
      hint: formatHint('RestartBlocked', {}),
      unknown: false,
      moreHints: [],
    })
  }
  const firstRestart = plan.steps.find((s) => s.action !== 'FixWebhook')
  if (firstRestart) {
    findings.push({
      severity: 'Warning',
      code: 'RestartNeeded',
      subject: 'restart plan',
      detail: `${countOf(plan.counts.workloads, 'workload')}, ${countOf(plan.counts.pods, 'pod')} in ${countOf(plan.counts.namespaces, 'namespace')}`,
      hint: formatHint('RestartNeeded', {
        namespace: firstRestart.namespace ?? '',
        ownerKind: firstRestart.target.kind.toLowerCase(),
        ownerName: firstRestart.target.name,
      }),
      unknown: false,
      moreHints: [],
    })
  }
  return findings
}

/** Failing on any certain error or failing configuration, else Degraded on a warning, else Unknown on a gap. */
const overallState = (
  findings: readonly HealthFinding[],
  worst: HealthState,
  webhooksUnlisted: boolean,
): HealthReport['state'] => {
  const hasError = findings.some((f) => f.severity === 'Error' && !f.unknown)
  const hasWarning = findings.some((f) => f.severity === 'Warning' && !f.unknown)
  return hasError || worst === 'Failing'
    ? 'Failing'
    : hasWarning || worst === 'Degraded'
      ? 'Degraded'
      : worst === 'Unknown' || webhooksUnlisted
        ? 'Unknown'
        : 'Healthy'
}

/** Pod creates rejected after injection (FailedCreate events, ReplicaFailure conditions), one per controller and code. */
const admissionRejectionFindings = (snapshot: ClusterSnapshot, scope: HealthScope): HealthFinding[] => {
  const found = new Map<string, HealthFinding>()
  for (const {object, rejection, from, source} of classifyAdmissionRejections(snapshot)) {
    const {kind, namespace, name} = object
    if (!scope.includesController(kind, namespace, name)) continue
    const subject = `${kind.toLowerCase()} ${namespace}/${name}`
    const where = from === 'condition' ? ' (ReplicaFailure condition)' : ''
    found.set(`${subject}|${rejection.code}`, {
      severity: reasonCatalog[rejection.code].level,
      code: rejection.code,
      subject,
      detail: `new pods are rejected after injection${where}: ${rejection.cause}`,
      hint: rejection.hint,
      unknown: false,
      moreHints: [],
      ...(source === undefined ? {} : {source}),
    })
  }
  return [...found.values()]
}

export const assessHealth = (
  snapshot: ClusterSnapshot,
  verdicts: readonly Verdict[],
  now: Date,
  options: AssessHealthOptions = {},
): HealthReport => {
  const scope = options.scope ?? wholeCluster
  const platform = detectPlatform(snapshot)
  const webhooks = assessWebhooks(snapshot, now)
  // istiod log lines (object null) are about istiod itself: cluster-wide like the webhooks.
  const failures = [
    ...classifyCreateFailures(snapshot, {platform, at: now, services: snapshot.services}).filter(
      (f) => f.object === null || scope.includesController(f.object.kind, f.object.namespace, f.object.name),
    ),
    ...classifyIstiodLogs(snapshot.logs, {platform}),
  ]
  const proxies = assessProxyFreshness(snapshot).filter((p) => scope.includesPod(p.namespace, p.pod))
  const plan = restartPlanFor(snapshot, verdicts, webhooks, proxies)

  const findings: HealthFinding[] = []
  const listGap = webhookListGap(snapshot)
  if (listGap) findings.push(listGapFinding(listGap))
  findings.push(...admissionRejectionFindings(snapshot, scope))
  findings.push(...webhookFindings(webhooks, failures))
  findings.push(...failures.map(failureFinding))
  findings.push(...proxies.map(proxyFinding))
  findings.push(...restartPlanFindings(plan))
  findings.sort(
    (a, b) => severityRank[a.severity] - severityRank[b.severity] || Number(a.unknown) - Number(b.unknown),
  )

  const configurations = configurationsOf(webhooks, failures)
  const worst = worstState(configurations.map((c) => c.state))
  const state = overallState(findings, worst, listGap !== undefined)
  return {
    generatedAt: now.toISOString(),
    platform,
    state,
    configurations,
    webhooks,
    failures,
    proxies,
    plan,
    findings,
    summary: summaryLine(configurations, failures, plan, listGap),
  }
}
