// The HTTPS agent for an API server whose kubeconfig names a CA: the TLS fast path.
// Why: node's SecureContext::AddCACert first builds its bundled root store (~140 Mozilla roots, PEM-decoded by OpenSSL
// 3) although a context with `ca` never uses it: 28–45 ms on node 20 for the first createSecureContext({ca}), against
// ~1.5 ms with `ca: []`. So the handshake runs on a context without CAs and without node's verification, and
// server-certificate-check.ts accepts the simplest shape itself. The socket reaches the HTTP agent only once accepted,
// so no request byte (no Authorization header) is written before the server is verified; anything else closes the
// socket unused and connects again exactly as before (`ca`, rejectUnauthorized), so OpenSSL decides.
import {Agent as HttpsAgent, type AgentOptions} from 'node:https'
import {createSecureContext, type ConnectionOptions, type SecureContext, type TLSSocket} from 'node:tls'
import type {Duplex} from 'node:stream'
import {authoritiesOf, verifyServer, type Authority, type ServerVerdict} from './server-certificate-check.js'

/** The connection option (agent-wide, or per request for plugin certificates) that carries a ServerTrust. */
export const serverTrustOption = Symbol('kubectl-inject server trust')

/** A kubeconfig CA bundle and client certificate, as the two contexts the agent may connect with. */
export interface ServerTrust {
  readonly authorities: readonly Authority[]
  /** `ca: []` plus the client certificate: no root store, no verification by node. */
  readonly fastContext: SecureContext
  /** Today's context (`ca` plus the client certificate), made on first use. */
  opensslContext(): SecureContext
}

type Debug = ((line: string) => void) | undefined

/** The trust for `ca`, or undefined (with a debug line) when the bundle is not one the fast path can judge. */
export function serverTrustOf(
  ca: Buffer,
  client: {cert?: Buffer; key?: Buffer},
  debug: Debug,
): ServerTrust | undefined {
  const authorities = authoritiesOf(ca)
  if (typeof authorities === 'string') {
    debug?.(`TLS: ${authorities}; OpenSSL verifies the API server`)
    return undefined
  }
  let openssl: SecureContext | undefined
  return {
    authorities,
    fastContext: createSecureContext({ca: [], ...client}),
    opensslContext: () => {
      if (openssl === undefined) {
        debug?.('TLS: building the OpenSSL context from certificate-authority')
        openssl = createSecureContext({ca, ...client})
      }
      return openssl
    },
  }
}

export type TrustingOptions = ConnectionOptions & {
  host: string
  port: number
  path?: string | null
  _agentKey?: string
  [serverTrustOption]?: ServerTrust
}

type Connected = (error: Error | null, socket?: Duplex) => void

/** An https.Agent that verifies a kubeconfig CA's server itself when it can; the socket reaches HTTP only once verified. */
export class VerifyingHttpsAgent extends HttpsAgent {
  #fellBack = false
  /** Fast-path sockets not yet accepted: destroy() ends them too, so a timed-out request leaves nothing open. */
  readonly #pending = new Set<TLSSocket>()
  /** Sockets an HTTP/2 probe connected and the server chose HTTP/1.1 on, by pool name: that pool's next connection. */
  readonly #spares = new Map<string, TLSSocket>()

  constructor(
    options: AgentOptions,
    private readonly debug?: Debug,
  ) {
    super(options)
  }

  override createConnection(options: TrustingOptions, done: Connected): undefined {
    const spare = this.#takeSpare(options)
    if (spare !== undefined) {
      done(null, spare)
      return undefined
    }
    const trust = options[serverTrustOption]
    if (trust === undefined) this.dial(options, done)
    else if (this.#fellBack) this.dial({...options, secureContext: trust.opensslContext()}, done)
    else this.#tryFast(options, trust, done)
    return undefined
  }

  override destroy(): void {
    for (const socket of [...this.#pending, ...this.#spares.values()]) socket.destroy()
    this.#pending.clear()
    this.#spares.clear()
    super.destroy()
  }

  /**
   * Connects as a request of `options` would, verified the same way, and resolves after the handshake: the HTTP/2 probe
   * (options carry ALPNProtocols). No byte goes over the socket before that.
   */
  probe(options: TrustingOptions): Promise<TLSSocket> {
    return new Promise((resolve, reject) => {
      this.createConnection(options, (error, duplex) => {
        if (error !== null || duplex === undefined) return reject(error ?? new Error('no connection'))
        const socket = duplex as TLSSocket
        // The fast path hands sockets over after the handshake; OpenSSL-verified ones come while connecting.
        if (socket.alpnProtocol !== null) return resolve(socket)
        this.#pending.add(socket)
        const settle = (failure?: Error) => {
          this.#pending.delete(socket)
          socket.off('secureConnect', settle).off('error', settle)
          if (failure === undefined) resolve(socket)
          else reject(failure)
        }
        socket.once('secureConnect', settle).once('error', settle)
      })
    })
  }

  /** Keeps a probe's socket for the next connection its pool opens (the server chose HTTP/1.1 on it). */
  adopt(socket: TLSSocket, options: TrustingOptions): void {
    const name = this.getName(options)
    this.#spares.get(name)?.destroy()
    this.#spares.set(name, socket)
    // Unused, it may still fail (a server that requires a client certificate alerts after the handshake): then it goes.
    socket.once('error', () => {
      if (this.#spares.get(name) === socket) this.#spares.delete(name)
      socket.destroy()
    })
  }

  #takeSpare(options: TrustingOptions): TLSSocket | undefined {
    const name = this.getName(options)
    const spare = this.#spares.get(name)
    this.#spares.delete(name)
    return spare?.destroyed === false ? spare : undefined
  }

  /** Opens the TLS socket as node's https.Agent does and hands it over at once; the proxy agent tunnels first. */
  protected dial(options: TrustingOptions, done: (error: Error | null, socket?: TLSSocket) => void): void {
    done(null, super.createConnection(options) as TLSSocket)
  }

  #tryFast(options: TrustingOptions, trust: ServerTrust, done: Connected): void {
    const fast = {...options, secureContext: trust.fastContext, rejectUnauthorized: false}
    this.dial(fast, (error, socket) => {
      if (error !== null || socket === undefined) return done(error)
      // Only sessions OpenSSL verified are offered again: a fast one carries node's "unverified" result with it.
      socket.removeAllListeners('session')
      this.#pending.add(socket)
      const decide = (verdict: ServerVerdict) => {
        socket.off('error', failed)
        this.#pending.delete(socket)
        if (verdict.accepted) return done(null, socket)
        socket.on('error', () => undefined).destroy()
        this.#fallBack(options, trust, verdict.reason, done)
      }
      const failed = (cause: Error) => {
        socket.off('secureConnect', connected)
        decide({accepted: false, reason: `handshake: ${cause.message}`})
      }
      const connected = () => decide(this.#verdict(socket, options, trust))
      socket.once('secureConnect', connected)
      socket.once('error', failed)
    })
  }

  #verdict(socket: TLSSocket, options: TrustingOptions, trust: ServerTrust): ServerVerdict {
    // Not getPeerX509Certificate: on node 20 it removes the leaf from the socket's peer chain (X509Certificate::GetPeerCert).
    const peer = socket.getPeerCertificate(true)
    if (peer.raw === undefined) return {accepted: false, reason: 'the server sent no certificate'}
    // node _tls_wrap.js onConnectSecure checks the identity against servername || host (servername is '' for an IP).
    const hostname = options.servername || options.host || 'localhost'
    return verifyServer(peer, hostname, trust.authorities, Date.now())
  }

  // The fast path could not accept: from now on this agent connects as before, and OpenSSL decides.
  #fallBack(options: TrustingOptions, trust: ServerTrust, reason: string, done: Connected): void {
    if (!this.#fellBack) this.debug?.(`TLS: ${reason}; OpenSSL verifies the API server from now on`)
    this.#fellBack = true
    this.dial({...options, secureContext: trust.opensslContext()}, done)
  }
}
