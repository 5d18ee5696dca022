// ClusterSnapshot: the one input of the decision core. Live and file sources both produce it;
// the core never learns where a fact came from except through `source` provenance strings.

export type Labels = Readonly<Record<string, string>>

/** Where a fact came from: `live` or a file path (with the entry inside an archive after `!`). */
export type Provenance = string

// ---- admissionregistration.k8s.io/v1 shapes, as plain JSON (field names as on the wire) ----

export type SelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'

export interface LabelSelectorRequirement {
  readonly key: string
  /** Kept as string: a webhook written by hand may carry an unknown operator, which we must report. */
  readonly operator: SelectorOperator | string
  readonly values?: readonly string[]
}

export interface LabelSelector {
  readonly matchLabels?: Labels
  readonly matchExpressions?: readonly LabelSelectorRequirement[]
}

export interface RuleWithOperations {
  readonly operations?: readonly string[]
  readonly apiGroups?: readonly string[]
  readonly apiVersions?: readonly string[]
  readonly resources?: readonly string[]
  readonly scope?: string
}

export interface MatchCondition {
  readonly name: string
  readonly expression: string
}

export interface WebhookClientConfig {
  readonly service?: {
    readonly name: string
    readonly namespace: string
    readonly path?: string
    readonly port?: number
  }
  readonly url?: string
  readonly caBundle?: string
}

export interface MutatingWebhook {
  readonly name: string
  readonly clientConfig: WebhookClientConfig
  readonly rules?: readonly RuleWithOperations[]
  /** Absent means `{}` (the v1 API defaults it), which matches everything. */
  readonly namespaceSelector?: LabelSelector
  readonly objectSelector?: LabelSelector
  readonly matchConditions?: readonly MatchCondition[]
  readonly failurePolicy?: 'Fail' | 'Ignore' | string
  readonly matchPolicy?: 'Exact' | 'Equivalent' | string
  readonly sideEffects?: string
  readonly timeoutSeconds?: number
  readonly reinvocationPolicy?: 'Never' | 'IfNeeded' | string
  readonly admissionReviewVersions?: readonly string[]
}

export interface ObjectMeta {
  readonly name: string
  readonly namespace?: string
  readonly labels?: Labels
  readonly annotations?: Labels
  readonly creationTimestamp?: string
  readonly uid?: string
  readonly resourceVersion?: string
  readonly generateName?: string
  readonly ownerReferences?: readonly OwnerReference[]
}

export interface OwnerReference {
  readonly kind: string
  readonly name: string
  readonly apiVersion?: string
  readonly controller?: boolean
  readonly uid?: string
}

export interface MutatingWebhookConfiguration {
  readonly metadata: ObjectMeta
  readonly webhooks?: readonly MutatingWebhook[]
  readonly source?: Provenance
}

// ---- narrow views of namespaced objects ----

export interface NamespaceFacts {
  readonly name: string
  /** As stored, including the API-server-defaulted `kubernetes.io/metadata.name` when the source had it. */
  readonly labels: Labels
  readonly annotations: Labels
  readonly source?: Provenance
}

/** The securityContext fields Pod Security Admission reads (container level; the pod-level ones share the names). */
export interface SecurityContextFacts {
  readonly privileged?: boolean
  readonly allowPrivilegeEscalation?: boolean
  readonly runAsNonRoot?: boolean
  readonly runAsUser?: number
  readonly runAsGroup?: number
  readonly readOnlyRootFilesystem?: boolean
  /** Present (possibly empty) when the container has a `capabilities` block. */
  readonly capabilities?: {readonly add?: readonly string[]; readonly drop?: readonly string[]}
  readonly seccompProfileType?: string
  readonly procMount?: string
  /** seLinuxOptions as written (absent when the block is absent; empty strings kept). */
  readonly seLinuxOptions?: {readonly type: string; readonly user: string; readonly role: string}
  readonly appArmorProfileType?: string
  readonly windowsHostProcess?: boolean
  /** Pod securityContext only: the sysctl names, in spec order. */
  readonly sysctls?: readonly string[]
}

/** requests/limits as written (`100m`, `128Mi`). */
export interface ResourceFacts {
  readonly requests?: Labels
  readonly limits?: Labels
}

export interface ContainerFacts {
  readonly name: string
  readonly image?: string
  /** Only init containers: `Always` marks a native sidecar. */
  readonly restartPolicy?: string
  /** Absent when the container has no securityContext (PSA distinguishes nil from set). */
  readonly securityContext?: SecurityContextFacts
  readonly resources?: ResourceFacts
  readonly hostPorts?: readonly number[]
  /** Non-empty httpGet/tcpSocket hosts of its probes and lifecycle handlers. */
  readonly probeHosts?: readonly string[]
}

/** The pod-spec fields admission after injection reads (Pod Security, quota); absent for facts built without them. */
export interface PodSpecFacts {
  readonly securityContext?: SecurityContextFacts
  readonly hostPID?: boolean
  readonly hostIPC?: boolean
  readonly hostUsers?: boolean
  /** Volume name and its source type (`emptyDir`, `hostPath`, `persistentVolumeClaim`…). */
  readonly volumes?: readonly {readonly name: string; readonly type: string}[]
  /** spec.overhead (RuntimeClass), added to the pod's requests and limits. */
  readonly overhead?: Labels
}

/** A compact projection of a Pod or of a pod template; whole objects are not kept (memory at fleet scale). */
export interface PodFacts {
  /** `Pod` for a pod that exists; `PodTemplate` for a workload's template or a manifest not applied yet. */
  readonly kind: 'Pod' | 'PodTemplate'
  readonly namespace: string
  readonly name: string
  readonly generateName?: string
  readonly labels: Labels
  readonly annotations: Labels
  readonly hostNetwork: boolean
  readonly containers: readonly ContainerFacts[]
  readonly initContainers: readonly ContainerFacts[]
  readonly nodeName?: string
  readonly phase?: string
  /** spec.restartPolicy and spec.serviceAccountName: --field-selector evaluates them on files. */
  readonly restartPolicy?: string
  readonly serviceAccountName?: string
  readonly creationTimestamp?: string
  /** Direct controller (e.g. ReplicaSet) from ownerReferences. */
  readonly controller?: OwnerReference
  /** The workload a user restarts (Deployment for a ReplicaSet pod), resolved by the source when it can. */
  readonly owner?: {readonly kind: string; readonly name: string}
  /** The full object, kept only when some webhook has matchConditions (CEL needs `object`). */
  readonly object?: Readonly<Record<string, unknown>>
  /** Pod-level fields for Pod Security and quota. */
  readonly spec?: PodSpecFacts
  readonly source?: Provenance
}

export type WorkloadKind =
  'Deployment' | 'StatefulSet' | 'DaemonSet' | 'ReplicaSet' | 'Job' | 'CronJob' | 'ReplicationController'

/** Every kind whose pod template the tool judges. */
export const workloadKinds: readonly WorkloadKind[] = [
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
  'Job',
  'CronJob',
  'ReplicationController',
]

const workloadKindSet: ReadonlySet<string> = new Set(workloadKinds)
export const isWorkloadKind = (kind: string): kind is WorkloadKind => workloadKindSet.has(kind)

export interface WorkloadFacts {
  readonly kind: WorkloadKind
  readonly namespace: string
  readonly name: string
  /** Labels and annotations on the controller's own metadata (a classic misplacement of the inject label). */
  readonly labels: Labels
  readonly annotations: Labels
  readonly controller?: OwnerReference
  /** The pod template as a PodFacts of kind `PodTemplate`. */
  readonly template: PodFacts
  readonly replicas?: number
  readonly readyReplicas?: number
  /** spec.strategy (Deployment) or spec.updateStrategy (StatefulSet, DaemonSet) as written: what a restart does. */
  readonly rollout?: RolloutStrategy
  /** status.conditions ReplicaFailure=True (ReplicaSet, ReplicationController, Deployment): pod creates fail now. */
  readonly replicaFailure?: {readonly reason: string; readonly message: string; readonly since?: string}
  readonly source?: Provenance
}

export interface RolloutStrategy {
  /** RollingUpdate, Recreate (Deployment) or OnDelete (StatefulSet, DaemonSet). */
  readonly type: string
  /** rollingUpdate.maxSurge / maxUnavailable: an integer or a percentage, as written. */
  readonly maxSurge?: string
  readonly maxUnavailable?: string
}

export interface ConfigMapFacts {
  readonly namespace: string
  readonly name: string
  readonly labels: Labels
  readonly data: Readonly<Record<string, string>>
  readonly source?: Provenance
}

export interface ServicePortFacts {
  readonly name?: string
  readonly port: number
  readonly targetPort?: number | string
  readonly protocol?: string
}

export interface ServiceFacts {
  readonly namespace: string
  readonly name: string
  readonly labels: Labels
  readonly selector?: Labels
  readonly ports: readonly ServicePortFacts[]
  /** spec.type (ClusterIP when absent); ExternalName Services are dialled at `externalName`, not through endpoints. */
  readonly type?: string
  readonly externalName?: string
  /** spec.clusterIP; `None` is a headless Service. */
  readonly clusterIP?: string
  readonly source?: Provenance
}

export interface EndpointSliceFacts {
  readonly namespace: string
  readonly name: string
  /** `kubernetes.io/service-name` label. */
  readonly serviceName?: string
  readonly ports: readonly {readonly name?: string; readonly port?: number}[]
  readonly endpoints: readonly {
    readonly addresses: readonly string[]
    readonly ready: boolean
    readonly targetPod?: string
  }[]
  readonly source?: Provenance
}

export interface EventFacts {
  readonly namespace: string
  readonly involvedObject: {readonly kind: string; readonly name: string; readonly namespace?: string}
  readonly reason: string
  readonly message: string
  readonly type?: string
  readonly count?: number
  readonly lastTimestamp?: string
  /** Age at the snapshot's time when the input gives it relatively (`kubectl get events` LAST SEEN: `5m`). */
  readonly ageSeconds?: number
  readonly source?: Provenance
}

export interface NodeFacts {
  readonly name: string
  /** status.nodeInfo.kubeletVersion, e.g. `v1.33.1`. */
  readonly kubeletVersion?: string
}

export interface ResourceQuotaFacts {
  readonly namespace: string
  readonly name: string
  readonly hard: Labels
  readonly used: Labels
  /** spec.scopes and scopeSelector make the quota apply to some pods only: judged Unknown. */
  readonly scoped: boolean
  readonly source?: Provenance
}

export interface LimitRangeItemFacts {
  readonly type: string
  readonly max?: Labels
  readonly min?: Labels
  readonly maxLimitRequestRatio?: Labels
  readonly default?: Labels
  readonly defaultRequest?: Labels
}

export interface LimitRangeFacts {
  readonly namespace: string
  readonly name: string
  readonly limits: readonly LimitRangeItemFacts[]
  readonly source?: Provenance
}

/** A validating webhook configuration: same webhook shape as a mutating one (no reinvocation). */
export interface ValidatingWebhookConfigurationFacts {
  readonly metadata: ObjectMeta
  readonly webhooks?: readonly MutatingWebhook[]
  readonly source?: Provenance
}

export interface ValidatingAdmissionPolicyFacts {
  readonly name: string
  /** matchConstraints.resourceRules, as on the wire. */
  readonly resourceRules: readonly RuleWithOperations[]
  readonly failurePolicy?: string
  readonly source?: Provenance
}

export interface ValidatingAdmissionPolicyBindingFacts {
  readonly name: string
  readonly policyName: string
  readonly validationActions: readonly string[]
  readonly namespaceSelector?: LabelSelector
  readonly source?: Provenance
}

/** A piece of the cluster that could not be read. Turns into Unknown checks, never into a crash. */
export interface Gap {
  /** Plural resource, e.g. `namespaces`, `mutatingwebhookconfigurations`, `configmaps`, `pods`. */
  readonly resource: string
  readonly namespace?: string
  readonly name?: string
  readonly reason: 'Forbidden' | 'NotFound' | 'NotCollected' | 'Unreachable' | 'Error'
  /** The verb that was refused, e.g. `list`; with resource and namespace it names the missing permission. */
  readonly verb?: string
  readonly message: string
}

export type SnapshotOrigin =
  | {readonly kind: 'live'; readonly context: string; readonly server: string}
  | {readonly kind: 'files'; readonly paths: readonly string[]; readonly layouts?: readonly string[]}

export interface ClusterSnapshot {
  readonly origin: SnapshotOrigin
  /** ISO time the snapshot shows the cluster at: when it was read live, or when a bundle was collected. */
  readonly takenAt?: string
  readonly namespaces: readonly NamespaceFacts[]
  readonly webhookConfigurations: readonly MutatingWebhookConfiguration[]
  /** Istio injector and mesh ConfigMaps (`istio-sidecar-injector[-rev]`, `istio[-rev]`), from any namespace. */
  readonly configMaps: readonly ConfigMapFacts[]
  readonly pods: readonly PodFacts[]
  readonly workloads: readonly WorkloadFacts[]
  readonly services: readonly ServiceFacts[]
  readonly endpointSlices: readonly EndpointSliceFacts[]
  readonly events: readonly EventFacts[]
  readonly nodes: readonly NodeFacts[]
  /** Raw text evidence from bundles: istiod logs (`discovery.log`) keyed by provenance. */
  readonly logs: readonly {readonly source: Provenance; readonly text: string}[]
  readonly gaps: readonly Gap[]
  /** Read for admission after injection; absent (not collected) means Unknown, never "none". */
  readonly resourceQuotas?: readonly ResourceQuotaFacts[]
  readonly limitRanges?: readonly LimitRangeFacts[]
  readonly validatingWebhookConfigurations?: readonly ValidatingWebhookConfigurationFacts[]
  readonly validatingAdmissionPolicies?: readonly ValidatingAdmissionPolicyFacts[]
  readonly validatingAdmissionPolicyBindings?: readonly ValidatingAdmissionPolicyBindingFacts[]
}

/** An empty snapshot to build on (sources and tests spread it). */
export const emptySnapshot = (origin: SnapshotOrigin): ClusterSnapshot => ({
  origin,
  namespaces: [],
  webhookConfigurations: [],
  configMaps: [],
  pods: [],
  workloads: [],
  services: [],
  endpointSlices: [],
  events: [],
  nodes: [],
  logs: [],
  gaps: [],
})
