// One CommonJS script holding every bin of package.json, as Node 20's single executable applications run it: no require
// of anything but builtins and no import() (the SEA main script has neither), so every package is bundled in.
import {build} from 'esbuild'
import type {BuildOptions, Metafile, Plugin as EsbuildPlugin} from 'esbuild'
import {readFileSync, writeFileSync} from 'node:fs'
import {isBuiltin} from 'node:module'
import {dirname, join} from 'node:path'
import {asciiOnly, deferredImports, oclifStartup} from '../startup-transforms.mjs'

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

/** Packages the loader keeps in their own SEA asset, compiled only when first imported (as the npm install imports them). */
export const lazyPackages: Readonly<Record<string, string>> = {'@kubernetes/client-node': 'client-node'}

// import() of a builtin or a lazy package becomes a require wrapped as a module namespace: the SEA main script has no
// import(); the loader's require serves the lazy packages from their assets.
const requireImports = (lazy: readonly string[]): EsbuildPlugin => ({
  name: 'require-imports',
  setup(b) {
    b.onResolve({filter: /.*/}, (args) => {
      if (lazy.includes(args.path)) return args.kind === 'dynamic-import' ? {path: args.path, namespace: 'required'} : {external: true}
      return args.kind === 'dynamic-import' && isBuiltin(args.path) ? {path: args.path, namespace: 'required'} : undefined
    })
    b.onLoad({filter: /.*/, namespace: 'required'}, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)})`,
      loader: 'js',
    }))
  },
})

// The SEA's require loads builtins only and warns on anything else; optional requires (oclif's package.json, node-fetch's
// encoding, ws's bufferutil) then fail quietly as a missing module, which their try/catch expects.
const missingModules = (lazy: readonly string[]): string => `var require = ((seaRequire) => (id) => {
  if (seaRequire('node:module').isBuiltin(id) || ${JSON.stringify(lazy)}.includes(id)) return seaRequire(id)
  throw Object.assign(new Error("Cannot find module '" + id + "'"), {code: 'MODULE_NOT_FOUND'})
})(require);`

const common = (lazy: readonly string[]): BuildOptions & {metafile: true} => ({
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    // typescript: oclif's read-tsconfig requires it only for ts-node development runs, inside a try.
    external: ['typescript'],
    plugins: [requireImports(lazy), oclifStartup, deferredImports],
    banner: {js: missingModules(lazy)},
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
    metafile: true,
})

const metafileOf = async (options: BuildOptions & {metafile: true}): Promise<Metafile> => (await build(options)).metafile

/**
 * Writes the single-executable script to `outfile` and, when `split`, each lazy package beside it (`<asset>.cjs`);
 * returns asset name → file. Fails on any import() left that the SEA could not run.
 */
export async function buildSeaBundle(root: string, outfile: string, split = true): Promise<Record<string, string>> {
  const lazy = split ? Object.keys(lazyPackages) : []
  const files: Record<string, string> = {bundle: outfile}
  const results: Metafile[] = [
    await metafileOf({
      ...common(lazy),
      absWorkingDir: root,
      stdin: {contents: entrySource(root), resolveDir: root, loader: 'ts', sourcefile: 'sea-entry.ts'},
      outfile,
    }),
  ]
  for (const pkg of lazy) {
    const file = join(dirname(outfile), `${lazyPackages[pkg]}.cjs`)
    files[lazyPackages[pkg]!] = file
    results.push(await metafileOf({...common([]), absWorkingDir: root, entryPoints: [pkg], outfile: file}))
  }
  // ASCII only, so the loader decodes each asset as latin1 (scripts/startup-transforms.mjs).
  for (const file of Object.values(files)) writeFileSync(file, asciiOnly(readFileSync(file, 'utf8')))
  const imports = results.flatMap((m) => Object.values(m.outputs)).flatMap((o) => o.imports)
  const left = imports.filter((i) => i.kind === 'dynamic-import')
  if (left.length > 0) throw new Error(`SEA bundle keeps import() of ${left.map((i) => i.path).join(', ')}`)
  return files
}
