// The real wire: what kube-apiserver v1.37.2 sends the tool (Status bodies, error texts, gzip, HTTP/1.1 vs h2, the
// paths and verbs its discovery serves), the plugins run through kubectl, no write in the audit log, and the
// API-server double held against the real server's answers to the same requests.
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {request} from 'node:https'
import {connect} from 'node:tls'
import {after, before, describe, it} from 'node:test'
import {gunzipSync} from 'node:zlib'
import {parseLabelSelector} from '../../src/core/admission/label-selector.js'
import {startApiServer, startWebhookServer} from '../apiserver-double/index.js'
import type {ApiServerDouble, WebhookServer} from '../apiserver-double/index.js'
import {createBarePods, createNamespaceReady} from './bulk-objects.js'
import {realClusterAvailable, startRealCluster} from './cluster.js'
import type {RealCluster} from './cluster.js'
import {startInterceptingProxy} from './intercepting-proxy.js'
import {injectorWebhookConfiguration, istioConfigMaps} from './istio-install.js'
import {runPlugin} from './kubectl-plugins.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kubernetes objects of any shape
type Json = Record<string, any>

const availability = realClusterAvailable()
const skip = availability.available ? false : availability.reason
const bulkPods = 120

interface Raw {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: Buffer
}

// One HTTPS request with the tool's own headers (transport.ts: JSON, gzip) unless `headers` says otherwise.
function raw(
  base: string,
  ca: string,
  token: string,
  path: string,
  o: {method?: string; body?: unknown; headers?: Record<string, string>} = {},
): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const payload = o.body === undefined ? undefined : JSON.stringify(o.body)
    const req = request(
      base + path,
      {
        method: o.method ?? 'GET',
        ca,
        agent: false,
        headers: {
          Accept: 'application/json',
          'Accept-Encoding': 'gzip',
          Authorization: `Bearer ${token}`,
          ...(payload ? {'Content-Type': 'application/json'} : {}),
          ...o.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () =>
          resolve({status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks)}),
        )
      },
    )
    req.on('error', reject)
    req.end(payload)
  })
}
const text = (r: Raw): string =>
  (r.headers['content-encoding'] === 'gzip' ? gunzipSync(r.body) : r.body).toString('utf8')

function alpnOf(server: string, ca: string, offered: string[]): Promise<string | false> {
  const url = new URL(server)
  return new Promise((resolve, reject) => {
    const socket = connect({host: url.hostname, port: Number(url.port), ca, ALPNProtocols: offered}, () => {
      resolve(socket.alpnProtocol ?? false)
      socket.end()
    })
    socket.on('error', reject)
  })
}

// `debug: GET https://…/api/v1/pods?limit=500 200 74ms` → method, path, status.
const requestsIn = (stderr: string): {method: string; path: string; status: number}[] =>
  [...stderr.matchAll(/^debug: (GET|POST) https:\/\/[^/]+(\/[^?\s]*)\S* (\d{3}) /gm)].map((m) => ({
    method: m[1]!,
    path: m[2]!,
    status: Number(m[3]),
  }))

describe('the real wire (kube-apiserver as the tool and kubectl see it)', {skip}, () => {
  let cluster: RealCluster
  let injector: WebhookServer
  const admin = (method: string, path: string, body?: unknown): Promise<Json> =>
    cluster.api(method, path, body).then((r) => {
      assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${r.body.slice(0, 200)}`)
      return r.json()
    })

  before(async () => {
    cluster = await startRealCluster({log: (line) => console.log(`# ${line}`), timeoutMs: 180_000})
    injector = await startWebhookServer({mode: 'native'})
    await createNamespaceReady(cluster, 'istio-system')
    for (const cm of istioConfigMaps()) await admin('POST', '/api/v1/namespaces/istio-system/configmaps', cm)
    await admin(
      'POST',
      '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations',
      injectorWebhookConfiguration({
        name: 'istio-sidecar-injector',
        clientConfig: {url: `${injector.url}/inject`, caBundle: injector.caBundle},
        failurePolicy: 'Fail',
        namespaceLabel: ['istio-injection', 'enabled'],
      }),
    )
    await createNamespaceReady(cluster, 'shop', {'istio-injection': 'enabled'})
    await createNamespaceReady(cluster, 'bulk')
    await createBarePods(cluster, {count: bulkPods, namespaces: ['bulk']})
    // The webhook is live once a server dry run injects.
    const deadline = Date.now() + 30_000
    for (;;) {
      const dry = await cluster.api('POST', '/api/v1/namespaces/shop/pods?dryRun=All', {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {name: 'probe'},
        spec: {containers: [{name: 'app', image: 'nginx:1.27'}]},
      })
      if (dry.status === 201 && dry.body.includes('"istio-proxy"')) break
      assert.ok(Date.now() < deadline, `the injector never answered a dry run: ${dry.body.slice(0, 200)}`)
      await new Promise((r) => setTimeout(r, 250))
    }
    await admin('POST', '/apis/apps/v1/namespaces/shop/deployments', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {name: 'web', namespace: 'shop'},
      spec: {
        replicas: 1,
        selector: {matchLabels: {app: 'web'}},
        template: {
          metadata: {labels: {app: 'web'}},
          spec: {containers: [{name: 'app', image: 'nginx:1.27'}]},
        },
      },
    })
  })
  after(async () => {
    await injector?.close()
    await cluster?.stop()
  })

  it('runs inject-check and inject-diff as kubectl plugins', async () => {
    const list = await runPlugin(cluster, ['plugin', 'list', '--name-only'])
    assert.match(list.stdout, /^kubectl-inject_check$/m)
    assert.match(list.stdout, /^kubectl-inject_diff$/m)
    const check = await runPlugin(cluster, ['inject-check', 'deployment/web', '-n', 'shop'])
    assert.equal(check.code, 0, check.stderr)
    assert.match(check.stdout, /^deployment\/web -n shop: /m)
    // Exit 1 as kubectl diff: differences found (the sidecar the injector adds).
    const diff = await runPlugin(cluster, ['inject-diff', 'deployment/web', '-n', 'shop'])
    assert.equal(diff.code, 1, diff.stderr)
    assert.match(diff.stdout, /istio-proxy/)
  })

  it('exits 66 on a missing pod with the NotFound the server sent', async () => {
    const status = (await cluster.api('GET', '/api/v1/namespaces/shop/pods/missing')).json()
    assert.equal(status.message, 'pods "missing" not found')
    const run = await runPlugin(cluster, ['inject-check', 'pod/missing', '-n', 'shop'])
    assert.equal(run.code, 66)
    assert.equal(run.stderr.split('\n')[0], `error: ${status.message as string} in namespace "shop"`)
    assert.equal(run.stdout, '')
  })

  // Each text is what the server answers to ?labelSelector=…: the tool refuses the same selectors, in the same words.
  const selectors = [
    'app===x',
    'a in',
    'a in (b',
    'a=b,',
    '!',
    'a in (b c)',
    'a in (b,=)',
    '!a=b',
    'a b',
    '=b',
    ',a',
    'a > x',
    'a in b',
    'a=b=c',
    'a in (b))',
    '(',
  ]
  it('words a malformed -l as the API server does', async () => {
    for (const selector of selectors) {
      const res = await cluster.api(
        'GET',
        `/api/v1/pods?limit=1&labelSelector=${encodeURIComponent(selector)}`,
      )
      assert.equal(res.status, 400, selector)
      assert.equal(parseLabelSelector(selector).error, res.json().message, selector)
    }
    const served = (
      await cluster.api('GET', `/api/v1/pods?labelSelector=${encodeURIComponent('a in (b')}`)
    ).json()
    const run = await runPlugin(cluster, ['inject-check', '-A', '-l', 'a in (b'])
    assert.equal(run.code, 64)
    assert.equal(run.stderr.split('\n')[0], `error: -l/--selector "a in (b": ${served.message as string}`)
  })

  it('requests only paths the real discovery serves, with verbs it lists', async () => {
    const runs = await Promise.all([
      runPlugin(cluster, ['inject-check', '-A', '-v=6']),
      runPlugin(cluster, ['inject-check', '--health', '-A', '-v=6']),
      runPlugin(cluster, ['inject-diff', 'deployment/web', '-n', 'shop', '-v=6']),
      runPlugin(cluster, ['inject-check', 'namespace/shop', '-v=6']),
    ])
    const seen = runs.flatMap((r, i) => {
      assert.equal(r.code, i === 2 ? 1 : 0, r.stderr)
      return requestsIn(r.stderr)
    })
    assert.ok(seen.length >= 10, `requests seen: ${seen.length}`)
    for (const {method, path, status} of seen) {
      assert.ok(status < 300, `${method} ${path} answered ${status}`)
      const m = /^\/(api\/v1|apis\/[^/]+\/[^/]+)(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?$/.exec(path)
      assert.ok(m, `a resource path: ${path}`)
      const [, groupVersion, , plural, name] = m
      // `namespaces/NAME` alone is a get of a namespace, not a namespaced collection.
      const resource = m[2] !== undefined && plural === undefined ? 'namespaces' : plural!
      const verb = method === 'POST' ? 'create' : name === undefined ? 'list' : 'get'
      const list = (await cluster.api('GET', `/${groupVersion}`)).json()
      const entry = (list.resources as Json[]).find((r) => r.name === resource)
      assert.ok(entry, `${resource} is in /${groupVersion}`)
      assert.ok((entry.verbs as string[]).includes(verb), `${resource} allows ${verb}`)
    }
  })

  it('gzips a large list for the tool, which reads every pod of it', async () => {
    const large = await raw(
      cluster.server,
      cluster.caPem,
      cluster.identities.inspector.token,
      '/api/v1/namespaces/bulk/pods?limit=500',
    )
    assert.equal(large.headers['content-encoding'], 'gzip')
    assert.equal(JSON.parse(text(large)).items.length, bulkPods)
    const small = await raw(
      cluster.server,
      cluster.caPem,
      cluster.identities.inspector.token,
      '/api/v1/namespaces/bulk/pods/bulk-0',
    )
    assert.equal(small.headers['content-encoding'], undefined)
    const run = await runPlugin(cluster, ['inject-check', '-n', 'bulk', '-o', 'json'])
    assert.equal(run.code, 0, run.stderr)
    assert.equal((JSON.parse(run.stdout).items as Json[]).filter((i) => i.kind === 'Pod').length, bulkPods)
  })

  it('offers h2 to clients that ask; the tool asks for it (as kubectl) and the answer is the same as over HTTP/1.1', async () => {
    assert.equal(await alpnOf(cluster.server, cluster.caPem, ['h2', 'http/1.1']), 'h2')
    assert.equal(await alpnOf(cluster.server, cluster.caPem, ['http/1.1']), 'http/1.1')
    const overH2 = await runPlugin(cluster, ['inject-check', '-A', '-o', 'json', '-v=6'])
    assert.equal(overH2.code, 0, overH2.stderr)
    assert.match(overH2.stderr, /: HTTP\/2 \(ALPN h2\)$/m)
    const overH1 = await runPlugin(cluster, ['inject-check', '-A', '-o', 'json'], {env: {DISABLE_HTTP2: '1'}})
    assert.equal(overH1.code, 0, overH1.stderr)
    const verdicts = (stdout: string) =>
      (JSON.parse(stdout).items as Json[]).map(
        (i) => `${i.kind} ${i.namespace}/${i.name} ${i.outcome} ${i.reason}`,
      )
    assert.deepEqual(verdicts(overH2.stdout), verdicts(overH1.stdout))
    // A server that speaks only HTTP/1.1 (the proxy) is asked for h2 once and answered over HTTP/1.1.
    const proxy = await startInterceptingProxy(cluster, async () => {})
    try {
      const run = await runPlugin(cluster, ['inject-check', '-A', '-v=6'], {
        env: {KUBECONFIG: proxy.kubeconfigPath},
      })
      assert.equal(run.code, 0, run.stderr)
      assert.match(run.stderr, /: HTTP\/1\.1 \(ALPN http\/1\.1\)$/m)
      assert.deepEqual(proxy.offers, [['h2', 'http/1.1']])
      assert.ok(
        proxy.passed.length > 0 && proxy.passed.every((p) => p.status === 200),
        JSON.stringify(proxy.passed),
      )
    } finally {
      await proxy.close()
    }
  })

  it('records no write by the tool in the audit log (only reads, dryRun=All creates, access reviews)', async () => {
    await runPlugin(cluster, ['inject-diff', 'deployment/web', '-n', 'shop'])
    const events = readFileSync(cluster.auditLogPath, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Json)
      .filter((e) => e.user?.username === cluster.identities.inspector.user && e.stage === 'ResponseComplete')
    assert.ok(events.length > 20, `audited requests: ${events.length}`)
    const dryRuns = events.filter((e) => e.verb === 'create' && e.objectRef?.resource === 'pods')
    assert.ok(dryRuns.length > 0, 'inject-diff made server dry runs')
    for (const e of dryRuns) assert.match(e.requestURI, /[?&]dryRun=All(&|$)/)
    const allowed = (e: Json): boolean =>
      ['get', 'list', 'watch'].includes(e.verb) ||
      (e.verb === 'create' && /[?&]dryRun=All(&|$)/.test(e.requestURI)) ||
      (e.verb === 'create' && e.objectRef?.resource === 'selfsubjectaccessreviews')
    assert.deepEqual(
      events.filter((e) => !allowed(e)).map((e) => `${e.verb} ${e.requestURI}`),
      [],
    )
  })

  describe('the API-server double answers as the real server does', () => {
    let double: ApiServerDouble
    before(async () => {
      const shop = await admin('GET', '/api/v1/namespaces/shop')
      const pods = (await admin('GET', '/api/v1/namespaces/bulk/pods')).items as Json[]
      const bulk = await admin('GET', '/api/v1/namespaces/bulk')
      const limited = await resourceLimitedNamespaces()
      double = await startApiServer({
        objects: [shop, bulk, ...pods.map((p) => ({apiVersion: 'v1', kind: 'Pod', ...p})), ...limited],
        userName: cluster.identities.limited.user,
      })
    })
    after(async () => {
      await double?.close()
    })

    // A ResourceQuota (with the status its controller computed) and a LimitRange, created for real and copied into the double.
    async function resourceLimitedNamespaces(): Promise<Json[]> {
      await createNamespaceReady(cluster, 'quota-wire')
      await createNamespaceReady(cluster, 'limits-wire')
      await admin('POST', '/api/v1/namespaces/quota-wire/resourcequotas', {
        apiVersion: 'v1',
        kind: 'ResourceQuota',
        metadata: {name: 'compute'},
        spec: {hard: {'limits.cpu': '1', 'limits.memory': '1Gi'}},
      })
      await admin('POST', '/api/v1/namespaces/limits-wire/limitranges', {
        apiVersion: 'v1',
        kind: 'LimitRange',
        metadata: {name: 'limits'},
        spec: {limits: [{type: 'Container', max: {cpu: '1'}, min: {memory: '64Mi'}}]},
      })
      const deadline = Date.now() + 30_000
      let quota = await admin('GET', '/api/v1/namespaces/quota-wire/resourcequotas/compute')
      while (quota.status?.used === undefined) {
        assert.ok(Date.now() < deadline, 'the ResourceQuota got no status within 30 s')
        await new Promise((r) => setTimeout(r, 200))
        quota = await admin('GET', '/api/v1/namespaces/quota-wire/resourcequotas/compute')
      }
      const range = await admin('GET', '/api/v1/namespaces/limits-wire/limitranges/limits')
      return [
        await admin('GET', '/api/v1/namespaces/quota-wire'),
        await admin('GET', '/api/v1/namespaces/limits-wire'),
        {apiVersion: 'v1', kind: 'ResourceQuota', ...quota},
        {apiVersion: 'v1', kind: 'LimitRange', ...range},
      ]
    }

    const statusFields = (r: Raw): Json => {
      const type = String(r.headers['content-type'])
      if (!type.startsWith('application/json')) return {status: r.status, type, text: text(r)}
      const {kind, status, reason, message, details, code} = JSON.parse(text(r)) as Json
      return {status: r.status, type, kind, reason, message, details, code, failure: status}
    }
    const dryPod = (name: string, ns: string): Json => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {name, namespace: ns},
      spec: {containers: [{name: 'app', image: 'nginx:1.27'}]},
    })
    const sizedPod = (name: string, ns: string, limits: Record<string, string>): Json => {
      const pod = dryPod(name, ns)
      pod.spec.containers[0].resources = {limits}
      return pod
    }
    const cases: {name: string; path: string; method?: string; body?: unknown; who?: 'limited' | 'nobody'}[] =
      [
        {name: 'a missing pod', path: '/api/v1/namespaces/bulk/pods/missing'},
        {name: 'a pod in a missing namespace', path: '/api/v1/namespaces/nowhere/pods/x'},
        {name: 'an unknown resource of a served group', path: '/api/v1/namespaces/bulk/widgets'},
        {name: 'a group the server does not serve', path: '/apis/nosuch.example.com/v1/things'},
        {name: 'an unsupported field selector', path: '/api/v1/pods?fieldSelector=spec.foo%3Dbar'},
        {name: 'a bad token', path: '/api/v1/namespaces/bulk/pods', who: 'nobody'},
        {name: 'a forbidden list', path: '/api/v1/namespaces/bulk/pods', who: 'limited'},
        {
          name: 'a dry run of an existing name',
          path: '/api/v1/namespaces/bulk/pods?dryRun=All',
          method: 'POST',
          body: dryPod('bulk-0', 'bulk'),
        },
        {
          name: 'a dry run over a ResourceQuota (exceeded quota)',
          path: '/api/v1/namespaces/quota-wire/pods?dryRun=All',
          method: 'POST',
          body: sizedPod('x', 'quota-wire', {cpu: '1500m', memory: '512Mi'}),
        },
        {
          name: 'a dry run a ResourceQuota refuses for missing limits (failed quota: must specify)',
          path: '/api/v1/namespaces/quota-wire/pods?dryRun=All',
          method: 'POST',
          body: dryPod('x', 'quota-wire'),
        },
        {
          name: 'a dry run outside a LimitRange (max per Container, min memory)',
          path: '/api/v1/namespaces/limits-wire/pods?dryRun=All',
          method: 'POST',
          body: sizedPod('x', 'limits-wire', {cpu: '2', memory: '32Mi'}),
        },
        {
          name: 'a dry run in a missing namespace',
          path: '/api/v1/namespaces/nowhere/pods?dryRun=All',
          method: 'POST',
          body: dryPod('x', 'nowhere'),
        },
      ]
    for (const c of cases) {
      it(`answers ${c.name} alike`, async () => {
        const realToken =
          c.who === 'limited'
            ? cluster.identities.limited.token
            : c.who === 'nobody'
              ? 'nope'
              : cluster.identities.admin.token
        if (c.who === 'limited') double.setDenied([{verb: 'list', resource: 'pods', namespace: 'bulk'}])
        const doubleToken = c.who === 'nobody' ? 'nope' : double.token
        const opts = {method: c.method, body: c.body}
        const real = await raw(cluster.server, cluster.caPem, realToken, c.path, opts)
        const fake = await raw(double.url, double.caData, doubleToken, c.path, opts)
        double.setDenied([])
        assert.deepEqual(statusFields(fake), statusFields(real))
      })
    }

    it('pages a list alike: the same metadata fields, items without apiVersion/kind', async () => {
      const path = '/api/v1/namespaces/bulk/pods?limit=7'
      const real = JSON.parse(
        text(await raw(cluster.server, cluster.caPem, cluster.identities.admin.token, path)),
      ) as Json
      const fake = JSON.parse(text(await raw(double.url, double.caData, double.token, path))) as Json
      const shape = (list: Json): Json => ({
        kind: list.kind,
        apiVersion: list.apiVersion,
        metadata: Object.keys(list.metadata).sort(),
        remaining: list.metadata.remainingItemCount,
        names: (list.items as Json[]).map((i) => i.metadata.name),
        typed: (list.items as Json[]).filter((i) => 'kind' in i || 'apiVersion' in i).length,
      })
      assert.deepEqual(shape(fake), shape(real))
    })
  })
})
