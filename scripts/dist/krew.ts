// The real krew, built once from the Go module proxy (scripts/dist/krew/go.mod pins it) and cached under
// ~/.cache/kubectl-inject/krew-<version>/: kubectl-krew (run by kubectl as `kubectl krew`) and validate-krew-manifest.
import {execFileSync} from 'node:child_process'
import {existsSync, mkdirSync, readFileSync, renameSync} from 'node:fs'
import {homedir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {goVersion} from '../real-cluster/build.js'

const moduleDir = fileURLToPath(new URL('./krew/', import.meta.url))

/** The pinned krew version (go.mod's require line). */
export function krewVersion(): string {
  const version = /sigs\.k8s\.io\/krew (v\S+)/.exec(readFileSync(join(moduleDir, 'go.mod'), 'utf8'))?.[1]
  if (version === undefined) throw new Error('scripts/dist/krew/go.mod requires no sigs.k8s.io/krew')
  return version
}

export type KrewTools = {readonly dir: string; readonly krew: string; readonly validate: string}

export function krewTools(): KrewTools {
  const dir = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'kubectl-inject', `krew-${krewVersion()}`)
  return {dir, krew: join(dir, 'kubectl-krew'), validate: join(dir, 'validate-krew-manifest')}
}

/** Whether krew is cached or can be built: the reason it cannot, else undefined. */
export function krewUnavailable(): string | undefined {
  const tools = krewTools()
  if (existsSync(tools.krew) && existsSync(tools.validate)) return undefined
  return goVersion() === undefined ? `no cached krew ${krewVersion()} and no Go toolchain on PATH` : undefined
}

/** Builds what is not cached yet (about a minute on 2 cores with a warm module cache), then returns the paths. */
export function ensureKrew(): KrewTools {
  const tools = krewTools()
  mkdirSync(tools.dir, {recursive: true})
  for (const [command, output] of [
    ['krew', tools.krew],
    ['validate-krew-manifest', tools.validate],
  ] as const) {
    if (existsSync(output)) continue
    process.stderr.write(`building sigs.k8s.io/krew/cmd/${command}@${krewVersion()} from the Go module proxy\n`)
    execFileSync('go', ['build', '-o', `${output}.partial`, `sigs.k8s.io/krew/cmd/${command}`], {
      cwd: moduleDir,
      env: {...process.env, GOFLAGS: '-mod=mod', GOWORK: 'off', GOTOOLCHAIN: 'local', CGO_ENABLED: '0'},
      stdio: ['ignore', 'inherit', 'inherit'],
    })
    renameSync(`${output}.partial`, output)
  }
  return tools
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.stdout.write(`${JSON.stringify(ensureKrew())}\n`)
