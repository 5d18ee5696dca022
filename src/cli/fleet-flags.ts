// The fleet flags both commands take (--context repeatable, --all-contexts, --context-selector, --max-parallel), so
// inject-check and inject-diff select and bound contexts alike; only the wording of what a context run does differs.
import {Flags} from '@oclif/core'
import {defaultMaxParallel} from './fleet-plan.js'

/** What one command says about --context repeated and --all-contexts (e.g. "check" and "a CONTEXT column is added"). */
export interface FleetFlagWording {
  readonly context: string
  readonly allContexts: string
}

export const fleetFlags = (wording: FleetFlagWording) => ({
  // Repeatable here (kubectl's --context is one name): two or more make a fleet run.
  context: Flags.string({
    description: wording.context,
    multiple: true,
    multipleNonGreedy: true,
    helpGroup: 'KUBERNETES',
  }),
  'all-contexts': Flags.boolean({description: wording.allContexts, helpGroup: 'FLEET'}),
  'context-selector': Flags.string({
    description:
      'Only the contexts whose names match this glob (*, ?, [a-z]); alone it selects from every context.',
    helpValue: 'GLOB',
    helpGroup: 'FLEET',
  }),
  'max-parallel': Flags.integer({
    description: `Contexts read at once in a fleet run (default ${defaultMaxParallel}).`,
    min: 1,
    helpGroup: 'FLEET',
  }),
})
