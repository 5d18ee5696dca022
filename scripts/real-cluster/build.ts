// Builds kube-apiserver, kube-controller-manager and etcd from the Go modules in test/real-cluster/ and caches the
// binaries per version outside git, so a second run only checks that three files exist.
import {execFileSync, spawn} from 'node:child_process'
import {chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync} from 'node:fs'
import {homedir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

const moduleRoot = fileURLToPath(new URL('../../test/real-cluster/', import.meta.url))

export interface Component {
  name: 'kube-apiserver' | 'kube-controller-manager' | 'etcd'
  path: string
}

export interface Binaries {
  kubeVersion: string
  etcdVersion: string
  kubeApiserver: string
  kubeControllerManager: string
  etcd: string
}

// The version a go.mod requires for one module (the single source of truth for the cache key).
function requiredVersion(goMod: string, module: string): string {
  const text = readFileSync(join(moduleRoot, goMod, 'go.mod'), 'utf8')
  const match = new RegExp(`^\\s*(?:require\\s+)?${module.replaceAll('.', '\\.')}\\s+(v\\S+)`, 'm').exec(text)
  if (!match) throw new Error(`${goMod}/go.mod does not require ${module}`)
  return match[1]!
}

export function cacheRoot(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'kubectl-inject', 'real-cluster')
}

export function plannedBinaries(): Binaries {
  const kubeVersion = requiredVersion('kube', 'k8s.io/kubernetes')
  const etcdVersion = requiredVersion('etcd', 'go.etcd.io/etcd/server/v3')
  const kubeDir = join(cacheRoot(), kubeVersion)
  return {
    kubeVersion,
    etcdVersion,
    kubeApiserver: join(kubeDir, 'kube-apiserver'),
    kubeControllerManager: join(kubeDir, 'kube-controller-manager'),
    etcd: join(cacheRoot(), `etcd-${etcdVersion}`, 'etcd'),
  }
}

export const binariesCached = (b: Binaries = plannedBinaries()): boolean =>
  [b.kubeApiserver, b.kubeControllerManager, b.etcd].every((p) => existsSync(p))

export function goVersion(): string | undefined {
  try {
    return execFileSync('go', ['version'], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']}).trim()
  } catch {
    return undefined
  }
}

const goEnv = (): NodeJS.ProcessEnv => ({
  ...process.env,
  GOTOOLCHAIN: 'local',
  GOWORK: 'off',
  CGO_ENABLED: '0',
  GOFLAGS: '-modcacherw',
})

// upstream: hack/lib/golang.sh builds server binaries static, trimmed, with these tags and version ldflags.
function kubeBuildArgs(version: string, outDir: string): string[] {
  const [major, minor] = version.replace(/^v/, '').split('.')
  const x = (k: string, v: string): string => `-X k8s.io/component-base/version.${k}=${v}`
  const ldflags = [
    '-s -w',
    x('gitVersion', version),
    x('gitMajor', major!),
    x('gitMinor', minor!),
    x('gitTreeState', 'clean'),
  ].join(' ')
  return [
    'build',
    '-trimpath',
    '-tags',
    'selinux,notest,grpcnotrace',
    '-ldflags',
    ldflags,
    '-o',
    outDir + '/',
    'k8s.io/kubernetes/cmd/kube-apiserver',
    'k8s.io/kubernetes/cmd/kube-controller-manager',
  ]
}

function runGo(args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('go', args, {cwd, env: goEnv(), stdio: ['ignore', 'ignore', 'pipe']})
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', (error) => reject(error))
    child.on('close', (code) => {
      if (code === 0) return resolve()
      const last = stderr.trim().split('\n').slice(-3).join(' | ')
      reject(new Error(`go ${args[0]} exited ${code}: ${last || 'no output'}`))
    })
  })
}

const mb = (path: string): string => `${(statSync(path).size / 1e6).toFixed(0)} MB`
const seconds = (start: number): string => `${((Date.now() - start) / 1000).toFixed(1)} s`

export async function buildInto(
  label: string,
  cwd: string,
  args: (tmp: string) => string[],
  outputs: string[],
  log: (line: string) => void,
): Promise<void> {
  if (outputs.every((p) => existsSync(p))) {
    log(`${label}: cached (${outputs.map((p) => `${p} ${mb(p)}`).join(', ')})`)
    return
  }
  const dir = join(outputs[0]!, '..')
  const tmp = `${dir}.tmp-${process.pid}`
  mkdirSync(tmp, {recursive: true})
  const start = Date.now()
  log(`${label}: building with ${goVersion() ?? 'go'} (cold on 2 cores: minutes) …`)
  try {
    await runGo(args(tmp), cwd)
  } catch (error) {
    rmSync(tmp, {recursive: true, force: true})
    throw new Error(`${label}: build failed: ${(error as Error).message}`, {cause: error})
  }
  mkdirSync(dir, {recursive: true})
  for (const out of outputs) {
    const name = out.slice(dir.length + 1)
    renameSync(join(tmp, name), out)
    chmodSync(out, 0o755)
  }
  rmSync(tmp, {recursive: true, force: true})
  log(
    `${label}: built in ${seconds(start)} (${outputs.map((p) => `${p.slice(dir.length + 1)} ${mb(p)}`).join(', ')})`,
  )
}

// Builds whatever is missing; throws one line naming the component and the reason.
export async function ensureBinaries(log: (line: string) => void = () => {}): Promise<Binaries> {
  const b = plannedBinaries()
  if (!binariesCached(b) && goVersion() === undefined)
    throw new Error(`real-cluster binaries: not in ${cacheRoot()} and no Go toolchain on PATH to build them`)
  await buildInto(
    `etcd ${b.etcdVersion}`,
    join(moduleRoot, 'etcd'),
    (tmp) => ['build', '-trimpath', '-o', join(tmp, 'etcd'), 'go.etcd.io/etcd/server/v3'],
    [b.etcd],
    log,
  )
  await buildInto(
    `kube-apiserver + kube-controller-manager ${b.kubeVersion}`,
    join(moduleRoot, 'kube'),
    (tmp) => kubeBuildArgs(b.kubeVersion, tmp),
    [b.kubeApiserver, b.kubeControllerManager],
    log,
  )
  return b
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const start = Date.now()
  ensureBinaries((line) => console.log(line))
    .then(() => console.log(`real-cluster binaries ready in ${seconds(start)}`))
    .catch((error: Error) => {
      console.error(error.message)
      process.exitCode = 1
    })
}
