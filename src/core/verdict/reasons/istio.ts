// Reasons from istiod's injection policy (layer 2) and from revisions and tags.
import type {ReasonDefinition} from '../reason-definition.js'

export const istioReasons = {
  HostNetwork: {
    level: 'Info',
    summary: 'pods with hostNetwork: true are never injected',
    hint: 'Remove spec.hostNetwork from the pod template if the pod must join the mesh',
  },
} as const satisfies Record<string, ReasonDefinition>
