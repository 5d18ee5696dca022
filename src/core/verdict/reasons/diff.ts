// Reasons reported by inject-diff (preview routes and their failures).
import type {ReasonDefinition} from '../reason-definition.js'

export const diffReasons = {} as const satisfies Record<string, ReasonDefinition>
