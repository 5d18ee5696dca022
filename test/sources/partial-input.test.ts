// Partial --from input says what it lacks (NotCollected gaps with the kubectl command that fills them) instead of
// answering "the cluster has no Istio webhook"; input that attests an empty webhook list is a real "no webhook".
import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {copyFile, mkdtemp, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {writeBundle} from '../../src/cluster/bundle-writer.js'
import {readFileSnapshot} from '../../src/cluster/file-source.js'
import {evaluateTarget} from '../../src/core/verdict/targets.js'
import type {ClusterSnapshot} from '../../src/core/snapshot.js'

const demo = join(import.meta.dirname, '..', '..', 'examples', 'demo-cluster')
const scratch = () => mkdtemp(join(tmpdir(), 'partial-input-'))
const emptyList = 'apiVersion: v1\nitems: []\nkind: List\nmetadata:\n  resourceVersion: ""\n'
const gapKeys = (snapshot: ClusterSnapshot) =>
  snapshot.gaps.map((g) => [g.resource, g.namespace ?? '', g.name ?? '', g.reason].join(' ')).sort()

/** A directory holding some of the demo cluster's files. */
const demoSubset = async (files: readonly string[], extra: Record<string, string> = {}): Promise<string> => {
  const dir = await scratch()
  for (const file of files) await copyFile(join(demo, file), join(dir, file))
  for (const [name, body] of Object.entries(extra)) await writeFile(join(dir, name), body)
  return dir
}

describe('partial --from input', () => {
  it('pods alone: webhooks and every pod namespace are NotCollected gaps naming the kubectl command', async () => {
    const snapshot = await readFileSnapshot([join(demo, 'pods.yaml')])
    const keys = gapKeys(snapshot)
    assert.ok(keys.includes('mutatingwebhookconfigurations   NotCollected'), keys.join('\n'))
    assert.ok(keys.includes('namespaces  shop NotCollected'), keys.join('\n'))
    const webhookGap = snapshot.gaps.find((g) => g.resource === 'mutatingwebhookconfigurations')!
    assert.match(webhookGap.message, /kubectl get mutatingwebhookconfigurations -o yaml > \S+\.yaml/)
    const nsGap = snapshot.gaps.find((g) => g.resource === 'namespaces' && g.name === 'shop')!
    assert.match(nsGap.message, /kubectl get namespace shop -o yaml > \S+\.yaml/)
  })

  it('pods alone: verdicts are Unknown (DataMissing), not "no webhook" and not UnexpectedSidecar', async () => {
    const snapshot = await readFileSnapshot([join(demo, 'pods.yaml')])
    const evaluation = evaluateTarget(snapshot, {kind: 'sweep', namespace: 'shop'})
    assert.ok(evaluation.ok)
    assert.ok(evaluation.verdicts.length > 0)
    for (const verdict of evaluation.verdicts) {
      assert.equal(verdict.outcome, 'Unknown', `${verdict.target.name}: ${verdict.reason}`)
      assert.ok(!verdict.findings.some((f) => f.code === 'UnexpectedSidecar'), verdict.target.name)
    }
  })

  it('namespaces and an empty webhook list saved by kubectl: a real "no webhook" answer, no gap', async () => {
    const dir = await demoSubset(['pods.yaml', 'namespaces.yaml'], {
      'mutatingwebhookconfigurations.yaml': emptyList,
    })
    const snapshot = await readFileSnapshot([dir])
    assert.deepEqual(gapKeys(snapshot), [])
    const evaluation = evaluateTarget(snapshot, {kind: 'sweep', namespace: 'shop'})
    assert.ok(evaluation.ok)
    assert.ok(evaluation.verdicts.every((v) => v.outcome === 'Skip'))
  })

  it('an empty List in a file not named after webhooks attests nothing', async () => {
    const dir = await demoSubset(['pods.yaml', 'namespaces.yaml'], {'other.yaml': emptyList})
    const snapshot = await readFileSnapshot([dir])
    assert.deepEqual(gapKeys(snapshot), ['mutatingwebhookconfigurations   NotCollected'])
  })

  it('a typed, empty MutatingWebhookConfigurationList (API JSON) attests zero webhooks', async () => {
    const dir = await demoSubset(['pods.yaml', 'namespaces.yaml'], {
      'webhooks.json': JSON.stringify({
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind: 'MutatingWebhookConfigurationList',
        metadata: {},
        items: [],
      }),
    })
    assert.deepEqual(gapKeys(await readFileSnapshot([dir])), [])
  })

  it('webhooks without their injector ConfigMaps: one NotCollected gap per ConfigMap the webhooks name', async () => {
    const dir = await demoSubset(['pods.yaml', 'namespaces.yaml', 'mutatingwebhookconfigurations.yaml'])
    const snapshot = await readFileSnapshot([dir])
    assert.deepEqual(gapKeys(snapshot), [
      'configmaps istio-system istio-sidecar-injector NotCollected',
      'configmaps istio-system istio-sidecar-injector-1-27 NotCollected',
    ])
    assert.match(
      snapshot.gaps[0]!.message,
      /kubectl get configmap istio-sidecar-injector(-1-27)? -n istio-system -o yaml > /,
    )
  })

  it('the whole demo cluster: no gaps', async () => {
    assert.deepEqual(gapKeys(await readFileSnapshot([demo])), [])
  })

  it('a --collect bundle with zero webhooks (its manifest records the read) is a real "no webhook" answer', async () => {
    const file = join(await scratch(), 'bundle.tar.gz')
    await writeBundle(
      file,
      {
        objects: {
          Namespace: [{apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'shop'}}],
          Pod: [
            {
              apiVersion: 'v1',
              kind: 'Pod',
              metadata: {name: 'web-1', namespace: 'shop'},
              spec: {containers: [{name: 'web', image: 'web:1'}]},
            },
          ],
        },
        gaps: [],
        meta: {targets: ['pods in namespace shop']},
      },
      {redact: true},
    )
    const snapshot = await readFileSnapshot([file])
    assert.deepEqual(gapKeys(snapshot), [])
  })
})
