// Test-only Kubernetes API-server double and istiod-like webhook server; never imports src/.
export {startApiServer} from './api-server.js'
export type {ApiServerDouble, ApiServerOptions, DeniedAccess, Fault, RecordedRequest} from './api-server.js'
export type {ExtraContext, KubeconfigOptions} from './kubeconfig-file.js'
export {startWebhookServer} from './webhook-server.js'
export type {WebhookCall, WebhookServer, WebhookServerOptions} from './webhook-server.js'
export {loadYamlObjects, recordedJustNow} from './yaml-objects.js'
export {loadTlsMaterial, tlsFixturePath} from './tls-fixtures.js'
export {injectorProxyImage} from './injector-values.js'
