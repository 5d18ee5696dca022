// kubectl for the tests that drive real kubectl: found on PATH like a shell would, never at a fixed location; the PATH
// and the API-server double it is given.
import {accessSync, constants, statSync} from 'node:fs'
import {delimiter, dirname, join} from 'node:path'
import {loadYamlObjects, startApiServer} from '../apiserver-double/index.js'
import type {ApiServerDouble} from '../apiserver-double/index.js'
import {fixturePath} from '../check/cluster-fixtures.js'
import {repoRoot} from './built-cli.js'

/** The first executable `kubectl` on `path`, or undefined. */
export const findOnPath = (name: string, path: string = process.env.PATH ?? ''): string | undefined => {
  for (const dir of path.split(delimiter).filter((d) => d !== '')) {
    const candidate = join(dir, name)
    try {
      accessSync(candidate, constants.X_OK)
      if (statSync(candidate).isFile()) return candidate
    } catch {
      // Not here.
    }
  }
  return undefined
}

/** kubectl's path; throws "kubectl is required for these tests" when PATH has none (call it at module level: one failure). */
export const requireKubectl = (): string => {
  const found = findOnPath('kubectl')
  if (found === undefined)
    throw new Error(
      `kubectl is required for these tests: no executable kubectl on PATH (${process.env.PATH ?? ''})`,
    )
  return found
}

export const binDir = join(repoRoot, 'bin')
// bin/ itself, as a user's PATH would hold it, plus node for the launchers' `#!/usr/bin/env node`.
export const pluginPath = `${binDir}:${dirname(process.execPath)}`

/** A double serving the default 1.28 install and the shop namespace's workloads (created-before-label). */
export const startShopCluster = (): Promise<ApiServerDouble> =>
  startApiServer({
    objects: [
      ...loadYamlObjects(fixturePath('istio/default-1.28.yaml')),
      ...loadYamlObjects(fixturePath('clusters/created-before-label.yaml')),
    ],
  })
