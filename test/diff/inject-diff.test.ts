// inject-diff end to end: the built CLI against the API-server double, whose dry-run creates go through real Istio
// webhook configurations to HTTPS injector servers. Every test also audits that nothing was written.
import assert from 'node:assert/strict'
import {mkdtempSync, writeFileSync, mkdirSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {stringify} from 'yaml'
import {applyJsonPatch} from '../apiserver-double/json-patch.js'
import {assertGolden} from '../golden/golden-file.js'
import type {PatchOperation} from '../apiserver-double/json-patch.js'
import {
  appContainer,
  bareRunningPod,
  deployment,
  namespace,
  runDiff,
  startDiffCluster,
  stateChangingRequests,
} from './diff-cluster.js'
import type {DiffCluster, InstallOptions} from './diff-cluster.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test objects of any Kubernetes shape
type Json = Record<string, any>

const withCluster = async (
  objects: object[],
  install: InstallOptions,
  body: (cluster: DiffCluster) => Promise<void>,
  denied: {verb?: string; resource?: string}[] = [],
): Promise<void> => {
  const cluster = await startDiffCluster(objects, install, denied)
  try {
    await body(cluster)
    assert.deepEqual(stateChangingRequests(cluster.api), [], 'inject-diff must not write to the cluster')
    for (const request of cluster.api.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/pods')))
      assert.equal(request.query.dryRun, 'All')
  } finally {
    await cluster.close()
  }
}

// An app container with requests and limits: a quota on limits.cpu then judges only what injection adds.
const sizedDeployment = (ns: string, name: string): Json => {
  const d = deployment(ns, name)
  d.spec.template.spec.containers[0].resources = {
    requests: {cpu: '100m', memory: '128Mi'},
    limits: {cpu: '100m', memory: '128Mi'},
  }
  return d
}

// Namespace shop labelled for the default revision, plus `labels`.
const injectedShop = (labels: Record<string, string> = {}): Json =>
  namespace('shop', {'istio-injection': 'enabled', ...labels})
const baselineEnforced = {'pod-security.kubernetes.io/enforce': 'baseline'}

// The -f - scenarios' input: a bare pod in shop.
const barePodYaml = stringify({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {name: 'solo', namespace: 'shop'},
  spec: {containers: [appContainer]},
})

describe('inject-diff previews through the real admission chain', () => {
  const scenarios: {
    name: string
    objects: object[]
    install: InstallOptions
    args: string[]
    code: number
    expect: RegExp[]
    reject?: RegExp[]
    /** No POST at all: neither a dry-run nor an AdmissionReview nor an access review. */
    sendsNothing?: boolean
    denied?: {verb?: string; resource?: string}[]
  }[] = [
    {
      name: 'a Deployment with zero pods in an istio-injection=enabled namespace gets a classic istio-proxy container',
      objects: [injectedShop(), deployment('shop', 'web')],
      install: {defaultRevision: {mode: 'classic'}},
      args: ['deploy/web', '-n', 'shop'],
      code: 1,
      expect: [
        /webhooks: istio-sidecar-injector\/namespace\.sidecar-injector\.istio\.io \(mutated\)/,
        /revision: default/,
        /spec\.containers\n\+ container istio-proxy added/,
        /\+ init container istio-init added/,
      ],
      reject: [/kube-api-access/, /uid/],
    },
    {
      name: 'a native-sidecar install adds istio-proxy as an init container, not a container',
      objects: [injectedShop(), deployment('shop', 'web')],
      install: {defaultRevision: {mode: 'native'}},
      args: ['deploy/web', '-n', 'shop'],
      code: 1,
      expect: [/\+ init container istio-proxy added/, /\+1 init container|\+2 init containers/],
      reject: [/\+ container istio-proxy added/],
    },
    {
      name: 'a namespace labelled istio.io/rev=1-28 is injected by the revision install',
      objects: [namespace('shop', {'istio.io/rev': '1-28'}), deployment('shop', 'web')],
      install: {defaultRevision: {}, revision128: {}},
      args: ['deploy/web', '-n', 'shop'],
      code: 1,
      expect: [
        /istio-sidecar-injector-1-28\/rev\.namespace\.sidecar-injector\.istio\.io \(mutated\)/,
        /revision: 1-28/,
      ],
    },
    {
      name: 'a namespace labelled with the tag prod is injected through the tag webhook by revision 1-28',
      objects: [namespace('shop', {'istio.io/rev': 'prod'}), deployment('shop', 'web')],
      install: {revision128: {}},
      args: ['deploy/web', '-n', 'shop'],
      code: 1,
      expect: [
        /istio-revision-tag-prod\/rev\.namespace\.sidecar-injector\.istio\.io \(mutated\)/,
        /revision: 1-28/,
      ],
    },
    {
      name: 'a pod opted out with sidecar.istio.io/inject=false shows no differences and exits 0',
      objects: [injectedShop(), bareRunningPod('shop', 'legacy', {'sidecar.istio.io/inject': 'false'})],
      install: {defaultRevision: {}},
      args: ['legacy', '-n', 'shop'],
      code: 0,
      expect: [/no differences/, /webhooks: none/],
    },
    {
      name: 'a running bare pod is previewed as re-created, without its node, token volume or uid',
      objects: [injectedShop(), bareRunningPod('shop', 'solo')],
      install: {defaultRevision: {}},
      args: ['pod/solo', '-n', 'shop'],
      code: 1,
      expect: [/=== pod shop\/solo ===/, /\+ init container istio-proxy added/],
      reject: [/^\+ nodeName/m, /kube-api-access/],
    },
    {
      name: 'what-if --revision 1-28 in an unlabelled namespace takes the object path (pod label istio.io/rev)',
      objects: [namespace('plain'), deployment('plain', 'web')],
      install: {defaultRevision: {}, revision128: {}},
      args: ['deploy/web', '-n', 'plain', '--revision', '1-28'],
      code: 1,
      expect: [
        /route: {4}dry-run/,
        /pod label istio\.io\/rev=1-28 is selected by istio-sidecar-injector-1-28\/rev\.object\.sidecar-injector\.istio\.io/,
        /revision: 1-28/,
      ],
    },
    {
      name: 'what-if --revision 1-28 where istio-injection=enabled blocks the object path uses the direct route',
      objects: [injectedShop(), deployment('shop', 'web')],
      install: {defaultRevision: {}, revision128: {}},
      args: ['deploy/web', '-n', 'shop', '--revision', '1-28'],
      code: 1,
      expect: [
        /route: {4}direct/,
        /AdmissionReview posted to istio-system\/istio-sidecar-injector through services\/proxy/,
        /revision: 1-28/,
        /\+ init container istio-proxy added/,
      ],
    },
    {
      name: 'what-if --revision for a revision that does not exist fails with the known revisions',
      objects: [namespace('shop'), deployment('shop', 'web')],
      install: {revision128: {}},
      args: ['deploy/web', '-n', 'shop', '--revision', 'canary'],
      code: 2,
      expect: [
        /revision or tag "canary" not found \(known: 1-28, prod\); nothing was sent: no dry-run, no AdmissionReview/,
        /PreviewRevisionNotFound/,
      ],
      sendsNothing: true,
    },
    {
      name: 'an unreachable injector with failurePolicy Fail shows the API server error and a diagnosis',
      objects: [injectedShop(), deployment('shop', 'web')],
      install: {defaultRevision: {unreachable: true}},
      args: ['deploy/web', '-n', 'shop'],
      code: 2,
      expect: [
        /error: {4}Internal error occurred: failed calling webhook "namespace\.sidecar-injector\.istio\.io"/,
        /connection refused/,
        /\[WebhookConnectionRefused\]/,
      ],
    },
    {
      name: 'a baseline namespace without CNI: the dry run is rejected after injection and the cause is Pod Security on istio-init',
      objects: [injectedShop(baselineEnforced), deployment('shop', 'web')],
      install: {defaultRevision: {mode: 'classic'}},
      args: ['deploy/web', '-n', 'shop'],
      code: 2,
      expect: [
        /violates PodSecurity "baseline:latest": non-default capabilities \(container "istio-init" must not include "NET_ADMIN", "NET_RAW" in securityContext\.capabilities\.add\)/,
        /\[PodSecurityViolation\]/,
        /next: +istioctl .*install --set components\.cni\.enabled=true/,
        // The diff of what injection produced, from the injector's own answer, after the cause.
        /the diff is the injector's own answer .*\(istio-system\/istiod\)/,
        /injection would have produced \(not admitted\):\n[\s\S]*spec\.initContainers[\s\S]*name: istio-init[\s\S]*- NET_ADMIN/,
        /system:serviceaccount:kube-system:replicaset-controller, whose Pod Security username exemptions .* \[PreviewDryRunAsUser\]/,
      ],
    },
    {
      name: 'a ResourceQuota the sidecar overflows: the cause is the quota, with the API server text, and the diff anyway',
      objects: [
        injectedShop(),
        {
          apiVersion: 'v1',
          kind: 'ResourceQuota',
          metadata: {name: 'compute', namespace: 'shop'},
          spec: {hard: {'limits.cpu': '1'}},
        },
        sizedDeployment('shop', 'web'),
      ],
      install: {defaultRevision: {mode: 'classic'}},
      args: ['deploy/web', '-n', 'shop'],
      code: 2,
      expect: [
        /error: +pods "web-[a-z0-9-]+" is forbidden: exceeded quota: compute, requested: limits\.cpu=2100m, used: limits\.cpu=0, limited: limits\.cpu=1/,
        /diagnosis: ResourceQuota compute rejects the pod: .* \(after injection\) \[QuotaExceeded\]/,
        /next: +kubectl .*describe resourcequota compute -n shop/,
        /injection would have produced \(not admitted\):[\s\S]*istio-proxy[\s\S]*cpu: "?2"?/,
        /\[PreviewDryRunAsUser\]/,
      ],
    },
    {
      name: 'a LimitRange max below the proxy limit: the cause is the LimitRange, and the diff anyway',
      objects: [
        injectedShop(),
        {
          apiVersion: 'v1',
          kind: 'LimitRange',
          metadata: {name: 'cpu-max', namespace: 'shop'},
          spec: {limits: [{type: 'Container', max: {cpu: '1'}}]},
        },
        sizedDeployment('shop', 'web'),
      ],
      install: {defaultRevision: {mode: 'classic'}},
      args: ['deploy/web', '-n', 'shop'],
      code: 2,
      expect: [
        /is forbidden: maximum cpu usage per Container is 1, but limit is 2$/m,
        /\[LimitRangeViolation\]/,
        /injection would have produced \(not admitted\):/,
      ],
    },
    {
      name: 'rejected after injection where services/proxy is forbidden: the cause, and a note why there is no diff',
      objects: [injectedShop(baselineEnforced), deployment('shop', 'web')],
      install: {defaultRevision: {mode: 'classic'}},
      args: ['deploy/web', '-n', 'shop'],
      code: 2,
      denied: [{verb: 'create', resource: 'services'}],
      expect: [
        /\[PodSecurityViolation\]/,
        /no diff: creating services\/proxy for istio-system\/istiod is forbidden \[PreviewRejectedNoDiff\]/,
      ],
      reject: [/injection would have produced/],
    },
    {
      name: 'a bare pod rejected after injection: no controller note (the dry run ran as the one who creates it)',
      objects: [injectedShop(baselineEnforced)],
      install: {defaultRevision: {mode: 'classic'}},
      args: ['-f', '-'],
      code: 2,
      expect: [/\[PodSecurityViolation\]/, /injection would have produced \(not admitted\):/],
      reject: [/PreviewDryRunAsUser/],
    },
    {
      name: 'an unreachable injector with failurePolicy Ignore shows no diff and warns that the webhook was skipped',
      objects: [injectedShop(), deployment('shop', 'web')],
      install: {defaultRevision: {unreachable: true, failurePolicy: 'Ignore'}},
      args: ['deploy/web', '-n', 'shop'],
      code: 0,
      expect: [/no differences/, /\[PreviewWebhookSkipped\]/],
    },
  ]

  for (const scenario of scenarios) {
    it(scenario.name, async () => {
      await withCluster(
        scenario.objects,
        scenario.install,
        async (cluster) => {
          const result = await runDiff(scenario.args, {kubeconfig: cluster.kubeconfig, stdin: barePodYaml})
          assert.equal(result.code, scenario.code, result.stdout + result.stderr)
          for (const pattern of scenario.expect) assert.match(result.stdout, pattern)
          for (const pattern of scenario.reject ?? []) assert.doesNotMatch(result.stdout, pattern)
          if (scenario.sendsNothing === true)
            assert.deepEqual(
              cluster.api.requests.filter((r) => r.method === 'POST').map((r) => r.path),
              [],
            )
        },
        scenario.denied,
      )
    })
  }

  it('what-if --revision fails clearly when istio-injection=disabled blocks the object path and services/proxy is forbidden', async () => {
    await withCluster(
      [namespace('legacy', {'istio-injection': 'disabled'}), deployment('legacy', 'web')],
      {revision128: {}},
      async (cluster) => {
        const result = await runDiff(['deploy/web', '-n', 'legacy', '--revision', '1-28'], {
          kubeconfig: cluster.kubeconfig,
        })
        assert.equal(result.code, 2)
        assert.match(
          result.stdout,
          /cannot preview revision 1-28: object path: .*istio-injection.*; direct route: creating services\/proxy for istio-system\/istio-sidecar-injector is forbidden/,
        )
        assert.match(result.stdout, /\[PreviewRevisionNoRoute\]/)
        assert.ok(
          !cluster.api.requests.some((r) => r.path.includes('/proxy/')),
          'no proxy request when RBAC forbids it',
        )
      },
      [{verb: 'create', resource: 'services'}],
    )
  })

  it('previews a manifest from -f - (stdin) that is not applied', async () => {
    await withCluster([injectedShop()], {defaultRevision: {}}, async (cluster) => {
      const manifest = stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: {name: 'api'},
        spec: {
          selector: {matchLabels: {app: 'api'}},
          template: {metadata: {labels: {app: 'api'}}, spec: {containers: [appContainer]}},
        },
      })
      const result = await runDiff(['-f', '-', '-n', 'shop'], {
        kubeconfig: cluster.kubeconfig,
        stdin: manifest,
      })
      assert.equal(result.code, 1, result.stderr)
      assert.match(result.stdout, /=== deployment shop\/api \(<stdin>\) ===/)
      assert.match(result.stdout, /\+ service\.istio\.io\/canonical-name: api/)
    })
  })

  it('-o patch applied to before reproduces after exactly, and --json carries before, after, patch, webhooks and route', async () => {
    await withCluster(
      [injectedShop(), deployment('shop', 'web')],
      {defaultRevision: {mode: 'classic'}},
      async (cluster) => {
        const json = await runDiff(['deploy/web', '-n', 'shop', '--json'], {kubeconfig: cluster.kubeconfig})
        assert.equal(json.code, 1, json.stderr)
        const document = JSON.parse(json.stdout) as Json
        assert.equal(document.route, 'dry-run')
        assert.equal(document.webhooks[0].name, 'namespace.sidecar-injector.istio.io')
        assert.deepEqual(applyJsonPatch(document.before, document.patch as PatchOperation[]), document.after)
        // A second run is a new pair of dry-runs: only the random token-volume suffix may differ between runs.
        const stable = (value: unknown): unknown =>
          JSON.parse(JSON.stringify(value).replace(/kube-api-access-[a-z0-9]{5}/g, 'kube-api-access-xxxxx'))
        const patch = await runDiff(['deploy/web', '-n', 'shop', '-o', 'patch'], {
          kubeconfig: cluster.kubeconfig,
        })
        assert.equal(patch.code, 1)
        const operations = JSON.parse(patch.stdout) as PatchOperation[]
        assert.ok(
          operations.some(
            (op) =>
              op.op === 'add' &&
              op.path === '/spec/containers/1' &&
              (op.value as Json).name === 'istio-proxy',
          ),
        )
        assert.deepEqual(stable(applyJsonPatch(document.before, operations)), stable(document.after))
        const resulting = await runDiff(['deploy/web', '-n', 'shop', '-o', 'json'], {
          kubeconfig: cluster.kubeconfig,
        })
        assert.deepEqual(stable(JSON.parse(resulting.stdout)), stable(document.after))
      },
    )
  })

  it('--raw compares against the input, so API-server defaulting shows too', async () => {
    await withCluster([injectedShop(), deployment('shop', 'web')], {defaultRevision: {}}, async (cluster) => {
      const result = await runDiff(['deploy/web', '-n', 'shop', '--raw'], {kubeconfig: cluster.kubeconfig})
      assert.equal(result.code, 1)
      assert.match(result.stdout, /dnsPolicy: ClusterFirst/)
      assert.match(result.stdout, /kube-api-access-/)
    })
  })

  it('the human diff matches the golden file', async () => {
    await withCluster(
      [injectedShop(), deployment('shop', 'web')],
      {defaultRevision: {mode: 'native'}},
      async (cluster) => {
        const result = await runDiff(['deploy/web', '-n', 'shop'], {kubeconfig: cluster.kubeconfig})
        assertGolden('diff/deploy-web-native.txt', result.stdout)
      },
    )
  })
})

describe('inject-diff --observed: what admission really did', () => {
  const replicaSet: Json = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: 'web-5d8f7',
      namespace: 'shop',
      ownerReferences: [
        {apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', controller: true, uid: 'u1'},
      ],
    },
    spec: {
      selector: {matchLabels: {app: 'web'}},
      template: {
        metadata: {labels: {app: 'web', 'pod-template-hash': '5d8f7'}},
        spec: {containers: [appContainer]},
      },
    },
  }
  const injectedPod: Json = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'web-5d8f7-x2x4q',
      namespace: 'shop',
      uid: 'u2',
      labels: {app: 'web', 'pod-template-hash': '5d8f7', 'security.istio.io/tlsMode': 'istio'},
      annotations: {
        'sidecar.istio.io/status': JSON.stringify({
          initContainers: ['istio-init', 'istio-proxy'],
          revision: 'default',
        }),
      },
      ownerReferences: [
        {apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-5d8f7', controller: true, uid: 'u3'},
      ],
    },
    spec: {
      nodeName: 'node-1',
      serviceAccountName: 'default',
      initContainers: [
        {name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.27.0', restartPolicy: 'Always'},
      ],
      containers: [
        {
          ...appContainer,
          volumeMounts: [
            {
              name: 'kube-api-access-8h2kq',
              mountPath: '/var/run/secrets/kubernetes.io/serviceaccount',
              readOnly: true,
            },
          ],
        },
      ],
      volumes: [{name: 'kube-api-access-8h2kq', projected: {sources: []}}],
      tolerations: [
        {
          key: 'node.kubernetes.io/not-ready',
          operator: 'Exists',
          effect: 'NoExecute',
          tolerationSeconds: 300,
        },
      ],
    },
    status: {phase: 'Running'},
  }
  const expectations = (stdout: string): void => {
    assert.match(stdout, /route: {4}observed/)
    assert.match(stdout, /\+ init container istio-proxy added/)
    assert.match(stdout, /\+ security\.istio\.io\/tlsMode: istio/)
    assert.match(stdout, /revision: default/)
    // The diff itself (the route line may name what the controller and built-in plugins added).
    assert.doesNotMatch(stdout, /kube-api-access|nodeName|^spec\.tolerations|~spec\.tolerations/m)
  }

  it('live: the ReplicaSet template against the running pod, with no dry-run', async () => {
    await withCluster([injectedShop(), replicaSet, injectedPod], {defaultRevision: {}}, async (cluster) => {
      const result = await runDiff(['web-5d8f7-x2x4q', '-n', 'shop', '--observed'], {
        kubeconfig: cluster.kubeconfig,
      })
      assert.equal(result.code, 1, result.stderr)
      expectations(result.stdout)
      assert.ok(!cluster.api.requests.some((r) => r.method === 'POST'), 'observed sends no POST')
    })
  })

  it('offline: --from saved objects gives the same diff', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'inject-diff-'))
    mkdirSync(join(dir, 'dump'))
    writeFileSync(
      join(dir, 'dump', 'objects.yaml'),
      stringify({apiVersion: 'v1', kind: 'List', items: [replicaSet, injectedPod]}),
    )
    const result = await runDiff(['web-5d8f7-x2x4q', '-n', 'shop', '--observed', '--from', join(dir, 'dump')])
    assert.equal(result.code, 1, result.stderr)
    expectations(result.stdout)
  })

  it('offline: a pod without a controller is a clear failure, exit 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'inject-diff-'))
    writeFileSync(join(dir, 'pod.yaml'), stringify(bareRunningPod('shop', 'solo')))
    const result = await runDiff(['solo', '-n', 'shop', '--observed', '--from', join(dir, 'pod.yaml')])
    assert.equal(result.code, 2)
    assert.match(result.stdout, /pod shop\/solo has no controller/)
  })
})

describe('inject-diff usage errors exit 64', () => {
  for (const [name, args] of [
    ['--from without --observed', ['web', '--from', '/tmp']],
    ['--observed with --revision', ['web', '--observed', '--revision', 'x']],
    ['a namespace target', ['ns/shop']],
  ] as const) {
    it(name, async () => {
      const result = await runDiff([...args], {env: {KUBECONFIG: '/nonexistent'}})
      assert.equal(result.code, 64, result.stderr)
    })
  }
})
