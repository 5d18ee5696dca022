// What a command asks a source for (pure data, so the core can dispatch on it). Sources fetch only what the target needs.
import type {WorkloadKind} from './snapshot.js'

export type TargetSpec =
  | {readonly kind: 'pod'; readonly namespace: string; readonly name: string}
  | {
      readonly kind: 'workload'
      readonly workloadKind: WorkloadKind
      readonly namespace: string
      readonly name: string
    }
  | {readonly kind: 'namespace'; readonly name: string}
  /** Every pod in a namespace (null = all namespaces), optionally filtered by label and field selector strings. */
  | {
      readonly kind: 'sweep'
      readonly namespace: string | null
      readonly labelSelector?: string
      readonly fieldSelector?: string
    }
  /** Every object of one kind in scope (`kubectl inject-check deployments`), -l over the objects' own labels. */
  | {
      readonly kind: 'list'
      readonly listKind: WorkloadKind | 'Namespace'
      /** null = all namespaces (always null for namespaces). */
      readonly namespace: string | null
      readonly labelSelector?: string
    }
  /** Local manifests judged against the cluster: the source needs namespaces, webhooks and injector ConfigMaps only. */
  | {readonly kind: 'manifests'; readonly namespaces: readonly string[]}

/** Extra data a view needs beyond the verdict inputs (e.g. --health needs Services, EndpointSlices, events). */
export interface SnapshotExtras {
  readonly health?: boolean
}
