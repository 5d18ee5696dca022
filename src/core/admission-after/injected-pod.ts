// What the sidecar injector will add to a pod: a model of the injected containers' securityContext and resources,
// not the template engine. istio: manifests/charts/istio-control/istio-discovery/files/injection-template.yaml
// (istio-init/istio-validation and istio-proxy securityContext, the "resources" define), pkg/kube/inject/inject.go
// (container order), pkg/kube/inject/webhook.go (native sidecars).
import type {EmissionValues} from '../istio/injector-config.js'
import type {IstioVersion} from '../istio/istio-version.js'
import {isAtLeast} from '../istio/istio-version.js'
import type {
  ContainerFacts,
  Labels,
  NodeFacts,
  PodFacts,
  ResourceFacts,
  SecurityContextFacts,
} from '../snapshot.js'

/** The pod as the API server's validating plugins see it after injection. */
export interface InjectedPod {
  readonly pod: PodFacts
  /** Names of the containers injection added (init and regular). */
  readonly added: readonly string[]
  /** How the injected containers were decided, one fact per line, for the trail. */
  readonly facts: readonly string[]
  /** True when istio-init (iptables in the pod, NET_ADMIN/NET_RAW) is emitted; false with Istio CNI. */
  readonly istioInit: boolean
  readonly native: boolean
}

export interface EmissionInput {
  readonly values: EmissionValues
  /** The injecting revision's Istio version, when known (CNI key and native-sidecar default depend on it). */
  readonly version?: IstioVersion | undefined
  readonly nodes: readonly NodeFacts[]
}

const resourceAnnotations = {
  requestsCpu: 'sidecar.istio.io/proxyCPU',
  requestsMemory: 'sidecar.istio.io/proxyMemory',
  limitsCpu: 'sidecar.istio.io/proxyCPULimit',
  limitsMemory: 'sidecar.istio.io/proxyMemoryLimit',
} as const

/** CNI on or off as the injector reads it: `pilot.cni.enabled` from 1.24, `istio_cni.enabled` before 1.22, either between. */
export const cniEnabled = (
  values: EmissionValues,
  version: IstioVersion | undefined,
): {on: boolean; key: string} => {
  if (version !== undefined && isAtLeast(version, 1, 24))
    return {on: values.pilotCni === true, key: 'pilot.cni.enabled'}
  if (version !== undefined && !isAtLeast(version, 1, 22))
    return {on: values.legacyCni === true, key: 'istio_cni.enabled'}
  if (values.pilotCni === true) return {on: true, key: 'pilot.cni.enabled'}
  return {
    on: values.legacyCni === true,
    key: values.legacyCni === undefined ? 'pilot.cni.enabled' : 'istio_cni.enabled',
  }
}

/** The template's "resources" define: any of the four annotations drops the global defaults entirely. */
export const proxyResources = (
  annotations: Labels,
  values: EmissionValues,
): {resources: ResourceFacts; from: string} => {
  const set = Object.values(resourceAnnotations).filter((k) => annotations[k] !== undefined)
  if (set.length === 0) return {resources: values.proxyResources ?? {}, from: 'global.proxy.resources'}
  const pick = (cpu: string, memory: string): Labels | undefined => {
    const out: Record<string, string> = {}
    if (annotations[cpu] !== undefined) out.cpu = annotations[cpu]
    if (annotations[memory] !== undefined) out.memory = annotations[memory]
    return Object.keys(out).length > 0 ? out : undefined
  }
  const requests = pick(resourceAnnotations.requestsCpu, resourceAnnotations.requestsMemory)
  const limits = pick(resourceAnnotations.limitsCpu, resourceAnnotations.limitsMemory)
  return {
    resources: {...(requests ? {requests} : {}), ...(limits ? {limits} : {})},
    from: `annotations ${set.join(', ')} (setting any drops global.proxy.resources)`,
  }
}

const kubeletAtLeast = (node: NodeFacts, minor: number): boolean | undefined => {
  const m = /^v?(\d+)\.(\d+)/.exec(node.kubeletVersion ?? '')
  return m === null ? undefined : Number(m[1]) > 1 || Number(m[2]) >= minor
}

/** Native sidecar: the pod annotation, else ENABLE_NATIVE_SIDECARS=auto from 1.28 (every node's kubelet ≥ 1.33). */
export const nativeSidecar = (annotations: Labels, input: EmissionInput): {native: boolean; why: string} => {
  const annotation = annotations['sidecar.istio.io/nativeSidecar']
  if (annotation !== undefined)
    return {native: annotation === 'true', why: `annotation sidecar.istio.io/nativeSidecar=${annotation}`}
  if (input.version === undefined || !isAtLeast(input.version, 1, 28))
    return {
      native: false,
      why: 'ENABLE_NATIVE_SIDECARS defaults to false before Istio 1.28 (istiod env not read)',
    }
  const all = input.nodes.map((n) => kubeletAtLeast(n, 33))
  const native = all.length > 0 && all.every((v) => v === true)
  return {
    native,
    why: `ENABLE_NATIVE_SIDECARS=auto (istiod env not read): ${native ? 'every' : 'not every'} node's kubelet is 1.33 or newer`,
  }
}

const initSecurity = (cni: boolean, v: EmissionValues): SecurityContextFacts => ({
  allowPrivilegeEscalation: v.privileged === true,
  privileged: v.privileged === true,
  capabilities: cni ? {drop: ['ALL']} : {add: ['NET_ADMIN', 'NET_RAW'], drop: ['ALL']},
  readOnlyRootFilesystem: cni,
  runAsGroup: cni ? 1337 : 0,
  runAsNonRoot: cni,
  runAsUser: cni ? 1337 : 0,
  ...(v.seccompProfileType === undefined ? {} : {seccompProfileType: v.seccompProfileType}),
})

const proxySecurity = (tproxy: boolean, bind: boolean, v: EmissionValues): SecurityContextFacts => {
  const add = [...(tproxy ? ['NET_ADMIN'] : []), ...(bind ? ['NET_BIND_SERVICE'] : [])]
  const root = tproxy || bind
  return {
    allowPrivilegeEscalation: v.privileged === true,
    capabilities: add.length > 0 ? {add, drop: ['ALL']} : {drop: ['ALL']},
    privileged: v.privileged === true,
    readOnlyRootFilesystem: v.enableCoreDump !== true,
    runAsGroup: 1337,
    runAsNonRoot: !root,
    runAsUser: root ? 0 : 1337,
    ...(v.seccompProfileType === undefined ? {} : {seccompProfileType: v.seccompProfileType}),
  }
}

const withoutProxy = (list: readonly ContainerFacts[]): ContainerFacts[] =>
  list.filter((c) => !['istio-proxy', 'istio-init', 'istio-validation'].includes(c.name))

/** The pod after injection: init container first, proxy last (first with holdApplicationUntilProxyStarts), or native. */
export const injectPod = (pod: PodFacts, input: EmissionInput): InjectedPod => {
  const v = input.values
  const mode = pod.annotations['sidecar.istio.io/interceptionMode'] ?? 'REDIRECT'
  const cni = cniEnabled(v, input.version)
  const bindAnnotation = pod.annotations['sidecar.istio.io/capNetBindService']
  const bind = (bindAnnotation ?? String(v.capNetBindService === true)) === 'true'
  const tproxy = mode === 'TPROXY'
  const res = proxyResources(pod.annotations, v)
  const native = nativeSidecar(pod.annotations, input)
  const initName = cni.on ? 'istio-validation' : 'istio-init'
  const init: ContainerFacts[] =
    mode === 'NONE'
      ? []
      : [{name: initName, securityContext: initSecurity(cni.on, v), resources: res.resources}]
  const proxy: ContainerFacts = {
    name: 'istio-proxy',
    securityContext: proxySecurity(tproxy, bind, v),
    resources: res.resources,
    ...(native.native ? {restartPolicy: 'Always'} : {}),
  }
  const appInit = withoutProxy(pod.initContainers)
  const app = withoutProxy(pod.containers)
  const hold = v.holdApplicationUntilProxyStarts === true && !native.native
  const injected: PodFacts = {
    ...pod,
    initContainers: native.native ? [...init, proxy, ...appInit] : [...init, ...appInit],
    containers: native.native ? app : hold ? [proxy, ...app] : [...app, proxy],
  }
  const facts = [
    `${cni.key}=${String(cni.on)}: ${initName}${cni.on ? ' (no added capabilities, uid 1337)' : ' adds NET_ADMIN, NET_RAW and runs as uid 0'}`,
    `interceptionMode ${mode}${tproxy ? ': istio-proxy adds NET_ADMIN and runs as uid 0' : ''}`,
    ...(bind ? ['capNetBindService: istio-proxy adds NET_BIND_SERVICE and runs as uid 0'] : []),
    ...(v.privileged === true ? ['global.proxy.privileged=true: injected containers are privileged'] : []),
    `seccompProfile ${v.seccompProfileType ?? 'not set (global.proxy.seccompProfile)'}`,
    `resources from ${res.from}`,
    `${native.native ? 'native sidecar' : 'classic sidecar'}: ${native.why}`,
  ]
  return {
    pod: injected,
    added: [...init.map((c) => c.name), 'istio-proxy'],
    facts,
    istioInit: init.length > 0 && !cni.on,
    native: native.native,
  }
}
