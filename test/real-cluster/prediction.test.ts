// Prediction = reality: for each Istio install of the fixtures (and variants), `kubectl inject-check -f … -o json`
// predicts every pod template in every kind of namespace, then the pods are created for real (kubectl create, a
// Deployment and a Job through kube-controller-manager). Layer 1 (which webhooks the API server calls) is judged by
// the real kube-apiserver: each webhook has its own injector path. Layer 2 (istiod's injectRequired) is judged by the
// test injector deciding from the called revision's injector ConfigMap, not by a real istiod.
import assert from 'node:assert/strict'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {realClusterAvailable} from './cluster.js'
import {fixtureObjects, webhookPath} from './fixture-install.js'
import {sidecarOf, startLab, statusRevision} from './real-scenarios.js'
import type {Json, Lab} from './real-scenarios.js'

const availability = realClusterAvailable()
if (!availability.available) console.log(`real-cluster prediction suite SKIPPED: ${availability.reason}`)

// A matchCondition the tool can evaluate, and one it cannot (`authorizer` needs the requesting user's RBAC).
function withMatchConditions(objects: Json[]): Json[] {
  return objects.map((o) => {
    if (o.kind !== 'MutatingWebhookConfiguration') return o
    const webhooks = (o.webhooks as Json[]).map((w) => {
      if (w.name === 'namespace.sidecar-injector.istio.io')
        return {
          ...w,
          matchConditions: [
            {
              name: 'not-skipped',
              expression: "!has(object.metadata.labels) || !('skip-istio' in object.metadata.labels)",
            },
          ],
        }
      if (w.name === 'rev.namespace.sidecar-injector.istio.io')
        return {
          ...w,
          matchConditions: [
            {
              name: 'caller-may-list-secrets',
              expression:
                "authorizer.group('').resource('secrets').namespace(request.namespace).check('list').allowed()",
            },
          ],
        }
      return w
    })
    return {...o, webhooks}
  })
}

// Revision 1-27 also answering istio-injection=enabled namespaces (a hand-made legacy webhook): two injectors overlap.
function withOverlappingInjector(objects: Json[]): Json[] {
  return objects.map((o) => {
    if (o.kind !== 'MutatingWebhookConfiguration' || o.metadata.name !== 'istio-sidecar-injector-1-27')
      return o
    const base = (o.webhooks as Json[])[0]!
    const legacy = {
      ...base,
      name: 'legacy.sidecar-injector.istio.io',
      namespaceSelector: {matchLabels: {'istio-injection': 'enabled'}},
      objectSelector: {},
    }
    return {...o, webhooks: [...(o.webhooks as Json[]), legacy]}
  })
}

interface Install {
  name: string
  objects: () => Json[]
}

const installs: Install[] = [
  {name: 'no Istio at all', objects: () => []},
  {name: 'default revision, Istio 1.26', objects: () => fixtureObjects('default-1.26')},
  {name: 'default revision, Istio 1.28', objects: () => fixtureObjects('default-1.28')},
  {name: 'named revision 1-27, no default', objects: () => fixtureObjects('revision-1-27')},
  {
    name: 'revision 1-28 with tags prod and default',
    objects: () => fixtureObjects('revision-1-28-with-tags'),
  },
  {name: 'old default deactivated by istioctl tag set', objects: () => fixtureObjects('deactivated-default')},
  {name: 'enableNamespacesByDefault', objects: () => fixtureObjects('namespaces-by-default')},
  {name: 'policy disabled with never/always selectors', objects: () => fixtureObjects('policy-disabled')},
  {
    name: 'foreign webhooks beside Istio (CEL, reinvocation)',
    objects: () => fixtureObjects('foreign-webhooks'),
  },
  {name: 'AKS-rewritten namespace selectors', objects: () => fixtureObjects('aks-rewritten')},
  {
    name: 'CEL matchConditions on the default webhooks, one with authorizer',
    objects: () => withMatchConditions(fixtureObjects('default-1.28')),
  },
  {
    name: 'overlapping injectors: default 1.28 and a 1-27 webhook on istio-injection=enabled',
    objects: () =>
      withOverlappingInjector([...fixtureObjects('default-1.28'), ...fixtureObjects('revision-1-27')]),
  },
]

interface Template {
  id: string
  says: string
  labels?: Record<string, string>
  annotations?: Record<string, string>
  hostNetwork?: boolean
}

const templates = (revisions: string[]): Template[] => [
  {id: 'plain', says: 'a plain pod'},
  {id: 'inject-true', says: 'label inject=true', labels: {'sidecar.istio.io/inject': 'true'}},
  {id: 'inject-false', says: 'label inject=false', labels: {'sidecar.istio.io/inject': 'false'}},
  {id: 'inject-yes', says: 'label inject=yes', labels: {'sidecar.istio.io/inject': 'yes'}},
  {id: 'inject-empty', says: 'label inject=""', labels: {'sidecar.istio.io/inject': ''}},
  {id: 'inject-maybe', says: 'label inject=maybe (invalid)', labels: {'sidecar.istio.io/inject': 'maybe'}},
  {id: 'annotated-false', says: 'annotation inject=false', annotations: {'sidecar.istio.io/inject': 'false'}},
  {id: 'host-network', says: 'hostNetwork', hostNetwork: true},
  {id: 'never', says: 'matches neverInjectSelector', labels: {'openshift.io/build.name': 'b1'}},
  {id: 'always', says: 'matches alwaysInjectSelector', labels: {mesh: 'always'}},
  {id: 'skip-istio', says: 'label skip-istio (CEL)', labels: {'skip-istio': 'yes'}},
  ...revisions.map((r) => ({id: `rev-${r}`, says: `label istio.io/rev=${r}`, labels: {'istio.io/rev': r}})),
]

interface NamespaceKind {
  kind: string
  labels: Record<string, string>
  workloads: boolean
}

const namespaceKinds = (revisions: string[]): NamespaceKind[] => [
  {kind: 'plain', labels: {}, workloads: revisions.length === 0},
  {kind: 'injection-enabled', labels: {'istio-injection': 'enabled'}, workloads: true},
  {kind: 'injection-disabled', labels: {'istio-injection': 'disabled'}, workloads: false},
  ...revisions.map((r, i) => ({kind: `rev-${r}`, labels: {'istio.io/rev': r}, workloads: i === 0})),
  {kind: 'kube-system', labels: {'istio-injection': 'enabled'}, workloads: false},
]

// `namespace`: the verdict of `inject-check ns/NAME` (a new plain pod there), judged by the plain pod created.
type Via = 'pod' | 'deployment' | 'job' | 'namespace'

function manifests(t: Template, namespace: string, via: Via, round: string): Json {
  const labels = {...t.labels, scenario: t.id, via, round}
  const podSpec: Json = {containers: [{name: 'app', image: 'nginx:1.27'}]}
  if (t.hostNetwork) podSpec.hostNetwork = true
  const meta: Json = {labels, ...(t.annotations ? {annotations: t.annotations} : {})}
  if (via === 'pod')
    return {apiVersion: 'v1', kind: 'Pod', metadata: {name: t.id, namespace, ...meta}, spec: podSpec}
  if (via === 'job')
    return {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {name: `${t.id}-j`, namespace},
      spec: {template: {metadata: meta, spec: {...podSpec, restartPolicy: 'Never'}}},
    }
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {name: `${t.id}-d`, namespace},
    spec: {
      replicas: 1,
      selector: {matchLabels: {scenario: t.id, via}},
      template: {metadata: meta, spec: podSpec},
    },
  }
}

interface Scenario {
  install: string
  namespace: string
  nsKind: string
  template: Template
  via: Via
  manifest: Json
}

interface Prediction {
  outcome: string
  wouldInject: boolean | null
  revision: string | null
  matched: string[]
  unknown: string[]
  reason: string
}

interface Reality {
  outcome: 'Inject' | 'Skip' | 'Reject'
  revision: string | null
  called: string[]
  calls: number
  decisions: string[]
}

interface Row {
  scenario: Scenario
  predicted: Prediction
  real: Reality
  exact: boolean
  agree: boolean
  problems: string[]
}

const rows: Row[] = []
const label = (s: Scenario): string => `${s.install} | ns ${s.nsKind} | ${s.template.says} | via ${s.via}`

function predictionOf(item: Json): Prediction {
  const path = (m: Json): string => webhookPath(m.webhook.configuration, m.webhook.name)
  const matches = (item.matches ?? []) as Json[]
  return {
    outcome: String(item.outcome),
    wouldInject: item.wouldInject ?? null,
    revision: item.revision ?? null,
    matched: matches.filter((m) => m.result === 'Match').map(path),
    unknown: matches.filter((m) => m.result === 'Unknown').map(path),
    reason: String(item.reason),
  }
}

function judge(scenario: Scenario, predicted: Prediction, real: Reality): Row {
  const problems: string[] = []
  const called = new Set(real.called)
  for (const m of predicted.matched) if (!called.has(m)) problems.push(`predicted call ${m} not made`)
  for (const c of called)
    if (!predicted.matched.includes(c) && !predicted.unknown.includes(c))
      problems.push(`unpredicted call ${c}`)
  const exact = predicted.outcome !== 'Unknown' && predicted.wouldInject !== null
  if (exact) {
    if (predicted.outcome !== real.outcome)
      problems.push(`outcome ${predicted.outcome} ≠ real ${real.outcome}`)
    if (real.outcome === 'Inject' && predicted.revision !== real.revision)
      problems.push(`revision ${predicted.revision} ≠ real ${real.revision}`)
  }
  return {scenario, predicted, real, exact, agree: problems.length === 0, problems}
}

describe(
  'prediction = reality on a real API server',
  {skip: availability.available ? false : availability.reason},
  () => {
    let lab: Lab
    const workDir = mkdtempSync(join(tmpdir(), 'real-prediction-'))

    before(async () => {
      lab = await startLab()
    })
    after(async () => {
      await lab?.stop()
    })

    const realityOf = async (scenarios: Scenario[]): Promise<Map<Scenario, Reality>> => {
      const key = (ns: string, scenario: string, via: string, round: string): string =>
        `${ns}/${scenario}/${via}/${round}`
      const round = (s: Scenario): string =>
        String(s.manifest.metadata.labels?.round ?? s.manifest.spec.template.metadata.labels.round)
      const podsByKey = new Map<string, Json>()
      const workloads = scenarios.filter((s) => s.via !== 'pod')
      // Only the fields judged (a JSON list of hundreds of injected pods outgrows execFile's buffer).
      const fields = [
        '.metadata.namespace',
        '.metadata.labels.scenario',
        '.metadata.labels.via',
        '.metadata.labels.round',
        '.spec.initContainers[*].name',
        '.spec.containers[*].name',
        '.metadata.annotations.sidecar\\.istio\\.io/status',
      ]
      const jsonpath = `jsonpath={range .items[*]}${fields.map((f) => `{${f}}`).join('{"\\t"}')}{"\\n"}{end}`
      const readPods = async (): Promise<void> => {
        const r = await lab.kubectl([
          'get',
          'pods',
          '-A',
          '-l',
          `round=${round(scenarios[0]!)}`,
          '-o',
          jsonpath,
        ])
        assert.equal(r.code, 0, r.stderr)
        for (const line of r.stdout.split('\n').filter(Boolean)) {
          const [ns, scenario, via, rnd, inits, containers, status] = line.split('\t')
          const names = (list = ''): Json[] =>
            list
              .split(' ')
              .filter(Boolean)
              .map((name) => ({name}))
          const pod = {
            metadata: {annotations: status ? {'sidecar.istio.io/status': status} : {}},
            spec: {initContainers: names(inits), containers: names(containers)},
          }
          podsByKey.set(key(ns!, scenario!, via!, rnd!), pod)
        }
      }
      const complete = (): boolean =>
        workloads.every((s) => podsByKey.has(key(s.namespace, s.template.id, s.via, round(s))))
      const deadline = Date.now() + 120_000
      for (;;) {
        await readPods()
        if (complete() || Date.now() > deadline) break
        await new Promise((r) => setTimeout(r, 500))
      }
      const result = new Map<Scenario, Reality>()
      for (const s of scenarios) {
        const pod = podsByKey.get(key(s.namespace, s.template.id, s.via, round(s)))
        const calls = lab.injector.calls.filter((c) => {
          const r = c.request as Json | undefined
          const l = r?.object?.metadata?.labels ?? {}
          return (
            r?.namespace === s.namespace &&
            l.scenario === s.template.id &&
            l.via === s.via &&
            l.round === round(s) &&
            !r?.dryRun
          )
        })
        result.set(s, {
          outcome: pod === undefined ? 'Reject' : sidecarOf(pod) ? 'Inject' : 'Skip',
          revision: pod === undefined ? null : statusRevision(pod),
          called: [...new Set(calls.map((c) => c.path))],
          calls: calls.length,
          decisions: calls.map((c) => `${c.path} → ${c.decision ?? '?'}`),
        })
      }
      return result
    }

    for (const [index, install] of installs.entries()) {
      it(`${install.name}: every exact prediction holds`, async () => {
        const began = Date.now()
        const phase = (what: string): void =>
          console.log(`# ${install.name}: ${what} at ${((Date.now() - began) / 1000).toFixed(1)} s`)
        const real = await lab.install(install.objects())
        phase('installed')
        const prefix = `i${index}`
        const scenarios: Scenario[] = []
        for (const nk of namespaceKinds(real.revisions)) {
          const namespace = nk.kind === 'kube-system' ? 'kube-system' : `${prefix}-${nk.kind}`
          await lab.namespace(namespace, nk.labels)
          for (const t of templates(real.revisions))
            for (const via of (nk.workloads ? ['pod', 'deployment', 'job'] : ['pod']) as Via[]) {
              const manifest = manifests(t, namespace, via, prefix)
              if (namespace === 'kube-system') manifest.metadata.name = `${prefix}-${manifest.metadata.name}`
              scenarios.push({install: install.name, namespace, nsKind: nk.kind, template: t, via, manifest})
            }
        }
        // One inject-check per namespace: its -o json report stays under execFile's output buffer.
        const items: Json[] = []
        for (const namespace of new Set(scenarios.map((s) => s.namespace))) {
          const file = join(workDir, `${prefix}-${namespace}.json`)
          const manifests = scenarios.filter((s) => s.namespace === namespace).map((s) => s.manifest)
          writeFileSync(file, JSON.stringify({apiVersion: 'v1', kind: 'List', items: manifests}))
          const check = await lab.plugin(['inject-check', '-f', file, '-o', 'json'])
          assert.ok(
            check.stdout.startsWith('{'),
            `inject-check printed no report (exit ${check.code}): ${check.stderr}`,
          )
          items.push(...((JSON.parse(check.stdout) as Json).items as Json[]))
        }
        const itemOf = (s: Scenario): Json | undefined =>
          items.find(
            (i) =>
              i.kind === s.manifest.kind &&
              i.namespace === s.namespace &&
              i.name === s.manifest.metadata.name,
          )
        // Pods one by one so a rejected pod does not hide the others; workloads in one go.
        phase('predicted')
        // One create for all: kubectl goes on past a rejected object and prints the API server's refusal.
        const made = await lab.create(scenarios.map((x) => x.manifest))
        const refusals = made.stderr.trim()
        phase('created')
        const reality = await realityOf(scenarios)
        phase('read back')
        const judged = scenarios.map((s) => {
          const item = itemOf(s)
          assert.ok(item, `inject-check reported nothing for ${label(s)}`)
          return judge(s, predictionOf(item), reality.get(s)!)
        })
        for (const plain of scenarios.filter((x) => x.template.id === 'plain' && x.via === 'pod')) {
          const check = await lab.plugin(['inject-check', `ns/${plain.namespace}`, '-o', 'json'])
          const item = ((JSON.parse(check.stdout || '{}') as Json).items ?? [])[0] as Json | undefined
          assert.ok(
            item,
            `inject-check ns/${plain.namespace} reported nothing (exit ${check.code}): ${check.stderr}`,
          )
          judged.push(judge({...plain, via: 'namespace'}, predictionOf(item), reality.get(plain)!))
        }
        rows.push(...judged)
        for (const r of judged.filter((x) => !x.exact))
          console.log(
            `# resolved by reality: ${label(r.scenario)}: tool ${r.predicted.outcome} (${r.predicted.reason}; unknown ${r.predicted.unknown.join(', ') || 'none'}) → real ${r.real.outcome}${r.real.revision ? ` rev ${r.real.revision}` : ''}; called ${r.real.called.join(', ') || 'none'}`,
          )
        const wrong = judged.filter((r) => !r.agree)
        for (const r of wrong)
          console.log(
            `# DISAGREE ${label(r.scenario)}: ${r.problems.join('; ')} | tool ${r.predicted.outcome}/${r.predicted.reason} rev ${r.predicted.revision} | real ${r.real.outcome} rev ${r.real.revision} calls ${r.real.decisions.join(', ') || 'none'}${r.real.outcome === 'Reject' && refusals ? ` | kubectl create: ${refusals.slice(0, 400)}` : ''}`,
          )
        // A count and the first lines: assert's diff of hundreds of long strings takes minutes.
        const shown = wrong.slice(0, 5).map((r) => `${label(r.scenario)}: ${r.problems.join('; ')}`)
        assert.equal(
          wrong.length,
          0,
          `${wrong.length} of ${judged.length} disagree, e.g.\n${shown.join('\n')}`,
        )
      })
    }

    it('summary', async (t) => {
      // REAL_PREDICT_ROWS=file keeps every row (prediction, calls with istiod's decisions) for reading.
      if (process.env.REAL_PREDICT_ROWS)
        writeFileSync(process.env.REAL_PREDICT_ROWS, JSON.stringify(rows, null, 1))
      const exact = rows.filter((r) => r.exact)
      const agree = rows.filter((r) => r.agree)
      const reinvoked = rows.filter((r) => r.real.calls > r.real.called.length).length
      console.log(
        `# ${rows.length} scenarios (${exact.length} exact, ${rows.length - exact.length} Unknown resolved by reality, ${reinvoked} with reinvocation): ${agree.length} agree`,
      )
      await t.test(`${rows.length} scenarios held against the real API server: ${agree.length} agree`, () => {
        assert.ok(rows.length > 0)
        assert.equal(agree.length, rows.length)
      })
    })
  },
)
