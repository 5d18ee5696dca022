// HTTPS to the API server with node:https: keep-alive, raw JSON, paginated lists, and a read-only guard.
// Writes are impossible except server-side dry-run creates and SelfSubjectAccessReviews (both persist nothing).
import {Agent as HttpAgent, request as httpRequest, type ClientRequest} from 'node:http'
import {request as httpsRequest, type RequestOptions} from 'node:https'
import {isIP} from 'node:net'
import {createSecureContext} from 'node:tls'
import {gunzip} from 'node:zlib'
import {promisify} from 'node:util'
import type {DynamicAuth, ResolvedCluster} from './kubeconfig.js'
import {
  ProxiedHttpAgent,
  ProxiedHttpsAgent,
  proxyEnvironment,
  proxyFromEnvironment,
  shownProxy,
} from './proxy.js'
import {
  ApiStatusError,
  ForbiddenRequestError,
  RequestTimeoutError,
  UnreachableError,
  classifyNetworkError,
  oneLine,
  parseStatus,
  statusMessage,
} from './kube-errors.js'
import {
  VerifyingHttpsAgent,
  serverTrustOf,
  serverTrustOption,
  type TrustingOptions,
} from './verifying-https-agent.js'
import {RequestSlots} from './request-slots.js'
import {secureContextWithDefaultRoots} from './node-extra-ca-certs.js'
import {Http2Connection, type Retry} from './http2-connection.js'

const gunzipAsync = promisify(gunzip)

/** kubectl's --chunk-size default. */
export const DEFAULT_PAGE_SIZE = 500

export {parseRequestTimeout} from './request-timeout.js'

export type Query = Readonly<Record<string, string | number | boolean | undefined>>

export interface TransportOptions {
  /** Per request, whole answer included; 0 = none. */
  readonly timeoutMs: number
  /** Receives one line per request (`GET https://…/api/v1/pods?limit=500 200 123ms`); never secrets. */
  readonly debug?: ((line: string) => void) | undefined
  /** --chunk-size: the `limit` of list pages unless a list asks for its own; 0 = one unpaged list. */
  readonly pageSize?: number | undefined
  /** HTTPS_PROXY, NO_PROXY, …; defaults to process.env. */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined
  /** false: OpenSSL verifies every connection (no TLS fast path, see verifying-https-agent.ts); tests compare the two. */
  readonly tlsFastPath?: boolean | undefined
}

export interface ListOptions {
  readonly pageSize?: number
  /** Awaited after the first page arrives and before the first item is handed over (e.g. webhooks decide the projection). */
  readonly gate?: Promise<unknown>
}

export interface ListSummary {
  readonly items: number
  readonly pages: number
  readonly resourceVersion?: string
  /** How a 410 Expired continue token was survived, if one was. */
  readonly recovery?: 'inconsistent-continue' | 'restarted'
}

export type JsonObject = Record<string, unknown>

export interface Transport {
  readonly server: string
  readonly contextName: string
  getJson(path: string, query?: Query): Promise<JsonObject>
  /** Only `dryRun=All` creates, SelfSubjectAccessReviews and `…/services/NAME/proxy/inject`; anything else throws ForbiddenRequestError. */
  postJson(path: string, query: Query, body: unknown): Promise<JsonObject>
  list(
    path: string,
    query: Query,
    onItem: (item: JsonObject) => void,
    options?: ListOptions,
  ): Promise<ListSummary>
  /** Follows `path` from `query.resourceVersion` until the server ends the stream or `signal` aborts it. */
  watch(path: string, query: Query, onEvent: (event: WatchEvent) => void, signal: AbortSignal): Promise<void>
  /** Closes idle keep-alive sockets so the process can exit. */
  close(): void
}

/** One watch event (apimachinery metav1.WatchEvent): ERROR carries a Status as its object. */
export interface WatchEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR'
  readonly object: JsonObject
}

/** Splits a watch body into events; a line that is no event JSON is skipped (never a crash mid-stream). */
export class WatchLineSplitter {
  #buffer = ''
  constructor(private readonly onEvent: (event: WatchEvent) => void) {}

  push(chunk: string): void {
    this.#buffer += chunk
    const lines = this.#buffer.split('\n')
    this.#buffer = lines.pop() ?? ''
    for (const line of lines) {
      if (line.trim() === '') continue
      let parsed: unknown
      try {
        parsed = JSON.parse(line)
      } catch {
        continue
      }
      const event = parsed as {type?: unknown; object?: unknown}
      if (typeof event.type === 'string' && event.object !== null && typeof event.object === 'object')
        this.onEvent({type: event.type as WatchEvent['type'], object: event.object as JsonObject})
    }
  }
}

const accessReviewPath = /^\/apis\/authorization\.k8s\.io\/v1\/selfsubjectaccessreviews$/
const createPath = /^\/(api\/v1|apis\/[^/]+\/[^/]+)\/namespaces\/[^/]+\/[a-z0-9]+$/
// inject-diff --revision: an AdmissionReview to an injector's /inject through the service proxy (persists nothing).
const injectProxyPath = /^\/api\/v1\/namespaces\/[^/]+\/services\/[^/]+\/proxy\/inject$/

/** The read-only guard: the one place that decides whether a request may leave the process. */
export function isAllowedRequest(method: string, path: string, query: Query): boolean {
  if (method === 'GET') return true
  if (method !== 'POST') return false
  return (
    accessReviewPath.test(path) ||
    (createPath.test(path) && query.dryRun === 'All') ||
    injectProxyPath.test(path)
  )
}

export function buildQuery(query: Query): string {
  const pairs: string[] = []
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === '') continue
    pairs.push(`${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`)
  }
  return pairs.length === 0 ? '' : `?${pairs.join('&')}`
}

/** kubectl's User-Agent shape (client-go rest.DefaultKubernetesUserAgent): tool/version (os/arch), so audit logs name us. */
export function userAgent(version: string = toolVersion): string {
  const os = process.platform === 'win32' ? 'windows' : process.platform
  const arch = ({x64: 'amd64', ia32: '386'} as Record<string, string>)[process.arch] ?? process.arch
  return `kubectl-inject/${version} (${os}/${arch}) node/${process.version}`
}

// The bundle defines the package version (scripts/bundle.mjs); tsc-run code (unit tests) says `dev`.
declare const KUBECTL_INJECT_VERSION: string | undefined
const toolVersion = typeof KUBECTL_INJECT_VERSION === 'string' ? KUBECTL_INJECT_VERSION : 'dev'

/** Where requests go and how: the server, its keep-alive agent (direct or through a proxy), and the options. */
interface Endpoint {
  readonly cluster: ResolvedCluster
  readonly base: URL
  readonly secure: boolean
  readonly basePath: string
  readonly agent: HttpAgent
  /** HTTP/1.1 requests in flight, at most the agent's sockets. */
  readonly slots: RequestSlots
  /** HTTP/2 streams in flight: one connection carries them all. */
  readonly streams: RequestSlots
  /** The TLS material of plugin credentials without a client certificate (tokens): one, so they share a connection. */
  readonly bearerTls: () => Partial<RequestOptions>
  readonly staticHeaders: Readonly<Record<string, string>>
  readonly options: TransportOptions
  /** HTTP/2 connections by a request's TLS extras (none: HTTP/1.1 only, e.g. through a proxy). */
  readonly http2: Http2Connections | undefined
}

interface Http2Connections {
  for(extra: Partial<RequestOptions>): Http2Connection
  close(): void
}

/** What one request sends: headers, TLS extras, and the plugin credential it used (to refresh after a 401). */
interface Credentials {
  readonly headers: Record<string, string | string[]>
  readonly extra: Partial<RequestOptions>
  readonly used?: DynamicAuth
}

export function createTransport(cluster: ResolvedCluster, options: TransportOptions): Transport {
  const endpoint = endpointOf(cluster, options)
  preconnect(endpoint)
  const request = (method: string, path: string, query: Query, body?: unknown) =>
    requestJson(endpoint, method, path, query, body)
  return {
    server: cluster.server,
    contextName: cluster.contextName,
    getJson: (path, query = {}) => request('GET', path, query),
    postJson: (path, query, body) => {
      if (!isAllowedRequest('POST', path, query))
        return Promise.reject(new ForbiddenRequestError('POST', path))
      return request('POST', path, query, body)
    },
    list: (path, query, onItem, listOptions = {}) =>
      listAll(endpoint, request, path, query, onItem, listOptions),
    watch: (path, query, onEvent, signal) => watchStream(endpoint, path, query, onEvent, signal),
    close: () => {
      endpoint.http2?.close()
      endpoint.agent.destroy()
    },
  }
}

function endpointOf(cluster: ResolvedCluster, options: TransportOptions): Endpoint {
  const base = new URL(cluster.server)
  const proxy = proxyOf(cluster, base, options)
  if (proxy !== undefined) options.debug?.(`proxy ${shownProxy(proxy)} for ${base.origin}`)
  const agent = agentOf(cluster, base.protocol === 'https:', proxy, options)
  return {
    cluster,
    base,
    secure: base.protocol === 'https:',
    basePath: base.pathname.replace(/\/+$/, ''),
    agent,
    slots: new RequestSlots(maxConnections),
    streams: new RequestSlots(maxStreams),
    bearerTls: once(() => tlsMaterial(cluster, undefined, undefined, options)),
    staticHeaders: staticHeadersOf(cluster),
    options,
    http2: http2Of(base, agent, proxy, options),
  }
}

// A plugin credential comes after the plugin ran (or client-node loaded): meanwhile the connection a token credential
// uses opens, handshake included. No byte goes over it before a request; a plugin certificate gets its own connection.
// Not for a plugin that may prompt: a login can outlast what a load balancer keeps an idle connection for.
function preconnect(endpoint: Endpoint): void {
  const {cluster} = endpoint
  if (cluster.authenticate === undefined || cluster.mayPrompt === true || endpoint.http2 === undefined) return
  // A failure here is the first request's to report: it opens the connection again and gets the error itself.
  endpoint.http2
    .for(endpoint.bearerTls())
    .session()
    .catch(() => undefined)
}

const once = <T>(make: () => T): (() => T) => {
  let made: {value: T} | undefined
  return () => (made ??= {value: make()}).value
}

// client-go speaks HTTP/2 over TLS unless DISABLE_HTTP2 is set (apimachinery util/net/http.go SetTransportDefaults); so
// do we, except through a proxy (HTTP/1.1 tunnels stay as they are). One connection per TLS material (plugin certificates).
function http2Of(
  base: URL,
  agent: HttpAgent,
  proxy: URL | undefined,
  options: TransportOptions,
): Http2Connections | undefined {
  const disabled = (options.env ?? process.env).DISABLE_HTTP2
  if (!(agent instanceof VerifyingHttpsAgent) || proxy !== undefined || (disabled ?? '') !== '')
    return undefined
  const {hostname: host, port} = serverAddress(base)
  const byTls = new WeakMap<object, Http2Connection>()
  const made: Http2Connection[] = []
  const connectionFor = (extra: Partial<RequestOptions>): Http2Connection => {
    let connection = byTls.get(extra)
    if (connection === undefined) {
      // As node's https.Agent builds a socket's options (request options, then the agent's; servername from the host).
      const connect = {...extra, ...agent.options, host, port, path: null} as TrustingOptions
      connect.servername ??= isIP(host) === 0 ? host : ''
      const probe = {...connect, ALPNProtocols: ['h2', 'http/1.1']}
      connection = new Http2Connection(
        base.origin,
        () => agent.probe(probe),
        (socket) => agent.adopt(socket, connect),
        options.debug,
      )
      byTls.set(extra, connection)
      made.push(connection)
    }
    return connection
  }
  return {for: connectionFor, close: () => made.forEach((connection) => connection.close())}
}

/** The server's host as node's `hostname` wants it (IPv6 brackets stripped) and its port, defaulted by scheme. */
function serverAddress(base: URL): {hostname: string; port: number} {
  const defaultPort = base.protocol === 'https:' ? 443 : 80
  return {
    hostname: base.hostname.replace(/^\[|\]$/g, ''),
    port: base.port === '' ? defaultPort : Number(base.port),
  }
}

// client-go: a cluster's proxy-url wins; else http.ProxyFromEnvironment (HTTPS_PROXY, NO_PROXY, …).
function proxyOf(cluster: ResolvedCluster, base: URL, options: TransportOptions): URL | undefined {
  if (cluster.proxyUrl !== undefined) return new URL(cluster.proxyUrl)
  return proxyFromEnvironment(base, proxyEnvironment(options.env ?? process.env))
}

// At most 8: a one-pod check's 13 reads (all at once) opened 13 TLS connections with 16, ~15 ms slower under load.
const maxConnections = 8
// Streams share one connection, so a one-pod check's 13 reads go at once (with 8, five waited a round trip). RFC 9113
// §6.5.2 asks servers to allow at least 100; kube-apiserver allows 250 (golang.org/x/net/http2 defaultMaxStreams).
const maxStreams = 100

function agentOf(
  cluster: ResolvedCluster,
  secure: boolean,
  proxy: URL | undefined,
  options: TransportOptions,
): HttpAgent {
  const pool = {keepAlive: true, maxSockets: maxConnections}
  if (!secure) return proxy === undefined ? new HttpAgent(pool) : new ProxiedHttpAgent(pool, proxy)
  const tls = {
    ...pool,
    rejectUnauthorized: !cluster.insecureSkipTlsVerify,
    // The agent's options win over a request's: with plugin credentials each request brings its own context.
    ...(cluster.authenticate === undefined ? tlsMaterial(cluster, cluster.cert, cluster.key, options) : {}),
    ...(cluster.tlsServerName !== undefined ? {servername: cluster.tlsServerName} : {}),
  }
  return proxy === undefined
    ? new VerifyingHttpsAgent(tls, options.debug)
    : new ProxiedHttpsAgent(tls, proxy, options.debug)
}

// One secure context per CA and client certificate: node would otherwise parse them again for every connection.
function tlsMaterial(
  cluster: ResolvedCluster,
  cert: Buffer | undefined,
  key: Buffer | undefined,
  options: TransportOptions,
) {
  const ca = cluster.ca !== undefined && !cluster.insecureSkipTlsVerify ? {ca: cluster.ca} : {}
  const client = cert !== undefined && key !== undefined ? {cert, key} : {}
  // A kubeconfig CA: the agent tries the TLS fast path first (verifying-https-agent.ts), with today's context behind it.
  const trust =
    ca.ca !== undefined && options.tlsFastPath !== false
      ? serverTrustOf(ca.ca, client, options.debug)
      : undefined
  // cert/key stay beside the context: the agent pools sockets by them, so each client certificate gets its own.
  if (trust !== undefined) return {...ca, ...client, [serverTrustOption]: trust}
  // Without a kubeconfig CA: node's default roots, with NODE_EXTRA_CA_CERTS when node did not load it at start.
  const secureContext =
    ca.ca === undefined && !cluster.insecureSkipTlsVerify
      ? secureContextWithDefaultRoots(client)
      : createSecureContext({...ca, ...client})
  return {...ca, ...client, secureContext}
}

function staticHeadersOf(cluster: ResolvedCluster): Record<string, string> {
  const headers: Record<string, string> = {
    Accept: 'application/json',
    'Accept-Encoding': 'gzip',
    'User-Agent': userAgent(),
  }
  if (cluster.token !== undefined) headers.Authorization = `Bearer ${cluster.token}`
  else if (cluster.basic !== undefined) {
    headers.Authorization = `Basic ${Buffer.from(`${cluster.basic.username}:${cluster.basic.password}`).toString('base64')}`
  }
  if (cluster.impersonate !== undefined) headers['Impersonate-User'] = cluster.impersonate.user
  return headers
}

/** One request's options against the cluster's server (IPv6 brackets stripped for node's `hostname`). */
function requestOptionsFor(
  endpoint: Endpoint,
  method: string,
  target: string,
  {headers, extra}: Credentials,
): RequestOptions {
  const {base, agent} = endpoint
  return {
    method,
    protocol: base.protocol,
    ...serverAddress(base),
    path: target,
    headers,
    agent,
    ...extra,
  }
}

// Static auth and impersonation, plus the plugin credential (`fresh` replaces one the server rejected).
async function credentialsOf(endpoint: Endpoint, stale?: DynamicAuth): Promise<Credentials> {
  const {cluster} = endpoint
  const headers: Record<string, string | string[]> = {...endpoint.staticHeaders}
  if (cluster.impersonate !== undefined && cluster.impersonate.groups.length > 0)
    headers['Impersonate-Group'] = [...cluster.impersonate.groups]
  if (cluster.authenticate === undefined) return {headers, extra: noTlsExtra}
  const auth =
    stale !== undefined && cluster.reauthenticate !== undefined
      ? await cluster.reauthenticate(stale)
      : await cluster.authenticate()
  Object.assign(headers, auth.headers)
  return {headers, extra: endpoint.secure ? pluginTls(endpoint, auth) : {}, used: auth}
}

/** The agent's own TLS material: one object, so its HTTP/2 connection is found by identity. */
const noTlsExtra: Partial<RequestOptions> = Object.freeze({})

const pluginContexts = new WeakMap<DynamicAuth, Partial<RequestOptions>>()

// A plugin's client certificate: its secure context is made once per credential.
function pluginTls(endpoint: Endpoint, auth: DynamicAuth): Partial<RequestOptions> {
  if (auth.cert === undefined || auth.key === undefined) return endpoint.bearerTls()
  let options = pluginContexts.get(auth)
  if (options === undefined) {
    options = tlsMaterial(endpoint.cluster, auth.cert, auth.key, endpoint.options)
    pluginContexts.set(auth, options)
  }
  return options
}

function networkError(endpoint: Endpoint, error: unknown): Error {
  if (error instanceof RequestTimeoutError) return error
  const {server, contextName} = endpoint.cluster
  return (
    classifyNetworkError(error, server, contextName) ??
    new UnreachableError(server, oneLine(String((error as Error).message ?? error)))
  )
}

function statusError(endpoint: Endpoint, method: string, path: string, status: number, text: string) {
  const parsed = parseStatus(status, text)
  const {contextName, server} = endpoint.cluster
  return new ApiStatusError(method, path, parsed, statusMessage(contextName, server, method, path, parsed))
}

// exec.go refreshes a plugin credential after a 401; the rejected request is sent once more with the fresh one.
async function requestJson(
  endpoint: Endpoint,
  method: string,
  path: string,
  query: Query,
  body?: unknown,
): Promise<JsonObject> {
  if (!isAllowedRequest(method, path, query)) throw new ForbiddenRequestError(method, path)
  const target = `${endpoint.basePath}${path}${buildQuery(query)}`
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body))
  let credentials = await credentialsOf(endpoint)
  let answer = await exchange(endpoint, method, target, credentials, payload)
  if (
    answer.status === 401 &&
    credentials.used !== undefined &&
    endpoint.cluster.reauthenticate !== undefined
  ) {
    endpoint.options.debug?.(`${method} ${target} 401: refreshing the plugin credential once`)
    credentials = await credentialsOf(endpoint, credentials.used)
    answer = await exchange(endpoint, method, target, credentials, payload)
  }
  const text = answer.body.toString('utf8')
  if (answer.status >= 400) throw statusError(endpoint, method, path, answer.status, text)
  try {
    const parsed = JSON.parse(text) as unknown
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as JsonObject
  } catch {
    // fall through to the error below
  }
  throw new UnreachableError(
    endpoint.cluster.server,
    `the answer to ${method} ${path} (${answer.status}) is not a JSON object; is this a Kubernetes API server?`,
  )
}

/** One request and its whole answer, with the --v debug line; network failures become our errors. */
async function exchange(
  endpoint: Endpoint,
  method: string,
  target: string,
  credentials: Credentials,
  payload: Buffer | undefined,
): Promise<{status: number; body: Buffer}> {
  const headers = {...credentials.headers}
  if (payload !== undefined) {
    headers['Content-Type'] = 'application/json'
    headers['Content-Length'] = String(payload.length)
  }
  const shown = `${endpoint.base.origin}${target}`
  const started = performance.now()
  const elapsed = () => `${Math.round(performance.now() - started)}ms`
  const debug = endpoint.options.debug
  try {
    const answer = await sendOver(endpoint, method, target, {...credentials, headers}, payload)
    debug?.(`${method} ${shown} ${answer.status} ${elapsed()}`)
    return answer
  } catch (error) {
    const code =
      (error as {code?: string}).code ?? (error instanceof RequestTimeoutError ? 'timeout' : 'error')
    debug?.(`${method} ${shown} ${code} ${elapsed()}`)
    throw networkError(endpoint, error)
  }
}

/** `run` once a slot of `slots` is free, releasing it when `run` settles. */
async function inSlot<T>(slots: RequestSlots, run: () => Promise<T>): Promise<T> {
  const release = await slots.acquire()
  try {
    return await run()
  } finally {
    release()
  }
}

/** One request over HTTP/2 when the server speaks it (its first request finds out), else over the HTTP/1.1 agent. */
async function sendOver(
  endpoint: Endpoint,
  method: string,
  target: string,
  credentials: Credentials,
  payload: Buffer | undefined,
  retried = false,
): Promise<{status: number; body: Buffer}> {
  const connection = endpoint.http2?.for(credentials.extra)
  const deadline = performance.now() + endpoint.options.timeoutMs
  const session = connection === undefined ? undefined : await withinTimeout(endpoint, connection.session())
  if (connection === undefined || session === undefined) {
    const options = requestOptionsFor(endpoint, method, target, credentials)
    return inSlot(endpoint.slots, () => send(endpoint, options, payload))
  }
  const left = endpoint.options.timeoutMs > 0 ? Math.max(1, deadline - performance.now()) : 0
  const timedOut = () => new RequestTimeoutError(endpoint.cluster.server, endpoint.options.timeoutMs)
  try {
    const answer = await inSlot(endpoint.streams, () =>
      connection.request(session, method, target, credentials.headers, payload, left, timedOut),
    )
    const gzipped = answer.headers['content-encoding'] === 'gzip'
    return {status: answer.status, body: gzipped ? await gunzipAsync(answer.body) : answer.body}
  } catch (error) {
    // Go's http2 transport retries a request the server never processed, and a GET on a used connection that closed.
    const retry = (error as {retry?: Retry}).retry
    if (retried || !(retry === 'any' || (retry === 'idempotent' && method === 'GET'))) throw error
    const why = retry === 'any' ? 'the server refused the stream' : 'the HTTP/2 connection closed'
    endpoint.options.debug?.(`${method} ${endpoint.base.origin}${target}: ${why}; sending it once more`)
    return sendOver(endpoint, method, target, credentials, payload, true)
  }
}

/** `pending` (opening a connection) within the request timeout, as an HTTP/1.1 request's timer covers its connect. */
function withinTimeout<T>(endpoint: Endpoint, pending: Promise<T>): Promise<T> {
  const {timeoutMs} = endpoint.options
  if (timeoutMs <= 0) return pending
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RequestTimeoutError(endpoint.cluster.server, timeoutMs)), timeoutMs)
  })
  return Promise.race([pending, timeout]).finally(() => clearTimeout(timer))
}

const staleSocketCodes = new Set(['ECONNRESET', 'EPIPE'])

/** A kept-alive socket the server closed while the event loop was busy: worth one retry of a GET on a fresh socket. */
const isStaleSocket = (
  req: ClientRequest,
  method: string | undefined,
  error: NodeJS.ErrnoException,
): boolean => method === 'GET' && req.reusedSocket && staleSocketCodes.has(error.code ?? '')

function send(
  endpoint: Endpoint,
  requestOptions: RequestOptions,
  payload: Buffer | undefined,
  retried = false,
): Promise<{status: number; body: Buffer}> {
  const {timeoutMs} = endpoint.options
  return new Promise((resolvePromise, reject) => {
    let settled = false
    let timer: NodeJS.Timeout | undefined
    const finish = (error: unknown, value?: {status: number; body: Buffer}) => {
      if (settled) return
      settled = true
      if (timer !== undefined) clearTimeout(timer)
      if (error !== undefined) reject(error)
      else resolvePromise(value!)
    }
    const req = (endpoint.secure ? httpsRequest : httpRequest)(requestOptions, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('error', (error) => finish(error))
      res.on('aborted', () =>
        finish(
          Object.assign(new Error('the connection closed before the answer was complete'), {
            code: 'ECONNRESET',
          }),
        ),
      )
      res.on('end', () => {
        const raw = Buffer.concat(chunks)
        const status = res.statusCode ?? 0
        if (res.headers['content-encoding'] === 'gzip') {
          gunzipAsync(raw).then(
            (body) => finish(undefined, {status, body}),
            (error: unknown) => finish(error),
          )
        } else finish(undefined, {status, body: raw})
      })
    })
    req.on('error', (error: NodeJS.ErrnoException) => {
      // Go's net/http retries idempotent requests the same way (transport.go shouldRetryRequest).
      if (!settled && !retried && isStaleSocket(req, requestOptions.method, error)) {
        settled = true
        if (timer !== undefined) clearTimeout(timer)
        // The other idle sockets are as old: close them, so the retry opens a fresh connection.
        for (const idle of Object.values(endpoint.agent.freeSockets))
          for (const socket of idle ?? []) socket.destroy()
        send(endpoint, requestOptions, payload, true).then(resolvePromise, reject)
        return
      }
      finish(error)
    })
    if (timeoutMs > 0) {
      timer = setTimeout(() => {
        finish(new RequestTimeoutError(endpoint.cluster.server, timeoutMs))
        req.destroy()
      }, timeoutMs)
    }
    req.end(payload)
  })
}

// A watch: one GET whose answer is newline-delimited {type, object} events until the server or `signal` ends it.
async function watchStream(
  endpoint: Endpoint,
  path: string,
  query: Query,
  onEvent: (event: WatchEvent) => void,
  signal: AbortSignal,
): Promise<void> {
  const target = `${endpoint.basePath}${path}${buildQuery({...query, watch: 'true', allowWatchBookmarks: 'true'})}`
  const credentials = await credentialsOf(endpoint)
  // Watch streams are not gzipped by the API server; ask for identity so events arrive as they happen.
  const headers = {...credentials.headers, 'Accept-Encoding': 'identity'}
  endpoint.options.debug?.(`WATCH ${endpoint.base.origin}${target}`)
  await new Promise<void>((resolvePromise, reject) => {
    if (signal.aborted) return resolvePromise()
    const requestOptions = requestOptionsFor(endpoint, 'GET', target, {...credentials, headers})
    const req = (endpoint.secure ? httpsRequest : httpRequest)(requestOptions, (res) => {
      const status = res.statusCode ?? 0
      if (status >= 400) {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () =>
          reject(statusError(endpoint, 'GET', path, status, Buffer.concat(chunks).toString('utf8'))),
        )
        return
      }
      const lines = new WatchLineSplitter(onEvent)
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => lines.push(chunk))
      res.on('end', () => resolvePromise())
      res.on('error', () => resolvePromise())
      res.on('aborted', () => resolvePromise())
    })
    const abort = () => {
      req.destroy()
      resolvePromise()
    }
    signal.addEventListener('abort', abort, {once: true})
    req.on('error', (error) => {
      signal.removeEventListener('abort', abort)
      if (signal.aborted) return resolvePromise()
      reject(networkError(endpoint, error))
    })
    req.on('close', () => signal.removeEventListener('abort', abort))
    req.end()
  })
}

type RequestJson = (method: string, path: string, query: Query) => Promise<JsonObject>

/** Pages through a list with `limit`/`continue`, surviving one expired continue token (410) as client-go's pager does. */
async function listAll(
  endpoint: Endpoint,
  request: RequestJson,
  path: string,
  query: Query,
  onItem: (item: JsonObject) => void,
  listOptions: ListOptions,
): Promise<ListSummary> {
  const debug = endpoint.options.debug
  const pageSize = listOptions.pageSize ?? endpoint.options.pageSize ?? DEFAULT_PAGE_SIZE
  const seen = new Set<string>()
  let continueToken: string | undefined
  let restarted = false
  let recovery: ListSummary['recovery']
  let items = 0
  let pages = 0
  let resourceVersion: string | undefined
  let gated = listOptions.gate === undefined
  for (;;) {
    let page: JsonObject
    try {
      page = await request('GET', path, {
        ...query,
        limit: pageSize > 0 ? pageSize : undefined,
        continue: continueToken,
      })
    } catch (error) {
      const resume = resumeAfterExpiry(error, path, continueToken, restarted, debug)
      if (resume === undefined) throw error
      continueToken = resume.continueToken
      restarted ||= resume.recovery === 'restarted'
      recovery = resume.recovery === 'restarted' ? 'restarted' : (recovery ?? resume.recovery)
      continue
    }
    pages++
    if (!gated) {
      await listOptions.gate
      gated = true
    }
    items += handOver(page, seen, onItem)
    const metadata = (page.metadata ?? {}) as {continue?: unknown; resourceVersion?: unknown}
    if (typeof metadata.resourceVersion === 'string') resourceVersion ??= metadata.resourceVersion
    continueToken =
      typeof metadata.continue === 'string' && metadata.continue !== '' ? metadata.continue : undefined
    if (continueToken === undefined) break
  }
  return {
    items,
    pages,
    ...(resourceVersion === undefined ? {} : {resourceVersion}),
    ...(recovery === undefined ? {} : {recovery}),
  }
}

/** After a failed page: how to go on when a continue token expired (410), with the server's token or by restarting once. */
function resumeAfterExpiry(
  error: unknown,
  path: string,
  continueToken: string | undefined,
  restarted: boolean,
  debug: ((line: string) => void) | undefined,
): {continueToken: string | undefined; recovery: NonNullable<ListSummary['recovery']>} | undefined {
  // A continue token older than etcd compaction answers 410 Expired (apiserver storage/etcd3 store.go).
  if (!(error instanceof ApiStatusError) || error.status.code !== 410 || continueToken === undefined)
    return undefined
  if (error.status.continueToken !== undefined) {
    debug?.(
      `list ${path}: continue token expired (410); continuing with the inconsistent continue token from the Status`,
    )
    return {continueToken: error.status.continueToken, recovery: 'inconsistent-continue'}
  }
  if (restarted) return undefined
  debug?.(
    `list ${path}: continue token expired (410) without a new token; restarting the list once, skipping items already seen (by uid)`,
  )
  return {continueToken: undefined, recovery: 'restarted'}
}

/** Hands a page's items over once each (by uid, across a restarted list); returns how many. */
function handOver(page: JsonObject, seen: Set<string>, onItem: (item: JsonObject) => void): number {
  let count = 0
  const pageItems = Array.isArray(page.items) ? (page.items as unknown[]) : []
  for (const item of pageItems) {
    if (item === null || typeof item !== 'object') continue
    const uid = ((item as JsonObject).metadata as {uid?: unknown} | undefined)?.uid
    if (typeof uid === 'string') {
      if (seen.has(uid)) continue
      seen.add(uid)
    }
    count++
    onItem(item as JsonObject)
  }
  return count
}
