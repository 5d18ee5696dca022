// Broken kubeconfigs and unreachable or misbehaving API servers: one-line errors, the right exit code, no hang, no writes.
import {after, before, describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {createServer} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {loadTlsMaterial, startApiServer} from '../apiserver-double/index.js'
import type {ApiServerDouble} from '../apiserver-double/index.js'
import {assertOneLineError, assertRan, baseObjects, parseReport, runCheck} from './fixtures/cli-harness.js'

const scratch = mkdtempSync(join(tmpdir(), 'faults-kubeconfig-'))
const writeFile = (name: string, text: string): string => {
  const path = join(scratch, name)
  writeFileSync(path, text)
  return path
}

const closedPort = async (): Promise<number> => {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as {port: number}
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

describe('kubeconfig problems are usage errors that name the file or context', () => {
  it('a --kubeconfig path that does not exist', async () => {
    const missing = join(scratch, 'nope', 'config')
    const result = await runCheck(['-A', '--kubeconfig', missing])
    assertOneLineError(result, 64, /nope\/config.*no such file/)
  })

  it('a kubeconfig that is not YAML names the file and line', async () => {
    const path = writeFile(
      'garbage.yaml',
      'apiVersion: v1\nclusters:\n  - name: a\n\tcluster: {server: "https://x\n',
    )
    const result = await runCheck(['-A', '--kubeconfig', path])
    assertOneLineError(result, 64, /garbage\.yaml:\d+ is not valid YAML/)
  })

  it('binary garbage as the kubeconfig', async () => {
    const path = writeFile('binary', '\u0000\u0001\u0002\u00ff{[:\n\u0007---\n: :')
    const result = await runCheck(['-A', '--kubeconfig', path])
    assertOneLineError(result, 64, /binary/)
  })

  it('YAML without clusters or contexts', async () => {
    const path = writeFile('empty-config.yaml', 'apiVersion: v1\nkind: Config\npreferences: {}\n')
    const result = await runCheck(['-A', '--kubeconfig', path])
    assertOneLineError(result, 64, /no current context.*--context/)
  })

  it('a context that is not in the kubeconfig lists the ones that are', async () => {
    const path = writeFile(
      'one-context.yaml',
      'apiVersion: v1\nkind: Config\ncurrent-context: a\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: a, context: {cluster: c, user: u}}]\n',
    )
    const result = await runCheck(['-A', '--kubeconfig', path, '--context', 'prod-eu'])
    assertOneLineError(result, 64, /context "prod-eu" not found.*available: a/)
  })
})

describe('an API server that cannot be used', () => {
  let double: ApiServerDouble

  before(async () => {
    double = await startApiServer({objects: baseObjects()})
  })
  after(async () => {
    assert.deepEqual(double.writes(), [], 'inject-check never writes')
    await double.close()
  })

  it('a closed port is unreachable (69) and says how to check the context', async () => {
    const port = await closedPort()
    const kubeconfig = double.writeKubeconfig({server: `https://127.0.0.1:${port}`})
    const result = await runCheck(['-A', '--kubeconfig', kubeconfig, '--request-timeout', '5s'])
    assertOneLineError(
      result,
      69,
      /cannot reach the API server at https:\/\/127\.0\.0\.1:\d+.*ECONNREFUSED|cannot reach.*refused/i,
    )
    assert.ok(result.elapsedMs < 5000, `took ${result.elapsedMs} ms`)
  })

  it('a server certificate from another CA is a TLS error naming certificate-authority', async () => {
    const kubeconfig = double.writeKubeconfig({caData: loadTlsMaterial().wrongCaPem})
    const before = double.requests.length
    const result = await runCheck(['pod/web-7c9d8f6b5-mmtn9', '-n', 'shop', '--kubeconfig', kubeconfig])
    assertOneLineError(result, 69, /^error: TLS: .*unknown authority.*certificate-authority/)
    assert.equal(double.requests.length, before, 'no request got past the handshake')
  })

  it('an expired token (401) exits 77 and says to renew the credentials', async () => {
    const kubeconfig = double.writeKubeconfig({token: 'expired-token-0123456789'})
    const result = await runCheck(['-A', '--kubeconfig', kubeconfig])
    assertOneLineError(result, 77, /Unauthorized: the credentials of context "double" were rejected.*renew/)
    assert.doesNotMatch(result.stderr, /expired-token-0123456789/)
  })

  it('a server that answers too slowly is bounded by --request-timeout', async () => {
    double.setFaults([{path: '/api/v1/pods', delayMs: 8000}])
    try {
      const result = await runCheck([
        '-A',
        '--kubeconfig',
        double.writeKubeconfig(),
        '--request-timeout',
        '1s',
      ])
      assertOneLineError(result, 69, /within 1s \(--request-timeout\).*raise --request-timeout/)
      assert.ok(result.elapsedMs < 4000, `took ${Math.round(result.elapsedMs)} ms with a 1s timeout`)
    } finally {
      double.setFaults([])
    }
  })

  it('a slow supporting read also times out instead of hanging', async () => {
    double.setFaults([
      {path: '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations', delayMs: 8000},
    ])
    try {
      const result = await runCheck([
        'pod/web-7c9d8f6b5-mmtn9',
        '-n',
        'shop',
        '--kubeconfig',
        double.writeKubeconfig(),
        '--request-timeout',
        '800ms',
      ])
      assertOneLineError(result, 69, /within 800ms/)
      assert.ok(result.elapsedMs < 4000, `took ${Math.round(result.elapsedMs)} ms`)
    } finally {
      double.setFaults([])
    }
  })

  it('a connection dropped mid-request is unreachable, not a crash', async () => {
    double.setFaults([{path: '/api/v1/pods', dropConnection: true}])
    try {
      const result = await runCheck(['-A', '--kubeconfig', double.writeKubeconfig()])
      assertOneLineError(result, 69, /cannot reach the API server|closed before the answer/)
    } finally {
      double.setFaults([])
    }
  })

  it('500 on the pod list (the target itself) is an error that says to retry', async () => {
    double.setFaults([{path: '/api/v1/pods', status: 500, message: 'etcdserver: leader changed'}])
    try {
      const result = await runCheck(['-A', '--kubeconfig', double.writeKubeconfig()])
      assertOneLineError(result, 69, /answered 500 InternalError.*etcdserver: leader changed.*retry/)
    } finally {
      double.setFaults([])
    }
  })

  it('503 on a supporting read (the injector ConfigMaps) is a partial answer', async () => {
    double.setFaults([{path: '/api/v1/namespaces/istio-system/configmaps', status: 503}])
    try {
      const result = await runCheck(['-A', '-o', 'json', '--kubeconfig', double.writeKubeconfig()])
      assertRan(result)
      const report = parseReport(result)
      assert.ok(
        report.gaps.some((gap) => gap.resource === 'configmaps' && gap.reason === 'Error'),
        JSON.stringify(report.gaps),
      )
      assert.match(result.stderr, /^warning: could not read configmaps/m)
      const web = report.items.find((item) => item.name === 'web-7c9d8f6b5-mmtn9')
      assert.ok(web !== undefined)
      assert.ok(
        web.checks.some((check) => check.result === 'Unknown'),
        JSON.stringify(web.checks.map((c) => [c.code, c.result])),
      )
    } finally {
      double.setFaults([])
    }
  })
})
