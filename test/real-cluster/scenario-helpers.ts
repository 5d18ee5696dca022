// Helpers of the real-cluster scenario files: objects, polling, the tool as a kubectl plugin, the skip line.
import {pluginPath} from './kubectl-plugins.js'
import assert from 'node:assert/strict'
import {delimiter} from 'node:path'
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

/** `kubectl inject-…` through kubectl's plugin mechanism (default context inspector). */
export const pluginRunner =
  (cluster: RealCluster) =>
  (args: string[], context: KubectlOptions['context'] = 'inspector'): ReturnType<RealCluster['kubectl']> =>
    cluster.kubectl(args, {
      context,
      env: {PATH: `${pluginPath()}${delimiter}${process.env.PATH ?? ''}`, NO_COLOR: '1'},
    })
