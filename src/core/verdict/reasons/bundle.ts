// Reasons about offline inputs: support bundles, cluster-info dumps and plain kubectl output.
import type {ReasonDefinition} from '../reason-definition.js'

export const bundleReasons = {} as const satisfies Record<string, ReasonDefinition>
