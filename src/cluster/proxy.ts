// Proxies as kubectl uses them: a cluster's proxy-url (http, https, socks5) for every request, else HTTPS_PROXY /
// HTTP_PROXY / NO_PROXY with golang.org/x/net/http/httpproxy semantics (upper-case names first, loopback never proxied).
import {BlockList, connect as netConnect, isIP, type Socket} from 'node:net'
import {connect as tlsConnect, type SecureContext, type TLSSocket} from 'node:tls'
import {Agent as HttpAgent, type AgentOptions as HttpAgentOptions} from 'node:http'
import type {AgentOptions as HttpsAgentOptions} from 'node:https'
import type {Duplex} from 'node:stream'
import {VerifyingHttpsAgent, type TrustingOptions} from './verifying-https-agent.js'
import {secureContextWithDefaultRoots} from './node-extra-ca-certs.js'

/** The proxy variables as Go reads them (httpproxy.FromEnvironment). */
export interface ProxyEnvironment {
  readonly httpProxy?: string
  readonly httpsProxy?: string
  readonly noProxy?: string
  /** REQUEST_METHOD set: HTTP_PROXY is refused (golang.org/s/cgihttpproxy). */
  readonly cgi: boolean
}

// httpproxy.go getEnvAny: the first non-empty of the names, upper case first.
export function proxyEnvironment(env: Readonly<Record<string, string | undefined>>): ProxyEnvironment {
  const any = (...names: string[]): string | undefined =>
    names.map((name) => env[name]).find((value) => value !== undefined && value !== '')
  const httpProxy = any('HTTP_PROXY', 'http_proxy')
  const httpsProxy = any('HTTPS_PROXY', 'https_proxy')
  const noProxy = any('NO_PROXY', 'no_proxy')
  return {
    ...(httpProxy === undefined ? {} : {httpProxy}),
    ...(httpsProxy === undefined ? {} : {httpsProxy}),
    ...(noProxy === undefined ? {} : {noProxy}),
    cgi: (env.REQUEST_METHOD ?? '') !== '',
  }
}

// httpproxy.go parseProxy: a value without a scheme is read as http://VALUE.
function parseProxyUrl(value: string): URL | undefined {
  try {
    const url = new URL(value)
    if (url.host !== '' && /^(https?|socks5h?):$/.test(url.protocol)) return url
  } catch {
    // retried with http:// below
  }
  try {
    return new URL(`http://${value}`)
  } catch {
    return undefined
  }
}

/** The proxy for a request to `target` from the environment, or undefined to connect directly (httpproxy proxyForURL). */
export function proxyFromEnvironment(target: URL, environment: ProxyEnvironment): URL | undefined {
  const raw = target.protocol === 'https:' ? environment.httpsProxy : environment.httpProxy
  if (raw === undefined || (target.protocol === 'http:' && environment.cgi)) return undefined
  const proxy = parseProxyUrl(raw)
  if (proxy === undefined) return undefined
  const host = target.hostname.replace(/^\[|\]$/g, '').toLowerCase()
  const port = target.port !== '' ? target.port : target.protocol === 'https:' ? '443' : '80'
  return bypassesProxy(host, port, environment.noProxy ?? '') ? undefined : proxy
}

const loopback = new BlockList()
loopback.addSubnet('127.0.0.0', 8, 'ipv4')
loopback.addAddress('::1', 'ipv6')

const ipFamily = (address: string): 'ipv4' | 'ipv6' | undefined =>
  isIP(address) === 4 ? 'ipv4' : isIP(address) === 6 ? 'ipv6' : undefined

/** httpproxy.go useProxy, negated: localhost and loopback IPs, then NO_PROXY's `*`, CIDRs, IPs and domain suffixes. */
export function bypassesProxy(host: string, port: string, noProxy: string): boolean {
  const family = ipFamily(host)
  if (host === 'localhost' || (family !== undefined && loopback.check(host, family))) return true
  return noProxy
    .split(',')
    .map((entry) => entry.trim().toLowerCase())
    .filter((entry) => entry !== '')
    .some((entry) => entry === '*' || noProxyEntryMatches(entry, host, port, family))
}

function noProxyEntryMatches(
  entry: string,
  host: string,
  port: string,
  family: 'ipv4' | 'ipv6' | undefined,
): boolean {
  const cidr = /^(.+)\/(\d{1,3})$/.exec(entry)
  if (cidr !== null) {
    const cidrFamily = ipFamily(cidr[1]!)
    if (cidrFamily === undefined) return false
    if (family !== cidrFamily) return false
    const list = new BlockList()
    list.addSubnet(cidr[1]!, Number(cidr[2]), cidrFamily)
    return list.check(host, family)
  }
  const {entryHost, entryPort} = splitEntry(entry)
  if (entryHost === '') return false
  const portMatches = entryPort === '' || entryPort === port
  const entryFamily = ipFamily(entryHost)
  if (entryFamily !== undefined) {
    if (family !== entryFamily) return false
    const list = new BlockList()
    list.addAddress(entryHost, entryFamily)
    return list.check(host, family) && portMatches
  }
  // foo.com matches foo.com and its subdomains; .foo.com and *.foo.com only the subdomains.
  const suffix = entryHost.startsWith('*.') ? entryHost.slice(1) : entryHost
  const matchesHost = !suffix.startsWith('.')
  const dotted = matchesHost ? `.${suffix}` : suffix
  return (host.endsWith(dotted) || (matchesHost && host === suffix)) && portMatches
}

// net.SplitHostPort on a NO_PROXY entry: `host:port`, `[v6]:port`; a bare IPv6 address has no port.
function splitEntry(entry: string): {entryHost: string; entryPort: string} {
  const bracketed = /^\[([^\]]*)\](?::(\d*))?$/.exec(entry)
  if (bracketed !== null) return {entryHost: bracketed[1]!, entryPort: bracketed[2] ?? ''}
  const parts = entry.split(':')
  if (parts.length === 2) return {entryHost: parts[0]!, entryPort: parts[1]!}
  return {entryHost: entry, entryPort: ''}
}

/** The proxy shown in messages: scheme, host and port, never its credentials. */
export const shownProxy = (proxy: URL): string => `${proxy.protocol}//${proxy.host}`

/** Opens a byte stream to host:port through `proxy` (HTTP CONNECT over http or https, or SOCKS5). */
export async function openTunnel(proxy: URL, host: string, port: number): Promise<Duplex> {
  try {
    if (proxy.protocol === 'socks5:' || proxy.protocol === 'socks5h:')
      return await socksTunnel(proxy, host, port)
    return await connectTunnel(proxy, host, port)
  } catch (error) {
    const err = error as Error & {code?: string}
    throw Object.assign(new Error(`through the proxy ${shownProxy(proxy)}: ${err.message}`), {
      code: err.code ?? 'EPROXY',
    })
  }
}

async function socksTunnel(proxy: URL, host: string, port: number): Promise<Socket> {
  const {SocksClient} = await import('socks')
  const {socket} = await SocksClient.createConnection({
    proxy: {
      host: proxy.hostname.replace(/^\[|\]$/g, ''),
      port: proxy.port === '' ? 1080 : Number(proxy.port),
      type: 5,
      ...(proxy.username === '' ? {} : {userId: decodeURIComponent(proxy.username)}),
      ...(proxy.password === '' ? {} : {password: decodeURIComponent(proxy.password)}),
    },
    command: 'connect',
    destination: {host, port},
  })
  return socket
}

let proxyTls: SecureContext | undefined
// TLS to an https:// proxy trusts node's default roots (Go: the system roots); one context for every tunnel.
const proxyContext = (): SecureContext => (proxyTls ??= secureContextWithDefaultRoots())

// An HTTP CONNECT request; the tunnel is the socket once the proxy answers 2xx.
function connectTunnel(proxy: URL, host: string, port: number): Promise<Duplex> {
  const proxyHost = proxy.hostname.replace(/^\[|\]$/g, '')
  const proxyPort = proxy.port !== '' ? Number(proxy.port) : proxy.protocol === 'https:' ? 443 : 80
  const socket: Socket =
    proxy.protocol === 'https:'
      ? tlsConnect({
          host: proxyHost,
          port: proxyPort,
          ...(isIP(proxyHost) === 0 ? {servername: proxyHost} : {}),
          secureContext: proxyContext(),
        })
      : netConnect({host: proxyHost, port: proxyPort})
  const authority = isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`
  const auth =
    proxy.username === ''
      ? ''
      : `Proxy-Authorization: Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}\r\n`
  socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n${auth}\r\n`)
  return new Promise((resolve, reject) => {
    let head = Buffer.alloc(0)
    const fail = (error: Error) => {
      socket.destroy()
      reject(error)
    }
    const closed = () =>
      fail(Object.assign(new Error('the proxy closed the connection'), {code: 'ECONNRESET'}))
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk])
      const end = head.indexOf('\r\n\r\n')
      if (end < 0) return
      socket.off('data', onData).off('error', fail).off('end', closed)
      const statusLine = head.subarray(0, head.indexOf('\r\n')).toString('latin1')
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0)
      if (status < 200 || status >= 300)
        return fail(Object.assign(new Error(`CONNECT answered "${statusLine}"`), {code: 'EPROXY'}))
      const rest = head.subarray(end + 4)
      if (rest.length > 0) socket.unshift(rest)
      resolve(socket)
    }
    socket.on('data', onData)
    socket.on('error', fail)
    socket.on('end', closed)
  })
}

type Connected = (error: Error | null, socket?: Duplex) => void

/** An HTTPS agent whose connections run through `proxy`; TLS to the API server happens inside the tunnel. */
export class ProxiedHttpsAgent extends VerifyingHttpsAgent {
  constructor(
    options: HttpsAgentOptions,
    private readonly proxy: URL,
    debug?: (line: string) => void,
  ) {
    super(options, debug)
  }

  // Each TLS attempt gets its own tunnel: a fast-path socket the check refused is closed with its tunnel.
  protected override dial(
    options: TrustingOptions,
    done: (error: Error | null, socket?: TLSSocket) => void,
  ): void {
    openTunnel(this.proxy, options.host, options.port).then(
      (socket) => {
        const {path: _path, ...tlsOptions} = options
        done(null, tlsConnect({...tlsOptions, socket}))
      },
      (error: Error) => done(error),
    )
  }
}

/** The same for an http:// API server: the request runs over the tunnel as is. */
export class ProxiedHttpAgent extends HttpAgent {
  constructor(
    options: HttpAgentOptions,
    private readonly proxy: URL,
  ) {
    super(options)
  }

  override createConnection(options: {host: string; port: number}, done: Connected): undefined {
    openTunnel(this.proxy, options.host, options.port).then(
      (socket) => done(null, socket),
      (error: Error) => done(error),
    )
    return undefined
  }
}
