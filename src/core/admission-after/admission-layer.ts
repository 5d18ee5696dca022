// The third layer of a verdict: the pod injection produces, run through the validating admission that follows the
// Istio webhook (kubernetes: pkg/kubeapiserver/options/plugins.go order: LimitRanger and PodSecurity validate after
// all mutation, then ValidatingAdmissionPolicy, ValidatingAdmissionWebhook, ResourceQuota).
import {loadInjectorConfig} from '../istio/injector-config.js'
import {versionOfRevision} from '../istio/istio-version.js'
import type {ClusterSnapshot, NamespaceFacts, PodFacts} from '../snapshot.js'
import type {ActionSource} from '../verdict/actions.js'
import {findGap} from '../verdict/gap-checks.js'
import {sh} from '../verdict/shell-command.js'
import type {Check, Finding} from '../verdict/verdict.js'
import {injectPod} from './injected-pod.js'
import type {InjectedPod} from './injected-pod.js'
import {applyLimitRangeDefaults, evaluateLimitRange} from './limit-range.js'
import {podSecurityChecks} from './pod-security-checks.js'
import {evaluateQuota} from './resource-quota.js'
import {policyChecks} from './validating-policies.js'
import {admissionCheck} from './admission-check.js'

export interface AdmissionLayer {
  readonly admitted: boolean | null
  readonly checks: readonly Check[]
  /** CreationBlocked findings for what rejects the injected pod. */
  readonly findings: readonly Finding[]
  readonly actions: readonly ActionSource[]
  readonly notes: readonly string[]
}

export interface AdmissionSubject {
  readonly kind: string
  readonly name: string
  readonly namespace: string
}

const check = admissionCheck

/** The pod before injection: a running pod's injected containers removed. */
const uninjected = (pod: PodFacts): PodFacts => {
  const istio = new Set(['istio-proxy', 'istio-init', 'istio-validation'])
  return {
    ...pod,
    containers: pod.containers.filter((c) => !istio.has(c.name)),
    initContainers: pod.initContainers.filter((c) => !istio.has(c.name)),
  }
}

const missing = (snapshot: ClusterSnapshot, resource: string, namespace: string): Check | undefined => {
  const gap = findGap(snapshot, resource, namespace)
  const present =
    resource === 'resourcequotas'
      ? snapshot.resourceQuotas
      : resource === 'limitranges'
        ? snapshot.limitRanges
        : []
  if (gap === undefined && present !== undefined) return undefined
  const why = gap === undefined ? 'not in the input' : `${gap.reason}: ${gap.message}`
  return check(
    'AdmissionDataMissing',
    'Unknown',
    `${resource} -n ${namespace}`,
    `${why}; this admission step is Unknown`,
  )
}

const quotaChecks = (
  snapshot: ClusterSnapshot,
  app: PodFacts,
  injected: InjectedPod,
  ns: string,
): Check[] => {
  const gap = missing(snapshot, 'resourcequotas', ns)
  if (gap !== undefined) return [gap]
  const quotas = (snapshot.resourceQuotas ?? []).filter((q) => q.namespace === ns)
  if (quotas.length === 0)
    return [check('QuotaAdmitted', 'Pass', `namespace ${ns}`, 'no ResourceQuota in the namespace')]
  return quotas.map((q) => {
    const result = evaluateQuota(q, injected.pod)
    const before = evaluateQuota(q, app)
    const subject = `resourcequota ${ns}/${q.name}`
    if (result.admitted === null) return check('AdmissionDataMissing', 'Unknown', subject, result.message)
    if (result.admitted) return check('QuotaAdmitted', 'Pass', subject, result.message)
    const cause =
      before.admitted === false ? 'the app pod alone is already rejected' : 'injection makes the difference'
    return check('QuotaExceeded', 'Fail', subject, `${result.message} (${cause})`)
  })
}

const limitRangeChecks = (snapshot: ClusterSnapshot, injected: InjectedPod, ns: string): Check[] => {
  const gap = missing(snapshot, 'limitranges', ns)
  if (gap !== undefined) return [gap]
  const ranges = (snapshot.limitRanges ?? []).filter((r) => r.namespace === ns)
  if (ranges.length === 0)
    return [check('LimitRangeAdmitted', 'Pass', `namespace ${ns}`, 'no LimitRange in the namespace')]
  return ranges.map((r) => {
    const result = evaluateLimitRange(r, injected.pod)
    const subject = `limitrange ${ns}/${r.name}`
    if (result.errors.length === 0)
      return check(
        'LimitRangeAdmitted',
        'Pass',
        subject,
        'every container and the pod within min, max and ratio',
      )
    const added = result.containers.filter((c) => injected.added.includes(c))
    return check(
      'LimitRangeViolation',
      'Fail',
      subject,
      `${result.message}${added.length > 0 ? `; injected: ${added.join(', ')}` : ''}`,
    )
  })
}

/** Fixes for what failed, shell-quoted; notes where only a file or value edit helps. */
const fixesFor = (
  checks: readonly Check[],
  injected: InjectedPod,
  subject: AdmissionSubject,
): {actions: ActionSource[]; notes: string[]} => {
  const actions: ActionSource[] = []
  const notes: string[] = []
  for (const c of checks.filter((x) => x.result === 'Fail')) {
    if (c.code === 'PodSecurityViolation') {
      if (injected.istioInit && /istio-init/.test(c.detail)) {
        actions.push({command: 'istioctl install --set components.cni.enabled=true'})
        notes.push(
          'Istio CNI moves the iptables setup out of the pod: istio-init (NET_ADMIN, NET_RAW, uid 0) becomes istio-validation; with Helm install the istio/cni chart and set pilot.cni.enabled=true on istiod; its namespace (istio-system) must allow privileged pods',
        )
      }
      if (/NET_ADMIN/.test(c.detail) && /istio-proxy/.test(c.detail))
        notes.push(
          'istio-proxy asks for NET_ADMIN because of sidecar.istio.io/interceptionMode: TPROXY: remove that annotation (REDIRECT needs no capability in the proxy)',
        )
      if (/privileged=true/.test(c.detail))
        notes.push(
          'global.proxy.privileged=true makes every injected container privileged: set it back to false',
        )
      if (/seccompProfile/.test(c.detail))
        notes.push(
          'restricted needs a seccomp profile: set spec.securityContext.seccompProfile.type=RuntimeDefault on the pod template, or (Istio 1.28+) values.global.proxy.seccompProfile.type=RuntimeDefault',
        )
      if (/already had/.test(c.detail))
        notes.push(
          `the app's own containers also violate the level: fix ${subject.kind.toLowerCase()}/${subject.name}'s securityContext`,
        )
    }
    if (c.code === 'QuotaExceeded') {
      const quota = c.subject.split('/').at(-1) ?? ''
      actions.push({command: sh`kubectl describe resourcequota ${quota} -n ${subject.namespace}`})
      notes.push(
        'the sidecar is charged like any container (default limits 2 CPU, 1Gi on istio-proxy and again on istio-init): set all four of sidecar.istio.io/proxyCPU, proxyMemory, proxyCPULimit, proxyMemoryLimit on the pod template (setting one drops the other defaults), lower global.proxy.resources, or raise the quota',
      )
    }
    if (c.code === 'LimitRangeViolation') {
      const range = c.subject.split('/').at(-1) ?? ''
      actions.push({command: sh`kubectl describe limitrange ${range} -n ${subject.namespace}`})
      notes.push(
        'LimitRange defaults never reach injected containers: give the proxy explicit resources within the range (sidecar.istio.io/proxyCPU, proxyMemory, proxyCPULimit, proxyMemoryLimit), or adjust the LimitRange',
      )
    }
  }
  return {actions, notes}
}

/** The injected pod through Pod Security, LimitRange, validating policies and quota, with fixes. */
export const evaluateAdmissionAfterInjection = (
  snapshot: ClusterSnapshot,
  pod: PodFacts,
  namespace: NamespaceFacts | undefined,
  revision: string | null,
  subject: AdmissionSubject,
): AdmissionLayer => {
  const loaded = loadInjectorConfig(snapshot, revision)
  const values = 'config' in loaded ? loaded.config.values?.emission : undefined
  if (!('config' in loaded) || values === undefined) {
    const why = 'config' in loaded ? 'the injector ConfigMap has no parsable values' : loaded.message
    const c = check(
      'AdmissionDataMissing',
      'Unknown',
      `injector revision ${revision ?? 'default'}`,
      `${why}: what the injector emits is Unknown`,
    )
    return {admitted: null, checks: [c], findings: [], actions: [], notes: []}
  }
  const ns = pod.namespace
  const app = applyLimitRangeDefaults(
    snapshot.limitRanges?.filter((r) => r.namespace === ns) ?? [],
    uninjected(pod),
  )
  const injected = injectPod(app, {
    values,
    version: versionOfRevision(snapshot, revision ?? 'default')?.version,
    nodes: snapshot.nodes,
  })
  const emitted = check(
    'InjectedContainers',
    'Info',
    `injector ${loaded.config.source.namespace}/${loaded.config.source.name}`,
    `adds ${injected.added.join(', ')}; ${injected.facts.join('; ')}`,
  )
  const checks: Check[] = [
    emitted,
    ...podSecurityChecks(namespace, app, injected),
    ...limitRangeChecks(snapshot, injected, ns),
    ...policyChecks(snapshot, injected.pod, namespace, subject),
    ...quotaChecks(snapshot, app, injected, ns),
  ]
  const failed = checks.filter((c) => c.result === 'Fail')
  const admitted = failed.length > 0 ? false : checks.some((c) => c.result === 'Unknown') ? null : true
  const findings: Finding[] = failed.map((c) => ({
    code: c.code,
    kind: 'CreationBlocked',
    message: `the injected pod would be rejected: ${c.detail
      .split('; ')
      .filter((part) => !part.startsWith('exemptions'))
      .join('; ')}`,
  }))
  const fixes = fixesFor(checks, injected, subject)
  return {admitted, checks, findings, ...fixes}
}
