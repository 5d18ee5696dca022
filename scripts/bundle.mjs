#!/usr/bin/env node
// `npm run build` step: one CommonJS bundle per kubectl plugin in dist/bin/ (bin/run-bundle.cjs loads it through V8's code cache).
// Lazy imports stay lazy (esbuild initialises a module on first import); @kubernetes/client-node stays external.
import {build} from 'esbuild'
import {createHash} from 'node:crypto'
import {mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {basename, join, relative} from 'node:path'
import {fileURLToPath} from 'node:url'
import {asciiOnly, deferredImports, oclifStartup} from './startup-transforms.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
const outdir = join(root, 'dist', 'bin')
/** Bundle name (the bin's name) → oclif command id. */
const plugins = {'kubectl-inject_check': 'inject-check', 'kubectl-inject_diff': 'inject-diff'}

// esbuild options both builds share: CommonJS bundles for Node 20 in dist/bin/.
const nodeBundles = {
  absWorkingDir: root,
  outdir,
  outExtension: {'.js': '.cjs'},
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
  legalComments: 'none',
}

/** An esbuild plugin that turns each `<prefix>:<bin>` entry point into the TypeScript source `contents(bin)` returns. */
const virtualEntries = (prefix, contents) => ({
  name: prefix,
  setup(b) {
    b.onResolve({filter: new RegExp(`^${prefix}:`)}, (args) => ({
      path: args.path.slice(`${prefix}:`.length),
      namespace: prefix,
    }))
    b.onLoad({filter: /.*/, namespace: prefix}, (args) => ({
      resolveDir: root,
      loader: 'ts',
      contents: contents(args.path).join('\n'),
    }))
  },
})

// Each bundle's entry: the launcher plus a loader of its command class; the package root is two levels above dist/bin/.
const entries = virtualEntries('bin-entry', (bin) => [
  `import {join} from 'node:path'`,
  `import {runBundledCommand} from './scripts/bundle-launcher.ts'`,
  `const load = async () => (await import('./commands/${plugins[bin]}.ts')).default`,
  `void runBundledCommand(${JSON.stringify(plugins[bin])}, load, join(__dirname, '..', '..'))`,
])

const result = await build({
  ...nodeBundles,
  entryPoints: Object.fromEntries(Object.keys(plugins).map((bin) => [bin, `bin-entry:${bin}`])),
  // typescript: oclif's read-tsconfig requires it only for ts-node development runs, inside a try.
  external: ['@kubernetes/client-node', 'typescript'],
  plugins: [entries, oclifStartup, deferredImports],
  // The User-Agent's version (src/cluster/transport.ts).
  define: {
    KUBECTL_INJECT_VERSION: JSON.stringify(
      JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version,
    ),
  },
  write: false,
  metafile: true,
})

// bin/run-bundle.cjs compiles the bundle with vm.Script, where import() fails on Node 20 (it needs --experimental-vm-modules):
// every import() call (of @kubernetes/client-node; oclif's plugin loader) goes through __importExternal, passed in by the loader.
const routeImports = (text, path) => {
  // `import(` as code: not a member (.import), not an identifier's tail, not the text "import()".
  const rewritten = text.replace(/(?<![\w$.])import\((?!\))/g, '__importExternal(')
  const output = result.metafile.outputs[relative(root, path)]
  for (const {path: specifier} of output.imports.filter((i) => i.external && i.kind === 'dynamic-import')) {
    if (!rewritten.includes(`__importExternal(${JSON.stringify(specifier)})`)) {
      throw new Error(`${path}: import("${specifier}") was not routed through __importExternal`)
    }
  }
  return rewritten
}

rmSync(outdir, {recursive: true, force: true})
mkdirSync(outdir, {recursive: true})
for (const file of result.outputFiles) {
  // ASCII only, so bin/run-bundle.cjs reads it as latin1 (scripts/startup-transforms.mjs).
  const text = asciiOnly(routeImports(file.text, file.path))
  // The content hash keys the code cache: V8 itself checks only the source length.
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 16)
  writeFileSync(file.path, `// ${basename(file.path)} ${hash}\n${text}`)
}

// Completion executables (kubectl_complete-inject_*; kubectl ≥ 1.26 runs them for `kubectl inject-check <TAB>`): a plain
// CommonJS bundle each, required by bin/, with the command's flags taken from oclif.manifest.json (built just before).
const completions = {
  'kubectl_complete-inject_check': 'inject-check',
  'kubectl_complete-inject_diff': 'inject-diff',
}
const manifest = JSON.parse(readFileSync(join(root, 'oclif.manifest.json'), 'utf8'))
const flagFields = ['name', 'char', 'type', 'options', 'multiple', 'hidden', 'summary', 'description']
const manifestFlags = (id) =>
  Object.fromEntries(
    Object.entries(manifest.commands[id].flags).map(([name, flag]) => [
      name,
      Object.fromEntries(
        flagFields.filter((field) => flag[field] !== undefined).map((field) => [field, flag[field]]),
      ),
    ]),
  )
await build({
  ...nodeBundles,
  entryPoints: Object.fromEntries(Object.keys(completions).map((bin) => [bin, `completion-entry:${bin}`])),
  external: ['@kubernetes/client-node'],
  plugins: [
    virtualEntries('completion-entry', (bin) => [
      `import {runCompletion} from './src/cli/completion-main.ts'`,
      `runCompletion(${JSON.stringify(completions[bin])}, ${JSON.stringify(manifestFlags(completions[bin]))})`,
    ]),
  ],
})
