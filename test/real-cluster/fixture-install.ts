// A fixture's Istio install (test/fixtures/istio/*.yaml) made real: MWCs, injector ConfigMaps, Services and
// EndpointSlices as the fixture has them, except that every webhook reaches the one local injector at a path of its
// own (/inject/<configuration>/<webhook>) through an ExternalName Service, so its call log says which webhooks the
// real API server called. The injector answers each path as the revision's istiod would (its ConfigMap decides).
import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'
import {parseAllDocuments} from 'yaml'
import {istiodConfigFromConfigMap} from '../apiserver-double/istiod-decision.js'
import {injectorProxyImage} from '../apiserver-double/injector-values.js'
import type {InjectorRoute} from '../apiserver-double/webhook-server.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kubernetes objects of any shape
type Json = Record<string, any>

export const fixtureObjects = (name: string): Json[] => {
  const path = fileURLToPath(new URL(`../fixtures/istio/${name}.yaml`, import.meta.url))
  return parseAllDocuments(readFileSync(path, 'utf8'))
    .map((doc) => doc.toJS() as Json | null)
    .filter((o): o is Json => o !== null && typeof o === 'object')
}

export const webhookPath = (configuration: string, webhook: string): string =>
  `/inject/${configuration}/${webhook}`

export interface ServiceRef {
  namespace: string
  name: string
}

export interface RealInstall {
  /** Objects to create, in order (namespaces first). */
  objects: Json[]
  routes: Map<string, InjectorRoute>
  /** Every `<service>.<namespace>.svc` the webhooks name (the injector's certificate must cover them). */
  dnsNames: string[]
  /** Revisions and tags the webhooks select on (istio.io/rev values), never-match values left out. */
  revisions: string[]
  /** Labels the fixture gives kube-system (AKS), applied to the existing namespace. */
  kubeSystemLabels: Record<string, string>
}

const bare = (o: Json): Json => {
  const {name, namespace, labels, annotations, generateName} = (o.metadata ?? {}) as Json
  const metadata: Json = {name: name ?? `${String(generateName)}fixture`}
  if (namespace) metadata.namespace = namespace
  if (labels) metadata.labels = labels
  if (annotations) metadata.annotations = annotations
  const {status: _status, metadata: _metadata, ...rest} = o
  return {...rest, metadata}
}

const isIstioConfiguration = (mwc: Json): boolean =>
  mwc.metadata?.labels?.['istio.io/rev'] !== undefined ||
  (mwc.webhooks ?? []).some((w: Json) => String(w.name).endsWith('sidecar-injector.istio.io'))

const injectorConfigMapName = (revision: string): string =>
  revision === 'default' ? 'istio-sidecar-injector' : `istio-sidecar-injector-${revision}`

// No kube-proxy: the API server dials `<externalName>:<clientConfig.service.port>`; targetPort stays istiod's 15017
// so the tool reads the Service as the chart renders it.
function externalNameService(service: Json, port: number, webhookPorts: number[]): Json {
  const ports = ((service.spec?.ports ?? []) as Json[]).map((p) =>
    webhookPorts.includes(Number(p.port)) ? {...p, port, targetPort: 15017} : p,
  )
  const spec: Json = {type: 'ExternalName', externalName: 'localhost', ports}
  if (service.spec?.selector) spec.selector = service.spec.selector
  return {...bare(service), spec}
}

function routeFor(mwc: Json, objects: Json[]): InjectorRoute {
  if (!isIstioConfiguration(mwc)) return {kind: 'allow'}
  const revision = String(mwc.metadata?.labels?.['istio.io/rev'] ?? 'default')
  const configMap = objects.find(
    (o) => o.kind === 'ConfigMap' && o.metadata?.name === injectorConfigMapName(revision),
  )
  if (!configMap) throw new Error(`fixture has no injector ConfigMap for revision ${revision}`)
  return {
    kind: 'istiod',
    config: istiodConfigFromConfigMap(configMap, revision),
    proxyImage: injectorProxyImage(objects, revision) ?? 'docker.io/istio/proxyv2:1.28.1',
  }
}

const revisionValues = (webhook: Json): string[] =>
  [webhook.namespaceSelector, webhook.objectSelector].flatMap((selector: Json | undefined) =>
    ((selector?.matchExpressions ?? []) as Json[])
      .filter((e) => e.key === 'istio.io/rev' && e.operator === 'In')
      .flatMap((e) => e.values as string[]),
  )

/** The fixture's objects adapted to the real cluster and the local injector at `port` with `caBundle`. */
export function realInstall(objects: Json[], port: number, caBundle: string): RealInstall {
  const routes = new Map<string, InjectorRoute>()
  const refs = new Map<string, ServiceRef & {port: number}>()
  const revisions = new Set<string>()
  const mwcs = objects
    .filter((o) => o.kind === 'MutatingWebhookConfiguration')
    .map((mwc) => {
      const route = routeFor(mwc, objects)
      const webhooks = (mwc.webhooks as Json[]).map((w) => {
        const path = webhookPath(mwc.metadata.name, w.name)
        routes.set(path, route)
        for (const r of revisionValues(w)) if (r !== 'never-match') revisions.add(r)
        const service = w.clientConfig?.service as Json | undefined
        if (!service) return {...w, clientConfig: {url: `https://localhost:${port}${path}`, caBundle}}
        refs.set(`${service.namespace}/${service.name}`, {
          ...(service as ServiceRef),
          port: service.port ?? 443,
        })
        return {...w, clientConfig: {service: {...service, port, path}, caBundle}}
      })
      return {...bare(mwc), webhooks}
    })
  const services = objects.filter((o) => o.kind === 'Service')
  const serviceObjects = services.map((s) => {
    const ports = [...refs.values()]
      .filter((r) => r.namespace === s.metadata.namespace && r.name === s.metadata.name)
      .map((r) => r.port)
    return externalNameService(s, port, ports)
  })
  // Services the fixture's webhooks name but it does not hold (foreign webhooks): what their charts would create.
  for (const ref of refs.values())
    if (!services.some((s) => s.metadata.namespace === ref.namespace && s.metadata.name === ref.name))
      serviceObjects.push(
        externalNameService(
          {
            apiVersion: 'v1',
            kind: 'Service',
            metadata: {name: ref.name, namespace: ref.namespace},
            spec: {ports: [{name: 'https', port: ref.port}]},
          },
          port,
          [ref.port],
        ),
      )
  const namespaces = [...new Set(serviceObjects.map((s) => String(s.metadata.namespace)))].map((name) => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {name},
  }))
  const kubeSystem = objects.find((o) => o.kind === 'Namespace' && o.metadata?.name === 'kube-system')
  return {
    objects: [
      ...namespaces,
      ...objects.filter((o) => o.kind === 'ConfigMap').map(bare),
      ...serviceObjects,
      ...objects.filter((o) => o.kind === 'EndpointSlice').map(bare),
      ...mwcs,
    ],
    routes,
    dnsNames: [...new Set([...refs.values()].map((r) => `${r.name}.${r.namespace}.svc`))],
    revisions: [...revisions],
    kubeSystemLabels: (kubeSystem?.metadata?.labels ?? {}) as Record<string, string>,
  }
}
