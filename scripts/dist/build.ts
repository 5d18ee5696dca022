// `npm run dist`: single executables for every platform, their archives, and the krew manifests, into release/.
// One executable per platform serves every bin of package.json (it runs the one it is named as); see README "Install".
import {createHash} from 'node:crypto'
import {copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {writeArchive} from './archive.js'
import {krewManifest, pluginNames} from './krew-manifest.js'
import type {ArchiveRef} from './krew-manifest.js'
import {nodeBinary} from './node-binary.js'
import {archiveSuffix, borrowed, exeSuffix, platformName, platforms} from './platforms.js'
import {buildSeaBlob, injectSea} from './sea.js'
import {binNames, buildSeaBundle, commandOfBin} from './sea-bundle.js'

export const root = fileURLToPath(new URL('../../', import.meta.url))
export const releaseDir = join(root, 'release')

type Pjson = {version: string; homepage?: string}

/** Where the archives are published (DIST_RELEASE_URL); without it an https placeholder that says so. */
export const releaseUrl = (version: string): string =>
  (process.env.DIST_RELEASE_URL ?? `https://example.invalid/kubectl-inject/releases/v${version}`).replace(/\/$/, '')

/** Builds everything; returns the archives (platform, path, size) for the summary. */
export async function buildRelease(): Promise<{archives: ArchiveRef[]; paths: Record<string, string>}> {
  const pjson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Pjson
  const plugins = binNames(root).flatMap((bin) => commandOfBin(root, bin) ?? [])
  const missing = plugins.filter((id) => !pluginNames.includes(id))
  if (missing.length > 0) throw new Error(`no krew manifest text for ${missing.join(', ')} (scripts/dist/krew-manifest.ts)`)
  rmSync(releaseDir, {recursive: true, force: true})
  const work = join(releaseDir, '.work')
  const blob = await buildSeaBlob(root, join(work, 'sea'), {main: 'loader', useCodeCache: false})
  const stamp = inputsStamp(join(work, 'sea'))
  const archives: ArchiveRef[] = []
  const paths: Record<string, string> = {}
  const sums: string[] = []
  for (const platform of platforms) {
    const stage = join(work, platformName(platform))
    mkdirSync(stage, {recursive: true})
    const executable = `kubectl-inject${exeSuffix(platform)}`
    await injectSea(platform, await nodeBinary(platform), blob, join(stage, executable))
    const files = [executable, 'LICENSE', 'README.md']
    for (const file of files.slice(1)) copyFileSync(join(root, file), join(stage, file))
    const name = `kubectl-inject-v${pjson.version}-${platformName(platform)}${archiveSuffix(platform)}`
    const archive = join(releaseDir, name)
    await writeArchive(archive, stage, files)
    const sha256 = sha256Of(archive)
    const ref = {os: platform.os, arch: platform.arch, uri: `${releaseUrl(pjson.version)}/${name}`, sha256, executable, files}
    archives.push(ref)
    paths[platformName(platform)] = archive
    sums.push(`${sha256}  ${name}\n`)
    for (const other of borrowed.filter((b) => b.from === platform)) archives.push({...ref, os: other.os, arch: other.arch})
  }
  const homepage = pjson.homepage ?? `${releaseUrl(pjson.version)}/README.md`
  for (const plugin of plugins)
    writeFileSync(join(releaseDir, `${plugin}.yaml`), krewManifest(plugin, pjson.version, homepage, archives))
  writeFileSync(join(releaseDir, 'SHA256SUMS'), sums.join(''))
  writeFileSync(stampFile, stamp)
  rmSync(work, {recursive: true, force: true})
  return {archives, paths}
}

const sha256Of = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex')
const stampFile = join(releaseDir, '.inputs-sha256')

// What the executables are made of: the bundles (every .cjs esbuild wrote into `dir`), the loader's source, Node's version.
function inputsStamp(dir: string): string {
  const hash = createHash('sha256').update(process.version)
  hash.update(readFileSync(join(root, 'scripts', 'dist', 'sea-loader.ts')))
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cjs') && f !== 'sea-loader.cjs').sort())
    hash.update(file).update(readFileSync(join(dir, file)))
  return hash.digest('hex')
}

/** Whether release/ was built from the sources as they are now (same SEA bundle bytes); bundling takes a second or two. */
export async function releaseIsFresh(): Promise<boolean> {
  if (!existsSync(stampFile)) return false
  const dir = mkdtempSync(join(tmpdir(), 'kubectl-inject-sea-'))
  try {
    await buildSeaBundle(root, join(dir, 'kubectl-inject.cjs'))
    return readFileSync(stampFile, 'utf8') === inputsStamp(dir)
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const {paths} = await buildRelease()
  for (const [platform, path] of Object.entries(paths))
    process.stdout.write(`${platform.padEnd(14)} ${(statSync(path).size / 2 ** 20).toFixed(1).padStart(6)} MiB  ${path}\n`)
  process.stdout.write(`krew manifests: ${pluginNames.map((p) => join(releaseDir, `${p}.yaml`)).join(', ')}\n`)
}
