// Reasons from webhook health checks and failure forensics (Services, endpoints, caBundle, events).
import type {ReasonDefinition} from '../reason-definition.js'

export const healthReasons = {
  // ---- webhook reachability chain: Service → port → EndpointSlice → istiod pods ----
  WebhookServiceFound: {
    level: 'Info',
    summary: 'the webhook Service exists',
    hint: 'kubectl get service {service} -n {namespace} -o yaml',
  },
  WebhookServiceMissing: {
    level: 'Error',
    summary: 'the Service the webhook calls does not exist',
    hint: 'Reinstall or upgrade the istiod revision that owns {configuration}, or remove the stale webhook: kubectl delete mutatingwebhookconfiguration {configuration}',
  },
  WebhookStaleRevision: {
    level: 'Error',
    summary: 'the webhook calls a revision that has been removed (no Service, no injector ConfigMap)',
    hint: 'kubectl delete mutatingwebhookconfiguration {configuration}   # or: istioctl tag remove {tag}',
  },
  WebhookServiceExternalName: {
    level: 'Info',
    summary:
      'the webhook Service is an ExternalName: the API server dials its externalName at the webhook port (no targetPort, no endpoints)',
    hint: 'kubectl get service {service} -n {namespace} -o yaml   # spec.externalName must resolve, from the API server, to a host serving the webhook',
  },
  WebhookServiceHeadless: {
    level: 'Error',
    summary:
      'the webhook Service is headless (clusterIP None): the API server cannot route a webhook call to it',
    hint: 'kubectl get service {service} -n {namespace} -o yaml   # recreate it with a cluster IP (no clusterIP: None), as the Istio chart does',
  },
  WebhookServicePortMissing: {
    level: 'Error',
    summary: 'the webhook Service has no port the webhook calls',
    hint: "kubectl get service {service} -n {namespace} -o jsonpath='{.spec.ports}'   # expected port {port} (https-webhook) → targetPort 15017",
  },
  WebhookTargetPortMismatch: {
    level: 'Error',
    summary: 'the webhook Service port does not lead to istiod port 15017',
    hint: 'kubectl patch service {service} -n {namespace} --type=json -p \'[{"op":"replace","path":"/spec/ports/{index}/targetPort","value":15017}]\'',
  },
  WebhookEndpointsReady: {
    level: 'Info',
    summary: 'the webhook Service has ready endpoints',
    hint: 'kubectl get endpointslices -n {namespace} -l kubernetes.io/service-name={service}',
  },
  WebhookNoReadyEndpoints: {
    level: 'Error',
    summary: 'the webhook Service has no ready endpoints (istiod down or not ready)',
    hint: 'kubectl get pods -n {namespace} -l {istiodSelector} -o wide; kubectl describe deployment {deployment} -n {namespace}; kubectl logs -n {namespace} deploy/{deployment}',
  },
  WebhookSingleEndpoint: {
    level: 'Info',
    summary:
      'only one istiod endpoint serves the webhook; with failurePolicy Fail any istiod restart blocks pod creation',
    hint: 'kubectl scale deployment {deployment} -n {namespace} --replicas=2   # or set autoscaleMin>=2 and a PodDisruptionBudget',
  },
  WebhookRemoteURL: {
    level: 'Info',
    summary: 'the webhook calls a URL (remote istiod); reachability cannot be checked from the snapshot',
    hint: 'kubectl get --raw /readyz; check that the API server can reach {url}',
  },
  HealthDataMissing: {
    level: 'Info',
    summary: 'a link of the webhook chain could not be checked: the object is not in the snapshot',
    hint: 'Collect {resource} in namespace {namespace} (kubectl get {resource} -n {namespace} -o yaml) and run again',
  },
  // ---- caBundle ----
  WebhookCABundleValid: {
    level: 'Info',
    summary: 'the caBundle holds valid certificates',
    hint: "kubectl get mutatingwebhookconfiguration {configuration} -o jsonpath='{.webhooks[0].clientConfig.caBundle}' | base64 -d | openssl x509 -noout -subject -dates",
  },
  WebhookCABundleMissing: {
    level: 'Error',
    summary: 'the webhook has no caBundle: istiod has not patched it, so TLS to istiod fails',
    hint: 'kubectl rollout restart deployment/{deployment} -n {namespace}   # istiod patches caBundle into MWCs labelled istio.io/rev={revision}',
  },
  WebhookCABundleInvalid: {
    level: 'Error',
    summary: 'the caBundle does not decode to PEM certificates',
    hint: 'kubectl rollout restart deployment/{deployment} -n {namespace}   # istiod re-patches the caBundle on start',
  },
  WebhookCABundleExpired: {
    level: 'Error',
    summary: 'a certificate in the caBundle has expired',
    hint: 'Rotate the Istio root CA (istio-ca-secret or cacerts in {namespace}), then: kubectl rollout restart deployment/{deployment} -n {namespace}',
  },
  WebhookCABundleExpiring: {
    level: 'Warning',
    summary: 'a certificate in the caBundle expires within 30 days',
    hint: 'Plan a root CA rotation (istio-ca-secret or cacerts in {namespace}); after it: kubectl rollout restart deployment/{deployment} -n {namespace}',
  },
  WebhookCABundleNameMismatch: {
    level: 'Error',
    summary: 'the caBundle is a serving certificate that is not valid for the webhook Service name',
    hint: 'The API server dials {host}; reissue the certificate with that DNS name or let istiod patch the caBundle: kubectl rollout restart deployment/{deployment} -n {namespace}',
  },
  WebhookCABundleRootMismatch: {
    level: 'Error',
    summary: 'the caBundle does not contain the mesh root certificate (istio-ca-root-cert)',
    hint: "Compare: kubectl get cm istio-ca-root-cert -n {namespace} -o jsonpath='{.data.root-cert\\.pem}' | md5sum; then restart istiod to re-patch: kubectl rollout restart deployment/{deployment} -n {namespace}",
  },
  // ---- exposure, selectors, ordering ----
  WebhookFailOpen: {
    level: 'Warning',
    summary: 'failurePolicy Ignore: when istiod is unreachable pods are created without a sidecar, silently',
    hint: 'kubectl inject-check -A   # sweep for pods missing a proxy; set failurePolicy: Fail via the chart values if silent skips are not acceptable',
  },
  WebhookFailClosedRisk: {
    level: 'Warning',
    summary: 'failurePolicy Fail while istiod is not healthy: matching pods cannot be created',
    hint: 'kubectl get pods -n {namespace} -l {istiodSelector} -o wide   # fix istiod first: controllers retry FailedCreate on their own',
  },
  WebhookFailClosed: {
    level: 'Info',
    summary: 'failurePolicy Fail: pod creation depends on istiod being reachable',
    hint: 'Keep at least two istiod replicas and a PodDisruptionBudget in {namespace}',
  },
  WebhookTimeout: {
    level: 'Info',
    summary: 'timeoutSeconds for the webhook call',
    hint: 'Large pod specs can take seconds to inject; raise timeoutSeconds (max 30) in the MWC if calls time out',
  },
  WebhookSideEffectsUnsafe: {
    level: 'Warning',
    summary: 'sideEffects is not None/NoneOnDryRun: server-side dry-run of pods fails',
    hint: 'kubectl patch mutatingwebhookconfiguration {configuration} --type=json -p \'[{"op":"replace","path":"/webhooks/{index}/sideEffects","value":"None"}]\'',
  },
  WebhookForeignSelectorTerms: {
    level: 'Warning',
    summary: "the webhook's selectors carry terms Istio's chart did not write (platform or manual rewrite)",
    hint: 'On AKS the Admissions Enforcer adds these; annotate the MWC with admissions.enforcer/disabled: "true" (set sidecarInjectorWebhookAnnotations in the chart) and reinstall',
  },
  WebhookInactive: {
    level: 'Info',
    summary: 'the webhook is deactivated (istio.io/deactivated never-match selectors) and is never called',
    hint: "Expected after 'istioctl tag set default'; remove it once the old revision is gone: kubectl delete mutatingwebhookconfiguration {configuration}",
  },
  WebhookOrderingRisk: {
    level: 'Warning',
    summary: "another mutating webhook runs after Istio's on the same pods and Istio is not reinvoked",
    hint: 'Containers or probes added by {other} are not seen by the injector; set values.sidecarInjectorWebhook.reinvocationPolicy=IfNeeded or check the output of {other}',
  },
  WebhookOtherMutator: {
    level: 'Info',
    summary: "another mutating webhook is called on the same pods before Istio's",
    hint: 'kubectl get mutatingwebhookconfiguration {other} -o yaml',
  },
  // ---- failure forensics (FailedCreate events, istiod logs) ----
  WebhookCallTimeout: {
    level: 'Error',
    summary: 'the API server timed out calling the injector (network path to istiod port 15017 blocked)',
    hint: 'Allow the control plane to reach istiod on TCP 15017 (firewall / NetworkPolicy); test: kubectl get --raw /api/v1/namespaces/{namespace}/services/https:{service}:https-webhook/proxy/inject -v4',
  },
  WebhookAddressNotAllowed: {
    level: 'Error',
    summary: 'the managed control plane cannot reach pod IPs (custom CNI on EKS)',
    hint: 'Use the AWS VPC CNI, or run istiod on the host network (the chart has no value for it): kubectl patch deployment {service} -n {namespace} --type=merge -p \'{"spec":{"template":{"spec":{"hostNetwork":true,"dnsPolicy":"ClusterFirstWithHostNet"}}}}\'',
  },
  WebhookConnectionRefused: {
    level: 'Error',
    summary:
      'the connection to the injector was refused (istiod not listening on 15017, or wrong targetPort)',
    hint: 'kubectl get endpointslices -n {namespace} -l kubernetes.io/service-name={service}; kubectl logs -n {namespace} deploy/{service}',
  },
  WebhookTLSFailure: {
    level: 'Error',
    summary: "TLS to the injector failed: caBundle does not match istiod's certificate",
    hint: 'kubectl rollout restart deployment/{service} -n {namespace}   # istiod re-patches caBundle; if a GitOps tool re-applies the MWC, ignore caBundle in its diff',
  },
  WebhookNoEndpoints: {
    level: 'Error',
    summary: 'the API server found no endpoints for the injector Service (istiod down)',
    hint: 'kubectl get pods -n {namespace} -l {istiodSelector} -o wide; kubectl describe deployment {service} -n {namespace}',
  },
  WebhookServiceNotFound: {
    level: 'Error',
    summary: 'the webhook points at a Service that does not exist (stale webhook of a removed revision)',
    hint: 'kubectl get mutatingwebhookconfigurations -l istio.io/rev; delete the one that calls {service}',
  },
  WebhookDenied: {
    level: 'Error',
    summary: 'the injector rejected the pod (injection template or annotation error)',
    hint: 'Read the message; check the pod template annotations (sidecar.istio.io/*, inject.istio.io/templates) and: kubectl logs -n istio-system deploy/istiod | grep -i inject',
  },
  WebhookDryRunUnsupported: {
    level: 'Warning',
    summary:
      'a webhook does not support dry run (sideEffects not None/NoneOnDryRun); server-side dry-run fails',
    hint: "kubectl get mutatingwebhookconfigurations -o 'custom-columns=NAME:.metadata.name,SIDEEFFECTS:.webhooks[*].sideEffects'",
  },
  WebhookUnexpectedEOF: {
    level: 'Warning',
    summary: 'the injector closed the connection (unexpected EOF); often istiod restarting or overloaded',
    hint: 'kubectl logs -n {namespace} deploy/{service} --previous; kubectl get pods -n {namespace} -l {istiodSelector}',
  },
  WebhookCallFailed: {
    level: 'Error',
    summary: 'the API server failed to call a mutating webhook',
    hint: 'Read the message; check the webhook Service, endpoints and caBundle with: kubectl inject-check --health',
  },
  InjectorHandlerMissing: {
    level: 'Error',
    summary:
      'istiod started without the /inject handler (injector ConfigMap missing or INJECT_ENABLED=false)',
    hint: 'kubectl get configmap -n {namespace} | grep istio-sidecar-injector; reinstall the revision or set INJECT_ENABLED=true',
  },
  InjectorPolicySkip: {
    level: 'Info',
    summary: 'istiod skipped injection by policy (no Kubernetes Event is emitted for this)',
    hint: "kubectl get configmap istio-sidecar-injector -n {namespace} -o jsonpath='{.data.config}' | head -5   # policy, neverInjectSelector",
  },
  // ---- proxies and restarts ----
  StaleProxyImage: {
    level: 'Warning',
    summary:
      'the istio-proxy image differs from what the injector now injects (restart needed after an upgrade)',
    hint: 'kubectl rollout restart {ownerKind}/{ownerName} -n {namespace}',
  },
  OrphanedRevision: {
    level: 'Error',
    summary: 'the pod was injected by a revision that no longer exists',
    hint: 'Point the namespace at a live revision (kubectl label namespace {namespace} istio.io/rev={revision} --overwrite), then restart: kubectl rollout restart {ownerKind}/{ownerName} -n {namespace}',
  },
  RestartNeeded: {
    level: 'Warning',
    summary: 'workloads must be restarted to pick up the current injection',
    hint: 'kubectl rollout restart {ownerKind}/{ownerName} -n {namespace}',
  },
  RestartBlocked: {
    level: 'Error',
    summary: 'restarts would fail: the injector webhook that serves these pods is not healthy',
    hint: 'Fix the webhook first (kubectl inject-check --health), then run the restart plan',
  },
  RestartAdmissionBlocked: {
    level: 'Error',
    summary:
      'restarting these workloads now would not bring injected pods: admission (Pod Security, quota, LimitRange, policies) rejects them after injection, so rollouts stall or leave the workload with fewer or no pods',
    hint: 'Run the admission fix steps of the plan first, then the restarts',
  },
} as const satisfies Record<string, ReasonDefinition>
