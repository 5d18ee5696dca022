// Verdicts over the bundled demo cluster and the fixtures: the REASON a reader sees names the real cause, the summary
// is a partition, fixes are commands that fit the target (no fix by design, what-if edits first, files for -f).
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {fileURLToPath} from 'node:url'
import {readManifestTargets} from '../../src/cluster/manifest-reader.js'
import {readFileSnapshot} from '../../src/cluster/file-source.js'
import type {ClusterSnapshot} from '../../src/core/snapshot.js'
import type {EvaluateOptions} from '../../src/core/verdict/evaluate.js'
import {bucketOf, matchesFailOn, summarizeVerdicts} from '../../src/core/verdict/summary.js'
import type {VerdictBucket} from '../../src/core/verdict/summary.js'
import {evaluateRequest} from '../../src/core/verdict/targets.js'
import type {Verdict} from '../../src/core/verdict/verdict.js'
import {renderTrail} from '../../src/render/trail.js'
import {renderVerdictTable} from '../../src/render/verdict-table.js'

const root = fileURLToPath(new URL('../../', import.meta.url))
let demo: Promise<ClusterSnapshot> | undefined
const loadDemo = (): Promise<ClusterSnapshot> => (demo ??= readFileSnapshot([`${root}examples/demo-cluster`]))

const podVerdict = async (
  namespace: string,
  name: string,
  options: EvaluateOptions = {},
): Promise<Verdict> => {
  const s = await loadDemo()
  const r = evaluateRequest(s, {target: {kind: 'pod', namespace, name}, manifests: undefined}, options)
  assert.ok(r.ok)
  const [v] = r.verdicts
  assert.ok(v)
  return v
}

interface Row {
  readonly name: string
  readonly namespace: string
  readonly pod: string
  readonly reason: string
  readonly bucket: VerdictBucket
  /** A command the fix must contain; `none` when there must be no fix. */
  readonly action?: string | 'none'
}

const rows: readonly Row[] = [
  {
    name: 'coredns in kube-system is ignored by istiod: no fix',
    namespace: 'kube-system',
    pod: 'coredns-668d6bf9bc-kfn86',
    reason: 'IgnoredNamespace',
    bucket: 'NotInjectedByDesign',
    action: 'none',
  },
  {
    name: 'kube-proxy uses hostNetwork: no fix',
    namespace: 'kube-system',
    pod: 'kube-proxy-8mt6k',
    reason: 'HostNetwork',
    bucket: 'NotInjectedByDesign',
    action: 'none',
  },
  {
    name: 'migrations opts out with its pod label',
    namespace: 'shop',
    pod: 'migrations-bmb7bsbzf-ptjv7',
    reason: 'InjectLabelFalse',
    bucket: 'NotInjectedByDesign',
    action: 'none',
  },
  {
    name: 'ledger opts out with its pod label',
    namespace: 'payments',
    pod: 'ledger-knxqkjpsp-9fvhv',
    reason: 'InjectLabelFalse',
    bucket: 'NotInjectedByDesign',
    action: 'none',
  },
  {
    name: 'inventory has istio-injection=true',
    namespace: 'inventory',
    pod: 'stock-bsczhlz42-dckbt',
    reason: 'NamespaceLabelInvalidValue',
    bucket: 'Misconfigured',
    action: 'kubectl label namespace inventory istio-injection=enabled --overwrite',
  },
  {
    name: 'analytics points at revision canary, which does not exist',
    namespace: 'analytics',
    pod: 'collector-qmrhx5cp6-4rpzr',
    reason: 'RevisionNotFound',
    bucket: 'Misconfigured',
  },
  {
    name: 'report-viewer opts in by annotation only, a bare pod that must be recreated',
    namespace: 'legacy',
    pod: 'report-viewer',
    reason: 'AnnotationOnlyOptIn',
    bucket: 'Misconfigured',
    action: 'kubectl get pod report-viewer -n legacy -o yaml | kubectl replace --force -f -',
  },
  {
    name: 'invoice pods: the inject label sits on the Deployment metadata',
    namespace: 'legacy',
    pod: 'invoice-tgxm7dcxv-24mjt',
    reason: 'LabelOnControllerMetadata',
    bucket: 'Misconfigured',
  },
  {
    name: 'nightly-batch: nothing asks for injection',
    namespace: 'legacy',
    pod: 'nightly-batch-29402520-8fwq5',
    reason: 'NamespaceNotEnabled',
    bucket: 'NotEnabled',
    action: 'kubectl create job --from=cronjob/nightly-batch nightly-batch-manual -n legacy',
  },
  {
    name: 'web pods were created before the label',
    namespace: 'shop',
    pod: 'web-7c9d8f6b5-mmtn9',
    reason: 'NeedsRestart',
    bucket: 'NeedsRestart',
    action: 'kubectl rollout restart deployment/web -n shop',
  },
  {
    name: 'cart runs an outdated proxy image',
    namespace: 'shop',
    pod: 'cart-f8j7hhcmr-g97ws',
    reason: 'PolicyEnabled',
    bucket: 'Injected',
  },
  {
    name: 'api pods run, but their webhook has no ready istiod',
    namespace: 'payments',
    pod: 'api-d2v89dm85-6nvdw',
    reason: 'WebhookFailing',
    // They run with their sidecar: a warning about the next restart, not a rejection now.
    bucket: 'Injected',
    action: 'kubectl get pods -n istio-system -l app=istiod,istio.io/rev=1-27',
  },
  {
    name: 'fulfil was injected by 1-27, the namespace now selects default',
    namespace: 'orders',
    pod: 'fulfil-dwvbwlzps-4cbtv',
    reason: 'RevisionDrift',
    bucket: 'Drift',
  },
]

describe('the reason names the real cause (demo cluster)', () => {
  for (const row of rows) {
    it(row.name, async () => {
      const v = await podVerdict(row.namespace, row.pod)
      assert.equal(v.reason, row.reason)
      assert.equal(bucketOf(v), row.bucket)
      if (row.action === 'none') assert.deepEqual(v.actions, [])
      else if (row.action !== undefined) assert.ok(v.actions.includes(row.action), v.actions.join('\n'))
      for (const a of v.actions)
        assert.match(a, /^(kubectl|istioctl) [^<>]*$/, `a command without placeholders: ${a}`)
    })
  }
})

describe('summary', () => {
  it('is a partition of the sweep: the counts add up to the total', async () => {
    const s = await loadDemo()
    const r = evaluateRequest(s, {target: {kind: 'sweep', namespace: null}, manifests: undefined})
    assert.ok(r.ok)
    const sum = summarizeVerdicts(r.verdicts)
    const {total, ...counts} = sum
    assert.equal(
      Object.values(counts).reduce((a, b) => a + b, 0),
      total,
    )
    assert.ok(sum.misconfigured >= 6 && sum.notInjectedByDesign >= 9, JSON.stringify(sum))
  })

  it('--fail-on misconfigured and stale trip on the matching verdicts only', async () => {
    const inventory = await podVerdict('inventory', 'stock-bsczhlz42-dckbt')
    const migrations = await podVerdict('shop', 'migrations-bmb7bsbzf-ptjv7')
    assert.ok(matchesFailOn(inventory, ['misconfigured']))
    assert.ok(!matchesFailOn(migrations, ['misconfigured']))
    assert.ok(matchesFailOn(migrations, ['not-injected']))
  })
})

describe('fixes fit the target', () => {
  it('what-if namespace label: the real kubectl label comes first, then the restart', async () => {
    const v = await podVerdict('legacy', 'nightly-batch-29402520-8fwq5', {
      namespaceLabels: {set: {'istio-injection': 'enabled'}, remove: []},
    })
    assert.equal(v.actions[0], 'kubectl label namespace legacy istio-injection=enabled --overwrite')
    assert.ok(v.actions.some((a) => a.startsWith('kubectl create job --from=cronjob/nightly-batch')))
    assert.ok(!v.actions.some((a) => a.includes('recreates')))
  })

  it('what-if pod label removal on a Deployment pod: the template patch comes first', async () => {
    const v = await podVerdict('shop', 'migrations-bmb7bsbzf-ptjv7', {
      podLabels: {set: {}, remove: ['sidecar.istio.io/inject']},
    })
    assert.match(
      v.actions[0] ?? '',
      /^kubectl patch deployment migrations -n shop --type merge -p .*"sidecar.istio.io\/inject":null/,
    )
  })

  it('the ignored namespace stays without a fix even under a what-if label', async () => {
    const v = await podVerdict('kube-system', 'coredns-668d6bf9bc-kfn86', {
      namespaceLabels: {set: {'istio-injection': 'enabled'}, remove: []},
    })
    assert.equal(v.reason, 'IgnoredNamespace')
    assert.deepEqual(v.actions, [])
  })

  it('a bare pod offers the namespace label as an alternative that affects every new pod', async () => {
    const v = await podVerdict('legacy', 'report-viewer')
    const alt = v.alternatives?.[0]
    assert.ok(alt)
    assert.match(alt.description, /every new pod in legacy/)
    assert.ok(alt.actions.includes('kubectl label namespace legacy istio-injection=enabled --overwrite'))
  })

  it('-f manifests: the fix edits the file, never patches the live cluster', async () => {
    const s = await loadDemo()
    const manifests = await readManifestTargets(
      [`${root}examples/manifests/annotation-opt-in-pod.yaml`],
      'default',
      async () => '',
    )
    const r = evaluateRequest(s, {target: undefined, manifests})
    assert.ok(r.ok)
    const [v] = r.verdicts
    assert.ok(v)
    assert.ok(!v.actions.some((a) => a.includes('kubectl patch')), v.actions.join('\n'))
    assert.ok(
      v.notes?.some((n) =>
        /move sidecar.istio.io\/inject from metadata.annotations to metadata.labels/.test(n),
      ),
    )
  })

  it('a pod label istio.io/rev overridden by the namespace label is a Misconfiguration', async () => {
    const s = await loadDemo()
    const manifests = await readManifestTargets(
      [`${root}examples/manifests/payments-revision-pod.yaml`],
      'default',
      async () => '',
    )
    const r = evaluateRequest(s, {target: undefined, manifests})
    assert.ok(r.ok)
    const settlement = r.verdicts.find((v) => v.target.name === 'settlement')
    assert.ok(settlement?.findings.some((f) => f.code === 'PodRevisionOverridden'))
    const reconcile = r.verdicts.find((v) => v.target.name === 'reconcile')
    assert.ok(!reconcile?.findings.some((f) => f.code === 'PodRevisionOverridden'))
  })
})

describe('webhook health feeds verdicts', () => {
  // Evidence is about its own workload: httpbin is at risk only when the webhook's health shows it down.
  const httpbinIn = async (edit: (s: ClusterSnapshot) => ClusterSnapshot) => {
    const s = edit(await readFileSnapshot([`${root}test/fixtures/bundles/bug-report-1.26`]))
    const r = evaluateRequest(s, {target: {kind: 'sweep', namespace: 'apps'}, manifests: undefined})
    assert.ok(r.ok)
    return r.verdicts.find((v) => v.target.name.startsWith('httpbin'))
  }

  it("bug-report 1.26: other workloads' FailedCreate events alone do not put the running httpbin pod at risk", async () => {
    const httpbin = await httpbinIn((s) => s)
    assert.ok(httpbin !== undefined)
    assert.ok(!httpbin.findings.some((f) => f.kind === 'CreationBlocked'), JSON.stringify(httpbin.findings))
  })

  it("bug-report 1.26 with istiod's endpoints gone: the httpbin pod warns that its next restart would be rejected", async () => {
    const httpbin = await httpbinIn((s) => ({
      ...s,
      endpointSlices: s.endpointSlices.map((e) => ({
        ...e,
        endpoints: e.endpoints.map((p) => ({...p, ready: false})),
      })),
    }))
    assert.ok(
      httpbin?.findings.some((f) => f.code === 'WebhookFailing'),
      JSON.stringify(httpbin?.findings),
    )
  })
})

describe('rendering', () => {
  it('the trail header shows the reason and the deciding check; lines fit the width', async () => {
    const v = await podVerdict('shop', 'web-7c9d8f6b5-mmtn9')
    const text = renderTrail(v, {colour: false, width: 80})
    assert.match(text, /reason: {3}NeedsRestart \(decided by PolicyEnabled\)/)
    for (const line of text.split('\n').filter((l) => !l.startsWith('  kubectl') && !/^\S/.test(l)))
      assert.ok([...line].length <= 80, `≤ 80: ${line}`)
  })

  it('the default trail shows the deciding path; -v shows every webhook', async () => {
    const v = await podVerdict('legacy', 'nightly-batch-29402520-8fwq5')
    const short = renderTrail(v, {colour: false})
    const full = renderTrail(v, {colour: false, verbose: true})
    assert.ok(short.split('\n').length < full.split('\n').length)
    assert.ok(full.includes('object.sidecar-injector.istio.io'))
  })

  it('a what-if table names the edit in a banner line', async () => {
    const v = await podVerdict('legacy', 'nightly-batch-29402520-8fwq5', {
      namespaceLabels: {set: {'istio-injection': 'enabled'}, remove: []},
    })
    assert.match(
      renderVerdictTable([v, v], {wide: false, colour: false}),
      /^what-if: namespace labels istio-injection=enabled/,
    )
  })
})
