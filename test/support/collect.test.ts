// --collect against the API-server double: the bundle reads back (--from) to the live verdicts, holds no planted
// secret and no kubeconfig credential, names what the cluster refused, and nothing in the cluster is written.
import assert from 'node:assert/strict'
import {mkdtemp, readFile, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {gunzipSync} from 'node:zlib'
import {after, before, describe, it} from 'node:test'
import {loadYamlObjects, startApiServer} from '../apiserver-double/index.js'
import type {ApiServerDouble} from '../apiserver-double/index.js'
import {check, documentOf, verdictsOnly, writePlainFiles} from './harness.js'

const planted = {
  secretData: 'cGxhbnRlZC1zZWNyZXQtZGF0YS0xOQ==',
  envValue: 'planted-env-password-97',
  configMapPassword: 'planted-cm-password-58',
  annotationToken: 'planted-annotation-token-12',
  argToken: 'planted-arg-token-77',
}

type Raw = Record<string, unknown>
type PodSpec = {containers: {env?: unknown[]; args?: string[]}[]}

/** The bundle cluster plus credentials planted where a careless collector would copy them. */
const plantSecrets = (objects: object[]): object[] => [
  ...objects.map((object) => {
    const raw = object as Raw & {metadata: {name: string; annotations?: Record<string, string>}}
    if (raw.kind !== 'Pod' || !raw.metadata.name.startsWith('httpbin')) return object
    const spec = structuredClone(raw.spec) as PodSpec
    const first = spec.containers[0]!
    first.env = [...(first.env ?? []), {name: 'DB_PASSWORD', value: planted.envValue}]
    first.args = [...(first.args ?? []), `--api-token=${planted.argToken}`]
    return {
      ...raw,
      metadata: {
        ...raw.metadata,
        annotations: {...raw.metadata.annotations, 'vault.example.com/token': planted.annotationToken},
      },
      spec,
    }
  }),
  {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {name: 'db', namespace: 'apps'},
    type: 'Opaque',
    data: {password: planted.secretData},
  },
  {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {name: 'istio-extra', namespace: 'istio-system'},
    data: {'db-password': planted.configMapPassword},
  },
]

let work = ''
let double: ApiServerDouble
let kubeconfig = ''

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'support-collect-'))
  const plain = await writePlainFiles(join(work, 'plain'))
  double = await startApiServer({objects: plantSecrets(plain.flatMap((file) => loadYamlObjects(file)))})
  kubeconfig = double.writeKubeconfig({dir: work})
})
after(async () => {
  await double.close()
  await rm(work, {recursive: true, force: true})
})

const archiveText = async (file: string): Promise<string> =>
  gunzipSync(await readFile(file)).toString('latin1')

describe('--collect then --from', () => {
  it('writes the bundle, keeps stdout empty, and says on stderr what went in and how to read it back', async () => {
    const bundle = join(work, 'all.tar.gz')
    const result = await check(['-A', '--collect', bundle, '--kubeconfig', kubeconfig])
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.stdout, '')
    assert.match(
      result.stderr,
      /^Collected \d+ objects for pods in all namespaces into .*all\.tar\.gz: .*Pod/m,
    )
    assert.match(result.stderr, /^Read it back with: kubectl inject-check -A --from .*all\.tar\.gz$/m)
    assert.deepEqual(double.writes(), [], 'collect never writes to the cluster')
  })

  it('reads back to the same verdicts as the live sweep, citing the bundle entry', async () => {
    const bundle = join(work, 'round.tar.gz')
    assert.equal((await check(['-A', '--collect', bundle, '--kubeconfig', kubeconfig])).code, 0)
    // KUBECONFIG, not --kubeconfig: with the flag every fix would name the file (fix-commands.test.ts).
    const live = await check(['-A', '-o', 'json'], {KUBECONFIG: kubeconfig})
    const back = await check(['-A', '-o', 'json', '--from', bundle])
    assert.equal(back.code, 0, back.stderr)
    assert.deepEqual(verdictsOnly(documentOf(back)), verdictsOnly(documentOf(live)))
    const source = (item: {sources?: Record<string, string>}) => item.sources?.pod ?? item.sources?.workload
    assert.ok(documentOf(live).items.every((item) => source(item) === 'live'))
    for (const item of documentOf(back).items)
      assert.match(
        source(item) ?? '',
        new RegExp(`^${bundle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}!kubectl-inject-bundle/resources/`),
      )
  })

  it('collects the health extras: --from the bundle judges the webhook service chain, not "data missing"', async () => {
    const bundle = join(work, 'health.tar.gz')
    assert.equal((await check(['-A', '--collect', bundle, '--kubeconfig', kubeconfig])).code, 0)
    const back = documentOf(await check(['-A', '--health', '-o', 'json', '--from', bundle]))
    const codes = back.health?.webhooks.flatMap((w) => w.checks.map((c) => c.code)) ?? []
    assert.ok(codes.includes('WebhookServiceFound'), codes.join(', '))
    assert.ok(codes.includes('WebhookEndpointsReady'), codes.join(', '))
    assert.ok(!codes.includes('HealthDataMissing'), codes.join(', '))
  })

  it('redacts: no planted secret, no Secret data and no kubeconfig credential in the archive bytes', async () => {
    const bundle = join(work, 'redacted.tar.gz')
    assert.equal((await check(['-A', '--collect', bundle, '--kubeconfig', kubeconfig])).code, 0)
    const text = await archiveText(bundle)
    for (const [name, value] of Object.entries(planted))
      assert.ok(!text.includes(value), `${name} leaked into the bundle`)
    assert.ok(!text.includes(double.token), 'the bearer token leaked into the bundle')
    assert.ok(!text.includes(double.caData.split('\n')[1] ?? double.caData), 'the kubeconfig CA leaked')
    assert.ok(text.includes('DB_PASSWORD'), 'env names are kept')
  })

  it('--no-redact keeps env values, still never Secret data or the kubeconfig', async () => {
    const bundle = join(work, 'raw.tar.gz')
    const result = await check(['-A', '--collect', bundle, '--no-redact', '--kubeconfig', kubeconfig])
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stderr, /Not redacted/)
    const text = await archiveText(bundle)
    assert.ok(text.includes(planted.envValue))
    assert.ok(!text.includes(planted.secretData))
    assert.ok(!text.includes(double.token))
  })

  it('names what the cluster refused on stderr and in the bundle, and the read back shows the gap', async () => {
    const bundle = join(work, 'forbidden.tar.gz')
    double.setDenied([{resource: 'nodes'}])
    try {
      const result = await check(['-A', '--collect', bundle, '--kubeconfig', kubeconfig])
      assert.equal(result.code, 0, result.stderr)
      assert.match(result.stderr, /^warning: not collected: list nodes \(Forbidden\)/m)
    } finally {
      double.setDenied([])
    }
    const back = documentOf(await check(['-A', '-o', 'json', '--from', bundle]))
    assert.ok(
      back.gaps.some((g) => g.resource === 'nodes' && g.reason === 'Forbidden'),
      JSON.stringify(back.gaps),
    )
  })

  it('rejects flags that only apply when reading the bundle back, naming them', async () => {
    const result = await check([
      '--collect',
      join(work, 'x.tar.gz'),
      '-o',
      'json',
      '--kubeconfig',
      kubeconfig,
    ])
    assert.equal(result.code, 64)
    assert.match(result.stderr, /--collect only writes the bundle; -o\/--output applies when reading it back/)
    const noRedact = await check(['--no-redact', '--kubeconfig', kubeconfig])
    assert.equal(noRedact.code, 64)
    assert.match(noRedact.stderr, /--no-redact only applies to --collect/)
  })
})

describe('live requests', () => {
  it('--health reads the health extras; the plain sweep does not', async () => {
    let before = double.requests.length
    assert.equal((await check(['-A', '--kubeconfig', kubeconfig])).code, 0)
    const plainPaths = double.requests.slice(before).map((r) => r.path)
    before = double.requests.length
    const health = await check(['-A', '--health', '--kubeconfig', kubeconfig])
    assert.equal(health.code, 0, health.stderr)
    const healthRequests = double.requests.slice(before)
    const paths = healthRequests.map((r) => r.path)
    for (const path of [
      '/api/v1/namespaces/istio-system/services',
      '/apis/discovery.k8s.io/v1/namespaces/istio-system/endpointslices',
      '/api/v1/nodes',
      '/api/v1/events',
    ])
      assert.ok(paths.includes(path), `--health requests ${path}: ${paths.join(', ')}`)
    assert.ok(healthRequests.some((r) => r.query.fieldSelector === 'reason=FailedCreate'))
    // The plain sweep reads what verdicts need (events and the webhook Service chain judge FailedCreate); never nodes.
    assert.ok(!plainPaths.some((p) => /nodes/.test(p)), plainPaths.join(', '))
    // A constant of 17 (one list per owner kind and five admission-after-injection lists among them), plus a GET for each
    // controller a FailedCreate event names and its Deployment (bounded by controllerReadLimit).
    const blockedGets = plainPaths.filter((p) =>
      /^\/apis\/(apps|batch)\/v1\/namespaces\/[^/]+\/[^/]+\/[^/]+$/.test(p),
    )
    assert.ok(plainPaths.length - blockedGets.length <= 17, `plain sweep: ${plainPaths.join(', ')}`)
    assert.ok(blockedGets.length <= 2 * 50)
    assert.match(health.stdout, /^Istio injector webhooks: /)
    assert.deepEqual(double.writes(), [])
  })
})
