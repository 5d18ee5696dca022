// inject-diff on running pods (defaulting is not admission; an injected pod shows what a restart would change), its
// failures when istiod has no ready endpoints, the applicable -o patch, the InjectionDiff document and target rules.
// Every scenario runs against the API-server double with HTTPS injectors and audits that nothing was written.
import assert from 'node:assert/strict'
import {execFile, execFileSync} from 'node:child_process'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {describe, it} from 'node:test'
import {parse, stringify} from 'yaml'
import {applyJsonPatch} from '../apiserver-double/json-patch.js'
import {requireKubectl} from '../cli/kubectl-on-path.js'
import type {PatchOperation} from '../apiserver-double/json-patch.js'
import {
  appContainer,
  bareRunningPod,
  deployment,
  endpointSlice,
  injectedBy,
  namespace,
  runDiff,
  withCluster,
} from './diff-cluster.js'

// Module level: without kubectl this file fails once, with that message.
const kubectlBin = requireKubectl()

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test objects of any Kubernetes shape
type Json = Record<string, any>

const owner = (kind: string, name: string): Json[] => [
  {apiVersion: 'apps/v1', kind, name, controller: true, uid: `uid-${name}`},
]

// A container as the API server stores it in a template: PodTemplate defaults, limits without requests.
const storedContainer: Json = {
  ...appContainer,
  ports: [{containerPort: 8080, name: 'http', protocol: 'TCP'}],
  imagePullPolicy: 'IfNotPresent',
  terminationMessagePath: '/dev/termination-log',
  terminationMessagePolicy: 'File',
  resources: {limits: {cpu: '500m', memory: '256Mi'}},
}
const storedTemplate = (labels: Record<string, string>): Json => ({
  metadata: {labels},
  spec: {
    containers: [storedContainer],
    dnsPolicy: 'ClusterFirst',
    restartPolicy: 'Always',
    schedulerName: 'default-scheduler',
    securityContext: {},
    terminationGracePeriodSeconds: 30,
  },
})

const cartDeployment: Json = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {name: 'cart', namespace: 'shop', uid: 'uid-cart'},
  spec: {replicas: 1, selector: {matchLabels: {app: 'cart'}}, template: storedTemplate({app: 'cart'})},
}
const cartReplicaSet: Json = {
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  metadata: {
    name: 'cart-f8j7hhcmr',
    namespace: 'shop',
    uid: 'uid-cart-f8j7hhcmr',
    ownerReferences: owner('Deployment', 'cart'),
  },
  spec: {
    replicas: 1,
    selector: {matchLabels: {app: 'cart', 'pod-template-hash': 'f8j7hhcmr'}},
    template: storedTemplate({app: 'cart', 'pod-template-hash': 'f8j7hhcmr'}),
  },
}

// What the API server and the scheduler make of the template's pod: Pod defaults, admission plugins, node.
const runningFrom = (name: string, template: Json, ownerReferences: Json[] | undefined): Json => {
  const spec = structuredClone(template.spec)
  spec.enableServiceLinks = true
  spec.containers[0].resources.requests = {...spec.containers[0].resources.limits}
  spec.containers[0].volumeMounts = [
    {
      name: 'kube-api-access-7xk2p',
      mountPath: '/var/run/secrets/kubernetes.io/serviceaccount',
      readOnly: true,
    },
  ]
  spec.volumes = [{name: 'kube-api-access-7xk2p', projected: {defaultMode: 420, sources: []}}]
  spec.tolerations = ['not-ready', 'unreachable'].map((t) => ({
    key: `node.kubernetes.io/${t}`,
    operator: 'Exists',
    effect: 'NoExecute',
    tolerationSeconds: 300,
  }))
  Object.assign(spec, {
    nodeName: 'node-a',
    serviceAccount: 'default',
    serviceAccountName: 'default',
    priority: 0,
    preemptionPolicy: 'PreemptLowerPriority',
  })
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'shop',
      uid: `uid-${name}`,
      labels: structuredClone(template.metadata.labels),
      ...(ownerReferences === undefined
        ? {}
        : {ownerReferences, generateName: name.slice(0, name.lastIndexOf('-') + 1)}),
    },
    spec,
    status: {phase: 'Running', qosClass: 'Guaranteed'},
  }
}

describe('inject-diff on running pods', () => {
  it('--observed: an uninjected pod differs from its template only by API-server defaulting → no changes by admission webhooks, exit 0', async () => {
    const web = runningFrom(
      'web-7c9d8f6b5-mmtn9',
      storedTemplate({app: 'web', 'pod-template-hash': '7c9d8f6b5'}),
      owner('ReplicaSet', 'web-7c9d8f6b5'),
    )
    const rs = {
      ...structuredClone(cartReplicaSet),
      metadata: {name: 'web-7c9d8f6b5', namespace: 'shop', uid: 'uid-rs-web'},
      spec: {template: storedTemplate({app: 'web', 'pod-template-hash': '7c9d8f6b5'})},
    }
    await withCluster([namespace('shop'), rs, web], {defaultRevision: {}}, async (cluster) => {
      const result = await runDiff(['web-7c9d8f6b5-mmtn9', '-n', 'shop', '--observed'], {
        kubeconfig: cluster.kubeconfig,
      })
      assert.equal(result.code, 0, result.stdout + result.stderr)
      assert.match(result.stdout, /no changes by admission webhooks/)
      assert.doesNotMatch(result.stdout, /enableServiceLinks|requests|terminationMessage/)
    })
  })

  it('--observed still reports what a webhook really added on top of defaulting', async () => {
    const template = storedTemplate({app: 'cart', 'pod-template-hash': 'f8j7hhcmr'})
    const running = await injectedBy(
      runningFrom('cart-f8j7hhcmr-g97ws', template, owner('ReplicaSet', 'cart-f8j7hhcmr')),
      'docker.io/istio/proxyv2:1.26.3',
    )
    await withCluster(
      [namespace('shop', {'istio-injection': 'enabled'}), cartDeployment, cartReplicaSet, running],
      {defaultRevision: {}},
      async (cluster) => {
        const result = await runDiff(['cart-f8j7hhcmr-g97ws', '-n', 'shop', '--observed'], {
          kubeconfig: cluster.kubeconfig,
        })
        assert.equal(result.code, 1, result.stderr)
        assert.match(result.stdout, /\+ init container istio-proxy added/)
        assert.doesNotMatch(result.stdout, /enableServiceLinks/)
      },
    )
  })

  it("an injected pod of a Deployment: its running proxy against a restart from the Deployment's template now (1.26.3 → 1.28.1)", async () => {
    const template = storedTemplate({app: 'cart', 'pod-template-hash': 'f8j7hhcmr'})
    const running = await injectedBy(
      runningFrom('cart-f8j7hhcmr-g97ws', template, owner('ReplicaSet', 'cart-f8j7hhcmr')),
      'docker.io/istio/proxyv2:1.26.3',
    )
    await withCluster(
      [namespace('shop', {'istio-injection': 'enabled'}), cartDeployment, cartReplicaSet, running],
      {defaultRevision: {}},
      async (cluster) => {
        const result = await runDiff(['cart-f8j7hhcmr-g97ws', '-n', 'shop'], {kubeconfig: cluster.kubeconfig})
        assert.equal(result.code, 1, result.stdout + result.stderr)
        assert.match(result.stdout, /route: {4}restart/)
        assert.match(result.stdout, /re-created now from deployment\/cart's template/)
        assert.match(
          result.stdout,
          /spec\.initContainers\[istio-proxy\]\n(.*\n)*- image: docker\.io\/istio\/proxyv2:1\.26\.3\n\+ image: docker\.io\/istio\/proxyv2:1\.28\.1/,
        )
        assert.doesNotMatch(
          result.stdout,
          /kube-api-access|nodeName|enableServiceLinks|pod-template-hash|PreviewAlreadyInjected/,
        )
        assert.ok(
          cluster.api.requests.some((r) => r.method === 'GET' && r.path.endsWith('/deployments/cart')),
        )
      },
    )
  })

  it('an injected pod whose proxy is current: a restart changes nothing, exit 0', async () => {
    const template = storedTemplate({app: 'cart', 'pod-template-hash': 'f8j7hhcmr'})
    const running = await injectedBy(
      runningFrom('cart-f8j7hhcmr-g97ws', template, owner('ReplicaSet', 'cart-f8j7hhcmr')),
      'docker.io/istio/proxyv2:1.28.1',
    )
    await withCluster(
      [namespace('shop', {'istio-injection': 'enabled'}), cartDeployment, cartReplicaSet, running],
      {defaultRevision: {}},
      async (cluster) => {
        const result = await runDiff(['cart-f8j7hhcmr-g97ws', '-n', 'shop'], {kubeconfig: cluster.kubeconfig})
        assert.equal(result.code, 0, result.stdout + result.stderr)
        assert.match(result.stdout, /a restart would re-create the pod as it runs now/)
      },
    )
  })

  it('an injected bare pod: itself re-created without its injection (from sidecar.istio.io/status), revision 1-28 → default', async () => {
    const running = await injectedBy(
      runningFrom('solo', storedTemplate({app: 'solo'}), undefined),
      'docker.io/istio/proxyv2:1.28.1',
      '1-28',
    )
    await withCluster(
      [namespace('shop', {'istio-injection': 'enabled'}), running],
      {defaultRevision: {}},
      async (cluster) => {
        const result = await runDiff(['solo', '-n', 'shop', '--json'], {kubeconfig: cluster.kubeconfig})
        assert.equal(result.code, 1, result.stderr)
        const document = JSON.parse(result.stdout) as Json
        assert.equal(document.route, 'restart')
        assert.equal(document.routeReason.code, 'PreviewRestartBare')
        assert.equal(document.revision, 'default')
        assert.equal(document.before.metadata.annotations['istio.io/rev'], '1-28')
        assert.equal(document.after.metadata.annotations['istio.io/rev'], 'default')
        assert.equal(
          document.before.spec.initContainers.filter((c: Json) => c.name === 'istio-proxy').length,
          1,
        )
        assert.equal(
          document.after.spec.initContainers.filter((c: Json) => c.name === 'istio-proxy').length,
          1,
        )
        const sent = cluster.api.requests.find((r) => r.method === 'POST' && r.path.endsWith('/pods'))
          ?.body as Json
        assert.equal(
          sent.metadata.annotations?.['sidecar.istio.io/status'],
          undefined,
          'the injection is stripped before the dry-run',
        )
      },
    )
  })
})

describe('inject-diff when istiod has no ready endpoints (the double reads its EndpointSlices)', () => {
  it('a dry-run through a webhook whose Service has no ready endpoint fails with the API server text and WebhookNoEndpoints', async () => {
    await withCluster(
      [
        namespace('payments', {'istio-injection': 'enabled'}),
        deployment('payments', 'fraud-check'),
        endpointSlice('istiod', false),
      ],
      {defaultRevision: {}},
      async (cluster) => {
        const result = await runDiff(['deploy/fraud-check', '-n', 'payments'], {
          kubeconfig: cluster.kubeconfig,
        })
        assert.equal(result.code, 2, result.stdout + result.stderr)
        assert.match(
          result.stdout,
          /failed calling webhook "namespace\.sidecar-injector\.istio\.io": failed to call webhook: Post "https:\/\/istiod\.istio-system\.svc:443\/inject\?timeout=10s": no endpoints available for service "istiod"/,
        )
        assert.match(result.stdout, /istiod has no ready endpoints/)
        assert.match(result.stdout, /\[WebhookNoEndpoints\]/)
        assert.doesNotMatch(result.stdout, /connection refused/)
      },
    )
  })

  it('the same Service with a ready endpoint injects', async () => {
    await withCluster(
      [
        namespace('payments', {'istio-injection': 'enabled'}),
        deployment('payments', 'fraud-check'),
        endpointSlice('istiod', true),
      ],
      {defaultRevision: {}},
      async (cluster) => {
        const result = await runDiff(['deploy/fraud-check', '-n', 'payments'], {
          kubeconfig: cluster.kubeconfig,
        })
        assert.equal(result.code, 1, result.stderr)
        assert.match(result.stdout, /image: docker\.io\/istio\/proxyv2:1\.28\.1/)
      },
    )
  })

  it('--revision whose istiod has no ready endpoints (direct route) names the Service, not a generic PreviewDirectFailed', async () => {
    await withCluster(
      [
        namespace('shop', {'istio-injection': 'enabled'}),
        deployment('shop', 'web'),
        endpointSlice('istio-sidecar-injector', false),
      ],
      {defaultRevision: {}, revision128: {}},
      async (cluster) => {
        const result = await runDiff(['deploy/web', '-n', 'shop', '--revision', '1-28'], {
          kubeconfig: cluster.kubeconfig,
        })
        assert.equal(result.code, 2, result.stdout + result.stderr)
        assert.match(result.stdout, /no endpoints available for service "istio-sidecar-injector"/)
        assert.match(result.stdout, /\[WebhookNoEndpoints\]/)
        assert.doesNotMatch(result.stdout, /PreviewDirectFailed|get --raw/)
      },
    )
  })
})

/** The pod as `kubectl get pod -o json` returns it from the double (asynchronous: the double runs in this process). */
const kubectlGetPod = async (kubeconfig: string, name: string): Promise<Json> => {
  const {stdout} = await promisify(execFile)(kubectlBin, ['get', 'pod', name, '-n', 'shop', '-o', 'json'], {
    encoding: 'utf8',
    env: {...process.env, KUBECONFIG: kubeconfig},
  })
  return JSON.parse(stdout) as Json
}

/** `kubectl patch --local` of the saved pod with the patch: kubectl itself applies it. */
const kubectlPatchLocal = (kubeconfig: string, pod: Json, patch: string): Json => {
  const file = join(mkdtempSync(join(tmpdir(), 'inject-diff-running-')), 'pod.json')
  writeFileSync(file, JSON.stringify(pod))
  return JSON.parse(
    execFileSync(kubectlBin, ['patch', '--local', '-f', file, '--type', 'json', '-p', patch, '-o', 'json'], {
      encoding: 'utf8',
      env: {...process.env, KUBECONFIG: kubeconfig},
    }),
  ) as Json
}

const volumeNames = (pod: Json): string[] => (pod.spec.volumes ?? []).map((v: Json) => v.name as string)

describe('-o patch of a running pod applies to the pod as kubectl get pod returns it', () => {
  it('an uninjected running pod: the sidecar is added and the service-account volume stays', async () => {
    const web = runningFrom(
      'web-7c9d8f6b5-mmtn9',
      storedTemplate({app: 'web', 'pod-template-hash': '7c9d8f6b5'}),
      owner('ReplicaSet', 'web-7c9d8f6b5'),
    )
    await withCluster(
      [namespace('shop', {'istio-injection': 'enabled'}), web],
      {defaultRevision: {mode: 'classic'}},
      async (cluster) => {
        const result = await runDiff(['web-7c9d8f6b5-mmtn9', '-n', 'shop', '-o', 'patch'], {
          kubeconfig: cluster.kubeconfig,
        })
        assert.equal(result.code, 1, result.stderr)
        const stored = await kubectlGetPod(cluster.kubeconfig, 'web-7c9d8f6b5-mmtn9')
        for (const patched of [
          applyJsonPatch(structuredClone(stored), JSON.parse(result.stdout) as PatchOperation[]) as Json,
          kubectlPatchLocal(cluster.kubeconfig, stored, result.stdout),
        ]) {
          assert.ok(
            volumeNames(patched).includes('kube-api-access-7xk2p'),
            JSON.stringify(patched.spec.volumes),
          )
          assert.ok(volumeNames(patched).includes('istio-envoy'), JSON.stringify(patched.spec.volumes))
          assert.ok(patched.spec.containers.some((c: Json) => c.name === 'istio-proxy'))
          const app = patched.spec.containers.find((c: Json) => c.name === appContainer.name)
          assert.ok(app.volumeMounts.some((m: Json) => m.name === 'kube-api-access-7xk2p'))
          assert.equal(patched.spec.nodeName, 'node-a')
        }
      },
    )
  })

  it("an injected running pod: a restart's new proxy image, on the pod as stored", async () => {
    const template = storedTemplate({app: 'cart', 'pod-template-hash': 'f8j7hhcmr'})
    const running = await injectedBy(
      runningFrom('cart-f8j7hhcmr-g97ws', template, owner('ReplicaSet', 'cart-f8j7hhcmr')),
      'docker.io/istio/proxyv2:1.26.3',
    )
    await withCluster(
      [namespace('shop', {'istio-injection': 'enabled'}), cartDeployment, cartReplicaSet, running],
      {defaultRevision: {}},
      async (cluster) => {
        const result = await runDiff(['cart-f8j7hhcmr-g97ws', '-n', 'shop', '-o', 'patch'], {
          kubeconfig: cluster.kubeconfig,
        })
        assert.equal(result.code, 1, result.stderr)
        const stored = await kubectlGetPod(cluster.kubeconfig, 'cart-f8j7hhcmr-g97ws')
        const patched = kubectlPatchLocal(cluster.kubeconfig, stored, result.stdout)
        assert.deepEqual(volumeNames(patched), volumeNames(stored))
        const proxy = patched.spec.initContainers.find((c: Json) => c.name === 'istio-proxy')
        assert.equal(proxy.image, 'docker.io/istio/proxyv2:1.28.1')
        assert.deepEqual(patched.metadata.ownerReferences, stored.metadata.ownerReferences)
      },
    )
  })
})

describe('-o json|yaml|patch print a document when the preview failed', () => {
  const formats: {format: string; parse: (text: string) => Json}[] = [
    {format: 'json', parse: (text) => JSON.parse(text) as Json},
    {format: 'yaml', parse: (text) => parse(text) as Json},
    {format: 'patch', parse: (text) => JSON.parse(text) as Json},
  ]
  for (const {format, parse: read} of formats) {
    it(`-o ${format}: the InjectionDiff document with its failure, exit 2`, async () => {
      await withCluster(
        [namespace('shop', {'istio-injection': 'enabled'}), deployment('shop', 'web')],
        {defaultRevision: {unreachable: true}},
        async (cluster) => {
          const result = await runDiff(['deploy/web', '-n', 'shop', '-o', format], {
            kubeconfig: cluster.kubeconfig,
          })
          assert.equal(result.code, 2, result.stderr)
          const document = read(result.stdout)
          assert.equal(document.kind, 'InjectionDiff')
          assert.equal(document.target.name, 'web')
          assert.equal(document.failure.code, 'WebhookConnectionRefused')
          assert.match(result.stderr, /connection refused/)
        },
      )
    })
  }
})

describe('inject-diff outputs: an applicable -o patch and one InjectionDiff document kind', () => {
  const manifest: Json = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {name: 'audit', labels: {app: 'audit'}},
    spec: {containers: [{name: 'app', image: 'nginx:1.27', resources: {requests: {cpu: '10m'}}}]},
  }

  it('-o patch has no /status operation and applies to the input pod (independent applier and kubectl patch --local)', async () => {
    await withCluster(
      [namespace('shop', {'istio-injection': 'enabled'})],
      {defaultRevision: {mode: 'classic'}},
      async (cluster) => {
        const dir = mkdtempSync(join(tmpdir(), 'inject-diff-patch-'))
        const file = join(dir, 'pod.yaml')
        writeFileSync(file, stringify(manifest))
        const patch = await runDiff(['-f', file, '-n', 'shop', '-o', 'patch'], {
          kubeconfig: cluster.kubeconfig,
        })
        assert.equal(patch.code, 1, patch.stderr)
        const operations = JSON.parse(patch.stdout) as PatchOperation[]
        assert.ok(operations.length > 0)
        assert.ok(
          operations.every((op) => !op.path.startsWith('/status')),
          patch.stdout,
        )
        const json = await runDiff(['-f', file, '-n', 'shop', '--json'], {kubeconfig: cluster.kubeconfig})
        const document = JSON.parse(json.stdout) as Json
        const patched = applyJsonPatch(structuredClone(manifest), operations)
        assert.deepEqual(patched.spec, document.after.spec)
        assert.deepEqual(patched.metadata.labels, document.after.metadata.labels)
        assert.ok(patched.spec.containers.some((c: Json) => c.name === 'istio-proxy'))
        const kubectl = JSON.parse(
          execFileSync(
            kubectlBin,
            ['patch', '--local', '-f', file, '--type', 'json', '-p', patch.stdout, '-o', 'json'],
            {
              encoding: 'utf8',
              env: {...process.env, KUBECONFIG: cluster.kubeconfig},
            },
          ),
        ) as Json
        assert.deepEqual(kubectl.spec.initContainers, document.after.spec.initContainers)
        assert.deepEqual(kubectl.metadata.annotations, document.after.metadata.annotations)
      },
    )
  })

  it('--json: one target is an InjectionDiff with target, route, webhooks, revision, before, after, patch, summary', async () => {
    await withCluster(
      [namespace('shop', {'istio-injection': 'enabled'}), deployment('shop', 'web')],
      {defaultRevision: {}},
      async (cluster) => {
        const result = await runDiff(['deploy/web', '-n', 'shop', '--json'], {kubeconfig: cluster.kubeconfig})
        const document = JSON.parse(result.stdout) as Json
        assert.equal(document.apiVersion, 'inject.kubectl.io/v1alpha1')
        assert.equal(document.kind, 'InjectionDiff')
        assert.deepEqual(document.target, {kind: 'Deployment', namespace: 'shop', name: 'web'})
        for (const key of ['route', 'webhooks', 'revision', 'before', 'after', 'patch', 'summary'])
          assert.ok(key in document, key)
        assert.equal(document.before.status, undefined)
        assert.deepEqual(applyJsonPatch(document.before, document.patch as PatchOperation[]), document.after)
      },
    )
  })

  it('--json with -l over several pods is an InjectionDiffList of InjectionDiff items', async () => {
    await withCluster(
      [
        namespace('shop', {'istio-injection': 'enabled'}),
        bareRunningPod('shop', 'a', {app: 'web'}),
        bareRunningPod('shop', 'b', {app: 'web'}),
      ],
      {defaultRevision: {}},
      async (cluster) => {
        const result = await runDiff(['-l', 'app=web', '-n', 'shop', '--json'], {
          kubeconfig: cluster.kubeconfig,
        })
        const document = JSON.parse(result.stdout) as Json
        assert.equal(document.kind, 'InjectionDiffList')
        assert.deepEqual(
          document.items.map((i: Json) => [i.kind, i.target.name]),
          [
            ['InjectionDiff', 'a'],
            ['InjectionDiff', 'b'],
          ],
        )
      },
    )
  })
})

describe('inject-diff needs a target: it never dry-runs a whole namespace or cluster', () => {
  const pods = ['a', 'b', 'c'].map((name) => bareRunningPod('shop', name, {app: 'web'}))
  const scenarios: {name: string; args: string[]; code: number; expect: RegExp; dryRuns: number}[] = [
    {
      name: 'no target at all',
      args: ['-n', 'shop'],
      code: 64,
      expect: /needs a target: POD, TYPE\/NAME/,
      dryRuns: 0,
    },
    {name: '-A alone', args: ['-A'], code: 64, expect: /-A alone would dry-run every pod/, dryRuns: 0},
    {
      name: 'a bare "pods" type',
      args: ['pods', '-n', 'shop'],
      code: 64,
      expect: /needs a target/,
      dryRuns: 0,
    },
    {
      name: '-l over more pods than --max',
      args: ['-l', 'app=web', '-n', 'shop', '--max', '2'],
      code: 64,
      expect: /matches 3 pods.*--max 3/,
      dryRuns: 0,
    },
    {
      name: '-l within the default cap',
      args: ['-l', 'app=web', '-n', 'shop'],
      code: 1,
      expect: /=== pod shop\/c ===/,
      dryRuns: 6,
    },
  ]
  for (const scenario of scenarios) {
    it(scenario.name, async () => {
      await withCluster(
        [namespace('shop', {'istio-injection': 'enabled'}), ...pods],
        {defaultRevision: {}},
        async (cluster) => {
          const result = await runDiff(scenario.args, {kubeconfig: cluster.kubeconfig})
          assert.equal(result.code, scenario.code, result.stdout + result.stderr)
          assert.match(result.stdout + result.stderr, scenario.expect)
          assert.equal(
            cluster.api.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/pods')).length,
            scenario.dryRuns,
          )
        },
      )
    })
  }

  it('the -A and -l help describes inject-diff, not inject-check, and --max exists', async () => {
    const {default: InjectDiff} = await import('../../commands/inject-diff.js')
    assert.doesNotMatch(String(InjectDiff.flags['all-namespaces'].description), /Check pods/)
    assert.match(String(InjectDiff.flags.selector.description), /at most --max pods/)
    assert.equal(InjectDiff.flags.max.default, 20)
  })
})
