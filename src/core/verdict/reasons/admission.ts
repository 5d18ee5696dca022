// Reasons from the API server's webhook selection (layer 1), in ShouldCallHook order.
import type {ReasonDefinition} from '../reason-definition.js'

export const admissionReasons = {
  NamespaceSelectorMatch: {
    level: 'Info',
    summary: 'namespaceSelector matches the namespace labels',
    hint: '',
  },
  NamespaceSelectorMismatch: {
    level: 'Info',
    summary: 'namespaceSelector does not match the namespace labels, so the API server skips this webhook',
    hint: 'kubectl get namespace {namespace} --show-labels',
  },
  NamespaceNotFound: {
    level: 'Error',
    summary: 'the namespace does not exist; a webhook whose rules match fails the request with 404',
    hint: 'kubectl get namespace {namespace}',
  },
  NamespaceUnreadable: {
    level: 'Warning',
    summary: 'the namespace labels could not be read, so the namespaceSelector cannot be evaluated',
    hint: 'kubectl auth can-i get namespaces',
  },
  ObjectSelectorMatch: {level: 'Info', summary: 'objectSelector matches the pod labels', hint: ''},
  ObjectSelectorMismatch: {
    level: 'Info',
    summary:
      'objectSelector does not match the pod labels (annotations are invisible to it), so the API server skips this webhook',
    hint: 'kubectl get mutatingwebhookconfiguration {configuration} -o yaml',
  },
  InvalidSelector: {
    level: 'Error',
    summary: 'the webhook carries an invalid label selector; the API server fails requests its rules match',
    hint: 'kubectl get mutatingwebhookconfiguration {configuration} -o yaml',
  },
  RulesMatch: {level: 'Info', summary: 'a webhook rule matches the request', hint: ''},
  RuleMismatch: {
    level: 'Info',
    summary: 'no webhook rule matches the request (operation, group, version, resource or scope)',
    hint: "kubectl get mutatingwebhookconfiguration {configuration} -o jsonpath='{.webhooks[*].rules}'",
  },
  ExemptResource: {
    level: 'Info',
    summary: 'webhooks are never called for admission configuration objects',
    hint: '',
  },
  MatchConditionsTrue: {level: 'Info', summary: 'every matchCondition is true', hint: ''},
  MatchConditionFalse: {
    level: 'Info',
    summary: 'a matchCondition is false, so the API server skips this webhook',
    hint: "kubectl get mutatingwebhookconfiguration {configuration} -o jsonpath='{.webhooks[*].matchConditions}'",
  },
  MatchConditionError: {
    level: 'Error',
    summary:
      'a matchCondition fails to evaluate: failurePolicy Fail rejects the request, Ignore skips the webhook',
    hint: "kubectl get mutatingwebhookconfiguration {configuration} -o jsonpath='{.webhooks[*].matchConditions}'",
  },
  MatchConditionUnevaluable: {
    level: 'Warning',
    summary:
      'a matchCondition cannot be evaluated offline (authorizer, request.userInfo or an unsupported CEL function)',
    hint: 'kubectl create -f {manifest} --dry-run=server -o yaml',
  },
} as const satisfies Record<string, ReasonDefinition>
