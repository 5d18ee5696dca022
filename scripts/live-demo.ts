// `npm run demo:live`: serves examples/demo-cluster from the test API-server double over HTTPS, with an
// Istio-like injector behind every istiod Service, so inject-check and inject-diff can be tried live.
// Runs until Ctrl-C (or for DEMO_SECONDS seconds). Loopback only; the tool under test never writes.
import {readdirSync} from 'node:fs'
import {fileURLToPath} from 'node:url'
import {
  injectorProxyImage,
  loadYamlObjects,
  startApiServer,
  startWebhookServer,
} from '../test/apiserver-double/index.js'
import type {WebhookServer} from '../test/apiserver-double/index.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kubernetes objects of any shape
type Json = Record<string, any>

const demoDir = fileURLToPath(new URL('../examples/demo-cluster/', import.meta.url))
const objects = readdirSync(demoDir)
  .filter((name) => name.endsWith('.yaml'))
  .flatMap((name) => loadYamlObjects(`${demoDir}${name}`)) as Json[]

const configurations = objects.filter((o) => o.kind === 'MutatingWebhookConfiguration')

// One injector per istiod Service the webhooks call; the double answers for Services without ready endpoints
// (from the stored EndpointSlices) as the API server does: `no endpoints available for service`.
const injectors = new Map<string, WebhookServer>()
const services: Record<string, string> = {}
for (const configuration of configurations) {
  for (const webhook of configuration.webhooks ?? []) {
    const service = webhook.clientConfig?.service
    if (service === undefined) continue
    const key = `${service.namespace}/${service.name}`
    if (!injectors.has(key)) {
      const revision = configuration.metadata.labels?.['istio.io/rev'] ?? 'default'
      // The image the revision's injector ConfigMap names (global.hub, global.proxy.image, global.tag).
      const proxyImage = injectorProxyImage(objects, revision)
      const server = await startWebhookServer({
        mode: 'native',
        revision,
        ...(proxyImage === undefined ? {} : {proxyImage}),
      })
      injectors.set(key, server)
      services[`${key}:${service.port ?? 443}`] = server.url
      services[`${key}:https-webhook`] = server.url
    }
    webhook.clientConfig.caBundle = injectors.get(key)?.caBundle
  }
}

const api = await startApiServer({objects, services})
const kubeconfig = api.writeKubeconfig({
  dir: fileURLToPath(new URL('../.tmp/', import.meta.url)),
  namespace: 'shop',
})
process.stdout.write(
  [
    `Demo API server at ${api.url} (${objects.length} objects, ${injectors.size} injector Services).`,
    `  export KUBECONFIG=${kubeconfig}`,
    '  kubectl get pods -A',
    `  export PATH="${fileURLToPath(new URL('../bin', import.meta.url))}:$PATH"`,
    '  kubectl inject-check -A',
    '  kubectl inject-diff deploy/web -n shop',
    'Ctrl-C to stop.',
    '',
  ].join('\n'),
)

const stop = async () => {
  await api.close()
  for (const server of injectors.values()) await server.close()
  process.exit(0)
}
process.on('SIGINT', () => void stop())
process.on('SIGTERM', () => void stop())
const seconds = Number(process.env.DEMO_SECONDS ?? '0')
if (seconds > 0) setTimeout(() => void stop(), seconds * 1000)
