// Build-time transforms that shorten every plugin start, shared by the npm bundles (scripts/bundle.mjs) and the single
// executables (scripts/dist/sea-bundle.ts).
import {readFileSync} from 'node:fs'
import {relative} from 'node:path'
import {pathToFileURL} from 'node:url'

const wrapAnsi = {
  from: 'const wrap_ansi_1 = __importDefault(require("wrap-ansi"));',
  to: 'const wrap_ansi_1 = { get default() { return __importDefault(require("wrap-ansi")).default; } };',
}

/**
 * Edits to oclif's own files, each run on every start; the build fails when one no longer matches (oclif changed).
 * - The command sort: localeCompare's first call sets up an ICU collator (~8 ms); code-unit order is the same for the ids.
 * - checkNodeVersion loads semver (~2.5 ms) to read `__dirname/../package.json`: in a bundle that is dist/package.json,
 *   which never exists, so the check never warned; the bundle targets Node 20 (package.json engines says so).
 * - wrap-ansi (~1.5 ms) only wraps errors and help, and tinyglobby (~0.7 ms) only finds commands without a manifest:
 *   both are required on first use instead.
 * - Command.run loads the Config it is given once more (~1-3 ms), meant for a command built with another copy of
 *   oclif; a bundle holds one copy, so a Config of this very class and version is used as it is.
 */
const oclifEdits = [
  {
    file: /@oclif[\\/]core[\\/]lib[\\/]config[\\/]plugin\.js$/,
    edits: [
      {
        from: '.sort((a, b) => a.id.localeCompare(b.id))',
        to: '.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))',
      },
      {
        from: 'const tinyglobby_1 = require("tinyglobby");',
        to: 'const tinyglobby_1 = { get glob() { return require("tinyglobby").glob; } };',
      },
    ],
  },
  {
    file: /@oclif[\\/]core[\\/]lib[\\/]config[\\/]config\.js$/,
    edits: [
      {
        from: '        if (isConfig(opts)) {\n            debug(`reloading config from ${opts._base} to ${BASE}`);',
        to: '        if (opts instanceof Config && opts._base === BASE)\n            return opts;\n        if (isConfig(opts)) {\n            debug(`reloading config from ${opts._base} to ${BASE}`);',
      },
    ],
  },
  {
    file: /@oclif[\\/]core[\\/]lib[\\/]index\.js$/,
    edits: [{from: 'checkCWD();\ncheckNodeVersion();\n', to: 'checkCWD();\n'}],
  },
  {file: /@oclif[\\/]core[\\/]lib[\\/]errors[\\/]errors[\\/]cli\.js$/, edits: [wrapAnsi]},
  {file: /@oclif[\\/]core[\\/]lib[\\/]errors[\\/]errors[\\/]pretty-print\.js$/, edits: [wrapAnsi]},
  {file: /@oclif[\\/]core[\\/]lib[\\/]help[\\/]formatter\.js$/, edits: [wrapAnsi]},
]

/** Applies `edits` to `text` (of `path`), each exactly once. */
export function applyEdits(path, text, edits) {
  let out = text
  for (const {from, to} of edits) {
    if (out.split(from).length !== 2)
      throw new Error(`${path}: expected one ${from}; update ${import.meta.url}`)
    out = out.replace(from, () => to)
  }
  return out
}

/** The esbuild plugin for oclifEdits; the build fails unless every file was seen and edited. */
export const oclifStartup = {
  name: 'oclif-startup',
  setup(b) {
    const seen = new Set()
    let oclifImported = false
    b.onStart(() => {
      seen.clear()
      oclifImported = false
    })
    // A build without oclif (the SEA's client-node asset) has nothing to edit.
    b.onResolve({filter: /^@oclif\/core(\/|$)/}, () => {
      oclifImported = true
      return undefined
    })
    for (const {file, edits} of oclifEdits) {
      b.onLoad({filter: file}, (args) => {
        seen.add(file)
        return {contents: applyEdits(args.path, readFileSync(args.path, 'utf8'), edits), loader: 'js'}
      })
    }
    b.onEnd((result) => {
      const missed = oclifEdits.filter(({file}) => !seen.has(file))
      if (result.errors.length === 0 && oclifImported && missed.length > 0)
        throw new Error(
          `oclif files not bundled, edits not applied: ${missed.map(({file}) => file).join(', ')}`,
        )
    })
  },
}

/**
 * Packages our source imports whose evaluation is worth deferring to first use: a stub with a getter per export stands in
 * for the package and requires it on first access (esbuild keeps the getters: its __toESM copies them as getters).
 * CEL's evaluator builds its function registry at import (~3 ms); only webhooks with matchConditions need it.
 */
export const deferredPackages = ['@marcbachmann/cel-js']

/** The esbuild plugin that defers `names` (package specifiers as imported). */
export const deferredImportsOf = (names) => ({
  name: 'deferred-imports',
  setup(b) {
    const filter = new RegExp(`^(${names.map((name) => name.replace(/[/.]/g, '\\$&')).join('|')})$`)
    b.onResolve({filter}, async (args) => {
      if (args.namespace === 'deferred-import') return undefined
      const real = await b.resolve(args.path, {
        kind: args.kind,
        resolveDir: args.resolveDir,
        namespace: 'deferred-import',
      })
      if (real.errors.length > 0) return {errors: real.errors}
      // A relative path names the stub in the bundle's comments; the absolute one is what it requires.
      const root = b.initialOptions.absWorkingDir ?? process.cwd()
      return {path: relative(root, real.path), namespace: 'deferred-import', pluginData: {real: real.path}}
    })
    b.onLoad({filter: /.*/, namespace: 'deferred-import'}, async (args) => {
      const exported = Object.keys(await import(pathToFileURL(args.pluginData.real).href))
      const getters = exported
        .filter((name) => name !== 'default')
        .map(
          (name) =>
            `  ${JSON.stringify(name)}: {enumerable: true, get: () => load()[${JSON.stringify(name)}]},`,
        )
      return {
        contents: [
          'let loaded',
          `const load = () => (loaded ??= require(${JSON.stringify(args.pluginData.real)}))`,
          `module.exports = Object.defineProperties({}, {`,
          ...getters,
          '})',
        ].join('\n'),
        loader: 'js',
        resolveDir: process.cwd(),
      }
    })
  },
})

export const deferredImports = deferredImportsOf(deferredPackages)

/**
 * esbuild escapes non-ASCII characters in strings and templates but leaves them in comments and regular expression
 * literals. One left makes the whole bundle a two-byte string: reading it takes ~12 ms instead of ~0.3 ms as latin1.
 * A `\uXXXX` escape means the same code unit in a regular expression (with or without the u flag) and nothing in a comment.
 */
export function asciiOnly(text) {
  return text.replace(/[\u0080-\uffff]/g, (c, at) => {
    // `\µ` (an identity escape) would become `\\u00b5`: a backslash and five letters.
    if (/(^|[^\\])(\\\\)*\\$/.test(text.slice(Math.max(0, at - 64), at)))
      throw new Error(
        `an escaped non-ASCII character at offset ${at}: rewrite it as \\u${c.charCodeAt(0).toString(16)}`,
      )
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`
  })
}
