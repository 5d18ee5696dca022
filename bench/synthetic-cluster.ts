// A deterministic synthetic fleet: N realistic pods (3–5 KB JSON each) over 200 namespaces, several Istio revisions
// and tags, a few foreign webhooks, Deployment → ReplicaSet → Pod owners, and a mix of injected and not-injected pods.
import {fileURLToPath} from 'node:url'
import {loadYamlObjects} from '../test/apiserver-double/index.js'

export interface SyntheticOptions {
  readonly pods: number
  readonly namespaces?: number
  /** Include the foreign webhook with CEL matchConditions (pods then keep whole objects for CEL). Default true. */
  readonly celWebhook?: boolean
  readonly seed?: number
}

export interface SyntheticCluster {
  /** Control-plane objects: namespaces, webhook configurations, istio-system ConfigMaps/Deployments/Services. */
  readonly platform: object[]
  readonly namespaces: object[]
  readonly workloads: object[]
  readonly pods: object[]
  /** A pod name per namespace kind, for single-pod measurements. */
  readonly samplePod: {namespace: string; name: string}
}

type Obj = Record<string, unknown>

const fixture = (name: string): Obj[] =>
  loadYamlObjects(fileURLToPath(new URL(`../test/fixtures/istio/${name}`, import.meta.url))) as Obj[]

// mulberry32: a tiny seeded PRNG so every run serves byte-identical clusters.
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const alphabet = 'bcdfghjklmnpqrstvwxz2456789'
const word = (rand: () => number, length: number): string =>
  Array.from({length}, () => alphabet[Math.floor(rand() * alphabet.length)]).join('')
const uid = (rand: () => number): string => {
  const hex = Array.from({length: 32}, () => Math.floor(rand() * 16).toString(16)).join('')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`
}

const apps = [
  'web',
  'cart',
  'orders',
  'payments',
  'search',
  'catalog',
  'checkout',
  'auth',
  'profile',
  'inventory',
  'shipping',
  'reviews',
  'ads',
  'email',
  'recommend',
]

/** Namespace flavours: which revision (if any) a namespace is labelled for. */
const flavours = [
  {labels: {'istio-injection': 'enabled'}, revision: '1-28'},
  {labels: {'istio-injection': 'enabled'}, revision: '1-28'},
  {labels: {'istio-injection': 'enabled'}, revision: '1-28'},
  {labels: {'istio.io/rev': '1-27'}, revision: '1-27'},
  {labels: {'istio.io/rev': '1-27'}, revision: '1-27'},
  {labels: {'istio.io/rev': 'prod'}, revision: '1-28'},
  {labels: {'istio.io/rev': '1-28'}, revision: '1-28'},
  {labels: {}, revision: undefined},
  {labels: {}, revision: undefined},
  {labels: {team: 'platform'}, revision: undefined},
] as const

function platformObjects(celWebhook: boolean): Obj[] {
  const seen = new Set<string>()
  const out: Obj[] = []
  const add = (object: Obj) => {
    const meta = (object.metadata ?? {}) as {name?: string; namespace?: string}
    const key = `${String(object.kind)}/${meta.namespace ?? ''}/${meta.name ?? ''}`
    if (seen.has(key)) return
    seen.add(key)
    out.push(object)
  }
  for (const object of [...fixture('revision-1-28-with-tags.yaml'), ...fixture('revision-1-27.yaml')])
    add(object)
  for (const object of fixture('foreign-webhooks.yaml')) {
    const name = (object.metadata as {name?: string}).name
    if (object.kind !== 'MutatingWebhookConfiguration' || name === 'istio-sidecar-injector') continue
    if (name === 'zz-cost-labeler' && !celWebhook) continue
    add(object)
  }
  return out
}

function proxyContainer(image: string): Obj {
  return {
    name: 'istio-proxy',
    image,
    args: [
      'proxy',
      'sidecar',
      '--domain',
      '$(POD_NAMESPACE).svc.cluster.local',
      '--proxyLogLevel=warning',
      '--proxyComponentLogLevel=misc:error',
      '--log_output_level=default:info',
    ],
    env: [
      {name: 'PILOT_CERT_PROVIDER', value: 'istiod'},
      {name: 'CA_ADDR', value: 'istiod.istio-system.svc:15012'},
      {name: 'POD_NAME', valueFrom: {fieldRef: {apiVersion: 'v1', fieldPath: 'metadata.name'}}},
      {name: 'POD_NAMESPACE', valueFrom: {fieldRef: {apiVersion: 'v1', fieldPath: 'metadata.namespace'}}},
    ],
    imagePullPolicy: 'IfNotPresent',
    ports: [{containerPort: 15090, name: 'http-envoy-prom', protocol: 'TCP'}],
    resources: {limits: {cpu: '2', memory: '1Gi'}, requests: {cpu: '100m', memory: '128Mi'}},
    securityContext: {
      allowPrivilegeEscalation: false,
      capabilities: {drop: ['ALL']},
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsGroup: 1337,
      runAsNonRoot: true,
      runAsUser: 1337,
    },
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
    volumeMounts: [
      {mountPath: '/var/run/secrets/workload-spiffe-uds', name: 'workload-socket'},
      {mountPath: '/var/run/secrets/istio', name: 'istiod-ca-cert'},
      {mountPath: '/var/lib/istio/data', name: 'istio-data'},
      {mountPath: '/etc/istio/proxy', name: 'istio-envoy'},
      {mountPath: '/var/run/secrets/tokens', name: 'istio-token'},
    ],
  }
}

const istioVolumes: Obj[] = [
  {emptyDir: {}, name: 'workload-socket'},
  {emptyDir: {medium: 'Memory'}, name: 'istio-envoy'},
  {emptyDir: {}, name: 'istio-data'},
  {
    name: 'istio-token',
    projected: {
      defaultMode: 420,
      sources: [{serviceAccountToken: {audience: 'istio-ca', expirationSeconds: 43200, path: 'istio-token'}}],
    },
  },
  {configMap: {defaultMode: 420, name: 'istio-ca-root-cert'}, name: 'istiod-ca-cert'},
]

/** Builds the synthetic cluster; the same options always give the same objects. */
export function syntheticCluster(options: SyntheticOptions): SyntheticCluster {
  const rand = prng(options.seed ?? 20_261_126)
  const namespaceCount = options.namespaces ?? 200
  const platform = platformObjects(options.celWebhook ?? true)
  const namespaces: Obj[] = []
  const workloads: Obj[] = []
  const pods: Obj[] = []
  let samplePod = {namespace: '', name: ''}
  const created = Date.UTC(2026, 10, 1)
  const stamp = (offsetMinutes: number) =>
    new Date(created + offsetMinutes * 60_000).toISOString().replace(/\.\d+Z$/, 'Z')
  let resourceVersion = 100_000

  for (let n = 0; n < namespaceCount; n++) {
    const flavour = flavours[n % flavours.length]!
    const namespace = `team-${String(n).padStart(3, '0')}-${apps[n % apps.length]}`
    namespaces.push({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: namespace,
        uid: uid(rand),
        resourceVersion: String(resourceVersion++),
        creationTimestamp: stamp(n),
        labels: {'kubernetes.io/metadata.name': namespace, ...flavour.labels},
      },
      spec: {finalizers: ['kubernetes']},
      status: {phase: 'Active'},
    })
    const podsHere = Math.floor(options.pods / namespaceCount) + (n < options.pods % namespaceCount ? 1 : 0)
    const deployments = Math.max(1, Math.ceil(podsHere / 5))
    for (let d = 0; d < deployments && d * 5 < podsHere; d++) {
      const app = `${apps[(n + d) % apps.length]}-${d}`
      const hash = word(rand, 9)
      const rsName = `${app}-${hash}`
      const deployUid = uid(rand)
      const rsUid = uid(rand)
      const appLabels = {app, version: `v${1 + (d % 3)}`, 'app.kubernetes.io/part-of': namespace}
      const image = `registry.example.com/${namespace}/${app}:1.${d % 7}.${n % 11}`
      workloads.push({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: {
          name: app,
          namespace,
          uid: deployUid,
          resourceVersion: String(resourceVersion++),
          generation: 3,
          creationTimestamp: stamp(n + d),
          labels: appLabels,
        },
        spec: {
          replicas: Math.min(5, podsHere - d * 5),
          selector: {matchLabels: {app}},
          template: {
            metadata: {labels: appLabels},
            spec: {
              containers: [{name: app, image, ports: [{containerPort: 8080, name: 'http', protocol: 'TCP'}]}],
            },
          },
        },
      })
      workloads.push({
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: {
          name: rsName,
          namespace,
          uid: rsUid,
          resourceVersion: String(resourceVersion++),
          creationTimestamp: stamp(n + d),
          labels: {...appLabels, 'pod-template-hash': hash},
          ownerReferences: [
            {
              apiVersion: 'apps/v1',
              kind: 'Deployment',
              name: app,
              uid: deployUid,
              controller: true,
              blockOwnerDeletion: true,
            },
          ],
        },
        spec: {
          replicas: Math.min(5, podsHere - d * 5),
          selector: {matchLabels: {app, 'pod-template-hash': hash}},
          template: {metadata: {labels: appLabels}},
        },
      })
      for (let r = 0; r < 5 && d * 5 + r < podsHere; r++) {
        const name = `${rsName}-${word(rand, 5)}`
        const roll = rand()
        // Labelled namespaces: most pods injected, some created before the label (need restart); unlabelled: a few opt in or drift.
        const injectedBy =
          flavour.revision !== undefined
            ? roll < 0.88
              ? flavour.revision
              : roll < 0.92
                ? '1-27'
                : undefined
            : roll < 0.04
              ? '1-28'
              : undefined
        const podLabels: Record<string, string> = {...appLabels, 'pod-template-hash': hash}
        if (flavour.revision === undefined && roll >= 0.04 && roll < 0.08)
          podLabels['sidecar.istio.io/inject'] = 'true'
        const annotations: Record<string, string> = {
          'kubectl.kubernetes.io/restartedAt': stamp(n * 7 + d),
          'prometheus.io/scrape': 'true',
          'prometheus.io/port': '9090',
          'cluster-autoscaler.kubernetes.io/safe-to-evict': 'true',
        }
        const containers: Obj[] = [
          {
            name: app,
            image,
            imagePullPolicy: 'IfNotPresent',
            ports: [
              {containerPort: 8080, name: 'http', protocol: 'TCP'},
              {containerPort: 9090, name: 'metrics', protocol: 'TCP'},
            ],
            env: [
              {name: 'LOG_LEVEL', value: 'info'},
              {name: 'OTEL_SERVICE_NAME', value: app},
            ],
            resources: {limits: {cpu: '1', memory: '512Mi'}, requests: {cpu: '50m', memory: '128Mi'}},
            livenessProbe: {
              httpGet: {path: '/healthz', port: 8080, scheme: 'HTTP'},
              periodSeconds: 10,
              timeoutSeconds: 1,
              failureThreshold: 3,
              successThreshold: 1,
            },
            terminationMessagePath: '/dev/termination-log',
            terminationMessagePolicy: 'File',
            volumeMounts: [
              {
                mountPath: '/var/run/secrets/kubernetes.io/serviceaccount',
                name: `kube-api-access-${word(rand, 5)}`,
                readOnly: true,
              },
            ],
          },
        ]
        const volumes: Obj[] = [
          {
            name: (containers[0] as {volumeMounts: {name: string}[]}).volumeMounts[0]!.name,
            projected: {
              defaultMode: 420,
              sources: [
                {serviceAccountToken: {expirationSeconds: 3607, path: 'token'}},
                {configMap: {name: 'kube-root-ca.crt', items: [{key: 'ca.crt', path: 'ca.crt'}]}},
              ],
            },
          },
        ]
        const containerStatuses: Obj[] = [
          {
            name: app,
            image,
            imageID: `${image}@sha256:${word(rand, 20)}`,
            containerID: `containerd://${word(rand, 24)}`,
            ready: true,
            restartCount: 0,
            started: true,
            state: {running: {startedAt: stamp(n + d + 1)}},
          },
        ]
        if (injectedBy !== undefined) {
          const proxyImage = `docker.io/istio/proxyv2:${injectedBy === '1-27' ? '1.27.3' : '1.28.1'}`
          containers.push(proxyContainer(proxyImage))
          volumes.push(...istioVolumes)
          podLabels['security.istio.io/tlsMode'] = 'istio'
          podLabels['service.istio.io/canonical-name'] = app
          podLabels['service.istio.io/canonical-revision'] = podLabels.version!
          annotations['istio.io/rev'] = injectedBy
          annotations['kubectl.kubernetes.io/default-container'] = app
          annotations['sidecar.istio.io/status'] = JSON.stringify({
            initContainers: ['istio-init'],
            containers: ['istio-proxy'],
            volumes: ['workload-socket', 'istio-envoy', 'istio-data', 'istio-token', 'istiod-ca-cert'],
            imagePullSecrets: null,
            revision: injectedBy,
          })
          containerStatuses.push({
            name: 'istio-proxy',
            image: proxyImage,
            ready: true,
            restartCount: 0,
            started: true,
            state: {running: {startedAt: stamp(n + d + 1)}},
          })
        }
        const ip = `10.${(n >> 4) & 255}.${((n & 15) << 4) | (d & 15)}.${r + 10}`
        pods.push({
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: {
            name,
            generateName: `${rsName}-`,
            namespace,
            uid: uid(rand),
            resourceVersion: String(resourceVersion++),
            creationTimestamp: stamp(n + d + r),
            labels: podLabels,
            annotations,
            ownerReferences: [
              {
                apiVersion: 'apps/v1',
                kind: 'ReplicaSet',
                name: rsName,
                uid: rsUid,
                controller: true,
                blockOwnerDeletion: true,
              },
            ],
          },
          spec: {
            containers,
            ...(injectedBy === undefined
              ? {}
              : {
                  initContainers: [
                    {
                      name: 'istio-init',
                      image: `docker.io/istio/proxyv2:${injectedBy === '1-27' ? '1.27.3' : '1.28.1'}`,
                      args: [
                        'istio-iptables',
                        '-p',
                        '15001',
                        '-z',
                        '15006',
                        '-u',
                        '1337',
                        '-m',
                        'REDIRECT',
                        '-i',
                        '*',
                        '-x',
                        '',
                        '-b',
                        '*',
                        '-d',
                        '15090,15021,15020',
                      ],
                    },
                  ],
                }),
            dnsPolicy: 'ClusterFirst',
            enableServiceLinks: true,
            nodeName: `node-${Math.floor(rand() * 400)}`,
            preemptionPolicy: 'PreemptLowerPriority',
            priority: 0,
            restartPolicy: 'Always',
            schedulerName: 'default-scheduler',
            securityContext: {},
            serviceAccount: 'default',
            serviceAccountName: 'default',
            terminationGracePeriodSeconds: 30,
            tolerations: [
              {
                effect: 'NoExecute',
                key: 'node.kubernetes.io/not-ready',
                operator: 'Exists',
                tolerationSeconds: 300,
              },
              {
                effect: 'NoExecute',
                key: 'node.kubernetes.io/unreachable',
                operator: 'Exists',
                tolerationSeconds: 300,
              },
            ],
            volumes,
          },
          status: {
            phase: 'Running',
            qosClass: 'Burstable',
            hostIP: `192.168.${n & 255}.${d & 255}`,
            podIP: ip,
            podIPs: [{ip}],
            startTime: stamp(n + d + r),
            conditions: [
              'PodReadyToStartContainers',
              'Initialized',
              'Ready',
              'ContainersReady',
              'PodScheduled',
            ].map((type) => ({
              type,
              status: 'True',
              lastProbeTime: null,
              lastTransitionTime: stamp(n + d + r),
            })),
            containerStatuses,
          },
        })
        if (samplePod.name === '' && injectedBy !== undefined && n >= namespaceCount / 2)
          samplePod = {namespace, name}
      }
    }
  }
  if (samplePod.name === '' && pods.length > 0) {
    const meta = (pods[pods.length - 1] as {metadata: {namespace: string; name: string}}).metadata
    samplePod = {namespace: meta.namespace, name: meta.name}
  }
  return {platform, namespaces, workloads, pods, samplePod}
}

/** `kubectl get -o json` style List documents of what a sweep reads, for `--from`. */
export function exportLists(cluster: SyntheticCluster): Record<string, object> {
  const kind = (object: object) => (object as {kind?: string}).kind
  const list = (items: object[]) => ({apiVersion: 'v1', kind: 'List', metadata: {resourceVersion: ''}, items})
  const platformNamespaces = cluster.platform.filter((o) => kind(o) === 'Namespace')
  return {
    'namespaces.json': list([...platformNamespaces, ...cluster.namespaces]),
    'webhooks.json': list(cluster.platform.filter((o) => kind(o) === 'MutatingWebhookConfiguration')),
    'configmaps.json': list(cluster.platform.filter((o) => kind(o) === 'ConfigMap')),
    'pods.json': list([...cluster.platform.filter((o) => kind(o) === 'Pod'), ...cluster.pods]),
  }
}
