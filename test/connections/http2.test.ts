// HTTP/2 as kubectl speaks it: one TLS connection for every request when the server offers h2 (kube-apiserver does),
// HTTP/1.1 on the probe's own socket when it does not, DISABLE_HTTP2 as in client-go, and Go's retry rules.
import {after, before, describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {promisify} from 'node:util'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {createSecureServer, constants, type Http2SecureServer, type ServerHttp2Stream} from 'node:http2'
import type {AddressInfo} from 'node:net'
import type {TLSSocket} from 'node:tls'
import {startApiServer, loadTlsMaterial, type ApiServerDouble} from '../apiserver-double/index.js'
import type {DynamicAuth, ResolvedCluster} from '../../src/cluster/kubeconfig.js'
import {createTransport} from '../../src/cluster/transport.js'
import {RequestTimeoutError} from '../../src/cluster/kube-errors.js'
import {scratchDir} from './connection-fixtures.js'

const run = promisify(execFile)
const bin = join(import.meta.dirname, '..', '..', 'bin', 'kubectl-inject_check')

const pod = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {name, namespace: 'shop', uid: `uid-${name}`, labels: {app: 'web'}},
  spec: {containers: [{name: 'app', image: 'nginx'}]},
})
const objects = [
  {apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'shop', labels: {'istio-injection': 'enabled'}}},
  pod('web-1'),
]

const clusterFor = (server: string): ResolvedCluster => ({
  contextName: 'h2',
  clusterName: 'h2',
  userName: 'u',
  server,
  insecureSkipTlsVerify: false,
  ca: Buffer.from(loadTlsMaterial().caPem),
  token: 'test-token',
  authKind: 'token',
})

/** `paths` GETs at once through one transport; the debug lines and answers. */
async function getAll(server: string, paths: readonly string[], env: Record<string, string> = {}) {
  const debug: string[] = []
  const transport = createTransport(clusterFor(server), {
    timeoutMs: 5000,
    debug: (line) => debug.push(line),
    env,
  })
  try {
    const answers = await Promise.all(paths.map((path) => transport.getJson(path)))
    return {answers, debug}
  } finally {
    transport.close()
  }
}

const podPaths = [
  '/api/v1/namespaces/shop/pods/web-1',
  '/api/v1/namespaces/shop',
  '/api/v1/namespaces/shop/pods',
]

describe('HTTP/2 against the API-server double', () => {
  let h2: ApiServerDouble
  let h1: ApiServerDouble
  before(async () => {
    h2 = await startApiServer({objects, token: 'test-token'})
    h1 = await startApiServer({objects, token: 'test-token', http2: false})
  })
  after(async () => {
    await h2.close()
    await h1.close()
  })

  it('a server that offers h2 gets every request over one TLS connection', async () => {
    const before = h2.connections()
    const seen = h2.requests.length
    const {answers, debug} = await getAll(h2.url, [...podPaths, ...podPaths, ...podPaths])
    assert.equal(answers.length, 9)
    assert.equal(h2.connections() - before, 1)
    assert.deepEqual(new Set(h2.requests.slice(seen).map((r) => r.httpVersion)), new Set(['2.0']))
    assert.ok(
      debug.some((line) => /: HTTP\/2 \(ALPN h2\)$/.test(line)),
      debug.join('\n'),
    )
  })

  it('a server without h2 gets HTTP/1.1, on the probe connection for the first request', async () => {
    const before = h1.connections()
    const seen = h1.requests.length
    const {debug} = await getAll(h1.url, [podPaths[0]!])
    assert.equal(h1.connections() - before, 1, 'the probe socket carried the request')
    assert.equal(h1.requests[seen]?.httpVersion, '1.1')
    assert.ok(
      debug.some((line) => /: HTTP\/1\.1 \(ALPN http\/1\.1\)$/.test(line)),
      debug.join('\n'),
    )
    // Many at once: the agent's bound of 8 connections, the probe's among them.
    const many = h1.connections()
    await getAll(
      h1.url,
      Array.from({length: 12}, () => podPaths[0]!),
    )
    assert.ok(h1.connections() - many <= 8, `${h1.connections() - many} connections`)
  })

  // Every answer waits 400 ms: the requests in flight before the first answer are those the client sent at once.
  const sentAtOnce = async (server: ApiServerDouble): Promise<number> => {
    const seen = server.requests.length
    server.setFaults([{path: /^\/api\/v1\/namespaces\/shop/, delayMs: 400, times: 12}])
    const running = getAll(
      server.url,
      Array.from({length: 12}, (_, i) => podPaths[i % podPaths.length]!),
    )
    let inFlight = 0
    while (inFlight < 12) {
      const mine = server.requests.slice(seen)
      if (mine.some((r) => r.status !== 0)) break
      inFlight = mine.length
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    await running
    server.setFaults([])
    return inFlight
  }

  it('over HTTP/2, twelve reads are all in flight at once; over HTTP/1.1 at most 8 (one per connection)', async () => {
    assert.equal(await sentAtOnce(h2), 12)
    assert.ok((await sentAtOnce(h1)) <= 8)
  })

  it('a plugin credential: the connection opens while it is awaited, unless the plugin may prompt', async () => {
    for (const mayPrompt of [false, true]) {
      const before = h2.connections()
      let answer: (auth: DynamicAuth) => void = () => undefined
      const credential = new Promise<DynamicAuth>((resolve) => (answer = resolve))
      const transport = createTransport(
        {
          ...clusterFor(h2.url),
          token: undefined,
          authKind: 'exec',
          authenticate: () => credential,
          mayPrompt,
        },
        {timeoutMs: 5000},
      )
      try {
        const read = transport.getJson(podPaths[0]!)
        await new Promise((resolve) => setTimeout(resolve, 300))
        const early = h2.connections() - before
        answer({headers: {Authorization: 'Bearer test-token'}})
        await read
        assert.equal(
          early,
          mayPrompt ? 0 : 1,
          `mayPrompt ${mayPrompt}: ${early} connections before the credential`,
        )
        assert.equal(h2.connections() - before, 1)
      } finally {
        transport.close()
      }
    }
  })

  it('DISABLE_HTTP2 (any value, as client-go reads it) keeps to HTTP/1.1', async () => {
    const seen = h2.requests.length
    await getAll(h2.url, podPaths, {DISABLE_HTTP2: '1'})
    assert.deepEqual(new Set(h2.requests.slice(seen).map((r) => r.httpVersion)), new Set(['1.1']))
  })

  it('the built plugin gives the same answer over HTTP/2 as over HTTP/1.1, with one connection', async () => {
    const dir = scratchDir('h2-plugin')
    const kubeconfig = h2.writeKubeconfig({dir})
    const check = async (env: Record<string, string>) => {
      const before = h2.connections()
      const {stdout} = await run(bin, ['pod/web-1', '-n', 'shop', '-o', 'json', '--kubeconfig', kubeconfig], {
        env: {...process.env, NO_COLOR: '1', ...env},
      })
      return {stdout, connections: h2.connections() - before}
    }
    const overH2 = await check({})
    const overH1 = await check({DISABLE_HTTP2: 'true'})
    assert.equal(overH2.connections, 1)
    assert.ok(overH1.connections > 1, `${overH1.connections} connections over HTTP/1.1`)
    assert.equal(overH2.stdout, overH1.stdout)
    assert.match(overH2.stdout, /"name": "web-1"/)
  })
})

/** An h2 server whose streams `answer` decides: the count of streams so far (from 1) and the stream. */
async function scriptedServer(answer: (count: number, stream: ServerHttp2Stream) => void) {
  const {serverCertPem, serverKeyPem} = loadTlsMaterial()
  let count = 0
  let connections = 0
  const server: Http2SecureServer = createSecureServer({cert: serverCertPem, key: serverKeyPem})
  server.on('secureConnection', (_: TLSSocket) => connections++)
  server.on('stream', (stream) => {
    // A stream the script resets reports it on the server side too.
    stream.on('error', () => undefined)
    answer(++count, stream)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    streams: () => count,
    connections: () => connections,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

const ok = (stream: ServerHttp2Stream, body: object = {kind: 'Status', status: 'Success'}) => {
  stream.respond({':status': 200, 'content-type': 'application/json'})
  stream.end(JSON.stringify(body))
}

describe('HTTP/2 failures, as Go http2 transport handles them', () => {
  it('a refused stream (never processed) goes again, once', async () => {
    const server = await scriptedServer((count, stream) => {
      if (count === 1) stream.close(constants.NGHTTP2_REFUSED_STREAM)
      else ok(stream, {kind: 'Pod', attempt: count})
    })
    try {
      const {answers} = await getAll(server.url, ['/api/v1/namespaces/shop/pods/web-1'])
      assert.equal(answers[0]?.attempt, 2)
    } finally {
      await server.close()
    }
  })

  it('a GET on a used connection that the server then closed goes again on a new one', async () => {
    const server = await scriptedServer((count, stream) => {
      if (count === 2) stream.session?.destroy()
      else ok(stream, {kind: 'Pod', attempt: count})
    })
    const transport = createTransport(clusterFor(server.url), {timeoutMs: 5000})
    try {
      assert.equal((await transport.getJson('/api/v1/namespaces/shop/pods/a')).attempt, 1)
      assert.equal((await transport.getJson('/api/v1/namespaces/shop/pods/b')).attempt, 3)
      assert.equal(server.connections(), 2)
    } finally {
      transport.close()
      await server.close()
    }
  })

  it('a reset stream is an error with its reason, not retried; a dry-run POST is never sent twice', async () => {
    const server = await scriptedServer((count, stream) => {
      if (count === 1) ok(stream)
      else stream.session?.destroy()
    })
    const transport = createTransport(clusterFor(server.url), {timeoutMs: 5000})
    try {
      await transport.getJson('/api/v1/namespaces/shop/pods/a')
      await assert.rejects(
        transport.postJson('/api/v1/namespaces/shop/pods', {dryRun: 'All'}, pod('web-2')),
        /closed before the answer was complete|connection/,
      )
      assert.equal(server.streams(), 2, 'the POST went once')
    } finally {
      transport.close()
      await server.close()
    }
  })

  it('a server that never answers a stream times out as --request-timeout says', async () => {
    const server = await scriptedServer(() => undefined)
    const transport = createTransport(clusterFor(server.url), {timeoutMs: 300})
    const started = performance.now()
    try {
      await assert.rejects(transport.getJson('/api/v1/namespaces/shop/pods/a'), (error: unknown) => {
        assert.ok(error instanceof RequestTimeoutError, String(error))
        return true
      })
      assert.ok(performance.now() - started < 2000)
    } finally {
      transport.close()
      await server.close()
    }
  })

  it('a stream in flight keeps the process alive; an idle session does not hold its exit', async () => {
    const server = await scriptedServer((_, stream) => {
      setTimeout(() => ok(stream, {kind: 'Pod', late: true}), 300)
    })
    // No request timeout (its timer would hold the loop): only the stream keeps the child alive; it never closes.
    const script = [
      `import {createTransport} from ${JSON.stringify(join(import.meta.dirname, '..', '..', 'src', 'cluster', 'transport.ts'))}`,
      `const cluster = ${JSON.stringify({...clusterFor(server.url), ca: loadTlsMaterial().caPem})}`,
      `const body = await createTransport({...cluster, ca: Buffer.from(cluster.ca)}, {timeoutMs: 0}).getJson('/api/v1/namespaces/shop/pods/a')`,
      `console.log(JSON.stringify(body))`,
    ].join('\n')
    const dir = scratchDir('h2-exit')
    const file = join(dir, 'request.mts')
    writeFileSync(file, script)
    const started = performance.now()
    try {
      const {stdout} = await run(process.execPath, ['--import', 'tsx', file], {timeout: 10_000})
      assert.deepEqual(JSON.parse(stdout), {kind: 'Pod', late: true})
      assert.ok(performance.now() - started < 8000, 'the idle session let the process exit')
    } finally {
      await server.close()
    }
  })
})
