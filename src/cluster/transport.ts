// HTTPS to the API server with node:https: keep-alive, raw JSON, paginated lists, and a read-only guard.
// Writes are impossible except server-side dry-run creates and SelfSubjectAccessReviews (both persist nothing).
import {Agent as HttpAgent, request as httpRequest} from 'node:http'
import {Agent as HttpsAgent, request as httpsRequest, type RequestOptions} from 'node:https'
import {gunzip} from 'node:zlib'
import {promisify} from 'node:util'
import type {ResolvedCluster} from './kubeconfig.js'
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

const staleSocketCodes = new Set(['ECONNRESET', 'EPIPE'])

export function createTransport(cluster: ResolvedCluster, options: TransportOptions): Transport {
  const base = new URL(cluster.server)
  const secure = base.protocol === 'https:'
  const basePath = base.pathname.replace(/\/+$/, '')
  const agent = secure
    ? new HttpsAgent({
        keepAlive: true,
        maxSockets: 16,
        rejectUnauthorized: !cluster.insecureSkipTlsVerify,
        ...(cluster.ca !== undefined && !cluster.insecureSkipTlsVerify ? {ca: cluster.ca} : {}),
        ...(cluster.cert !== undefined ? {cert: cluster.cert, key: cluster.key} : {}),
        ...(cluster.tlsServerName !== undefined ? {servername: cluster.tlsServerName} : {}),
      })
    : new HttpAgent({keepAlive: true, maxSockets: 16})
  const debug = options.debug
  const server = cluster.server

  const staticHeaders: Record<string, string> = {
    Accept: 'application/json',
    'Accept-Encoding': 'gzip',
    'User-Agent': 'kubectl-inject',
  }
  if (cluster.token !== undefined) staticHeaders.Authorization = `Bearer ${cluster.token}`
  else if (cluster.basic !== undefined) {
    staticHeaders.Authorization = `Basic ${Buffer.from(`${cluster.basic.username}:${cluster.basic.password}`).toString('base64')}`
  }
  if (cluster.impersonate !== undefined) staticHeaders['Impersonate-User'] = cluster.impersonate.user

  // Headers and TLS options of one request: static auth, impersonation, and per-request plugin credentials.
  /** One request's options against the cluster's server (IPv6 brackets stripped for node's `hostname`). */
  const requestOptionsFor = (
    method: string,
    target: string,
    headers: Record<string, string | string[]>,
    extra: Partial<RequestOptions>,
  ): RequestOptions => ({
    method,
    protocol: base.protocol,
    hostname: base.hostname.replace(/^\[|\]$/g, ''),
    port: base.port === '' ? (secure ? 443 : 80) : Number(base.port),
    path: target,
    headers,
    agent,
    ...extra,
  })

  async function credentials(): Promise<{
    headers: Record<string, string | string[]>
    extra: Partial<RequestOptions>
  }> {
    const headers: Record<string, string | string[]> = {...staticHeaders}
    if (cluster.impersonate !== undefined && cluster.impersonate.groups.length > 0)
      headers['Impersonate-Group'] = [...cluster.impersonate.groups]
    const extra: Partial<RequestOptions> = {}
    if (cluster.authenticate !== undefined) {
      const auth = await cluster.authenticate()
      Object.assign(headers, auth.headers)
      if (auth.cert !== undefined && auth.key !== undefined)
        Object.assign(extra, {cert: auth.cert, key: auth.key})
    }
    return {headers, extra}
  }

  // A watch: one GET whose answer is newline-delimited {type, object} events until the server or `signal` ends it.
  async function watch(
    path: string,
    query: Query,
    onEvent: (event: WatchEvent) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const target = `${basePath}${path}${buildQuery({...query, watch: 'true', allowWatchBookmarks: 'true'})}`
    const {headers, extra} = await credentials()
    // Watch streams are not gzipped by the API server; ask for identity so events arrive as they happen.
    headers['Accept-Encoding'] = 'identity'
    debug?.(`WATCH ${base.origin}${target}`)
    await new Promise<void>((resolvePromise, reject) => {
      if (signal.aborted) return resolvePromise()
      const req = (secure ? httpsRequest : httpRequest)(
        requestOptionsFor('GET', target, headers, extra),
        (res) => {
          const status = res.statusCode ?? 0
          if (status >= 400) {
            const chunks: Buffer[] = []
            res.on('data', (chunk: Buffer) => chunks.push(chunk))
            res.on('end', () => {
              const parsed = parseStatus(status, Buffer.concat(chunks).toString('utf8'))
              reject(
                new ApiStatusError(
                  'GET',
                  path,
                  parsed,
                  statusMessage(cluster.contextName, server, 'GET', path, parsed),
                ),
              )
            })
            return
          }
          const lines = new WatchLineSplitter(onEvent)
          res.setEncoding('utf8')
          res.on('data', (chunk: string) => lines.push(chunk))
          res.on('end', () => resolvePromise())
          res.on('error', () => resolvePromise())
          res.on('aborted', () => resolvePromise())
        },
      )
      const abort = () => {
        req.destroy()
        resolvePromise()
      }
      signal.addEventListener('abort', abort, {once: true})
      req.on('error', (error) => {
        signal.removeEventListener('abort', abort)
        if (signal.aborted) return resolvePromise()
        reject(
          classifyNetworkError(error, server, cluster.contextName) ??
            new UnreachableError(server, oneLine(String(error.message))),
        )
      })
      req.on('close', () => signal.removeEventListener('abort', abort))
      req.end()
    })
  }

  async function request(method: string, path: string, query: Query, body?: unknown): Promise<JsonObject> {
    if (!isAllowedRequest(method, path, query)) throw new ForbiddenRequestError(method, path)
    const target = `${basePath}${path}${buildQuery(query)}`
    const shown = `${base.origin}${target}`
    const {headers, extra} = await credentials()
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body))
    if (payload !== undefined) {
      headers['Content-Type'] = 'application/json'
      headers['Content-Length'] = String(payload.length)
    }
    const started = performance.now()
    const elapsed = () => `${Math.round(performance.now() - started)}ms`
    let answer: {status: number; body: Buffer}
    try {
      answer = await send(method, target, headers, extra, payload)
    } catch (error) {
      const code =
        (error as {code?: string}).code ?? (error instanceof RequestTimeoutError ? 'timeout' : 'error')
      debug?.(`${method} ${shown} ${code} ${elapsed()}`)
      if (error instanceof RequestTimeoutError) throw error
      throw (
        classifyNetworkError(error, server, cluster.contextName) ??
        new UnreachableError(server, oneLine(String((error as Error).message ?? error)))
      )
    }
    debug?.(`${method} ${shown} ${answer.status} ${elapsed()}`)
    const text = answer.body.toString('utf8')
    if (answer.status >= 400) {
      const status = parseStatus(answer.status, text)
      throw new ApiStatusError(
        method,
        path,
        status,
        statusMessage(cluster.contextName, server, method, path, status),
      )
    }
    try {
      const parsed = JSON.parse(text) as unknown
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as JsonObject
    } catch {
      // fall through to the error below
    }
    throw new UnreachableError(
      server,
      `the answer to ${method} ${path} (${answer.status}) is not a JSON object; is this a Kubernetes API server?`,
    )
  }

  function send(
    method: string,
    target: string,
    headers: Record<string, string | string[]>,
    extra: Partial<RequestOptions>,
    payload: Buffer | undefined,
    retried = false,
  ): Promise<{status: number; body: Buffer}> {
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
      const requestOptions = requestOptionsFor(method, target, headers, extra)
      const req = (secure ? httpsRequest : httpRequest)(requestOptions, (res) => {
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
        // A keep-alive socket the server closed while the event loop was busy: retry a GET once on a fresh socket,
        // as Go's net/http does for idempotent requests (transport.go shouldRetryRequest).
        if (
          !settled &&
          !retried &&
          method === 'GET' &&
          req.reusedSocket &&
          staleSocketCodes.has(error.code ?? '')
        ) {
          settled = true
          if (timer !== undefined) clearTimeout(timer)
          // The other idle sockets are as old: close them, so the retry opens a fresh connection.
          for (const idle of Object.values(agent.freeSockets))
            for (const socket of idle ?? []) socket.destroy()
          send(method, target, headers, extra, payload, true).then(resolvePromise, reject)
          return
        }
        finish(error)
      })
      if (options.timeoutMs > 0) {
        timer = setTimeout(() => {
          finish(new RequestTimeoutError(server, options.timeoutMs))
          req.destroy()
        }, options.timeoutMs)
      }
      req.end(payload)
    })
  }

  return {
    server,
    contextName: cluster.contextName,
    getJson: (path, query = {}) => request('GET', path, query),
    postJson: (path, query, body) => {
      if (!isAllowedRequest('POST', path, query))
        return Promise.reject(new ForbiddenRequestError('POST', path))
      return request('POST', path, query, body)
    },
    async list(path, query, onItem, listOptions = {}) {
      const pageSize = listOptions.pageSize ?? options.pageSize ?? DEFAULT_PAGE_SIZE
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
          // A continue token older than etcd compaction answers 410 Expired (apiserver storage/etcd3 store.go).
          if (error instanceof ApiStatusError && error.status.code === 410 && continueToken !== undefined) {
            if (error.status.continueToken !== undefined) {
              continueToken = error.status.continueToken
              recovery ??= 'inconsistent-continue'
              debug?.(
                `list ${path}: continue token expired (410); continuing with the inconsistent continue token from the Status`,
              )
              continue
            }
            if (!restarted) {
              restarted = true
              continueToken = undefined
              recovery = 'restarted'
              debug?.(
                `list ${path}: continue token expired (410) without a new token; restarting the list once, skipping items already seen (by uid)`,
              )
              continue
            }
          }
          throw error
        }
        pages++
        if (!gated) {
          await listOptions.gate
          gated = true
        }
        const pageItems = Array.isArray(page.items) ? (page.items as unknown[]) : []
        for (const item of pageItems) {
          if (item === null || typeof item !== 'object') continue
          const uid = ((item as JsonObject).metadata as {uid?: unknown} | undefined)?.uid
          if (typeof uid === 'string') {
            if (seen.has(uid)) continue
            seen.add(uid)
          }
          items++
          onItem(item as JsonObject)
        }
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
    },
    watch,
    close: () => agent.destroy(),
  }
}
