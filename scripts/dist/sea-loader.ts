// Main script of the single executable: runs the bundle (SEA asset `bundle`) through a per-user V8 code cache, as
// bin/run-bundle.cjs does for the npm install. SEA's own useCodeCache is built on the build host and only loads on the
// same platform; this cache is written by the first run on the user's machine, on every platform.
import {isAscii} from 'node:buffer'
import {mkdirSync, readFileSync, readdirSync, renameSync, unlinkSync, writeFileSync} from 'node:fs'
import {homedir} from 'node:os'
import {dirname, join} from 'node:path'
import {getAsset} from 'node:sea'
import vm from 'node:vm'

// CommonJS wrapper arguments of the SEA main script, passed on to the bundle.
declare const require: NodeJS.Require
declare const module: {exports: unknown}
// Put in by scripts/dist/sea.ts (esbuild define): each asset's sha256 prefix (no hashing of megabytes on every start),
// and the packages kept in their own asset (package → asset), compiled on first require.
declare const SEA_ASSET_HASHES: Readonly<Record<string, string>>
declare const SEA_LAZY_PACKAGES: Readonly<Record<string, string>>

const lazy = new Map<string, unknown>()
// What the bundle's require gets: builtins from the SEA's require, lazy packages from their assets.
const bundleRequire = (id: string): unknown => {
  const asset = Object.hasOwn(SEA_LAZY_PACKAGES, id) ? SEA_LAZY_PACKAGES[id] : undefined
  if (asset === undefined) return require(id)
  if (!lazy.has(asset)) lazy.set(asset, runAsset(asset))
  return lazy.get(asset)
}
runAsset('bundle', module)

/** Runs a CommonJS asset through its code cache; returns its exports. */
function runAsset(name: string, into: {exports: unknown} = {exports: {}}): unknown {
  // ASCII (scripts/startup-transforms.mjs): latin1 makes a one-byte string, ~40× faster to decode than UTF-8.
  const bytes = Buffer.from(getAsset(name))
  const source = isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8')
  const cache = cacheFiles(name, SEA_ASSET_HASHES[name] ?? '')
  const cached = cache === undefined ? undefined : readCache(cache)
  // The wrapper on the first line keeps the asset's line numbers in stack traces.
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: `${process.execPath}:${name}`,
    cachedData: cached?.data,
  })
  if (cache !== undefined && (cached === undefined || script.cachedDataRejected === true || !cached.full)) {
    // Written at exit, so it holds what this run compiled; help and failed runs compile less, so a full run replaces theirs.
    process.once('exit', (code) => {
      const full = code === 0 && !process.argv.slice(2).some((arg) => arg === '--help' || arg === '-h')
      if (cached === undefined || script.cachedDataRejected === true || full) writeCache(cache, full, script)
    })
  }
  ;(script.runInThisContext() as (...args: unknown[]) => void)(
    into.exports,
    bundleRequire,
    into,
    process.execPath,
    dirname(process.execPath),
  )
  return into.exports
}

type CacheFiles = {full: string; partial: string; prefix: string}

// Keyed by the bundle's content, the Node version and the CPU; NODE_DISABLE_COMPILE_CACHE=1 turns it off.
function cacheFiles(asset: string, hash: string): CacheFiles | undefined {
  if (['1', 'true'].includes(process.env.NODE_DISABLE_COMPILE_CACHE ?? '')) return undefined
  const base = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'kubectl-inject', 'compile-cache')
  const prefix = `sea-${asset}-`
  const key = join(base, `${prefix}${hash}-${process.version}-${process.arch}`)
  return {full: `${key}.v8`, partial: `${key}.partial.v8`, prefix}
}

function readCache(files: CacheFiles): {data: Buffer; full: boolean} | undefined {
  for (const full of [true, false]) {
    try {
      return {data: readFileSync(full ? files.full : files.partial), full}
    } catch {
      // Not written yet.
    }
  }
  return undefined
}

// Atomic (rename), so a concurrent run never reads half a cache; caches of other single-executable builds are removed.
function writeCache(files: CacheFiles, full: boolean, compiled: vm.Script): void {
  try {
    const file = full ? files.full : files.partial
    const dir = dirname(file)
    mkdirSync(dir, {recursive: true})
    const temporary = `${file}.${process.pid}.tmp`
    writeFileSync(temporary, compiled.createCachedData())
    renameSync(temporary, file)
    for (const entry of readdirSync(dir)) {
      if (entry.startsWith(files.prefix) && !entry.endsWith('.tmp') && join(dir, entry) !== file)
        unlinkSync(join(dir, entry))
    }
  } catch {
    // A read-only or missing home costs only the cache.
  }
}
