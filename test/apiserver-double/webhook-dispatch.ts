// The API server's webhook admission for pod CREATE: selection, dry-run checks, HTTPS calls, patches, failure policy.
import {randomUUID} from 'node:crypto'
import https from 'node:https'
import type {KubeObject} from './object-store.js'
import {applyJsonPatch} from './json-patch.js'
import type {PatchOperation} from './json-patch.js'
import {labelSelectorRequirements, matchesLabels, SelectorError} from './selectors.js'
import type {LabelSelectorObject} from './selectors.js'
import {internalError, statusBody} from './status-bodies.js'
import type {StatusBody} from './status-bodies.js'
import {applyPodDefaults} from './pod-defaulting.js'

interface RuleWithOperations {
  operations?: string[]
  apiGroups?: string[]
  apiVersions?: string[]
  resources?: string[]
  scope?: string
}

interface WebhookClientConfig {
  url?: string
  service?: {namespace: string; name: string; path?: string; port?: number}
  caBundle?: string
}

export interface Webhook {
  name: string
  clientConfig: WebhookClientConfig
  rules?: RuleWithOperations[]
  failurePolicy?: 'Fail' | 'Ignore'
  sideEffects?: string
  timeoutSeconds?: number
  admissionReviewVersions?: string[]
  namespaceSelector?: LabelSelectorObject
  objectSelector?: LabelSelectorObject
}

export interface AdmissionInput {
  pod: KubeObject
  namespace: string
  namespaceLabels: Record<string, string>
  dryRun: boolean
  fieldManager: string | undefined
  userName: string
  // "ns/name:port" → base https URL of the process that plays that service.
  services: Record<string, string>
  // From the stored EndpointSlices: false when the Service has slices but no ready endpoint, undefined when none are stored.
  readyEndpoints?: (namespace: string, service: string) => boolean | undefined
  // The stored Service's spec, when one is stored: its type decides how the API server routes the call.
  serviceSpec?: (namespace: string, service: string) => ServiceSpec | undefined
}

export interface ServiceSpec {
  type?: string
  clusterIP?: string
  externalName?: string
}

export class AdmissionRejection extends Error {
  constructor(readonly status: StatusBody) {
    super(status.message)
  }
}

const includes = (list: string[] | undefined, value: string): boolean =>
  (list ?? []).includes('*') || (list ?? []).includes(value)

// apiserver: pkg/admission/plugin/webhook/predicates/rules/rules.go Matcher
function ruleMatchesPodCreate(rule: RuleWithOperations): boolean {
  const resourceMatch = (rule.resources ?? []).some((r) => {
    const [res, sub = ''] = r.split('/')
    return (res === '*' || res === 'pods') && (sub === '*' || sub === '')
  })
  const scope = rule.scope ?? '*'
  return (
    includes(rule.operations, 'CREATE') &&
    includes(rule.apiGroups, '') &&
    includes(rule.apiVersions, 'v1') &&
    resourceMatch &&
    (scope === '*' || scope === 'Namespaced')
  )
}

function selectorMatches(selector: LabelSelectorObject | undefined, labels: Record<string, string>): boolean {
  try {
    return matchesLabels(labelSelectorRequirements(selector), labels)
  } catch (err) {
    if (err instanceof SelectorError) return false
    throw err
  }
}

// apiserver: pkg/admission/plugin/webhook/generic/webhook.go ShouldCallHook order (namespace, object, rules).
export function webhookApplies(hook: Webhook, input: AdmissionInput): boolean {
  if (!selectorMatches(hook.namespaceSelector, input.namespaceLabels)) return false
  if (!selectorMatches(hook.objectSelector, input.pod.metadata?.labels ?? {})) return false
  return (hook.rules ?? []).some(ruleMatchesPodCreate)
}

class CallFailure extends Error {}

function displayUrl(hook: Webhook, timeoutSeconds: number): string {
  const svc = hook.clientConfig.service
  const base = svc
    ? `https://${svc.name}.${svc.namespace}.svc:${svc.port ?? 443}${svc.path ?? ''}`
    : (hook.clientConfig.url ?? '')
  return `${base}?timeout=${timeoutSeconds}s`
}

function targetUrl(hook: Webhook, input: AdmissionInput, shown: string): {url: URL; servername?: string} {
  const svc = hook.clientConfig.service
  if (!svc) return {url: new URL(hook.clientConfig.url ?? '')}
  // apiserver: pkg/util/proxy/proxy.go ResolveCluster (kube-apiserver's default): headless cannot be routed, ExternalName is
  // dialled at externalName:port without endpoints (both seen on a real v1.37.2 API server).
  const spec = input.serviceSpec?.(svc.namespace, svc.name)
  if (spec?.type !== 'ExternalName' && spec?.clusterIP === 'None')
    throw new CallFailure(`Post "${shown}": cannot route to service with ClusterIP "None"`)
  // ResolveEndpoint (--enable-aggregator-routing): no ready endpoint in the Service's EndpointSlices.
  if (spec?.type !== 'ExternalName' && input.readyEndpoints?.(svc.namespace, svc.name) === false)
    throw new CallFailure(`Post "${shown}": no endpoints available for service "${svc.name}"`)
  const services = input.services
  const base = services[`${svc.namespace}/${svc.name}:${svc.port ?? 443}`]
  if (!base) throw new CallFailure(`Post "${shown}": service "${svc.name}" not found`)
  const url = new URL((svc.path ?? '/') + queryOf(shown), base)
  return {url, servername: `${svc.name}.${svc.namespace}.svc`}
}

const queryOf = (shown: string): string => shown.slice(shown.indexOf('?'))

// Go net/http and crypto/x509 wording for the common Node connection errors.
function goErrorText(err: NodeJS.ErrnoException, url: URL): string {
  const hostPort = `${url.hostname}:${url.port || 443}`
  switch (err.code) {
    case 'ECONNREFUSED':
      return `dial tcp ${hostPort}: connect: connection refused`
    case 'ECONNRESET':
      return 'EOF'
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return 'tls: failed to verify certificate: x509: certificate signed by unknown authority'
    case 'CERT_HAS_EXPIRED':
      return 'tls: failed to verify certificate: x509: certificate has expired or is not yet valid'
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `tls: failed to verify certificate: x509: certificate is not valid for ${url.hostname}`
    default:
      return err.message
  }
}

function postReview(
  target: {url: URL; servername?: string},
  caBundle: string | undefined,
  body: string,
  timeoutMs: number,
  shown: string,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const fail = (text: string): void => reject(new CallFailure(`Post "${shown}": ${text}`))
    const req = https.request(
      target.url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          'content-length': Buffer.byteLength(body),
        },
        ...(caBundle ? {ca: Buffer.from(caBundle, 'base64').toString('utf8')} : {}),
        ...(target.servername ? {servername: target.servername} : {}),
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          const code = res.statusCode ?? 0
          if (code < 200 || code > 299) {
            reject(
              new CallFailure(
                text
                  ? `an error on the server ("${text.trim()}") has prevented the request from succeeding`
                  : `the server responded with the status code ${code} but did not return more information`,
              ),
            )
            return
          }
          try {
            resolve(JSON.parse(text))
          } catch (err) {
            reject(new CallFailure(`couldn't get version/kind; json parse error: ${(err as Error).message}`))
          }
        })
        res.on('error', (err) => fail(goErrorText(err, target.url)))
      },
    )
    req.on('timeout', () => {
      req.destroy()
      fail('context deadline exceeded')
    })
    req.on('error', (err: NodeJS.ErrnoException) => fail(goErrorText(err, target.url)))
    req.end(body)
  })
}

interface ReviewResponse {
  uid?: string
  allowed?: boolean
  status?: {code?: number; message?: string; reason?: string}
  patch?: string
  patchType?: string
}

async function callWebhook(hook: Webhook, input: AdmissionInput, pod: KubeObject): Promise<ReviewResponse> {
  const versions = hook.admissionReviewVersions ?? []
  const version = versions.includes('v1') ? 'v1' : versions.includes('v1beta1') ? 'v1beta1' : undefined
  if (!version)
    throw new CallFailure(
      `webhook does not accept known AdmissionReview versions: ${JSON.stringify(versions)}`,
    )
  const timeoutSeconds = hook.timeoutSeconds ?? 10
  const shown = displayUrl(hook, timeoutSeconds)
  const uid = randomUUID()
  const gvk = {group: '', version: 'v1', kind: 'Pod'}
  const gvr = {group: '', version: 'v1', resource: 'pods'}
  const review = {
    kind: 'AdmissionReview',
    apiVersion: `admission.k8s.io/${version}`,
    request: {
      uid,
      kind: gvk,
      resource: gvr,
      requestKind: gvk,
      requestResource: gvr,
      ...(pod.metadata?.name ? {name: pod.metadata.name} : {}),
      namespace: input.namespace,
      operation: 'CREATE',
      userInfo: {username: input.userName, groups: ['system:authenticated']},
      object: pod,
      oldObject: null,
      dryRun: input.dryRun,
      options: {
        kind: 'CreateOptions',
        apiVersion: 'meta.k8s.io/v1',
        ...(input.dryRun ? {dryRun: ['All']} : {}),
        ...(input.fieldManager ? {fieldManager: input.fieldManager} : {}),
      },
    },
  }
  const target = targetUrl(hook, input, shown)
  const answer = (await postReview(
    target,
    hook.clientConfig.caBundle,
    JSON.stringify(review),
    timeoutSeconds * 1000,
    shown,
  )) as {
    response?: ReviewResponse
  }
  const response = answer.response
  if (!response) throw new CallFailure('webhook response was absent')
  if (response.uid !== uid)
    throw new CallFailure(`expected response.uid="${uid}", got "${response.uid ?? ''}"`)
  return response
}

// apiserver: pkg/admission/plugin/webhook/errors/statuserror.go ToStatusErr
function deniedStatus(name: string, status: ReviewResponse['status']): StatusBody {
  const deniedBy = `admission webhook "${name}" denied the request`
  const code = status?.code !== undefined && status.code >= 400 ? status.code : 400
  const message = status?.message
    ? `${deniedBy}: ${status.message}`
    : status?.reason
      ? `${deniedBy}: ${status.reason}`
      : `${deniedBy} without explanation`
  return statusBody(code, status?.reason ?? (code === 403 ? 'Forbidden' : 'BadRequest'), message)
}

// Runs the webhooks of the given configurations (sorted by name, hooks in order); returns the mutated pod.
export async function runWebhooks(
  configurations: KubeObject[],
  input: AdmissionInput,
  mutating: boolean,
): Promise<KubeObject> {
  let pod = input.pod
  const ordered = [...configurations].sort((a, b) =>
    (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''),
  )
  for (const configuration of ordered) {
    for (const hook of (configuration.webhooks as Webhook[] | undefined) ?? []) {
      if (!webhookApplies(hook, {...input, pod})) continue
      // apiserver: pkg/admission/plugin/webhook/mutating/dispatcher.go dry-run side-effects check.
      if (input.dryRun && hook.sideEffects !== 'None' && hook.sideEffects !== 'NoneOnDryRun')
        throw new AdmissionRejection(
          statusBody(400, 'BadRequest', `admission webhook "${hook.name}" does not support dry run`),
        )
      let response: ReviewResponse
      try {
        response = await callWebhook(hook, input, pod)
      } catch (err) {
        if (!(err instanceof CallFailure)) throw err
        if ((hook.failurePolicy ?? 'Fail') === 'Ignore') continue
        throw new AdmissionRejection(
          internalError(`failed calling webhook "${hook.name}": failed to call webhook: ${err.message}`),
        )
      }
      if (!response.allowed) throw new AdmissionRejection(deniedStatus(hook.name, response.status))
      if (mutating && response.patch) {
        if (response.patchType !== 'JSONPatch')
          throw new AdmissionRejection(internalError(`unsupported patch type "${response.patchType ?? ''}"`))
        try {
          const ops = JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8')) as PatchOperation[]
          pod = applyJsonPatch(pod, ops)
        } catch (err) {
          throw new AdmissionRejection(internalError((err as Error).message))
        }
        applyPodDefaults(pod)
      }
    }
  }
  return pod
}
