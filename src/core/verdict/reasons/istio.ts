// Reasons from istiod's injection policy (layer 2) and from revisions and tags.
import type {ReasonDefinition} from '../reason-definition.js'

export const istioReasons = {
  // ---- istiod injectRequired (pkg/kube/inject/inject.go), in evaluation order ----
  HostNetwork: {
    level: 'Info',
    summary: 'pods with hostNetwork: true are never injected',
    hint: '',
  },
  NotHostNetwork: {
    level: 'Info',
    summary: 'the pod does not use hostNetwork, so istiod may inject it',
    hint: '',
  },
  NamespaceNotIgnored: {
    level: 'Info',
    summary: 'the namespace is not one istiod always ignores',
    hint: '',
  },
  IgnoredNamespace: {
    level: 'Info',
    summary: 'istiod never injects pods in kube-system, kube-public, kube-node-lease or local-path-storage',
    hint: '',
  },
  InjectLabelTrue: {
    level: 'Info',
    summary: 'the pod label sidecar.istio.io/inject asks for injection',
    hint: '',
  },
  InjectLabelFalse: {
    level: 'Info',
    summary: 'the pod is opted out of injection by its label sidecar.istio.io/inject=false',
    hint: '',
  },
  InjectAnnotationTrue: {
    level: 'Info',
    summary: 'the pod annotation sidecar.istio.io/inject asks for injection (no label of that name)',
    hint: '',
  },
  InjectAnnotationFalse: {
    level: 'Info',
    summary:
      'the pod annotation sidecar.istio.io/inject opts the pod out of injection (no label of that name)',
    hint: '',
  },
  InjectValueUnset: {
    level: 'Info',
    summary: 'no sidecar.istio.io/inject value: istiod falls back to its selectors and policy',
    hint: '',
  },
  InjectValueInvalid: {
    level: 'Warning',
    summary: "sidecar.istio.io/inject has a value istiod does not accept; only 'true' and 'false' count",
    hint: '',
  },
  NeverInjectSelector: {
    level: 'Info',
    summary: "a neverInjectSelector of the injector ConfigMap matches the pod's labels",
    hint: '',
  },
  NeverInjectSelectorNoMatch: {
    level: 'Info',
    summary: "no neverInjectSelector of the injector ConfigMap matches the pod's labels",
    hint: '',
  },
  AlwaysInjectSelector: {
    level: 'Info',
    summary: "an alwaysInjectSelector of the injector ConfigMap matches the pod's labels",
    hint: '',
  },
  InjectorSelectorInvalid: {
    level: 'Warning',
    summary: 'an injector ConfigMap selector cannot be parsed; istiod skips it',
    hint: 'kubectl edit configmap {configMap} -n {istioNamespace}',
  },
  PolicyEnabled: {
    level: 'Info',
    summary: 'injector policy is enabled: pods without an explicit value are injected',
    hint: '',
  },
  PolicyDisabled: {
    level: 'Info',
    summary: 'injector policy is disabled: only pods labelled sidecar.istio.io/inject="true" are injected',
    hint: '',
  },
  PolicyInvalid: {
    level: 'Error',
    summary:
      'injector policy is neither enabled nor disabled: istiod injects nothing, even pods asking for it',
    hint: 'kubectl edit configmap {configMap} -n {istioNamespace}',
  },
  InjectAnnotationInvalid: {
    level: 'Error',
    summary: 'a pod annotation istiod validates has an invalid value: istiod rejects the pod',
    hint: '',
  },
  InjectAnnotationsValid: {
    level: 'Info',
    summary: 'every pod annotation istiod validates has a valid value',
    hint: '',
  },
  InjectorValuesInvalid: {
    level: 'Error',
    summary:
      'the injector ConfigMap\'s data.values does not parse: istiod fails injection ("failed to parse values.yaml") and rejects the pod (a running istiod keeps the values it loaded before the bad edit; a restarted one rejects every pod)',
    hint: 'kubectl get configmap {configMap} -n {istioNamespace} -o jsonpath={.data.values}',
  },
  TemplatesSelected: {
    level: 'Info',
    summary: 'all requested injection templates exist',
    hint: '',
  },
  TemplateNotFound: {
    level: 'Error',
    summary: 'a requested injection template does not exist: istiod rejects the pod',
    hint: '',
  },
  InjectorConfigMissing: {
    level: 'Warning',
    summary: "istiod's injector ConfigMap could not be read; its policy and selectors are unknown",
    hint: 'kubectl get configmap {configMap} -n {istioNamespace} -o yaml',
  },
  InjectorConfigInvalid: {
    level: 'Error',
    summary: "istiod's injector ConfigMap cannot be parsed",
    hint: 'kubectl get configmap {configMap} -n {istioNamespace} -o jsonpath={.data.config}',
  },
  IstioVersionAssumed: {
    level: 'Info',
    summary: 'the Istio version is unknown: value parsing of Istio ≥1.27 is assumed',
    hint: 'kubectl get configmap {configMap} -n {istioNamespace} -o jsonpath={.data.values}',
  },

  // ---- revisions, tags and namespace labels ----
  NamespaceLabelConflict: {
    level: 'Warning',
    summary:
      'the namespace has both istio-injection=enabled and istio.io/rev: istio-injection wins (default revision)',
    hint: 'kubectl label namespace {namespace} istio-injection-',
  },
  NamespaceLabelInvalidValue: {
    level: 'Warning',
    summary:
      'istio-injection has a value other than enabled/disabled: no Istio webhook selects this namespace',
    hint: 'kubectl label namespace {namespace} istio-injection=enabled --overwrite',
  },
  RevisionResolved: {
    level: 'Info',
    summary: 'istio.io/rev names an installed revision or tag with active webhooks',
    hint: '',
  },
  DefaultRevisionPresent: {
    level: 'Info',
    summary: 'istio-injection=enabled: a default revision or default tag is active',
    hint: '',
  },
  RevisionNotFound: {
    level: 'Warning',
    summary: 'istio.io/rev names no installed revision or tag',
    hint: 'kubectl label namespace {namespace} istio.io/rev={revision} --overwrite',
  },
  NoDefaultRevision: {
    level: 'Warning',
    summary: 'istio-injection=enabled needs a default revision or a default tag, and the cluster has neither',
    hint: 'kubectl label namespace {namespace} istio-injection- istio.io/rev={revision}',
  },
  WebhookDeactivated: {
    level: 'Warning',
    summary: 'the webhooks that would serve this label are deactivated (istio.io/deactivated: never-match)',
    hint: 'istioctl tag set default --revision {revision}',
  },
  AmbientAndSidecarLabels: {
    level: 'Warning',
    summary:
      'the namespace carries istio.io/dataplane-mode beside a sidecar injection label (IST0123): the sidecar label wins',
    hint: 'kubectl label namespace {namespace} {label}-',
  },
  LabelOnControllerMetadata: {
    level: 'Warning',
    summary: "an injection label or annotation sits on the controller's metadata, where no webhook sees it",
    hint: 'kubectl patch {resource} {name} -n {namespace} --type merge -p {patch}',
  },
  AnnotationOnlyOptIn: {
    level: 'Warning',
    summary:
      'sidecar.istio.io/inject: "true" is an annotation, which webhooks cannot see: it opts out but never in',
    hint: 'kubectl patch {resource} {name} -n {namespace} --type merge -p {patch}',
  },
  DeprecatedInjectAnnotation: {
    level: 'Info',
    summary: 'the sidecar.istio.io/inject annotation is deprecated in favour of the label (IST0135)',
    hint: 'kubectl patch {resource} {name} -n {namespace} --type merge -p {patch}',
  },
} as const satisfies Record<string, ReasonDefinition>
