// Runs a plugin from its CommonJS bundle in dist/bin/ (written by `npm run build`) through V8's code cache, so code compiled
// by an earlier run is reused (what Node ≥ 22.1's module.enableCompileCache does; done here so Node 20 has it too).
// The cache is per user ($XDG_CACHE_HOME or ~/.cache, kubectl-inject/compile-cache) and per checkout (V8 keeps the file name
// of the run that wrote it, so a shared cache would name another checkout in stack traces); NODE_DISABLE_COMPILE_CACHE=1 turns it off.
// CommonJS (bin/package.json), required by the bins: an ES module here would start Node's ESM loader first (~10 ms).
'use strict'
const {isAscii} = require('node:buffer')
const {createHash} = require('node:crypto')
const {
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} = require('node:fs')
const {createRequire} = require('node:module')
const {homedir} = require('node:os')
const {dirname, join} = require('node:path')
const vm = require('node:vm')

/** Runs bundle `name` (oclif command `id`); without a bundle, or with one older than tsc's output, oclif's `execute` instead. */
async function runBundle(name, id) {
  const bundle = join(__dirname, '..', 'dist', 'bin', `${name}.cjs`)
  if (!isFresh(bundle, id)) {
    const {execute} = await import('@oclif/core')
    // The package root, not bin/: bin/package.json (CommonJS launchers) would otherwise pass for oclif's root.
    await execute({dir: join(__dirname, '..'), args: [id, ...process.argv.slice(2)]})
    return
  }
  // The build keeps bundles ASCII (scripts/startup-transforms.mjs): latin1 makes a one-byte string, ~12 ms faster than
  // UTF-8; a bundle from an older build (not ASCII) is still read as UTF-8.
  const bytes = readFileSync(bundle)
  const source = isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8')
  const cache = cacheFiles(name, bundle, source)
  const cached = cache === undefined ? undefined : readCache(cache)
  // The function wrapper on the first line keeps the bundle's line numbers in stack traces.
  const script = new vm.Script(
    `(function (exports, require, module, __filename, __dirname, __importExternal) {${source}\n})`,
    {filename: bundle, cachedData: cached?.data},
  )
  if (cache !== undefined && (cached === undefined || script.cachedDataRejected === true || !cached.full)) {
    // Written at exit, so it holds what this run compiled; help and failed runs compile less, so a full run replaces theirs.
    process.once('exit', (code) => {
      const full = code === 0 && !process.argv.slice(2).some((arg) => arg === '--help' || arg === '-h')
      if (cached === undefined || script.cachedDataRejected === true || full) writeCache(cache, full, script)
    })
  }
  const module = {exports: {}}
  // import() inside vm.Script needs --experimental-vm-modules on Node 20; the bundle's import() calls come here instead
  // (scripts/bundle.mjs). The bundle imports only packages, which resolve from bin/ exactly as from dist/bin/.
  const importExternal = (specifier) => import(specifier)
  script.runInThisContext()(
    module.exports,
    createRequire(bundle),
    module,
    bundle,
    dirname(bundle),
    importExternal,
  )
}

// Missing, or in a source checkout older than tsc's output (tsc ran without the bundle step): stale. Installed packages have
// no commands/*.ts, and npm's extraction order sets their mtimes, so there the bundle is trusted.
module.exports = {runBundle}

function isFresh(bundle, id) {
  let bundleTime
  try {
    bundleTime = statSync(bundle).mtimeMs
  } catch {
    return false
  }
  const url = (path) => join(__dirname, path)
  try {
    statSync(url(`../commands/${id}.ts`))
  } catch {
    return true
  }
  try {
    return bundleTime >= statSync(url(`../dist/commands/${id}.js`)).mtimeMs
  } catch {
    return true
  }
}

// The bundle's first line carries its content hash (V8 checks only the source length); its absolute path, Node version and
// CPU complete the key.
function cacheFiles(name, bundle, source) {
  if (['1', 'true'].includes(process.env.NODE_DISABLE_COMPILE_CACHE ?? '')) return undefined
  const hash = /^\/\/ \S+ ([0-9a-f]{16})\n/.exec(source)?.[1]
  if (hash === undefined) return undefined
  const base = join(
    process.env.XDG_CACHE_HOME || join(homedir(), '.cache'),
    'kubectl-inject',
    'compile-cache',
  )
  const checkout = createHash('sha256').update(bundle).digest('hex').slice(0, 12)
  const prefix = `${name}-${checkout}-`
  const key = join(base, `${prefix}${hash}-${process.version}-${process.arch}`)
  return {full: `${key}.v8`, partial: `${key}.partial.v8`, prefix}
}

function readCache(cache) {
  for (const full of [true, false]) {
    try {
      return {data: readFileSync(full ? cache.full : cache.partial), full}
    } catch {
      // Not written yet.
    }
  }
  return undefined
}

// Atomic (rename), so a concurrent run never reads half a cache; older caches of this bundle in this checkout are removed.
function writeCache(cache, full, script) {
  try {
    const file = full ? cache.full : cache.partial
    const dir = dirname(file)
    mkdirSync(dir, {recursive: true})
    const temporary = `${file}.${process.pid}.tmp`
    writeFileSync(temporary, script.createCachedData())
    renameSync(temporary, file)
    for (const entry of readdirSync(dir)) {
      if (entry.startsWith(cache.prefix) && !entry.endsWith('.tmp') && join(dir, entry) !== file)
        unlinkSync(join(dir, entry))
    }
  } catch {
    // A read-only or missing home costs only the cache.
  }
}
