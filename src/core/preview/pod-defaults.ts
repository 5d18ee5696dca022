// The API server's defaulting of a Pod, applied the same way to both sides of a comparison so that defaulting never
// reads as an admission change (a Deployment's template is defaulted as a PodTemplate, its pods as Pods).
// kubernetes: pkg/apis/core/v1/defaults.go (SetDefaults_Pod, SetDefaults_PodSpec, SetDefaults_Container, probes, volumes).

type Json = Record<string, unknown>

const isObject = (value: unknown): value is Json =>
  value !== null && typeof value === 'object' && !Array.isArray(value)
const list = (value: unknown): Json[] => (Array.isArray(value) ? value.filter(isObject) : [])

// kubernetes: pkg/apis/core/v1/defaults.go SetDefaults_Container (Always for :latest or no tag, else IfNotPresent).
const defaultPullPolicy = (image: string): string => {
  const last = image.slice(image.lastIndexOf('/') + 1)
  if (last.includes('@')) return 'IfNotPresent'
  const colon = last.indexOf(':')
  return colon < 0 || last.slice(colon + 1) === 'latest' ? 'Always' : 'IfNotPresent'
}

const defaultFieldRef = (holder: Json | undefined): void => {
  const fieldRef = holder?.fieldRef
  if (isObject(fieldRef)) fieldRef.apiVersion ??= 'v1'
}

const defaultHandler = (handler: unknown): void => {
  if (!isObject(handler)) return
  const httpGet = handler.httpGet
  if (isObject(httpGet)) {
    httpGet.path ??= '/'
    httpGet.scheme ??= 'HTTP'
  }
}

const defaultProbe = (probe: unknown): void => {
  if (!isObject(probe)) return
  probe.timeoutSeconds ??= 1
  probe.periodSeconds ??= 10
  probe.successThreshold ??= 1
  probe.failureThreshold ??= 3
  defaultHandler(probe)
}

const defaultContainer = (container: Json, hostNetwork: boolean, pod: boolean): void => {
  container.terminationMessagePath ??= '/dev/termination-log'
  container.terminationMessagePolicy ??= 'File'
  if (typeof container.image === 'string') container.imagePullPolicy ??= defaultPullPolicy(container.image)
  for (const port of list(container.ports)) {
    port.protocol ??= 'TCP'
    if (pod && hostNetwork && (port.hostPort === undefined || port.hostPort === 0))
      port.hostPort = port.containerPort
  }
  for (const env of list(container.env)) defaultFieldRef(isObject(env.valueFrom) ? env.valueFrom : undefined)
  for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) defaultProbe(container[probe])
  if (isObject(container.lifecycle)) {
    defaultHandler(container.lifecycle.postStart)
    defaultHandler(container.lifecycle.preStop)
  }
  // SetDefaults_Pod (pods only, not templates): requests default to limits.
  if (pod && isObject(container.resources) && isObject(container.resources.limits)) {
    const requests = isObject(container.resources.requests) ? container.resources.requests : {}
    for (const [key, value] of Object.entries(container.resources.limits)) requests[key] ??= value
    container.resources.requests = requests
  }
}

const defaultVolume = (volume: Json): void => {
  for (const kind of ['configMap', 'secret', 'projected', 'downwardAPI']) {
    const source = volume[kind]
    if (isObject(source)) source.defaultMode ??= 420
  }
  if (isObject(volume.downwardAPI)) for (const item of list(volume.downwardAPI.items)) defaultFieldRef(item)
  if (isObject(volume.projected)) {
    for (const source of list(volume.projected.sources)) {
      if (isObject(source.downwardAPI))
        for (const item of list(source.downwardAPI.items)) defaultFieldRef(item)
      if (isObject(source.serviceAccountToken)) source.serviceAccountToken.expirationSeconds ??= 3600
    }
  }
  if (isObject(volume.hostPath)) volume.hostPath.type ??= ''
}

/**
 * A copy of `spec` with the API server's defaults filled in. `pod` adds the Pod-only defaults (enableServiceLinks,
 * requests from limits, host ports under hostNetwork) that a pod template never gets.
 */
export const withApiDefaults = (spec: Json, pod = true): Json => {
  const out: Json = structuredClone(spec)
  out.dnsPolicy ??= 'ClusterFirst'
  out.restartPolicy ??= 'Always'
  out.securityContext ??= {}
  out.terminationGracePeriodSeconds ??= 30
  out.schedulerName ??= 'default-scheduler'
  if (pod) out.enableServiceLinks ??= true
  const hostNetwork = out.hostNetwork === true
  for (const field of ['initContainers', 'containers', 'ephemeralContainers'])
    for (const container of list(out[field])) defaultContainer(container, hostNetwork, pod)
  for (const volume of list(out.volumes)) defaultVolume(volume)
  return out
}
