// Istio's own injection decision against our prediction, on a real control plane: for each pod `kubectl
// inject-check -f` predicts first, then the pod is created through the fixture's webhooks to istio-injector (Istio's
// webhook from istio.io/istio pkg/kube/inject, built from test/real-cluster/istio-injector), which logs what it decided.
import {pluginPath} from './kubectl-plugins.js'
import assert from 'node:assert/strict'
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {delimiter, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {after, before, describe, it} from 'node:test'
import {parse, parseAllDocuments, stringify} from 'yaml'
import {ensureIstioInjector} from '../../scripts/real-cluster/build-istio-injector.js'
import {loadTlsMaterial} from '../apiserver-double/index.js'
import {startRealCluster} from './cluster.js'
import {launchIstioInjector} from './istio-injector-process.js'
import {istioSuiteSkip} from './istio-gate.js'
import type {RealCluster} from './cluster.js'
import {freePort, stopProcs} from './processes.js'
import type {Proc} from './processes.js'
import {assertOutputMatchesSchema} from '../schemas/validate-output.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kubernetes objects of any shape
type Json = Record<string, any>

const skip = istioSuiteSkip('istio-decision')

const fixture = (name: string): Json[] =>
  parseAllDocuments(
    readFileSync(fileURLToPath(new URL(`../fixtures/istio/${name}`, import.meta.url)), 'utf8'),
  )
    .map((d) => d.toJS() as Json | null)
    .filter((o): o is Json => o !== null)

const installed = fixture('default-1.28.yaml')
const policyDisabled = fixture('policy-disabled.yaml')
const find = (objects: Json[], kind: string, name: string): Json =>
  objects.find((o) => o.kind === kind && o.metadata.name === name)!

// As `kubectl create` takes it: no server-set metadata.
const bare = (o: Json): Json => {
  const {resourceVersion: _rv, uid: _uid, creationTimestamp: _ct, generation: _g, ...metadata} = o.metadata
  return {...o, metadata}
}

// policy-disabled.yaml's templates are abbreviated (not valid Go templates): its policy and selectors go onto the
// full 1.28 injector config, as a user editing the ConfigMap would.
function injectorVariant(policy: 'enabled' | 'disabled', selectorsFrom: Json | undefined): Json {
  const cm = bare(find(installed, 'ConfigMap', 'istio-sidecar-injector'))
  const config = parse(cm.data.config as string) as Json
  const selectors = selectorsFrom ? (parse(selectorsFrom.data.config as string) as Json) : {}
  const merged = {
    ...config,
    policy,
    alwaysInjectSelector: selectors.alwaysInjectSelector ?? config.alwaysInjectSelector,
    neverInjectSelector: selectors.neverInjectSelector ?? config.neverInjectSelector,
  }
  return {...cm, data: {...cm.data, config: stringify(merged)}}
}

// The fixture's four webhooks, routed by URL to the local injector (no kube-proxy here; an ExternalName istiod
// Service is judged a port mismatch by the tool, see README.md).
function webhookConfiguration(url: string): Json {
  const mwc = bare(find(installed, 'MutatingWebhookConfiguration', 'istio-sidecar-injector'))
  const caBundle = Buffer.from(loadTlsMaterial().caPem).toString('base64')
  return {...mwc, webhooks: (mwc.webhooks as Json[]).map((w) => ({...w, clientConfig: {url, caBundle}}))}
}

interface Case {
  name: string
  namespace: string
  labels?: Record<string, string>
  annotations?: Record<string, string>
  hostNetwork?: boolean
}

const slug = (name: string): string =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60)

const podFor = (c: Case): Json => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name: slug(c.name),
    namespace: c.namespace,
    labels: {app: slug(c.name), ...c.labels},
    ...(c.annotations ? {annotations: c.annotations} : {}),
  },
  spec: {
    ...(c.hostNetwork ? {hostNetwork: true} : {}),
    containers: [{name: 'app', image: 'nginx:1.27', ports: [{containerPort: 8080}]}],
  },
})

const namespaces: Json[] = [
  {name: 'shop', labels: {'istio-injection': 'enabled'}},
  {name: 'by-rev', labels: {'istio.io/rev': 'default'}},
  {name: 'plain', labels: {}},
  {name: 'injection-disabled', labels: {'istio-injection': 'disabled'}},
]

const policyEnabledCases: Case[] = [
  {name: 'enabled namespace, no label', namespace: 'shop'},
  {name: 'enabled namespace, label true', namespace: 'shop', labels: {'sidecar.istio.io/inject': 'true'}},
  {name: 'enabled namespace, label false', namespace: 'shop', labels: {'sidecar.istio.io/inject': 'false'}},
  {name: 'enabled namespace, label invalid', namespace: 'shop', labels: {'sidecar.istio.io/inject': 'maybe'}},
  {
    name: 'enabled namespace, capitalised label value True',
    namespace: 'shop',
    labels: {'sidecar.istio.io/inject': 'True'},
  },
  {
    name: 'enabled namespace, annotation false',
    namespace: 'shop',
    annotations: {'sidecar.istio.io/inject': 'false'},
  },
  {
    name: 'enabled namespace, label true beats annotation false',
    namespace: 'shop',
    labels: {'sidecar.istio.io/inject': 'true'},
    annotations: {'sidecar.istio.io/inject': 'false'},
  },
  {name: 'enabled namespace, hostNetwork', namespace: 'shop', hostNetwork: true},
  {
    name: 'enabled namespace, hostNetwork with label true',
    namespace: 'shop',
    hostNetwork: true,
    labels: {'sidecar.istio.io/inject': 'true'},
  },
  {name: 'istio.io/rev=default namespace, no label', namespace: 'by-rev'},
  {name: 'unlabelled namespace, no label', namespace: 'plain'},
  {name: 'unlabelled namespace, label true', namespace: 'plain', labels: {'sidecar.istio.io/inject': 'true'}},
  {
    name: 'unlabelled namespace, annotation true',
    namespace: 'plain',
    annotations: {'sidecar.istio.io/inject': 'true'},
  },
  {
    name: 'injection-disabled namespace, label true',
    namespace: 'injection-disabled',
    labels: {'sidecar.istio.io/inject': 'true'},
  },
  {name: 'kube-system labelled for injection, no label', namespace: 'kube-system'},
  {
    name: 'kube-system labelled for injection, label true',
    namespace: 'kube-system',
    labels: {'sidecar.istio.io/inject': 'true'},
  },
]

const buildPod = {'openshift.io/build.name': 'app-1'}
const selectorCases = (policy: string): Case[] => [
  {name: `${policy} policy, no label`, namespace: 'shop'},
  {name: `${policy} policy, label true`, namespace: 'shop', labels: {'sidecar.istio.io/inject': 'true'}},
  {name: `${policy} policy, label invalid`, namespace: 'shop', labels: {'sidecar.istio.io/inject': 'yes'}},
  {
    name: `${policy} policy, annotation true`,
    namespace: 'shop',
    annotations: {'sidecar.istio.io/inject': 'true'},
  },
  {name: `${policy} policy, alwaysInjectSelector`, namespace: 'shop', labels: {mesh: 'always'}},
  {name: `${policy} policy, neverInjectSelector`, namespace: 'shop', labels: buildPod},
  {
    name: `${policy} policy, never and always selectors`,
    namespace: 'shop',
    labels: {...buildPod, mesh: 'always'},
  },
  {
    name: `${policy} policy, neverInjectSelector with label true`,
    namespace: 'shop',
    labels: {...buildPod, 'sidecar.istio.io/inject': 'true'},
  },
  {
    name: `${policy} policy, unlabelled namespace, alwaysInjectSelector`,
    namespace: 'plain',
    labels: {mesh: 'always'},
  },
]

interface IstioDecision {
  pod: string
  namespace: string
  decision: 'injected' | 'skipped' | 'denied' | 'error' | 'bad-request'
  message?: string
}

// Any HTTPS answer from /inject means the injector listens (Istio answers a GET with 400/405).

describe('Istio’s own injection decision vs kubectl inject-check', {skip}, () => {
  let cluster: RealCluster
  let dir: string
  let port: number
  let injector: Proc | undefined
  let bin: string
  let plugins: string

  const kubectl = async (args: string[], input?: string): Promise<string> => {
    const r = await cluster.kubectl(args, input === undefined ? {} : {input})
    assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`)
    return r.stdout
  }

  // One injector process per injector ConfigMap, as istiod reloads on a ConfigMap change.
  async function serveInjector(configMap: Json): Promise<void> {
    if (injector) await stopProcs([injector])
    await kubectl(['apply', '-f', '-'], JSON.stringify(configMap))
    const file = join(dir, 'injector-configmap.yaml')
    writeFileSync(file, stringify(configMap))
    writeFileSync(join(dir, 'mesh-configmap.yaml'), stringify(bare(find(installed, 'ConfigMap', 'istio'))))
    injector = await launchIstioInjector({
      bin,
      dir,
      port,
      injectorConfigMapFile: file,
      meshConfigMapFile: join(dir, 'mesh-configmap.yaml'),
    })
  }

  const decisions = (): IstioDecision[] =>
    readFileSync(injector!.logPath, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Json)
      .filter((l): l is IstioDecision => typeof l.decision === 'string')

  async function predict(pod: Json): Promise<Json> {
    const r = await cluster.kubectl(['inject-check', '-f', '-', '-o', 'json', '--context', 'inspector'], {
      input: JSON.stringify(pod),
      env: {PATH: `${plugins}${delimiter}${process.env.PATH ?? ''}`, NO_COLOR: '1'},
    })
    assert.equal(r.code, 0, r.stderr)
    assertOutputMatchesSchema(r.stdout)
    return (JSON.parse(r.stdout) as Json).items[0] as Json
  }

  // Predict, create, then read what Istio decided (no line: no webhook selected the pod, the API server never asked).
  async function judge(c: Case): Promise<void> {
    const pod = podFor(c)
    const predicted = await predict(pod)
    const seen = decisions().length
    await kubectl(['create', '-f', '-'], JSON.stringify(pod))
    const line = decisions()
      .slice(seen)
      .find((d) => d.pod === pod.metadata.name && d.namespace === c.namespace)
    const created = JSON.parse(
      await kubectl(['get', 'pod', pod.metadata.name, '-n', c.namespace, '-o', 'json']),
    )
    const hasProxy = [...(created.spec.initContainers ?? []), ...created.spec.containers].some(
      (x: Json) => x.name === 'istio-proxy',
    )
    const istio = line?.decision ?? 'not called'
    console.log(
      `# ${c.name}: istio ${istio}; inject-check ${predicted.outcome} ${predicted.reason} (wouldInject ${predicted.wouldInject})`,
    )
    assert.notEqual(istio, 'error', line?.message)
    assert.notEqual(istio, 'denied', line?.message)
    assert.equal(hasProxy, istio === 'injected', 'the pod carries what Istio decided')
    if (hasProxy)
      assert.equal(JSON.parse(created.metadata.annotations['sidecar.istio.io/status']).revision, 'default')
    assert.equal(
      predicted.wouldInject,
      istio === 'injected',
      `inject-check predicted ${predicted.outcome}/${predicted.reason}: ${predicted.message}`,
    )
  }

  before(async () => {
    bin = (await ensureIstioInjector((l) => console.log(`# ${l}`))).path
    cluster = await startRealCluster({log: (l) => console.log(`# ${l}`), timeoutMs: 180_000})
    dir = mkdtempSync(join(tmpdir(), 'istio-decision-'))
    plugins = pluginPath()
    port = await freePort()
    await kubectl(['create', '-f', '-'], JSON.stringify(bare(find(installed, 'Namespace', 'istio-system'))))
    await kubectl(['create', '-f', '-'], JSON.stringify(bare(find(installed, 'ConfigMap', 'istio'))))
    for (const ns of namespaces)
      await kubectl(
        ['create', '-f', '-'],
        JSON.stringify({apiVersion: 'v1', kind: 'Namespace', metadata: ns}),
      )
    await kubectl(['label', 'namespace', 'kube-system', 'istio-injection=enabled'])
    await serveInjector(bare(find(installed, 'ConfigMap', 'istio-sidecar-injector')))
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

  // The API server's webhook informer and the namespaces' default ServiceAccounts take a moment.
  async function waitUntilInjecting(): Promise<void> {
    const deadline = Date.now() + 60_000
    const probe = JSON.stringify(podFor({name: 'probe', namespace: 'shop'}))
    for (;;) {
      const r = await cluster.kubectl(['create', '--dry-run=server', '-o', 'json', '-f', '-'], {input: probe})
      if (r.code === 0 && r.stdout.includes('"istio-proxy"')) break
      assert.ok(Date.now() < deadline, `no injection on a dry run within 60 s: ${r.stderr}`)
      await new Promise((res) => setTimeout(res, 300))
    }
    for (const ns of [...namespaces.map((n) => n.name as string), 'kube-system'])
      for (let i = 0; ; i++) {
        const r = await cluster.kubectl(['get', 'serviceaccount', 'default', '-n', ns])
        if (r.code === 0) break
        assert.ok(i < 100, `no default ServiceAccount in ${ns}`)
        await new Promise((res) => setTimeout(res, 200))
      }
  }

  describe('default 1.28 injector config (policy enabled, no selectors)', () => {
    for (const c of policyEnabledCases) it(c.name, () => judge(c))
  })

  describe('policy disabled, with policy-disabled.yaml’s selectors', () => {
    before(() =>
      serveInjector(injectorVariant('disabled', find(policyDisabled, 'ConfigMap', 'istio-sidecar-injector'))),
    )
    for (const c of selectorCases('disabled')) it(c.name, () => judge(c))
  })

  describe('policy enabled, with policy-disabled.yaml’s selectors', () => {
    before(() =>
      serveInjector(injectorVariant('enabled', find(policyDisabled, 'ConfigMap', 'istio-sidecar-injector'))),
    )
    for (const c of selectorCases('enabled')) it(c.name, () => judge(c))
  })
})
