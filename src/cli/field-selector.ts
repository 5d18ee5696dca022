// --field-selector over pods: the API server evaluates it live; on files the common pod fields are evaluated here.
// Syntax from apimachinery pkg/fields/selector.go (`a=b`, `a==b`, `a!=b`, comma = and); pod fields from
// kubernetes pkg/registry/core/pod/strategy.go (PodToSelectableFields).
import type {PodFacts} from '../core/snapshot.js'

export interface FieldRequirement {
  readonly field: string
  readonly equal: boolean
  readonly value: string
}

export type FieldSelectorParse =
  | {readonly ok: true; readonly requirements: FieldRequirement[]}
  | {readonly ok: false; readonly error: string}

/** Parses `status.phase=Running,spec.nodeName!=node-1`; an empty selector selects everything. */
export const parseFieldSelector = (text: string): FieldSelectorParse => {
  const requirements: FieldRequirement[] = []
  for (const term of text.split(',')) {
    if (term.trim() === '') continue
    const match = /^([^=!]+)(!=|==|=)(.*)$/.exec(term.trim())
    if (match === null)
      return {
        ok: false,
        error: `invalid field selector "${text}": can't understand '${term}' (use field=value or field!=value)`,
      }
    requirements.push({field: match[1]!.trim(), equal: match[2] !== '!=', value: match[3]!.trim()})
  }
  return {ok: true, requirements}
}

// The pod fields a file's PodFacts carry; a missing field is "" as the API server compares it.
const offlineFields: Readonly<Record<string, (pod: PodFacts) => string | undefined>> = {
  'metadata.name': (pod) => pod.name,
  'metadata.namespace': (pod) => pod.namespace,
  'spec.nodeName': (pod) => pod.nodeName,
  'spec.restartPolicy': (pod) => pod.restartPolicy,
  'spec.serviceAccountName': (pod) => pod.serviceAccountName,
  'spec.hostNetwork': (pod) => String(pod.hostNetwork),
  'status.phase': (pod) => pod.phase,
}

/** On files, a field this tool cannot evaluate is refused (never silently matched); undefined when all are known. */
export const offlineFieldProblem = (requirements: readonly FieldRequirement[]): string | undefined => {
  const unknown = requirements.find((r) => offlineFields[r.field] === undefined)
  if (unknown === undefined) return undefined
  return `--field-selector with --from evaluates ${Object.keys(offlineFields).join(', ')}; "${unknown.field}" is not one of them`
}

/** True when the pod satisfies every requirement (offline evaluation). */
export const podMatchesFields = (pod: PodFacts, requirements: readonly FieldRequirement[]): boolean =>
  requirements.every((r) => {
    const read = offlineFields[r.field]
    const value = read === undefined ? '' : (read(pod) ?? '')
    return (value === r.value) === r.equal
  })

/**
 * A field selector lists pods only (workload rows of a sweep are dropped, as `kubectl get pods --field-selector`
 * shows no workloads); on files the pods are also matched here, live the API server already did.
 */
export const keepSelectedPods = <
  V extends {readonly target: {kind: string; namespace: string; name: string}},
>(
  verdicts: readonly V[],
  pods: readonly PodFacts[],
  requirements: readonly FieldRequirement[],
  offline: boolean,
): V[] => {
  const byKey = new Map(pods.map((pod) => [`${pod.namespace}/${pod.name}`, pod]))
  return verdicts.filter((v) => {
    if (v.target.kind !== 'Pod') return false
    if (!offline) return true
    const pod = byKey.get(`${v.target.namespace}/${v.target.name}`)
    return pod !== undefined && podMatchesFields(pod, requirements)
  })
}
