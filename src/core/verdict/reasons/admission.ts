// Reasons from the API server's webhook selection (layer 1).
import type {ReasonDefinition} from '../reason-definition.js'

export const admissionReasons = {
  NamespaceSelectorMatch: {level: 'Info', summary: 'namespaceSelector matches the namespace labels', hint: ''},
  NamespaceSelectorMismatch: {
    level: 'Info',
    summary: 'namespaceSelector does not match the namespace labels',
    hint: 'kubectl label namespace {namespace} {label} --overwrite',
  },
} as const satisfies Record<string, ReasonDefinition>
