// Typed errors of the sources, each with a one-line message that ends with the next step.
// `describeSourceError` maps any error (ours, Node's, client-node's) to {message, category, exitCode}.
import {shellQuote} from '../core/verdict/shell-command.js'
import {ExitCode, type ExitCodeValue} from './exit-codes.js'

export type ErrorCategory = 'usage' | 'cluster' | 'input'

/** Base of every error the sources throw on purpose; `message` is one line. */
export class SourceError extends Error {
  readonly category: ErrorCategory
  readonly exitCode: ExitCodeValue

  constructor(message: string, category: ErrorCategory, exitCode: ExitCodeValue) {
    super(oneLine(message))
    this.name = new.target.name
    this.category = category
    this.exitCode = exitCode
  }
}

/** The kubeconfig is missing, malformed, or names something that is not there (a usage problem). */
export class KubeconfigError extends SourceError {
  constructor(message: string) {
    super(message, 'usage', ExitCode.Usage)
  }
}

/** A flag value the sources parse (e.g. --request-timeout) is malformed. */
export class FlagValueError extends SourceError {
  constructor(message: string) {
    super(message, 'usage', ExitCode.Usage)
  }
}

/** An input file (--from, -f) is missing, unreadable or not Kubernetes YAML/JSON. */
export class InputFileError extends SourceError {
  readonly file: string
  readonly line: number | undefined

  constructor(file: string, message: string, line?: number) {
    super(`${line === undefined ? file : `${file}:${line}`}: ${message}`, 'input', ExitCode.InputFile)
    this.file = file
    this.line = line
  }
}

/** DNS, TCP or proxy failure before any HTTP answer. */
export class UnreachableError extends SourceError {
  readonly code: string | undefined

  constructor(server: string, detail: string, code?: string) {
    super(
      `cannot reach the API server at ${server}: ${detail} — check the context with \`kubectl cluster-info\``,
      'cluster',
      ExitCode.ClusterUnreachable,
    )
    this.code = code
  }
}

/** The TLS handshake failed: unknown CA, hostname mismatch, expired certificate, rejected client certificate. */
export class TlsError extends SourceError {
  readonly code: string | undefined

  constructor(message: string, code?: string) {
    super(message, 'cluster', ExitCode.ClusterUnreachable)
    this.code = code
  }
}

/** No complete answer within --request-timeout. */
export class RequestTimeoutError extends SourceError {
  constructor(server: string, timeoutMs: number) {
    super(
      `no answer from the API server at ${server} within ${formatDuration(timeoutMs)} (--request-timeout) — raise --request-timeout or check the connection`,
      'cluster',
      ExitCode.ClusterUnreachable,
    )
  }
}

/** A Kubernetes `Status` answer (HTTP ≥ 400), parsed. */
export interface KubeStatus {
  readonly code: number
  readonly reason?: string
  readonly message?: string
  /** Status.metadata.continue: the inconsistent continue token of a 410 Expired list. */
  readonly continueToken?: string
}

/** The API server answered with an error status; `status.reason` is e.g. `Forbidden`, `NotFound`, `Expired`. */
export class ApiStatusError extends SourceError {
  readonly status: KubeStatus
  readonly method: string
  readonly path: string

  constructor(method: string, path: string, status: KubeStatus, message: string) {
    const unauthorized = status.code === 401 || status.code === 403
    // A 404 means the cluster answered and the object is missing; kubectl exits non-zero, never "unreachable".
    const exit = unauthorized
      ? ExitCode.ClusterUnauthorized
      : status.code === 404
        ? ExitCode.TargetNotFound
        : ExitCode.ClusterUnreachable
    super(message, 'cluster', exit)
    this.status = status
    this.method = method
    this.path = path
  }
}

/** A code path tried a request the tool must never make (a write other than a dry run or an access review). */
export class ForbiddenRequestError extends Error {
  constructor(method: string, path: string) {
    super(`programming error: kubectl-inject is read-only and must not send ${method} ${path}`)
    this.name = 'ForbiddenRequestError'
  }
}

/** Parses an error body into a Status; bodies that are not JSON keep their first line as the message. */
export function parseStatus(code: number, body: string): KubeStatus {
  try {
    const parsed = JSON.parse(body) as {reason?: unknown; message?: unknown; metadata?: {continue?: unknown}}
    return {
      code,
      ...(typeof parsed.reason === 'string' && parsed.reason !== '' ? {reason: parsed.reason} : {}),
      ...(typeof parsed.message === 'string' && parsed.message !== '' ? {message: parsed.message} : {}),
      ...(typeof parsed.metadata?.continue === 'string' && parsed.metadata.continue !== ''
        ? {continueToken: parsed.metadata.continue}
        : {}),
    }
  } catch {
    const text = oneLine(body).slice(0, 200)
    return {code, ...(text === '' ? {} : {message: text})}
  }
}

const reasonOfCode: Readonly<Record<number, string>> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  410: 'Expired',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
}

export const statusReason = (status: KubeStatus): string =>
  status.reason ?? reasonOfCode[status.code] ?? `HTTP ${status.code}`

/** What the request was about, for messages: `get pods "web-0" in namespace "shop"`. */
export interface RequestSubject {
  readonly verb: string
  readonly resource: string
  readonly namespace?: string | undefined
  readonly name?: string | undefined
}

/** Derives verb/resource/namespace/name from an API path (`/api/v1/namespaces/x/pods/y`, `/apis/g/v/...`). */
export function subjectOfPath(method: string, path: string): RequestSubject {
  const parts = path
    .split('?')[0]!
    .split('/')
    .filter((part) => part !== '')
  // Skip `api/v1` or `apis/group/version`.
  const rest = parts[0] === 'api' ? parts.slice(2) : parts.slice(3)
  let namespace: string | undefined
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1]
    rest.splice(0, 2)
  }
  const resource = rest[0] ?? 'unknown'
  const name = rest[1]
  const verb = method === 'POST' ? 'create' : name === undefined ? 'list' : 'get'
  return {verb, resource, namespace, name}
}

/** `pods "x"`, `pods`, with ` in namespace "y"` when namespaced. */
export function describeSubject(subject: RequestSubject): string {
  const what = subject.name === undefined ? subject.resource : `${subject.resource} "${subject.name}"`
  return subject.namespace === undefined ? what : `${what} in namespace "${subject.namespace}"`
}

/** Builds the one-line message for an error status (401, 403, 404, 5xx, others). */
export function statusMessage(
  context: string,
  server: string,
  method: string,
  path: string,
  status: KubeStatus,
): string {
  const subject = subjectOfPath(method, path)
  const detail = status.message === undefined ? '' : `: ${oneLine(status.message)}`
  const nsFlag = subject.namespace === undefined ? '' : ` -n ${shellQuote(subject.namespace)}`
  switch (status.code) {
    case 401:
      return `Unauthorized: the credentials of context "${context}" were rejected by ${server} — renew the token / re-login (check with \`kubectl get --raw /version --context ${shellQuote(context)}\`)`
    case 403:
      return `Forbidden: cannot ${subject.verb} ${describeSubject(subject)}${detail} — check with \`kubectl auth can-i ${subject.verb} ${subject.resource}${nsFlag}\``
    case 404: {
      const where = subject.namespace === undefined ? '' : ` in namespace "${subject.namespace}"`
      return subject.name === undefined
        ? `the API server at ${server} does not serve ${subject.resource}${where} (404) — check the cluster version with \`kubectl version\``
        : `${subject.resource} "${subject.name}" not found${where}`
    }
    default:
      if (status.code >= 500) {
        return `the API server at ${server} answered ${status.code} ${statusReason(status)} to ${method} ${path}${detail} — retry, or check the control plane with \`kubectl get --raw /readyz?verbose\``
      }
      return `the API server at ${server} answered ${status.code} ${statusReason(status)} to ${method} ${path}${detail}`
  }
}

const tlsVerifyCodes = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
])
const unreachableCodes = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNRESET',
  'EAI_AGAIN',
  'EPIPE',
  'ETIMEDOUT',
  'EADDRNOTAVAIL',
])

/** Turns a Node socket/TLS error into one of ours; `context` names the kubeconfig context for hints. */
export function classifyNetworkError(
  error: unknown,
  server: string,
  context: string,
): SourceError | undefined {
  const err = error as {code?: unknown; message?: unknown}
  const code = typeof err?.code === 'string' ? err.code : undefined
  const message = typeof err?.message === 'string' ? err.message : String(error)
  if (code === undefined) return undefined
  if (tlsVerifyCodes.has(code)) {
    return new TlsError(
      `TLS: the certificate of the API server at ${server} is signed by an unknown authority (${code}) — check certificate-authority(-data) of the cluster in context "${context}"`,
      code,
    )
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID' || code === 'HOSTNAME_MISMATCH') {
    return new TlsError(
      `TLS: the certificate of the API server is not valid for ${server} (${oneLine(message)}) — fix the server address or set tls-server-name in the kubeconfig cluster`,
      code,
    )
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    return new TlsError(
      `TLS: the certificate of the API server at ${server} ${code === 'CERT_HAS_EXPIRED' ? 'has expired' : 'is not yet valid'} — check this machine's clock, or renew the control-plane certificates`,
      code,
    )
  }
  if (/CERTIFICATE_REQUIRED|BAD_CERTIFICATE|CERTIFICATE_UNKNOWN|UNKNOWN_CA|ALERT/.test(code)) {
    return new TlsError(
      `TLS: the API server at ${server} rejected the client certificate of context "${context}" (${code}) — renew the client certificate in the kubeconfig`,
      code,
    )
  }
  if (code === 'EPROTO' || code.startsWith('ERR_SSL')) {
    return new TlsError(
      `TLS: handshake with the API server at ${server} failed (${oneLine(message)}) — check that the server address is the HTTPS API endpoint`,
      code,
    )
  }
  if (unreachableCodes.has(code)) return new UnreachableError(server, oneLine(message), code)
  return undefined
}

/** Any error → what the command prints and how it exits; stack traces never reach the user. */
export function describeSourceError(error: unknown): {
  message: string
  category: ErrorCategory
  exitCode: ExitCodeValue
} {
  if (error instanceof SourceError)
    return {message: error.message, category: error.category, exitCode: error.exitCode}
  const err = error as {code?: unknown; body?: unknown; message?: unknown}
  // client-node ApiException: numeric code and a JSON string body.
  if (typeof err?.code === 'number' && err.body !== undefined) {
    const status = parseStatus(err.code, typeof err.body === 'string' ? err.body : JSON.stringify(err.body))
    const text = `API error ${status.code} ${statusReason(status)}${status.message === undefined ? '' : `: ${status.message}`}`
    const exitCode =
      status.code === 401 || status.code === 403
        ? ExitCode.ClusterUnauthorized
        : status.code === 404
          ? ExitCode.TargetNotFound
          : ExitCode.ClusterUnreachable
    return {message: oneLine(text), category: 'cluster', exitCode}
  }
  if (typeof err?.code === 'string') {
    if (err.code === 'ENOENT' || err.code === 'EACCES' || err.code === 'EISDIR') {
      return {message: oneLine(String(err.message)), category: 'input', exitCode: ExitCode.InputFile}
    }
    const network = classifyNetworkError(error, 'the configured server', 'current')
    if (network !== undefined)
      return {message: network.message, category: network.category, exitCode: network.exitCode}
  }
  const message = error instanceof Error ? error.message : String(error)
  return {
    message: oneLine(`unexpected error: ${message}`),
    category: 'cluster',
    exitCode: ExitCode.Unexpected,
  }
}

/** Collapses whitespace so every message is one line. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim()
}

/** 10000 → `10s`, 90000 → `1m30s`, 500 → `500ms` (kubectl's spelling of --request-timeout). */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`
  const seconds = ms / 1000
  if (seconds < 60) return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)}s`
  const minutes = Math.floor(seconds / 60)
  const rest = Math.round(seconds - minutes * 60)
  return rest === 0 ? `${minutes}m` : `${minutes}m${rest}s`
}
