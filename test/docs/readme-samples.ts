// The README's command samples: each is run against the bundled demo cluster, so the README shows real output.
import {execFileSync} from 'node:child_process'
import {assertFreshBuild, checkBin, repoRoot} from '../cli/built-cli.js'
import {assertOutputMatchesSchema} from '../schemas/validate-output.js'

export interface ReadmeSample {
  readonly name: string
  readonly args: readonly string[]
  /** Output that depends on the clock (certificate ages) is refreshed by `npm run docs` but not compared by tests. */
  readonly clockDependent?: boolean
}

export const readmeSamples: readonly ReadmeSample[] = [
  {name: 'trail', args: ['deploy/web', '-n', 'shop', '--from', 'examples/demo-cluster']},
  {name: 'table', args: ['-A', '--from', 'examples/demo-cluster']},
  {name: 'admission-trap', args: ['deploy/cart-api', '-n', 'checkout', '--from', 'examples/demo-cluster']},
  {name: 'admission-fixed', args: ['deploy/catalog', '-n', 'storefront', '--from', 'examples/demo-cluster']},
  {name: 'health', args: ['-A', '--health', '--from', 'examples/demo-cluster'], clockDependent: true},
]

/** Runs the built plugin (npm run build first) and returns the README block: the command line and its output. */
export const renderSample = (sample: ReadmeSample): string => {
  assertFreshBuild()
  let output: string
  try {
    output = execFileSync(process.execPath, [checkBin, ...sample.args], {
      cwd: repoRoot,
      encoding: 'utf8',
      env: {...process.env, NO_COLOR: '1', COLUMNS: undefined},
    })
  } catch (error) {
    output = String((error as {stdout?: string}).stdout ?? '')
  }
  assertOutputMatchesSchema(output)
  const command = `$ kubectl inject-check ${sample.args.join(' ')}`
  return ['```console', command, output.trimEnd(), '```'].join('\n')
}
