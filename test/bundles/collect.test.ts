// `--collect`: the written bundle reads back to the same facts, and nothing secret survives redaction.
import assert from 'node:assert/strict'
import {mkdtemp, readFile, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {gunzipSync} from 'node:zlib'
import {after, before, describe, it} from 'node:test'
import {bundleSnapshot, readBundle} from '../../src/cluster/bundle-reader.js'
import {writeBundle, type CollectedCluster} from '../../src/cluster/bundle-writer.js'
import {redactObject} from '../../src/cluster/redaction.js'

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'bundles')
let work = ''
before(async () => {
  work = await mkdtemp(join(tmpdir(), 'collect-'))
})
after(async () => {
  await rm(work, {recursive: true, force: true})
})

type Raw = Record<string, unknown>

/** The objects a live collect would fetch, taken from the 1.30 fixture cluster, grouped by kind. */
const collectedFromFixture = async (): Promise<CollectedCluster> => {
  const bundle = await readBundle(join(fixtures, 'bug-report-1.30'))
  const objects: Record<string, Raw[]> = {}
  for (const {object} of bundle!.entries) (objects[String(object.kind)] ??= []).push(object)
  return {
    objects,
    gaps: [
      {
        resource: 'secrets',
        namespace: 'istio-system',
        reason: 'Forbidden',
        verb: 'list',
        message: 'secrets is forbidden: User "support" cannot list resource "secrets"',
      },
    ],
    meta: {
      context: 'kind-mesh',
      server: 'https://127.0.0.1:6443',
      createdAt: '2025-08-20T11:00:00.000Z',
      targets: ['pod apps/httpbin-7f9c6d5b8-qv2lm'],
    },
  }
}

/** The same facts regardless of provenance and of the order files were read in. */
const withoutSources = (snapshot: Raw): unknown => {
  const plain = JSON.parse(
    JSON.stringify(snapshot, (key, value: unknown) =>
      key === 'source' || key === 'origin' ? undefined : value,
    ),
  ) as Record<string, unknown[]>
  return Object.fromEntries(
    Object.entries(plain).map(([key, list]) => [key, list.map((item) => JSON.stringify(item)).sort()]),
  )
}

describe('collect → read round trip', () => {
  for (const redact of [true, false]) {
    it(`projects to the same snapshot as the source (${redact ? 'redacted' : '--no-redact'})`, async () => {
      const collected = await collectedFromFixture()
      const file = join(work, `round-${redact}.tar.gz`)
      const written = await writeBundle(file, collected, {redact})
      assert.ok(written.includes('kubectl-inject-bundle/manifest.yaml'))
      assert.ok(written.includes('kubectl-inject-bundle/resources/mutatingwebhookconfigurations.yaml'))
      const back = await readBundle(file)
      assert.equal(back?.layout, 'inject-bundle')
      assert.match(
        back!.entries.find((e) => e.object.kind === 'Namespace')!.source,
        /round-(true|false)\.tar\.gz!kubectl-inject-bundle\/resources\/namespaces\.yaml$/,
      )
      const original = await bundleSnapshot([
        {...(await readBundle(join(fixtures, 'bug-report-1.30')))!, logs: [], gaps: []},
      ])
      const roundTripped = await bundleSnapshot([{...back!, gaps: []}])
      assert.deepEqual(
        withoutSources(roundTripped as unknown as Raw),
        withoutSources(original as unknown as Raw),
      )
      assert.deepEqual(
        back!.gaps,
        collected.gaps,
        'forbidden resources are listed in the manifest and read back as gaps',
      )
    })
  }

  it('an empty kind read in full (no ResourceQuota) reads back as none, a kind never read as unknown', async () => {
    const collected = await collectedFromFixture()
    const file = join(work, 'empty-kinds.tar.gz')
    await writeBundle(
      file,
      {...collected, objects: {...collected.objects, ResourceQuota: []}},
      {redact: true},
    )
    const snapshot = await bundleSnapshot([(await readBundle(file))!])
    assert.deepEqual(snapshot.resourceQuotas, [])
    assert.equal(snapshot.limitRanges, undefined)
  })

  it('keeps webhook caBundle (public) so health checks still work', async () => {
    const file = join(work, 'ca.tar.gz')
    await writeBundle(file, await collectedFromFixture(), {redact: true})
    const back = await readBundle(file)
    const webhooks = back!.entries.find((e) => e.object.kind === 'MutatingWebhookConfiguration')!.object
      .webhooks as {clientConfig: {caBundle: string}}[]
    assert.match(webhooks[0]!.clientConfig.caBundle, /^LS0tLS1CRUdJTi/)
  })
})

describe('redaction', () => {
  const planted = {
    secretData: 'cGxhbnRlZC1zZWNyZXQtZGF0YQ==',
    secretString: 'planted-string-data-41',
    envValue: 'planted-env-password-97',
    lastApplied: 'planted-last-applied-33',
    configMapPassword: 'planted-cm-password-58',
    annotationToken: 'planted-annotation-token-12',
    argToken: 'planted-arg-token-77',
  }
  const secretCluster = (): CollectedCluster => ({
    objects: {
      Secret: [
        {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: {name: 'db', namespace: 'apps'},
          type: 'Opaque',
          data: {password: planted.secretData},
          stringData: {token: planted.secretString},
        },
      ],
      Pod: [
        {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: {
            name: 'api-0',
            namespace: 'apps',
            annotations: {
              'kubectl.kubernetes.io/last-applied-configuration': `{"env":"${planted.lastApplied}"}`,
              'example.com/api-token': planted.annotationToken,
              'sidecar.istio.io/inject': 'true',
            },
          },
          spec: {
            containers: [
              {
                name: 'api',
                image: 'example/api:1',
                args: [`--auth-token=${planted.argToken}`, '--port=8080'],
                env: [
                  {name: 'DB_PASSWORD', value: planted.envValue},
                  {name: 'DB_USER', valueFrom: {secretKeyRef: {name: 'db', key: 'user'}}},
                ],
              },
            ],
          },
        },
      ],
      ConfigMap: [
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: {name: 'app', namespace: 'apps'},
          data: {'db-password': planted.configMapPassword, 'log-level': 'debug'},
        },
      ],
    },
    gaps: [],
    meta: {context: 'prod', createdAt: '2025-08-20T11:00:00.000Z'},
  })

  it('no planted secret value survives anywhere in the archive bytes', async () => {
    const file = join(work, 'redacted.tar.gz')
    await writeBundle(file, secretCluster(), {redact: true})
    const bytes = gunzipSync(await readFile(file)).toString('latin1')
    for (const [what, value] of Object.entries(planted))
      assert.equal(bytes.includes(value), false, `${what} leaked`)
    assert.ok(bytes.includes('DB_PASSWORD'), 'env names are kept')
    assert.ok(bytes.includes('secretKeyRef'), 'valueFrom references are kept')
    assert.ok(bytes.includes('sidecar.istio.io/inject'), 'injection annotations are kept')
    assert.ok(bytes.includes('--port=8080'), 'harmless args are kept')
  })

  it('--no-redact keeps values but still never writes Secret payloads', async () => {
    const file = join(work, 'plain.tar.gz')
    await writeBundle(file, secretCluster(), {redact: false})
    const bytes = gunzipSync(await readFile(file)).toString('latin1')
    assert.ok(bytes.includes(planted.envValue))
    assert.equal(bytes.includes(planted.secretData), false)
    assert.equal(bytes.includes(planted.secretString), false)
  })

  it('redactObject replaces env values, drops last-applied and managedFields, keeps valueFrom', () => {
    const pod = secretCluster().objects.Pod![0]!
    const redacted = redactObject({
      ...pod,
      metadata: {...(pod.metadata as Raw), managedFields: [{manager: 'kubectl'}]},
    })
    const container = ((redacted.spec as Raw).containers as Raw[])[0]!
    assert.deepEqual(container.env, [
      {name: 'DB_PASSWORD', value: 'REDACTED'},
      {name: 'DB_USER', valueFrom: {secretKeyRef: {name: 'db', key: 'user'}}},
    ])
    assert.deepEqual(container.args, ['--auth-token=REDACTED', '--port=8080'])
    const meta = redacted.metadata as Raw
    assert.equal(meta.managedFields, undefined)
    assert.deepEqual(meta.annotations, {
      'example.com/api-token': 'REDACTED',
      'sidecar.istio.io/inject': 'true',
    })
    assert.equal(
      ((pod.spec as Raw).containers as Raw[])[0]!.env !== container.env,
      true,
      'the input is not changed',
    )
  })

  it('redacts pod templates inside workloads and CronJob job templates', () => {
    const cronJob = {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: {name: 'report', namespace: 'apps'},
      spec: {
        jobTemplate: {
          spec: {template: {spec: {containers: [{name: 'r', env: [{name: 'TOKEN', value: 'x-planted'}]}]}}},
        },
      },
    }
    assert.equal(JSON.stringify(redactObject(cronJob)).includes('x-planted'), false)
  })
})
