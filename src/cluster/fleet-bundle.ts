// The fleet bundle: `--collect` over several contexts writes one .tar.gz with a folder per context, read back by `--from`.
// Layout (the index is the archive's first entry, so a reader recognises the bundle from its first block):
//   kubectl-inject-fleet/fleet.yaml                                   contexts in run order: name, folder, or the error
//   kubectl-inject-fleet/contexts/<folder>/kubectl-inject-bundle/…    one --collect bundle per context (bundle-writer.ts)
// Folder names are the context names made path-safe (EKS contexts are ARNs with `:` and `/`); fleet.yaml maps them back.
import {rename, stat, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {constants, gunzipSync} from 'node:zlib'
import type {BundleFileTree} from './archive-reader.js'
import {BundleReadError, readArchive, readDirectoryTree, readHead} from './archive-reader.js'
import {injectBundleDir} from './bundle-layouts.js'
import type {BundleContents} from './bundle-reader.js'
import {renderBundleFiles, tarGzip} from './bundle-writer.js'
import type {CollectedCluster, WriteBundleOptions} from './bundle-writer.js'

export const fleetBundleDir = 'kubectl-inject-fleet'
const indexPath = `${fleetBundleDir}/fleet.yaml`

/** A context that could not be collected: recorded so `--from` names it again (with its exit code). */
export interface FleetBundleFailure {
  readonly context: string
  readonly message: string
  readonly exit: number
}

interface IndexEntry {
  readonly name: string
  readonly folder?: string
  readonly error?: {readonly message: string; readonly exit: number}
}

/** Path-safe, unique folder names for the contexts, in order. */
export const contextFolders = (names: readonly string[]): string[] => {
  const used = new Set<string>()
  return names.map((name) => {
    const base =
      name
        .replace(/[^A-Za-z0-9._-]+/g, '_')
        .replace(/^\.+/, '_')
        .slice(0, 100) || '_'
    let folder = base
    for (let n = 2; used.has(folder); n++) folder = `${base}-${n}`
    used.add(folder)
    return folder
  })
}

/** Entries of the fleet archive, path → text: the index first, then each context's bundle under its folder. */
export const renderFleetFiles = async (
  members: readonly {readonly context: string; readonly collected: CollectedCluster}[],
  failures: readonly FleetBundleFailure[],
  options: WriteBundleOptions & {readonly createdAt: string; readonly toolVersion?: string},
  order: readonly string[],
): Promise<Map<string, string>> => {
  const {stringify} = await import('yaml')
  const folders = contextFolders(members.map((m) => m.context))
  const files = new Map<string, string>()
  const entries: IndexEntry[] = []
  for (const [index, member] of members.entries()) {
    const folder = folders[index]!
    entries.push({name: member.context, folder: `contexts/${folder}`})
    const collected = {...member.collected, meta: {...member.collected.meta, createdAt: options.createdAt}}
    for (const [path, body] of await renderBundleFiles(collected, options))
      files.set(`${fleetBundleDir}/contexts/${folder}/${path}`, body)
  }
  for (const f of failures) entries.push({name: f.context, error: {message: f.message, exit: f.exit}})
  entries.sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name))
  const index = {
    apiVersion: 'kubectl-inject.io/v1alpha1',
    kind: 'InjectFleetBundle',
    createdAt: options.createdAt,
    ...(options.toolVersion === undefined ? {} : {tool: `kubectl-inject ${options.toolVersion}`}),
    layout: `${fleetBundleDir}/<folder>/${injectBundleDir}/: one kubectl inject-check --collect bundle per context`,
    contexts: entries,
  }
  return new Map([[indexPath, stringify(index, {lineWidth: 0})], ...files])
}

/** Writes the fleet bundle atomically with mode 0600; returns the archive's entry names. */
export const writeFleetBundle = async (
  path: string,
  members: readonly {readonly context: string; readonly collected: CollectedCluster}[],
  failures: readonly FleetBundleFailure[],
  options: WriteBundleOptions & {readonly toolVersion?: string; readonly createdAt?: string},
  order: readonly string[],
): Promise<string[]> => {
  const createdAt = options.createdAt ?? new Date().toISOString()
  const files = await renderFleetFiles(members, failures, {...options, createdAt}, order)
  const temporary = `${path}.partial-${process.pid}`
  await writeFile(temporary, await tarGzip(files, new Date(createdAt)), {mode: 0o600})
  await rename(temporary, path)
  return [...files.keys()]
}

// The first tar header's name: enough to recognise a fleet bundle without unpacking a large archive.
const firstEntryName = (head: Buffer): string => {
  let tar = head
  if (head[0] === 0x1f && head[1] === 0x8b) {
    try {
      tar = gunzipSync(head, {finishFlush: constants.Z_SYNC_FLUSH})
    } catch {
      return ''
    }
  }
  const field = tar.subarray(0, 100)
  const end = field.indexOf(0)
  return field.subarray(0, end < 0 ? 100 : end).toString('utf8')
}

/** True when `path` is a fleet bundle: an archive whose first entry is the index, or a directory holding it. */
export const isFleetBundle = async (path: string): Promise<boolean> => {
  const info = await stat(path).catch(() => undefined)
  if (info === undefined) return false
  if (info.isDirectory()) return (await stat(join(path, indexPath)).catch(() => undefined))?.isFile() === true
  return firstEntryName(await readHead(path, 4096)) === indexPath
}

/** One context of a fleet bundle: its collected contents, or the failure recorded when it was collected. */
export type FleetBundleContext =
  | {readonly context: string; readonly contents: BundleContents}
  | {readonly context: string; readonly failure: FleetBundleFailure}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value)

/** Reads every context of a fleet bundle (archive or extracted directory), in the index's order. */
export const readFleetBundle = async (path: string): Promise<FleetBundleContext[]> => {
  const [{readInjectBundle}, {parse}] = await Promise.all([import('./bundle-reader.js'), import('yaml')])
  const info = await stat(path)
  const tree: BundleFileTree = info.isDirectory() ? await readDirectoryTree(path) : await readArchive(path)
  let index: unknown
  try {
    index = parse((await tree.read(indexPath)) ?? '')
  } catch (error) {
    throw new BundleReadError(
      tree.provenance(indexPath),
      `index does not parse (${(error as Error).message.split('\n')[0]})`,
    )
  }
  const contexts = isRecord(index) && Array.isArray(index.contexts) ? (index.contexts as unknown[]) : []
  const out: FleetBundleContext[] = []
  for (const entry of contexts.filter(isRecord)) {
    const name = entry.name
    if (typeof name !== 'string') continue
    const error = entry.error
    if (isRecord(error)) {
      const exit = typeof error.exit === 'number' ? error.exit : 69
      out.push({context: name, failure: {context: name, message: String(error.message ?? ''), exit}})
      continue
    }
    const folder = entry.folder
    if (typeof folder !== 'string' || folder.split('/').includes('..')) continue
    const root = `${fleetBundleDir}/${folder}/${injectBundleDir}/`
    if (!tree.paths.includes(`${root}manifest.yaml`))
      throw new BundleReadError(tree.provenance(root), `context "${name}" has no manifest.yaml in the bundle`)
    out.push({context: name, contents: await readInjectBundle(tree, root)})
  }
  if (out.length === 0)
    throw new BundleReadError(tree.provenance(indexPath), 'the fleet bundle index lists no contexts')
  return out
}
