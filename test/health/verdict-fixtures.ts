// Verdicts of pods the default injector selects, for restart-plan and health tests that start from verdicts.
import type {FindingKind, Verdict} from '../../src/core/verdict/verdict.js'

/** A pod the default webhook would inject, carrying one finding of `kind` (NeedsRestart: not injected yet). */
export const podVerdict = (
  namespace: string,
  pod: string,
  owner: {kind: string; name: string} | undefined,
  kind: FindingKind = 'NeedsRestart',
): Verdict => ({
  target: {kind: 'Pod', namespace, name: pod},
  injected: kind !== 'NeedsRestart',
  wouldInject: true,
  outcome: 'Inject',
  reason: 'InjectorWebhookSelected',
  revision: 'default',
  tag: null,
  webhook: {configuration: 'istio-sidecar-injector', name: 'namespace.sidecar-injector.istio.io'},
  injectedRevision: null,
  matches: [],
  checks: [],
  findings: [
    {code: kind === 'RevisionDrift' ? 'RevisionDrift' : 'NeedsRestart', kind, message: `${kind} ${pod}`},
  ],
  actions: [],
  ...(owner ? {owner} : {}),
})
