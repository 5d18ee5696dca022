// Real kubectl (v1.32, from PATH) over HTTPS against the API-server double: proves the double's wire shapes are faithful.
import {describe, it, before, after} from 'node:test'
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {parse} from 'yaml'
import {startApiServer, startWebhookServer, loadTlsMaterial} from '../apiserver-double/index.js'
import type {ApiServerDouble, WebhookServer} from '../apiserver-double/index.js'
import {requireKubectl} from '../cli/kubectl-on-path.js'

// Module level: without kubectl this file fails once, with that message.
const kubectlBin = requireKubectl()

const work = mkdtempSync(join(tmpdir(), 'double-kubectl-'))

interface Run {
  code: number
  stdout: string
  stderr: string
}

function kubectl(kubeconfig: string, args: string[], timeoutMs = 30_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      kubectlBin,
      ['--kubeconfig', kubeconfig, '--cache-dir', join(work, 'cache'), ...args],
      {timeout: timeoutMs, encoding: 'utf8'},
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0
        resolve({code, stdout, stderr})
      },
    )
  })
}

const namespace = (name: string, labels: Record<string, string> = {}): object => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: {name, labels},
})

const pod = (ns: string, name: string, labels: Record<string, string> = {}): object => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {name, namespace: ns, labels},
  spec: {containers: [{name: 'app', image: 'nginx:1.27'}], nodeName: 'node-1'},
  status: {phase: 'Running'},
})

function injectorConfiguration(
  name: string,
  webhook: WebhookServer,
  failurePolicy: 'Fail' | 'Ignore',
  extra: object = {},
): object {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: {name},
    webhooks: [
      {
        name: 'namespace.sidecar-injector.istio.io',
        clientConfig: {
          service: {name: 'istiod', namespace: 'istio-system', path: '/inject', port: 443},
          caBundle: webhook.caBundle,
        },
        rules: [
          {operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: '*'},
        ],
        sideEffects: 'None',
        admissionReviewVersions: ['v1'],
        failurePolicy,
        timeoutSeconds: 5,
        namespaceSelector: {
          matchExpressions: [{key: 'istio-injection', operator: 'In', values: ['enabled']}],
        },
        ...extra,
      },
    ],
  }
}

const podManifest = join(work, 'pod.yaml')
writeFileSync(
  podManifest,
  [
    'apiVersion: v1',
    'kind: Pod',
    'metadata:',
    '  generateName: web-',
    '  labels:',
    '    app: web',
    'spec:',
    '  containers:',
    '  - name: app',
    '    image: nginx:1.27',
    '',
  ].join('\n'),
)

describe('kubectl reads from the double', () => {
  let api: ApiServerDouble
  let kubeconfig: string
  before(async () => {
    api = await startApiServer({
      objects: [
        namespace('default'),
        namespace('shop', {'istio-injection': 'enabled'}),
        pod('shop', 'web-1', {app: 'web'}),
        pod('shop', 'web-2', {app: 'web'}),
        pod('shop', 'db-0', {app: 'db'}),
        pod('default', 'web-3', {app: 'web'}),
        pod('default', 'tool', {}),
      ],
    })
    kubeconfig = api.writeKubeconfig({dir: work, fileName: 'reads.kubeconfig'})
  })
  after(() => api.close())

  it('lists namespaces as a table with the default STATUS column', async () => {
    const run = await kubectl(kubeconfig, ['get', 'ns'])
    assert.equal(run.code, 0, run.stderr)
    const lines = run.stdout.trim().split('\n')
    assert.match(lines[0]!, /^NAME\s+STATUS\s+AGE$/)
    assert.deepEqual(
      lines.slice(1).map((l) => l.split(/\s+/)[0]),
      ['default', 'shop'],
    )
  })

  it('prints pods of all namespaces with a NAMESPACE column', async () => {
    const run = await kubectl(kubeconfig, ['get', 'pods', '-A'])
    assert.equal(run.code, 0, run.stderr)
    const rows = run.stdout
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(/\s+/).slice(0, 2).join('/'))
    assert.deepEqual(rows, ['default/tool', 'default/web-3', 'shop/db-0', 'shop/web-1', 'shop/web-2'])
  })

  it('returns every pod as JSON in one List', async () => {
    const run = await kubectl(kubeconfig, ['get', 'pods', '-A', '-o', 'json'])
    assert.equal(run.code, 0, run.stderr)
    const list = JSON.parse(run.stdout) as {kind: string; items: {metadata: {name: string}}[]}
    assert.equal(list.kind, 'List')
    assert.equal(list.items.length, 5)
  })

  it('pages with --chunk-size=2 through limit and continue and still returns every pod', async () => {
    const seen = api.requests.length
    const run = await kubectl(kubeconfig, ['get', 'pods', '-A', '-o', 'json', '--chunk-size=2'])
    assert.equal(run.code, 0, run.stderr)
    const names = (JSON.parse(run.stdout) as {items: {metadata: {name: string}}[]}).items.map(
      (i) => i.metadata.name,
    )
    assert.deepEqual(names, ['tool', 'web-3', 'db-0', 'web-1', 'web-2'])
    const lists = api.requests.slice(seen).filter((r) => r.path === '/api/v1/pods')
    assert.equal(lists.length, 3)
    assert.ok(lists.every((r) => r.query.limit === '2'))
    assert.equal(lists[0]!.query.continue, undefined)
    assert.ok(lists[1]!.query.continue && lists[2]!.query.continue)
  })

  it('gets one pod as YAML', async () => {
    const run = await kubectl(kubeconfig, ['get', 'pod', 'db-0', '-n', 'shop', '-o', 'yaml'])
    assert.equal(run.code, 0, run.stderr)
    const obj = parse(run.stdout) as {
      kind: string
      metadata: {name: string; namespace: string; labels: Record<string, string>}
    }
    assert.equal(obj.kind, 'Pod')
    assert.equal(obj.metadata.namespace, 'shop')
    assert.deepEqual(obj.metadata.labels, {app: 'db'})
  })

  it('filters by label selector across namespaces', async () => {
    const run = await kubectl(kubeconfig, ['get', 'pods', '-l', 'app=web', '-A', '-o', 'name'])
    assert.equal(run.code, 0, run.stderr)
    assert.deepEqual(run.stdout.trim().split('\n'), ['pod/web-3', 'pod/web-1', 'pod/web-2'])
  })

  it('filters by set-based label selector and field selector', async () => {
    const run = await kubectl(kubeconfig, [
      'get',
      'pods',
      '-A',
      '-o',
      'name',
      '-l',
      'app notin (web),app',
      '--field-selector',
      'metadata.namespace=shop',
    ])
    assert.equal(run.code, 0, run.stderr)
    assert.deepEqual(run.stdout.trim().split('\n'), ['pod/db-0'])
  })

  it('reports a missing pod like the real server, exit 1', async () => {
    const run = await kubectl(kubeconfig, ['get', 'pod', 'nope', '-n', 'shop'])
    assert.equal(run.code, 1)
    assert.equal(run.stderr.trim(), 'Error from server (NotFound): pods "nope" not found')
  })

  it('reports a Forbidden fault', async () => {
    api.setFaults([{method: 'GET', path: '/api/v1/namespaces/shop/pods', status: 403, times: 1}])
    const run = await kubectl(kubeconfig, ['get', 'pods', '-n', 'shop'])
    api.setFaults([])
    assert.equal(run.code, 1)
    assert.match(run.stderr, /Error from server \(Forbidden\)/)
  })

  it('reports a denied access rule with the RBAC wording', async () => {
    api.setDenied([{verb: 'list', resource: 'secrets'}])
    const run = await kubectl(kubeconfig, ['get', 'secrets', '-n', 'shop'])
    const review = await kubectl(kubeconfig, ['auth', 'can-i', 'list', 'secrets', '-n', 'shop'])
    const allowed = await kubectl(kubeconfig, ['auth', 'can-i', 'list', 'pods', '-n', 'shop'])
    api.setDenied([])
    assert.equal(run.code, 1)
    assert.match(
      run.stderr,
      /secrets is forbidden: User "kubectl-inject-test" cannot list resource "secrets" in API group "" in the namespace "shop"/,
    )
    assert.equal(review.stdout.trim(), 'no')
    assert.equal(allowed.stdout.trim(), 'yes')
  })

  it('rejects a wrong token with 401', async () => {
    const wrong = api.writeKubeconfig({dir: work, fileName: 'wrong-token.kubeconfig', token: 'not-the-token'})
    const run = await kubectl(wrong, ['get', 'pods', '-n', 'shop'])
    assert.equal(run.code, 1)
    assert.match(run.stderr, /Unauthorized/)
    assert.ok(api.requests.some((r) => r.status === 401))
  })

  it('fails TLS when the kubeconfig trusts an unrelated CA', async () => {
    const wrong = api.writeKubeconfig({
      dir: work,
      fileName: 'wrong-ca.kubeconfig',
      caData: loadTlsMaterial().wrongCaPem,
    })
    const run = await kubectl(wrong, ['get', 'pods', '-n', 'shop'])
    assert.equal(run.code, 1)
    assert.match(run.stderr, /x509: certificate signed by unknown authority/)
  })

  it('honours --request-timeout against a delayed response', async () => {
    api.setFaults([{path: '/api/v1/namespaces/shop/pods', delayMs: 3000, times: 1}])
    const run = await kubectl(kubeconfig, ['get', 'pods', '-n', 'shop', '--request-timeout=1s'])
    api.setFaults([])
    assert.equal(run.code, 1)
    assert.match(run.stderr, /Client\.Timeout|context deadline exceeded|timeout/i)
  })
})

describe('kubectl create --dry-run=server through the webhook chain', () => {
  let api: ApiServerDouble
  let webhook: WebhookServer
  let kubeconfig: string
  const base = [namespace('default'), namespace('shop', {'istio-injection': 'enabled'})]

  before(async () => {
    webhook = await startWebhookServer({mode: 'native'})
    api = await startApiServer({objects: base, services: {'istio-system/istiod:443': webhook.url}})
    kubeconfig = api.writeKubeconfig({dir: work, fileName: 'create.kubeconfig'})
  })
  after(async () => {
    await api.close()
    await webhook.close()
  })

  const useConfiguration = (config: object | undefined): void => {
    api.removeObject('MutatingWebhookConfiguration', '', 'istio-sidecar-injector')
    if (config) api.addObjects([config])
  }

  it('returns the injected pod and records no write', async () => {
    useConfiguration(injectorConfiguration('istio-sidecar-injector', webhook, 'Fail'))
    const calls = webhook.calls.length
    const run = await kubectl(kubeconfig, [
      'create',
      '-f',
      podManifest,
      '--dry-run=server',
      '-o',
      'json',
      '-n',
      'shop',
    ])
    assert.equal(run.code, 0, run.stderr)
    const created = JSON.parse(run.stdout) as {
      metadata: {name: string}
      spec: {initContainers?: {name: string; restartPolicy?: string}[]}
    }
    const proxy = created.spec.initContainers?.find((c) => c.name === 'istio-proxy')
    assert.equal(proxy?.restartPolicy, 'Always')
    assert.match(created.metadata.name, /^web-[a-z0-9]{5}$/)
    assert.equal(webhook.calls.length, calls + 1)
    assert.equal((webhook.calls.at(-1)!.request as {dryRun: boolean}).dryRun, true)
    assert.deepEqual(api.writes(), [])
  })

  it('skips the webhook for a namespace without the injection label', async () => {
    useConfiguration(injectorConfiguration('istio-sidecar-injector', webhook, 'Fail'))
    const calls = webhook.calls.length
    const run = await kubectl(kubeconfig, [
      'create',
      '-f',
      podManifest,
      '--dry-run=server',
      '-o',
      'json',
      '-n',
      'default',
    ])
    assert.equal(run.code, 0, run.stderr)
    const created = JSON.parse(run.stdout) as {spec: {initContainers?: unknown[]}}
    assert.equal(created.spec.initContainers, undefined)
    assert.equal(webhook.calls.length, calls)
  })

  it('fails the create when an unreachable webhook has failurePolicy Fail', async () => {
    useConfiguration(
      injectorConfiguration('istio-sidecar-injector', webhook, 'Fail', {
        clientConfig: {url: 'https://127.0.0.1:1/inject', caBundle: webhook.caBundle},
      }),
    )
    const run = await kubectl(kubeconfig, [
      'create',
      '-f',
      podManifest,
      '--dry-run=server',
      '-o',
      'json',
      '-n',
      'shop',
    ])
    assert.equal(run.code, 1)
    assert.match(
      run.stderr,
      /Internal error occurred: failed calling webhook "namespace.sidecar-injector.istio.io": failed to call webhook: Post "https:\/\/127\.0\.0\.1:1\/inject\?timeout=5s": dial tcp 127\.0\.0\.1:1: connect: connection refused/,
    )
  })

  it('creates an uninjected pod when an unreachable webhook has failurePolicy Ignore', async () => {
    useConfiguration(
      injectorConfiguration('istio-sidecar-injector', webhook, 'Ignore', {
        clientConfig: {url: 'https://127.0.0.1:1/inject', caBundle: webhook.caBundle},
      }),
    )
    const run = await kubectl(kubeconfig, [
      'create',
      '-f',
      podManifest,
      '--dry-run=server',
      '-o',
      'json',
      '-n',
      'shop',
    ])
    assert.equal(run.code, 0, run.stderr)
    const created = JSON.parse(run.stdout) as {
      spec: {initContainers?: unknown[]; containers: {name: string}[]}
    }
    assert.equal(created.spec.initContainers, undefined)
    assert.deepEqual(
      created.spec.containers.map((c) => c.name),
      ['app'],
    )
  })

  it('refuses dry run for a webhook with sideEffects Unknown', async () => {
    useConfiguration(
      injectorConfiguration('istio-sidecar-injector', webhook, 'Fail', {sideEffects: 'Unknown'}),
    )
    const run = await kubectl(kubeconfig, [
      'create',
      '-f',
      podManifest,
      '--dry-run=server',
      '-o',
      'json',
      '-n',
      'shop',
    ])
    assert.equal(run.code, 1)
    assert.match(
      run.stderr,
      /admission webhook "namespace.sidecar-injector.istio.io" does not support dry run/,
    )
  })

  it('reports a webhook trusted with the wrong CA as an x509 failure', async () => {
    const wrongBundle = Buffer.from(loadTlsMaterial().wrongCaPem).toString('base64')
    useConfiguration(
      injectorConfiguration('istio-sidecar-injector', webhook, 'Fail', {
        clientConfig: {url: webhook.url + '/inject', caBundle: wrongBundle},
      }),
    )
    const run = await kubectl(kubeconfig, [
      'create',
      '-f',
      podManifest,
      '--dry-run=server',
      '-o',
      'json',
      '-n',
      'shop',
    ])
    assert.equal(run.code, 1)
    assert.match(
      run.stderr,
      /failed to call webhook: Post ".*": tls: failed to verify certificate: x509: certificate signed by unknown authority/,
    )
  })

  it('creates for real without dryRun and records the write', async () => {
    useConfiguration(undefined)
    const run = await kubectl(kubeconfig, ['create', '-f', podManifest, '-o', 'name', '-n', 'shop'])
    assert.equal(run.code, 0, run.stderr)
    const name = run.stdout.trim().replace(/^pod\//, '')
    assert.equal(api.writes().length, 1)
    const read = await kubectl(kubeconfig, ['get', 'pod', name, '-n', 'shop', '-o', 'name'])
    assert.equal(read.stdout.trim(), `pod/${name}`)
  })
})

describe('kubectl create against a denying webhook', () => {
  it('prints the webhook denial message', async () => {
    const webhook = await startWebhookServer({failWith: {deny: 'pods in shop must not be created today'}})
    const api = await startApiServer({
      objects: [
        namespace('shop', {'istio-injection': 'enabled'}),
        injectorConfiguration('istio-sidecar-injector', webhook, 'Fail'),
      ],
      services: {'istio-system/istiod:443': webhook.url},
    })
    try {
      const run = await kubectl(api.writeKubeconfig({dir: work, fileName: 'deny.kubeconfig'}), [
        'create',
        '-f',
        podManifest,
        '--dry-run=server',
        '-o',
        'json',
        '-n',
        'shop',
      ])
      assert.equal(run.code, 1)
      assert.match(
        run.stderr,
        /admission webhook "namespace.sidecar-injector.istio.io" denied the request: pods in shop must not be created today/,
      )
    } finally {
      await api.close()
      await webhook.close()
    }
  })
})
