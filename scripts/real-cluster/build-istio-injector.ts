// Builds test/real-cluster/istio-injector (Istio's own injection webhook, istio.io/istio pkg/kube/inject, served from
// ConfigMap files) and caches the binary outside git beside the kube binaries, keyed by its sources' hash.
import {createHash} from 'node:crypto'
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {buildInto, cacheRoot, goVersion} from './build.js'

const moduleDir = fileURLToPath(new URL('../../test/real-cluster/istio-injector/', import.meta.url))
const sources = ['go.mod', 'go.sum', 'main.go']

export interface IstioInjector {
  istioVersion: string
  path: string
}

export type InjectorAvailability = {available: true; how: string} | {available: false; reason: string}

// istio.io/istio has no release as a Go module: go.mod pins a pseudo-version snapshot.
function istioVersion(): string {
  const match = /^\s*istio\.io\/istio\s+(v\S+)/m.exec(readFileSync(join(moduleDir, 'go.mod'), 'utf8'))
  if (!match) throw new Error('istio-injector/go.mod does not require istio.io/istio')
  return match[1]!
}

export function plannedIstioInjector(): IstioInjector {
  const hash = createHash('sha256')
  for (const file of sources) hash.update(readFileSync(join(moduleDir, file)))
  const key = hash.digest('hex').slice(0, 12)
  return {istioVersion: istioVersion(), path: join(cacheRoot(), `istio-injector-${key}`, 'istio-injector')}
}

export function istioInjectorAvailable(): InjectorAvailability {
  const planned = plannedIstioInjector()
  if (existsSync(planned.path)) return {available: true, how: `cached ${planned.path}`}
  const go = goVersion()
  if (go) return {available: true, how: `${go} will build istio.io/istio ${planned.istioVersion}`}
  return {available: false, reason: `no cached istio-injector in ${cacheRoot()} and no Go toolchain on PATH`}
}

// Builds the binary when missing; throws one line with the reason.
export async function ensureIstioInjector(log: (line: string) => void = () => {}): Promise<IstioInjector> {
  const planned = plannedIstioInjector()
  if (!existsSync(planned.path) && goVersion() === undefined)
    throw new Error(`istio-injector: not in ${cacheRoot()} and no Go toolchain on PATH to build it`)
  await buildInto(
    `istio-injector (istio.io/istio ${planned.istioVersion})`,
    moduleDir,
    (tmp) => ['build', '-trimpath', '-ldflags', '-s -w', '-o', join(tmp, 'istio-injector'), '.'],
    [planned.path],
    log,
  )
  return planned
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  ensureIstioInjector((line) => console.log(line)).catch((error: Error) => {
    console.error(error.message)
    process.exitCode = 1
  })
}
