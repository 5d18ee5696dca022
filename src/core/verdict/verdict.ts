// Verdict: what the core says about one target. Every check carries a catalog code and the
// exact term it evaluated with the object's actual value, so a reader can replay the decision.
import type {ReasonCode} from './reasons.js'

export type CheckResult = 'Pass' | 'Fail' | 'Unknown' | 'Info'

/** Evaluation stage, in the order the trail is printed. */
export type CheckStage = 'Webhook' | 'Policy' | 'Revision' | 'State' | 'Health' | 'Admission'

export interface Check {
  readonly stage: CheckStage
  readonly code: ReasonCode
  readonly result: CheckResult
  /** What was evaluated, e.g. `istio-sidecar-injector/namespace.sidecar-injector.istio.io namespaceSelector`. */
  readonly subject: string
  /** The exact term or rule and the actual value, e.g. `istio-injection In [enabled]; namespace has istio-injection=disabled`. */
  readonly detail: string
}

export interface WebhookRef {
  readonly configuration: string
  readonly name: string
}

/** One webhook the API server would call for this pod (Istio's or anyone's). */
export interface WebhookMatch {
  readonly webhook: WebhookRef
  /** True when it is an Istio injector webhook (name ends with `sidecar-injector.istio.io` or MWC labelled istio.io/rev). */
  readonly istio: boolean
  /** `Match`: called; `Unknown`: could not be decided statically (CEL error/authorizer, missing namespace). */
  readonly result: 'Match' | 'Unknown'
  readonly revision: string | null
  readonly tag: string | null
  readonly failurePolicy: string
  readonly reinvocationPolicy: string
}

export type Outcome = 'Inject' | 'Skip' | 'Reject' | 'Unknown'

export type TargetKind =
  | 'Pod'
  | 'Deployment'
  | 'StatefulSet'
  | 'DaemonSet'
  | 'ReplicaSet'
  | 'Job'
  | 'CronJob'
  | 'ReplicationController'
  | 'Namespace'
  | 'Manifest'

export interface TargetRef {
  readonly kind: TargetKind
  readonly namespace: string
  readonly name: string
  /** File a manifest target came from. */
  readonly source?: string
}

export type FindingKind =
  | 'NeedsRestart' // would be injected now but has no sidecar
  | 'UnexpectedSidecar' // has a sidecar but would not be injected now
  | 'RevisionDrift' // injected by another revision than the one that injects now
  | 'MultipleInjectors'
  | 'Misconfiguration'
  | 'StaleProxy'
  | 'CreationBlocked' // pods created now are rejected (webhook unreachable under failurePolicy Fail, or istiod denies)

export interface Finding {
  readonly code: ReasonCode
  readonly kind: FindingKind
  readonly message: string
}

export interface FixAlternative {
  /** What the alternative does and what else it affects, e.g. `label namespace legacy: every new pod there is injected`. */
  readonly description: string
  readonly actions: readonly string[]
}

/** Where the facts of a verdict came from (`live`, or a file path with `!entry` inside an archive). */
export interface VerdictSources {
  readonly pod?: string
  readonly workload?: string
  readonly namespace?: string
  readonly webhookConfiguration?: string
  readonly injectorConfigMap?: string
}

export interface Verdict {
  readonly target: TargetRef
  /** Observed: the pod has a sidecar. null for templates, manifests and namespaces. */
  readonly injected: boolean | null
  /** Would the sidecar be injected if the pod were created now; null when Unknown. */
  readonly wouldInject: boolean | null
  readonly outcome: Outcome
  /**
   * The most actionable code, the one the table's REASON column shows: a blocking, drift or stale-proxy finding
   * first (WebhookBlocksCreation, NeedsRestart, RevisionDrift, UnexpectedSidecar, StaleProxyImage…), else the
   * specific cause of the decision (InjectLabelFalse, NamespaceNotEnabled, PolicyEnabled…).
   */
  readonly reason: ReasonCode
  /** The decisive check's code, e.g. PolicyEnabled, HostNetwork or NoInjectorWebhookMatches; `reason` when absent. */
  readonly decidedBy?: ReasonCode
  /** Revision of the istiod the selecting Istio webhook calls, tags resolved; null when no Istio webhook selects. */
  readonly revision: string | null
  /** Tag through which the pod is selected, if any. */
  readonly tag: string | null
  /** The Istio webhook the API server would call, also when istiod then declines. */
  readonly webhook: WebhookRef | null
  /** Revision that injected the running pod (from sidecar.istio.io/status or istio.io/rev annotation). */
  readonly injectedRevision: string | null
  readonly matches: readonly WebhookMatch[]
  readonly checks: readonly Check[]
  readonly findings: readonly Finding[]
  /** Copy-pasteable commands, most useful first (configuration fixes, then restarts). */
  readonly actions: readonly string[]
  /** What no command says: edits to make in a manifest file, a schedule to wait for, the reach of a namespace label. */
  readonly notes?: readonly string[]
  /** Other ways to the same result, e.g. a namespace-wide label instead of a per-pod one. */
  readonly alternatives?: readonly FixAlternative[]
  /** The label edits of a what-if evaluation, in kubectl label syntax. */
  readonly whatIf?: {readonly namespaceLabels?: string; readonly podLabels?: string}
  /** Webhooks on the deciding path: per Istio configuration without a match, the nearest miss. Not in the document. */
  readonly nearestMisses?: readonly WebhookRef[]
  /** Owner workload a user restarts, when known. */
  readonly owner?: {readonly kind: string; readonly name: string}
  /** Provenance of the objects the verdict read; set by the command after evaluation. */
  readonly sources?: VerdictSources
  /** Would the pod injection produces be admitted (Pod Security, quota, LimitRange); null when it cannot be known. */
  readonly admitted?: boolean | null
  /** The third layer's checks (stage `Admission`): what the injector emits, then each admission plugin after it. */
  readonly admission?: readonly Check[]
}
