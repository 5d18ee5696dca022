// Runtime of the bundled bins: oclif's main.run (config, init/finally hooks, help, runCommand) in the same order, except
// that the command class comes from the bundle; oclif would import dist/commands/<id>.js and its unbundled module graph.
import {Config, flush, handle, loadHelpClass} from '@oclif/core'
import type {Command, Interfaces} from '@oclif/core'
import {helpAddition} from '@oclif/core/run'

/** Runs `kubectl <id> ARGS` as `execute({dir: root, args: [id, ...ARGS]})` does; `--help` never loads the command. */
export async function runBundledCommand(
  id: string,
  loadCommand: () => Promise<Command.Class>,
  root: string | Interfaces.LoadOptions,
): Promise<void> {
  try {
    const config = await Config.load(typeof root === 'string' ? {root} : root)
    const argv = [id, ...process.argv.slice(2)]
    const argvSlice = argv.slice(1)
    const cached = config.findCommand(id)
    await config.runHook('init', {argv: argvSlice, id})
    if (helpAddition(argv, config)) {
      const Help = await loadHelpClass(config)
      await new Help(config, config.pjson.oclif.helpOptions ?? config.pjson.helpOptions).showHelp(argv)
      await config.runHook('finally', {argv: argvSlice, Command: undefined, error: undefined, id})
      return
    }
    // Without a manifest entry oclif's own lookup (and its "command not found") applies.
    const command =
      cached === undefined
        ? undefined
        : {
            ...cached,
            load: async () => {
              const loaded = await loadCommand()
              // The fields oclif's Plugin.findCommand sets on a command class it imports.
              return Object.assign(loaded, {
                id,
                plugin: config.plugins.get(cached.pluginName ?? ''),
                isESM: true,
              })
            },
          }
    let failure: Error | undefined
    try {
      await config.runCommand(id, argvSlice, command)
    } catch (error) {
      failure = error as Error
      throw error
    } finally {
      await config.runHook('finally', {argv: argvSlice, Command: cached, error: failure, id})
    }
    flush()
  } catch (error) {
    await handle(error as Error)
  }
}
