// Which istiod objects the Istio webhook configurations point at: service namespaces, Services, injector ConfigMaps.
// Shared by the live source (what to read) and the file source (what partial input lacks).
import type {MutatingWebhook, MutatingWebhookConfiguration} from '../core/snapshot.js'

const isIstioWebhook = (config: MutatingWebhookConfiguration, hook: MutatingWebhook): boolean =>
  hook.name.endsWith('sidecar-injector.istio.io') ||
  (hook.clientConfig.service?.name ?? '').startsWith('istiod') ||
  config.metadata.labels?.['istio.io/rev'] !== undefined

/** Namespaces of the istiod services Istio webhooks call; `istio-system` when none is known. */
export function istiodNamespaces(configs: readonly MutatingWebhookConfiguration[]): string[] {
  const found = new Set<string>()
  for (const config of configs) {
    for (const hook of config.webhooks ?? []) {
      const namespace = hook.clientConfig.service?.namespace
      if (namespace !== undefined && isIstioWebhook(config, hook)) found.add(namespace)
    }
  }
  return found.size === 0 ? ['istio-system'] : [...found].sort()
}

/** Names of the Services Istio webhooks call in `namespace`, sorted. */
export function istiodServices(
  configs: readonly MutatingWebhookConfiguration[],
  namespace: string,
): string[] {
  const found = new Set<string>()
  for (const config of configs) {
    for (const hook of config.webhooks ?? []) {
      const service = hook.clientConfig.service
      if (service?.namespace === namespace && isIstioWebhook(config, hook)) found.add(service.name)
    }
  }
  return [...found].sort()
}

/** The injector ConfigMaps Istio webhook configurations imply: `istio-sidecar-injector[-<rev>]` in the service namespace. */
// istio: manifests/charts/istio-control/istio-discovery/templates/configmap.yaml (name istio-sidecar-injector{{- if not (eq .Values.revision "") }}-{{ .Values.revision }}{{- end }}).
export function expectedInjectorConfigMaps(
  configs: readonly MutatingWebhookConfiguration[],
): {namespace: string; name: string; configuration: string}[] {
  const out = new Map<string, {namespace: string; name: string; configuration: string}>()
  for (const config of configs) {
    const revision = config.metadata.labels?.['istio.io/rev']
    for (const hook of config.webhooks ?? []) {
      const namespace = hook.clientConfig.service?.namespace
      if (namespace === undefined || !isIstioWebhook(config, hook)) continue
      const name =
        revision === undefined || revision === '' || revision === 'default'
          ? 'istio-sidecar-injector'
          : `istio-sidecar-injector-${revision}`
      const key = `${namespace}/${name}`
      if (!out.has(key)) out.set(key, {namespace, name, configuration: config.metadata.name})
    }
  }
  return [...out.values()]
}
