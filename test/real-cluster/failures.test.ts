// Real webhook failures on the real control plane: the injector stopped, a wrong caBundle, a call that outlives
// timeoutSeconds, failurePolicy Ignore. The API server's own FailedCreate text is the evidence; the tool (run as a
// kubectl plugin) must classify each real text and give the verdict the cluster's behaviour proves.
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {after, before, describe, it} from 'node:test'
import {startWebhookServer} from '../apiserver-double/index.js'
import type {WebhookServer} from '../apiserver-double/index.js'
import {realClusterAvailable, startRealCluster} from './cluster.js'
import type {RealCluster} from './cluster.js'
import {externalNameService, injectorWebhookConfiguration, istioConfigMaps} from './istio-install.js'
import {deployment, eventually, hasSidecar, pod, pluginRunner, skipNote} from './scenario-helpers.js'
import type {Json} from './scenario-helpers.js'

const availability = realClusterAvailable()
skipNote(availability)

interface Failure {
  readonly name: string
  readonly namespace: string
  readonly policy: 'Fail' | 'Ignore'
  /** The injector behind the webhook: stopped, serving, or answering after `delayMs`. */
  readonly injector: 'stopped' | 'serving' | {delayMs: number}
  /** The istiod Service: ExternalName to the local injector (default) or headless (clusterIP None). */
  readonly route?: 'externalName' | 'headless'
  /** Base64 caBundle override: another CA than the one that signed the injector's certificate. */
  readonly wrongCA?: boolean
  readonly timeoutSeconds?: number
  /** The API server's own words after `failed to call webhook: Post "https://<service>…": `. */
  readonly realText: RegExp
  readonly classified: string
}

const failures: readonly Failure[] = [
  {
    name: 'the injector is stopped and failurePolicy is Fail: connection refused',
    namespace: 'stopped',
    policy: 'Fail',
    injector: 'stopped',
    realText: /dial tcp (127\.0\.0\.1|\[::1\]):\d+: connect: connection refused/,
    classified: 'WebhookConnectionRefused',
  },
  {
    name: 'the caBundle is another CA than the one that signed the injector: x509 unknown authority',
    namespace: 'wrong-ca',
    policy: 'Fail',
    injector: 'serving',
    wrongCA: true,
    realText: /tls: failed to verify certificate: x509: certificate signed by unknown authority/,
    classified: 'WebhookTLSFailure',
  },
  {
    name: 'the injector answers after timeoutSeconds: context deadline exceeded',
    namespace: 'slow',
    policy: 'Fail',
    injector: {delayMs: 4000},
    timeoutSeconds: 1,
    realText: /context deadline exceeded/,
    classified: 'WebhookCallTimeout',
  },
  {
    name: 'the webhook Service is headless: the API server cannot route to it',
    namespace: 'headless',
    policy: 'Fail',
    injector: 'serving',
    route: 'headless',
    realText: /cannot route to service with ClusterIP "None"/,
    classified: 'WebhookServiceHeadless',
  },
]

describe('real webhook failures', {skip: availability.available ? false : availability.reason}, () => {
  let cluster: RealCluster
  const servers: WebhookServer[] = []
  const ports = new Map<string, number>()
  let plugin: ReturnType<typeof pluginRunner>

  const create = async (object: Json): Promise<void> => {
    const r = await cluster.kubectl(['create', '-f', '-'], {input: JSON.stringify(object)})
    assert.equal(r.code, 0, r.stderr)
  }
  const getJson = async (args: string[]): Promise<Json> => {
    const r = await cluster.kubectl(['get', ...args, '-o', 'json'])
    assert.equal(r.code, 0, r.stderr)
    return JSON.parse(r.stdout) as Json
  }

  // One namespace, ExternalName Service and webhook configuration per scenario, as istiod's chart would install them.
  const install = async (
    f: Pick<Failure, 'namespace' | 'policy' | 'injector' | 'wrongCA' | 'timeoutSeconds' | 'route'>,
  ) => {
    const server = await startWebhookServer(
      typeof f.injector === 'object' ? {failWith: {delayMs: f.injector.delayMs}} : {},
    )
    servers.push(server)
    const port = f.route === 'headless' ? 443 : Number(new URL(server.url).port)
    if (f.injector === 'stopped') await server.close()
    ports.set(f.namespace, port)
    const service = `istiod-${f.namespace}`
    await create(
      f.route === 'headless'
        ? {
            apiVersion: 'v1',
            kind: 'Service',
            metadata: {name: service, namespace: 'istio-system'},
            spec: {clusterIP: 'None', ports: [{name: 'https-webhook', port}]},
          }
        : externalNameService(service, 'istio-system', port, 'localhost'),
    )
    await create({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {name: f.namespace, labels: {scenario: f.namespace}},
    })
    const config = injectorWebhookConfiguration({
      name: `istio-sidecar-injector-${f.namespace}`,
      clientConfig: {
        service: {name: service, namespace: 'istio-system', path: '/inject', port},
        caBundle: f.wrongCA ? Buffer.from(cluster.caPem).toString('base64') : server.caBundle,
      },
      failurePolicy: f.policy,
      namespaceLabel: ['scenario', f.namespace],
    })
    const [webhook] = config.webhooks as Json[]
    if (f.timeoutSeconds !== undefined) webhook!.timeoutSeconds = f.timeoutSeconds
    await create(config)
  }

  before(async () => {
    cluster = await startRealCluster({log: (line) => console.log(`# ${line}`), timeoutMs: 180_000})
    plugin = pluginRunner(cluster)
    await create({apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'istio-system'}})
    for (const cm of istioConfigMaps()) await create(cm)
    for (const f of failures) await install(f)
    await install({namespace: 'fail-open', policy: 'Ignore', injector: 'stopped'})
    await install({namespace: 'working', policy: 'Fail', injector: 'serving'})
    for (const ns of [...failures.map((f) => f.namespace), 'fail-open', 'working'])
      await create(deployment('web', ns))
  })
  after(async () => {
    for (const s of servers) await s.close()
    await cluster?.stop()
  })

  const failedCreate = (namespace: string): Promise<Json> =>
    eventually(`a FailedCreate event in ${namespace}`, async () => {
      const list = await getJson(['events', '-n', namespace, '--field-selector', 'reason=FailedCreate'])
      return list.items.find((e: Json) => e.involvedObject.kind === 'ReplicaSet') as Json | undefined
    })

  for (const f of failures) {
    describe(f.name, () => {
      it('the ReplicaSet records the real FailedCreate text and a ReplicaFailure condition', async () => {
        const event = await failedCreate(f.namespace)
        console.log(`# ${f.namespace} FailedCreate: ${event.message}`)
        const head =
          `Error creating: Internal error occurred: failed calling webhook "namespace.sidecar-injector.istio.io": ` +
          `failed to call webhook: Post "https://istiod-${f.namespace}.istio-system.svc:${ports.get(f.namespace)}/inject?timeout=${f.timeoutSeconds ?? 5}s": `
        assert.ok(event.message.startsWith(head), event.message)
        assert.match(event.message, f.realText)
        const condition = await eventually('the ReplicaSet ReplicaFailure condition', async () => {
          const rs = await getJson(['replicasets', '-n', f.namespace, '-l', 'app=web'])
          return (rs.items[0]?.status?.conditions ?? []).find((c: Json) => c.type === 'ReplicaFailure') as
            Json | undefined
        })
        assert.equal(condition.reason, 'FailedCreate')
        assert.equal(condition.status, 'True')
        assert.match(condition.message, f.realText)
      })

      it(`inject-check deploy/web says WebhookBlocksCreation quoting the real text`, async () => {
        await failedCreate(f.namespace)
        const human = await plugin(['inject-check', 'deploy/web', '-n', f.namespace])
        assert.equal(human.code, 0, human.stderr)
        assert.match(human.stdout, /^deployment\/web -n .*\(WebhookBlocksCreation\)$/m)
        const run = await plugin(['inject-check', 'deploy/web', '-n', f.namespace, '-o', 'json'])
        assert.equal(run.code, 0, run.stderr)
        const [item] = (JSON.parse(run.stdout) as Json).items as Json[]
        assert.equal(item!.reason, 'WebhookBlocksCreation')
        const finding = (item!.findings as Json[]).find((x) => x.code === 'WebhookBlocksCreation')
        assert.ok(finding, JSON.stringify(item!.findings))
        assert.match(finding.message, f.realText)
        // An ExternalName Service has no EndpointSlices: no action may send the reader to them.
        assert.deepEqual(
          (item!.actions as Json[]).filter((a) => /endpointslices/.test(a.command)),
          [],
        )
      })

      it(`inject-check --health -A classifies the real text as ${f.classified}`, async () => {
        await failedCreate(f.namespace)
        const run = await plugin(['inject-check', '--health', '-A', '-o', 'json'])
        assert.equal(run.code, 0, run.stderr)
        const failures = (JSON.parse(run.stdout) as Json).health.failures as Json[]
        const mine = failures.filter((d) => d.object?.namespace === f.namespace)
        assert.ok(mine.length > 0, `a diagnosis for ${f.namespace}: ${JSON.stringify(failures)}`)
        assert.deepEqual([...new Set(mine.map((d) => d.code))], [f.classified])
        assert.equal(mine[0]!.service?.name, `istiod-${f.namespace}`)
        assert.equal(mine[0]!.recent, true)
      })
    })
  }

  describe('the injector serves behind an ExternalName Service (no targetPort, no EndpointSlices)', () => {
    it('the real API server injects the pod', async () => {
      const pod = await eventually('a pod of deploy/web in working', async () => {
        const list = await getJson(['pods', '-n', 'working', '-l', 'app=web'])
        return list.items[0] as Json | undefined
      })
      assert.ok(hasSidecar(pod))
    })

    it('inject-check agrees (Inject, not WebhookBlocksCreation) and --health does not call the webhook Failing', async () => {
      const run = await plugin(['inject-check', 'deploy/web', '-n', 'working', '-o', 'json'])
      assert.equal(run.code, 0, run.stderr)
      const [item] = (JSON.parse(run.stdout) as Json).items as Json[]
      assert.equal(item!.outcome, 'Inject')
      assert.notEqual(item!.reason, 'WebhookBlocksCreation')
      const health = await plugin(['inject-check', '--health', '-A', '-o', 'json'])
      const hook = ((JSON.parse(health.stdout) as Json).health.webhooks as Json[]).find(
        (w) => w.configuration === 'istio-sidecar-injector-working',
      )
      assert.ok(hook)
      assert.notEqual(hook.state, 'Failing', JSON.stringify(hook.checks))
      const codes = (hook.checks as Json[]).map((c) => c.code)
      assert.ok(codes.includes('WebhookServiceExternalName'), codes.join(','))
      assert.ok(!codes.includes('WebhookTargetPortMismatch') && !codes.includes('WebhookNoReadyEndpoints'))
    })
  })

  describe('the injector is stopped and failurePolicy is Ignore', () => {
    it('the real API server creates the pod without a sidecar and records no FailedCreate', async () => {
      const pod = await eventually('a pod of deploy/web in fail-open', async () => {
        const list = await getJson(['pods', '-n', 'fail-open', '-l', 'app=web'])
        return list.items[0] as Json | undefined
      })
      assert.equal(hasSidecar(pod), false)
      const events = await getJson(['events', '-n', 'fail-open', '--field-selector', 'reason=FailedCreate'])
      assert.deepEqual(events.items, [])
    })

    it('inject-check on that pod does not claim it is injected, and names failing open', async () => {
      const list = await getJson(['pods', '-n', 'fail-open', '-l', 'app=web'])
      const name = list.items[0].metadata.name as string
      const run = await plugin(['inject-check', `pod/${name}`, '-n', 'fail-open'])
      console.log(`# fail-open inject-check:\n${run.stdout.replace(/^/gm, '#   ')}`)
      assert.equal(run.code, 0, run.stderr)
      assert.doesNotMatch(run.stdout, /WebhookBlocksCreation/)
      assert.match(run.stdout, /observed: no sidecar/)
      assert.match(
        run.stdout.replace(/\s+/g, ' '),
        /NeedsRestart: .* has failurePolicy Ignore, so a pod created while istiod did not answer was admitted without a sidecar and without an event/,
      )
    })

    it('the only trace the real API server keeps is the failed-open audit annotation', async () => {
      const r = await cluster.kubectl(['create', '-f', '-'], {
        input: JSON.stringify(pod('bare', 'fail-open')),
      })
      assert.equal(r.code, 0, r.stderr)
      const annotations = await eventually('the audit event of pods/bare', async () => {
        const entry = readFileSync(cluster.auditLogPath, 'utf8')
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as Json)
          .find((e) => e.objectRef?.name === 'bare' && e.verb === 'create' && e.stage === 'ResponseComplete')
        return entry?.annotations as Json | undefined
      })
      assert.deepEqual(
        Object.entries(annotations).filter(([k]) =>
          k.startsWith('failed-open.mutation.webhook.admission.k8s.io/'),
        ),
        [
          [
            'failed-open.mutation.webhook.admission.k8s.io/round_0_index_0',
            'namespace.sidecar-injector.istio.io',
          ],
        ],
      )
    })
  })
})
