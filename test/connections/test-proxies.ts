// Small proxies for the tests: an HTTP(S) CONNECT proxy and a SOCKS5 proxy, each logging the destinations it tunnelled to.
// `resolve` maps a requested host to the address actually dialled (a made-up name such as api.kubectl-inject.test).
import {createServer as createHttpServer, type IncomingMessage} from 'node:http'
import {createServer as createHttpsServer} from 'node:https'
import {connect, createServer as createNetServer, type AddressInfo, type Server, type Socket} from 'node:net'
import {loadTlsMaterial} from '../apiserver-double/index.js'

export interface TestProxy {
  readonly url: string
  /** `host:port` of every tunnel opened, in order. */
  readonly tunnels: string[]
  /** Proxy-Authorization headers (decoded `user:password`) or SOCKS usernames seen. */
  readonly credentials: string[]
  close(): Promise<void>
}

export interface ProxyOptions {
  readonly resolve?: (host: string) => string
  /** `user:password` the proxy demands (407 / SOCKS auth failure otherwise). */
  readonly requireCredentials?: string
}

const listen = async (server: Server): Promise<number> => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as AddressInfo).port
}

const closeServer = (server: Server, sockets: Set<Socket>): Promise<void> => {
  for (const socket of sockets) socket.destroy()
  return new Promise((resolve) => server.close(() => resolve()))
}

/** An HTTP CONNECT proxy (TLS to the proxy itself when `tls`, with the test server certificate). */
export async function startConnectProxy(options: ProxyOptions & {tls?: boolean} = {}): Promise<TestProxy> {
  const tunnels: string[] = []
  const credentials: string[] = []
  const sockets = new Set<Socket>()
  const onConnect = (req: IncomingMessage, client: Socket, head: Buffer) => {
    sockets.add(client)
    const auth = req.headers['proxy-authorization']
    const given = auth?.startsWith('Basic ')
      ? Buffer.from(auth.slice(6), 'base64').toString('utf8')
      : undefined
    if (given !== undefined) credentials.push(given)
    if (options.requireCredentials !== undefined && given !== options.requireCredentials) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\n\r\n')
      return
    }
    const target = req.url ?? ''
    tunnels.push(target)
    const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(target)
    const upstream = connect(Number(match?.[2]), (options.resolve ?? ((h: string) => h))(match?.[1] ?? ''))
    sockets.add(upstream)
    upstream.on('connect', () => {
      client.write('HTTP/1.1 200 Connection established\r\n\r\n')
      if (head.length > 0) upstream.write(head)
      upstream.pipe(client)
      client.pipe(upstream)
    })
    upstream.on('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'))
    client.on('error', () => upstream.destroy())
  }
  const tls = loadTlsMaterial()
  const server = options.tls
    ? createHttpsServer({cert: tls.serverCertPem, key: tls.serverKeyPem})
    : createHttpServer()
  server.on('connect', onConnect)
  const port = await listen(server)
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    tunnels,
    credentials,
    close: () => closeServer(server, sockets),
  }
}

/** A SOCKS5 proxy (RFC 1928; username/password per RFC 1929 when required). */
export async function startSocksProxy(options: ProxyOptions = {}): Promise<TestProxy> {
  const tunnels: string[] = []
  const credentials: string[] = []
  const sockets = new Set<Socket>()
  const server = createNetServer((client) => {
    sockets.add(client)
    client.on('error', () => undefined)
    void socksSession(client, options, tunnels, credentials, sockets)
  })
  const port = await listen(server)
  return {url: `socks5://127.0.0.1:${port}`, tunnels, credentials, close: () => closeServer(server, sockets)}
}

/** Reads exactly `n` bytes from the socket (the session is strictly request/answer). */
function reader(socket: Socket): (n: number) => Promise<Buffer> {
  let buffered = Buffer.alloc(0)
  let waiting: (() => void) | undefined
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk])
    waiting?.()
  })
  return async (n) => {
    while (buffered.length < n) await new Promise<void>((resolve) => (waiting = resolve))
    const out = buffered.subarray(0, n)
    buffered = buffered.subarray(n)
    return out
  }
}

async function socksSession(
  client: Socket,
  options: ProxyOptions,
  tunnels: string[],
  credentials: string[],
  sockets: Set<Socket>,
): Promise<void> {
  const read = reader(client)
  const [, methodCount] = await read(2)
  const methods = [...(await read(methodCount!))]
  const wantAuth = options.requireCredentials !== undefined
  if (wantAuth && !methods.includes(2)) return void client.end(Buffer.from([5, 0xff]))
  client.write(Buffer.from([5, wantAuth ? 2 : 0]))
  if (wantAuth) {
    const [, userLength] = await read(2)
    const user = (await read(userLength!)).toString()
    const [passLength] = await read(1)
    const password = (await read(passLength!)).toString()
    credentials.push(`${user}:${password}`)
    const ok = `${user}:${password}` === options.requireCredentials
    client.write(Buffer.from([1, ok ? 0 : 1]))
    if (!ok) return void client.end()
  }
  const [, command, , addressType] = await read(4)
  let host: string
  if (addressType === 1) host = [...(await read(4))].join('.')
  else if (addressType === 3) host = (await read((await read(1))[0]!)).toString()
  else host = ((await read(16)).toString('hex').match(/.{4}/g) ?? []).join(':')
  const port = (await read(2)).readUInt16BE(0)
  if (command !== 1) return void client.end(Buffer.from([5, 7, 0, 1, 0, 0, 0, 0, 0, 0]))
  tunnels.push(`${host}:${port}`)
  const upstream = connect(port, (options.resolve ?? ((h: string) => h))(host))
  sockets.add(upstream)
  upstream.on('connect', () => {
    client.write(Buffer.from([5, 0, 0, 1, 0, 0, 0, 0, 0, 0]))
    // Bytes that arrived after the request are still in the reader's buffer only if the client pipelined; it does not.
    client.removeAllListeners('data')
    upstream.pipe(client)
    client.pipe(upstream)
  })
  upstream.on('error', () => client.end(Buffer.from([5, 5, 0, 1, 0, 0, 0, 0, 0, 0])))
}
