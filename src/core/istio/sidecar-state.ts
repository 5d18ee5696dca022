// Whether a running pod carries an Istio sidecar, in which layout, from which revision.
// istio: pkg/kube/inject/webhook.go getInjectionStatus; istioctl/pkg/describe/describe.go GetRevisionFromPodAnnotation
import type {ContainerFacts, PodFacts} from '../snapshot.js'

export const proxyContainerName = 'istio-proxy'
export const statusAnnotation = 'sidecar.istio.io/status'

export interface SidecarState {
  readonly hasSidecar: boolean
  /** The proxy is an init container with `restartPolicy: Always` (Kubernetes native sidecar). */
  readonly native: boolean
  /** Annotation `istio.io/rev`, else `revision` of `sidecar.istio.io/status`. */
  readonly revision: string | null
  readonly image: string | null
  readonly evidence: string
}

interface InjectionStatus {
  readonly revision: string
}

const isJson = (text: string): boolean => {
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}

const listFields = new Set(['initcontainers', 'containers', 'volumes', 'imagepullsecrets'])

// Go json.Unmarshal into SidecarInjectionStatus: keys match case-insensitively, the last one wins, a null is a no-op,
// and any mistyped field is an error (GetRevisionFromPodAnnotation then reports no revision).
// istio: pkg/kube/inject/inject.go SidecarInjectionStatus; istioctl/pkg/describe/describe.go GetRevisionFromPodAnnotation
const parseStatus = (text: string): InjectionStatus | undefined => {
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch {
    return undefined
  }
  if (v === null) return {revision: ''}
  if (typeof v !== 'object' || Array.isArray(v)) return undefined
  let revision = ''
  for (const [key, value] of Object.entries(v)) {
    const field = key.toLowerCase()
    if (value === null) continue
    if (field === 'revision') {
      if (typeof value !== 'string') return undefined
      revision = value
    } else if (listFields.has(field)) {
      if (!Array.isArray(value) || value.some((item) => item !== null && typeof item !== 'string'))
        return undefined
    }
  }
  return {revision}
}

export const observeSidecar = (
  pod: Pick<PodFacts, 'containers' | 'initContainers' | 'annotations'>,
): SidecarState => {
  const statusText = pod.annotations[statusAnnotation]
  const status = statusText === undefined ? undefined : parseStatus(statusText)
  const statusRevision = status !== undefined && status.revision !== '' ? status.revision : null
  // An empty istio.io/rev names no revision: fall back to the status annotation.
  const annotation = pod.annotations['istio.io/rev']
  const annotated = annotation === '' ? undefined : annotation
  const revision = annotated !== undefined ? annotated : statusRevision

  const nativeProxy = pod.initContainers.find(
    (c) => c.name === proxyContainerName && c.restartPolicy === 'Always',
  )
  const initProxy: ContainerFacts | undefined = pod.initContainers.find((c) => c.name === proxyContainerName)
  const container = pod.containers.find((c) => c.name === proxyContainerName)
  const revisionNote =
    revision === null
      ? ''
      : annotated !== undefined
        ? `; revision ${revision} from annotation istio.io/rev`
        : `; revision ${revision} from ${statusAnnotation}`

  if (nativeProxy) {
    return {
      hasSidecar: true,
      native: true,
      revision,
      image: nativeProxy.image ?? null,
      evidence: `init container istio-proxy with restartPolicy: Always (native sidecar)${revisionNote}`,
    }
  }
  // A user-written `image: auto` container is the gateway placeholder the injector fills in, not a proxy.
  if (container && container.image === 'auto' && statusText === undefined) {
    return {
      hasSidecar: false,
      native: false,
      revision: annotated ?? null,
      image: null,
      evidence:
        'container istio-proxy has image "auto": a gateway placeholder that injection never filled in',
    }
  }
  if (container) {
    return {
      hasSidecar: true,
      native: false,
      revision,
      image: container.image ?? null,
      evidence: `container istio-proxy${revisionNote}`,
    }
  }
  if (initProxy) {
    return {
      hasSidecar: true,
      native: false,
      revision,
      image: initProxy.image ?? null,
      evidence: `init container istio-proxy without restartPolicy: Always (it must exit before the app starts)${revisionNote}`,
    }
  }
  if (statusText !== undefined) {
    return {
      hasSidecar: true,
      native: false,
      revision,
      image: null,
      evidence: `annotation ${statusAnnotation} present${status ? '' : isJson(statusText) ? ' (not a valid injection status)' : ' (not valid JSON)'} but no istio-proxy container${revisionNote}`,
    }
  }
  return {
    hasSidecar: false,
    native: false,
    revision: null,
    image: null,
    evidence: 'no istio-proxy container and no sidecar.istio.io/status annotation',
  }
}
