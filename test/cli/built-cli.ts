// The built plugins that command-line tests run, and the guard that they were built from this tree: a dist/ older than
// its sources (src/, commands/, scripts/bundle*) fails every CLI test loudly instead of testing old code.
import {readdirSync, statSync} from 'node:fs'
import {join, relative} from 'node:path'
import {fileURLToPath} from 'node:url'

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url))
export const checkBin = join(repoRoot, 'bin', 'kubectl-inject_check')
export const diffBin = join(repoRoot, 'bin', 'kubectl-inject_diff')

/** What `npm run build` writes and the CLI tests run: the bundles and tsc's command modules. */
export const buildOutputs = [
  'dist/bin/kubectl-inject_check.cjs',
  'dist/bin/kubectl-inject_diff.cjs',
  'dist/bin/kubectl_complete-inject_check.cjs',
  'dist/bin/kubectl_complete-inject_diff.cjs',
  'dist/commands/inject-check.js',
  'dist/commands/inject-diff.js',
]

const filesUnder = (dir: string): string[] =>
  readdirSync(dir, {withFileTypes: true}).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)],
  )

const buildInputs = (root: string): string[] => [
  ...filesUnder(join(root, 'src')),
  ...filesUnder(join(root, 'commands')),
  ...readdirSync(join(root, 'scripts'))
    .filter((name) => name.startsWith('bundle'))
    .map((name) => join(root, 'scripts', name)),
]

/** Why the build under `root` cannot be trusted, or undefined when every output is newer than every input. */
export const staleBuild = (root: string): string | undefined => {
  let oldest: {path: string; time: number} | undefined
  for (const output of buildOutputs) {
    let time: number
    try {
      time = statSync(join(root, output)).mtimeMs
    } catch {
      return `${output} is missing: run npm run build before the command-line tests`
    }
    if (oldest === undefined || time < oldest.time) oldest = {path: output, time}
  }
  const newer = buildInputs(root).filter((path) => statSync(path).mtimeMs > (oldest?.time ?? 0))
  if (newer.length === 0) return undefined
  const names = newer.slice(0, 3).map((path) => relative(root, path))
  const more = newer.length > 3 ? ` and ${newer.length - 3} more` : ''
  return `the build in dist/ is older than ${names.join(', ')}${more} (${oldest?.path} predates them): run npm run build, then the tests`
}

let verdict: string | undefined | null = null

/** Throws (every time) when this checkout's dist/ is missing or older than its sources; checked once per process. */
export const assertFreshBuild = (): void => {
  if (verdict === null) verdict = staleBuild(repoRoot)
  if (verdict !== undefined) throw new Error(`Stale build: ${verdict}`)
}
