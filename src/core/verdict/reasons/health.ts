// Reasons from webhook health checks and failure forensics (Services, endpoints, caBundle, events).
import type {ReasonDefinition} from '../reason-definition.js'

export const healthReasons = {} as const satisfies Record<string, ReasonDefinition>
