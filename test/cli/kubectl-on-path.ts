// kubectl for the tests that drive real kubectl: found on PATH like a shell would, never at a fixed location.
import {accessSync, constants, statSync} from 'node:fs'
import {delimiter, join} from 'node:path'

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
