// Loads the shared Istio and scenario fixtures through the real file source, once per pair.
import {fileURLToPath} from 'node:url'
import {readFileSnapshot} from '../../src/cluster/file-source.js'
import type {ClusterSnapshot} from '../../src/core/snapshot.js'

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url))
const cache = new Map<string, Promise<ClusterSnapshot>>()

/** `loadCluster('default-1.28', 'created-before-label')`: test/fixtures/istio/<install>.yaml plus test/fixtures/clusters/<scenario>.yaml. */
export const loadCluster = (
  install: string | readonly string[],
  ...scenarios: string[]
): Promise<ClusterSnapshot> => {
  const installs = typeof install === 'string' ? [install] : install
  const paths = [
    ...installs.map((i) => `${fixtures}istio/${i}.yaml`),
    ...scenarios.map((s) => `${fixtures}clusters/${s}.yaml`),
  ]
  const key = paths.join('|')
  const cached = cache.get(key) ?? readFileSnapshot(paths)
  cache.set(key, cached)
  return cached
}

export const fixturePath = (relative: string): string => `${fixtures}${relative}`
