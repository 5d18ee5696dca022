// Writes the `--collect` bundle: a small .tar.gz of `kubectl get -o yaml`-shaped Lists that `--from` reads back.
// Layout (documented in manifest.yaml itself):
//   kubectl-inject-bundle/manifest.yaml          what was collected (kind, file, count), gaps (Forbidden/NotFound…), redaction
//   kubectl-inject-bundle/resources/<plural>.yaml  one `kind: List` per kind, items in collected order (events stay chronological)
// Guarantees: no kubeconfig or credentials are written (only the meta fields below), Secret payloads never, and with
// `redact` every value redaction.ts covers is replaced. The archive is built in memory and written with mode 0600.
import {rename, writeFile} from 'node:fs/promises'
import {gzipSync} from 'node:zlib'
import type {Gap} from '../core/snapshot.js'
import {injectBundleDir} from './bundle-layouts.js'
import {credentialKeyPattern, redactObject, redactedValue, stripSecretData} from './redaction.js'

type Raw = Record<string, unknown>

export interface CollectMeta {
  /** kubeconfig context name (never the kubeconfig itself). */
  readonly context?: string
  /** API server URL. */
  readonly server?: string
  readonly toolVersion?: string
  /** ISO time; the writer fills it when absent. */
  readonly createdAt?: string
  /** What the user asked about, e.g. `pod apps/httpbin-…`. */
  readonly targets?: readonly string[]
}

export interface CollectedCluster {
  /** Raw objects keyed by kind (`Namespace`, `MutatingWebhookConfiguration`, `Pod`…). */
  readonly objects: Readonly<Record<string, readonly Readonly<Raw>[]>>
  readonly gaps: readonly Gap[]
  readonly meta: CollectMeta
}

export interface WriteBundleOptions {
  readonly redact: boolean
}

const plurals: Readonly<Record<string, string>> = {
  Namespace: 'namespaces',
  MutatingWebhookConfiguration: 'mutatingwebhookconfigurations',
  ConfigMap: 'configmaps',
  Deployment: 'deployments',
  ReplicaSet: 'replicasets',
  StatefulSet: 'statefulsets',
  DaemonSet: 'daemonsets',
  Job: 'jobs',
  CronJob: 'cronjobs',
  ReplicationController: 'replicationcontrollers',
  Pod: 'pods',
  Service: 'services',
  EndpointSlice: 'endpointslices',
  Event: 'events',
  Node: 'nodes',
  Secret: 'secrets',
}

const apiVersions: Readonly<Record<string, string>> = {
  MutatingWebhookConfiguration: 'admissionregistration.k8s.io/v1',
  Deployment: 'apps/v1',
  ReplicaSet: 'apps/v1',
  StatefulSet: 'apps/v1',
  DaemonSet: 'apps/v1',
  Job: 'batch/v1',
  CronJob: 'batch/v1',
  EndpointSlice: 'discovery.k8s.io/v1',
}

export const pluralOf = (kind: string): string => plurals[kind] ?? `${kind.toLowerCase()}s`

// A gap message may quote an API error; keep it from carrying anything credential-like after `=` or `:`.
const redactGap = (gap: Gap): Gap => ({
  ...gap,
  message: gap.message.replace(
    /\b([\w.-]*(?:token|password|secret|credential)[\w.-]*)\s*[=:]\s*\S+/gi,
    `$1=${redactedValue}`,
  ),
})

/** Entries of the archive, path → text, in the order they are written. */
export const renderBundleFiles = async (
  collected: CollectedCluster,
  options: WriteBundleOptions,
): Promise<Map<string, string>> => {
  const {stringify} = await import('yaml')
  const files = new Map<string, string>()
  const resources: Raw[] = []
  for (const kind of Object.keys(collected.objects).sort()) {
    const items = (collected.objects[kind] ?? [])
      .map((object) => ({
        ...object,
        kind,
        apiVersion: (object.apiVersion as string | undefined) ?? apiVersions[kind] ?? 'v1',
      }))
      .map((object) => (options.redact ? redactObject(object) : stripSecretData(object)))
    const file = `resources/${pluralOf(kind)}.yaml`
    resources.push({kind, resource: pluralOf(kind), file, count: items.length})
    files.set(
      `${injectBundleDir}/${file}`,
      stringify({apiVersion: 'v1', kind: 'List', metadata: {resourceVersion: ''}, items}, {lineWidth: 0}),
    )
  }
  const meta = collected.meta
  const manifest = {
    apiVersion: 'kubectl-inject.io/v1alpha1',
    kind: 'InjectBundle',
    createdAt: meta.createdAt ?? new Date().toISOString(),
    ...(meta.toolVersion !== undefined && {tool: `kubectl-inject ${meta.toolVersion}`}),
    ...(meta.context !== undefined && {context: meta.context}),
    ...(meta.server !== undefined && {server: meta.server}),
    ...(meta.targets !== undefined && {targets: [...meta.targets]}),
    redacted: options.redact,
    redaction: options.redact
      ? [
          'Secret data and stringData removed',
          `container env values replaced with ${redactedValue} (names and valueFrom kept)`,
          'kubectl.kubernetes.io/last-applied-configuration annotations and managedFields removed',
          `ConfigMap data keys, annotation keys and --flag=value args matching ${credentialKeyPattern.source} replaced with ${redactedValue}`,
          'webhook caBundle kept (public certificate)',
        ]
      : ['Secret data and stringData removed (--no-redact keeps everything else)'],
    layout: {
      manifest: `${injectBundleDir}/manifest.yaml`,
      resources: `${injectBundleDir}/resources/<plural>.yaml: one kubectl 'kind: List' per kind`,
    },
    resources,
    gaps: collected.gaps.map((gap) => (options.redact ? redactGap(gap) : gap)),
  }
  return new Map([[`${injectBundleDir}/manifest.yaml`, stringify(manifest, {lineWidth: 0})], ...files])
}

/** A ustar archive of regular files, gzip-compressed. */
export const tarGzip = async (files: ReadonlyMap<string, string>, mtime: Date): Promise<Buffer> => {
  const {Header} = await import('tar')
  const blocks: Buffer[] = []
  for (const [path, body] of files) {
    const content = Buffer.from(body, 'utf8')
    const header = Buffer.alloc(512)
    new Header({
      path,
      mode: 0o644,
      uid: 0,
      gid: 0,
      size: content.length,
      mtime,
      type: 'File',
      uname: '',
      gname: '',
    }).encode(header, 0)
    blocks.push(header, content, Buffer.alloc((512 - (content.length % 512)) % 512))
  }
  blocks.push(Buffer.alloc(1024))
  return gzipSync(Buffer.concat(blocks))
}

/** Writes the bundle to `path` (atomically, mode 0600) and returns the archive entry names. */
export const writeBundle = async (
  path: string,
  collected: CollectedCluster,
  options: WriteBundleOptions,
): Promise<string[]> => {
  const createdAt = collected.meta.createdAt ?? new Date().toISOString()
  const files = await renderBundleFiles({...collected, meta: {...collected.meta, createdAt}}, options)
  const archive = await tarGzip(files, new Date(createdAt))
  const temporary = `${path}.partial-${process.pid}`
  await writeFile(temporary, archive, {mode: 0o600})
  await rename(temporary, path)
  return [...files.keys()]
}
