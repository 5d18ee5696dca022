// Exec credential plugins through the built plugin against the API-server double, as client-go runs them
// (client-go plugin/pkg/client/auth/exec/exec.go): one call per run, KUBERNETES_EXEC_INFO, refresh after 401, exit 77.
import {after, before, describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {join} from 'node:path'
import {readFileSync} from 'node:fs'
import {spawn} from 'node:child_process'
import {checkBin} from '../cli/built-cli.js'
import {shellQuote} from '../../src/core/verdict/shell-command.js'
import {startApiServer, tlsFixturePath} from '../apiserver-double/index.js'
import type {ApiServerDouble} from '../apiserver-double/index.js'
import {
  assertOneLineError,
  assertRan,
  baseObjects,
  parseReport,
  runCheck,
} from '../faults/fixtures/cli-harness.js'
import {
  caData,
  clientCertificate,
  execUser,
  pluginCalls,
  scratchDir,
  writeKubeconfig,
  writePlugin,
} from './connection-fixtures.js'
import {resolveConnection} from '../../src/cluster/kubeconfig.js'

const v1 = 'client.authentication.k8s.io/v1'
const v1beta1 = 'client.authentication.k8s.io/v1beta1'

describe('exec credential plugins (ours, not client-node)', () => {
  let double: ApiServerDouble
  let certDouble: ApiServerDouble
  const dir = scratchDir('exec-plugins')
  const pluginDir = join(dir, 'bin')
  const plugin = writePlugin(pluginDir)
  const pathWithPlugin = `${pluginDir}:${process.env.PATH ?? ''}`
  let run = 0
  const freshLog = () => join(dir, `calls-${++run}.jsonl`)

  before(async () => {
    double = await startApiServer({objects: baseObjects()})
    certDouble = await startApiServer({
      objects: baseObjects(),
      clientCa: readFileSync(tlsFixturePath('ca.pem'), 'utf8'),
    })
  })
  after(async () => {
    await double.close()
    await certDouble.close()
  })

  const cluster = (d: ApiServerDouble, extra: Record<string, unknown> = {}) => ({
    server: d.url,
    'certificate-authority-data': caData(),
    ...extra,
  })

  it('a whole -A sweep (many concurrent requests) runs a v1 plugin found on PATH exactly once, with its args and env', async () => {
    const log = freshLog()
    const kubeconfig = writeKubeconfig(join(dir, 'sweep.yaml'), {
      cluster: cluster(double),
      user: execUser({
        command: 'kubectl-inject-test-credentials',
        args: ['get-token', '--cluster', 'shop'],
        env: [{name: 'GREETING', value: 'hello from the kubeconfig'}],
      }),
    })
    const before = double.requests.length
    const result = await runCheck(['-A', '-o', 'json', '--kubeconfig', kubeconfig], {
      env: {PATH: pathWithPlugin, PLUGIN_LOG: log, PLUGIN_TOKENS: double.token, PLUGIN_SLEEP_MS: '200'},
    })
    assertRan(result)
    assert.ok(parseReport(result).items.length > 0)
    const requests = double.requests.slice(before)
    assert.ok(requests.length >= 5, `only ${requests.length} requests`)
    assert.ok(
      requests.every((r) => r.status < 400),
      JSON.stringify(requests.map((r) => [r.path, r.status])),
    )
    const calls = pluginCalls(log)
    assert.equal(calls.length, 1, 'one plugin run for every request of the run')
    assert.deepEqual(calls[0]!.argv, ['get-token', '--cluster', 'shop'])
    assert.equal(calls[0]!.greeting, 'hello from the kubeconfig')
    assert.deepEqual(calls[0]!.info, {kind: 'ExecCredential', apiVersion: v1, spec: {interactive: false}})
    assert.ok(
      !result.stdout.includes(double.token) && !result.stderr.includes(double.token),
      'the token is never printed',
    )
  })

  it('the connection opens while the plugin runs, and its token then uses that one connection', async () => {
    const log = freshLog()
    const kubeconfig = writeKubeconfig(join(dir, 'preconnect.yaml'), {
      cluster: cluster(double),
      user: execUser({command: plugin}),
    })
    const connectionsBefore = double.connections()
    let finished = false
    const running = runCheck(['pod/web-7c9d8f6b5-mmtn9', '-n', 'shop', '--kubeconfig', kubeconfig], {
      env: {PLUGIN_LOG: log, PLUGIN_TOKENS: double.token, PLUGIN_SLEEP_MS: '1500'},
    }).finally(() => (finished = true))
    // The plugin logs its call when it starts, then sleeps 1.5 s before it answers.
    while (pluginCalls(log).length === 0 && !finished) await new Promise((r) => setTimeout(r, 20))
    const deadline = Date.now() + 1000
    while (double.connections() === connectionsBefore && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20))
    const connectedWhilePluginRan = double.connections() > connectionsBefore && !finished
    const result = await running
    assertRan(result)
    assert.ok(connectedWhilePluginRan, 'a TLS connection was accepted before the plugin answered')
    assert.equal(
      double.connections() - connectionsBefore,
      1,
      'the requests went over the connection opened early',
    )
  })

  it('v1beta1 with provideClusterInfo: a command relative to the kubeconfig file gets the cluster in KUBERNETES_EXEC_INFO', async () => {
    const log = freshLog()
    const kubeconfig = writeKubeconfig(join(dir, 'beta.yaml'), {
      cluster: cluster(double, {
        extensions: [{name: 'client.authentication.k8s.io/exec', extension: {audience: 'shop-cluster'}}],
      }),
      user: {
        exec: {
          apiVersion: v1beta1,
          command: './bin/kubectl-inject-test-credentials',
          provideClusterInfo: true,
          env: [
            {name: 'PLUGIN_API_VERSION', value: v1beta1},
            {name: 'PLUGIN_LOG', value: log},
            {name: 'PLUGIN_TOKENS', value: double.token},
          ],
        },
      },
    })
    const result = await runCheck([
      'pod/web-7c9d8f6b5-mmtn9',
      '-n',
      'shop',
      '-o',
      'json',
      '--kubeconfig',
      kubeconfig,
    ])
    assertRan(result)
    const calls = pluginCalls(log)
    assert.equal(calls.length, 1)
    // v1beta1 defaults interactiveMode to IfAvailable; the test's stdin is no terminal.
    assert.equal(calls[0]!.info.spec.interactive, false)
    assert.deepEqual(calls[0]!.info.spec.cluster, {
      server: double.url,
      'certificate-authority-data': caData(),
      config: {audience: 'shop-cluster'},
    })
  })

  it('a plugin that answers with a client certificate authenticates over TLS (no token)', async () => {
    const log = freshLog()
    const {cert, key} = clientCertificate(scratchDir('exec-cert'), 'exec-cert-user')
    const kubeconfig = writeKubeconfig(join(dir, 'cert.yaml'), {
      cluster: cluster(certDouble),
      user: execUser({command: plugin}),
    })
    const before = certDouble.requests.length
    const result = await runCheck(['pod/web-7c9d8f6b5-mmtn9', '-n', 'shop', '--kubeconfig', kubeconfig], {
      env: {PLUGIN_LOG: log, PLUGIN_CERT: cert, PLUGIN_KEY: key},
    })
    assertRan(result)
    const requests = certDouble.requests.slice(before)
    assert.ok(requests.length > 0 && requests.every((r) => r.clientCertCn === 'exec-cert-user'))
    assert.equal(pluginCalls(log).length, 1)
  })

  it('a plugin token the server rejects (401) is refreshed once, and the run succeeds with the new one', async () => {
    const log = freshLog()
    const kubeconfig = writeKubeconfig(join(dir, 'refresh.yaml'), {
      cluster: cluster(double),
      user: execUser({command: plugin}),
    })
    const result = await runCheck(['-A', '-o', 'json', '--kubeconfig', kubeconfig], {
      env: {PLUGIN_LOG: log, PLUGIN_TOKENS: `revoked-token,${double.token}`},
    })
    assertRan(result)
    assert.equal(pluginCalls(log).length, 2, 'the first answer, then exactly one refresh')
  })

  it('a token that stays rejected after the refresh is Unauthorized (77), not a loop', async () => {
    const log = freshLog()
    const kubeconfig = writeKubeconfig(join(dir, 'rejected.yaml'), {
      cluster: cluster(double),
      user: execUser({command: plugin}),
    })
    const result = await runCheck(['pod/web-7c9d8f6b5-mmtn9', '-n', 'shop', '--kubeconfig', kubeconfig], {
      env: {PLUGIN_LOG: log, PLUGIN_TOKENS: 'revoked-token'},
    })
    assertOneLineError(result, 77, /Unauthorized/)
    assert.ok(pluginCalls(log).length <= 3, `${pluginCalls(log).length} plugin runs`)
  })

  it('an expirationTimestamp in the past makes later requests run the plugin again; a future one does not', async () => {
    const counts: number[] = []
    for (const expiresIn of ['-60', '3600']) {
      const log = freshLog()
      const kubeconfig = writeKubeconfig(join(dir, `expiry${expiresIn}.yaml`), {
        cluster: cluster(double),
        user: execUser({command: plugin}),
      })
      const result = await runCheck(['-A', '-o', 'json', '--kubeconfig', kubeconfig], {
        env: {PLUGIN_LOG: log, PLUGIN_TOKENS: double.token, PLUGIN_EXPIRES_IN_S: expiresIn},
      })
      assertRan(result)
      counts.push(pluginCalls(log).length)
    }
    assert.ok(counts[0]! >= 2, `expired credential reused: ${counts[0]} runs`)
    assert.equal(counts[1], 1)
  })

  it('a missing plugin is an authentication error (77) that shows the installHint', async () => {
    const kubeconfig = writeKubeconfig(join(dir, 'missing.yaml'), {
      cluster: cluster(double),
      user: execUser({
        command: 'kubectl-inject-no-such-plugin',
        installHint: 'install it with: brew install no-such-plugin',
      }),
    })
    const result = await runCheck(['-A', '--kubeconfig', kubeconfig])
    assertOneLineError(
      result,
      77,
      /credential plugin of user "u" \(context "ctx"\) failed: exec: executable kubectl-inject-no-such-plugin not found: install it with: brew install no-such-plugin/,
    )
  })

  it('a plugin that exits non-zero is an authentication error (77) naming the exit code', async () => {
    const log = freshLog()
    const kubeconfig = writeKubeconfig(join(dir, 'failing.yaml'), {
      cluster: cluster(double),
      user: execUser({command: plugin}),
    })
    const result = await runCheck(['-A', '--kubeconfig', kubeconfig], {
      env: {PLUGIN_LOG: log, PLUGIN_FAIL: '1', PLUGIN_TOKENS: double.token},
    })
    assertOneLineError(
      result,
      77,
      /failed: exec: executable .*kubectl-inject-test-credentials failed with exit code 3/,
    )
    assert.equal(pluginCalls(log).length, 1, 'a failure is not retried by every concurrent request')
  })

  it('interactiveMode Always without a terminal is an authentication error (77)', async () => {
    const kubeconfig = writeKubeconfig(join(dir, 'always.yaml'), {
      cluster: cluster(double),
      user: {exec: {apiVersion: v1, command: plugin, interactiveMode: 'Always'}},
    })
    const result = await runCheck(['-A', '--kubeconfig', kubeconfig], {env: {PLUGIN_LOG: freshLog()}})
    assertOneLineError(
      result,
      77,
      /exec plugin cannot support interactive mode: standard input is not a terminal/,
    )
  })

  it('a v1 exec stanza without interactiveMode is refused as client-go does', async () => {
    const kubeconfig = writeKubeconfig(join(dir, 'no-mode.yaml'), {
      cluster: cluster(double),
      user: {exec: {apiVersion: v1, command: plugin}},
    })
    const result = await runCheck(['-A', '--kubeconfig', kubeconfig])
    assertOneLineError(result, 77, /interactiveMode must be specified/)
  })

  it('a static token next to an exec stanza wins: the plugin does not run', async () => {
    const log = freshLog()
    const kubeconfig = writeKubeconfig(join(dir, 'token-and-exec.yaml'), {
      cluster: cluster(double),
      user: {token: double.token, ...execUser({command: plugin})},
    })
    const result = await runCheck(['-A', '--kubeconfig', kubeconfig], {
      env: {PLUGIN_LOG: log, PLUGIN_FAIL: '1'},
    })
    assertRan(result)
    assert.equal(pluginCalls(log).length, 0)
  })

  it('two contexts sharing one user share one plugin run', async () => {
    const log = freshLog()
    const kubeconfig = writeKubeconfig(join(dir, 'shared-user.yaml'), {
      cluster: cluster(double),
      user: execUser({
        command: plugin,
        env: [
          {name: 'PLUGIN_LOG', value: log},
          {name: 'PLUGIN_TOKENS', value: 'shared'},
        ],
      }),
      extraContexts: [{name: 'ctx-2'}],
    })
    const [a, b] = await Promise.all(
      ['ctx', 'ctx-2'].map((context) => resolveConnection({kubeconfig, context, env: {}})),
    )
    const [authA, authB] = await Promise.all([a!.cluster.authenticate!(), b!.cluster.authenticate!()])
    assert.equal(authA.headers.Authorization, 'Bearer shared')
    assert.equal(authB.headers.Authorization, 'Bearer shared')
    assert.equal(pluginCalls(log).length, 1)
  })
})

describe('an interactive login (interactiveMode IfAvailable on a terminal)', () => {
  let double: ApiServerDouble
  before(async () => {
    double = await startApiServer({objects: baseObjects()})
  })
  after(async () => {
    await double.close()
  })

  it('the plugin gets the terminal as stdin, reads the code typed there, and is told it is interactive', async () => {
    const dir = scratchDir('exec-interactive')
    const plugin = writePlugin(join(dir, 'bin'))
    const log = join(dir, 'calls.jsonl')
    const kubeconfig = writeKubeconfig(join(dir, 'config'), {
      cluster: {server: double.url, 'certificate-authority-data': caData()},
      user: {exec: {apiVersion: v1, command: plugin, interactiveMode: 'IfAvailable'}},
    })
    // script(1) runs the plugin binary on a pseudo-terminal and types what we write to its stdin.
    const command = [process.execPath, checkBin, '-A', '--kubeconfig', kubeconfig].map(shellQuote).join(' ')
    const child = spawn('script', ['-qec', command, '/dev/null'], {
      env: {
        PATH: process.env.PATH ?? '',
        NO_COLOR: '1',
        PLUGIN_LOG: log,
        PLUGIN_TOKENS: double.token,
        PLUGIN_READ_LINE: '1',
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8')
      if (output.includes('enter the device code')) child.stdin.write('ABCD-1234\n')
    })
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000)
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    clearTimeout(killer)
    assert.equal(code, 0, output)
    const calls = pluginCalls(log)
    assert.equal(calls.length, 1, output)
    assert.equal(calls[0]!.stdinIsTTY, true)
    assert.equal(calls[0]!.answer, 'ABCD-1234')
    assert.equal(calls[0]!.info.spec.interactive, true)
    assert.match(output, /enter the device code/, 'the plugin prompt (its stderr) reaches the terminal')
  })
})
