// --from: kubectl -o yaml|json output, multi-document YAML, typed lists, directories, and malformed files.
import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {readFileEntries, readFileSnapshot} from '../../src/cluster/file-source.js'
import {InputFileError, describeSourceError} from '../../src/cluster/kube-errors.js'

const fixture = (name: string) => fileURLToPath(new URL(`fixtures/${name}`, import.meta.url))

describe('file source (--from)', () => {
  it('reads a `kind: List` with namespaces, pods and jobs', async () => {
    const snapshot = await readFileSnapshot([fixture('cluster-list.yaml')])
    assert.deepEqual(snapshot.origin, {kind: 'files', paths: [fixture('cluster-list.yaml')]})
    assert.deepEqual(
      snapshot.namespaces.map((n) => [n.name, n.labels['istio-injection']]),
      [['shop', 'enabled']],
    )
    assert.deepEqual(
      snapshot.pods.map((p) => p.name),
      ['web-7d4b9c8f6d-x2x9q', 'report-28930140-abcde'],
    )
    assert.equal(snapshot.pods[0]!.source, fixture('cluster-list.yaml'))
    assert.deepEqual(
      snapshot.workloads.map((w) => `${w.kind}/${w.name}`),
      ['Job/report-28930140'],
    )
  })

  it('reads a typed PodList whose items carry no kind (raw API JSON)', async () => {
    const snapshot = await readFileSnapshot([fixture('pods-list.json')])
    assert.deepEqual(
      snapshot.pods.map((p) => `${p.namespace}/${p.name}`),
      ['data/db-0', 'data/legacy-abc12'],
    )
    assert.equal(snapshot.pods[0]!.hostNetwork, true)
  })

  it('reads multi-document YAML, keeps only Istio ConfigMaps and skips empty documents', async () => {
    const snapshot = await readFileSnapshot([fixture('multi-doc.yaml')])
    assert.deepEqual(
      snapshot.configMaps.map((c) => c.name),
      ['istio-sidecar-injector'],
    )
    assert.match(snapshot.configMaps[0]!.data.config ?? '', /policy: enabled/)
    assert.deepEqual(
      snapshot.webhookConfigurations.map((c) => c.metadata.name),
      ['old-injector'],
    )
  })

  it('makes the v1beta1 failurePolicy default (Ignore) explicit, leaving v1 webhooks as written', async () => {
    const snapshot = await readFileSnapshot([fixture('multi-doc.yaml'), fixture('cluster-dir')])
    const policies = Object.fromEntries(
      snapshot.webhookConfigurations.map((c) => [c.metadata.name, c.webhooks?.[0]?.failurePolicy]),
    )
    assert.deepEqual(policies, {'old-injector': 'Ignore', 'istio-sidecar-injector': 'Fail'})
  })

  it('walks directories recursively, reading .json and .yml and skipping other files', async () => {
    const result = await readFileEntries(fixture('cluster-dir'))
    assert.deepEqual(
      result.entries.map((e) => e.source.slice(fixture('cluster-dir').length)),
      ['/nested/namespaces.yml', '/webhooks.json'],
    )
    const snapshot = await readFileSnapshot([fixture('cluster-dir')])
    assert.deepEqual(
      snapshot.namespaces.map((n) => n.name),
      ['payments'],
    )
    assert.equal(snapshot.webhookConfigurations.length, 1)
  })

  it('accepts several --from paths and merges them, first definition winning', async () => {
    const snapshot = await readFileSnapshot([
      fixture('cluster-list.yaml'),
      fixture('cluster-list.yaml'),
      fixture('pods-list.json'),
    ])
    assert.equal(snapshot.pods.length, 4)
  })

  it('names the file and the line of a malformed YAML file', async () => {
    await assert.rejects(readFileSnapshot([fixture('malformed.yaml')]), (error: unknown) => {
      assert.ok(error instanceof InputFileError)
      assert.equal(error.line, 7)
      assert.match(error.message, /malformed\.yaml:7: not valid YAML/)
      assert.doesNotMatch(error.message, /\n/)
      assert.equal(describeSourceError(error).category, 'input')
      return true
    })
  })

  it('names the file and the line of a malformed JSON file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sources-'))
    const file = join(dir, 'pods.json')
    writeFileSync(
      file,
      '{\n  "kind": "PodList",\n  "items": [\n    {"metadata": {"name": "a"}}\n    {"metadata": {"name": "b"}}\n  ]\n}\n',
    )
    await assert.rejects(
      readFileSnapshot([file]),
      (error: unknown) =>
        error instanceof InputFileError && error.line === 5 && error.message.startsWith(`${file}:5:`),
    )
  })

  it('reports a missing path and an empty directory as input errors', async () => {
    await assert.rejects(readFileSnapshot([fixture('nope.yaml')]), /nope\.yaml: no such file or directory/)
    const empty = mkdtempSync(join(tmpdir(), 'sources-empty-'))
    await assert.rejects(readFileSnapshot([empty]), /contains no \.yaml, \.yml or \.json files/)
  })

  it('lets a bundle reader claim a path before the default reader', async () => {
    const snapshot = await readFileSnapshot([fixture('malformed.yaml')], {
      readers: [
        {
          name: 'fake-bundle',
          claims: (path) => path.endsWith('malformed.yaml'),
          read: async (path) => ({
            entries: [
              {
                object: {apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'from-bundle'}},
                source: `${path}!cluster/k8s-resources`,
              },
            ],
            logs: [{source: `${path}!istio/discovery.log`, text: 'Skipping due to policy check'}],
            layouts: ['fake 1.0'],
          }),
        },
      ],
    })
    assert.deepEqual(
      snapshot.namespaces.map((n) => [n.name, n.source]),
      [['from-bundle', `${fixture('malformed.yaml')}!cluster/k8s-resources`]],
    )
    assert.equal(snapshot.logs.length, 1)
    assert.deepEqual(snapshot.origin.kind === 'files' ? snapshot.origin.layouts : undefined, ['fake 1.0'])
  })
})
