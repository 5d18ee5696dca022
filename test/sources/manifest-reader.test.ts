// -f: manifests (files, directories, stdin) → pods and workload templates with provenance.
import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {fileURLToPath} from 'node:url'
import {readManifestTargets, stdinSource} from '../../src/cluster/manifest-reader.js'

const fixture = (name: string) => fileURLToPath(new URL(`fixtures/${name}`, import.meta.url))
const noStdin = () => Promise.reject(new Error('stdin must not be read'))

describe('manifest reader (-f)', () => {
  it('reads a multi-document file: the Deployment template, the Pod, and skips the Service', async () => {
    const targets = await readManifestTargets([fixture('manifests/app.yaml')], 'shop', noStdin)
    assert.deepEqual(
      targets.workloads.map((w) => [w.kind, w.namespace, w.name, w.replicas, w.source]),
      [['Deployment', 'shop', 'checkout', 3, fixture('manifests/app.yaml')]],
    )
    const template = targets.workloads[0]!.template
    assert.deepEqual(template.labels, {app: 'checkout'})
    assert.equal(template.annotations['proxy.istio.io/config'], '{"holdApplicationUntilProxyStarts": true}')
    assert.ok(template.object, 'manifest templates keep their object for previews')
    assert.deepEqual(targets.workloads[0]!.labels, {'sidecar.istio.io/inject': 'true'})
    assert.deepEqual(
      targets.pods.map((p) => [p.kind, p.namespace, p.name]),
      [['PodTemplate', 'tools', 'debug']],
    )
    assert.deepEqual(targets.skipped, [
      {kind: 'Service', name: 'checkout', source: fixture('manifests/app.yaml')},
    ])
  })

  it('reads a directory, JSON included, in name order', async () => {
    const targets = await readManifestTargets([fixture('manifests')], 'default', noStdin)
    assert.deepEqual(
      targets.workloads.map((w) => `${w.kind}/${w.namespace}/${w.name}`),
      ['Deployment/default/checkout', 'CronJob/batch/nightly'],
    )
    assert.deepEqual(targets.workloads[1]!.template.labels, {'sidecar.istio.io/inject': 'false'})
  })

  it('reads `-` from stdin with provenance <stdin>', async () => {
    const targets = await readManifestTargets(
      ['-'],
      'web',
      async () =>
        'apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db}\nspec: {template: {spec: {containers: [{name: db}]}}}\n',
    )
    assert.deepEqual(
      targets.workloads.map((w) => [w.kind, w.namespace, w.source]),
      [['StatefulSet', 'web', stdinSource]],
    )
  })

  it('names the file and line of malformed YAML', async () => {
    await assert.rejects(
      readManifestTargets([fixture('malformed.yaml')], 'default', noStdin),
      /malformed\.yaml:7: not valid YAML/,
    )
  })
})
