// One CommonJS script holding every bin of package.json, as Node 20's single executable applications run it: no require
// of anything but builtins and no import() (the SEA main script has neither), so every package is bundled in.
import {build} from 'esbuild'
import type {Plugin as EsbuildPlugin} from 'esbuild'
import {readFileSync} from 'node:fs'
import {isBuiltin} from 'node:module'
import {join} from 'node:path'

/** package.json's bin names, in order: the executables every archive holds (one binary, linked under each name). */
export function binNames(root: string): string[] {
  const pjson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {bin?: Record<string, string>}
  return Object.keys(pjson.bin ?? {})
}

/** The oclif command a bin runs (`kubectl-inject_check` → `inject-check`), if the manifest has it. */
export function commandOfBin(root: string, bin: string): string | undefined {
  const manifest = JSON.parse(readFileSync(join(root, 'oclif.manifest.json'), 'utf8')) as {
    commands: Record<string, unknown>
  }
  const id = bin.startsWith('kubectl-') ? bin.slice('kubectl-'.length).replaceAll('_', '-') : undefined
  return id !== undefined && Object.hasOwn(manifest.commands, id) ? id : undefined
}

// The bundle's entry: each plugin bin runs its command class; any other bin (e.g. a completion helper) runs its script.
function entrySource(root: string): string {
  const pjson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {bin: Record<string, string>}
  const bins = binNames(root).map((bin) => {
    const id = commandOfBin(root, bin)
    const value =
      id === undefined
        ? `{run: () => require(${JSON.stringify(`./${pjson.bin[bin]}`)})}`
        : `{command: ${JSON.stringify(id)}, load: async () => (await import('./commands/${id}.ts')).default}`
    return `  ${JSON.stringify(bin)}: ${value},`
  })
  return [
    `import {runSea} from './scripts/dist/sea-main.js'`,
    `import pjson from './package.json'`,
    `import manifest from './oclif.manifest.json'`,
    `void runSea({`,
    ...bins,
    `}, pjson, manifest)`,
  ].join('\n')
}

// import('node:…') of a builtin becomes a require wrapped as a module namespace; the SEA main script has no import().
const builtinImports: EsbuildPlugin = {
  name: 'builtin-imports',
  setup(b) {
    b.onResolve({filter: /.*/}, (args) =>
      args.kind === 'dynamic-import' && isBuiltin(args.path) ? {path: args.path, namespace: 'builtin'} : undefined,
    )
    b.onLoad({filter: /.*/, namespace: 'builtin'}, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)})`,
      loader: 'js',
    }))
  },
}

// The SEA's require loads builtins only and warns on anything else; optional requires (oclif's package.json, node-fetch's
// encoding, ws's bufferutil) then fail quietly as a missing module, which their try/catch expects.
const missingModules = `var require = ((seaRequire) => (id) => {
  if (seaRequire('node:module').isBuiltin(id)) return seaRequire(id)
  throw Object.assign(new Error("Cannot find module '" + id + "'"), {code: 'MODULE_NOT_FOUND'})
})(require);`

/** Writes the single-executable script to `outfile`; fails on any import() left that the SEA could not run. */
export async function buildSeaBundle(root: string, outfile: string): Promise<void> {
  const result = await build({
    absWorkingDir: root,
    stdin: {contents: entrySource(root), resolveDir: root, loader: 'ts', sourcefile: 'sea-entry.ts'},
    outfile,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    // typescript: oclif's read-tsconfig requires it only for ts-node development runs, inside a try.
    external: ['typescript'],
    plugins: [builtinImports],
    banner: {js: missingModules},
    minify: process.env.SEA_MINIFY !== "0",
    legalComments: 'none',
    logLevel: 'warning',
    metafile: true,
  })
  const outputs = Object.values(result.metafile.outputs)
  const left = outputs.flatMap((o) => o.imports).filter((i) => i.kind === 'dynamic-import')
  if (left.length > 0) throw new Error(`SEA bundle keeps import() of ${left.map((i) => i.path).join(', ')}`)
}
