// Reasons about the observed state of existing pods (sidecar present, drift), webhook-level outcomes and data gaps.
import type {ReasonDefinition} from '../reason-definition.js'

export const stateReasons = {
  Forbidden: {
    level: 'Warning',
    summary: 'a needed resource could not be read (forbidden)',
    hint: 'kubectl auth can-i {verb} {resource}',
  },
  DataMissing: {
    level: 'Warning',
    summary: 'a needed resource is not in the input, so this step cannot be decided',
    hint: 'kubectl get {resource} -o yaml > {file}',
  },
  NoInjectorWebhookMatches: {
    level: 'Info',
    summary: 'no Istio injector webhook selects this pod, so istiod is never asked',
    hint: 'kubectl label namespace {namespace} istio-injection=enabled --overwrite',
  },
  NoInjectorWebhooks: {
    level: 'Info',
    summary:
      'the cluster has no Istio sidecar-injector webhook (Istio is not installed, or installed without sidecar injection)',
    hint: 'kubectl get mutatingwebhookconfigurations -l app=sidecar-injector',
  },
  InjectorWebhookSelected: {
    level: 'Info',
    summary: 'an Istio injector webhook selects this pod; the API server calls istiod',
    hint: '',
  },
  WebhookSelectionUnknown: {
    level: 'Warning',
    summary: 'whether an Istio injector webhook selects this pod cannot be decided from the available data',
    hint: 'kubectl get mutatingwebhookconfiguration {configuration} -o yaml',
  },
  MultipleInjectors: {
    level: 'Warning',
    summary:
      'more than one Istio injector webhook selects this pod: each is called, the last one (by configuration name) wins',
    hint: 'kubectl get mutatingwebhookconfigurations -l app=sidecar-injector',
  },
  SidecarPresent: {level: 'Info', summary: 'the pod runs the istio-proxy sidecar', hint: ''},
  SidecarAbsent: {level: 'Info', summary: 'the pod runs without the istio-proxy sidecar', hint: ''},
  NeedsRestart: {
    level: 'Warning',
    summary:
      'the pod would be injected if created now but runs without a sidecar: it was created before injection applied',
    hint: 'kubectl rollout restart {resource}/{name} -n {namespace}',
  },
  UnexpectedSidecar: {
    level: 'Warning',
    summary: 'the pod runs a sidecar but would not be injected if created now',
    hint: 'kubectl rollout restart {resource}/{name} -n {namespace}',
  },
  RestartWouldBeRejected: {
    level: 'Error',
    summary:
      'the pod runs a sidecar, but a pod created now would be rejected: a restart or rollout would leave it unable to start',
    hint: '',
  },
  WebhookBlocksCreation: {
    level: 'Error',
    summary:
      'an Istio webhook with failurePolicy Fail cannot be called (no ready istiod, or FailedCreate events): pods are rejected until istiod is reachable',
    hint: 'kubectl get pods -n {istioNamespace} -l {istiodSelector}',
  },
  WebhookFailing: {
    level: 'Warning',
    summary:
      'the Istio webhook that selects this pod has failurePolicy Fail and is failing: the pod runs, but its next restart would be rejected',
    hint: 'kubectl get pods -n {istioNamespace} -l {istiodSelector}',
  },
  PodRevisionOverridden: {
    level: 'Warning',
    summary:
      "the pod label istio.io/rev is ignored: the namespace's injection label selects the webhook, so another revision injects",
    hint: '',
  },
  NamespaceNotEnabled: {
    level: 'Info',
    summary:
      'injection is not enabled: the namespace has no istio-injection=enabled or istio.io/rev label, and the pod asks for no revision',
    hint: 'kubectl label namespace {namespace} istio-injection=enabled --overwrite',
  },
  NamespaceInjectionDisabled: {
    level: 'Info',
    summary:
      'the namespace is labelled istio-injection=disabled: no Istio webhook selects its pods, whatever their labels say',
    hint: '',
  },
  RevisionDrift: {
    level: 'Warning',
    summary: 'the pod was injected by another revision than the one that would inject it now',
    hint: 'kubectl rollout restart {resource}/{name} -n {namespace}',
  },
  WorkloadHasNoPods: {
    level: 'Info',
    summary: 'the workload has no pods yet: the verdict is for pods created from its template',
    hint: '',
  },
  WhatIfLabels: {
    level: 'Info',
    summary:
      'labels were edited for a what-if evaluation (--namespace-labels / --pod-labels); nothing was changed in the cluster',
    hint: '',
  },
} as const satisfies Record<string, ReasonDefinition>
