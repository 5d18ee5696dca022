// Kubeconfig shapes seen in the wild, end to end through the built plugin against the API-server double.
import {after, before, describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {readFileSync, writeFileSync, mkdirSync} from 'node:fs'
import {join} from 'node:path'
import {stringify} from 'yaml'
import {loadTlsMaterial, startApiServer, tlsFixturePath} from '../apiserver-double/index.js'
import type {ApiServerDouble} from '../apiserver-double/index.js'
import {
  assertOneLineError,
  assertRan,
  baseObjects,
  repoRoot,
  runCheck,
} from '../faults/fixtures/cli-harness.js'
import {caData, clientCertificate, scratchDir, writeKubeconfig} from './connection-fixtures.js'

const pod = ['pod/web-7c9d8f6b5-mmtn9', '-n', 'shop']
const clientCa = () => readFileSync(tlsFixturePath('ca.pem'), 'utf8')
const b64 = (path: string) => readFileSync(path).toString('base64')

describe('kubeconfig shapes, end to end', () => {
  let double: ApiServerDouble
  let certDouble: ApiServerDouble
  let ipv6Double: ApiServerDouble
  let prefixDouble: ApiServerDouble
  const dir = scratchDir('kubeconfig-shapes')
  let certs: {cert: string; key: string}

  before(async () => {
    ;[double, certDouble, ipv6Double, prefixDouble] = await Promise.all([
      startApiServer({objects: baseObjects()}),
      startApiServer({objects: baseObjects(), clientCa: clientCa()}),
      startApiServer({objects: baseObjects(), host: '::1'}),
      startApiServer({objects: baseObjects(), pathPrefix: '/k8s/clusters/c-7xk2p'}),
    ])
    mkdirSync(join(dir, 'pki'))
    certs = clientCertificate(join(dir, 'pki'), 'cert-user')
  })
  after(async () => {
    await Promise.all([double, certDouble, ipv6Double, prefixDouble].map((d) => d.close()))
  })

  const since = (d: ApiServerDouble, index: number) => d.requests.slice(index)

  it('client-certificate and client-key files, relative to the kubeconfig file', async () => {
    const config = writeKubeconfig(join(dir, 'cert-files.yaml'), {
      cluster: {server: certDouble.url, 'certificate-authority-data': caData()},
      user: {'client-certificate': 'pki/client.crt', 'client-key': 'pki/client.key'},
    })
    const start = certDouble.requests.length
    assertRan(await runCheck([...pod, '--kubeconfig', config]))
    const requests = since(certDouble, start)
    assert.ok(requests.length > 0 && requests.every((r) => r.clientCertCn === 'cert-user' && r.status < 400))
  })

  it('client-certificate-data and client-key-data', async () => {
    const config = writeKubeconfig(join(dir, 'cert-data.yaml'), {
      cluster: {server: certDouble.url, 'certificate-authority-data': caData()},
      user: {'client-certificate-data': b64(certs.cert), 'client-key-data': b64(certs.key)},
    })
    const start = certDouble.requests.length
    assertRan(await runCheck([...pod, '--kubeconfig', config]))
    assert.ok(since(certDouble, start).every((r) => r.clientCertCn === 'cert-user'))
  })

  it('tokenFile next to the kubeconfig; with token also set, the file wins (client-go)', async () => {
    writeFileSync(join(dir, 'token.txt'), `${double.token}\n`)
    for (const user of [{tokenFile: 'token.txt'}, {token: 'stale-inline-token', tokenFile: 'token.txt'}]) {
      const config = writeKubeconfig(join(dir, 'token-file.yaml'), {
        cluster: {server: double.url, 'certificate-authority-data': caData()},
        user,
      })
      assertRan(await runCheck([...pod, '--kubeconfig', config]))
    }
  })

  it('IPv6 loopback ([::1]) with tls-server-name naming a SAN of the certificate', async () => {
    assert.match(ipv6Double.url, /^https:\/\/\[::1\]:\d+$/)
    const config = (extra: Record<string, unknown>) =>
      writeKubeconfig(join(dir, 'ipv6.yaml'), {
        cluster: {server: ipv6Double.url, 'certificate-authority-data': caData(), ...extra},
        user: {token: ipv6Double.token},
      })
    const start = ipv6Double.requests.length
    assertRan(await runCheck([...pod, '--kubeconfig', config({'tls-server-name': 'localhost'})]))
    assert.ok(ipv6Double.requests.length > start)
    // Without it the certificate (127.0.0.1, localhost) does not name ::1.
    const result = await runCheck([...pod, '--kubeconfig', config({})])
    assertOneLineError(
      result,
      69,
      /TLS: the certificate of the API server is not valid for https:\/\/\[::1\]/,
    )
  })

  it('insecure-skip-tls-verify accepts a server certificate from an unknown CA', async () => {
    const config = writeKubeconfig(join(dir, 'insecure.yaml'), {
      cluster: {server: double.url, 'insecure-skip-tls-verify': true},
      user: {token: double.token},
    })
    assertRan(await runCheck([...pod, '--kubeconfig', config]))
    const strict = writeKubeconfig(join(dir, 'strict.yaml'), {
      cluster: {
        server: double.url,
        'certificate-authority-data': Buffer.from(loadTlsMaterial().wrongCaPem).toString('base64'),
      },
      user: {token: double.token},
    })
    assertOneLineError(await runCheck([...pod, '--kubeconfig', strict]), 69, /unknown authority/)
  })

  it('a server URL with a path prefix (an API server behind a path-routing proxy)', async () => {
    assert.match(prefixDouble.url, /\/k8s\/clusters\/c-7xk2p$/)
    const config = writeKubeconfig(join(dir, 'prefix.yaml'), {
      cluster: {server: `${prefixDouble.url}/`, 'certificate-authority-data': caData()},
      user: {token: prefixDouble.token},
    })
    const start = prefixDouble.requests.length
    assertRan(await runCheck([...pod, '--kubeconfig', config]))
    const requests = since(prefixDouble, start)
    assert.ok(
      requests.length > 0 && requests.every((r) => r.status < 400),
      JSON.stringify(requests.map((r) => r.path)),
    )
  })

  it('KUBECONFIG with three files: context, cluster and user (with a relative tokenFile) each from another file', async () => {
    const part = (name: string, body: object) => {
      mkdirSync(join(dir, name), {recursive: true})
      const path = join(dir, name, 'config')
      writeFileSync(path, stringify({apiVersion: 'v1', kind: 'Config', ...body}))
      return path
    }
    mkdirSync(join(dir, 'users'), {recursive: true})
    writeFileSync(join(dir, 'users', 'token'), double.token)
    const files = [
      part('contexts', {
        'current-context': 'split',
        contexts: [{name: 'split', context: {cluster: 'far', user: 'me'}}],
      }),
      part('clusters', {
        clusters: [{name: 'far', cluster: {server: double.url, 'certificate-authority-data': caData()}}],
      }),
      part('users', {users: [{name: 'me', user: {tokenFile: 'token'}}], 'current-context': 'ignored'}),
    ]
    assertRan(await runCheck(pod, {env: {KUBECONFIG: files.join(':')}}))
  })

  it('as and as-groups in the kubeconfig user send the impersonation headers on every request', async () => {
    const config = writeKubeconfig(join(dir, 'impersonate.yaml'), {
      cluster: {server: double.url, 'certificate-authority-data': caData()},
      user: {token: double.token, as: 'carol', 'as-groups': ['auditors', 'sre']},
    })
    const start = double.requests.length
    assertRan(await runCheck([...pod, '--kubeconfig', config]))
    const requests = since(double, start)
    assert.ok(requests.length > 0)
    for (const request of requests) {
      assert.equal(request.impersonateUser, 'carol')
      assert.deepEqual(request.impersonateGroups, ['auditors', 'sre'])
    }
  })

  it('every request names the tool and its version in the User-Agent', async () => {
    const {version} = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {version: string}
    const config = writeKubeconfig(join(dir, 'ua.yaml'), {
      cluster: {server: double.url, 'certificate-authority-data': caData()},
      user: {token: double.token},
    })
    const start = double.requests.length
    assertRan(await runCheck(['-A', '--kubeconfig', config]))
    const requests = since(double, start)
    assert.ok(requests.length >= 3)
    const expected = new RegExp(
      `^kubectl-inject/${version.replace(/\./g, '\\.')} \\((linux|darwin|windows)/[a-z0-9]+\\) node/v\\d+`,
    )
    for (const request of requests) assert.match(request.userAgent, expected)
  })
})

describe('auth-provider oidc (through client-node, loaded only for it)', () => {
  // An unsigned JWT is enough: client-node reads `exp` to decide whether the id-token is still valid.
  const jwt = (exp: number) =>
    [{alg: 'none'}, {iss: 'https://issuer.example', sub: 'dana', exp}]
      .map((part) => Buffer.from(JSON.stringify(part)).toString('base64url'))
      .join('.') + '.signature'
  const idToken = jwt(Math.floor(Date.now() / 1000) + 3600)
  let double: ApiServerDouble
  before(async () => {
    double = await startApiServer({objects: baseObjects(), token: idToken})
  })
  after(async () => {
    await double.close()
  })
  const oidcConfig = (token: string) =>
    writeKubeconfig(join(scratchDir('oidc'), 'config'), {
      cluster: {server: double.url, 'certificate-authority-data': caData()},
      user: {
        'auth-provider': {
          name: 'oidc',
          config: {'client-id': 'kubectl', 'idp-issuer-url': 'https://issuer.example', 'id-token': token},
        },
      },
    })

  it('a valid id-token is sent as the bearer token', async () => {
    const result = await runCheck([...pod, '--kubeconfig', oidcConfig(idToken)])
    assertRan(result)
    assert.ok(!result.stdout.includes(idToken) && !result.stderr.includes(idToken))
  })

  it('an expired id-token without a refresh token is Unauthorized (77)', async () => {
    const result = await runCheck([...pod, '--kubeconfig', oidcConfig(jwt(1_000_000))])
    assertOneLineError(result, 77, /Unauthorized/)
  })
})
