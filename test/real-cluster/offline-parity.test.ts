// Offline = live on the real server: `inject-check --collect` a bundle from a real cluster, then `--from` it, and the
// verdicts are the live ones (items compared field by field, minus where each came from).
import assert from 'node:assert/strict'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {startWebhookServer} from '../apiserver-double/index.js'
import type {WebhookServer} from '../apiserver-double/index.js'
import {barePod, createNamespaceReady} from './bulk-objects.js'
import {realClusterAvailable, startRealCluster} from './cluster.js'
import type {RealCluster} from './cluster.js'
import {injectorWebhookConfiguration, istioConfigMaps} from './istio-install.js'
import {runPlugin} from './kubectl-plugins.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kubernetes objects of any shape
type Json = Record<string, any>

const availability = realClusterAvailable()
const skip = availability.available ? false : availability.reason

const deployment = (name: string, namespace: string, replicas: number): Json => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {name, namespace},
  spec: {
    replicas,
    selector: {matchLabels: {app: name}},
    template: {metadata: {labels: {app: name}}, spec: {containers: [{name: 'app', image: 'nginx:1.27'}]}},
  },
})

// Where a verdict came from is the only allowed difference: `sources`, and the live context that fix commands name.
const verdicts = (stdout: string): Json[] =>
  JSON.parse(
    JSON.stringify(
      ((JSON.parse(stdout) as Json).items as Json[]).map(({sources: _sources, ...item}) => item),
    ).replaceAll(' --context inspector', ''),
  ) as Json[]

describe('offline (--collect, then --from) = live on a real API server', {skip}, () => {
  let cluster: RealCluster
  let injector: WebhookServer
  const dir = mkdtempSync(join(tmpdir(), 'real-bundle-'))
  const admin = async (path: string, body: Json): Promise<void> => {
    const res = await cluster.api('POST', path, body)
    assert.equal(res.status, 201, `${path}: ${res.body.slice(0, 200)}`)
  }

  before(async () => {
    cluster = await startRealCluster({log: (line) => console.log(`# ${line}`), timeoutMs: 180_000})
    injector = await startWebhookServer({mode: 'native'})
    await createNamespaceReady(cluster, 'istio-system')
    for (const cm of istioConfigMaps()) await admin('/api/v1/namespaces/istio-system/configmaps', cm)
    await admin(
      '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations',
      injectorWebhookConfiguration({
        name: 'istio-sidecar-injector',
        clientConfig: {url: `${injector.url}/inject`, caBundle: injector.caBundle},
        failurePolicy: 'Fail',
        namespaceLabel: ['istio-injection', 'enabled'],
      }),
    )
    await createNamespaceReady(cluster, 'shop', {'istio-injection': 'enabled'})
    await createNamespaceReady(cluster, 'plain')
    // Before the webhook is live these pods may be created uninjected: either way live and offline must agree.
    await admin('/apis/apps/v1/namespaces/shop/deployments', deployment('web', 'shop', 2))
    await admin('/apis/apps/v1/namespaces/shop/deployments', deployment('idle', 'shop', 0))
    await admin('/apis/apps/v1/namespaces/plain/deployments', deployment('api', 'plain', 1))
    await admin('/api/v1/namespaces/shop/pods', {
      ...barePod('opted-out', 'shop'),
      metadata: {name: 'opted-out', namespace: 'shop', labels: {'sidecar.istio.io/inject': 'false'}},
    })
    await admin('/api/v1/namespaces/plain/pods', barePod('lonely', 'plain'))
    const deadline = Date.now() + 60_000
    for (;;) {
      const pods = (await cluster.api('GET', '/api/v1/pods')).json().items as Json[]
      if (pods.length >= 5) break
      assert.ok(Date.now() < deadline, `controllers made ${pods.length} of 5 pods`)
      await new Promise((r) => setTimeout(r, 250))
    }
  })
  after(async () => {
    await injector?.close()
    await cluster?.stop()
  })

  // One bundle, collected as a support engineer would (`-A --collect`), read back for every scope.
  const bundle = join(dir, 'cluster.tar.gz')
  it('collects a bundle from the real cluster', async () => {
    const collected = await runPlugin(cluster, ['inject-check', '-A', '--collect', bundle])
    assert.equal(collected.code, 0, collected.stderr)
    console.log(`# ${collected.stderr.split('\n')[0] ?? ''}`)
  })
  const scopes: {name: string; args: string[]}[] = [
    {name: 'all namespaces', args: ['-A']},
    {name: 'one namespace', args: ['-n', 'shop']},
    {name: 'a namespace', args: ['namespace/shop']},
    {name: 'a Deployment with zero pods', args: ['deployment/idle', '-n', 'shop']},
  ]
  for (const s of scopes) {
    it(`judges ${s.name} the same from the bundle`, async () => {
      const live = await runPlugin(cluster, ['inject-check', ...s.args, '-o', 'json'])
      assert.equal(live.code, 0, live.stderr)
      const offline = await runPlugin(cluster, ['inject-check', ...s.args, '-o', 'json', '--from', bundle], {
        context: undefined,
      })
      assert.equal(offline.code, 0, offline.stderr)
      const liveItems = verdicts(live.stdout)
      assert.ok(liveItems.length > 0, 'live judged something')
      assert.deepEqual(verdicts(offline.stdout), liveItems)
      assert.deepEqual(JSON.parse(offline.stdout).summary, JSON.parse(live.stdout).summary)
      console.log(
        `# ${s.name}: ${liveItems.map((v) => `${v.kind}/${v.name} ${v.outcome} ${v.reason}`).join('; ')}`,
      )
    })
  }
})
