// Reasons about offline inputs: support bundles, cluster-info dumps and plain kubectl output.
import type {ReasonDefinition} from '../reason-definition.js'

export const bundleReasons = {
  BundleSectionNotCollected: {
    level: 'Warning',
    summary: 'The support bundle does not hold a section this check needs',
    hint: 'kubectl get {resource} -o yaml > extra.yaml, then add --from extra.yaml',
  },
  BundleClusterInfoDumpPartial: {
    level: 'Warning',
    summary: 'kubectl cluster-info dump has no namespaces, webhooks or ConfigMaps: verdicts are partial',
    hint: 'kubectl get ns,mutatingwebhookconfigurations -o yaml > extra.yaml && kubectl -n istio-system get cm -o yaml > istio-cm.yaml, then --from {path} --from extra.yaml --from istio-cm.yaml',
  },
  BundleLegacyNoWebhooks: {
    level: 'Warning',
    summary: 'istioctl ≤1.11 bug reports hold no webhooks and no namespace labels',
    hint: 'kubectl get ns,mutatingwebhookconfigurations -o yaml > extra.yaml, then --from {path} --from extra.yaml',
  },
  BundleUnreadable: {
    level: 'Error',
    summary: 'The support bundle cannot be read (truncated, not an archive, or unsafe entry paths)',
    hint: 'tar tzf {path} to check it, or ask for the bundle again',
  },
  BundleEventsUnparsed: {
    level: 'Info',
    summary: 'Some lines of the kubectl events table could not be split into columns',
    hint: 'kubectl get events -A -o yaml > events.yaml, then --from events.yaml',
  },
  BundleRedacted: {
    level: 'Info',
    summary: 'The bundle was redacted: env values and credential-like keys read REDACTED',
    hint: '',
  },
} as const satisfies Record<string, ReasonDefinition>
