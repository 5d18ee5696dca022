// The TLS fast path (src/cluster/verifying-https-agent.ts): it may only accept what OpenSSL accepts; everything else falls
// back to today's connection, so each scenario's answer is compared with the transport that never takes the fast path.
import {after, before, describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {createServer as createHttpsServer} from 'node:https'
import {createServer as createTlsServer, type TLSSocket} from 'node:tls'
import type {AddressInfo, Server} from 'node:net'
import {X509Certificate} from 'node:crypto'
import {readCertificateFacts} from '../../src/cluster/certificate-der.js'
import type {DynamicAuth, ResolvedCluster} from '../../src/cluster/kubeconfig.js'
import {createTransport} from '../../src/cluster/transport.js'
import {caExtensions, certificateFactory, serverExtensions, type Issued} from './tls-test-certificates.js'
import {startConnectProxy, type TestProxy} from './test-proxies.js'

const issue = certificateFactory()
const both = 'DNS:localhost,IP:127.0.0.1'
/** The usual server extensions for `both`, with the one starting `name=` replaced by `replacement`. */
const serverExtensionsWith = (name: string, replacement: string): string[] =>
  serverExtensions(both).map((line) => (line.startsWith(name) ? replacement : line))
const rootA = issue('root-a', {cn: 'root A', extensions: caExtensions})
const rootB = issue('root-b', {cn: 'root B', extensions: caExtensions})
const leafA = issue('leaf-a', {cn: 'api', issuer: 'root-a', extensions: serverExtensions(both)})
const pinned = issue('pinned', {
  cn: 'pinned',
  extensions: [
    'basicConstraints=critical,CA:TRUE',
    'keyUsage=critical,digitalSignature,keyCertSign',
    `subjectAltName=${both}`,
  ],
})
const ipOnly = issue('ip-only', {cn: 'api', issuer: 'root-a', extensions: serverExtensions('IP:127.0.0.1')})
const intermediate = issue('intermediate', {cn: 'intermediate', issuer: 'root-a', extensions: caExtensions})
const viaIntermediate = issue('via-intermediate', {
  cn: 'api',
  issuer: 'intermediate',
  extensions: serverExtensions(both),
})
const expired = issue('expired', {
  cn: 'api',
  issuer: 'root-a',
  extensions: serverExtensions(both),
  fromDays: -60,
  toDays: -30,
})
const notYetValid = issue('not-yet-valid', {
  cn: 'api',
  issuer: 'root-a',
  extensions: serverExtensions(both),
  fromDays: 30,
  toDays: 60,
})
const otherName = issue('other-name', {
  cn: 'api',
  issuer: 'root-a',
  extensions: serverExtensions('DNS:other.example'),
})
const clientAuthOnly = issue('client-auth-only', {
  cn: 'api',
  issuer: 'root-a',
  extensions: serverExtensionsWith('extendedKeyUsage', 'extendedKeyUsage=clientAuth'),
})
const constrainedRoot = issue('constrained-root', {
  cn: 'constrained root',
  extensions: [...caExtensions, 'nameConstraints=critical,permitted;DNS:allowed.example'],
})
const outsideConstraints = issue('outside-constraints', {
  cn: 'api',
  issuer: 'constrained-root',
  extensions: serverExtensions(both),
})
const unknownCritical = issue('unknown-critical', {
  cn: 'api',
  issuer: 'root-a',
  extensions: serverExtensions(both, ['1.2.3.4=critical,ASN1:UTF8String:unknown']),
})
// Two CAs with one name and a leaf without key identifiers: which one OpenSSL picks is for OpenSSL to say.
const sameNameOne = issue('same-name-1', {cn: 'same root', extensions: caExtensions})
const sameNameTwo = issue('same-name-2', {cn: 'same root', extensions: caExtensions})
const ambiguousLeaf = issue('ambiguous-leaf', {
  cn: 'api',
  issuer: 'same-name-2',
  extensions: serverExtensionsWith('authorityKeyIdentifier', 'authorityKeyIdentifier=none'),
})
const certSignOnly = issue('cert-sign-only', {
  cn: 'api',
  issuer: 'root-a',
  extensions: serverExtensionsWith('keyUsage', 'keyUsage=critical,keyCertSign'),
})
const expiredRoot = issue('expired-root', {
  cn: 'expired root',
  extensions: caExtensions,
  fromDays: -60,
  toDays: -30,
})
const underExpiredRoot = issue('under-expired-root', {
  cn: 'api',
  issuer: 'expired-root',
  extensions: serverExtensions(both),
})
const client = issue('client', {
  cn: 'jane',
  issuer: 'root-a',
  extensions: [
    'basicConstraints=CA:FALSE',
    'keyUsage=critical,digitalSignature',
    'extendedKeyUsage=clientAuth',
  ],
})

interface Listening {
  readonly port: number
  /** TCP connections accepted. */
  readonly connections: () => number
  close(): Promise<void>
}

const listen = async (server: Server): Promise<Listening> => {
  let connections = 0
  server.on('connection', () => connections++)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => connections,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

/** An API server stand-in: answers any request with who the client certificate says the caller is. */
async function startServer(served: Issued, chain: string, clientCa?: string): Promise<Listening> {
  const server = createHttpsServer(
    {
      cert: chain,
      key: served.key,
      ...(clientCa === undefined ? {} : {requestCert: true, rejectUnauthorized: true, ca: clientCa}),
    },
    (req, res) => {
      const peer = (req.socket as TLSSocket).getPeerCertificate()
      res.setHeader('Connection', 'close')
      res.end(JSON.stringify({kind: 'APIVersions', user: peer.subject?.CN ?? 'anonymous'}))
    },
  )
  return listen(server)
}

const clusterFor = (port: number, ca: string, extra: Partial<ResolvedCluster> = {}): ResolvedCluster => ({
  contextName: 'tls',
  clusterName: 'tls',
  userName: 'u',
  server: `https://${extra.tlsServerName === undefined ? '127.0.0.1' : '127.0.0.1'}:${port}`,
  insecureSkipTlsVerify: false,
  ca: Buffer.from(ca),
  token: 'secret-bearer-token',
  authKind: 'token',
  ...extra,
})

interface Outcome {
  readonly answer: string
  readonly debug: readonly string[]
}

/** `requests` GETs in a row through one transport: each answer (or error message) and the --v lines. */
async function outcome(cluster: ResolvedCluster, tlsFastPath: boolean, requests = 1): Promise<Outcome> {
  const debug: string[] = []
  const transport = createTransport(cluster, {
    timeoutMs: 5000,
    debug: (line) => debug.push(line),
    tlsFastPath,
  })
  const answers: string[] = []
  try {
    for (let i = 0; i < requests; i++) {
      const body = await transport.getJson('/api')
      answers.push(`ok as ${String(body.user)}`)
    }
  } catch (error) {
    answers.push(`error: ${(error as Error).message}`)
  } finally {
    transport.close()
  }
  return {answer: answers.join('; '), debug}
}

const openSslBuilt = (debug: readonly string[]) =>
  debug.some((line) => /building the OpenSSL context/.test(line))
const fellBack = (debug: readonly string[]) =>
  debug.some((line) => /OpenSSL verifies the API server from now on/.test(line))

type Expectation =
  'fast path accepts' | 'falls back, OpenSSL accepts' | 'falls back, OpenSSL rejects' | 'same as OpenSSL'

interface Scenario {
  readonly name: string
  readonly served: Issued
  /** What the server sends: the leaf, or leaf + intermediates. */
  readonly chain?: string
  /** The kubeconfig's certificate-authority-data. */
  readonly ca: string
  readonly host?: string
  readonly tlsServerName?: string
  readonly clientCa?: string
  readonly clientCertificate?: Issued
  readonly expect: Expectation
}

const scenarios: Scenario[] = [
  {
    name: 'a leaf signed by the self-signed kubeconfig CA, by name',
    served: leafA,
    ca: rootA.cert,
    host: 'localhost',
    expect: 'fast path accepts',
  },
  {name: 'a leaf with only an IP SAN, by IP', served: ipOnly, ca: rootA.cert, expect: 'fast path accepts'},
  {
    name: 'the server certificate is the kubeconfig CA (self-signed)',
    served: pinned,
    ca: pinned.cert,
    expect: 'fast path accepts',
  },
  {
    name: 'tls-server-name names the host the certificate is for',
    served: otherName,
    ca: rootA.cert,
    tlsServerName: 'other.example',
    expect: 'fast path accepts',
  },
  {
    name: 'a CA bundle with the right CA second',
    served: leafA,
    ca: rootB.cert + rootA.cert,
    expect: 'fast path accepts',
  },
  {
    name: 'a CA bundle that lists the right CA twice',
    served: leafA,
    ca: rootA.cert + rootA.cert,
    expect: 'fast path accepts',
  },
  {
    name: 'a client certificate the server requires',
    served: leafA,
    ca: rootA.cert,
    clientCa: rootA.cert,
    clientCertificate: client,
    expect: 'fast path accepts',
  },
  {
    name: 'an intermediate chain (root in the kubeconfig, leaf + intermediate sent)',
    served: viaIntermediate,
    chain: viaIntermediate.cert + intermediate.cert,
    ca: rootA.cert,
    expect: 'falls back, OpenSSL accepts',
  },
  {
    name: 'a certificate from another CA',
    served: leafA,
    ca: rootB.cert,
    expect: 'falls back, OpenSSL rejects',
  },
  {name: 'an expired leaf', served: expired, ca: rootA.cert, expect: 'falls back, OpenSSL rejects'},
  {name: 'a leaf not yet valid', served: notYetValid, ca: rootA.cert, expect: 'falls back, OpenSSL rejects'},
  {
    name: 'a leaf for another host name',
    served: otherName,
    ca: rootA.cert,
    expect: 'falls back, OpenSSL rejects',
  },
  {
    name: 'a leaf whose ExtKeyUsage is clientAuth only',
    served: clientAuthOnly,
    ca: rootA.cert,
    expect: 'falls back, OpenSSL rejects',
  },
  {
    name: 'a leaf signed by a kubeconfig CA that is not self-signed',
    served: viaIntermediate,
    ca: intermediate.cert,
    expect: 'falls back, OpenSSL rejects',
  },
  {
    name: 'a name-constrained CA and a leaf outside its names',
    served: outsideConstraints,
    ca: constrainedRoot.cert,
    host: 'localhost',
    expect: 'falls back, OpenSSL rejects',
  },
  {
    name: 'a leaf whose keyUsage allows no TLS use',
    served: certSignOnly,
    ca: rootA.cert,
    expect: 'falls back, OpenSSL rejects',
  },
  {
    name: 'an expired kubeconfig CA',
    served: underExpiredRoot,
    ca: expiredRoot.cert,
    expect: 'falls back, OpenSSL rejects',
  },
  {
    name: 'a leaf with an unknown critical extension',
    served: unknownCritical,
    ca: rootA.cert,
    expect: 'falls back, OpenSSL rejects',
  },
  {
    name: 'two kubeconfig CAs of one name and a leaf without key identifiers',
    served: ambiguousLeaf,
    ca: sameNameOne.cert + sameNameTwo.cert,
    expect: 'same as OpenSSL',
  },
  {
    name: 'a client certificate the server requires, but the wrong CA',
    served: leafA,
    ca: rootB.cert,
    clientCa: rootA.cert,
    clientCertificate: client,
    expect: 'falls back, OpenSSL rejects',
  },
]

function clusterOf(scenario: Scenario, port: number): ResolvedCluster {
  return clusterFor(port, scenario.ca, {
    server: `https://${scenario.host ?? '127.0.0.1'}:${port}`,
    ...(scenario.tlsServerName === undefined ? {} : {tlsServerName: scenario.tlsServerName}),
    ...(scenario.clientCertificate === undefined
      ? {}
      : {
          cert: Buffer.from(scenario.clientCertificate.cert),
          key: Buffer.from(scenario.clientCertificate.key),
        }),
  })
}

function assertExpectation(scenario: Scenario, fast: Outcome, openssl: Outcome): void {
  const shown = `${scenario.name}: ${fast.answer} | ${fast.debug.join(' | ')}`
  assert.equal(fast.answer, openssl.answer, `${scenario.name}: the answer is OpenSSL's`)
  if (scenario.expect === 'fast path accepts') {
    assert.match(fast.answer, /^ok/, shown)
    assert.ok(!openSslBuilt(fast.debug) && !fellBack(fast.debug), shown)
  } else if (scenario.expect !== 'same as OpenSSL') {
    assert.ok(fellBack(fast.debug) && openSslBuilt(fast.debug), shown)
    assert.match(fast.answer, scenario.expect === 'falls back, OpenSSL accepts' ? /^ok/ : /^error: /, shown)
  } else assert.ok(fellBack(fast.debug), shown)
}

describe('TLS fast path: accepts only what OpenSSL accepts, with OpenSSL’s answer for everything else', () => {
  for (const scenario of scenarios) {
    it(scenario.name, async () => {
      const server = await startServer(
        scenario.served,
        scenario.chain ?? scenario.served.cert,
        scenario.clientCa,
      )
      try {
        const cluster = clusterOf(scenario, server.port)
        assertExpectation(scenario, await outcome(cluster, true), await outcome(cluster, false))
      } finally {
        await server.close()
      }
    })
  }

  it('after one fallback the agent lets OpenSSL verify its later connections (no second fast attempt)', async () => {
    const server = await startServer(viaIntermediate, viaIntermediate.cert + intermediate.cert)
    try {
      const result = await outcome(clusterFor(server.port, rootA.cert), true, 2)
      assert.equal(result.answer, 'ok as anonymous; ok as anonymous')
      // The refused fast connection, then one OpenSSL connection per request (the server closes each one).
      assert.equal(server.connections(), 3)
    } finally {
      await server.close()
    }
  })

  it('an exec plugin’s client certificate (a per-request context) takes the fast path too', async () => {
    const server = await startServer(leafA, leafA.cert, rootA.cert)
    try {
      // One credential per cluster, as the kubeconfig loader makes them (the transport keys contexts by credential).
      const pluginCluster = (ca: string) => {
        const auth: DynamicAuth = {headers: {}, cert: Buffer.from(client.cert), key: Buffer.from(client.key)}
        return clusterFor(server.port, ca, {authKind: 'exec', authenticate: () => Promise.resolve(auth)})
      }
      const fast = await outcome(pluginCluster(rootA.cert), true)
      assert.equal(fast.answer, 'ok as jane')
      assert.ok(!openSslBuilt(fast.debug), fast.debug.join(' | '))
      const wrong = await outcome(pluginCluster(rootB.cert), true)
      assert.equal(wrong.answer, (await outcome(pluginCluster(rootB.cert), false)).answer)
      assert.match(wrong.answer, /^error: TLS: .*unknown authority/)
    } finally {
      await server.close()
    }
  })
})

describe('TLS fast path through a proxy-url (TLS inside the CONNECT tunnel)', () => {
  let proxy: TestProxy
  before(async () => {
    proxy = await startConnectProxy()
  })
  after(() => proxy.close())

  it('accepts on the fast path, and a wrong CA falls back on a fresh tunnel with OpenSSL’s error', async () => {
    const server = await startServer(leafA, leafA.cert)
    try {
      const cluster = clusterFor(server.port, rootA.cert, {proxyUrl: proxy.url})
      const fast = await outcome(cluster, true)
      assert.equal(fast.answer, 'ok as anonymous')
      assert.ok(!openSslBuilt(fast.debug), fast.debug.join(' | '))
      const tunnelsBefore = proxy.tunnels.length
      const wrongCa = {...cluster, ca: Buffer.from(rootB.cert)}
      const wrong = await outcome(wrongCa, true)
      assert.equal(wrong.answer, (await outcome(wrongCa, false)).answer)
      assert.match(wrong.answer, /^error: TLS: .*unknown authority/)
      // The refused fast attempt's tunnel, the fallback's tunnel, and the OpenSSL-only transport's one.
      assert.equal(proxy.tunnels.length - tunnelsBefore, 3)
    } finally {
      await server.close()
    }
  })
})

describe('a server the fast path refuses receives not one byte of the request', () => {
  const refused: {name: string; served: Issued; ca: string}[] = [
    {name: 'a certificate from another CA', served: leafA, ca: rootB.cert},
    {name: 'an expired certificate', served: expired, ca: rootA.cert},
    {name: 'a certificate for another host', served: otherName, ca: rootA.cert},
  ]
  for (const {name, served, ca} of refused) {
    it(name, async () => {
      const received: Buffer[] = []
      const server = createTlsServer({cert: served.cert, key: served.key}, (socket) => {
        socket.on('data', (chunk: Buffer) => received.push(chunk))
        socket.on('error', () => undefined)
      })
      const listening = await listen(server)
      try {
        const result = await outcome(clusterFor(listening.port, ca), true)
        assert.match(result.answer, /^error: TLS/)
        // The check refused a completed handshake (not a failed one): the request could have been written, and was not.
        const refusal = result.debug.find((line) => /OpenSSL verifies the API server from now on/.test(line))
        assert.ok(refusal !== undefined && !refusal.startsWith('TLS: handshake'), result.debug.join(' | '))
        assert.equal(listening.connections(), 2, 'the refused fast connection and the OpenSSL one')
        assert.equal(Buffer.concat(received).length, 0, Buffer.concat(received).toString('latin1'))
        assert.ok(!Buffer.concat(received).includes('secret-bearer-token'))
      } finally {
        await listening.close()
      }
    })
  }
})

describe('certificate-der reads what X509Certificate does not expose', () => {
  it('validity and extensions agree with node’s and openssl’s view; a truncated certificate throws', () => {
    const cert = new X509Certificate(unknownCritical.cert)
    const facts = readCertificateFacts(cert.raw)
    assert.equal(facts.notBefore, Date.parse(cert.validFrom))
    assert.equal(facts.notAfter, Date.parse(cert.validTo))
    assert.equal(facts.signatureAlgorithm, '1.2.840.10045.4.3.2')
    assert.deepEqual(
      [...facts.extensions].map(([oid, {critical}]) => `${oid}${critical ? ' critical' : ''}`),
      [
        '2.5.29.19',
        '2.5.29.15 critical',
        '2.5.29.37',
        '2.5.29.17',
        '2.5.29.14',
        '2.5.29.35',
        '1.2.3.4 critical',
      ],
    )
    assert.throws(() => readCertificateFacts(cert.raw.subarray(0, cert.raw.length - 1)))
  })
})
