// kubeconfig resolution as kubectl does it: --kubeconfig, KUBECONFIG (merged, first wins), ~/.kube/config.
import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {mkdirSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {delimiter, join} from 'node:path'
import {KubeconfigError, describeSourceError} from '../../src/cluster/kube-errors.js'
import {resolveConnection} from '../../src/cluster/kubeconfig.js'

const dir = () => mkdtempSync(join(tmpdir(), 'kubeconfig-'))

function write(path: string, yaml: string): string {
  writeFileSync(path, yaml)
  return path
}

const first = `apiVersion: v1
kind: Config
current-context: alpha
clusters:
- name: shared
  cluster: {server: "https://first.example:6443", certificate-authority-data: Zmlyc3QtY2E=}
users:
- name: shared-user
  user: {token: first-token}
contexts:
- name: alpha
  context: {cluster: shared, user: shared-user, namespace: shop}
`
const second = `apiVersion: v1
kind: Config
current-context: beta
clusters:
- name: shared
  cluster: {server: "https://second.example:6443"}
- name: other
  cluster: {server: "https://other.example", insecure-skip-tls-verify: true}
users:
- name: shared-user
  user: {token: second-token}
contexts:
- name: alpha
  context: {cluster: other, user: shared-user}
- name: beta
  context: {cluster: other, user: shared-user}
`

describe('kubeconfig resolution', () => {
  it('KUBECONFIG with two files: the first file’s current-context and first definition of each name win', async () => {
    const d = dir()
    const env = {KUBECONFIG: [write(join(d, 'a'), first), write(join(d, 'b'), second)].join(delimiter)}
    const connection = await resolveConnection({env})
    assert.equal(connection.contextName, 'alpha')
    assert.equal(connection.cluster.server, 'https://first.example:6443')
    assert.equal(connection.cluster.token, 'first-token')
    assert.equal(connection.cluster.ca?.toString(), 'first-ca')
    assert.equal(connection.namespace, 'shop')
    assert.equal(connection.namespaceSource, 'context')
    assert.equal(connection.files.length, 2)
  })

  it('KUBECONFIG entries that do not exist are skipped; contexts of later files are usable', async () => {
    const d = dir()
    const env = {
      KUBECONFIG: [join(d, 'missing'), write(join(d, 'a'), first), write(join(d, 'b'), second)].join(
        delimiter,
      ),
    }
    const connection = await resolveConnection({env, context: 'beta'})
    assert.equal(connection.cluster.server, 'https://other.example')
    assert.equal(connection.cluster.insecureSkipTlsVerify, true)
    assert.equal(connection.namespace, 'default')
    assert.equal(connection.namespaceSource, 'default')
  })

  it('-n wins over the context namespace', async () => {
    const d = dir()
    const connection = await resolveConnection({
      kubeconfig: write(join(d, 'a'), first),
      namespace: 'payments',
      env: {},
    })
    assert.equal(connection.namespace, 'payments')
    assert.equal(connection.namespaceSource, 'flag')
  })

  it('--kubeconfig wins over KUBECONFIG', async () => {
    const d = dir()
    const connection = await resolveConnection({
      kubeconfig: write(join(d, 'b'), second),
      env: {KUBECONFIG: write(join(d, 'a'), first)},
    })
    assert.equal(connection.contextName, 'beta')
  })

  it('an unknown --context is a usage error that lists the available contexts', async () => {
    const d = dir()
    await assert.rejects(
      resolveConnection({kubeconfig: write(join(d, 'b'), second), context: 'prod', env: {}}),
      (error: unknown) => {
        assert.ok(error instanceof KubeconfigError)
        assert.match(error.message, /context "prod" not found .*\(available: alpha, beta\)/)
        assert.equal(describeSourceError(error).category, 'usage')
        return true
      },
    )
  })

  it('no kubeconfig at all → a clear error, never a localhost:8080 fallback', async () => {
    const home = dir()
    await assert.rejects(
      resolveConnection({env: {}, homeDir: home}),
      /no kubeconfig found: set KUBECONFIG or pass --kubeconfig/,
    )
    await assert.rejects(
      resolveConnection({env: {KUBECONFIG: join(home, 'nope')}, homeDir: home}),
      /no kubeconfig found/,
    )
  })

  it('falls back to ~/.kube/config', async () => {
    const home = dir()
    mkdirSync(join(home, '.kube'))
    write(join(home, '.kube', 'config'), second)
    const connection = await resolveConnection({env: {}, homeDir: home})
    assert.equal(connection.contextName, 'beta')
  })

  // kind, kubeadm and gcloud write block YAML: the fast block reader reads it, flow style goes to the full parser.
  const blockStyle = (skipVerify: string) => `apiVersion: v1
kind: Config
current-context: beta
clusters:
- name: other
  cluster:
    server: https://other.example
    insecure-skip-tls-verify: ${skipVerify}
users:
- name: shared-user
  user:
    token: second-token
contexts:
- name: beta
  context:
    cluster: other
    user: shared-user
`
  const resolvedFrom = async (yaml: string) => {
    const {cluster, contextName} = await resolveConnection({
      kubeconfig: write(join(dir(), 'config'), yaml),
      env: {},
    })
    return {contextName, server: cluster.server, token: cluster.token, skip: cluster.insecureSkipTlsVerify}
  }
  for (const [name, yaml, skip] of [
    ['block style resolves like its flow-style twin', blockStyle('true'), true],
    // client-go reads kubeconfigs through sigs.k8s.io/yaml (YAML 1.1): `yes` is a boolean there.
    ['a YAML 1.1 boolean (`yes`) is true, as in client-go', blockStyle('yes'), true],
    ['anchors fall back to the full parser', blockStyle('&skip true'), true],
    ['a quoted "true" is a string, not a boolean', blockStyle('"true"'), false],
  ] as const) {
    it(name, async () => {
      const expected = {...(await resolvedFrom(second)), skip}
      assert.deepEqual(await resolvedFrom(yaml), expected)
    })
  }

  it('a missing --kubeconfig file is an error naming it', async () => {
    await assert.rejects(
      resolveConnection({kubeconfig: '/nonexistent/kubeconfig', env: {}}),
      /cannot read --kubeconfig \/nonexistent\/kubeconfig: no such file/,
    )
  })

  it('client certificate and key files resolve relative to the kubeconfig file', async () => {
    const d = dir()
    mkdirSync(join(d, 'certs'))
    write(join(d, 'certs', 'client.crt'), 'CERT')
    write(join(d, 'certs', 'client.key'), 'KEY')
    write(join(d, 'certs', 'ca.crt'), 'CA')
    const config = `clusters:
- name: c
  cluster: {server: "https://k8s.example", certificate-authority: certs/ca.crt, tls-server-name: api.internal}
users:
- name: u
  user: {client-certificate: certs/client.crt, client-key: certs/client.key}
contexts:
- name: x
  context: {cluster: c, user: u}
current-context: x
`
    const connection = await resolveConnection({kubeconfig: write(join(d, 'config'), config), env: {}})
    assert.equal(connection.cluster.authKind, 'client-certificate')
    assert.equal(connection.cluster.cert?.toString(), 'CERT')
    assert.equal(connection.cluster.key?.toString(), 'KEY')
    assert.equal(connection.cluster.ca?.toString(), 'CA')
    assert.equal(connection.cluster.tlsServerName, 'api.internal')
  })

  it('a tokenFile is read relative to the kubeconfig and trimmed', async () => {
    const d = dir()
    write(join(d, 'token'), 'file-token\n')
    const config = `clusters: [{name: c, cluster: {server: "https://k8s.example"}}]
users: [{name: u, user: {tokenFile: token}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`
    const connection = await resolveConnection({kubeconfig: write(join(d, 'config'), config), env: {}})
    assert.equal(connection.cluster.token, 'file-token')
    assert.equal(connection.cluster.authKind, 'token-file')
  })

  it('token and tokenFile together: the file wins, as in client-go', async () => {
    const d = dir()
    write(join(d, 'token'), 'file-token\n')
    const config = `clusters: [{name: c, cluster: {server: "https://k8s.example"}}]
users: [{name: u, user: {token: inline-token, tokenFile: token}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`
    const connection = await resolveConnection({kubeconfig: write(join(d, 'config'), config), env: {}})
    assert.equal(connection.cluster.token, 'file-token')
  })

  it('basic auth next to an exec stanza wins: no plugin is set up (exec.go keeps an Authorization header)', async () => {
    const d = dir()
    const config = `clusters: [{name: c, cluster: {server: "https://k8s.example"}}]
users: [{name: u, user: {username: admin, password: pw, exec: {apiVersion: client.authentication.k8s.io/v1, command: /nonexistent, interactiveMode: Never}}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`
    const connection = await resolveConnection({kubeconfig: write(join(d, 'config'), config), env: {}})
    assert.equal(connection.cluster.authKind, 'basic')
    assert.equal(connection.cluster.authenticate, undefined)
  })

  it('proxy-url: http, https and socks5 are kept; another scheme is a usage error naming it', async () => {
    const d = dir()
    const configWith = (
      proxy: string,
    ) => `clusters: [{name: c, cluster: {server: "https://k8s.example", proxy-url: "${proxy}"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`
    for (const proxy of ['http://proxy:3128', 'https://proxy:3129', 'socks5://proxy:1080']) {
      const connection = await resolveConnection({
        kubeconfig: write(join(d, 'config'), configWith(proxy)),
        env: {},
      })
      assert.equal(connection.cluster.proxyUrl, proxy)
    }
    await assert.rejects(
      resolveConnection({kubeconfig: write(join(d, 'config'), configWith('ftp://proxy:21')), env: {}}),
      /proxy-url with the unsupported scheme "ftp:"/,
    )
  })

  it('an exec user runs the credential plugin (ours, without client-node)', async () => {
    const d = dir()
    const plugin = write(
      join(d, 'plugin.mjs'),
      `process.stdout.write(JSON.stringify({apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: {token: 'exec-token-' + process.argv[2]}}))\n`,
    )
    const config = `clusters: [{name: c, cluster: {server: "https://k8s.example"}}]
users:
- name: u
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: ${JSON.stringify(process.execPath)}
      args: [${JSON.stringify(plugin)}, "42"]
      interactiveMode: Never
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`
    const connection = await resolveConnection({kubeconfig: write(join(d, 'config'), config), env: {}})
    assert.equal(connection.cluster.authKind, 'exec')
    assert.equal(connection.cluster.token, undefined)
    const auth = await connection.cluster.authenticate!()
    assert.equal(auth.headers.Authorization, 'Bearer exec-token-42')
  })
})
