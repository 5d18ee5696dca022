// The third layer against the real thing: `kubectl inject-check -f` predicts whether the INJECTED pod is admitted
// (Pod Security, ResourceQuota, LimitRange), then the pod is created on a real kube-apiserver whose Istio webhook is
// Istio's own injector rendering its real template (istio-init/istio-proxy securityContext and resources), so the real
// admission plugins judge the real injected pod. A Deployment then leaves the real FailedCreate text to read back.
import assert from 'node:assert/strict'
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {after, before, describe, it} from 'node:test'
import {parseAllDocuments, stringify} from 'yaml'
import {ensureIstioInjector} from '../../scripts/real-cluster/build-istio-injector.js'
import {loadTlsMaterial} from '../apiserver-double/index.js'
import {startRealCluster} from './cluster.js'
import {launchIstioInjector} from './istio-injector-process.js'
import {istioSuiteSkip} from './istio-gate.js'
import type {RealCluster} from './cluster.js'
import {runPlugin} from './kubectl-plugins.js'
import {freePort, stopProcs} from './processes.js'
import type {Proc} from './processes.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kubernetes objects of any shape
type Json = Record<string, any>

const skip = istioSuiteSkip('admission')

const installed: Json[] = parseAllDocuments(
  readFileSync(fileURLToPath(new URL('../fixtures/istio/default-1.28.yaml', import.meta.url)), 'utf8'),
)
  .map((d) => d.toJS() as Json | null)
  .filter((o): o is Json => o !== null)
const find = (kind: string, name: string): Json =>
  installed.find((o) => o.kind === kind && o.metadata.name === name)!
const bare = (o: Json): Json => {
  const {resourceVersion: _rv, uid: _uid, creationTimestamp: _ct, generation: _g, ...metadata} = o.metadata
  return {...o, metadata}
}

// The 1.28 injector ConfigMap with the chart value a user flips to move istio-init's iptables into the CNI plugin.
function injectorConfigMap(cni: boolean): Json {
  const cm = bare(find('ConfigMap', 'istio-sidecar-injector'))
  const values = JSON.parse(cm.data.values as string) as Json
  const patched = {...values, pilot: {...values.pilot, cni: {...values.pilot.cni, enabled: cni}}}
  return {...cm, data: {...cm.data, values: JSON.stringify(patched)}}
}

function webhookConfiguration(url: string): Json {
  const mwc = bare(find('MutatingWebhookConfiguration', 'istio-sidecar-injector'))
  const caBundle = Buffer.from(loadTlsMaterial().caPem).toString('base64')
  return {...mwc, webhooks: (mwc.webhooks as Json[]).map((w) => ({...w, clientConfig: {url, caBundle}}))}
}

type Rule = 'PodSecurity' | 'ResourceQuota' | 'LimitRange'
// The rule each predicted code names, and how the real API server's own text names it.
const ruleOfCode: Record<string, Rule> = {
  PodSecurityViolation: 'PodSecurity',
  QuotaExceeded: 'ResourceQuota',
  LimitRangeViolation: 'LimitRange',
}
const ruleOfText = (message: string): Rule | 'unrecognised' =>
  /violates PodSecurity "/.test(message)
    ? 'PodSecurity'
    : /exceeded quota: /.test(message)
      ? 'ResourceQuota'
      : /usage per (Container|Pod) is /.test(message)
        ? 'LimitRange'
        : 'unrecognised'

const appResources = {requests: {cpu: '100m', memory: '128Mi'}, limits: {cpu: '100m', memory: '128Mi'}}

interface Case {
  name: string
  namespace: string
  podLabels?: Record<string, string>
  resources?: boolean
  expect: {admitted: boolean; rule?: Rule; warning?: boolean; initContainer?: string}
}

interface NamespaceSetup {
  name: string
  labels: Record<string, string>
  objects?: Json[]
}

const enabled = {'istio-injection': 'enabled'}
const quota = (name: string, cpu: string): Json => ({
  apiVersion: 'v1',
  kind: 'ResourceQuota',
  metadata: {name},
  spec: {hard: {'limits.cpu': cpu}},
})
const namespaces: NamespaceSetup[] = [
  {name: 'psa-baseline', labels: {...enabled, 'pod-security.kubernetes.io/enforce': 'baseline'}},
  {name: 'psa-baseline-cni', labels: {...enabled, 'pod-security.kubernetes.io/enforce': 'baseline'}},
  {name: 'psa-restricted', labels: {...enabled, 'pod-security.kubernetes.io/enforce': 'restricted'}},
  {name: 'psa-privileged', labels: {...enabled, 'pod-security.kubernetes.io/enforce': 'privileged'}},
  {name: 'psa-warn', labels: {...enabled, 'pod-security.kubernetes.io/warn': 'baseline'}},
  {name: 'quota-tight', labels: enabled, objects: [quota('cpu-limits', '1')]},
  {name: 'quota-room', labels: enabled, objects: [quota('cpu-limits', '10')]},
  {
    name: 'limit-range',
    labels: enabled,
    objects: [
      {
        apiVersion: 'v1',
        kind: 'LimitRange',
        metadata: {name: 'cpu-max'},
        spec: {limits: [{type: 'Container', max: {cpu: '1'}}]},
      },
    ],
  },
]

const cniOffCases: Case[] = [
  {
    name: 'enforce=baseline, CNI off: istio-init adds NET_ADMIN and NET_RAW',
    namespace: 'psa-baseline',
    expect: {admitted: false, rule: 'PodSecurity'},
  },
  {
    name: 'enforce=restricted: rejected, the real message lists what the tool lists',
    namespace: 'psa-restricted',
    expect: {admitted: false, rule: 'PodSecurity'},
  },
  {
    name: 'enforce=privileged: admitted',
    namespace: 'psa-privileged',
    expect: {admitted: true, initContainer: 'istio-init'},
  },
  {
    name: 'warn=baseline only: admitted with a warning',
    namespace: 'psa-warn',
    expect: {admitted: true, warning: true},
  },
  {
    name: 'ResourceQuota limits.cpu=1 below app 100m + proxy 2000m: rejected by quota',
    namespace: 'quota-tight',
    resources: true,
    expect: {admitted: false, rule: 'ResourceQuota'},
  },
  {
    name: 'ResourceQuota limits.cpu=10 with room: admitted',
    namespace: 'quota-room',
    resources: true,
    expect: {admitted: true},
  },
  {
    name: 'LimitRange max cpu 1 per container below the proxy limit 2: rejected by LimitRange',
    namespace: 'limit-range',
    resources: true,
    expect: {admitted: false, rule: 'LimitRange'},
  },
  {
    name: 'opted out (sidecar.istio.io/inject=false) in an enforce=baseline namespace: admitted',
    namespace: 'psa-baseline',
    podLabels: {'sidecar.istio.io/inject': 'false'},
    expect: {admitted: true},
  },
]

const cniOnCases: Case[] = [
  {
    name: 'enforce=baseline, CNI on: istio-validation needs no capability, admitted',
    namespace: 'psa-baseline-cni',
    expect: {admitted: true, initContainer: 'istio-validation'},
  },
]

const slug = (name: string): string =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 50)
    .replace(/-$/, '')

const podFor = (c: Case): Json => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {name: slug(c.name), namespace: c.namespace, labels: {app: 'probe', ...c.podLabels}},
  spec: {
    containers: [{name: 'app', image: 'nginx:1.27', ...(c.resources ? {resources: appResources} : {})}],
  },
})

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

interface Tally {
  name: string
  agree: boolean
  detail: string
}

describe('admission after injection: inject-check vs the real API server', {skip}, () => {
  let cluster: RealCluster
  let dir: string
  let port: number
  let injector: Proc | undefined
  let bin: string
  const tally: Tally[] = []

  const kubectl = async (args: string[], input?: string): Promise<string> => {
    const r = await cluster.kubectl(args, input === undefined ? {} : {input})
    assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`)
    return r.stdout
  }

  // One injector process per ConfigMap, as istiod re-renders after a ConfigMap change.
  async function serveInjector(configMap: Json): Promise<void> {
    if (injector) await stopProcs([injector])
    await kubectl(['apply', '-f', '-'], JSON.stringify(configMap))
    const file = join(dir, 'injector-configmap.yaml')
    writeFileSync(file, stringify(configMap))
    writeFileSync(join(dir, 'mesh-configmap.yaml'), stringify(bare(find('ConfigMap', 'istio'))))
    injector = await launchIstioInjector({
      bin,
      dir,
      port,
      injectorConfigMapFile: file,
      meshConfigMapFile: join(dir, 'mesh-configmap.yaml'),
    })
  }

  async function predict(manifest: Json): Promise<Json> {
    const r = await runPlugin(cluster, ['inject-check', '-f', '-', '-o', 'json'], {
      input: JSON.stringify(manifest),
    })
    assert.equal(r.code, 0, r.stderr)
    return (JSON.parse(r.stdout) as Json).items[0] as Json
  }

  const failedCodes = (item: Json): string[] =>
    ((item.admission ?? []) as Json[]).filter((c) => c.result === 'Fail').map((c) => String(c.code))

  // Predict, create for real, compare: admitted=false ⇔ rejected, the rule and its text as the server words them.
  async function judge(c: Case): Promise<void> {
    const pod = podFor(c)
    const predicted = await predict(pod)
    const codes = failedCodes(predicted)
    const real = await cluster.kubectl(['create', '-f', '-'], {input: JSON.stringify(pod)})
    const created = real.code === 0
    const realRule = created ? undefined : ruleOfText(real.stderr)
    const predictedRules = [...new Set(codes.map((code) => ruleOfCode[code] ?? code))]
    const warning = /^Warning: (would violate PodSecurity .*)$/m.exec(real.stderr)?.[1]
    const problems: string[] = []
    if ((predicted.admitted === false) !== !created)
      problems.push(
        `predicted admitted=${String(predicted.admitted)}, real ${created ? 'created' : 'rejected'}`,
      )
    // null is "not judged": only for a pod the injector skips (the layer judges injected pods only).
    if (predicted.admitted === null && predicted.wouldInject !== false)
      problems.push('predicted admitted=null for a pod it says is injected')
    if (!created && (predictedRules.length !== 1 || predictedRules[0] !== realRule))
      problems.push(`predicted rule(s) ${predictedRules.join(',') || 'none'}, real text names ${realRule}`)
    if (!created) problems.push(...textDiff(predicted, realRule, real.stderr))
    problems.push(...warningDiff(predicted, warning))
    const detail = `real: ${created ? 'created' : real.stderr.trim()}${warning ? ` (Warning: ${warning})` : ''}; predicted ${predicted.outcome} admitted=${String(predicted.admitted)} codes=[${codes.join(',')}]`
    console.log(
      `# ${c.name}: ${problems.length === 0 ? 'agree' : `DISAGREE ${problems.join('; ')}`}; ${detail}`,
    )
    tally.push({name: c.name, agree: problems.length === 0, detail: problems.join('; ')})
    assert.deepEqual(problems, [], detail)
    // The scenario is what it claims: the real server did what the table says.
    assert.equal(created, c.expect.admitted, real.stderr)
    if (c.expect.rule) assert.equal(realRule, c.expect.rule, real.stderr)
    assert.equal(warning !== undefined, c.expect.warning ?? false, real.stderr)
    if (c.expect.initContainer) {
      const got = JSON.parse(
        await kubectl(['get', 'pod', pod.metadata.name, '-n', c.namespace, '-o', 'json']),
      )
      const names = ((got.spec.initContainers ?? []) as Json[]).map((x) => x.name as string)
      assert.ok(names.includes(c.expect.initContainer), `init containers: ${names.join(',')}`)
    }
  }

  const detailOf = (predicted: Json, code: string): string =>
    String(((predicted.admission ?? []) as Json[]).find((x) => x.code === code)?.detail ?? '')

  // The tool words each rejection as the plugin does (response.go, resourcequota/controller.go, limitranger): compare.
  function textDiff(predicted: Json, rule: Rule | 'unrecognised' | undefined, stderr: string): string[] {
    const reason = / is forbidden: (.*)$/m.exec(stderr)?.[1]?.trim()
    const tool =
      rule === 'PodSecurity'
        ? /^(violates PodSecurity .*?); (?:injection adds|the app)/.exec(
            detailOf(predicted, 'PodSecurityViolation'),
          )?.[1]
        : rule === 'ResourceQuota'
          ? /^(exceeded quota: .*?) \(/.exec(detailOf(predicted, 'QuotaExceeded'))?.[1]
          : rule === 'LimitRange'
            ? /^(.*?)(?:; injected: .*)?$/.exec(detailOf(predicted, 'LimitRangeViolation'))?.[1]
            : undefined
    return tool === reason ? [] : [`${String(rule)} text differs: tool "${tool}", real "${reason}"`]
  }

  function warningDiff(predicted: Json, warning: string | undefined): string[] {
    const tool = /^(would violate PodSecurity .*?); (?:injection adds|the app)/.exec(
      detailOf(predicted, 'PodSecurityWarning'),
    )?.[1]
    return tool === warning ? [] : [`Pod Security warning differs: tool "${tool}", real "${warning}"`]
  }

  before(async () => {
    bin = (await ensureIstioInjector((l) => console.log(`# ${l}`))).path
    cluster = await startRealCluster({log: (l) => console.log(`# ${l}`), timeoutMs: 180_000})
    dir = mkdtempSync(join(tmpdir(), 'admission-'))
    port = await freePort()
    await kubectl(['create', '-f', '-'], JSON.stringify(bare(find('Namespace', 'istio-system'))))
    await kubectl(['create', '-f', '-'], JSON.stringify(bare(find('ConfigMap', 'istio'))))
    for (const ns of namespaces) {
      await kubectl(
        ['create', '-f', '-'],
        JSON.stringify({apiVersion: 'v1', kind: 'Namespace', metadata: {name: ns.name, labels: ns.labels}}),
      )
      for (const o of ns.objects ?? [])
        await kubectl(
          ['create', '-f', '-'],
          JSON.stringify({...o, metadata: {...o.metadata, namespace: ns.name}}),
        )
    }
    await serveInjector(injectorConfigMap(false))
    await kubectl(
      ['create', '-f', '-'],
      JSON.stringify(webhookConfiguration(`https://127.0.0.1:${port}/inject`)),
    )
    await waitUntilInjecting()
  })
  after(async () => {
    if (injector) await stopProcs([injector])
    await cluster?.stop()
  })

  // The webhook informer, the namespaces' default ServiceAccounts and the quota's first status take a moment.
  async function waitUntilInjecting(): Promise<void> {
    const deadline = Date.now() + 60_000
    const probe = JSON.stringify(
      podFor({name: 'probe', namespace: 'psa-privileged', expect: {admitted: true}}),
    )
    for (;;) {
      const r = await cluster.kubectl(['create', '--dry-run=server', '-o', 'json', '-f', '-'], {input: probe})
      if (r.code === 0 && r.stdout.includes('"istio-proxy"')) break
      assert.ok(Date.now() < deadline, `no injection on a dry run within 60 s: ${r.stderr}`)
      await sleep(300)
    }
    for (const ns of namespaces)
      for (let i = 0; ; i++) {
        const r = await cluster.kubectl(['get', 'serviceaccount', 'default', '-n', ns.name])
        if (r.code === 0) break
        assert.ok(i < 100, `no default ServiceAccount in ${ns.name}`)
        await sleep(200)
      }
    for (const ns of ['quota-tight', 'quota-room'])
      for (let i = 0; ; i++) {
        const q = JSON.parse(await kubectl(['get', 'resourcequota', 'cpu-limits', '-n', ns, '-o', 'json']))
        if (q.status?.hard) break
        assert.ok(i < 100, `ResourceQuota in ${ns} has no status`)
        await sleep(200)
      }
  }

  describe('injector values pilot.cni.enabled=false (istio-init)', () => {
    for (const c of cniOffCases) it(c.name, () => judge(c))
  })

  describe('a Deployment in the enforce=baseline namespace, CNI off', () => {
    const ns = 'psa-baseline'
    let event: Json
    before(async () => {
      const deploy = {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: {name: 'web', namespace: ns},
        spec: {
          replicas: 1,
          selector: {matchLabels: {app: 'web'}},
          template: {
            metadata: {labels: {app: 'web'}},
            spec: {containers: [{name: 'app', image: 'nginx:1.27'}]},
          },
        },
      }
      await kubectl(['create', '-f', '-'], JSON.stringify(deploy))
      const deadline = Date.now() + 60_000
      for (;;) {
        const list = JSON.parse(
          await kubectl(['get', 'events', '-n', ns, '--field-selector', 'reason=FailedCreate', '-o', 'json']),
        )
        event = (list.items as Json[]).find((e) => e.involvedObject.kind === 'ReplicaSet') as Json
        if (event) break
        assert.ok(Date.now() < deadline, 'no FailedCreate event within 60 s')
        await sleep(500)
      }
      console.log(`# ${ns} FailedCreate: ${event.message}`)
    })

    it('the real FailedCreate text is a Pod Security rejection naming istio-init', () => {
      assert.match(
        event.message,
        /^Error creating: pods "web-[a-z0-9-]+" is forbidden: violates PodSecurity "baseline:latest": /,
      )
      assert.match(event.message, /"istio-init"/)
    })

    it('inject-check deploy/web predicts the rejection and names Pod Security', async () => {
      const run = await runPlugin(cluster, ['inject-check', 'deploy/web', '-n', ns, '-o', 'json'])
      assert.equal(run.code, 0, run.stderr)
      const [item] = (JSON.parse(run.stdout) as Json).items as Json[]
      console.log(
        `# deploy/web: ${item!.outcome} ${item!.reason} admitted=${String(item!.admitted)} codes=[${failedCodes(item!).join(',')}]`,
      )
      assert.equal(item!.admitted, false)
      assert.deepEqual(failedCodes(item!), ['PodSecurityViolation'])
      assert.notEqual(item!.reason, 'WebhookBlocksCreation', 'the webhook injected; Pod Security rejected')
    })

    it('inject-check --health -A classifies the real text as PodSecurityViolation, not a webhook failure', async () => {
      const run = await runPlugin(cluster, ['inject-check', '--health', '-A', '-o', 'json'])
      assert.equal(run.code, 0, run.stderr)
      const health = (JSON.parse(run.stdout) as Json).health as Json
      const mine = (health.findings as Json[]).filter((f) =>
        String(f.subject).startsWith(`replicaset ${ns}/web-`),
      )
      console.log(`# --health: ${mine.map((f) => `${f.code} ${f.detail}`).join(' | ')}`)
      assert.deepEqual(
        mine.map((f) => f.code),
        ['PodSecurityViolation'],
        JSON.stringify(health.findings),
      )
      assert.match(mine[0]!.detail, /Pod Security baseline:latest rejects the pod: .*"istio-init"/)
      const failures = (health.failures as Json[]).filter((d) => d.object?.namespace === ns)
      assert.deepEqual(failures, [], 'a Pod Security rejection is no webhook failure')
    })
  })

  describe('injector values pilot.cni.enabled=true (istio-validation)', () => {
    before(() => serveInjector(injectorConfigMap(true)))
    for (const c of cniOnCases) it(c.name, () => judge(c))
  })

  const total = cniOffCases.length + cniOnCases.length
  it(`${total} admission predictions held against the real API server: ${total} agree`, () => {
    const agree = tally.filter((t) => t.agree).length
    console.log(`# ${tally.length} admission predictions held against the real API server: ${agree} agree`)
    for (const t of tally.filter((x) => !x.agree)) console.log(`# disagreement: ${t.name}: ${t.detail}`)
    assert.equal(tally.length, total)
    assert.equal(agree, total)
  })
})
