// Generates test/fixtures/bundles/: one small consistent cluster written in every bundle layout the reader accepts.
// Run: node --import tsx scripts/make-fixture-bundles.ts   (output is committed as text; archives are built by tests)
import {mkdir, rm, writeFile} from 'node:fs/promises'
import {dirname, join} from 'node:path'
import {stringify} from 'yaml'

const out = join(import.meta.dirname, '..', 'test', 'fixtures', 'bundles')
type Raw = Record<string, unknown>

// kubectl prints YAML through JSON, so map keys come out sorted.
const sorted = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(sorted)
    : value !== null && typeof value === 'object'
      ? Object.fromEntries(
          Object.entries(value as Raw)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([k, v]) => [k, sorted(v)]),
        )
      : value
const kubectlList = (items: Raw[]): string =>
  stringify(sorted({apiVersion: 'v1', items, kind: 'List', metadata: {resourceVersion: ''}}), {lineWidth: 0})
const typedListJson = (kind: string, apiVersion: string, items: Raw[]): string =>
  JSON.stringify(
    {
      kind: `${kind}List`,
      apiVersion,
      metadata: {resourceVersion: '41234'},
      items: items.map(({kind: _k, apiVersion: _a, ...rest}) => rest),
    },
    null,
    4,
  ) + '\n'

const created = '2025-08-20T09:50:00Z'
// The CA of test/fixtures/istio (O=cluster.local, CN=istiod, SAN istiod.istio-system.svc), as istiod patches it in.
const ca =
  'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSURNekNDQWh1Z0F3SUJBZ0lCQVRBTkJna3Foa2lHOXcwQkFRc0ZBREFwTVJZd0ZBWURWUVFLREExamJIVnoKZEdWeUxteHZZMkZzTVE4d0RRWURWUVFEREFacGMzUnBiMlF3SGhjTk1qWXhNREF4TURBd01EQXdXaGNOTXpZeApNREF4TURBd01EQXdXakFwTVJZd0ZBWURWUVFLREExamJIVnpkR1Z5TG14dlkyRnNNUTh3RFFZRFZRUUREQVpwCmMzUnBiMlF3Z2dFaU1BMEdDU3FHU0liM0RRRUJBUVVBQTRJQkR3QXdnZ0VLQW9JQkFRQ2s0VHE2NnBBOUJMUS8KalBPd3lEK2Y4QlAwWnFjU0hWQkFsY0grVm1OZm5BTXVaN1MzQ3E3aDFZTTBESk5SRlFESVN1WUxOcXg4cGIwRQpYQjhxOE5RWUViWlc2RHoxMlNQYVVGYVFGa0ROZ3dzeTF0bHVyWXV1YjArbDJSN2ZkY2tMbzVYRlBhM1dOZVZiCkpKMlVFbmEraDZ6NVY5bzYrOHV5MHh4MDU3cFdLT1ovNVJ3eUl5blRGUjk1WktBclV6TkcvN0VZZWIzQWNGb3QKZlNDVFVuSytkR1Z5dmlYbS9KK2tZL1FuREphT0x4RldBTVNRNEI1Z0pQWEZUWS85YU5mSGswc1VoeTVoZ2lGNQpZaVpLZFE4dXRJWmFwSGk1RjFjc1pEaC9PUHBhV2JuN3VxYmNaWTJpK01CQWlwLzk5N1FUcjBVMldORzlzeGRpCjVCQldzVDhkQWdNQkFBR2paakJrTUE4R0ExVWRFd0VCL3dRRk1BTUJBZjh3RGdZRFZSMFBBUUgvQkFRREFnS0UKTUNJR0ExVWRFUVFiTUJtQ0YybHpkR2x2WkM1cGMzUnBieTF6ZVhOMFpXMHVjM1pqTUIwR0ExVWREZ1FXQkJTZQptWklGeURBQ2xCWUU0RkJIYUFxbkdsRlBoakFOQmdrcWhraUc5dzBCQVFzRkFBT0NBUUVBQnc2dlhBZWV6TEU0CkdSbEJTRmsrS3ZkcGdIK2NFUXJMQlFucFp2bWVEbXl0NjdVUWNMUUdpa0hzYktuNXdwSUF1NFNEWDhzSXBidlQKcGJEa3lRNEJQSWU5OVNDQjYvVXFJRTFpNXUvR0k3cHhJVllRdGZZcjhzSG5zNEViUHRiY3EyblRCZncyV0RYLwo3eWE5RFRiOWV4dzNDYzVhNDF2Ry94ZlFtZ2UzazhoU2JSZ05RR3NEZkZTTVd5bWViNlpBVHFwK1lodkVYODhjClk2dFlRWkJWRnBjU2FvMFJNeTBhOUtmcFIwbGU3ZFBRRkI3ZHgyWkpRZEh2SFdOamx0bktMMWZ6TzJIQ1NnUkkKdjY3ZWJzU2lVZ3h4MTJGeTJsQ0hJMTAvYjJmdnRjb3ZqSCt4ZWt5dEtpYzltVC9HRDFGZzl0UFQ4NWl1N1MveAp4eWN0VmVNUi9BPT0KLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo='
const ns = (name: string, labels: Raw = {}): Raw => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: {
    name,
    creationTimestamp: created,
    labels: {'kubernetes.io/metadata.name': name, ...labels},
    resourceVersion: '100',
    uid: `uid-ns-${name}`,
  },
  spec: {finalizers: ['kubernetes']},
  status: {phase: 'Active'},
})
const webhook = (name: string, selector: Raw, service: string, objectSelector: Raw = {}): Raw => ({
  admissionReviewVersions: ['v1'],
  clientConfig: {
    caBundle: ca,
    service: {name: service, namespace: 'istio-system', path: '/inject', port: 443},
  },
  failurePolicy: 'Fail',
  matchPolicy: 'Equivalent',
  name,
  namespaceSelector: selector,
  objectSelector,
  reinvocationPolicy: 'Never',
  rules: [{apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'], scope: '*'}],
  sideEffects: 'None',
  timeoutSeconds: 10,
})
const mwc = (name: string, revision: string, service: string, webhooks: Raw[]): Raw => ({
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'MutatingWebhookConfiguration',
  metadata: {
    name,
    creationTimestamp: created,
    labels: {app: 'sidecar-injector', 'istio.io/rev': revision},
    resourceVersion: '2201',
    uid: `uid-mwc-${name}`,
  },
  webhooks: webhooks.map((w) => ({
    ...w,
    clientConfig: {
      ...(w.clientConfig as Raw),
      service: {...((w.clientConfig as Raw).service as Raw), name: service},
    },
  })),
})
const injectorConfig =
  'policy: enabled\nalwaysInjectSelector:\n  []\nneverInjectSelector:\n  []\ninjectedAnnotations:\ndefaultTemplates: [sidecar]\ntemplates:\n  sidecar: |\n    spec:\n      containers:\n      - name: istio-proxy\n        image: docker.io/istio/proxyv2:1.26.3\n'
const cm = (namespace: string, name: string, data: Raw, labels: Raw = {}): Raw => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: {
    name,
    namespace,
    creationTimestamp: created,
    labels,
    resourceVersion: '300',
    uid: `uid-cm-${name}`,
  },
  data,
})
const container = (name: string, image: string, extra: Raw = {}): Raw => ({
  name,
  image,
  imagePullPolicy: 'IfNotPresent',
  resources: {},
  ...extra,
})
const pod = (
  namespace: string,
  name: string,
  rs: string,
  labels: Raw,
  containers: Raw[],
  annotations: Raw = {},
  initContainers: Raw[] = [],
): Raw => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name,
    namespace,
    generateName: `${rs}-`,
    creationTimestamp: created,
    labels,
    annotations,
    resourceVersion: '5000',
    uid: `uid-pod-${name}`,
    ownerReferences: [
      {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        name: rs,
        controller: true,
        blockOwnerDeletion: true,
        uid: `uid-rs-${rs}`,
      },
    ],
  },
  spec: {
    containers,
    ...(initContainers.length > 0 && {initContainers}),
    nodeName: 'kind-control-plane',
    restartPolicy: 'Always',
    serviceAccountName: 'default',
  },
  status: {phase: 'Running', podIP: '10.244.0.12', hostIP: '172.18.0.2'},
})
const template = (labels: Raw, containers: Raw[], annotations: Raw = {}): Raw => ({
  metadata: {labels, annotations},
  spec: {containers},
})
const deployment = (
  namespace: string,
  name: string,
  labels: Raw,
  containers: Raw[],
  replicas = 1,
  annotations: Raw = {},
): Raw => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name,
    namespace,
    creationTimestamp: created,
    labels: {app: String(labels.app)},
    resourceVersion: '4000',
    uid: `uid-deploy-${name}`,
  },
  spec: {replicas, selector: {matchLabels: labels}, template: template(labels, containers, annotations)},
  status: {replicas, readyReplicas: replicas},
})
const replicaSet = (
  namespace: string,
  name: string,
  deploymentName: string,
  hash: string,
  labels: Raw,
  containers: Raw[],
  replicas: number,
  ready: number,
): Raw => ({
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  metadata: {
    name,
    namespace,
    creationTimestamp: created,
    labels: {...labels, 'pod-template-hash': hash},
    resourceVersion: '4100',
    uid: `uid-rs-${name}`,
    ownerReferences: [
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: deploymentName,
        controller: true,
        blockOwnerDeletion: true,
        uid: `uid-deploy-${deploymentName}`,
      },
    ],
  },
  spec: {
    replicas,
    selector: {matchLabels: {...labels, 'pod-template-hash': hash}},
    template: template({...labels, 'pod-template-hash': hash}, containers),
  },
  status: {replicas: ready, readyReplicas: ready},
})

const istiodImage = 'docker.io/istio/pilot:1.26.3'
const istiodLabels = {app: 'istiod', istio: 'pilot', 'istio.io/rev': 'default'}
const discovery = container('discovery', istiodImage, {
  args: ['discovery', '--monitoringAddr=:15014', '--log_output_level=default:info'],
  ports: [{containerPort: 15017, protocol: 'TCP'}],
})
const httpbinLabels = {app: 'httpbin', version: 'v1'}
const reviewsLabels = {app: 'reviews', version: 'v1'}
const sidecarStatus = JSON.stringify({
  initContainers: ['istio-init'],
  containers: ['istio-proxy'],
  volumes: ['istio-envoy', 'istio-data', 'istio-podinfo', 'istio-token', 'istiod-ca-cert'],
  imagePullSecrets: null,
  revision: 'default',
})

const namespaces = [
  ns('default'),
  ns('kube-system'),
  ns('istio-system'),
  ns('apps', {'istio-injection': 'enabled'}),
  ns('payments', {'istio.io/rev': 'canary'}),
]
const webhooks = [
  mwc('istio-sidecar-injector', 'default', 'istiod', [
    webhook(
      'rev.namespace.sidecar-injector.istio.io',
      {
        matchExpressions: [
          {key: 'istio.io/rev', operator: 'In', values: ['default']},
          {key: 'istio-injection', operator: 'DoesNotExist'},
        ],
      },
      'istiod',
      {matchExpressions: [{key: 'sidecar.istio.io/inject', operator: 'NotIn', values: ['false']}]},
    ),
    webhook(
      'namespace.sidecar-injector.istio.io',
      {matchExpressions: [{key: 'istio-injection', operator: 'In', values: ['enabled']}]},
      'istiod',
      {matchExpressions: [{key: 'sidecar.istio.io/inject', operator: 'NotIn', values: ['false']}]},
    ),
  ]),
  mwc('istio-sidecar-injector-canary', 'canary', 'istiod-canary', [
    webhook(
      'rev.namespace.sidecar-injector.istio.io',
      {
        matchExpressions: [
          {key: 'istio.io/rev', operator: 'In', values: ['canary']},
          {key: 'istio-injection', operator: 'DoesNotExist'},
        ],
      },
      'istiod-canary',
    ),
  ]),
]
const configMaps = [
  cm(
    'istio-system',
    'istio-sidecar-injector',
    {
      config: injectorConfig,
      values: JSON.stringify({global: {tag: '1.26.3', hub: 'docker.io/istio'}, revision: ''}),
    },
    {'istio.io/rev': 'default'},
  ),
  cm(
    'istio-system',
    'istio',
    {
      mesh: 'defaultConfig:\n  discoveryAddress: istiod.istio-system.svc:15012\ntrustDomain: cluster.local\n',
      meshNetworks: 'networks: {}',
    },
    {'istio.io/rev': 'default'},
  ),
  cm('apps', 'kube-root-ca.crt', {
    'ca.crt': '-----BEGIN CERTIFICATE-----\nMIIBfixture\n-----END CERTIFICATE-----\n',
  }),
]
const workloads = [
  deployment('istio-system', 'istiod', istiodLabels, [discovery]),
  replicaSet('istio-system', 'istiod-6c8d9f7b5', 'istiod', '6c8d9f7b5', istiodLabels, [discovery], 1, 1),
  deployment('apps', 'httpbin', httpbinLabels, [container('httpbin', 'docker.io/kong/httpbin:0.1.0')]),
  replicaSet(
    'apps',
    'httpbin-7f9c6d5b8',
    'httpbin',
    '7f9c6d5b8',
    httpbinLabels,
    [container('httpbin', 'docker.io/kong/httpbin:0.1.0')],
    1,
    1,
  ),
  deployment(
    'apps',
    'reviews-v1',
    reviewsLabels,
    [container('reviews', 'docker.io/istio/examples-bookinfo-reviews-v1:1.20.2')],
    2,
  ),
  replicaSet(
    'apps',
    'reviews-v1-5b8f6d7c9',
    'reviews-v1',
    '5b8f6d7c9',
    reviewsLabels,
    [container('reviews', 'docker.io/istio/examples-bookinfo-reviews-v1:1.20.2')],
    2,
    0,
  ),
]
const istiodPod = pod(
  'istio-system',
  'istiod-6c8d9f7b5-x2k4p',
  'istiod-6c8d9f7b5',
  {...istiodLabels, 'pod-template-hash': '6c8d9f7b5'},
  [discovery],
)
const httpbinPod = pod(
  'apps',
  'httpbin-7f9c6d5b8-qv2lm',
  'httpbin-7f9c6d5b8',
  {
    ...httpbinLabels,
    'pod-template-hash': '7f9c6d5b8',
    'security.istio.io/tlsMode': 'istio',
    'service.istio.io/canonical-name': 'httpbin',
  },
  [
    container('httpbin', 'docker.io/kong/httpbin:0.1.0'),
    container('istio-proxy', 'docker.io/istio/proxyv2:1.26.3'),
  ],
  {
    'sidecar.istio.io/status': sidecarStatus,
    'istio.io/rev': 'default',
    'kubectl.kubernetes.io/default-container': 'httpbin',
  },
  [container('istio-init', 'docker.io/istio/proxyv2:1.26.3')],
)
const pods = [istiodPod, httpbinPod]
const services = [
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: 'istiod',
      namespace: 'istio-system',
      creationTimestamp: created,
      labels: {app: 'istiod', istio: 'pilot', 'istio.io/rev': 'default'},
      resourceVersion: '1500',
      uid: 'uid-svc-istiod',
    },
    spec: {
      clusterIP: '10.96.12.34',
      ports: [
        {name: 'grpc-xds', port: 15010, protocol: 'TCP', targetPort: 15010},
        {name: 'https-webhook', port: 443, protocol: 'TCP', targetPort: 15017},
      ],
      selector: {app: 'istiod', istio: 'pilot'},
      type: 'ClusterIP',
    },
  },
]
const endpointSlices = [
  {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    addressType: 'IPv4',
    metadata: {
      name: 'istiod-8sx2q',
      namespace: 'istio-system',
      creationTimestamp: created,
      generateName: 'istiod-',
      labels: {
        'kubernetes.io/service-name': 'istiod',
        'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
      },
      resourceVersion: '5100',
      uid: 'uid-eps-istiod',
    },
    endpoints: [
      {
        addresses: ['10.244.0.7'],
        conditions: {ready: true, serving: true, terminating: false},
        nodeName: 'kind-control-plane',
        targetRef: {
          kind: 'Pod',
          name: 'istiod-6c8d9f7b5-x2k4p',
          namespace: 'istio-system',
          uid: 'uid-pod-istiod-6c8d9f7b5-x2k4p',
        },
      },
    ],
    ports: [
      {name: 'https-webhook', port: 15017, protocol: 'TCP'},
      {name: 'grpc-xds', port: 15010, protocol: 'TCP'},
    ],
  },
]
const nodes = [
  {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: 'kind-control-plane',
      creationTimestamp: created,
      labels: {'kubernetes.io/hostname': 'kind-control-plane', 'node-role.kubernetes.io/control-plane': ''},
      resourceVersion: '900',
      uid: 'uid-node',
    },
    status: {
      nodeInfo: {
        kubeletVersion: 'v1.32.2',
        containerRuntimeVersion: 'containerd://1.7.24',
        kernelVersion: '6.8.0',
        osImage: 'Debian GNU/Linux 12 (bookworm)',
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
    },
  },
]

// The webhook failure classes, worded as the API server words them in FailedCreate events.
const callFailed = (webhookName: string, service: string, tail: string): string =>
  `Error creating: Internal error occurred: failed calling webhook "${webhookName}": failed to call webhook: Post "https://${service}.istio-system.svc:443/inject?timeout=10s": ${tail}`
const failures: {namespace: string; rs: string; message: string; count: number}[] = [
  {
    namespace: 'apps',
    rs: 'reviews-v1-5b8f6d7c9',
    count: 18,
    message: callFailed('namespace.sidecar-injector.istio.io', 'istiod', 'context deadline exceeded'),
  },
  {
    namespace: 'apps',
    rs: 'ratings-v1-6d8b5c9f7',
    count: 7,
    message: callFailed(
      'namespace.sidecar-injector.istio.io',
      'istiod',
      'dial tcp 10.96.12.34:443: i/o timeout',
    ),
  },
  {
    namespace: 'apps',
    rs: 'details-v1-79dfbd6fff',
    count: 4,
    message: callFailed(
      'namespace.sidecar-injector.istio.io',
      'istiod',
      'tls: failed to verify certificate: x509: certificate signed by unknown authority',
    ),
  },
  {
    namespace: 'apps',
    rs: 'productpage-v1-64794f5db4',
    count: 3,
    message: callFailed(
      'namespace.sidecar-injector.istio.io',
      'istiod',
      'no endpoints available for service "istiod"',
    ),
  },
  {
    namespace: 'payments',
    rs: 'ledger-7c5d8b9f4',
    count: 12,
    message: callFailed(
      'rev.namespace.sidecar-injector.istio.io',
      'istiod-canary',
      'service "istiod-canary" not found',
    ),
  },
  {
    namespace: 'apps',
    rs: 'custom-5f7b9c8d6',
    count: 2,
    message:
      'Error creating: admission webhook "namespace.sidecar-injector.istio.io" denied the request: requested template "custom" not found; have [gateway grpc-agent grpc-simple sidecar waypoint]',
  },
]
const eventName = (object: string, index: number): string =>
  `${object}.18${(0x2d3f4a5b + index * 7919).toString(16)}`
const events: Raw[] = [
  ...failures.map((f, index) => ({
    apiVersion: 'v1',
    kind: 'Event',
    metadata: {
      name: eventName(f.rs, index),
      namespace: f.namespace,
      creationTimestamp: '2025-08-20T10:00:00Z',
    },
    involvedObject: {apiVersion: 'apps/v1', kind: 'ReplicaSet', name: f.rs, namespace: f.namespace},
    reason: 'FailedCreate',
    message: f.message,
    type: 'Warning',
    count: f.count,
    firstTimestamp: '2025-08-20T10:00:00Z',
    lastTimestamp: '2025-08-20T10:38:00Z',
    source: {component: 'replicaset-controller'},
  })),
  {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: {
      name: eventName('httpbin-7f9c6d5b8-qv2lm', 9),
      namespace: 'apps',
      creationTimestamp: '2025-08-20T09:55:00Z',
    },
    involvedObject: {
      apiVersion: 'v1',
      kind: 'Pod',
      name: 'httpbin-7f9c6d5b8-qv2lm',
      namespace: 'apps',
      fieldPath: 'spec.initContainers{istio-init}',
    },
    reason: 'Pulled',
    message: 'Container image "docker.io/istio/proxyv2:1.26.3" already present on machine',
    type: 'Normal',
    count: 1,
    firstTimestamp: '2025-08-20T09:55:00Z',
    lastTimestamp: '2025-08-20T09:55:00Z',
    source: {component: 'kubelet', host: 'kind-control-plane'},
  },
]

// Go text/tabwriter as kubectl configures it (padding 3, min width 6); the last cell is not padded.
const table = (header: string[], rows: string[][]): string => {
  const widths = header.map((h, i) =>
    Math.max(6, ...[h, ...rows.map((r) => r[i] ?? '')].map((c) => Array.from(c).length + 3)),
  )
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat(widths[i]! - Array.from(c).length)))
      .join('')
  return [line(header), ...rows.map(line)].join('\n') + '\n'
}
const ages = ['38m', '35m', '31m', '29m', '22m', '12m', '43m']
const firstSeen = ['40m', '39m', '36m', '33m', '30m', '14m', '43m']
const eventsTable = table(
  [
    'NAMESPACE',
    'LAST SEEN',
    'TYPE',
    'REASON',
    'OBJECT',
    'SUBOBJECT',
    'SOURCE',
    'MESSAGE',
    'FIRST SEEN',
    'COUNT',
    'NAME',
  ],
  events.map((e, i) => {
    const involved = e.involvedObject as Raw
    const source = e.source as Raw
    return [
      String((e.metadata as Raw).namespace),
      ages[i]!,
      String(e.type),
      String(e.reason),
      `${String(involved.kind).toLowerCase()}/${String(involved.name)}`,
      String(involved.fieldPath ?? ''),
      source.host ? `${String(source.component)}, ${String(source.host)}` : String(source.component),
      String(e.message),
      firstSeen[i]!,
      String(e.count),
      String((e.metadata as Raw).name),
    ]
  }),
)

const discoveryLog = (legacy: boolean): string =>
  [
    '2025-08-20T09:50:11.204511Z\tinfo\tFLAG: --domain="cluster.local"',
    '2025-08-20T09:50:11.204530Z\tinfo\tFLAG: --log_output_level="default:info"',
    '2025-08-20T09:50:14.881204Z\tinfo\tinjection server listening on :15017',
    legacy
      ? '2025-08-20T09:58:02.117305Z\tinfo\tSkipping apps/batch-report-28722210-***** (actual name not yet known) due to policy check'
      : '2025-08-20T09:58:02.117305Z\tinfo\tSkipping due to policy check\tpath=/inject pod=apps/batch-report-28722210-***** (actual name not yet known)',
    '2025-08-20T09:58:02.116911Z\tinfo\tProcess sidecar injection request\tpath=/inject pod=apps/httpbin-7f9c6d5b8-***** (actual name not yet known)',
    '2025-08-20T10:20:41.502118Z\terror\tinjection failed: requested template "custom" not found; have [gateway grpc-agent grpc-simple sidecar waypoint]\tpath=/inject pod=apps/custom-5f7b9c8d6-***** (actual name not yet known)',
    '',
  ].join('\n')

const versionsText = (cli: string, server: string): string =>
  `CLI version:\nversion.BuildInfo{Version:"${cli}", GitRevision:"0b1f2e5c7a9d", GolangVersion:"go1.24.4", BuildStatus:"Clean", GitTag:"${cli}"}\n\n` +
  '✅ The following Istio control plane revisions/versions were found in the cluster:\n' +
  `Revision default:\n&version.MeshInfo{version.ServerInfo{Component:"pilot", Revision:"default", Info:version.BuildInfo{Version:"${server}", GitRevision:"0b1f2e5c7a9d", GolangVersion:"", BuildStatus:"Clean", GitTag:"${server}"}}}\n\n` +
  '✅ The following proxy revisions/versions were found in the cluster:\n' +
  `Revision default: Versions {${server}}\n`

const describePods = `Name:             istiod-6c8d9f7b5-x2k4p\nNamespace:        istio-system\nPriority:         0\nNode:             kind-control-plane/172.18.0.2\nLabels:           app=istiod\n                  istio=pilot\n                  istio.io/rev=default\nStatus:           Running\nControlled By:  ReplicaSet/istiod-6c8d9f7b5\nContainers:\n  discovery:\n    Image:         ${istiodImage}\n`
const describeNodes =
  'Name:               kind-control-plane\nRoles:              control-plane\nSystem Info:\n  Kubelet Version:            v1.32.2\n'

const files = new Map<string, string>()
const put = (path: string, body: string): void => void files.set(path, body)
const istiodLog = 'istio/istio-system/istiod-6c8d9f7b5-x2k4p/discovery.log'
const namespaced = [...configMaps, ...workloads, ...pods, ...services, ...endpointSlices]

// istioctl 1.20: one List with namespaces, webhooks and events; pods and nodes as describe text.
put('bug-report-1.20/bug-report/versions', versionsText('1.20.8', '1.20.8'))
put(
  'bug-report-1.20/bug-report/cluster/k8s-resources',
  kubectlList([...namespaces, ...namespaced, ...events, ...webhooks]),
)
put('bug-report-1.20/bug-report/cluster/describe-pods', describePods)
put('bug-report-1.20/bug-report/cluster/nodes', describeNodes)
put('bug-report-1.20/bug-report/cluster/events', eventsTable)
put(`bug-report-1.20/bug-report/${istiodLog}`, discoveryLog(true))

// istioctl 1.26 with --dir: no bug-report/ prefix; one List including nodes and cluster-scoped kinds.
put('bug-report-1.26/versions', versionsText('1.26.3', '1.26.3'))
put(
  'bug-report-1.26/cluster/k8s-resources',
  kubectlList([...namespaced, ...nodes, ...namespaces, ...events, ...webhooks]),
)
put('bug-report-1.26/cluster/pods', kubectlList([istiodPod]))
put('bug-report-1.26/cluster/nodes', kubectlList(nodes))
put('bug-report-1.26/cluster/events', eventsTable)
put(`bug-report-1.26/${istiodLog}`, discoveryLog(false))

// istioctl 1.30: cluster-scoped kinds in k8s-cluster-resources; events only as the text table.
put('bug-report-1.30/bug-report/versions', versionsText('1.30.1', '1.26.3'))
put(
  'bug-report-1.30/bug-report/cluster/k8s-cluster-resources',
  kubectlList([...nodes, ...namespaces, ...webhooks]),
)
put('bug-report-1.30/bug-report/cluster/k8s-resources', kubectlList(namespaced))
put('bug-report-1.30/bug-report/cluster/pods', kubectlList([istiodPod]))
put('bug-report-1.30/bug-report/cluster/nodes', kubectlList(nodes))
put('bug-report-1.30/bug-report/cluster/events', eventsTable)
put('bug-report-1.30/bug-report/cluster/cluster-context', 'kind-mesh\nhttps://127.0.0.1:6443\n')
put(`bug-report-1.30/bug-report/${istiodLog}`, discoveryLog(false))
put(
  'bug-report-1.30/bug-report/istio/istio-system/istiod-6c8d9f7b5-x2k4p/debug/inject',
  JSON.stringify({sidecar: 'spec:\n  containers:\n  - name: istio-proxy\n'}) + '\n',
)
put(
  'bug-report-1.30/bug-report/proxies/apps/httpbin-7f9c6d5b8-qv2lm/config_dump?include_eds',
  '{"configs": []}\n',
)

// kubectl cluster-info dump --namespaces istio-system,apps --output-directory: typed lists, items without kind.
const inNamespace = (namespace: string, kind: string): Raw[] =>
  [...namespaced, ...events].filter((o) => o.kind === kind && (o.metadata as Raw).namespace === namespace)
const dumpKinds: [string, string, string][] = [
  ['events', 'Event', 'v1'],
  ['replication-controllers', 'ReplicationController', 'v1'],
  ['services', 'Service', 'v1'],
  ['daemonsets', 'DaemonSet', 'apps/v1'],
  ['deployments', 'Deployment', 'apps/v1'],
  ['replicasets', 'ReplicaSet', 'apps/v1'],
  ['pods', 'Pod', 'v1'],
]
const logSection = (p: Raw, name: string, body: string): string => {
  const meta = p.metadata as Raw
  return `==== START logs for container ${name} of pod ${String(meta.namespace)}/${String(meta.name)} ====\n${body}==== END logs for container ${name} of pod ${String(meta.namespace)}/${String(meta.name)} ====\n`
}
const podLogs = (p: Raw): string => {
  const spec = p.spec as Raw
  return [...((spec.initContainers as Raw[] | undefined) ?? []), ...(spec.containers as Raw[])]
    .map((c) =>
      logSection(
        p,
        String(c.name),
        c.name === 'discovery' ? discoveryLog(false) : `${String(c.name)} started\n`,
      ),
    )
    .join('')
}
let stream = typedListJson('Node', 'v1', nodes)
put('cluster-info-dump/nodes.json', typedListJson('Node', 'v1', nodes))
for (const namespace of ['istio-system', 'apps']) {
  for (const [file, kind, apiVersion] of dumpKinds) {
    put(
      `cluster-info-dump/${namespace}/${file}.json`,
      typedListJson(kind, apiVersion, inNamespace(namespace, kind)),
    )
    stream += typedListJson(kind, apiVersion, inNamespace(namespace, kind))
  }
  for (const p of pods.filter((p) => (p.metadata as Raw).namespace === namespace)) {
    put(`cluster-info-dump/${namespace}/${String((p.metadata as Raw).name)}/logs.txt`, podLogs(p))
    stream += podLogs(p)
  }
}
put('cluster-info-dump.txt', stream)

// The supplements a support engineer asks for when only a cluster-info dump arrived.
put('supplements/extra.yaml', kubectlList([...namespaces, ...webhooks]))
put(
  'supplements/istio-cm.yaml',
  kubectlList(configMaps.filter((c) => (c.metadata as Raw).namespace === 'istio-system')),
)

await rm(out, {recursive: true, force: true})
for (const [path, body] of files) {
  await mkdir(dirname(join(out, path)), {recursive: true})
  await writeFile(join(out, path), body)
}
console.log(`wrote ${files.size} files under ${out}`)
