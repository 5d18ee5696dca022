// An HTTPS reverse proxy in front of the real API server (same CA, same serving cert) that can hold a request
// while a test changes the world (e.g. compacts etcd between two list pages), and records what passed through.
import {readFileSync, writeFileSync} from 'node:fs'
import {createServer, request} from 'node:https'
import type {IncomingMessage} from 'node:http'
import type {Server} from 'node:https'
import type {AddressInfo} from 'node:net'
import type {TLSSocket} from 'node:tls'
import {join} from 'node:path'
import {parse, stringify} from 'yaml'
import type {RealCluster} from './cluster.js'

export interface Passed {
  method: string
  url: string
  status: number
  // What the connection negotiated by ALPN: the proxy speaks only HTTP/1.1, so 'http/1.1', or false when the client
  // offered nothing.
  alpn: string | false
}

export interface InterceptingProxy {
  server: string
  kubeconfigPath: string
  passed: Passed[]
  /** The ALPN protocols each client offered, one list per connection that offered any. */
  offers: string[][]
  close(): Promise<void>
}

export async function startInterceptingProxy(
  cluster: RealCluster,
  before: (req: IncomingMessage) => Promise<void>,
): Promise<InterceptingProxy> {
  const pki = join(cluster.stateDir, 'pki')
  const upstream = new URL(cluster.server)
  const passed: Passed[] = []
  const offers: string[][] = []
  const proxy: Server = createServer(
    {
      cert: readFileSync(join(pki, 'apiserver.crt')),
      key: readFileSync(join(pki, 'apiserver.key')),
      // HTTP/1.1 only, as a proxy that cannot speak h2 must answer; the offers are recorded.
      ALPNCallback: ({protocols}) => {
        offers.push(protocols)
        return protocols.includes('http/1.1') ? 'http/1.1' : undefined
      },
    },
    (req, res) => {
      const body: Buffer[] = []
      req.on('data', (c: Buffer) => body.push(c))
      req.on('end', () => {
        before(req).then(
          () => {
            const out = request(
              {
                hostname: upstream.hostname,
                port: upstream.port,
                method: req.method,
                path: req.url,
                headers: req.headers,
                ca: cluster.caPem,
              },
              (up) => {
                const alpn = (req.socket as TLSSocket).alpnProtocol ?? false
                passed.push({method: req.method ?? '', url: req.url ?? '', status: up.statusCode ?? 0, alpn})
                res.writeHead(up.statusCode ?? 502, up.headers)
                up.pipe(res)
              },
            )
            out.on('error', (e) => res.destroy(e))
            out.end(Buffer.concat(body))
          },
          (e: unknown) => res.destroy(e as Error),
        )
      })
    },
  )
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r))
  const server = `https://127.0.0.1:${(proxy.address() as AddressInfo).port}`
  const config = parse(readFileSync(cluster.kubeconfigPath, 'utf8')) as {
    clusters: {cluster: {server: string}}[]
  }
  for (const c of config.clusters) c.cluster.server = server
  const kubeconfigPath = join(cluster.stateDir, 'kubeconfig-via-proxy')
  writeFileSync(kubeconfigPath, stringify(config), {mode: 0o600})
  return {
    server,
    kubeconfigPath,
    passed,
    offers,
    close: () =>
      new Promise<void>((r) => {
        proxy.closeAllConnections()
        proxy.close(() => r())
      }),
  }
}
