// -f FILE|DIR|-: local manifests (Pods and workload templates) judged before they are applied.
import {lstat, readdir, readFile, stat} from 'node:fs/promises'
import {extname, join} from 'node:path'
import type {PodFacts, Provenance, WorkloadFacts} from '../core/snapshot.js'
import {InputFileError} from './kube-errors.js'
import {projectPod, projectWorkload, workloadKinds} from './projection.js'
import {decodeText} from './text-decoding.js'
import {parseDocuments} from './yaml-documents.js'

export interface ManifestTargets {
  /** Pods as PodFacts of kind `PodTemplate` (not applied yet), whole object kept for previews and CEL. */
  readonly pods: readonly PodFacts[]
  readonly workloads: readonly WorkloadFacts[]
  /** Documents that are neither Pods nor workloads (Services, ConfigMaps, …). */
  readonly skipped: readonly {readonly kind: string; readonly name: string; readonly source: Provenance}[]
}

const manifestExtensions = new Set(['.yaml', '.yml', '.json'])

/** Source label of standard input in provenance and errors. */
export const stdinSource = '<stdin>'

export interface ManifestReadOptions {
  /** -R: read directories recursively (kubectl reads only the files directly inside, by default). */
  readonly recursive?: boolean
  /** One line per skipped entry (a dangling symlink, an entry that cannot be inspected), for stderr. */
  readonly warn?: (line: string) => void
}

const errorCode = (error: unknown): string => (error as {code?: string}).code ?? String(error)

/** The manifest files at `path`, as `kubectl apply -f` picks them: .yaml/.yml/.json, subdirectories only with -R. */
async function collectFiles(path: string, options: ManifestReadOptions, topLevel = true): Promise<string[]> {
  let stats
  try {
    stats = await stat(path)
  } catch (error) {
    const code = errorCode(error)
    throw new InputFileError(path, code === 'ENOENT' ? 'no such file or directory' : `cannot read (${code})`)
  }
  if (!stats.isDirectory()) return [path]
  const files: string[] = []
  let subdirectories = 0
  let names: string[]
  try {
    names = (await readdir(path)).filter((n) => !n.startsWith('.')).sort()
  } catch (error) {
    if (topLevel) throw new InputFileError(path, `cannot list (${errorCode(error)})`)
    options.warn?.(`${path}: cannot list (${errorCode(error)}); skipped`)
    return []
  }
  for (const name of names) {
    const child = join(path, name)
    let childStats
    try {
      childStats = await stat(child)
    } catch (error) {
      const code = errorCode(error)
      const dangling =
        code === 'ENOENT' && (await lstat(child).catch(() => undefined))?.isSymbolicLink() === true
      options.warn?.(`${child}: ${dangling ? 'dangling symlink' : `cannot read (${code})`}; skipped`)
      continue
    }
    if (childStats.isDirectory()) {
      if (options.recursive === true) files.push(...(await collectFiles(child, options, false)))
      else subdirectories++
    } else if (manifestExtensions.has(extname(name).toLowerCase())) files.push(child)
  }
  const unread =
    subdirectories === 0 || options.recursive === true
      ? ''
      : `; ${subdirectories} subdirector${subdirectories === 1 ? 'y was' : 'ies were'} not read (pass -R to read them)`
  if (files.length === 0 && topLevel)
    throw new InputFileError(path, `contains no .yaml, .yml or .json files${unread}`)
  if (unread !== '' && topLevel) options.warn?.(`${path}: ${unread.slice(2)}`)
  return files
}

/** Reads manifests; a namespace-less object lands in `defaultNamespace` (-n or the context's), as `kubectl apply` would. */
export async function readManifestTargets(
  paths: readonly string[],
  defaultNamespace: string,
  readStdin: () => Promise<Buffer | string>,
  options: ManifestReadOptions = {},
): Promise<ManifestTargets> {
  const pods: PodFacts[] = []
  const workloads: WorkloadFacts[] = []
  const skipped: {kind: string; name: string; source: Provenance}[] = []
  const documents: {object: unknown; source: Provenance}[] = []
  for (const path of paths) {
    if (path === '-') {
      for (const object of parseDocuments(decodeText(await readStdin(), stdinSource), stdinSource))
        documents.push({object, source: stdinSource})
      continue
    }
    for (const file of await collectFiles(path, options)) {
      let content: Buffer
      try {
        content = await readFile(file)
      } catch (error) {
        throw new InputFileError(file, `cannot read (${errorCode(error)})`)
      }
      for (const object of parseDocuments(decodeText(content, file), file))
        documents.push({object, source: file})
    }
  }
  const visit = (object: unknown, source: Provenance, itemKind?: string): void => {
    if (object === null || typeof object !== 'object' || Array.isArray(object)) return
    const raw = object as Record<string, unknown>
    const kind = typeof raw.kind === 'string' ? raw.kind : itemKind
    const name = String(
      (raw.metadata as {name?: unknown} | undefined)?.name ??
        (raw.metadata as {generateName?: unknown} | undefined)?.generateName ??
        '',
    )
    if (kind !== undefined && kind.endsWith('List') && Array.isArray(raw.items)) {
      const inner = kind === 'List' ? undefined : kind.slice(0, -'List'.length)
      for (const item of raw.items as unknown[]) visit(item, source, inner)
      return
    }
    const typed = raw.kind === kind ? raw : {...raw, kind}
    if (kind === 'Pod') {
      const pod = projectPod(typed, {kind: 'PodTemplate', keepObject: true, source, defaultNamespace})
      if (pod !== undefined) return void pods.push(pod)
    } else if (kind !== undefined && (workloadKinds as readonly string[]).includes(kind)) {
      const workload = projectWorkload(typed, {source, defaultNamespace, keepObject: true})
      if (workload !== undefined) return void workloads.push(workload)
    }
    skipped.push({kind: kind ?? '(no kind)', name, source})
  }
  for (const document of documents) visit(document.object, document.source)
  return {pods, workloads, skipped}
}
