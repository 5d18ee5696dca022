// --observed counts what a pod's controller and the API server's built-in plugins add as theirs, not as admission
// webhooks': DaemonSet, StatefulSet, Job and CronJob pods without a sidecar show no changes, with and without their own
// tolerations; an injected one still shows the injection. Offline (observeFromObjects, --from) and live (the double).
import assert from 'node:assert/strict'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {stringify} from 'yaml'
import {observeFromObjects} from '../../src/core/preview/observed.js'
import {injectedBy, namespace, runDiff, withCluster} from './diff-cluster.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test objects of any Kubernetes shape
type Json = Record<string, any>

const container: Json = {
  name: 'app',
  image: 'registry.example/app:1.0',
  imagePullPolicy: 'IfNotPresent',
  resources: {},
  terminationMessagePath: '/dev/termination-log',
  terminationMessagePolicy: 'File',
}
const templateOf = (labels: Json, spec: Json = {}): Json => ({
  metadata: {labels},
  spec: {
    containers: [container],
    dnsPolicy: 'ClusterFirst',
    restartPolicy: 'Always',
    schedulerName: 'default-scheduler',
    securityContext: {},
    terminationGracePeriodSeconds: 30,
    ...spec,
  },
})
const seconds300 = ['not-ready', 'unreachable'].map((t) => ({
  key: `node.kubernetes.io/${t}`,
  operator: 'Exists',
  effect: 'NoExecute',
  tolerationSeconds: 300,
}))
const daemonTolerations = (hostNetwork: boolean): Json[] => [
  ...['not-ready', 'unreachable'].map((t) => ({
    key: `node.kubernetes.io/${t}`,
    operator: 'Exists',
    effect: 'NoExecute',
  })),
  ...[
    'disk-pressure',
    'memory-pressure',
    'pid-pressure',
    'unschedulable',
    ...(hostNetwork ? ['network-unavailable'] : []),
  ].map((t) => ({key: `node.kubernetes.io/${t}`, operator: 'Exists', effect: 'NoSchedule'})),
]

/** A running pod as the API server stores it: the template plus what `additions` say, token volume, node, defaults. */
const running = (
  ns: string,
  name: string,
  owner: {kind: string; name: string; apiVersion: string},
  template: Json,
  additions: {labels?: Json; annotations?: Json; spec?: Json},
): Json => {
  const spec = {...structuredClone(template.spec), ...structuredClone(additions.spec ?? {})}
  spec.containers = spec.containers.map((c: Json) => ({
    ...c,
    volumeMounts: [
      ...(c.volumeMounts ?? []),
      {
        name: 'kube-api-access-x1b2c',
        mountPath: '/var/run/secrets/kubernetes.io/serviceaccount',
        readOnly: true,
      },
    ],
  }))
  spec.volumes = [
    ...(spec.volumes ?? []),
    {name: 'kube-api-access-x1b2c', projected: {defaultMode: 420, sources: []}},
  ]
  Object.assign(spec, {
    enableServiceLinks: true,
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
      namespace: ns,
      labels: {...template.metadata.labels, ...additions.labels},
      ...(additions.annotations === undefined ? {} : {annotations: additions.annotations}),
      ownerReferences: [{...owner, controller: true, uid: `uid-${owner.name}`}],
    },
    spec,
    status: {phase: 'Running'},
  }
}

const daemonAffinity = {
  nodeAffinity: {
    requiredDuringSchedulingIgnoredDuringExecution: {
      nodeSelectorTerms: [{matchFields: [{key: 'metadata.name', operator: 'In', values: ['node-a']}]}],
    },
  },
}

const ownTolerations = [{key: 'dedicated', operator: 'Equal', value: 'infra', effect: 'NoSchedule'}]

const daemonSetCase = (hostNetwork: boolean, own: Json[] = []): {objects: Json[]; pod: string} => {
  const template = templateOf(
    {app: 'agent'},
    {
      ...(hostNetwork ? {hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet'} : {}),
      ...(own.length > 0 ? {tolerations: own} : {}),
    },
  )
  const ds = {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: {name: 'agent', namespace: 'ops', uid: 'uid-agent'},
    spec: {selector: {matchLabels: {app: 'agent'}}, template},
  }
  const pod = running(
    'ops',
    'agent-7tq2x',
    {apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent'},
    template,
    {
      labels: {'controller-revision-hash': '6c9d8f', 'pod-template-generation': '1'},
      spec: {tolerations: [...own, ...daemonTolerations(hostNetwork)], affinity: daemonAffinity},
    },
  )
  return {objects: [ds, pod], pod: 'agent-7tq2x'}
}

const statefulSetCase = (own: Json[] = []): {objects: Json[]; pod: string} => {
  const template = templateOf(
    {app: 'db'},
    {
      containers: [{...container, volumeMounts: [{name: 'data', mountPath: '/data'}]}],
      ...(own.length > 0 ? {tolerations: own} : {}),
    },
  )
  const sts = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: {name: 'db', namespace: 'ops', uid: 'uid-db'},
    spec: {
      serviceName: 'db',
      selector: {matchLabels: {app: 'db'}},
      template,
      volumeClaimTemplates: [{metadata: {name: 'data'}, spec: {accessModes: ['ReadWriteOnce']}}],
    },
  }
  const pod = running('ops', 'db-1', {apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db'}, template, {
    labels: {
      'statefulset.kubernetes.io/pod-name': 'db-1',
      'apps.kubernetes.io/pod-index': '1',
      'controller-revision-hash': 'db-5d4f',
    },
    spec: {
      hostname: 'db-1',
      subdomain: 'db',
      volumes: [{name: 'data', persistentVolumeClaim: {claimName: 'data-db-1'}}],
      tolerations: [...own, ...seconds300],
    },
  })
  return {objects: [sts, pod], pod: 'db-1'}
}

const jobLabels = {
  'batch.kubernetes.io/controller-uid': 'uid-job',
  'batch.kubernetes.io/job-name': 'nightly-2940',
  'controller-uid': 'uid-job',
  'job-name': 'nightly-2940',
}
const jobCase = (indexed: boolean, own: Json[] = []): {objects: Json[]; pod: string} => {
  const template = templateOf(
    {app: 'nightly', ...jobLabels},
    {
      restartPolicy: 'Never',
      ...(indexed ? {subdomain: 'nightly'} : {}),
      ...(own.length > 0 ? {tolerations: own} : {}),
    },
  )
  const job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: 'nightly-2940',
      namespace: 'ops',
      uid: 'uid-job',
      ownerReferences: [
        {apiVersion: 'batch/v1', kind: 'CronJob', name: 'nightly', controller: true, uid: 'uid-cj'},
      ],
    },
    spec: {...(indexed ? {completionMode: 'Indexed', completions: 3} : {}), template},
  }
  const cronJob = {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: {name: 'nightly', namespace: 'ops', uid: 'uid-cj'},
    spec: {
      schedule: '0 2 * * *',
      jobTemplate: {spec: {template: templateOf({app: 'nightly'}, {restartPolicy: 'Never'})}},
    },
  }
  const pod = running(
    'ops',
    indexed ? 'nightly-2940-2-x8k2p' : 'nightly-2940-x8k2p',
    {apiVersion: 'batch/v1', kind: 'Job', name: 'nightly-2940'},
    template,
    {
      ...(indexed
        ? {
            labels: {'batch.kubernetes.io/job-completion-index': '2'},
            annotations: {'batch.kubernetes.io/job-completion-index': '2'},
            spec: {hostname: 'nightly-2940-2', tolerations: [...own, ...seconds300]},
          }
        : {spec: {tolerations: [...own, ...seconds300]}}),
    },
  )
  return {objects: [cronJob, job, pod], pod: pod.metadata.name}
}

const cases: {name: string; build: () => {objects: Json[]; pod: string}}[] = [
  {
    name: 'a DaemonSet pod (node affinity, daemon tolerations, revision labels)',
    build: () => daemonSetCase(false),
  },
  {
    name: 'a hostNetwork DaemonSet pod (network-unavailable toleration too)',
    build: () => daemonSetCase(true),
  },
  {name: 'a DaemonSet pod with its own tolerations', build: () => daemonSetCase(false, ownTolerations)},
  {
    name: 'a StatefulSet pod (hostname, subdomain, claim volume, identity labels)',
    build: () => statefulSetCase(),
  },
  {
    name: 'a StatefulSet pod with its own tolerations (DefaultTolerationSeconds still adds 300 s)',
    build: () => statefulSetCase(ownTolerations),
  },
  {name: "a CronJob's Job pod", build: () => jobCase(false)},
  {name: "a CronJob's Job pod with its own tolerations", build: () => jobCase(false, ownTolerations)},
  {name: 'an Indexed Job pod (completion index label, annotation and hostname)', build: () => jobCase(true)},
]

describe('--observed: controllers and built-in plugins are not admission webhooks (offline)', () => {
  for (const c of cases) {
    it(`${c.name}: no changes by admission webhooks`, () => {
      const {objects, pod} = c.build()
      const [preview] = observeFromObjects(objects, {kind: 'pod', namespace: 'ops', name: pod}, false)
      assert.equal(preview?.failure, null)
      assert.deepEqual(preview?.patch, [], JSON.stringify(preview?.patch, null, 1))
    })
  }

  it('the route reason names what was counted as the controller and plugins', () => {
    const {objects, pod} = daemonSetCase(false)
    const [preview] = observeFromObjects(objects, {kind: 'pod', namespace: 'ops', name: pod}, false)
    assert.match(
      preview?.routeReason.message ?? '',
      /DaemonSet controller: 6 tolerations, node affinity for node-a/,
    )
  })

  it('--raw still shows everything against the template', () => {
    const {objects, pod} = daemonSetCase(false)
    const [preview] = observeFromObjects(objects, {kind: 'pod', namespace: 'ops', name: pod}, true)
    assert.ok((preview?.patch.length ?? 0) > 0)
  })
})

describe('--observed end to end', () => {
  it('offline --from: a StatefulSet pod without a sidecar exits 0', async () => {
    const {objects, pod} = statefulSetCase()
    const file = join(mkdtempSync(join(tmpdir(), 'observed-controllers-')), 'objects.yaml')
    writeFileSync(file, objects.map((o) => stringify(o)).join('---\n'))
    const result = await runDiff([pod, '-n', 'ops', '--observed', '--from', file])
    assert.equal(result.code, 0, result.stdout + result.stderr)
    assert.match(result.stdout, /no changes by admission webhooks/)
  })

  it('live: a DaemonSet pod without a sidecar exits 0; an injected one still shows the sidecar', async () => {
    const plain = daemonSetCase(false)
    const injected = await injectedBy(
      {...structuredClone(plain.objects[1]!), metadata: {...plain.objects[1]!.metadata, name: 'agent-9zz4k'}},
      'docker.io/istio/proxyv2:1.28.1',
    )
    await withCluster([namespace('ops'), ...plain.objects, injected], {}, async (cluster) => {
      const clean = await runDiff([plain.pod, '-n', 'ops', '--observed'], {kubeconfig: cluster.kubeconfig})
      assert.equal(clean.code, 0, clean.stdout + clean.stderr)
      assert.match(clean.stdout, /no changes by admission webhooks/)
      const sidecar = await runDiff(['agent-9zz4k', '-n', 'ops', '--observed'], {
        kubeconfig: cluster.kubeconfig,
      })
      assert.equal(sidecar.code, 1, sidecar.stdout + sidecar.stderr)
      assert.match(sidecar.stdout, /\+ init container istio-proxy added/)
      assert.doesNotMatch(sidecar.stdout, /^spec\.(tolerations|affinity)/m)
    })
  })
})
