// Helpers of the real-cluster scenario files: objects, polling, the tool as a kubectl plugin, the skip line.
import assert from 'node:assert/strict'
import {mkdtempSync, readFileSync, symlinkSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {delimiter, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {it} from 'node:test'
import type {Availability, KubectlOptions, RealCluster} from './cluster.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kubernetes objects of any shape
export type Json = Record<string, any>

/** Says why a file is skipped; in CI a skip is a failure. */
export function skipNote(availability: Availability): void {
  if (availability.available) return
  const inCi = process.env.CI === 'true'
  const line = `real-cluster suite ${inCi ? 'FAILED' : 'SKIPPED'}: ${availability.reason}`
  console.log(line)
  if (inCi)
    it('the real control plane can be built or is cached (CI never skips it)', () => assert.fail(line))
}

export const deployment = (name: string, namespace: string): Json => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {name, namespace},
  spec: {
    replicas: 1,
    selector: {matchLabels: {app: name}},
    template: {metadata: {labels: {app: name}}, spec: {containers: [{name: 'app', image: 'nginx:1.27'}]}},
  },
})

export const pod = (name: string, namespace: string): Json => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {name, namespace, labels: {app: name}},
  spec: {containers: [{name: 'app', image: 'nginx:1.27'}]},
})

export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs / 1000} s waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 250))
  }
}

export const hasSidecar = (p: Json): boolean =>
  [...(p.spec?.initContainers ?? []), ...(p.spec?.containers ?? [])].some(
    (c: Json) => c.name === 'istio-proxy',
  )

// What `npm install -g` puts on PATH: package.json's bin names (kubectl-inject_check, …) linked to bin/*.js.
let plugins: string | undefined
function pluginPath(): string {
  if (plugins) return plugins
  const root = fileURLToPath(new URL('../../', import.meta.url))
  const bins = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {bin: Record<string, string>})
    .bin
  const dir = mkdtempSync(join(tmpdir(), 'kubectl-plugins-'))
  for (const [name, target] of Object.entries(bins)) symlinkSync(join(root, target), join(dir, name))
  return (plugins = dir)
}

/** `kubectl inject-…` through kubectl's plugin mechanism (default context inspector). */
export const pluginRunner =
  (cluster: RealCluster) =>
  (args: string[], context: KubectlOptions['context'] = 'inspector'): ReturnType<RealCluster['kubectl']> =>
    cluster.kubectl(args, {
      context,
      env: {PATH: `${pluginPath()}${delimiter}${process.env.PATH ?? ''}`, NO_COLOR: '1'},
    })
