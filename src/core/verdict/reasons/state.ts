// Reasons about the observed state of existing pods (sidecar present, drift) and data gaps.
import type {ReasonDefinition} from '../reason-definition.js'

export const stateReasons = {
  Forbidden: {
    level: 'Warning',
    summary: 'a needed resource could not be read (forbidden)',
    hint: 'Ask for `{verb}` on {resource}; check with: kubectl auth can-i {verb} {resource}',
  },
} as const satisfies Record<string, ReasonDefinition>
