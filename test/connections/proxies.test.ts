// Proxies as kubectl uses them (client-go: a cluster's proxy-url, else net/http ProxyFromEnvironment with
// golang.org/x/net/http/httpproxy rules), through the built plugin, a local CONNECT proxy and a local SOCKS5 proxy.
import {after, before, describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {networkInterfaces} from 'node:os'
import {join} from 'node:path'
import {startApiServer, tlsFixturePath} from '../apiserver-double/index.js'
import type {ApiServerDouble} from '../apiserver-double/index.js'
import {assertOneLineError, assertRan, baseObjects, runCheck} from '../faults/fixtures/cli-harness.js'
import {caData, scratchDir, writeKubeconfig} from './connection-fixtures.js'
import {startConnectProxy, startSocksProxy, type TestProxy} from './test-proxies.js'
import {bypassesProxy, proxyEnvironment, proxyFromEnvironment} from '../../src/cluster/proxy.js'

// A name that never resolves (RFC 2606 .test): only a proxy can reach it, so a success proves the proxy was used.
const madeUpHost = 'api.kubectl-inject.test'
const toLoopback = (host: string) => (host === madeUpHost ? '127.0.0.1' : host)
const pod = ['pod/web-7c9d8f6b5-mmtn9', '-n', 'shop']

describe('proxies through the built plugin', () => {
  let double: ApiServerDouble
  const proxies: TestProxy[] = []
  const dir = scratchDir('proxies')
  let port: string
  const start = async <T extends TestProxy>(proxy: Promise<T>): Promise<T> => {
    const started = await proxy
    proxies.push(started)
    return started
  }
  const kubeconfig = (name: string, cluster: Record<string, unknown>) =>
    writeKubeconfig(join(dir, name), {
      cluster: {'certificate-authority-data': caData(), ...cluster},
      user: {token: double.token},
    })
  // The double's certificate names localhost, not the made-up host.
  const madeUpServer = () => ({server: `https://${madeUpHost}:${port}`, 'tls-server-name': 'localhost'})

  before(async () => {
    double = await startApiServer({objects: baseObjects()})
    port = new URL(double.url).port
  })
  after(async () => {
    await Promise.all(proxies.map((p) => p.close()))
    await double.close()
  })

  const scenarios: {
    name: string
    proxy: () => Promise<TestProxy>
    url?: (p: TestProxy) => string
    env?: Record<string, string>
  }[] = [
    {name: 'proxy-url http:// (CONNECT)', proxy: () => start(startConnectProxy())},
    {
      name: 'proxy-url https:// (TLS to the proxy, CONNECT inside)',
      proxy: () => start(startConnectProxy({tls: true})),
      // Go trusts the system roots for the proxy; node adds NODE_EXTRA_CA_CERTS to its roots.
      env: {NODE_EXTRA_CA_CERTS: tlsFixturePath('ca.pem')},
    },
    {name: 'proxy-url socks5://', proxy: () => start(startSocksProxy())},
    {
      name: 'proxy-url http:// with user:password (Proxy-Authorization)',
      proxy: () => start(startConnectProxy({requireCredentials: 'alice:s3cret'})),
      url: (p) => p.url.replace('://', '://alice:s3cret@'),
    },
    {
      name: 'proxy-url socks5:// with user:password',
      proxy: () => start(startSocksProxy({requireCredentials: 'alice:s3cret'})),
      url: (p) => p.url.replace('://', '://alice:s3cret@'),
    },
  ]
  for (const scenario of scenarios) {
    it(`${scenario.name}: every connection to a loopback server goes through the proxy`, async () => {
      const proxy = await scenario.proxy()
      const config = kubeconfig('proxy-url.yaml', {
        server: double.url,
        'proxy-url': scenario.url?.(proxy) ?? proxy.url,
      })
      const before = double.requests.length
      const result = await runCheck(
        [...pod, '--kubeconfig', config],
        scenario.env === undefined ? {} : {env: scenario.env},
      )
      assertRan(result)
      assert.ok(double.requests.length > before)
      assert.ok(proxy.tunnels.length >= 1)
      assert.ok(
        proxy.tunnels.every((t) => t === `127.0.0.1:${port}`),
        proxy.tunnels.join(', '),
      )
      assert.doesNotMatch(result.stderr, /s3cret/)
    })
  }

  it('HTTPS_PROXY carries requests to a server only the proxy can reach', async () => {
    const proxy = await start(startConnectProxy({resolve: toLoopback}))
    const result = await runCheck([...pod, '--kubeconfig', kubeconfig('env.yaml', madeUpServer())], {
      env: {HTTPS_PROXY: proxy.url},
    })
    assertRan(result)
    assert.ok(proxy.tunnels.length >= 1 && proxy.tunnels.every((t) => t === `${madeUpHost}:${port}`))
  })

  it('https_proxy (lower case) works alone; when both are set the upper-case one wins (httpproxy getEnvAny)', async () => {
    const good = await start(startConnectProxy({resolve: toLoopback}))
    const unused = await start(startConnectProxy({resolve: toLoopback}))
    const config = kubeconfig('env-case.yaml', madeUpServer())
    assertRan(await runCheck([...pod, '--kubeconfig', config], {env: {https_proxy: good.url}}))
    const alone = good.tunnels.length
    assert.ok(alone >= 1)
    assertRan(
      await runCheck([...pod, '--kubeconfig', config], {
        env: {HTTPS_PROXY: good.url, https_proxy: unused.url},
      }),
    )
    assert.ok(good.tunnels.length > alone)
    assert.equal(unused.tunnels.length, 0)
  })

  // The proxy stays unused; the direct dial then fails, as the made-up name does not resolve.
  const bypasses: {name: string; env: (proxyUrl: string) => Record<string, string>; error: RegExp}[] = [
    {
      name: 'HTTP_PROXY is not used for an https:// server',
      env: (url) => ({HTTP_PROXY: url}),
      error: /cannot reach the API server at https:\/\/api\.kubectl-inject\.test/,
    },
    {
      name: 'NO_PROXY with a domain suffix bypasses the proxy',
      env: (url) => ({HTTPS_PROXY: url, NO_PROXY: 'example.com, .kubectl-inject.test'}),
      error: /cannot reach the API server/,
    },
  ]
  for (const row of bypasses) {
    it(row.name, async () => {
      const proxy = await start(startConnectProxy({resolve: toLoopback}))
      const result = await runCheck([...pod, '--kubeconfig', kubeconfig('bypass.yaml', madeUpServer())], {
        env: row.env(proxy.url),
      })
      assertOneLineError(result, 69, row.error)
      assert.equal(proxy.tunnels.length, 0)
    })
  }

  const externalAddress = Object.values(networkInterfaces())
    .flat()
    .find((a) => a !== undefined && a.family === 'IPv4' && !a.internal)?.address
  it(
    'NO_PROXY with a CIDR bypasses the proxy for a server on a non-loopback address; without it the proxy is used',
    {skip: externalAddress === undefined ? 'no non-loopback IPv4 address on this machine' : false},
    async () => {
      const external = await startApiServer({objects: baseObjects(), host: externalAddress!})
      try {
        const proxy = await start(startConnectProxy())
        const config = writeKubeconfig(join(dir, 'cidr.yaml'), {
          cluster: {
            server: external.url,
            'certificate-authority-data': caData(),
            'tls-server-name': 'localhost',
          },
          user: {token: external.token},
        })
        const cidr = `${externalAddress!.split('.').slice(0, 2).join('.')}.0.0/16`
        assertRan(
          await runCheck([...pod, '--kubeconfig', config], {env: {HTTPS_PROXY: proxy.url, NO_PROXY: cidr}}),
        )
        assert.equal(proxy.tunnels.length, 0)
        assertRan(await runCheck([...pod, '--kubeconfig', config], {env: {HTTPS_PROXY: proxy.url}}))
        assert.ok(proxy.tunnels.length >= 1)
      } finally {
        await external.close()
      }
    },
  )

  it('a proxy that is down is unreachable (69) and the message names the proxy, never its password', async () => {
    const proxy = await start(startConnectProxy())
    await proxy.close()
    const config = kubeconfig('down.yaml', {
      server: double.url,
      'proxy-url': proxy.url.replace('://', '://bob:hunter2@'),
    })
    const result = await runCheck([...pod, '--kubeconfig', config])
    assertOneLineError(result, 69, /through the proxy http:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/)
    assert.doesNotMatch(result.stderr, /hunter2/)
  })

  it('a proxy that refuses the credentials (407) is unreachable (69) and says so', async () => {
    const proxy = await start(startConnectProxy({requireCredentials: 'alice:s3cret'}))
    const result = await runCheck([
      ...pod,
      '--kubeconfig',
      kubeconfig('407.yaml', {server: double.url, 'proxy-url': proxy.url}),
    ])
    assertOneLineError(result, 69, /through the proxy .*407 Proxy Authentication Required/)
  })
})

describe('which requests HTTPS_PROXY / NO_PROXY send through the proxy (golang.org/x/net/http/httpproxy)', () => {
  const table: {name: string; host: string; port?: string; noProxy: string; bypass: boolean}[] = [
    {
      name: 'an empty NO_PROXY proxies everything but loopback',
      host: 'api.example.com',
      noProxy: '',
      bypass: false,
    },
    {name: 'localhost is never proxied', host: 'localhost', noProxy: '', bypass: true},
    {name: '127.0.0.0/8 is never proxied', host: '127.3.4.5', noProxy: '', bypass: true},
    {name: '::1 is never proxied', host: '::1', noProxy: '', bypass: true},
    {name: '* bypasses everything', host: 'api.example.com', noProxy: '*', bypass: true},
    {name: 'a domain matches itself', host: 'example.com', noProxy: 'example.com', bypass: true},
    {name: 'a domain matches its subdomains', host: 'api.example.com', noProxy: 'example.com', bypass: true},
    {
      name: 'a domain does not match a longer name',
      host: 'notexample.com',
      noProxy: 'example.com',
      bypass: false,
    },
    {
      name: 'a leading dot matches subdomains only',
      host: 'example.com',
      noProxy: '.example.com',
      bypass: false,
    },
    {name: 'a leading dot matches a subdomain', host: 'a.example.com', noProxy: '.example.com', bypass: true},
    {name: '*.domain is the same as .domain', host: 'example.com', noProxy: '*.example.com', bypass: false},
    {
      name: 'entries are trimmed and case-insensitive',
      host: 'api.example.com',
      noProxy: 'foo, EXAMPLE.com ',
      bypass: true,
    },
    {
      name: 'a domain with the right port',
      host: 'api.example.com',
      port: '6443',
      noProxy: 'example.com:6443',
      bypass: true,
    },
    {
      name: 'a domain with another port',
      host: 'api.example.com',
      port: '443',
      noProxy: 'example.com:6443',
      bypass: false,
    },
    {name: 'an IPv4 CIDR', host: '10.1.2.3', noProxy: '10.0.0.0/8', bypass: true},
    {name: 'an IPv4 outside the CIDR', host: '11.1.2.3', noProxy: '10.0.0.0/8', bypass: false},
    {name: 'an IPv6 CIDR', host: 'fd00::5', noProxy: 'fd00::/64', bypass: true},
    {name: 'an exact IP', host: '192.0.2.7', noProxy: '192.0.2.7', bypass: true},
    {
      name: 'an exact IP with another port',
      host: '192.0.2.7',
      port: '443',
      noProxy: '192.0.2.7:6443',
      bypass: false,
    },
    {
      name: 'a bracketed IPv6 with its port',
      host: 'fd00::5',
      port: '6443',
      noProxy: '[fd00::5]:6443',
      bypass: true,
    },
  ]
  for (const row of table) {
    it(row.name, () => {
      assert.equal(bypassesProxy(row.host, row.port ?? '443', row.noProxy), row.bypass)
    })
  }

  it('https:// uses HTTPS_PROXY only; http:// uses HTTP_PROXY; a value without a scheme is http://', () => {
    const env = proxyEnvironment({HTTP_PROXY: 'plain:3128', https_proxy: 'http://secure:3129'})
    assert.equal(proxyFromEnvironment(new URL('https://api.example.com'), env)?.href, 'http://secure:3129/')
    assert.equal(proxyFromEnvironment(new URL('http://api.example.com'), env)?.href, 'http://plain:3128/')
    assert.equal(
      proxyFromEnvironment(new URL('https://api.example.com'), proxyEnvironment({HTTP_PROXY: 'p:1'})),
      undefined,
    )
  })

  it('HTTP_PROXY is refused when REQUEST_METHOD says this is a CGI process (golang.org/s/cgihttpproxy)', () => {
    const env = proxyEnvironment({HTTP_PROXY: 'http://p:1', REQUEST_METHOD: 'GET'})
    assert.equal(proxyFromEnvironment(new URL('http://api.example.com'), env), undefined)
  })
})
