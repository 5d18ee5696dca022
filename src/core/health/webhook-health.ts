// Health of every Istio injector webhook: the chain the API server walks to call istiod
// (Service → port → targetPort 15017 → ready endpoints), the caBundle, exposure and ordering risks.
import {matchLabelSelector} from '../admission/label-selector.js'
import {matchRules, podCreateAttributes} from '../admission/rules.js'
import {effectiveNamespaceLabels, isIstioInjectorWebhook} from '../admission/webhook-selection.js'
import {injectorConfigMapName} from '../istio/injector-config.js'
import {isDeactivatedWebhook, revisionOfConfiguration} from '../istio/revisions.js'
import type {
  ClusterSnapshot,
  EndpointSliceFacts,
  Gap,
  MutatingWebhook,
  MutatingWebhookConfiguration,
  PodFacts,
  Provenance,
  ServiceFacts,
} from '../snapshot.js'
import type {ReasonCode} from '../verdict/reasons.js'
import {reasonCatalog} from '../verdict/reasons.js'
import type {Check, CheckResult} from '../verdict/verdict.js'
import {coversHost, daysUntilExpiry, decodeCABundle} from './ca-bundle.js'
import {foreignSelectorTerms} from './chart-selectors.js'

/** istiod's HTTPS (webhook) listener. istio: pilot/cmd/pilot-discovery/app/cmd.go --httpsAddr :15017 */
export const istiodWebhookPort = 15017
export const expiringSoonDays = 30

export type HealthState = 'Healthy' | 'Degraded' | 'Failing' | 'Unknown' | 'Inactive'

export interface WebhookHealth {
  readonly configuration: string
  readonly webhook: string
  /** Revision of the istiod it calls (a tag's target). */
  readonly revision: string | null
  readonly tag: string | null
  readonly service: {
    readonly namespace: string
    readonly name: string
    readonly port: number
    readonly path?: string
  } | null
  readonly url: string | null
  /** v1 defaults: failurePolicy Fail, timeoutSeconds 10, reinvocationPolicy Never. */
  readonly failurePolicy: string
  readonly timeoutSeconds: number
  readonly reinvocationPolicy: string
  readonly state: HealthState
  /** Ready endpoints behind the Service; null when not known (URL webhook, data missing). */
  readonly readyEndpoints: number | null
  readonly checks: readonly HealthCheck[]
  readonly source?: Provenance
}

/** A Check plus the values for its code's hint placeholders. */
export interface HealthCheck extends Check {
  readonly params?: Readonly<Record<string, string>>
}

const check = (
  code: ReasonCode,
  result: CheckResult,
  subject: string,
  detail: string,
  params?: Readonly<Record<string, string>>,
): HealthCheck => ({stage: 'Health', code, result, subject, detail, ...(params ? {params} : {})})

const gapFor = (snapshot: ClusterSnapshot, resource: string, namespace: string): Gap | undefined =>
  snapshot.gaps.find(
    (gap) => gap.resource === resource && (gap.namespace === undefined || gap.namespace === namespace),
  )

const gapCheck = (gap: Gap, subject: string): HealthCheck =>
  check(
    gap.reason === 'Forbidden' ? 'Forbidden' : 'HealthDataMissing',
    'Unknown',
    subject,
    `${gap.verb ?? 'read'} ${gap.resource}${gap.namespace ? ` in ${gap.namespace}` : ''}: ${gap.reason} (${gap.message})`,
    {resource: gap.resource, verb: gap.verb ?? 'list', ...(gap.namespace ? {namespace: gap.namespace} : {})},
  )

const missingDataCheck = (resource: string, namespace: string, subject: string): HealthCheck =>
  check(
    'HealthDataMissing',
    'Unknown',
    subject,
    `the snapshot holds no ${resource} at all; ${resource} in ${namespace} were not collected`,
    {
      resource: resource.toLowerCase(),
    },
  )

/** A configuration's status is its worst webhook. */
export const worstState = (states: readonly HealthState[]): HealthState => {
  for (const state of ['Failing', 'Degraded', 'Unknown', 'Healthy'] as const)
    if (states.includes(state)) return state
  return 'Inactive'
}

const stateOf = (checks: readonly HealthCheck[]): HealthState => {
  const failed = checks.filter((c) => c.result === 'Fail')
  if (failed.some((c) => reasonCatalog[c.code].level === 'Error')) return 'Failing'
  if (failed.length > 0) return 'Degraded'
  if (checks.some((c) => c.result === 'Unknown')) return 'Unknown'
  return 'Healthy'
}

export interface ServiceChain {
  readonly checks: HealthCheck[]
  readonly readyEndpoints: number | null
  readonly broken: boolean
}

const endpointsOf = (snapshot: ClusterSnapshot, service: ServiceFacts): EndpointSliceFacts[] =>
  snapshot.endpointSlices.filter(
    (slice) => slice.namespace === service.namespace && slice.serviceName === service.name,
  )

const podNamed = (snapshot: ClusterSnapshot, namespace: string, name: string): PodFacts | undefined =>
  snapshot.pods.find((pod) => pod.kind === 'Pod' && pod.namespace === namespace && pod.name === name)

// k8s: staging/src/k8s.io/apiserver/pkg/util/proxy/proxy.go ResolveCluster (kube-apiserver's default resolver): ExternalName
// → `<externalName>:<webhook port>` with no port lookup; ClusterIP None → `cannot route to service with ClusterIP "None"`.
const assessServiceType = (
  service: ServiceFacts,
  port: number,
  subject: string,
): ServiceChain | undefined => {
  if (service.type === 'ExternalName') {
    const target = `${service.externalName ?? '?'}:${port}`
    const detail = `ExternalName: the API server dials ${target}; targetPort and EndpointSlices do not apply`
    return {
      checks: [check('WebhookServiceExternalName', 'Pass', subject, detail)],
      readyEndpoints: null,
      broken: false,
    }
  }
  if (service.clusterIP === 'None') {
    const detail = `headless (clusterIP None): kube-apiserver (without --enable-aggregator-routing) answers cannot route to service with ClusterIP "None"`
    return {
      checks: [check('WebhookServiceHeadless', 'Fail', subject, detail)],
      readyEndpoints: null,
      broken: true,
    }
  }
  return undefined
}

// k8s: with a cluster IP the call goes to ClusterIP:port and on (kube-proxy) to a ready endpoint's *target* port.
/** The Service → port → targetPort → ready endpoints chain of one service webhook; `broken` means calls fail now. */
export const assessServiceChain = (
  snapshot: ClusterSnapshot,
  config: MutatingWebhookConfiguration,
  ref: {namespace: string; name: string; port: number},
  revision: string | null,
  subject: string,
): ServiceChain => {
  const checks: HealthCheck[] = []
  const serviceGap = gapFor(snapshot, 'services', ref.namespace)
  const service = snapshot.services.find((s) => s.namespace === ref.namespace && s.name === ref.name)
  if (service === undefined) {
    if (serviceGap) return {checks: [gapCheck(serviceGap, subject)], readyEndpoints: null, broken: false}
    if (snapshot.services.length === 0) {
      return {
        checks: [missingDataCheck('Services', ref.namespace, subject)],
        readyEndpoints: null,
        broken: false,
      }
    }
    const injectorConfigMap = injectorConfigMapName(revision)
    const configMapsKnown =
      snapshot.configMaps.length > 0 && gapFor(snapshot, 'configmaps', ref.namespace) === undefined
    const revisionGone =
      configMapsKnown &&
      !snapshot.configMaps.some((cm) => cm.namespace === ref.namespace && cm.name === injectorConfigMap)
    checks.push(
      revisionGone
        ? check(
            'WebhookStaleRevision',
            'Fail',
            subject,
            `service ${ref.namespace}/${ref.name} not found and no ConfigMap ${ref.namespace}/${injectorConfigMap}: revision ${revision ?? 'default'} of ${config.metadata.name} was removed`,
          )
        : check('WebhookServiceMissing', 'Fail', subject, `service ${ref.namespace}/${ref.name} not found`),
    )
    return {checks, readyEndpoints: 0, broken: true}
  }
  checks.push(
    check(
      'WebhookServiceFound',
      'Pass',
      subject,
      `service ${ref.namespace}/${ref.name}${service.source ? ` (${service.source})` : ''}`,
    ),
  )
  const byType = assessServiceType(service, ref.port, subject)
  if (byType !== undefined) return {...byType, checks: [...checks, ...byType.checks]}

  const servicePort = service.ports.find((p) => p.port === ref.port)
  if (servicePort === undefined) {
    const ports = service.ports.map((p) => `${p.port}${p.name ? `/${p.name}` : ''}`).join(', ') || 'none'
    checks.push(
      check(
        'WebhookServicePortMissing',
        'Fail',
        subject,
        `webhook calls port ${ref.port}; service ports: ${ports}`,
        {port: String(ref.port)},
      ),
    )
    return {checks, readyEndpoints: null, broken: true}
  }

  const sliceGap = gapFor(snapshot, 'endpointslices', ref.namespace)
  const slices = endpointsOf(snapshot, service)
  const slicesKnown = sliceGap === undefined && snapshot.endpointSlices.length > 0
  const portName = servicePort.name
  // The EndpointSlice port carries the targetPort resolved against the pod's containerPort (named targetPorts included).
  const resolvedPorts = [
    ...new Set(
      slices.flatMap((slice) =>
        slice.ports
          .filter((p) => (p.name ?? '') === (portName ?? ''))
          .flatMap((p) => (p.port === undefined ? [] : [p.port])),
      ),
    ),
  ]
  const targetPort = servicePort.targetPort ?? servicePort.port
  const chain = `port ${servicePort.port}${portName ? ` (${portName})` : ''} → targetPort ${targetPort}`
  const portParams = {index: String(service.ports.indexOf(servicePort))}
  if (typeof targetPort === 'number' && targetPort !== istiodWebhookPort) {
    checks.push(
      check(
        'WebhookTargetPortMismatch',
        'Fail',
        subject,
        `${chain}; istiod serves the webhook on ${istiodWebhookPort}`,
        portParams,
      ),
    )
    return {checks, readyEndpoints: null, broken: true}
  }
  const wrongResolved = resolvedPorts.filter((p) => p !== istiodWebhookPort)
  if (wrongResolved.length > 0) {
    checks.push(
      check(
        'WebhookTargetPortMismatch',
        'Fail',
        subject,
        `${chain} resolves to pod port ${wrongResolved.join(', ')} in the EndpointSlice; istiod serves the webhook on ${istiodWebhookPort}`,
        portParams,
      ),
    )
    return {checks, readyEndpoints: null, broken: true}
  }

  if (sliceGap) {
    checks.push(gapCheck(sliceGap, subject))
    return {checks, readyEndpoints: null, broken: false}
  }
  if (!slicesKnown) {
    checks.push(missingDataCheck('EndpointSlices', ref.namespace, subject))
    return {checks, readyEndpoints: null, broken: false}
  }
  const endpoints = slices.flatMap((slice) => slice.endpoints)
  const notReadyPods: string[] = []
  const ready = endpoints.filter((endpoint) => {
    if (!endpoint.ready) return false
    const pod =
      endpoint.targetPod === undefined ? undefined : podNamed(snapshot, ref.namespace, endpoint.targetPod)
    if (pod?.phase !== undefined && pod.phase !== 'Running') {
      notReadyPods.push(`${pod.name} (${pod.phase})`)
      return false
    }
    return true
  })
  const described = `${ready.length}/${endpoints.length} endpoints ready in ${slices.length} ${slices.length === 1 ? 'EndpointSlice' : 'EndpointSlices'}${slices.length === 0 ? ` labelled kubernetes.io/service-name=${service.name}` : ''}`
  if (ready.length === 0) {
    const extra = notReadyPods.length > 0 ? `; backing pods not running: ${notReadyPods.join(', ')}` : ''
    checks.push(check('WebhookNoReadyEndpoints', 'Fail', subject, `${described}${extra}`))
    return {checks, readyEndpoints: 0, broken: true}
  }
  const pods = ready.flatMap((endpoint) => (endpoint.targetPod ? [endpoint.targetPod] : []))
  checks.push(
    check(
      'WebhookEndpointsReady',
      'Pass',
      subject,
      `${described}; ${chain}${pods.length > 0 ? `; pods ${pods.join(', ')}` : ''}`,
    ),
  )
  return {checks, readyEndpoints: ready.length, broken: false}
}

const rootCertOf = (snapshot: ClusterSnapshot, namespace: string): string | undefined =>
  snapshot.configMaps.find((cm) => cm.namespace === namespace && cm.name === 'istio-ca-root-cert')?.data[
    'root-cert.pem'
  ]

// istio: pkg/webhooks/webhookpatch.go patches caBundle into webhooks named *sidecar-injector.istio.io in MWCs labelled istio.io/rev=<rev>.
const assessCABundle = (
  snapshot: ClusterSnapshot,
  config: MutatingWebhookConfiguration,
  webhook: MutatingWebhook,
  subject: string,
  now: Date,
): HealthCheck[] => {
  const service = webhook.clientConfig.service
  const decoded = decodeCABundle(webhook.clientConfig.caBundle)
  if (decoded.kind === 'Missing') {
    if (service === undefined)
      return [
        check(
          'WebhookCABundleValid',
          'Info',
          subject,
          'no caBundle: the API server verifies the URL with its system roots',
        ),
      ]
    const labelled = config.metadata.labels?.['istio.io/rev']
    const why =
      labelled === undefined
        ? `; the configuration has no istio.io/rev label, so no istiod patches it`
        : `; istiod of revision ${labelled} patches it when it runs`
    return [check('WebhookCABundleMissing', 'Fail', subject, `clientConfig.caBundle is empty${why}`)]
  }
  if (decoded.kind === 'Invalid') return [check('WebhookCABundleInvalid', 'Fail', subject, decoded.error)]
  const checks: HealthCheck[] = []
  for (const cert of decoded.certificates) {
    const days = daysUntilExpiry(cert, now)
    const label = `${cert.subject || cert.issuer} (sha256 ${cert.fingerprint.slice(0, 23)}…)`
    if (days < 0)
      checks.push(
        check(
          'WebhookCABundleExpired',
          'Fail',
          subject,
          `${label} expired ${cert.notAfter} (${-days} days ago)`,
        ),
      )
    else if (days < expiringSoonDays)
      checks.push(
        check(
          'WebhookCABundleExpiring',
          'Fail',
          subject,
          `${label} expires ${cert.notAfter} (in ${days} days)`,
        ),
      )
  }
  const host = service ? `${service.name}.${service.namespace}.svc` : undefined
  const leaves = decoded.certificates.filter((cert) => !cert.ca)
  if (host !== undefined && leaves.length > 0 && !leaves.some((cert) => coversHost(cert, host))) {
    const names = leaves
      .flatMap((cert) => (cert.dnsNames.length > 0 ? cert.dnsNames : [cert.subject]))
      .join(', ')
    checks.push(
      check(
        'WebhookCABundleNameMismatch',
        'Fail',
        subject,
        `the API server dials ${host}; bundle serving certificate names: ${names}`,
        {host},
      ),
    )
  }
  const rootPem = service ? rootCertOf(snapshot, service.namespace) : undefined
  if (rootPem !== undefined && service !== undefined) {
    const root = decodeCABundle(rootPem)
    if (root.kind === 'Certificates') {
      const bundlePrints = new Set(decoded.certificates.map((cert) => cert.fingerprint))
      if (!root.certificates.some((cert) => bundlePrints.has(cert.fingerprint))) {
        checks.push(
          check(
            'WebhookCABundleRootMismatch',
            'Fail',
            subject,
            `caBundle ${decoded.certificates.map((c) => c.fingerprint.slice(0, 23)).join(', ')}… ≠ ${service.namespace}/istio-ca-root-cert ${root.certificates.map((c) => c.fingerprint.slice(0, 23)).join(', ')}…`,
          ),
        )
      }
    }
  }
  if (checks.length === 0) {
    const earliest = decoded.certificates.reduce((a, b) => (a.notAfter <= b.notAfter ? a : b))
    const kind =
      leaves.length === 0
        ? `${decoded.certificates.length === 1 ? 'CA certificate' : 'CA certificates'}; the serving certificate itself is not in the snapshot`
        : `serving certificate valid for ${host}`
    checks.push(
      check(
        'WebhookCABundleValid',
        'Pass',
        subject,
        `${decoded.certificates.length} ${kind}; earliest expiry ${earliest.notAfter} (${daysUntilExpiry(earliest, now)} days)`,
      ),
    )
  }
  return checks
}

const coversPodCreate = (webhook: MutatingWebhook): boolean =>
  matchRules(webhook.rules, podCreateAttributes, webhook.matchPolicy).matches

const podsSelectedBy = (snapshot: ClusterSnapshot, webhook: MutatingWebhook): Set<string> => {
  const selected = new Set<string>()
  const namespaces = new Map(snapshot.namespaces.map((ns) => [ns.name, ns]))
  const candidates = [...snapshot.pods, ...snapshot.workloads.map((w) => w.template)]
  for (const pod of candidates) {
    const namespace = namespaces.get(pod.namespace)
    if (namespace === undefined) continue
    const labels = effectiveNamespaceLabels(namespace)
    if (
      matchLabelSelector(webhook.namespaceSelector, labels).matches &&
      matchLabelSelector(webhook.objectSelector, pod.labels).matches
    ) {
      selected.add(`${pod.namespace}/${pod.name}`)
    }
  }
  return selected
}

// k8s: mutating webhook configurations are called sorted by name, webhooks in list order (webhook/configuration/mutating_webhook_manager.go).
const assessOrdering = (
  snapshot: ClusterSnapshot,
  config: MutatingWebhookConfiguration,
  webhook: MutatingWebhook,
  webhookIndex: number,
  subject: string,
): HealthCheck[] => {
  const mine = podsSelectedBy(snapshot, webhook)
  if (mine.size === 0) return []
  const reinvocation = webhook.reinvocationPolicy ?? 'Never'
  const checks: HealthCheck[] = []
  for (const other of snapshot.webhookConfigurations) {
    for (const [otherIndex, otherHook] of (other.webhooks ?? []).entries()) {
      if (isIstioInjectorWebhook(other, otherHook) || !coversPodCreate(otherHook)) continue
      const shared = [...podsSelectedBy(snapshot, otherHook)].filter((pod) => mine.has(pod))
      if (shared.length === 0) continue
      const after =
        other.metadata.name > config.metadata.name ||
        (other.metadata.name === config.metadata.name && otherIndex > webhookIndex)
      const examples = `${shared.length} shared ${shared.length === 1 ? 'pod or template' : 'pods and templates'}, e.g. ${shared.slice(0, 3).join(', ')}`
      const otherName = `${other.metadata.name}/${otherHook.name}`
      if (after && reinvocation === 'Never') {
        checks.push(
          check(
            'WebhookOrderingRisk',
            'Fail',
            subject,
            `${otherName} runs after ${config.metadata.name} (name order) with reinvocationPolicy ${otherHook.reinvocationPolicy ?? 'Never'}; Istio's reinvocationPolicy is Never; ${examples}`,
            {other: other.metadata.name},
          ),
        )
      } else {
        checks.push(
          check(
            'WebhookOtherMutator',
            'Info',
            subject,
            `${otherName} runs ${after ? 'after' : 'before'} ${config.metadata.name}; Istio's reinvocationPolicy ${reinvocation}; ${examples}`,
            {other: other.metadata.name},
          ),
        )
      }
    }
  }
  return checks
}

const assessSelectors = (
  snapshot: ClusterSnapshot,
  webhook: MutatingWebhook,
  subject: string,
): HealthCheck[] => {
  const foreign = foreignSelectorTerms(webhook.name, webhook.namespaceSelector, webhook.objectSelector)
  if (foreign === undefined) return []
  const terms = [
    ...foreign.namespaceSelector.map((t) => `namespaceSelector: ${t}`),
    ...foreign.objectSelector.map((t) => `objectSelector: ${t}`),
  ]
  if (terms.length === 0) return []
  // Namespaces the chart's selector would pick but the rewritten one does not: excluded only by the added terms.
  const excluded = snapshot.namespaces
    .filter((ns) => {
      const labels = effectiveNamespaceLabels(ns)
      return (
        matchLabelSelector(foreign.chartNamespaceSelector, labels).matches &&
        !matchLabelSelector(webhook.namespaceSelector, labels).matches
      )
    })
    .map((ns) => ns.name)
  const aks = terms.some((t) => t.includes('kubernetes.azure.com/managedby') || t.includes('control-plane'))
  const detail = `${terms.join('; ')}${aks ? ' (AKS Admissions Enforcer)' : ''}${excluded.length > 0 ? `; namespaces excluded only by these terms: ${excluded.join(', ')}` : ''}`
  return [check('WebhookForeignSelectorTerms', 'Fail', subject, detail)]
}

const assessExposure = (
  webhook: MutatingWebhook,
  index: number,
  chainBroken: boolean,
  readyEndpoints: number | null,
  subject: string,
): HealthCheck[] => {
  const checks: HealthCheck[] = []
  const policy = webhook.failurePolicy ?? 'Fail'
  if (policy === 'Ignore') {
    checks.push(
      check(
        'WebhookFailOpen',
        'Fail',
        subject,
        `failurePolicy Ignore${chainBroken ? '; istiod is unreachable now, so new pods start without a sidecar' : ''}`,
      ),
    )
  } else if (chainBroken) {
    checks.push(
      check(
        'WebhookFailClosedRisk',
        'Fail',
        subject,
        'failurePolicy Fail and the webhook chain is broken: pods it selects are not created',
      ),
    )
  } else if (readyEndpoints === 1) {
    checks.push(
      check('WebhookSingleEndpoint', 'Info', subject, 'failurePolicy Fail with 1 ready istiod endpoint'),
    )
  } else {
    checks.push(
      check(
        'WebhookFailClosed',
        'Info',
        subject,
        `failurePolicy ${policy}${readyEndpoints === null ? '' : `; ${readyEndpoints} ready endpoints`}`,
      ),
    )
  }
  const timeout = webhook.timeoutSeconds
  checks.push(
    check(
      'WebhookTimeout',
      'Info',
      subject,
      timeout === undefined ? 'timeoutSeconds 10 (default)' : `timeoutSeconds ${timeout}`,
    ),
  )
  const sideEffects = webhook.sideEffects
  if (sideEffects !== undefined && sideEffects !== 'None' && sideEffects !== 'NoneOnDryRun') {
    checks.push(
      check('WebhookSideEffectsUnsafe', 'Fail', subject, `sideEffects ${sideEffects}`, {
        index: String(index),
      }),
    )
  }
  return checks
}

const assessOne = (
  snapshot: ClusterSnapshot,
  config: MutatingWebhookConfiguration,
  webhook: MutatingWebhook,
  index: number,
  now: Date,
): WebhookHealth => {
  const subject = `${config.metadata.name}/${webhook.name}`
  const {revision, tag} = revisionOfConfiguration(config)
  const service = webhook.clientConfig.service
  const base = {
    configuration: config.metadata.name,
    webhook: webhook.name,
    revision,
    tag,
    service: service
      ? {
          namespace: service.namespace,
          name: service.name,
          port: service.port ?? 443,
          ...(service.path ? {path: service.path} : {}),
        }
      : null,
    url: webhook.clientConfig.url ?? null,
    failurePolicy: webhook.failurePolicy ?? 'Fail',
    timeoutSeconds: webhook.timeoutSeconds ?? 10,
    reinvocationPolicy: webhook.reinvocationPolicy ?? 'Never',
    ...(config.source ? {source: config.source} : {}),
  }
  if (isDeactivatedWebhook(webhook)) {
    const checks = [check('WebhookInactive', 'Info', subject, 'selectors istio.io/deactivated=never-match')]
    return {...base, state: 'Inactive', readyEndpoints: null, checks}
  }
  const checks: HealthCheck[] = []
  let chain: ServiceChain = {checks: [], readyEndpoints: null, broken: false}
  if (service !== undefined) {
    chain = assessServiceChain(
      snapshot,
      config,
      {namespace: service.namespace, name: service.name, port: service.port ?? 443},
      revision,
      subject,
    )
    checks.push(...chain.checks)
  } else if (webhook.clientConfig.url !== undefined) {
    checks.push(
      check('WebhookRemoteURL', 'Info', subject, `url ${webhook.clientConfig.url}`, {
        url: webhook.clientConfig.url,
      }),
    )
  }
  const caChecks = assessCABundle(snapshot, config, webhook, subject, now)
  checks.push(...caChecks)
  const caBroken = caChecks.some((c) => c.result === 'Fail' && reasonCatalog[c.code].level === 'Error')
  checks.push(...assessExposure(webhook, index, chain.broken || caBroken, chain.readyEndpoints, subject))
  checks.push(...assessSelectors(snapshot, webhook, subject))
  checks.push(...assessOrdering(snapshot, config, webhook, index, subject))
  return {...base, state: stateOf(checks), readyEndpoints: chain.readyEndpoints, checks}
}

/** One entry per Istio injector webhook, configurations in API-server (name) order. */
export const assessWebhooks = (snapshot: ClusterSnapshot, now: Date): WebhookHealth[] => {
  const configs = [...snapshot.webhookConfigurations].sort((a, b) =>
    a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0,
  )
  const result: WebhookHealth[] = []
  for (const config of configs) {
    for (const [index, webhook] of (config.webhooks ?? []).entries()) {
      if (isIstioInjectorWebhook(config, webhook))
        result.push(assessOne(snapshot, config, webhook, index, now))
    }
  }
  return result
}

/** Unknown check when the webhook configurations themselves could not be read. */
export const webhookListGap = (snapshot: ClusterSnapshot): HealthCheck | undefined => {
  const gap = snapshot.gaps.find((g) => g.resource === 'mutatingwebhookconfigurations')
  return gap ? gapCheck(gap, 'mutatingwebhookconfigurations') : undefined
}
