// Objects that make a real API server call the test injector the way a cluster calls istiod: the demo's injector
// and mesh ConfigMaps, an ExternalName Service istiod → the local webhook server, and a webhook configuration.
import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'
import {parse} from 'yaml'

type Json = Record<string, unknown>

const demoConfigMaps = fileURLToPath(
  new URL('../../examples/demo-cluster/configmaps-istio-system.yaml', import.meta.url),
)

// The default revision's injector and mesh ConfigMaps of the demo cluster, without server-set metadata.
export function istioConfigMaps(): Json[] {
  const list = parse(readFileSync(demoConfigMaps, 'utf8')) as {items: Json[]}
  return list.items
    .filter((cm) => ['istio-sidecar-injector', 'istio'].includes((cm.metadata as {name: string}).name))
    .map((cm) => {
      const {resourceVersion: _rv, uid: _uid, creationTimestamp: _ct, ...metadata} = cm.metadata as Json
      return {...cm, metadata}
    })
}

// No kube-proxy here: the API server dials `<externalName>:<webhook service port>` for an ExternalName Service
// (kubernetes/apiserver pkg/util/proxy/proxy.go ResolveCluster), so the port must be the webhook server's.
export const externalNameService = (
  name: string,
  namespace: string,
  port: number,
  externalName: string,
): Json => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: {name, namespace},
  spec: {type: 'ExternalName', externalName, ports: [{name: 'https-webhook', port, protocol: 'TCP'}]},
})

export interface InjectorWebhookOptions {
  name: string
  clientConfig: Json
  failurePolicy: 'Fail' | 'Ignore'
  namespaceLabel: [string, string]
}

// The shape of istiod's namespace.sidecar-injector.istio.io webhook (istio: manifests/charts/istio-control/
// istio-discovery/templates/mutatingwebhook.yaml), selecting namespaces by one label.
export const injectorWebhookConfiguration = (o: InjectorWebhookOptions): Json => ({
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'MutatingWebhookConfiguration',
  metadata: {name: o.name, labels: {app: 'sidecar-injector', 'istio.io/rev': 'default'}},
  webhooks: [
    {
      name: 'namespace.sidecar-injector.istio.io',
      clientConfig: o.clientConfig,
      rules: [
        {operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: '*'},
      ],
      failurePolicy: o.failurePolicy,
      matchPolicy: 'Equivalent',
      namespaceSelector: {
        matchExpressions: [{key: o.namespaceLabel[0], operator: 'In', values: [o.namespaceLabel[1]]}],
      },
      objectSelector: {
        matchExpressions: [{key: 'sidecar.istio.io/inject', operator: 'NotIn', values: ['false']}],
      },
      sideEffects: 'None',
      admissionReviewVersions: ['v1'],
      timeoutSeconds: 5,
      reinvocationPolicy: 'Never',
    },
  ],
})
