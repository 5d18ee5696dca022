// NODE_EXTRA_CA_CERTS through the bins' sh line (bin/kubectl-inject_check): node starts without it (Node 20 would parse
// it before any code runs) and the tool applies it wherever node's default roots are trusted, as node would have.
import {after, before, describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {chmodSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {startApiServer, tlsFixturePath} from '../apiserver-double/index.js'
import type {ApiServerDouble} from '../apiserver-double/index.js'
import {assertRan, baseObjects, runCheck} from '../faults/fixtures/cli-harness.js'
import {caData, execUser, scratchDir, writeKubeconfig} from './connection-fixtures.js'
import {startConnectProxy, type TestProxy} from './test-proxies.js'

const pod = ['pod/web-7c9d8f6b5-mmtn9', '-n', 'shop']
const testCa = tlsFixturePath('ca.pem')

describe('NODE_EXTRA_CA_CERTS with the bins run as kubectl runs them (sh line, then node)', () => {
  let double: ApiServerDouble
  let proxy: TestProxy
  const dir = scratchDir('extra-ca')
  const pluginLog = join(dir, 'plugin-env')
  before(async () => {
    double = await startApiServer({objects: baseObjects()})
    proxy = await startConnectProxy({tls: true})
  })
  after(async () => {
    await proxy.close()
    await double.close()
  })

  // The kubeconfig names no CA: only node's default roots, plus NODE_EXTRA_CA_CERTS, can trust the double.
  const noCa = () =>
    writeKubeconfig(join(dir, 'no-ca'), {cluster: {server: double.url}, user: {token: double.token}})
  const withCa = () =>
    writeKubeconfig(join(dir, 'with-ca'), {
      cluster: {server: double.url, 'certificate-authority-data': caData()},
      user: {token: double.token},
    })
  // The proxy's certificate is signed by the test CA; the double's CA is in the kubeconfig.
  const httpsProxy = () =>
    writeKubeconfig(join(dir, 'https-proxy'), {
      cluster: {server: double.url, 'certificate-authority-data': caData(), 'proxy-url': proxy.url},
      user: {token: double.token},
    })
  // A credential plugin that records the two variables it was given.
  const plugin = () => {
    const path = join(dir, 'record-env')
    const credential = JSON.stringify({
      apiVersion: 'client.authentication.k8s.io/v1',
      kind: 'ExecCredential',
      status: {token: double.token},
    })
    writeFileSync(
      path,
      `#!/bin/sh\nprintf '%s|%s' "\${NODE_EXTRA_CA_CERTS-unset}" "\${KUBECTL_INJECT_NODE_EXTRA_CA_CERTS-unset}" > '${pluginLog}'\nprintf '%s' '${credential}'\n`,
    )
    chmodSync(path, 0o755)
    return writeKubeconfig(join(dir, 'exec'), {
      cluster: {server: double.url, 'certificate-authority-data': caData()},
      user: execUser({command: path}),
    })
  }

  const scenarios: {
    name: string
    kubeconfig: () => string
    env: Record<string, string>
    ran: boolean
    stderr?: RegExp
    pluginSaw?: string
  }[] = [
    {
      name: 'a server the kubeconfig gives no CA for is trusted through NODE_EXTRA_CA_CERTS',
      kubeconfig: noCa,
      env: {NODE_EXTRA_CA_CERTS: testCa},
      ran: true,
    },
    {
      name: 'without NODE_EXTRA_CA_CERTS the same server is refused (the test can fail)',
      kubeconfig: noCa,
      env: {},
      ran: false,
      stderr: /certificate/i,
    },
    {
      name: 'with NODE_OPTIONS set, node loads the variable itself and the server is trusted',
      kubeconfig: noCa,
      env: {NODE_EXTRA_CA_CERTS: testCa, NODE_OPTIONS: '--no-deprecation'},
      ran: true,
    },
    {
      name: 'an https proxy-url is trusted through NODE_EXTRA_CA_CERTS',
      kubeconfig: httpsProxy,
      env: {NODE_EXTRA_CA_CERTS: testCa},
      ran: true,
    },
    {
      name: 'a credential plugin sees NODE_EXTRA_CA_CERTS as the user set it, and not the launcher’s variable',
      kubeconfig: plugin,
      env: {NODE_EXTRA_CA_CERTS: testCa},
      ran: true,
      pluginSaw: `${testCa}|unset`,
    },
    {
      name: 'an empty NODE_EXTRA_CA_CERTS stays empty for the plugin',
      kubeconfig: plugin,
      env: {NODE_EXTRA_CA_CERTS: ''},
      ran: true,
      pluginSaw: '|unset',
    },
    {
      name: 'an unreadable NODE_EXTRA_CA_CERTS gets node’s warning and the run goes on',
      kubeconfig: withCa,
      env: {NODE_EXTRA_CA_CERTS: join(dir, 'missing.pem')},
      ran: true,
      stderr: /^Warning: Ignoring extra certs from `.*missing\.pem`, load failed: /m,
    },
  ]
  for (const scenario of scenarios) {
    it(scenario.name, async () => {
      writeFileSync(pluginLog, '')
      const result = await runCheck([...pod, '--kubeconfig', scenario.kubeconfig()], {
        env: scenario.env,
        viaShebang: true,
      })
      if (scenario.ran) assertRan(result)
      else assert.notEqual(result.code, 0, result.stderr)
      if (scenario.stderr !== undefined) assert.match(result.stderr, scenario.stderr)
      if (scenario.pluginSaw !== undefined) assert.equal(readFileSync(pluginLog, 'utf8'), scenario.pluginSaw)
    })
  }
})

describe('an auth-provider oidc user with NODE_EXTRA_CA_CERTS moved aside', () => {
  // An unsigned JWT is enough: client-node reads `exp` to decide whether the id-token is still valid.
  const idToken =
    [{alg: 'none'}, {iss: 'https://issuer.example', sub: 'dana', exp: Math.floor(Date.now() / 1000) + 3600}]
      .map((part) => Buffer.from(JSON.stringify(part)).toString('base64url'))
      .join('.') + '.signature'
  let double: ApiServerDouble
  before(async () => {
    double = await startApiServer({objects: baseObjects(), token: idToken})
  })
  after(async () => {
    await double.close()
  })

  it('runs again before it reads any input: a manifest on standard input still reaches the check', async () => {
    const kubeconfig = writeKubeconfig(join(scratchDir('oidc-extra-ca'), 'config'), {
      cluster: {server: double.url, 'certificate-authority-data': caData()},
      user: {
        'auth-provider': {
          name: 'oidc',
          config: {'client-id': 'kubectl', 'idp-issuer-url': 'https://issuer.example', 'id-token': idToken},
        },
      },
    })
    const manifest = readFileSync(
      fileURLToPath(new URL('./fixtures/stdin-pod.yaml', import.meta.url)),
      'utf8',
    )
    const result = await runCheck(['-f', '-', '--kubeconfig', kubeconfig, '-o', 'json'], {
      env: {NODE_EXTRA_CA_CERTS: testCa},
      viaShebang: true,
      input: manifest,
    })
    assertRan(result)
    const names = (JSON.parse(result.stdout) as {items: {name: string}[]}).items.map((item) => item.name)
    assert.deepEqual(names, ['from-stdin'])
  })
})

describe('client-node’s OIDC refresh (node’s default roots, no `ca` to pass): the run starts again with the file loaded', () => {
  let double: ApiServerDouble
  before(async () => {
    double = await startApiServer({objects: baseObjects()})
  })
  after(async () => {
    await double.close()
  })
  const script = fileURLToPath(new URL('./fixtures/default-roots-probe.ts', import.meta.url))
  // The probe starts as the bins' sh line starts node (the variable moved aside), optionally runs itself again through
  // rerunWithExtraCaCertsLoaded, and connects to the double with node's default roots: exit 0 trusted, 3 refused.
  // Asynchronous: the double answers from this process.
  const probe = (rerun: boolean): Promise<{status: number | null; stderr: string}> => {
    const {NODE_EXTRA_CA_CERTS: _, ...env} = process.env
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', script, double.url, rerun ? 'rerun' : 'no-rerun'],
      {
        env: {...env, KUBECTL_INJECT_NODE_EXTRA_CA_CERTS: testCa},
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    )
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
    return new Promise((resolve) => child.on('close', (status) => resolve({status, stderr})))
  }

  it('after the rerun, node’s own default roots trust the test CA', async () => {
    const result = await probe(true)
    assert.equal(result.status, 0, result.stderr)
  })

  it('without it, the marked process refuses the server (the test can fail)', async () => {
    const result = await probe(false)
    assert.equal(result.status, 3, result.stderr)
  })
})
