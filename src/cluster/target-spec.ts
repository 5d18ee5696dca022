// TargetSpec lives in the core (the core dispatches on it); re-exported for the cluster-side readers.
export type {SnapshotExtras, TargetSpec} from '../core/target-spec.js'
