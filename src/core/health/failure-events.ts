// Failure forensics: FailedCreate events and istiod log lines classified into root causes with platform hints.
// Message shapes: k8s apiserver pkg/util/webhook/error.go (`failed calling webhook %q: %v`),
// admission/plugin/webhook/mutating/dispatcher.go (`failed to call webhook: %w`),
// admission/plugin/webhook/errors/statuserror.go (`admission webhook %q denied the request: …`, `does not support dry run`).
import {classifyAdmissionRejection} from '../admission-after/rejection-texts.js'
import type {AdmissionRejection} from '../admission-after/rejection-texts.js'
import {sh} from '../verdict/shell-command.js'
import {evidenceAgeSeconds, isRecentAge} from './evidence-age.js'
import type {ClusterSnapshot, EventFacts, Provenance, ServiceFacts, WorkloadFacts} from '../snapshot.js'
import type {ReasonCode} from '../verdict/reasons.js'
import {compareText} from '../text-order.js'

export type FailureClass =
  | 'Timeout'
  | 'AddressNotAllowed'
  | 'ConnectionRefused'
  | 'TLS'
  | 'NoEndpoints'
  | 'HeadlessService'
  | 'ServiceNotFound'
  | 'Denied'
  | 'DryRunUnsupported'
  | 'UnexpectedEOF'
  | 'CallFailed'
  | 'InjectorHandlerMissing'
  | 'PolicySkip'

export type Platform = 'GKE' | 'EKS' | 'AKS' | 'OpenShift'

export interface FailureDiagnosis {
  readonly code: ReasonCode
  readonly class: FailureClass
  /** Webhook named in the message, e.g. `namespace.sidecar-injector.istio.io`. */
  readonly webhook: string | null
  readonly istio: boolean
  /** The object whose controller failed, e.g. ReplicaSet shop/web-7d9c4b; null for log evidence. */
  readonly object: {readonly kind: string; readonly namespace: string; readonly name: string} | null
  /** The URL the API server posted to, when the message has it. */
  readonly url: string | null
  /** Service from the URL host or the message (`istiod-1-26.istio-system`), when known. */
  readonly service: {readonly namespace: string; readonly name: string} | null
  /** What the injector said, for `denied the request`. */
  readonly denial: string | null
  /** Occurrences (event count summed over identical diagnoses). */
  readonly count: number
  /** Event objects (or log lines) behind `count`: one Event recorded 23 times is 1 event, 23 occurrences. */
  readonly events: number
  readonly lastTimestamp: string | null
  /** Seconds before the snapshot's time the newest occurrence was seen; null when unknown. */
  readonly ageSeconds: number | null
  /** Within the window in which a still-failing controller renews its event (unknown age counts as recent). */
  readonly recent: boolean
  /** The message as recorded (trimmed), the evidence a reader quotes. */
  readonly message: string
  /** Platform-specific remediation, most likely first. */
  readonly hints: readonly string[]
  readonly source?: Provenance
}

export interface ClassifyOptions {
  readonly platform?: Platform | null
  /** The snapshot's time, against which evidence ages; without it every event counts as recent. */
  readonly at?: Date
  /** The snapshot's Services: an ExternalName one changes where a refused or timed-out call went. */
  readonly services?: readonly ServiceFacts[]
}

const classCodes: Readonly<Record<FailureClass, ReasonCode>> = {
  Timeout: 'WebhookCallTimeout',
  AddressNotAllowed: 'WebhookAddressNotAllowed',
  ConnectionRefused: 'WebhookConnectionRefused',
  TLS: 'WebhookTLSFailure',
  NoEndpoints: 'WebhookNoEndpoints',
  HeadlessService: 'WebhookServiceHeadless',
  ServiceNotFound: 'WebhookServiceNotFound',
  Denied: 'WebhookDenied',
  DryRunUnsupported: 'WebhookDryRunUnsupported',
  UnexpectedEOF: 'WebhookUnexpectedEOF',
  CallFailed: 'WebhookCallFailed',
  InjectorHandlerMissing: 'InjectorHandlerMissing',
  PolicySkip: 'InjectorPolicySkip',
}

/** First match wins: specific causes before the generic transport errors they are wrapped in. */
const eventPatterns: readonly (readonly [FailureClass, RegExp])[] = [
  ['DryRunUnsupported', /does not support dry run/],
  ['Denied', /admission webhook "[^"]+" denied the request/],
  ['NoEndpoints', /no endpoints available for service/],
  // k8s: apiserver pkg/util/proxy/proxy.go ResolveCluster.
  ['HeadlessService', /cannot route to service with ClusterIP "None"/],
  ['ServiceNotFound', /service "[^"]+" not found/],
  [
    'TLS',
    /x509: |tls: failed to verify|tls: bad certificate|certificate signed by unknown authority|certificate is valid for/,
  ],
  ['AddressNotAllowed', /Address is not allowed/],
  [
    'Timeout',
    /context deadline exceeded|i\/o timeout|Client\.Timeout exceeded|net\/http: request canceled|TLS handshake timeout/,
  ],
  ['ConnectionRefused', /connection refused/],
  ['UnexpectedEOF', /unexpected EOF|: EOF\b/],
  ['CallFailed', /failed calling webhook/],
]

/** Controllers that create pods and record FailedCreate on themselves. */
const podCreators = new Set([
  'ReplicaSet',
  'Job',
  'StatefulSet',
  'DaemonSet',
  'ReplicationController',
  'DeploymentConfig',
])

const isIstioWebhookName = (name: string | null): boolean =>
  name !== null && name.endsWith('sidecar-injector.istio.io')

const webhookIn = (message: string): string | null =>
  /failed calling webhook "([^"]+)"/.exec(message)?.[1] ??
  /admission webhook "([^"]+)"/.exec(message)?.[1] ??
  null

const urlIn = (message: string): string | null => /Post "?(https?:\/\/[^"\s]+)"?/.exec(message)?.[1] ?? null

const serviceOf = (message: string, url: string | null): {namespace: string; name: string} | null => {
  if (url !== null) {
    const host = /^https?:\/\/([^/:]+)/.exec(url)?.[1] ?? ''
    const parts = host.split('.')
    if (parts.length >= 3 && parts[2] === 'svc' && parts[0] && parts[1])
      return {name: parts[0], namespace: parts[1]}
  }
  const named = /service "([^"]+)"/.exec(message)?.[1]
  if (named === undefined) return null
  const [name, namespace] = named.includes('/')
    ? [named.split('/')[1], named.split('/')[0]]
    : [named, undefined]
  return name ? {name, namespace: namespace ?? 'istio-system'} : null
}

const networkHints = (
  platform: Platform | null | undefined,
  service: string,
  namespace: string,
): string[] => {
  const gke = `GKE private cluster: the control plane dials the endpoint port, not 443: gcloud compute firewall-rules create allow-master-to-istiod --network <network> --source-ranges <master-ipv4-cidr> --target-tags <node-tag> --allow tcp:15017`
  const eks = `EKS with a custom CNI (Calico, Cilium, Weave overlay): the managed control plane cannot reach pod IPs; use the VPC CNI or run istiod with hostNetwork: true`
  const netpol = sh`NetworkPolicy: allow ingress to pods app=istiod in ${namespace} on TCP 15017 from the control plane: kubectl get networkpolicy -n ${namespace}`
  const proxy = `kube-apiserver with HTTP(S)_PROXY set: add .svc and the service CIDR to NO_PROXY`
  const probe = sh`Probe the path the API server takes: kubectl get --raw /api/v1/namespaces/${namespace}/services/https:${service}:https-webhook/proxy/inject -v4`
  if (platform === 'GKE') return [gke, netpol, probe]
  if (platform === 'EKS') return [eks, netpol, probe]
  if (platform === 'AKS' || platform === 'OpenShift') return [netpol, proxy, probe]
  return [netpol, gke, eks, proxy, probe]
}

// k8s: apiserver pkg/util/proxy/proxy.go ResolveCluster: an ExternalName Service is dialled at `<externalName>:<port>`.
const externalTarget = (
  services: readonly ServiceFacts[] | undefined,
  service: {namespace: string; name: string} | null,
  url: string | null,
): string | null => {
  const found = services?.find((s) => s.namespace === service?.namespace && s.name === service.name)
  if (found?.type !== 'ExternalName') return null
  const port = url === null ? undefined : /^https?:\/\/[^/:]+:(\d+)/.exec(url)?.[1]
  return `${found.externalName ?? '?'}:${port ?? 443}`
}

const externalHint = (target: string, name: string, ns: string): string =>
  sh`${ns}/${name} is an ExternalName Service: the API server dials ${target} directly (no endpoints, no targetPort); make the injector answer there, or fix spec.externalName: kubectl get service ${name} -n ${ns} -o yaml`

const hintsFor = (
  cls: FailureClass,
  platform: Platform | null | undefined,
  service: {namespace: string; name: string} | null,
  external: string | null = null,
): string[] => {
  const ns = service?.namespace ?? 'istio-system'
  const name = service?.name ?? 'istiod'
  if (external !== null && (cls === 'ConnectionRefused' || cls === 'Timeout'))
    return [externalHint(external, name, ns)]
  switch (cls) {
    case 'Timeout':
      return networkHints(platform, name, ns)
    case 'AddressNotAllowed':
      return [
        sh`EKS custom CNI: use the VPC CNI or run ${ns}/${name} with hostNetwork: true (dnsPolicy ClusterFirstWithHostNet)`,
      ]
    case 'TLS':
      return [
        sh`Compare caBundle with the mesh root: kubectl get mutatingwebhookconfigurations -o jsonpath='{.items[*].webhooks[0].clientConfig.caBundle}' | base64 -d | md5sum; kubectl get cm istio-ca-root-cert -n ${ns} -o jsonpath='{.data.root-cert\\.pem}' | md5sum`,
        sh`Restart istiod to re-patch the caBundle: kubectl rollout restart deployment/${name} -n ${ns}`,
        'If a GitOps tool (Argo CD, Flux) re-applies the webhook, ignore /webhooks/*/clientConfig/caBundle in its diff',
      ]
    case 'NoEndpoints':
      return [sh`kubectl get endpointslices -n ${ns} -l kubernetes.io/service-name=${name}`]
    case 'HeadlessService':
      return [
        sh`${ns}/${name} is headless (clusterIP None): recreate it with a cluster IP, as the Istio chart does: kubectl get service ${name} -n ${ns} -o yaml`,
      ]
    case 'ServiceNotFound':
      return [
        sh`A webhook still calls ${ns}/${name}: kubectl get mutatingwebhookconfigurations -o 'custom-columns=NAME:.metadata.name,SVC:.webhooks[0].clientConfig.service.name'; delete the stale one or reinstall that revision`,
      ]
    case 'ConnectionRefused':
      return [
        sh`istiod is not listening where the Service points: kubectl get endpointslices -n ${ns} -l kubernetes.io/service-name=${name} -o yaml (port must be 15017)`,
      ]
    case 'Denied':
      return [
        'The injector rejected the pod: fix the annotation or template named in the message, then let the controller retry',
      ]
    case 'DryRunUnsupported':
      return ['Set sideEffects: None (or NoneOnDryRun) on the named webhook; Istio ≥1.7 does this']
    case 'UnexpectedEOF':
      return [sh`kubectl logs -n ${ns} deploy/${name} --previous; check istiod restarts and memory`]
    case 'InjectorHandlerMissing':
      return [
        sh`kubectl get configmap -n ${ns} | grep istio-sidecar-injector; check the istiod env INJECT_ENABLED`,
      ]
    case 'PolicySkip':
      return [
        sh`kubectl get configmap istio-sidecar-injector -n ${ns} -o jsonpath='{.data.config}' | grep -E 'policy|InjectSelector'`,
      ]
    case 'CallFailed':
      return ['kubectl inject-check --health']
  }
}

/** The label selector of one revision's istiod pods (the chart labels them app=istiod and istio.io/rev=REV, `default` included). */
export const istiodSelector = (revision: string | null | undefined): string =>
  revision === null || revision === undefined ? 'app=istiod' : `app=istiod,istio.io/rev=${revision}`

/** The revision an istiod Service name implies: `istiod` → default, `istiod-1-27` → 1-27; null for other names. */
export const revisionOfIstiodService = (service: string): string | null =>
  service === 'istiod' ? 'default' : service.startsWith('istiod-') ? service.slice('istiod-'.length) : null

const trimMessage = (message: string): string => message.replace(/\s+/g, ' ').trim()

const denialIn = (message: string): string | null => {
  const found = /denied the request: ([\s\S]*)$/.exec(message)?.[1]
  return found === undefined ? null : trimMessage(found)
}

/** Classify one message; undefined when it is not a webhook failure. */
export const classifyMessage = (message: string): FailureClass | undefined => {
  if (!/failed calling webhook|admission webhook "/.test(message)) return undefined
  // Kyverno, Gatekeeper and GKE Warden deny the injected pod: an admission rejection, not a failing webhook.
  if (classifyAdmissionRejection(message, '') !== undefined) return undefined
  return eventPatterns.find(([, pattern]) => pattern.test(message))?.[0]
}

/** What one failure message says, whatever carried it (an event or a ReplicaFailure condition). */
const messageFacts = (message: string, cls: FailureClass, options: ClassifyOptions) => {
  const webhook = webhookIn(message)
  const url = urlIn(message)
  const service = serviceOf(message, url)
  return {
    code: classCodes[cls],
    class: cls,
    webhook,
    istio: isIstioWebhookName(webhook),
    url,
    service,
    denial: cls === 'Denied' ? denialIn(message) : null,
    hints: hintsFor(cls, options.platform, service, externalTarget(options.services, service, url)),
  }
}

/** FailedCreate events on pod-creating controllers (and any event naming a failed webhook call), grouped. */
export const classifyFailureEvents = (
  events: readonly EventFacts[],
  options: ClassifyOptions = {},
): FailureDiagnosis[] => {
  const grouped = new Map<string, FailureDiagnosis>()
  for (const event of events) {
    const creator = event.reason === 'FailedCreate' || podCreators.has(event.involvedObject.kind)
    if (!creator) continue
    const cls = classifyMessage(event.message)
    if (cls === undefined) continue
    const facts = messageFacts(event.message, cls, options)
    const object = {
      kind: event.involvedObject.kind,
      namespace: event.involvedObject.namespace ?? event.namespace,
      name: event.involvedObject.name,
    }
    const key = `${object.kind}/${object.namespace}/${object.name}|${cls}|${facts.webhook ?? ''}`
    const previous = grouped.get(key)
    const count = (previous?.count ?? 0) + (event.count ?? 1)
    const events = (previous?.events ?? 0) + 1
    const latest =
      previous?.lastTimestamp && event.lastTimestamp
        ? previous.lastTimestamp > event.lastTimestamp
          ? previous.lastTimestamp
          : event.lastTimestamp
        : (event.lastTimestamp ?? previous?.lastTimestamp ?? null)
    const newest = previous === undefined || latest === (event.lastTimestamp ?? null)
    // The group is as old as its newest occurrence.
    const ages = [
      previous?.ageSeconds ?? null,
      options.at === undefined ? null : (evidenceAgeSeconds(event, options.at) ?? null),
    ].filter((a): a is number => a !== null)
    const ageSeconds = ages.length === 0 ? null : Math.min(...ages)
    grouped.set(key, {
      ...facts,
      ageSeconds,
      recent: isRecentAge(ageSeconds),
      object,
      count,
      events,
      lastTimestamp: latest,
      message: newest ? trimMessage(event.message) : (previous?.message ?? trimMessage(event.message)),
      ...((newest ? event.source : previous?.source)
        ? {source: (newest ? event.source : previous?.source) as Provenance}
        : {}),
    })
  }
  return [...grouped.values()].sort(
    (a, b) => compareText(b.lastTimestamp ?? '', a.lastTimestamp ?? '') || compareText(a.code, b.code),
  )
}

/**
 * ReplicaFailure conditions as evidence where no event of the same controller and cause is left: the controller sets
 * the condition while creates fail and clears it once they succeed, so it is current (events expire after an hour).
 */
export const classifyReplicaFailures = (
  workloads: readonly WorkloadFacts[],
  fromEvents: readonly FailureDiagnosis[],
  options: ClassifyOptions = {},
): FailureDiagnosis[] =>
  workloads.flatMap((w) => {
    // A Deployment's condition is its ReplicaSet's, copied: the ReplicaSet's own is the evidence.
    if (w.replicaFailure === undefined || (w.kind !== 'ReplicaSet' && w.kind !== 'ReplicationController'))
      return []
    const message = trimMessage(w.replicaFailure.message)
    const cls = classifyMessage(message)
    if (cls === undefined) return []
    const webhook = webhookIn(message)
    const object = {kind: w.kind, namespace: w.namespace, name: w.name}
    const covered = fromEvents.some(
      (d) =>
        d.recent &&
        d.object?.kind === w.kind &&
        d.object.namespace === w.namespace &&
        d.object.name === w.name &&
        d.class === cls &&
        d.webhook === webhook,
    )
    if (covered) return []
    return [
      {
        ...messageFacts(message, cls, options),
        object,
        count: 0,
        events: 0,
        lastTimestamp: w.replicaFailure.since ?? null,
        ageSeconds: null,
        recent: true,
        message,
        ...(w.source === undefined ? {} : {source: w.source}),
      },
    ]
  })

/** FailedCreate evidence of a snapshot: classified events, then ReplicaFailure conditions they do not already cover. */
export const classifyCreateFailures = (
  snapshot: Pick<ClusterSnapshot, 'events' | 'workloads'>,
  options: ClassifyOptions = {},
): FailureDiagnosis[] => {
  const fromEvents = classifyFailureEvents(snapshot.events, options)
  return [...fromEvents, ...classifyReplicaFailures(snapshot.workloads, fromEvents, options)]
}

/** istiod log lines that explain failures the API server never records as Events. */
// istio: pilot/pkg/bootstrap/sidecarinjector.go ("Skipping sidecar injector…"), pkg/kube/inject/webhook.go ("Skipping due to policy check")
const logPatterns: readonly (readonly [FailureClass, RegExp])[] = [
  ['InjectorHandlerMissing', /Skipping sidecar injector/],
  [
    'TLS',
    /http: TLS handshake error from [^:]+:\d+: remote error: tls: (bad certificate|unknown certificate authority)/,
  ],
  ['PolicySkip', /Skipping due to policy check/],
]

export const classifyIstiodLogs = (
  logs: ClusterSnapshot['logs'],
  options: ClassifyOptions = {},
): FailureDiagnosis[] => {
  const result: FailureDiagnosis[] = []
  for (const log of logs) {
    const counts = new Map<FailureClass, {count: number; first: string; last: string | null}>()
    for (const line of log.text.split('\n')) {
      const cls = logPatterns.find(([, pattern]) => pattern.test(line))?.[0]
      if (cls === undefined) continue
      const timestamp = /^(\d{4}-\d{2}-\d{2}T[\d:.]+Z)/.exec(line)?.[1] ?? null
      const seen = counts.get(cls)
      counts.set(cls, {
        count: (seen?.count ?? 0) + 1,
        first: seen?.first ?? trimMessage(line),
        last: timestamp ?? seen?.last ?? null,
      })
    }
    for (const [cls, seen] of counts) {
      result.push({
        code: classCodes[cls],
        class: cls,
        webhook: null,
        istio: true,
        object: null,
        url: null,
        service: null,
        denial: null,
        // istiod log lines describe istiod itself; their age is shown but they stay evidence.
        ageSeconds:
          options.at === undefined
            ? null
            : (evidenceAgeSeconds({lastTimestamp: seen.last}, options.at) ?? null),
        recent: true,
        count: seen.count,
        events: seen.count,
        lastTimestamp: seen.last,
        message: seen.first,
        hints: hintsFor(cls, options.platform, null),
        source: log.source,
      })
    }
  }
  return result
}

/** Best guess of the managed platform from node versions and names; null when nothing says so. */
export const detectPlatform = (snapshot: ClusterSnapshot): Platform | null => {
  for (const node of snapshot.nodes) {
    const version = node.kubeletVersion ?? ''
    if (/-gke\./.test(version)) return 'GKE'
    if (/-eks-/.test(version)) return 'EKS'
    if (/^aks-/.test(node.name)) return 'AKS'
    if (/^v\d+\.\d+\.\d+\+[0-9a-f]{7}/.test(version)) return 'OpenShift'
  }
  const aksTerms = snapshot.webhookConfigurations.some((mwc) =>
    (mwc.webhooks ?? []).some((w) =>
      (w.namespaceSelector?.matchExpressions ?? []).some((t) => t.key === 'kubernetes.azure.com/managedby'),
    ),
  )
  return aksTerms ? 'AKS' : null
}

/** A pod create rejected after injection, read from a FailedCreate event or a ReplicaFailure condition. */
export interface AdmissionRejectionEvidence {
  readonly object: {readonly kind: string; readonly namespace: string; readonly name: string}
  readonly rejection: AdmissionRejection
  readonly from: 'event' | 'condition'
  readonly source?: Provenance
}

/**
 * Rejections after injection (Pod Security, quota, LimitRange, SCC, Warden, Kyverno, Gatekeeper, VAP): FailedCreate
 * events, then ReplicaSet/ReplicationController ReplicaFailure conditions no event of the same controller and code covers.
 */
export const classifyAdmissionRejections = (
  snapshot: Pick<ClusterSnapshot, 'events' | 'workloads'>,
): AdmissionRejectionEvidence[] => {
  const fromEvents: AdmissionRejectionEvidence[] = snapshot.events.flatMap((event) => {
    if (event.reason !== 'FailedCreate') return []
    const namespace = event.involvedObject.namespace ?? event.namespace
    const rejection = classifyAdmissionRejection(event.message, namespace)
    if (rejection === undefined) return []
    const object = {kind: event.involvedObject.kind, namespace, name: event.involvedObject.name}
    return [{object, rejection, from: 'event' as const, ...(event.source ? {source: event.source} : {})}]
  })
  const fromConditions: AdmissionRejectionEvidence[] = snapshot.workloads.flatMap((w) => {
    if (w.replicaFailure === undefined || (w.kind !== 'ReplicaSet' && w.kind !== 'ReplicationController'))
      return []
    const rejection = classifyAdmissionRejection(w.replicaFailure.message, w.namespace)
    if (rejection === undefined) return []
    const object = {kind: w.kind, namespace: w.namespace, name: w.name}
    const covered = fromEvents.some(
      (e) =>
        e.object.kind === w.kind &&
        e.object.namespace === w.namespace &&
        e.object.name === w.name &&
        e.rejection.code === rejection.code,
    )
    return covered
      ? []
      : [{object, rejection, from: 'condition' as const, ...(w.source ? {source: w.source} : {})}]
  })
  return [...fromEvents, ...fromConditions]
}
