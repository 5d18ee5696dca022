// The verdict engine against upstream: several Istio webhooks (istio: pkg/kube/inject/inject.go stripPod; k8s:
// apiserver/pkg/admission/plugin/webhook/mutating/dispatcher.go), RunTemplate's checks, drift on Reject, IST0123.
import assert from 'node:assert/strict'
import {readdirSync} from 'node:fs'
import {fileURLToPath} from 'node:url'
import {describe, it} from 'node:test'
import {readFileSnapshot} from '../../src/cluster/file-source.js'
import {
  indexRevisions,
  namespaceLabelFindings,
  revisionOfConfiguration,
} from '../../src/core/istio/revisions.js'
import {observeSidecar} from '../../src/core/istio/sidecar-state.js'
import type {ClusterSnapshot, ConfigMapFacts, PodFacts} from '../../src/core/snapshot.js'
import {evaluatePod, evaluateWorkload} from '../../src/core/verdict/evaluate.js'
import {evaluateNamespace} from '../../src/core/verdict/namespace-verdict.js'
import {describeReason} from '../../src/core/verdict/reasons.js'
import {bucketOf, matchesFailOn} from '../../src/core/verdict/summary.js'
import {renderVerdictLine} from '../../src/render/trail.js'
import {createPalette} from '../../src/render/terminal-text.js'
import {loadCluster} from '../check/cluster-fixtures.js'

const twoInstalls = (): Promise<ClusterSnapshot> =>
  loadCluster(['revision-1-28-with-tags', 'default-1.28'], 'created-before-label')

const editConfigMap = (
  s: ClusterSnapshot,
  name: string,
  edit: (cm: ConfigMapFacts) => ConfigMapFacts | undefined,
): ClusterSnapshot => ({
  ...s,
  configMaps: s.configMaps.flatMap((cm) => {
    if (cm.name !== name) return [cm]
    const edited = edit(cm)
    return edited === undefined ? [] : [edited]
  }),
})

const withConfig = (cm: ConfigMapFacts, f: (text: string) => string): ConfigMapFacts => ({
  ...cm,
  data: {...cm.data, config: f(cm.data.config ?? '')},
})

const pod = (s: ClusterSnapshot, namespace: string, name: string): PodFacts => {
  const found = s.pods.find((p) => p.namespace === namespace && p.name === name)
  assert.ok(found, `fixture has pod ${namespace}/${name}`)
  return found
}

const ref = (v: {webhook: {configuration: string; name: string} | null}): string | null =>
  v.webhook === null ? null : `${v.webhook.configuration}/${v.webhook.name}`

describe('several matching Istio webhooks (double injection)', () => {
  it('both istiods inject: the last by configuration name wins and both are in the trail', async () => {
    const v = evaluateNamespace(await twoInstalls(), 'shop')
    assert.equal(v.outcome, 'Inject')
    assert.equal(ref(v), 'istio-sidecar-injector/namespace.sidecar-injector.istio.io')
    assert.equal(v.revision, 'default')
    const called = v.checks.filter((c) => c.code === 'InjectorWebhookSelected').map((c) => c.subject)
    assert.deepEqual(called, [
      'istio-revision-tag-default/namespace.sidecar-injector.istio.io',
      'istio-sidecar-injector/namespace.sidecar-injector.istio.io',
    ])
    assert.ok(v.findings.some((f) => f.code === 'MultipleInjectors'))
  })

  it('the last istiod declines by its own policy: the earlier injection stays, from the tag revision', async () => {
    const s = editConfigMap(await twoInstalls(), 'istio-sidecar-injector', (cm) =>
      withConfig(cm, (t) => t.replace(/^policy: enabled$/m, 'policy: disabled')),
    )
    const v = evaluateNamespace(s, 'shop')
    assert.equal(v.outcome, 'Inject')
    assert.equal(ref(v), 'istio-revision-tag-default/namespace.sidecar-injector.istio.io')
    assert.equal(v.revision, '1-28')
    assert.equal(v.tag, 'default')
    assert.ok(v.checks.some((c) => c.code === 'PolicyDisabled' && c.subject.startsWith('default: ')))
  })

  it('an earlier istiod rejects the pod (unknown template in its config): the pod is rejected', async () => {
    const s = editConfigMap(await twoInstalls(), 'istio-sidecar-injector-1-28', (cm) =>
      withConfig(cm, (t) => t.replace('defaultTemplates: [sidecar]', 'defaultTemplates: [no-such-template]')),
    )
    const v = evaluateNamespace(s, 'shop')
    assert.equal(v.outcome, 'Reject')
    assert.equal(v.reason, 'TemplateNotFound')
    assert.equal(ref(v), 'istio-revision-tag-default/namespace.sidecar-injector.istio.io')
  })

  it('the last istiod cannot be evaluated (ConfigMap missing): the winner is Unknown', async () => {
    const s = editConfigMap(await twoInstalls(), 'istio-sidecar-injector', () => undefined)
    const v = evaluateNamespace(s, 'shop')
    assert.equal(v.outcome, 'Unknown')
    assert.equal(v.reason, 'InjectorConfigMissing')
  })

  it('reinvocationPolicy IfNeeded is named in the finding', async () => {
    const base = await twoInstalls()
    const s: ClusterSnapshot = {
      ...base,
      webhookConfigurations: base.webhookConfigurations.map((c) =>
        c.metadata.name === 'istio-revision-tag-default'
          ? {...c, webhooks: (c.webhooks ?? []).map((w) => ({...w, reinvocationPolicy: 'IfNeeded'}))}
          : c,
      ),
    }
    const finding = evaluateNamespace(s, 'shop').findings.find((f) => f.code === 'MultipleInjectors')
    assert.match(finding?.message ?? '', /reinvocationPolicy IfNeeded on istio-revision-tag-default\//)
  })

  it('an Istio webhook whose selection is Unknown after the injecting one makes the outcome Unknown', async () => {
    const base = await twoInstalls()
    // A CEL matchCondition using the authorizer cannot be decided statically.
    const s: ClusterSnapshot = {
      ...base,
      webhookConfigurations: base.webhookConfigurations.map((c) =>
        c.metadata.name === 'istio-sidecar-injector'
          ? {
              ...c,
              webhooks: (c.webhooks ?? []).map((w) => ({
                ...w,
                matchConditions: [
                  {
                    name: 'authz',
                    expression: "authorizer.group('').resource('pods').check('create').allowed()",
                  },
                ],
              })),
            }
          : c,
      ),
    }
    const v = evaluateNamespace(s, 'shop')
    assert.equal(v.outcome, 'Unknown')
    assert.equal(v.revision, null)
  })
})

describe("istiod's RunTemplate checks", () => {
  it('unparseable data.values: istiod fails every injection, the pod is rejected', async () => {
    const s = editConfigMap(
      await loadCluster('default-1.28', 'created-before-label'),
      'istio-sidecar-injector',
      (cm) => ({
        ...cm,
        data: {...cm.data, values: '{"global": ['},
      }),
    )
    const v = evaluateNamespace(s, 'shop')
    assert.equal(v.outcome, 'Reject')
    assert.equal(v.reason, 'InjectorValuesInvalid')
    assert.match(describeReason('InjectorValuesInvalid').summary, /running istiod keeps the values/)
  })

  it('an include range list with a space after the comma: istiod rejects the pod with its message', async () => {
    const s = await loadCluster('default-1.28', 'created-before-label')
    const base = pod(s, 'shop', 'web-7c9d8f6b5-mmtn9')
    const v = evaluatePod(s, {
      ...base,
      annotations: {
        ...base.annotations,
        'traffic.sidecar.istio.io/includeOutboundIPRanges': '10.0.0.0/8, 172.16.0.0/12',
      },
    })
    assert.equal(v.outcome, 'Reject')
    assert.equal(v.reason, 'InjectAnnotationInvalid')
    const failed = v.checks.find((c) => c.code === 'InjectAnnotationInvalid')
    // Istio 1.28 does not validate proxyCPU yet (1.30 does), so that annotation alone would not reject.
    assert.equal(
      evaluatePod(s, {...base, annotations: {...base.annotations, 'sidecar.istio.io/proxyCPU': '100 m'}})
        .outcome,
      'Inject',
    )
    assert.match(
      failed?.detail ?? '',
      /invalid value '10.0.0.0\/8, 172.16.0.0\/12' for annotation 'traffic.sidecar.istio.io\/includeOutboundIPRanges'/,
    )
  })
})

describe('drift', () => {
  it('an injected pod whose new pods would be rejected is not told a new pod "would not get" a sidecar', async () => {
    const s = await loadCluster('default-1.28', 'created-before-label')
    const injected = pod(s, 'shop', 'api-nj6pwvvvg-t7fzm')
    const v = evaluatePod(s, {
      ...injected,
      annotations: {...injected.annotations, 'sidecar.istio.io/interceptionMode': 'bogus'},
    })
    assert.equal(v.outcome, 'Reject')
    const codes = v.findings.map((f) => f.code)
    assert.ok(codes.includes('RestartWouldBeRejected'), codes.join(','))
    assert.ok(!codes.includes('UnexpectedSidecar'))
    assert.ok(!v.actions.some((a) => a.startsWith('kubectl rollout restart')), v.actions.join('\n'))
  })

  it('an empty istio.io/rev annotation is not a revision: status.revision is used', () => {
    const state = observeSidecar({
      containers: [{name: 'app'}, {name: 'istio-proxy', image: 'proxyv2'}],
      initContainers: [],
      annotations: {'istio.io/rev': '', 'sidecar.istio.io/status': '{"revision":"1-28"}'},
    })
    assert.equal(state.revision, '1-28')
  })
})

describe('namespace labels (IST0123) and pass codes', () => {
  it('istio.io/dataplane-mode=none beside istio-injection=enabled is flagged, not only ambient', async () => {
    const s = await loadCluster('default-1.28', 'created-before-label')
    const report = namespaceLabelFindings(
      {
        name: 'shop',
        labels: {'istio-injection': 'enabled', 'istio.io/dataplane-mode': 'none'},
        annotations: {},
      },
      indexRevisions(s),
    )
    assert.ok(report.findings.some((f) => f.code === 'AmbientAndSidecarLabels'))
  })

  it('passing revision checks carry codes that read right when they pass', async () => {
    const enabled = evaluateNamespace(await loadCluster('default-1.28', 'created-before-label'), 'shop')
    const revision = evaluateNamespace(
      await loadCluster('revision-1-28-with-tags', 'revision-drift'),
      'checkout',
    )
    const passing = [...enabled.checks, ...revision.checks]
      .filter((c) => c.result === 'Pass')
      .map((c) => c.code)
    assert.ok(passing.includes('DefaultRevisionPresent'))
    assert.ok(passing.includes('RevisionResolved'))
    for (const bad of [
      'RevisionNotFound',
      'NoDefaultRevision',
      'HostNetwork',
      'IgnoredNamespace',
      'NeverInjectSelector',
    ])
      assert.ok(!passing.includes(bad as never), `${bad} used for a passing check`)
  })

  it('a revision configuration labelled istio.io/rev with a renamed webhook is Istio and names its revision', () => {
    const mwc = {
      metadata: {name: 'custom-injector', labels: {'istio.io/rev': '1-28'}},
      webhooks: [
        {
          name: 'inject.example.com',
          clientConfig: {service: {namespace: 'istio-system', name: 'istiod-1-28'}},
        },
      ],
    }
    assert.deepEqual(revisionOfConfiguration(mwc), {revision: '1-28', tag: null})
    const index = indexRevisions({
      ...emptySnapshot,
      webhookConfigurations: [mwc],
    } as unknown as ClusterSnapshot)
    assert.deepEqual(
      index.configurations.map((c) => c.name),
      ['custom-injector'],
    )
  })
})

const emptySnapshot = {webhookConfigurations: [], configMaps: [], workloads: [], pods: [], gaps: []}

describe('a workload blocked by a failing webhook (demo cluster)', () => {
  it('fraud-check: would be injected by 1-27, but pods are being rejected, with the event and the fix', async () => {
    const dir = fileURLToPath(new URL('../../examples/demo-cluster/', import.meta.url))
    const s = await readFileSnapshot(
      readdirSync(dir)
        .filter((f) => f.endsWith('.yaml'))
        .map((f) => dir + f),
    )
    const deployment = s.workloads.find((w) => w.kind === 'Deployment' && w.name === 'fraud-check')
    assert.ok(deployment)
    const v = evaluateWorkload(s, deployment)
    assert.equal(v.outcome, 'Inject')
    const blocked = v.findings.find((f) => f.code === 'WebhookBlocksCreation')
    assert.ok(blocked, v.findings.map((f) => f.code).join(','))
    assert.match(blocked.message, /no endpoints available for service "istiod-1-27"/)
    assert.match(blocked.message, /0\/1 endpoints ready/)
    assert.ok(
      v.actions.some((a) => a.includes('kubernetes.io/service-name=istiod-1-27')),
      v.actions.join('\n'),
    )
    assert.match(renderVerdictLine(v, createPalette(false)), /but pods are currently being rejected/)
    // Pods are being rejected now: the summary counts it as rejected and --fail-on reject trips.
    assert.equal(bucketOf(v), 'Rejected')
    assert.equal(matchesFailOn(v, ['reject']), true)
    // A healthy revision in the same cluster is not flagged.
    const api = s.workloads.find(
      (w) => w.kind === 'Deployment' && w.namespace === 'shop' && w.name === 'frontend',
    )
    assert.ok(api)
    assert.ok(!evaluateWorkload(s, api).findings.some((f) => f.code === 'WebhookBlocksCreation'))
  })
})
