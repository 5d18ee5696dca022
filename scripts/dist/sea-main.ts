// Runtime of the single executable (`npm run dist`): one binary serves every bin of package.json, chosen by the name it
// runs under (krew links it as kubectl-inject_check / kubectl-inject_diff), with oclif's package.json and manifest embedded.
import {Plugin} from '@oclif/core'
import type {Command, Interfaces} from '@oclif/core'
import {basename, dirname} from 'node:path'
import {runBundledCommand} from '../bundle-launcher.js'

/** A bin of package.json: an oclif command (loaded from the bundle) or a script run for its effect. */
export type SeaBin =
  | {readonly command: string; readonly load: () => Promise<Command.Class>}
  | {readonly run: () => unknown}

const usageExit = 64

/** Runs the bin named by the executable's own name, else by the first argument (`kubectl-inject inject-check -A`). */
export async function runSea(
  bins: Readonly<Record<string, SeaBin>>,
  pjson: Interfaces.PJSON,
  manifest: Interfaces.Manifest,
): Promise<void> {
  const chosen = chooseBin(bins, process.argv0, process.argv[2])
  if (chosen === undefined) {
    const names = Object.keys(bins).join(', ')
    process.stderr.write(
      `error: run this executable as one of ${names} (krew links it under those names), ` +
        `or name the plugin first: ${basename(process.argv0)} inject-check ARGS\n`,
    )
    process.exitCode = usageExit
    return
  }
  if (chosen.shift) process.argv.splice(2, 1)
  const bin = chosen.bin
  if ('run' in bin) {
    bin.run()
    return
  }
  await runBundledCommand(bin.command, bin.load, await embeddedOptions(pjson, manifest))
}

/** The bin for an executable name (`.exe` dropped) or, failing that, for the first argument (then shifted away). */
export function chooseBin(
  bins: Readonly<Record<string, SeaBin>>,
  argv0: string,
  first: string | undefined,
): {bin: SeaBin; shift: boolean} | undefined {
  // Either separator: the file name on Windows too, whatever platform this runs on.
  const own = byName(bins, (argv0.split(/[\\/]/).pop() ?? '').replace(/\.exe$/i, ''))
  if (own !== undefined) return {bin: own, shift: false}
  const named = first === undefined ? undefined : (byName(bins, first) ?? byName(bins, `kubectl-${first.replaceAll('-', '_')}`))
  return named === undefined ? undefined : {bin: named, shift: true}
}

const byName = (bins: Readonly<Record<string, SeaBin>>, name: string): SeaBin | undefined =>
  Object.hasOwn(bins, name) ? bins[name] : undefined

// Config.load with a ready root plugin: oclif then reads neither package.json nor oclif.manifest.json from disk.
async function embeddedOptions(pjson: Interfaces.PJSON, manifest: Interfaces.Manifest): Promise<Interfaces.LoadOptions> {
  const root = dirname(process.execPath)
  const plugin = new Plugin({isRoot: true, pjson, root})
  // Plugin#_manifest (private in oclif's types) reads the manifest file; the embedded copy replaces that read.
  Reflect.defineProperty(plugin, '_manifest', {value: async () => manifest})
  await plugin.load()
  return {root, pjson, plugins: new Map([[plugin.name, plugin]])}
}
