// --from: `kubectl get -o yaml|json` output, single objects, directories of them → ClusterSnapshot.
// Bundle readers (archives, bug-report layouts) plug in as EntryReaders that claim a path before the default reader.
import type {Stats} from 'node:fs'
import {readdir, readFile, stat} from 'node:fs/promises'
import {extname, join, resolve} from 'node:path'
import type {ClusterSnapshot, Gap, Provenance} from '../core/snapshot.js'
import {InputFileError} from './kube-errors.js'
import {SnapshotBuilder, entriesNeedPodObjects, type RawEntry} from './projection.js'
import {parseDocuments} from './yaml-documents.js'

/** What a reader found at one path. */
export interface FileEntries {
  readonly entries: readonly RawEntry[]
  /** Raw text evidence (e.g. istiod `discovery.log`), keyed by provenance. */
  readonly logs?: readonly {readonly source: Provenance; readonly text: string}[]
  readonly gaps?: readonly Gap[]
  /** Names of recognised layouts (e.g. `istioctl bug-report 1.30`), for the snapshot origin. */
  readonly layouts?: readonly string[]
}

/** A reader for a kind of input (an archive, a bug-report directory); the first that claims a path reads it. */
export interface EntryReader {
  readonly name: string
  claims(path: string, stats: Stats): boolean | Promise<boolean>
  read(path: string, stats: Stats): Promise<FileEntries>
}

export interface FileSourceOptions {
  /** Consulted in order for every path visited (top-level and inside directories). */
  readonly readers?: readonly EntryReader[]
}

const manifestExtensions = new Set(['.yaml', '.yml', '.json'])

async function statPath(path: string): Promise<Stats> {
  try {
    return await stat(path)
  } catch (error) {
    const code = (error as {code?: string}).code
    throw new InputFileError(
      path,
      code === 'ENOENT' ? 'no such file or directory' : `cannot read (${code ?? String(error)})`,
    )
  }
}

/** Reads one file's documents as raw entries; errors name the file and the line. */
export async function readDocumentsFile(path: string): Promise<RawEntry[]> {
  let content: string
  try {
    content = await readFile(path, 'utf8')
  } catch (error) {
    throw new InputFileError(path, `cannot read (${(error as {code?: string}).code ?? String(error)})`)
  }
  return parseDocuments(content, path).map((object) => ({object, source: path}))
}

async function visit(path: string, options: FileSourceOptions, topLevel: boolean): Promise<FileEntries> {
  const stats = await statPath(path)
  for (const reader of options.readers ?? []) {
    if (await reader.claims(path, stats)) return reader.read(path, stats)
  }
  if (stats.isDirectory()) {
    const names = (await readdir(path)).filter((name) => !name.startsWith('.')).sort()
    const results: FileEntries[] = []
    for (const name of names) {
      const child = join(path, name)
      const childStats = await statPath(child)
      const claimed = await claimedBy(options, child, childStats)
      if (claimed || childStats.isDirectory() || manifestExtensions.has(extname(name).toLowerCase())) {
        results.push(await visit(child, options, false))
      }
    }
    const merged = mergeEntries(results)
    if (topLevel && merged.entries.length === 0 && (merged.logs?.length ?? 0) === 0) {
      throw new InputFileError(path, 'contains no .yaml, .yml or .json files')
    }
    return merged
  }
  return {entries: await readDocumentsFile(path)}
}

async function claimedBy(options: FileSourceOptions, path: string, stats: Stats): Promise<boolean> {
  for (const reader of options.readers ?? []) if (await reader.claims(path, stats)) return true
  return false
}

function mergeEntries(results: readonly FileEntries[]): FileEntries {
  return {
    entries: results.flatMap((r) => r.entries),
    logs: results.flatMap((r) => r.logs ?? []),
    gaps: results.flatMap((r) => r.gaps ?? []),
    layouts: results.flatMap((r) => r.layouts ?? []),
  }
}

/** The seam for bundle readers: one path (file or directory, recursive) → raw entries with provenance. */
export async function readFileEntries(path: string, options: FileSourceOptions = {}): Promise<FileEntries> {
  return visit(path, options, true)
}

/** --from PATH... → ClusterSnapshot (origin `files`). */
export async function readFileSnapshot(
  paths: readonly string[],
  options: FileSourceOptions = {},
): Promise<ClusterSnapshot> {
  // Support bundles (archives, bug-report and cluster-info-dump trees, collected bundles) are read by default.
  const {bundleEntryReader, resolveGaps} = await import('./bundle-reader.js')
  const readers = options.readers ?? [bundleEntryReader]
  const results: FileEntries[] = []
  for (const path of paths) results.push(await readFileEntries(path, {readers}))
  const all = mergeEntries(results)
  const builder = new SnapshotBuilder({keepPodObjects: entriesNeedPodObjects(all.entries)})
  for (const entry of all.entries) builder.add(entry.object, entry.source)
  for (const log of all.logs ?? []) builder.addLog(log.source, log.text)
  // A gap one input left (e.g. a cluster-info dump has no namespaces) is closed by another input that has them.
  for (const gap of resolveGaps(all.gaps ?? [], all.entries, all.logs ?? [])) builder.addGap(gap)
  const layouts = [...new Set(all.layouts ?? [])]
  return builder.build({
    kind: 'files',
    paths: paths.map((p) => resolve(p)),
    ...(layouts.length === 0 ? {} : {layouts}),
  })
}
