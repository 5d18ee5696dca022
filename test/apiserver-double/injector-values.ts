// The proxy image a revision's injector writes, read from its injector ConfigMap values as istiod's template builds it.
// istio: manifests/charts/istio-control/istio-discovery/files/injection-template.yaml (a proxy.image with "/" is used as is).

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kubernetes objects of any shape
type Json = Record<string, any>

/** `<hub>/<proxy.image>:<tag>` from `istio-sidecar-injector[-REV]` in istio-system, or undefined without one. */
export function injectorProxyImage(objects: readonly object[], revision: string): string | undefined {
  const name = revision === 'default' ? 'istio-sidecar-injector' : `istio-sidecar-injector-${revision}`
  const configMap = (objects as Json[]).find(
    (o) =>
      o.kind === 'ConfigMap' &&
      o.metadata?.name === name &&
      (o.metadata?.namespace ?? 'istio-system') === 'istio-system',
  )
  const values: unknown = configMap?.data?.values
  if (typeof values !== 'string') return undefined
  const global = ((JSON.parse(values) as Json).global ?? {}) as Json
  const image = String(global.proxy?.image ?? 'proxyv2')
  if (image.includes('/')) return image
  return typeof global.hub === 'string' && global.tag !== undefined
    ? `${global.hub}/${image}:${String(global.tag)}`
    : undefined
}
