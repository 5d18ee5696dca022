// An HTTPS mutating-webhook server that answers AdmissionReview at /inject the way istiod's sidecar injector does.
import https from 'node:https'
import type {AddressInfo} from 'node:net'
import {istiodDecision} from './istiod-decision.js'
import type {IstiodInjectorConfig} from './istiod-decision.js'
import {diffJsonPatch} from './json-patch.js'
import {loadTlsMaterial} from './tls-fixtures.js'

export interface WebhookServerOptions {
  // native: istio-proxy is an init container with restartPolicy Always; classic: a regular container.
  mode?: 'native' | 'classic'
  revision?: string
  proxyImage?: string
  failWith?: {status?: number; delayMs?: number; deny?: string}
  // Real-cluster tests: who answers each path (undefined: 404), and a serving certificate with more names.
  route?: (path: string) => InjectorRoute | undefined
  tls?: {certPem: string; keyPem: string; caPem: string}
}

// istiod: decide with that revision's injector config; allow: a non-Istio webhook that changes nothing.
export type InjectorRoute =
  {kind: 'istiod'; config: IstiodInjectorConfig; proxyImage: string} | {kind: 'allow'}

export interface WebhookCall {
  path: string
  request: Record<string, unknown> | undefined
  response: Record<string, unknown> | undefined
  status: number
  // With a route: istiod's decision and why (e.g. `inject: policy enabled`).
  decision?: string
}

export interface WebhookServer {
  url: string
  caBundle: string
  calls: WebhookCall[]
  close(): Promise<void>
}

type Json = Record<string, unknown>

interface Pod {
  metadata?: {
    name?: string
    generateName?: string
    namespace?: string
    labels?: Record<string, string>
    annotations?: Record<string, string>
  }
  spec?: Json & {containers?: Json[]; initContainers?: Json[]; volumes?: Json[]; hostNetwork?: boolean}
}

type InjectSettings = Required<Pick<WebhookServerOptions, 'mode' | 'revision' | 'proxyImage'>>

// The templates istiod ships in its injector ConfigMap.
const knownTemplates = ['sidecar', 'gateway', 'grpc-simple', 'grpc-agent', 'spire', 'waypoint']

type Decision = {inject: true} | {inject: false; reason: string}

// istio: pkg/kube/inject/inject.go injectRequired (label over annotation, default policy "enabled").
function injectionDecision(pod: Pod): Decision {
  if (pod.spec?.hostNetwork) return {inject: false, reason: 'hostNetwork'}
  if (pod.metadata?.annotations?.['sidecar.istio.io/status'])
    return {inject: false, reason: 'already injected'}
  const value =
    pod.metadata?.labels?.['sidecar.istio.io/inject'] ??
    pod.metadata?.annotations?.['sidecar.istio.io/inject']
  if (value === undefined) return {inject: true}
  return ['y', 'yes', 'true', 'on'].includes(value.toLowerCase())
    ? {inject: true}
    : {inject: false, reason: `inject=${value}`}
}

// istio: pkg/kube/inject/inject.go workload name from generateName (ReplicaSet hash stripped).
function workloadName(pod: Pod): string {
  const meta = pod.metadata ?? {}
  if (meta.name) return meta.name
  const base = (meta.generateName ?? '').replace(/-$/, '')
  const parts = base.split('-')
  if (
    parts.length > 1 &&
    /^[a-z0-9]{5,10}$/.test(parts[parts.length - 1]!) &&
    /\d/.test(parts[parts.length - 1]!)
  )
    parts.pop()
  return parts.join('-')
}

const fieldEnv = (name: string, fieldPath: string): Json => ({name, valueFrom: {fieldRef: {fieldPath}}})

function proxyContainer(pod: Pod, image: string, revision: string, native: boolean): Json {
  const ns = pod.metadata?.namespace ?? 'default'
  const appContainers = (pod.spec?.containers ?? []).map((c) => String(c.name))
  const ports = (pod.spec?.containers ?? []).flatMap((c) => (c.ports as Json[] | undefined) ?? [])
  const caAddr =
    revision === 'default' ? 'istiod.istio-system.svc:15012' : `istiod-${revision}.istio-system.svc:15012`
  const name = workloadName(pod)
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
      {name: 'CA_ADDR', value: caAddr},
      fieldEnv('POD_NAME', 'metadata.name'),
      fieldEnv('POD_NAMESPACE', 'metadata.namespace'),
      fieldEnv('INSTANCE_IP', 'status.podIP'),
      fieldEnv('SERVICE_ACCOUNT', 'spec.serviceAccountName'),
      fieldEnv('HOST_IP', 'status.hostIP'),
      {name: 'ISTIO_CPU_LIMIT', valueFrom: {resourceFieldRef: {resource: 'limits.cpu'}}},
      {name: 'PROXY_CONFIG', value: '{}\n'},
      {name: 'ISTIO_META_POD_PORTS', value: JSON.stringify(ports)},
      {name: 'ISTIO_META_APP_CONTAINERS', value: appContainers.join(',')},
      {name: 'ISTIO_META_CLUSTER_ID', value: 'Kubernetes'},
      fieldEnv('ISTIO_META_NODE_NAME', 'spec.nodeName'),
      {name: 'ISTIO_META_INTERCEPTION_MODE', value: 'REDIRECT'},
      {name: 'ISTIO_META_WORKLOAD_NAME', value: name},
      {name: 'ISTIO_META_OWNER', value: `kubernetes://apis/apps/v1/namespaces/${ns}/deployments/${name}`},
      {name: 'ISTIO_META_MESH_ID', value: 'cluster.local'},
      {name: 'TRUST_DOMAIN', value: 'cluster.local'},
    ],
    ports: [{containerPort: 15090, name: 'http-envoy-prom', protocol: 'TCP'}],
    readinessProbe: {
      failureThreshold: 4,
      httpGet: {path: '/healthz/ready', port: 15021},
      periodSeconds: 15,
      timeoutSeconds: 3,
    },
    ...(native
      ? {
          restartPolicy: 'Always',
          startupProbe: {
            failureThreshold: 600,
            httpGet: {path: '/healthz/ready', port: 15021},
            periodSeconds: 1,
            timeoutSeconds: 3,
          },
        }
      : {}),
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
    volumeMounts: [
      {mountPath: '/var/run/secrets/workload-spiffe-uds', name: 'workload-socket'},
      {mountPath: '/var/run/secrets/credential-uds', name: 'credential-socket'},
      {mountPath: '/var/run/secrets/workload-spiffe-credentials', name: 'workload-certs'},
      {mountPath: '/var/run/secrets/istio', name: 'istiod-ca-cert'},
      {mountPath: '/var/lib/istio/data', name: 'istio-data'},
      {mountPath: '/etc/istio/proxy', name: 'istio-envoy'},
      {mountPath: '/var/run/secrets/tokens', name: 'istio-token'},
      {mountPath: '/etc/istio/pod', name: 'istio-podinfo'},
    ],
  }
}

function initContainer(image: string): Json {
  return {
    name: 'istio-init',
    image,
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
      '--log_output_level=default:info',
    ],
    resources: {limits: {cpu: '2', memory: '1Gi'}, requests: {cpu: '100m', memory: '128Mi'}},
    securityContext: {
      allowPrivilegeEscalation: false,
      capabilities: {add: ['NET_ADMIN', 'NET_RAW'], drop: ['ALL']},
      privileged: false,
      readOnlyRootFilesystem: false,
      runAsGroup: 0,
      runAsNonRoot: false,
      runAsUser: 0,
    },
  }
}

const istioVolumes: Json[] = [
  {name: 'workload-socket', emptyDir: {}},
  {name: 'credential-socket', emptyDir: {}},
  {name: 'workload-certs', emptyDir: {}},
  {name: 'istio-envoy', emptyDir: {medium: 'Memory'}},
  {name: 'istio-data', emptyDir: {}},
  {
    name: 'istio-podinfo',
    downwardAPI: {
      items: [
        {path: 'labels', fieldRef: {fieldPath: 'metadata.labels'}},
        {path: 'annotations', fieldRef: {fieldPath: 'metadata.annotations'}},
      ],
    },
  },
  {
    name: 'istio-token',
    projected: {
      sources: [{serviceAccountToken: {audience: 'istio-ca', expirationSeconds: 43200, path: 'istio-token'}}],
    },
  },
  {name: 'istiod-ca-cert', configMap: {name: 'istio-ca-root-cert'}},
]

// istio: pkg/kube/inject/testdata/inject/*.injected — the shape of a sidecar-injected pod.
function injectedPod(pod: Pod, options: InjectSettings): Pod {
  const result = structuredClone(pod)
  const native = options.mode === 'native'
  const meta = (result.metadata ??= {})
  const spec = (result.spec ??= {})
  const labels = meta.labels ?? {}
  const firstApp = String(spec.containers?.[0]?.name ?? '')
  const proxy = proxyContainer(pod, options.proxyImage, options.revision, native)
  spec.initContainers = native
    ? [initContainer(options.proxyImage), proxy, ...(spec.initContainers ?? [])]
    : [initContainer(options.proxyImage), ...(spec.initContainers ?? [])]
  if (!native) spec.containers = [...(spec.containers ?? []), proxy]
  spec.volumes = [...(spec.volumes ?? []), ...istioVolumes]
  meta.labels = {
    ...labels,
    'security.istio.io/tlsMode': 'istio',
    'service.istio.io/canonical-name':
      labels['service.istio.io/canonical-name'] ??
      labels['app.kubernetes.io/name'] ??
      labels.app ??
      workloadName(pod),
    'service.istio.io/canonical-revision':
      labels['service.istio.io/canonical-revision'] ??
      labels['app.kubernetes.io/version'] ??
      labels.version ??
      'latest',
  }
  const status = {
    initContainers: native ? ['istio-init', 'istio-proxy'] : ['istio-init'],
    containers: native ? null : ['istio-proxy'],
    volumes: istioVolumes.map((v) => v.name),
    imagePullSecrets: null,
    revision: options.revision,
  }
  meta.annotations = {
    ...meta.annotations,
    'istio.io/rev': options.revision,
    'kubectl.kubernetes.io/default-container':
      meta.annotations?.['kubectl.kubernetes.io/default-container'] ?? firstApp,
    'kubectl.kubernetes.io/default-logs-container':
      meta.annotations?.['kubectl.kubernetes.io/default-logs-container'] ?? firstApp,
    'prometheus.io/path': '/stats/prometheus',
    'prometheus.io/port': '15020',
    'prometheus.io/scrape': 'true',
    'sidecar.istio.io/status': JSON.stringify(status),
  }
  return result
}

// istio: pkg/kube/inject/webhook.go inject() → AdmissionResponse with a base64 JSONPatch.
function review(pod: Pod, uid: string, options: InjectSettings): Json {
  const decision = injectionDecision(pod)
  if (!decision.inject) return {uid, allowed: true}
  const templates = (pod.metadata?.annotations?.['inject.istio.io/templates'] ?? 'sidecar')
    .split(',')
    .map((t) => t.trim())
  const unknown = templates.find((t) => !knownTemplates.includes(t))
  if (unknown !== undefined)
    return {
      uid,
      allowed: false,
      status: {
        message: `requested template "${unknown}" not found; have [${[...knownTemplates].sort().join(' ')}]`,
      },
    }
  const ops = diffJsonPatch(pod, injectedPod(pod, options))
  return {
    uid,
    allowed: true,
    patch: Buffer.from(JSON.stringify(ops)).toString('base64'),
    patchType: 'JSONPatch',
  }
}

// A pod a previous Istio webhook already injected: istiod strips what its status annotation lists, then injects.
function stripInjected(pod: Pod): Pod {
  const status = pod.metadata?.annotations?.['sidecar.istio.io/status']
  if (!status) return pod
  const listed = JSON.parse(status) as {initContainers?: string[]; containers?: string[]; volumes?: string[]}
  const stripped = structuredClone(pod)
  const spec = (stripped.spec ??= {})
  const keep = (names: string[] | undefined) => (item: Json) => !(names ?? []).includes(String(item.name))
  spec.initContainers = (spec.initContainers ?? []).filter(keep(listed.initContainers))
  spec.containers = (spec.containers ?? []).filter(keep(listed.containers))
  spec.volumes = (spec.volumes ?? []).filter(keep(listed.volumes))
  if (spec.initContainers.length === 0) delete spec.initContainers
  return stripped
}

function routedReview(request: Json, route: InjectorRoute, mode: 'native' | 'classic'): [Json, string] {
  const uid = String(request.uid)
  if (route.kind === 'allow') return [{uid, allowed: true}, 'allow']
  const pod = request.object as Pod
  const decision = istiodDecision(pod, String(request.namespace ?? ''), route.config)
  if (!decision.inject) return [{uid, allowed: true}, `skip: ${decision.why}`]
  const settings = {mode, revision: route.config.revision, proxyImage: route.proxyImage}
  const withNamespace = {...pod, metadata: {...pod.metadata, namespace: String(request.namespace)}}
  const injected = injectedPod(stripInjected(withNamespace), settings)
  if (!pod.metadata?.namespace) delete injected.metadata!.namespace
  const patch = Buffer.from(JSON.stringify(diffJsonPatch(pod, injected))).toString('base64')
  return [{uid, allowed: true, patch, patchType: 'JSONPatch'}, `inject: ${decision.why}`]
}

export async function startWebhookServer(options: WebhookServerOptions = {}): Promise<WebhookServer> {
  const tls = options.tls
    ? {webhookCertPem: options.tls.certPem, webhookKeyPem: options.tls.keyPem, caPem: options.tls.caPem}
    : loadTlsMaterial()
  const settings = {
    mode: options.mode ?? 'native',
    revision: options.revision ?? 'default',
    proxyImage: options.proxyImage ?? 'docker.io/istio/proxyv2:1.27.0',
  }
  const calls: WebhookCall[] = []
  const server = https.createServer({cert: tls.webhookCertPem, key: tls.webhookKeyPem}, (req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      void (async () => {
        const path = new URL(req.url ?? '/', 'https://127.0.0.1').pathname
        let body: Json | undefined
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Json
        } catch {
          body = undefined
        }
        const request = body?.request as Json | undefined
        const call: WebhookCall = {path, request, response: undefined, status: 0}
        calls.push(call)
        if (options.failWith?.delayMs) await new Promise((r) => setTimeout(r, options.failWith!.delayMs))
        const send = (status: number, payload: string): void => {
          call.status = status
          if (res.destroyed) return
          res.writeHead(status, {'content-type': 'application/json'})
          res.end(payload)
        }
        if (req.method !== 'POST' || !path.startsWith('/inject')) return send(404, '404 page not found\n')
        if (options.failWith?.status)
          return send(options.failWith.status, `injected failure ${options.failWith.status}\n`)
        if (!request || typeof request.uid !== 'string')
          return send(400, 'could not decode AdmissionReview\n')
        const route = options.route?.(path)
        if (options.route && !route) return send(404, '404 page not found\n')
        if (route) [call.response, call.decision] = routedReview(request, route, settings.mode)
        const response: Json =
          call.response ??
          (options.failWith?.deny
            ? {uid: request.uid, allowed: false, status: {message: options.failWith.deny}}
            : review(request.object as Pod, request.uid, settings))
        call.response = response
        send(
          200,
          JSON.stringify({
            apiVersion: body?.apiVersion ?? 'admission.k8s.io/v1',
            kind: 'AdmissionReview',
            response,
          }),
        )
      })()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    caBundle: Buffer.from(tls.caPem).toString('base64'),
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
