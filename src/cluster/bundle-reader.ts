// Reads support bundles offline: istioctl bug-report (three layout generations), kubectl cluster-info dump
// (directory or captured stdout), and the `--collect` bundle; all as archives or extracted directories.
// Output is raw objects with provenance, istiod logs and Gaps; projection.ts turns them into a snapshot.
import {stat} from 'node:fs/promises'
import type {ClusterSnapshot, Gap, Provenance} from '../core/snapshot.js'
import {
  BundleReadError,
  looksLikeArchive,
  readArchive,
  readDirectoryTree,
  readHead,
  unreadableArchive,
  type BundleFileTree,
} from './archive-reader.js'
import {
  layoutDescription,
  locateBundle,
  parseVersions,
  type BundleLayout,
  type IstioVersions,
} from './bundle-layouts.js'
import {eventRowToObject, parseEventsTable} from './events-table.js'
import type {EntryReader} from './file-source.js'
import {InputFileError} from './kube-errors.js'
import type {RawEntry} from './projection.js'

export {BundleReadError} from './archive-reader.js'
export type {BundleLayout, IstioVersions} from './bundle-layouts.js'

type Raw = Record<string, unknown>

/** One Kubernetes object (never a List) with `kind` set, and where it came from. */
export interface SourcedObject {
  readonly object: Raw
  readonly source: Provenance
}

export interface BundleContents {
  /** The path the user gave. */
  readonly path: string
  /** `manifest-archive`: an archive of plain kubectl YAML/JSON files. */
  readonly layout: BundleLayout | 'manifest-archive'
  readonly evidence: string
  readonly entries: readonly SourcedObject[]
  /** istiod logs (`discovery.log`, or the discovery container of a cluster-info dump). */
  readonly logs: readonly {readonly source: Provenance; readonly text: string}[]
  readonly gaps: readonly Gap[]
  readonly versions?: IstioVersions
  /** Lines of the events table that could not be split into columns. */
  readonly unparsedEventLines?: readonly number[]
  /** ISO time the bundle was collected, when it records one (`--collect` manifests). */
  readonly takenAt?: string
}

const isRecord = (value: unknown): value is Raw =>
  value !== null && typeof value === 'object' && !Array.isArray(value)
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined)

/** Lists (`kind: List` and typed `PodList`) → their items, each with kind/apiVersion filled from the list when absent. */
export const flattenObjects = (object: unknown, itemKind?: string, itemApiVersion?: string): Raw[] => {
  if (!isRecord(object)) return []
  const kind = text(object.kind) ?? itemKind
  const apiVersion = text(object.apiVersion) ?? itemApiVersion
  if (kind !== undefined && kind.endsWith('List') && Array.isArray(object.items)) {
    const inner = kind === 'List' ? undefined : kind.slice(0, -'List'.length)
    return (object.items as unknown[]).flatMap((item) =>
      flattenObjects(item, inner, inner === undefined ? undefined : apiVersion),
    )
  }
  if (kind === undefined) return []
  return [
    text(object.kind) === kind && text(object.apiVersion) === apiVersion
      ? object
      : {...object, kind, ...(apiVersion && {apiVersion})},
  ]
}

/** YAML (multi-document, read as kubectl reads it) or JSON text → objects. Throws a one-line error naming `source`. */
export const objectsFromText = async (body: string, source: string, itemKind?: string): Promise<Raw[]> => {
  const {parseDocuments} = await import('./yaml-documents.js')
  let documents: unknown[]
  try {
    documents = parseDocuments(body, source)
  } catch (error) {
    if (error instanceof BundleReadError || !(error instanceof InputFileError)) throw error
    const at = error.line === undefined ? source : `${source}:${error.line}`
    throw new BundleReadError(at, error.message.slice(at.length + 2))
  }
  return documents.flatMap((document) => flattenObjects(document, itemKind))
}

// ---- gaps ----

const resourceKinds: Readonly<Record<string, string>> = {
  namespaces: 'Namespace',
  mutatingwebhookconfigurations: 'MutatingWebhookConfiguration',
  configmaps: 'ConfigMap',
  pods: 'Pod',
  replicasets: 'ReplicaSet',
  deployments: 'Deployment',
  statefulsets: 'StatefulSet',
  daemonsets: 'DaemonSet',
  jobs: 'Job',
  cronjobs: 'CronJob',
  services: 'Service',
  endpointslices: 'EndpointSlice',
  events: 'Event',
  nodes: 'Node',
}

const notCollected = (resource: string, message: string, namespace?: string): Gap => ({
  resource,
  ...(namespace !== undefined && {namespace}),
  reason: 'NotCollected',
  verb: 'list',
  message,
})

/** Drops NotCollected gaps that other inputs filled (e.g. `--from dump/ --from extra.yaml`). */
export const resolveGaps = (
  gaps: readonly Gap[],
  entries: readonly {readonly object: unknown}[],
  logs: readonly unknown[] = [],
): Gap[] => {
  const present = new Set<string>()
  for (const {object} of entries) {
    for (const item of flattenObjects(object)) {
      const kind = text(item.kind) ?? ''
      const namespace = isRecord(item.metadata) ? (text(item.metadata.namespace) ?? '') : ''
      present.add(kind)
      present.add(`${kind}/${namespace}`)
    }
  }
  return gaps.filter((gap) => {
    if (gap.reason !== 'NotCollected') return true
    if (gap.resource === 'pods/log') return logs.length === 0
    const kind = resourceKinds[gap.resource]
    if (kind === undefined) return true
    return !present.has(gap.namespace === undefined ? kind : `${kind}/${gap.namespace}`)
  })
}

const dedupe = (entries: readonly SourcedObject[]): SourcedObject[] => {
  const seen = new Set<string>()
  return entries.filter(({object}) => {
    if (object.kind === 'Event') return true
    const meta = isRecord(object.metadata) ? object.metadata : {}
    const key = `${String(object.kind)}/${text(meta.namespace) ?? ''}/${text(meta.name) ?? text(meta.generateName) ?? ''}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

const ofKind = (entries: readonly SourcedObject[], kind: string): SourcedObject[] =>
  entries.filter((entry) => entry.object.kind === kind)

// ---- istioctl bug-report ----

const isDiscoveryLog = (path: string, root: string): boolean =>
  path.startsWith(root) && /^istio\/[^/]+\/[^/]+\/discovery\.log$/.test(path.slice(root.length))

const bugReportKeep = (path: string): boolean =>
  /(^|\/)(versions|cluster\/[^/]+|istio\/[^/]+\/[^/]+\/discovery\.log)$/.test(path) ||
  /(^|\/)kubectl-inject-bundle\//.test(path) ||
  /\.(json|ya?ml)$/.test(path) ||
  /(^|\/)[^/]+\/istiod[^/]*\/logs\.txt$/.test(path)

const fillCommand = (resources: string, file: string, scope = '-A'): string =>
  `kubectl get ${scope} ${resources} -o yaml > ${file}`

/** What a bug-report read so far: objects in first-copy-wins order, and gaps in the order they were found. */
interface BugReportRead {
  readonly entries: SourcedObject[]
  readonly gaps: Gap[]
}

/** One file's objects appended to `read`; false when the file is absent; a parse error becomes a Gap. */
const readReportFile = async (
  tree: BundleFileTree,
  root: string,
  name: string,
  read: BugReportRead,
): Promise<boolean> => {
  const body = await tree.read(`${root}${name}`)
  if (body === undefined) return false
  const source = tree.provenance(`${root}${name}`)
  try {
    for (const object of await objectsFromText(body, source)) read.entries.push({object, source})
  } catch (error) {
    read.gaps.push({
      resource: name,
      reason: 'Error',
      message: error instanceof Error ? error.message : String(error),
    })
  }
  return true
}

/** Which of the two cluster dump files the report holds. */
interface ClusterFiles {
  readonly hasClusterResources: boolean
  readonly hasResources: boolean
}

// Order matters: the first copy of an object wins (cluster-scoped file, then the namespaced dump, then extras).
const readClusterFiles = async (
  tree: BundleFileTree,
  layout: BundleLayout,
  root: string,
  read: BugReportRead,
): Promise<ClusterFiles> => {
  const hasClusterResources = await readReportFile(tree, root, 'cluster/k8s-cluster-resources', read)
  const hasResources = await readReportFile(tree, root, 'cluster/k8s-resources', read)
  await readReportFile(tree, root, 'cluster/pods', read)
  if (layout !== 'bug-report-legacy') await readReportFile(tree, root, 'cluster/nodes', read)
  return {hasClusterResources, hasResources}
}

/** The `get events -o wide` table as Event objects; returns the lines it could not split. */
const readEventsTable = async (
  tree: BundleFileTree,
  root: string,
  read: BugReportRead,
): Promise<readonly number[] | undefined> => {
  const table = await tree.read(`${root}cluster/events`)
  if (table === undefined) {
    read.gaps.push(
      notCollected(
        'events',
        `no cluster/events in the bug report; run: ${fillCommand('events', 'events.yaml')}`,
      ),
    )
    return undefined
  }
  const parsed = parseEventsTable(table)
  const source = tree.provenance(`${root}cluster/events`)
  for (const row of parsed.rows)
    read.entries.push({object: eventRowToObject(row, 'default'), source: `${source}:${row.line}`})
  if (!parsed.recognized && table.trim() !== '')
    read.gaps.push({
      resource: 'events',
      reason: 'Error',
      message: `${source}: no 'kubectl get events' header found`,
    })
  return parsed.unparsed
}

const readDiscoveryLogs = async (
  tree: BundleFileTree,
  root: string,
): Promise<{source: Provenance; text: string}[]> => {
  const logs: {source: Provenance; text: string}[] = []
  for (const path of tree.paths.filter((p) => isDiscoveryLog(p, root)).sort()) {
    const body = await tree.read(path)
    if (body !== undefined) logs.push({source: tree.provenance(path), text: body})
  }
  return logs
}

/** Gaps for Namespaces and webhook configurations, saying why the report lacks them. */
const clusterScopedGaps = (
  unique: readonly SourcedObject[],
  layout: BundleLayout,
  files: ClusterFiles,
  versions?: IstioVersions,
): Gap[] => {
  const gaps: Gap[] = []
  const cli = versions?.cli ?? 'unknown'
  const tooOld = /^1\.([0-9]|1[01])(\.|$)/.test(versions?.cli ?? '')
  const clusterFile = layout === 'bug-report-1.30' ? 'cluster/k8s-cluster-resources' : 'cluster/k8s-resources'
  const hasClusterFile = layout === 'bug-report-1.30' ? files.hasClusterResources : files.hasResources
  const why = tooOld
    ? `istioctl ${cli} bug-report does not collect them`
    : !hasClusterFile
      ? `${clusterFile} is missing (--skip-cluster-dump, or not written)`
      : `${clusterFile} holds none`
  if (ofKind(unique, 'Namespace').length === 0)
    gaps.push(
      notCollected(
        'namespaces',
        `no Namespace objects: ${why}; run: kubectl get namespaces -o yaml > namespaces.yaml`,
      ),
    )
  // A report always lists the webhook configurations when its cluster file is there: none listed means the cluster has none.
  const clusterFileRead = !tooOld && hasClusterFile
  if (ofKind(unique, 'MutatingWebhookConfiguration').length === 0 && !clusterFileRead)
    gaps.push(
      notCollected(
        'mutatingwebhookconfigurations',
        `no MutatingWebhookConfigurations: ${why}; run: kubectl get mutatingwebhookconfigurations -o yaml > webhooks.yaml`,
      ),
    )
  return gaps
}

/** Gaps for the namespaced dump: all of it when missing, else the injector ConfigMap when left out. */
const namespacedGaps = (unique: readonly SourcedObject[], hasResources: boolean): Gap[] => {
  if (!hasResources) {
    const message = `cluster/k8s-resources is missing (--skip-cluster-dump, or not written); run: ${fillCommand('pods,replicasets,deployments,statefulsets,jobs,services,endpointslices,configmaps', 'k8s-resources.yaml')}`
    return ['pods', 'replicasets', 'configmaps', 'services', 'endpointslices'].map((resource) =>
      notCollected(resource, message),
    )
  }
  const hasInjectorConfig = unique.some(
    ({object}) =>
      object.kind === 'ConfigMap' &&
      /^istio-sidecar-injector/.test(String((object.metadata as Raw | undefined)?.name)),
  )
  if (hasInjectorConfig) return []
  return [
    notCollected(
      'configmaps',
      `no istio-sidecar-injector ConfigMap in cluster/k8s-resources (--include left out the control-plane namespace?); run: kubectl -n istio-system get configmaps -o yaml > istio-cm.yaml`,
      'istio-system',
    ),
  ]
}

const discoveryLogGap = (): Gap =>
  notCollected(
    'pods/log',
    'no istio/<ns>/<istiod>/discovery.log; run: kubectl -n istio-system logs -l app=istiod --tail=-1 > discovery.log',
    'istio-system',
  )

const readBugReport = async (
  tree: BundleFileTree,
  layout: BundleLayout,
  root: string,
  versions?: IstioVersions,
): Promise<BundleContents> => {
  const read: BugReportRead = {entries: [], gaps: []}
  const files = await readClusterFiles(tree, layout, root, read)
  // Events: ≤1.29 lists carry full Event objects; otherwise read the `get events -o wide` table.
  const unparsedEventLines =
    ofKind(read.entries, 'Event').length === 0 ? await readEventsTable(tree, root, read) : undefined
  const logs = await readDiscoveryLogs(tree, root)
  const unique = dedupe(read.entries)
  const gaps = [
    ...read.gaps,
    ...clusterScopedGaps(unique, layout, files, versions),
    ...namespacedGaps(unique, files.hasResources),
    ...(logs.length === 0 ? [discoveryLogGap()] : []),
  ]
  return {
    path: tree.container,
    layout,
    evidence: `${layoutDescription[layout]}: ${root === '' ? 'no prefix' : `root ${root}`}`,
    entries: unique,
    logs,
    gaps,
    ...(versions && {versions}),
    ...(unparsedEventLines && unparsedEventLines.length > 0 && {unparsedEventLines}),
  }
}

// ---- kubectl cluster-info dump ----

// kubernetes: staging/src/k8s.io/kubectl/pkg/cmd/clusterinfo/clusterinfo_dump.go (files per namespace, typed lists)
const dumpFiles: Readonly<Record<string, string>> = {
  events: 'Event',
  'replication-controllers': 'ReplicationController',
  services: 'Service',
  daemonsets: 'DaemonSet',
  deployments: 'Deployment',
  replicasets: 'ReplicaSet',
  pods: 'Pod',
}

/** What a cluster-info dump never holds, with the command that fills each hole. */
export const clusterInfoDumpGaps = (): Gap[] => [
  notCollected(
    'namespaces',
    'kubectl cluster-info dump has no Namespace objects (no namespace labels); run: kubectl get ns,mutatingwebhookconfigurations -o yaml > extra.yaml and add --from extra.yaml',
  ),
  notCollected(
    'mutatingwebhookconfigurations',
    'kubectl cluster-info dump has no MutatingWebhookConfigurations; run: kubectl get ns,mutatingwebhookconfigurations -o yaml > extra.yaml and add --from extra.yaml',
  ),
  notCollected(
    'configmaps',
    'kubectl cluster-info dump has no ConfigMaps (injector policy and templates); run: kubectl -n istio-system get cm -o yaml > istio-cm.yaml and add --from istio-cm.yaml',
    'istio-system',
  ),
  ...['statefulsets', 'jobs', 'cronjobs'].map((resource) =>
    notCollected(
      resource,
      `kubectl cluster-info dump has no StatefulSets, Jobs or CronJobs; run: kubectl get -A statefulsets,jobs,cronjobs -o yaml > workloads.yaml and add --from workloads.yaml`,
    ),
  ),
  notCollected(
    'endpointslices',
    'kubectl cluster-info dump has no EndpointSlices (istiod endpoints); run: kubectl -n istio-system get endpointslices -o yaml > istiod-endpoints.yaml and add --from istiod-endpoints.yaml',
    'istio-system',
  ),
]

const logSectionPattern = /^==== START logs for container (\S+) of pod ([^/\s]+)\/(\S+) ====$/

/** Splits `==== START logs … ==== / ==== END logs … ====` sections; keeps the istiod `discovery` container's. */
const discoverySections = (body: string): {namespace: string; pod: string; text: string}[] => {
  const out: {namespace: string; pod: string; text: string}[] = []
  const lines = body.split('\n')
  for (let index = 0; index < lines.length; index++) {
    const start = logSectionPattern.exec(lines[index]!)
    if (!start) continue
    const end = `==== END logs for container ${start[1]} of pod ${start[2]}/${start[3]} ====`
    const from = index + 1
    while (index + 1 < lines.length && lines[index + 1] !== end) index++
    if (start[1] === 'discovery')
      out.push({namespace: start[2]!, pod: start[3]!, text: lines.slice(from, index + 1).join('\n')})
    index++
  }
  return out
}

/** What a cluster-info dump directory read so far: objects, parse-error gaps, and the namespaces it holds. */
interface DumpRead {
  readonly entries: SourcedObject[]
  readonly gaps: Gap[]
  readonly namespaces: Set<string>
}

const dumpListFile = /^(?:([^/]+)\/)?([a-z-]+)\.(json|yaml)$/

/** A dump list file's namespace (none for `nodes.json`), resource and item kind; undefined for other files. */
const dumpListOf = (relative: string): {namespace?: string; resource: string; kind: string} | undefined => {
  const match = dumpListFile.exec(relative)
  if (!match) return undefined
  const kind = match[1] === undefined ? (match[2] === 'nodes' ? 'Node' : undefined) : dumpFiles[match[2]!]
  if (kind === undefined) return undefined
  return {...(match[1] !== undefined && {namespace: match[1]}), resource: match[2]!, kind}
}

/** One list file's objects appended to `read`; a parse error becomes a Gap naming the resource and namespace. */
const readDumpList = async (
  tree: BundleFileTree,
  root: string,
  relative: string,
  read: DumpRead,
): Promise<void> => {
  const list = dumpListOf(relative)
  if (list === undefined) return
  if (list.namespace !== undefined) read.namespaces.add(list.namespace)
  const body = await tree.read(`${root}${relative}`)
  if (body === undefined) return
  const source = tree.provenance(`${root}${relative}`)
  try {
    for (const object of await objectsFromText(body, source, list.kind)) read.entries.push({object, source})
  } catch (error) {
    read.gaps.push({
      resource: list.resource,
      ...(list.namespace && {namespace: list.namespace}),
      reason: 'Error',
      message: error instanceof Error ? error.message : String(error),
    })
  }
}

const hasDiscoveryContainer = (pod: Raw): boolean => {
  const containers =
    isRecord(pod.spec) && Array.isArray(pod.spec.containers) ? (pod.spec.containers as unknown[]) : []
  return containers.some((c) => isRecord(c) && c.name === 'discovery')
}

/** The discovery container's sections of each istiod pod's `<ns>/<pod>/logs.txt`. */
const readDumpDiscoveryLogs = async (
  tree: BundleFileTree,
  root: string,
  entries: readonly SourcedObject[],
): Promise<{source: Provenance; text: string}[]> => {
  const logs: {source: Provenance; text: string}[] = []
  for (const {object} of ofKind(entries, 'Pod')) {
    if (!hasDiscoveryContainer(object)) continue
    const meta = isRecord(object.metadata) ? object.metadata : {}
    const path = `${root}${text(meta.namespace)}/${text(meta.name)}/logs.txt`
    const body = await tree.read(path)
    if (body === undefined) continue
    for (const section of discoverySections(body))
      logs.push({source: tree.provenance(path), text: section.text})
  }
  return logs
}

const readClusterInfoDump = async (tree: BundleFileTree, root: string): Promise<BundleContents> => {
  const read: DumpRead = {entries: [], gaps: [], namespaces: new Set()}
  const files = tree.paths.filter((path) => path.startsWith(root)).map((path) => path.slice(root.length))
  for (const relative of files.sort()) await readDumpList(tree, root, relative, read)
  const logs = await readDumpDiscoveryLogs(tree, root, read.entries)
  return {
    path: tree.container,
    layout: 'cluster-info-dump',
    evidence: `${layoutDescription['cluster-info-dump']}: namespaces ${[...read.namespaces].sort().join(', ') || 'none'}`,
    entries: dedupe(read.entries),
    logs,
    gaps: [...clusterInfoDumpGaps(), ...read.gaps],
  }
}

/** True when the text is a captured `kubectl cluster-info dump` stdout (JSON lists and log sections). */
export const looksLikeClusterInfoStream = (head: string): boolean => {
  const start = head.trimStart()
  return (
    (start.startsWith('{') && /"kind":\s*"NodeList"/.test(head)) ||
    /^==== START logs for container /m.test(head)
  )
}

/** End offset (exclusive) of the JSON value starting at `from`, tracking strings; -1 when it never closes. */
const jsonValueEnd = (body: string, from: number): number => {
  let depth = 0
  let inString = false
  for (let index = from; index < body.length; index++) {
    const char = body[index]
    if (inString) {
      if (char === '\\') index++
      else if (char === '"') inString = false
    } else if (char === '"') inString = true
    else if (char === '{' || char === '[') depth++
    else if (char === '}' || char === ']') {
      depth--
      if (depth === 0) return index + 1
    }
  }
  return -1
}

/** A captured dump stream being read: the cursor, its 1-based line, and what was read so far. */
interface StreamRead {
  readonly file: string
  readonly body: string
  offset: number
  line: number
  readonly entries: SourcedObject[]
  readonly logs: {source: Provenance; text: string}[]
}

/** Moves the cursor to `to`, counting the newlines passed. */
const advance = (read: StreamRead, to: number): void => {
  for (let index = read.offset; index < to; index++) if (read.body.charCodeAt(index) === 10) read.line++
  read.offset = to
}

/** Moves past whitespace; false when the next 4 KiB held only whitespace (skipped, so look again). */
const skipWhitespace = (read: StreamRead): boolean => {
  const rest = /\S/.exec(read.body.slice(read.offset, read.offset + 4096))
  if (!rest) {
    advance(read, Math.min(read.body.length, read.offset + 4096))
    return false
  }
  advance(read, read.offset + rest.index)
  return true
}

/** The JSON document at the cursor → entries sourced to its first line; throws when truncated or invalid. */
const readStreamJson = (read: StreamRead): void => {
  const end = jsonValueEnd(read.body, read.offset)
  if (end < 0) throw new BundleReadError(read.file, `JSON document at line ${read.line} is truncated`)
  let parsed: unknown
  try {
    parsed = JSON.parse(read.body.slice(read.offset, end))
  } catch (error) {
    throw new BundleReadError(
      read.file,
      `JSON document at line ${read.line} does not parse (${(error as Error).message})`,
    )
  }
  const source = `${read.file}:${read.line}`
  for (const object of flattenObjects(parsed)) read.entries.push({object, source})
  advance(read, end)
}

/** The log section starting with line `current`: kept when it is the discovery container's, skipped otherwise. */
const readStreamLogSection = (read: StreamRead, current: string, start: RegExpExecArray): void => {
  const {body, offset} = read
  const endMarker = `\n==== END logs for container ${start[1]} of pod ${start[2]}/${start[3]} ====`
  const endAt = body.indexOf(endMarker, offset)
  const stop = endAt < 0 ? body.length : endAt + endMarker.length
  if (start[1] === 'discovery')
    read.logs.push({
      source: `${read.file}:${read.line}`,
      text: body.slice(offset + current.length + 1, endAt < 0 ? body.length : endAt + 1),
    })
  advance(read, stop)
}

/** A non-JSON line at the cursor: a log section, kubectl's closing "Cluster info dumped to" line, or an error. */
const readStreamLine = (read: StreamRead): void => {
  const lineEnd = read.body.indexOf('\n', read.offset)
  const current = read.body.slice(read.offset, lineEnd < 0 ? read.body.length : lineEnd)
  const start = logSectionPattern.exec(current)
  if (start) return readStreamLogSection(read, current, start)
  if (/^Cluster info dumped to /.test(current)) return advance(read, lineEnd < 0 ? read.body.length : lineEnd)
  throw new BundleReadError(read.file, `line ${read.line} is neither JSON nor a '==== START logs' section`)
}

export const readClusterInfoStream = (file: string, body: string): BundleContents => {
  const read: StreamRead = {file, body, offset: 0, line: 1, entries: [], logs: []}
  while (read.offset < body.length) {
    if (!skipWhitespace(read)) continue
    if (body[read.offset] === '{') readStreamJson(read)
    else readStreamLine(read)
  }
  return {
    path: file,
    layout: 'cluster-info-dump-stream',
    evidence: layoutDescription['cluster-info-dump-stream'],
    entries: dedupe(read.entries),
    logs: read.logs,
    gaps: clusterInfoDumpGaps(),
  }
}

// ---- the --collect bundle ----

interface InjectBundleManifest {
  readonly createdAt?: unknown
  readonly resources?: readonly {readonly file?: string}[]
  readonly gaps?: readonly Gap[]
}

/** The bundle's manifest.yaml (empty when absent); throws a one-line error when it does not parse. */
const readInjectManifest = async (
  tree: BundleFileTree,
  manifestPath: string,
): Promise<InjectBundleManifest> => {
  const {parse} = await import('yaml')
  try {
    return (parse((await tree.read(manifestPath)) ?? '') ?? {}) as InjectBundleManifest
  } catch (error) {
    throw new BundleReadError(
      tree.provenance(manifestPath),
      `manifest does not parse (${(error as Error).message.split('\n')[0]})`,
    )
  }
}

/** Every `resources/` YAML/JSON file's objects, in path order. */
const readInjectResources = async (tree: BundleFileTree, root: string): Promise<SourcedObject[]> => {
  const entries: SourcedObject[] = []
  const files = tree.paths
    .filter((path) => path.startsWith(`${root}resources/`) && /\.(ya?ml|json)$/.test(path))
    .sort()
  for (const path of files) {
    const body = await tree.read(path)
    if (body === undefined) continue
    const source = tree.provenance(path)
    const objects = await objectsFromText(body, source)
    for (const object of objects) entries.push({object, source})
    // An empty List still says the kind was read (none exist): keep it so the snapshot can tell none from not collected.
    if (objects.length === 0) entries.push({object: {apiVersion: 'v1', kind: 'List', items: []}, source})
  }
  return entries
}

const readInjectLogs = async (
  tree: BundleFileTree,
  root: string,
): Promise<{source: Provenance; text: string}[]> => {
  const logs: {source: Provenance; text: string}[] = []
  for (const path of tree.paths.filter((p) => p.startsWith(`${root}logs/`)).sort()) {
    const body = await tree.read(path)
    if (body !== undefined) logs.push({source: tree.provenance(path), text: body})
  }
  return logs
}

/** The manifest's gaps that have a resource, reason and message; others are dropped. */
const manifestGaps = (manifest: InjectBundleManifest): Gap[] =>
  (Array.isArray(manifest.gaps) ? manifest.gaps : []).filter(
    (gap): gap is Gap =>
      isRecord(gap) &&
      typeof gap.resource === 'string' &&
      typeof gap.reason === 'string' &&
      typeof gap.message === 'string',
  )

/** Reads one --collect bundle rooted at `root` (`…/kubectl-inject-bundle/`) of a tree; fleet bundles hold one per context. */
export const readInjectBundle = async (tree: BundleFileTree, root: string): Promise<BundleContents> => {
  const manifestPath = `${root}manifest.yaml`
  const manifest = await readInjectManifest(tree, manifestPath)
  const entries = await readInjectResources(tree, root)
  const logs = await readInjectLogs(tree, root)
  return {
    path: tree.container,
    layout: 'inject-bundle',
    evidence: `${layoutDescription['inject-bundle']}: ${manifestPath}`,
    entries,
    logs,
    gaps: manifestGaps(manifest),
    ...(typeof manifest.createdAt === 'string' && !Number.isNaN(Date.parse(manifest.createdAt))
      ? {takenAt: manifest.createdAt}
      : {}),
  }
}

// ---- entry points ----

const readManifestArchive = async (tree: BundleFileTree): Promise<BundleContents> => {
  const entries: SourcedObject[] = []
  for (const path of tree.paths.filter((p) => /\.(ya?ml|json)$/.test(p)).sort()) {
    const body = await tree.read(path)
    if (body === undefined) continue
    const source = tree.provenance(path)
    for (const object of await objectsFromText(body, source)) entries.push({object, source})
  }
  if (entries.length === 0)
    throw new BundleReadError(
      tree.container,
      'archive is not a support bundle and holds no Kubernetes YAML/JSON files',
    )
  return {
    path: tree.container,
    layout: 'manifest-archive',
    evidence: 'archive of kubectl YAML/JSON files',
    entries,
    logs: [],
    gaps: [],
  }
}

const readTree = async (tree: BundleFileTree): Promise<BundleContents | undefined> => {
  const versionsPath = tree.paths
    .filter((path) => /(^|\/)versions$/.test(path))
    .sort((a, b) => a.length - b.length)[0]
  const versionsText = versionsPath === undefined ? undefined : await tree.read(versionsPath)
  const versions = versionsText === undefined ? undefined : parseVersions(versionsText)
  const located = locateBundle(tree.paths, versions)
  if (!located) return tree.kind === 'archive' ? readManifestArchive(tree) : undefined
  switch (located.layout) {
    case 'inject-bundle':
      return readInjectBundle(tree, located.root)
    case 'cluster-info-dump':
      return readClusterInfoDump(tree, located.root)
    default:
      return readBugReport(tree, located.layout, located.root, versions)
  }
}

// Names of archives (also ones this tool cannot decompress, so they get a clear error instead of "not YAML").
const archiveName = /\.(tgz|tar\.gz|tar|zip|tar\.xz|txz|tar\.bz2|tbz2?|tar\.zst|7z|rar)$/i

/**
 * Reads `path` when it is a support bundle: an archive, a bundle directory, or a captured cluster-info dump.
 * Returns undefined for anything else (a plain kubectl YAML/JSON file or directory) so file-source reads it.
 * Throws BundleReadError (one line, naming the file) for an archive or bundle it cannot read.
 */
export const readBundle = async (path: string): Promise<BundleContents | undefined> => {
  let info
  try {
    info = await stat(path)
  } catch (error) {
    throw new BundleReadError(path, `cannot open (${(error as NodeJS.ErrnoException).code ?? String(error)})`)
  }
  if (info.isDirectory()) return readTree(await readDirectoryTree(path))
  const head = await readHead(path, 64 * 1024)
  const refused = unreadableArchive(head, path)
  if (refused !== undefined) throw new BundleReadError(path, refused)
  if (looksLikeArchive(head) || archiveName.test(path))
    return readTree(await readArchive(path, bugReportKeep))
  if (looksLikeClusterInfoStream(head.toString('utf8'))) {
    const {readFile} = await import('node:fs/promises')
    return readClusterInfoStream(path, await readFile(path, 'utf8'))
  }
  return undefined
}

/** The layout of `path` without reading objects; undefined for plain kubectl files. */
export const detectBundle = async (path: string): Promise<BundleLayout | 'manifest-archive' | undefined> => {
  const info = await stat(path).catch(() => undefined)
  if (!info) return undefined
  if (info.isDirectory()) {
    const tree = await readDirectoryTree(path)
    const versionsPath = tree.paths.find((p) => /(^|\/)versions$/.test(p))
    const versionsText = versionsPath === undefined ? undefined : await tree.read(versionsPath)
    return locateBundle(tree.paths, versionsText === undefined ? undefined : parseVersions(versionsText))
      ?.layout
  }
  const head = await readHead(path, 64 * 1024)
  if (looksLikeArchive(head) || archiveName.test(path) || unreadableArchive(head, path) !== undefined)
    return (await readBundle(path))?.layout
  return looksLikeClusterInfoStream(head.toString('utf8')) ? 'cluster-info-dump-stream' : undefined
}

/** Bundles plus plain kubectl entries from other `--from` paths → one entry list, logs and the gaps still open. */
export const mergeBundles = (
  bundles: readonly BundleContents[],
  extraEntries: readonly RawEntry[] = [],
): {entries: RawEntry[]; logs: {source: Provenance; text: string}[]; gaps: Gap[]; layouts: string[]} => {
  const entries: RawEntry[] = [...bundles.flatMap((bundle) => bundle.entries), ...extraEntries]
  const logs = bundles.flatMap((bundle) => bundle.logs)
  const gaps = resolveGaps(
    bundles.flatMap((bundle) => bundle.gaps),
    entries,
    logs,
  )
  return {entries, logs, gaps, layouts: bundles.map((bundle) => bundle.layout)}
}

/** Bundles (and plain entries) → a ClusterSnapshot with istiod logs and open gaps. */
export const bundleSnapshot = async (
  bundles: readonly BundleContents[],
  extraEntries: readonly RawEntry[] = [],
  paths: readonly string[] = bundles.map((bundle) => bundle.path),
): Promise<ClusterSnapshot> => {
  const {buildSnapshot} = await import('./projection.js')
  const merged = mergeBundles(bundles, extraEntries)
  const snapshot = buildSnapshot(merged.entries, {kind: 'files', paths, layouts: merged.layouts}, merged.gaps)
  return {...snapshot, logs: [...snapshot.logs, ...merged.logs]}
}

/** file-source's reader seam: claims bundles (archives, bug-report/dump/collect directories, dump streams). */
export const bundleEntryReader: EntryReader = {
  name: 'support-bundle',
  claims: async (path) => (await detectBundle(path)) !== undefined,
  read: async (path) => {
    const bundle = await readBundle(path)
    if (!bundle) return {entries: []}
    return {
      entries: bundle.entries,
      logs: bundle.logs,
      gaps: bundle.gaps,
      layouts: [bundle.layout],
      ...(bundle.takenAt === undefined ? {} : {takenAt: bundle.takenAt}),
    }
  },
}
