// HTTP/2 to the API server, as kubectl speaks it: client-go enables h2 on every TLS transport unless DISABLE_HTTP2 is set
// (k8s.io/apimachinery/pkg/util/net/http.go SetTransportDefaults), so one connection carries every request. A one-pod
// check then makes one TLS handshake instead of eight; a server without h2 gets the probe socket for HTTP/1.1.
import type {
  ClientHttp2Session,
  ClientHttp2Stream,
  IncomingHttpHeaders,
  OutgoingHttpHeaders,
} from 'node:http2'
import type * as http2 from 'node:http2'
import type {TLSSocket} from 'node:tls'

type Http2Module = typeof http2
type Debug = ((line: string) => void) | undefined

/** One answer over a stream, body as received (the caller decodes Content-Encoding). */
export interface StreamAnswer {
  readonly status: number
  readonly headers: IncomingHttpHeaders
  readonly body: Buffer
}

/** Opens a verified TLS socket offering ALPN h2 and http/1.1; resolves once the handshake is done. */
export type Dial = () => Promise<TLSSocket>

// Go's http2 transport windows (golang.org/x/net/http2 transport.go: 4 MiB per stream; the connection's is larger):
// with node's 64 KiB default a 200 MB list would wait on a WINDOW_UPDATE every 64 KiB.
const streamWindow = 4 << 20
const connectionWindow = 32 << 20

// RFC 9113 §8.7: a stream the server refused was not processed, so any request may go again.
const REFUSED_STREAM = 0x7
const NO_ERROR = 0x0

/** How a failed request may go again on a new connection (undefined: it may not). */
export type Retry = 'any' | 'idempotent' | undefined

const closedEarly = () =>
  Object.assign(new Error('the connection closed before the answer was complete'), {code: 'ECONNRESET'})

/** The HTTP/2 connection of one API server (and TLS material); `undefined` from session(): the server speaks HTTP/1.1. */
export class Http2Connection {
  #http1 = false
  #session: ClientHttp2Session | undefined
  #opening: Promise<ClientHttp2Session | undefined> | undefined
  /** Streams in flight per session: a session holds the process's exit only while it has some. */
  readonly #active = new WeakMap<ClientHttp2Session, number>()
  #closed = false
  /** Streams each session has finished: a GET that fails on a used session that has since closed may go again. */
  readonly #served = new WeakMap<ClientHttp2Session, number>()

  constructor(
    private readonly origin: string,
    private readonly dial: Dial,
    /** Hands a socket the server chose HTTP/1.1 on to the HTTP/1.1 agent, so its handshake is not wasted. */
    private readonly adopt: (socket: TLSSocket) => void,
    private readonly debug: Debug,
  ) {}

  /** The open session, a new one, or undefined once the server has answered a probe without h2. */
  session(): Promise<ClientHttp2Session | undefined> {
    if (this.#http1 || this.#closed) return Promise.resolve(undefined)
    const open = this.#session
    if (open !== undefined && !open.closed && !open.destroyed) return Promise.resolve(open)
    this.#opening ??= this.#open().finally(() => (this.#opening = undefined))
    return this.#opening
  }

  /**
   * Sends one request on `session`; rejects with a code as node's HTTP/1.1 errors have them, and with `retry` when the
   * connection, not the request, failed: 'any' when the server never processed it (not sent, or a refused stream),
   * 'idempotent' when a used connection went away under it (golang.org/x/net/http2 transport.go canRetryError).
   */
  request(
    session: ClientHttp2Session,
    method: string,
    target: string,
    headers: Readonly<Record<string, string | string[]>>,
    payload: Buffer | undefined,
    timeoutMs: number,
    onTimeout: () => Error,
  ): Promise<StreamAnswer> {
    const outgoing: OutgoingHttpHeaders = {':method': method, ':path': target}
    for (const [name, value] of Object.entries(headers)) outgoing[name.toLowerCase()] = value
    let stream: ClientHttp2Stream
    try {
      stream = session.request(outgoing, {endStream: payload === undefined})
    } catch (error) {
      // The session closed before this request was sent (GOAWAY, destroyed): nothing reached the server.
      return Promise.reject(Object.assign(error as Error, {retry: 'any'}))
    }
    this.#hold(session)
    stream.once('close', () => this.#release(session))
    const reused = (this.#served.get(session) ?? 0) > 0
    const answer = answerOf(stream, () => retryAfter(stream, session, reused), timeoutMs, onTimeout)
    if (payload !== undefined) stream.end(payload)
    return answer.then((complete) => {
      this.#served.set(session, (this.#served.get(session) ?? 0) + 1)
      return complete
    })
  }

  /** Ends the session; a probe still connecting is the agent's to end (its destroy()), and opens no session after. */
  close(): void {
    this.#closed = true
    this.#session?.destroy()
    this.#session = undefined
  }

  async #open(): Promise<ClientHttp2Session | undefined> {
    const socket = await this.dial()
    if (this.#closed) {
      socket.destroy()
      return undefined
    }
    if (socket.alpnProtocol !== 'h2') {
      this.debug?.(`${this.origin}: HTTP/1.1 (ALPN ${socket.alpnProtocol || 'none'})`)
      this.#http1 = true
      this.adopt(socket)
      return undefined
    }
    const session = (await http2Module()).connect(this.origin, {
      createConnection: () => socket,
      settings: {initialWindowSize: streamWindow},
    })
    session.setLocalWindowSize(connectionWindow)
    // Only streams in flight keep the process alive (#hold); an idle session never holds the exit.
    session.unref()
    session.on('error', (error: Error) => this.debug?.(`${this.origin}: HTTP/2 connection: ${error.message}`))
    session.on('close', () => {
      if (this.#session === session) this.#session = undefined
    })
    this.debug?.(`${this.origin}: HTTP/2 (ALPN h2)`)
    this.#session = session
    return session
  }

  #hold(session: ClientHttp2Session): void {
    const active = this.#active.get(session) ?? 0
    this.#active.set(session, active + 1)
    if (active === 0) session.ref()
  }

  #release(session: ClientHttp2Session): void {
    const active = (this.#active.get(session) ?? 1) - 1
    this.#active.set(session, active)
    if (active === 0) session.unref()
  }
}

/** How a request that failed on `stream` may go again (Go: a refused stream any time, a used connection gone for a GET). */
function retryAfter(stream: ClientHttp2Stream, session: ClientHttp2Session, reused: boolean): Retry {
  if (stream.rstCode === REFUSED_STREAM) return 'any'
  return reused && (session.closed || session.destroyed) ? 'idempotent' : undefined
}

/** The whole answer on `stream`, decided when it closes: a stream cut off also ends, but with an error code. */
function answerOf(
  stream: ClientHttp2Stream,
  retry: () => Retry,
  timeoutMs: number,
  onTimeout: () => Error,
): Promise<StreamAnswer> {
  return new Promise((resolve, reject) => {
    let settled = false
    let timer: NodeJS.Timeout | undefined
    const settle = (error: Error | undefined, answer?: StreamAnswer, how: Retry = undefined) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      if (error === undefined) resolve(answer!)
      else reject(Object.assign(error, {retry: how}))
    }
    let status = 0
    let headers: IncomingHttpHeaders = {}
    let ended = false
    const chunks: Buffer[] = []
    stream.on('response', (received) => {
      headers = received
      status = Number(received[':status'] ?? 0)
    })
    stream.on('data', (chunk: Buffer) => chunks.push(chunk))
    stream.on('end', () => (ended = true))
    stream.on('error', (error: Error) => settle(error, undefined, retry()))
    stream.on('close', () => {
      if (ended && stream.rstCode === NO_ERROR && status > 0)
        settle(undefined, {status, headers, body: Buffer.concat(chunks)})
      else settle(closedEarly(), undefined, retry())
    })
    if (timeoutMs > 0) {
      timer = setTimeout(() => {
        settle(onTimeout())
        stream.close()
      }, timeoutMs)
    }
  })
}

let loaded: Http2Module | undefined

/** node:http2 costs ~4 ms to load, so only a server that chose h2 loads it (getBuiltinModule: node ≥ 20.16). */
async function http2Module(): Promise<Http2Module> {
  loaded ??=
    typeof process.getBuiltinModule === 'function'
      ? process.getBuiltinModule('node:http2')
      : await import('node:http2')
  return loaded
}
