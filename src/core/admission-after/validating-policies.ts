// Validating admission this tool cannot evaluate: webhooks (Kyverno, Gatekeeper, GKE Warden…), ValidatingAdmissionPolicy
// bindings and platform policies (OpenShift SCC). Listed by name as Unknown, with the way to find out and known fixes.
import {matchLabelSelector} from '../admission/label-selector.js'
import {matchRules, podCreateAttributes} from '../admission/rules.js'
import {selectWebhooks} from '../admission/webhook-selection.js'
import type {ClusterSnapshot, MutatingWebhookConfiguration, NamespaceFacts, PodFacts} from '../snapshot.js'
import {findGap} from '../verdict/gap-checks.js'
import {sh} from '../verdict/shell-command.js'
import type {Check} from '../verdict/verdict.js'
import {admissionCheck} from './admission-check.js'

const check = admissionCheck

/** Known engines by webhook name, with the fix their documentation gives for Istio's init container and proxy. */
const engineHints: readonly {test: RegExp; text: string}[] = [
  {
    test: /kyverno/i,
    text: 'Kyverno: use the service-mesh variant of disallow-capabilities, or exclude images */istio/proxyv2* in podSecurity rules (autogen rules on Deployments see the uninjected template)',
  },
  {
    test: /gatekeeper/i,
    text: 'Gatekeeper: add exemptImages ["*/proxyv2*"] to the k8spsp capabilities, allowed-users and read-only-root-filesystem constraints',
  },
  {
    test: /gke|warden|autogke/i,
    text: 'GKE Autopilot: Istio CNI is not available; allow istio-init with gcloud container clusters update CLUSTER --workload-policies=allow-net-admin',
  },
]

type Subject = {readonly kind: string; readonly name: string; readonly namespace: string}

const howToKnow = (subject: Subject): string =>
  subject.kind === 'Namespace'
    ? 'a server dry run of a pod shows the answer: kubectl inject-diff -f POD.yaml'
    : `a server dry run shows the answer: ${sh`kubectl inject-diff ${`${subject.kind.toLowerCase()}/${subject.name}`} -n ${subject.namespace}`}`

const webhookChecks = (
  snapshot: ClusterSnapshot,
  pod: PodFacts,
  namespace: NamespaceFacts | undefined,
  subject: Subject,
): Check[] => {
  const configs = snapshot.validatingWebhookConfigurations
  const gap = findGap(snapshot, 'validatingwebhookconfigurations')
  if (configs === undefined || gap !== undefined)
    return [
      check(
        'AdmissionDataMissing',
        'Unknown',
        'validatingwebhookconfigurations',
        `${gap === undefined ? 'not in the input' : `${gap.reason}: ${gap.message}`}; validating webhooks are Unknown`,
      ),
    ]
  const selectable: MutatingWebhookConfiguration[] = configs.map((c) => ({
    metadata: c.metadata,
    ...(c.webhooks === undefined ? {} : {webhooks: c.webhooks}),
  }))
  return selectWebhooks(selectable, pod, namespace)
    .filter((w) => w.outcome === 'Match' || w.outcome === 'Unknown')
    .map((w) => {
      const name = `${w.ref.configuration}/${w.ref.name}`
      const hint = engineHints.find((h) => h.test.test(name))
      const platform = /gke|warden|autogke/i.test(name)
      return check(
        platform ? 'PlatformPolicyUnknown' : 'ValidatingWebhookUnknown',
        'Unknown',
        `validatingwebhook ${name}`,
        `called for the injected pod (failurePolicy ${w.failurePolicy}); ${howToKnow(subject)}${hint === undefined ? '' : `; ${hint.text}`}`,
      )
    })
}

const policyBindingChecks = (
  snapshot: ClusterSnapshot,
  namespace: NamespaceFacts | undefined,
  subject: Subject,
): Check[] => {
  const policies = snapshot.validatingAdmissionPolicies
  const bindings = snapshot.validatingAdmissionPolicyBindings
  const gap =
    findGap(snapshot, 'validatingadmissionpolicies') ?? findGap(snapshot, 'validatingadmissionpolicybindings')
  if (gap !== undefined && gap.reason !== 'NotFound')
    return [
      check(
        'AdmissionDataMissing',
        'Unknown',
        'validatingadmissionpolicies',
        `${gap.reason}: ${gap.message}; ValidatingAdmissionPolicies are Unknown`,
      ),
    ]
  if (policies === undefined || bindings === undefined) return []
  return bindings.flatMap((b) => {
    const policy = policies.find((p) => p.name === b.policyName)
    if (policy === undefined || !matchRules(policy.resourceRules, podCreateAttributes).matches) return []
    if (
      b.namespaceSelector !== undefined &&
      namespace !== undefined &&
      !matchLabelSelector(b.namespaceSelector, namespace.labels).matches
    )
      return []
    return [
      check(
        'ValidatingPolicyUnknown',
        'Unknown',
        `validatingadmissionpolicy ${policy.name} binding ${b.name}`,
        `matches pod CREATE (actions ${b.validationActions.join(',') || 'Deny'}); its CEL validations are not evaluated; ${howToKnow(subject)}`,
      ),
    ]
  })
}

const platformChecks = (namespace: NamespaceFacts | undefined, subject: Subject): Check[] =>
  namespace?.annotations['openshift.io/sa.scc.uid-range'] === undefined
    ? []
    : [
        check(
          'PlatformPolicyUnknown',
          'Unknown',
          `namespace ${namespace.name} openshift.io/sa.scc.uid-range=${namespace.annotations['openshift.io/sa.scc.uid-range']}`,
          `OpenShift Security Context Constraints admit or refuse the injected pod by its service account; install Istio with profile=openshift (CNI with multus, uid from the namespace range); ${howToKnow(subject)}`,
        ),
      ]

export const policyChecks = (
  snapshot: ClusterSnapshot,
  pod: PodFacts,
  namespace: NamespaceFacts | undefined,
  subject: Subject,
): Check[] => [
  ...platformChecks(namespace, subject),
  ...policyBindingChecks(snapshot, namespace, subject),
  ...webhookChecks(snapshot, pod, namespace, subject),
]
