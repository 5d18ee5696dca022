// Pod Security checks of the injected pod per namespace labels: enforce rejects, warn and audit only warn.
// kubernetes: staging/src/k8s.io/pod-security-admission/admission/admission.go (EvaluatePod; exemptions from the
// AdmissionConfiguration are not readable through the API), admission/response.go (Forbidden and warning texts).
import type {NamespaceFacts, PodFacts} from '../snapshot.js'
import type {Check} from '../verdict/verdict.js'
import type {InjectedPod} from './injected-pod.js'
import {evaluatePodSecurity, formatLevelVersion, podSecurityMessage, psaPolicy} from './pod-security.js'
import type {PsaMode, PsaModePolicy, PsaViolation} from './pod-security.js'
import {admissionCheck} from './admission-check.js'

const check = admissionCheck

/** Which containers of the failed checks injection adds, and which the app's pod already fails on its own. */
const attribution = (
  violations: readonly PsaViolation[],
  before: readonly PsaViolation[],
  added: readonly string[],
): string => {
  const injectedNames = [...new Set(violations.flatMap((v) => v.containers.filter((c) => added.includes(c))))]
  const beforeChecks = new Set(before.map((v) => v.check))
  const appOwn = violations.filter((v) => beforeChecks.has(v.check)).map((v) => v.reason)
  return [
    injectedNames.length > 0 ? `injection adds: ${injectedNames.join(', ')}` : 'injection adds no violation',
    appOwn.length > 0 ? `the app already had: ${[...new Set(appOwn)].join(', ')}` : 'the app alone passes',
  ].join('; ')
}

const exemptionNote =
  'exemptions (usernames, runtimeClasses, namespaces) and cluster defaults live in the API server AdmissionConfiguration and cannot be read: an exempt namespace, runtime class or creating user is admitted anyway'

const modeCheck = (
  mode: PsaMode,
  policy: PsaModePolicy,
  namespace: string,
  app: PodFacts,
  injected: InjectedPod,
): Check | undefined => {
  if (!policy.labelled && policy.errors.length === 0) return undefined
  const subject = `namespace ${namespace} pod-security.kubernetes.io/${mode}=${formatLevelVersion(policy)}`
  const labelErrors = policy.errors.length > 0 ? ` (label error: ${policy.errors.join('; ')})` : ''
  const result = evaluatePodSecurity(policy, injected.pod)
  if (result.violations.length === 0)
    return mode === 'enforce'
      ? check(
          'PodSecurityAdmitted',
          'Pass',
          subject,
          `every container of the injected pod meets ${formatLevelVersion(policy)}${labelErrors}`,
        )
      : undefined
  const before = evaluatePodSecurity(policy, app).violations
  const detail = `${podSecurityMessage(mode, policy, result.violations)}; ${attribution(result.violations, before, injected.added)}${labelErrors}`
  return mode === 'enforce'
    ? check('PodSecurityViolation', 'Fail', subject, `${detail}; ${exemptionNote}`)
    : check('PodSecurityWarning', 'Info', subject, detail)
}

/** Enforce (or the unreadable cluster default), then warn and audit. */
export const podSecurityChecks = (
  namespace: NamespaceFacts | undefined,
  app: PodFacts,
  injected: InjectedPod,
): Check[] => {
  const labels = namespace?.labels ?? {}
  const ns = app.namespace
  const enforce = psaPolicy(labels, 'enforce')
  const checks: Check[] = []
  if (!enforce.labelled && enforce.errors.length === 0)
    checks.push(
      check(
        'PodSecurityClusterDefault',
        'Info',
        `namespace ${ns}`,
        'no pod-security.kubernetes.io/enforce label: the cluster default applies (privileged unless the AdmissionConfiguration sets another); a baseline or restricted default would be enforced here unseen (kubectl inject-diff dry-runs through it)',
      ),
    )
  for (const mode of ['enforce', 'warn', 'audit'] as const) {
    const c = modeCheck(mode, mode === 'enforce' ? enforce : psaPolicy(labels, mode), ns, app, injected)
    if (c !== undefined) checks.push(c)
  }
  return checks
}
