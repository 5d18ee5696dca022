// -f FILE|DIR|-: local manifests (Pods and workload templates) judged before they are applied.
import {readdir, readFile, stat} from 'node:fs/promises'
import {extname, join} from 'node:path'
import type {PodFacts, Provenance, WorkloadFacts} from '../core/snapshot.js'
import {InputFileError} from './kube-errors.js'
import {projectPod, projectWorkload, workloadKinds} from './projection.js'
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

async function collectFiles(path: string): Promise<string[]> {
  let stats
  try {
    stats = await stat(path)
  } catch (error) {
    const code = (error as {code?: string}).code
    throw new InputFileError(
      path,
      code === 'ENOENT' ? 'no such file or directory' : `cannot read (${code ?? String(error)})`,
    )
  }
  if (!stats.isDirectory()) return [path]
  const files: string[] = []
  for (const name of (await readdir(path)).filter((n) => !n.startsWith('.')).sort()) {
    const child = join(path, name)
    const childStats = await stat(child)
    if (childStats.isDirectory()) files.push(...(await collectFiles(child)))
    else if (manifestExtensions.has(extname(name).toLowerCase())) files.push(child)
  }
  if (files.length === 0) throw new InputFileError(path, 'contains no .yaml, .yml or .json files')
  return files
}

/** Reads manifests; a namespace-less object lands in `defaultNamespace` (-n or the context's), as `kubectl apply` would. */
export async function readManifestTargets(
  paths: readonly string[],
  defaultNamespace: string,
  readStdin: () => Promise<string>,
): Promise<ManifestTargets> {
  const pods: PodFacts[] = []
  const workloads: WorkloadFacts[] = []
  const skipped: {kind: string; name: string; source: Provenance}[] = []
  const documents: {object: unknown; source: Provenance}[] = []
  for (const path of paths) {
    if (path === '-') {
      for (const object of parseDocuments(await readStdin(), stdinSource))
        documents.push({object, source: stdinSource})
      continue
    }
    for (const file of await collectFiles(path)) {
      let content: string
      try {
        content = await readFile(file, 'utf8')
      } catch (error) {
        throw new InputFileError(file, `cannot read (${(error as {code?: string}).code ?? String(error)})`)
      }
      for (const object of parseDocuments(content, file)) documents.push({object, source: file})
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
