// --from: `kubectl get -o yaml|json` output, single objects, directories of them → ClusterSnapshot.
// Bundle readers (archives, bug-report layouts) plug in as EntryReaders that claim a path before the default reader.
import {sh} from '../core/verdict/shell-command.js'
import type {Stats} from 'node:fs'
import {lstat, readdir, readFile, stat} from 'node:fs/promises'
import {extname, join, resolve} from 'node:path'
import type {ClusterSnapshot, Gap, Provenance} from '../core/snapshot.js'
import {expectedInjectorConfigMaps} from './istio-objects.js'
import {InputFileError} from './kube-errors.js'
import {SnapshotBuilder, entriesNeedPodObjects, type RawEntry} from './projection.js'
import {decodeText} from './text-decoding.js'
import {parseDocuments} from './yaml-documents.js'

/** What a reader found at one path. */
export interface FileEntries {
  readonly entries: readonly RawEntry[]
  /** Raw text evidence (e.g. istiod `discovery.log`), keyed by provenance. */
  readonly logs?: readonly {readonly source: Provenance; readonly text: string}[]
  readonly gaps?: readonly Gap[]
  /** Names of recognised layouts (e.g. `istioctl bug-report 1.30`), for the snapshot origin. */
  readonly layouts?: readonly string[]
  /** ISO time a bundle was collected; several inputs: the newest. */
  readonly takenAt?: string
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
  /** One line per directory entry skipped (a dangling symlink), for stderr. */
  readonly warn?: (line: string) => void
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
  let content: Buffer
  try {
    content = await readFile(path)
  } catch (error) {
    throw new InputFileError(path, `cannot read (${(error as {code?: string}).code ?? String(error)})`)
  }
  return parseDocuments(decodeText(content, path), path).map((object) => ({object, source: path}))
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
      if (await danglingSymlink(child)) {
        options.warn?.(`${child}: dangling symlink; skipped`)
        continue
      }
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

const danglingSymlink = async (path: string): Promise<boolean> =>
  (await lstat(path).catch(() => undefined))?.isSymbolicLink() === true &&
  (await stat(path).then(
    () => false,
    () => true,
  ))

async function claimedBy(options: FileSourceOptions, path: string, stats: Stats): Promise<boolean> {
  for (const reader of options.readers ?? []) if (await reader.claims(path, stats)) return true
  return false
}

function mergeEntries(results: readonly FileEntries[]): FileEntries {
  const takenAt = results
    .map((r) => r.takenAt)
    .filter((t): t is string => t !== undefined)
    .sort((a, b) => Date.parse(b) - Date.parse(a))[0]
  return {
    entries: results.flatMap((r) => r.entries),
    logs: results.flatMap((r) => r.logs ?? []),
    gaps: results.flatMap((r) => r.gaps ?? []),
    layouts: results.flatMap((r) => r.layouts ?? []),
    ...(takenAt === undefined ? {} : {takenAt}),
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
  for (const path of paths) results.push(await readFileEntries(path, {...options, readers}))
  const all = mergeEntries(results)
  const builder = new SnapshotBuilder({keepPodObjects: entriesNeedPodObjects(all.entries)})
  for (const entry of all.entries) builder.add(entry.object, entry.source)
  for (const log of all.logs ?? []) builder.addLog(log.source, log.text)
  // A gap one input left (e.g. a cluster-info dump has no namespaces) is closed by another input that has them.
  for (const gap of resolveGaps(all.gaps ?? [], all.entries, all.logs ?? [])) builder.addGap(gap)
  const layouts = [...new Set(all.layouts ?? [])]
  const snapshot = builder.build(
    {
      kind: 'files',
      paths: paths.map((p) => resolve(p)),
      ...(layouts.length === 0 ? {} : {layouts}),
    },
    all.takenAt,
  )
  const missing = partialInputGaps(snapshot, {
    webhooksAttested: webhooksAttested(all.entries, layouts),
    bundle: layouts.some((layout) => webhookCollectingLayouts.has(layout)),
  })
  return missing.length === 0 ? snapshot : {...snapshot, gaps: [...snapshot.gaps, ...missing]}
}

// Bundle layouts that always read MutatingWebhookConfigurations and istiod ConfigMaps (a refused read is a gap they record).
const webhookCollectingLayouts = new Set([
  'inject-bundle',
  'bug-report-1.30',
  'bug-report-1.21',
  'bug-report-legacy',
  'cluster-info-dump',
  'cluster-info-dump-stream',
])

/**
 * True when the input shows the webhook configurations were collected, even if there are none: a MWC object, a typed
 * `MutatingWebhookConfigurationList` (even empty), an empty `kind: List` in a file named after the resource (what
 * `kubectl get mutatingwebhookconfigurations -o yaml > mutatingwebhookconfigurations.yaml` writes for none), or a
 * bundle layout that always reads them (its manifest records a failed read as a gap).
 */
export function webhooksAttested(entries: readonly RawEntry[], layouts: readonly string[]): boolean {
  if (layouts.some((layout) => webhookCollectingLayouts.has(layout))) return true
  return entries.some(({object, source}) => {
    if (object === null || typeof object !== 'object') return false
    const {kind, items} = object as {kind?: unknown; items?: unknown}
    if (kind === 'MutatingWebhookConfigurationList') return true
    if (kind === 'MutatingWebhookConfiguration') return true
    if (kind === 'List' && Array.isArray(items)) {
      if (items.some((item) => (item as {kind?: unknown} | null)?.kind === 'MutatingWebhookConfiguration'))
        return true
      const file = source.split('!').pop()?.split('/').pop() ?? ''
      return items.length === 0 && /^mutatingwebhookconfigurations?\b/i.test(file)
    }
    return false
  })
}

const covered = (gaps: readonly Gap[], resource: string, namespace?: string, name?: string): boolean =>
  gaps.some(
    (g) =>
      g.resource === resource &&
      (g.namespace === undefined || g.namespace === namespace) &&
      (g.name === undefined || g.name === name),
  )

/**
 * Gaps for what partial `--from` input lacks, so verdicts say Unknown/DataMissing instead of "no webhook": the webhook
 * configurations (unless attested), the Namespace of every pod and workload, the injector ConfigMaps the webhooks name.
 */
export function partialInputGaps(
  snapshot: ClusterSnapshot,
  evidence: {readonly webhooksAttested: boolean; readonly bundle: boolean},
): Gap[] {
  const gaps: Gap[] = []
  if (
    snapshot.webhookConfigurations.length === 0 &&
    !evidence.webhooksAttested &&
    !covered(snapshot.gaps, 'mutatingwebhookconfigurations')
  ) {
    gaps.push({
      resource: 'mutatingwebhookconfigurations',
      reason: 'NotCollected',
      verb: 'list',
      message:
        'the input has no MutatingWebhookConfigurations; add them with: kubectl get mutatingwebhookconfigurations -o yaml > mutatingwebhookconfigurations.yaml',
    })
  }
  const known = new Set(snapshot.namespaces.map((ns) => ns.name))
  const wanted = [...new Set([...snapshot.pods, ...snapshot.workloads].map((o) => o.namespace))].sort()
  for (const namespace of wanted) {
    if (known.has(namespace) || covered(snapshot.gaps, 'namespaces', undefined, namespace)) continue
    gaps.push({
      resource: 'namespaces',
      name: namespace,
      reason: 'NotCollected',
      verb: 'get',
      message: `the input has pods in namespace "${namespace}" but not the Namespace; add it with: ${sh`kubectl get namespace ${namespace} -o yaml > ${`namespace-${namespace}.yaml`}`}`,
    })
  }
  for (const expected of expectedInjectorConfigMaps(snapshot.webhookConfigurations)) {
    // Other Istio ConfigMaps of that namespace (or a bundle) show its ConfigMaps were collected: then the absence is real.
    const collected = evidence.bundle || snapshot.configMaps.some((cm) => cm.namespace === expected.namespace)
    if (collected || covered(snapshot.gaps, 'configmaps', expected.namespace, expected.name)) continue
    gaps.push({
      resource: 'configmaps',
      namespace: expected.namespace,
      name: expected.name,
      reason: 'NotCollected',
      verb: 'get',
      message: `the input lacks ConfigMap ${expected.namespace}/${expected.name} (the injector config of webhook configuration ${expected.configuration}); add it with: ${sh`kubectl get configmap ${expected.name} -n ${expected.namespace} -o yaml > ${`${expected.name}.yaml`}`}`,
    })
  }
  return gaps
}
