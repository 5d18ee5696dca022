// Node 20 single executable applications: the preparation blob (`node --experimental-sea-config`) and its injection into
// each platform's Node binary with postject (https://nodejs.org/docs/latest-v20.x/api/single-executable-applications.html).
import {build} from 'esbuild'
import {execFileSync} from 'node:child_process'
import {chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {createHash} from 'node:crypto'
import {join} from 'node:path'
import {inject} from 'postject'
import {buildSeaBundle, lazyPackages} from './sea-bundle.js'
import type {Platform} from './platforms.js'

// The fuse Node's SEA support looks for (node's src/node_sea.cc, the SEA docs' postject command).
const seaFuse = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'

/**
 * `loader`: a small main script runs the bundle (an asset) through a per-user code cache, on every platform (the release);
 * `direct`: the bundle is the main script, with SEA's build-time code cache when `useCodeCache` (host platform only).
 */
export type SeaMode = {readonly main: 'loader' | 'direct'; readonly useCodeCache: boolean}

/** Writes the bundle and the SEA blob for `mode` into `workDir`; the blob is the same for every platform. */
export async function buildSeaBlob(root: string, workDir: string, mode: SeaMode): Promise<string> {
  mkdirSync(workDir, {recursive: true})
  const bundle = join(workDir, 'kubectl-inject.cjs')
  const assets = await buildSeaBundle(root, bundle, mode.main === 'loader')
  const blob = join(workDir, 'sea.blob')
  const config: Record<string, unknown> = {
    output: blob,
    disableExperimentalSEAWarning: true,
    useSnapshot: false,
    useCodeCache: mode.useCodeCache,
  }
  if (mode.main === 'direct') config.main = bundle
  else {
    config.main = await buildLoader(root, workDir, assets)
    config.assets = assets
  }
  const configFile = join(workDir, 'sea-config.json')
  writeFileSync(configFile, JSON.stringify(config, null, 2))
  execFileSync(process.execPath, ['--experimental-sea-config', configFile], {stdio: ['ignore', 'ignore', 'inherit']})
  return blob
}

async function buildLoader(root: string, workDir: string, assets: Record<string, string>): Promise<string> {
  const hashes = Object.fromEntries(
    Object.entries(assets).map(([name, file]) => [name, createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 16)]),
  )
  const loader = join(workDir, 'sea-loader.cjs')
  await build({
    absWorkingDir: root,
    entryPoints: [join(root, 'scripts', 'dist', 'sea-loader.ts')],
    outfile: loader,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    define: {SEA_ASSET_HASHES: JSON.stringify(hashes), SEA_LAZY_PACKAGES: JSON.stringify(lazyPackages)},
    logLevel: 'warning',
  })
  return loader
}

/** Copies `platform`'s Node binary to `output` and injects `blob`; a darwin binary's signature is then invalid (see README). */
export async function injectSea(platform: Platform, node: string, blob: string, output: string): Promise<void> {
  copyFileSync(node, output)
  chmodSync(output, 0o755)
  await inject(output, 'NODE_SEA_BLOB', readFileSync(blob), {
    sentinelFuse: seaFuse,
    ...(platform.os === 'darwin' ? {machoSegmentName: 'NODE_SEA'} : {}),
  })
}
