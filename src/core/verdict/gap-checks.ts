// Turns snapshot gaps into Unknown checks that name the missing permission or the missing input.
import {sh} from './shell-command.js'
import type {ClusterSnapshot, Gap} from '../snapshot.js'
import type {Check, CheckStage} from './verdict.js'

/** The first gap covering a resource (optionally in a namespace, optionally by name). */
export const findGap = (
  snapshot: ClusterSnapshot,
  resource: string,
  namespace?: string,
  name?: string,
): Gap | undefined =>
  snapshot.gaps.find(
    (g) =>
      g.resource === resource &&
      (g.namespace === undefined || namespace === undefined || g.namespace === namespace) &&
      (g.name === undefined || name === undefined || g.name === name),
  )

/** `kubectl auth can-i list configmaps -n istio-system`: the exact question to ask the cluster. */
export const canICommand = (gap: Gap): string => {
  const verb = gap.verb ?? (gap.name === undefined ? 'list' : 'get')
  return gap.namespace === undefined
    ? sh`kubectl auth can-i ${verb} ${gap.resource}`
    : sh`kubectl auth can-i ${verb} ${gap.resource} -n ${gap.namespace}`
}

export const gapCheck = (stage: CheckStage, gap: Gap): Check => {
  const where = `${gap.resource}${gap.name === undefined ? '' : `/${gap.name}`}${gap.namespace === undefined ? '' : ` -n ${gap.namespace}`}`
  if (gap.reason === 'Forbidden') {
    return {
      stage,
      code: 'Forbidden',
      result: 'Unknown',
      subject: where,
      // Status messages already end with their `kubectl auth can-i …`: it is not repeated.
      detail: gap.message.includes('auth can-i')
        ? `missing permission (${gap.message})`
        : `missing permission (${gap.message}); check with: ${canICommand(gap)}`,
    }
  }
  return {
    stage,
    code: 'DataMissing',
    result: 'Unknown',
    subject: where,
    detail: `${gap.reason}: ${gap.message}`,
  }
}

/** Hint parameters for Forbidden/DataMissing. */
export const gapParams = (gap: Gap): Readonly<Record<string, string>> => ({
  verb: gap.verb ?? (gap.name === undefined ? 'list' : 'get'),
  resource: gap.namespace === undefined ? gap.resource : `${gap.resource} -n ${gap.namespace}`,
})
