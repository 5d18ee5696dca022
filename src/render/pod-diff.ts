// The human diff of inject-diff: a header (webhooks, revision, route, summary) and a compact readable walk of the
// jsondiffpatch delta. Pure: colour is a parameter; every cluster-provided string is sanitised.
import type {Delta} from 'jsondiffpatch'
import {inertYaml} from './yaml-text.js'
import {formatChangeSummary} from '../core/preview/change-summary.js'
import type {
  PodPreview,
  PreviewFailure,
  PreviewNote,
  PreviewRoute,
  PreviewSubject,
  WebhookAttribution,
} from '../core/preview/preview.js'
import type {ChangeSummary} from '../core/preview/change-summary.js'
import type {PatchOperation} from '../core/preview/json-patch.js'
import type {PodObject} from '../core/preview/pod-builder.js'
import {createPalette, sanitizeTerminalText} from './terminal-text.js'
import type {Palette} from './terminal-text.js'

export interface PodDiffOptions {
  readonly colour: boolean
}

type Json = Record<string, unknown>
const isObject = (value: unknown): value is Json =>
  value !== null && typeof value === 'object' && !Array.isArray(value)

const itemWords: Readonly<Record<string, string>> = {
  containers: 'container',
  initContainers: 'init container',
  ephemeralContainers: 'ephemeral container',
  volumes: 'volume',
  volumeMounts: 'volume mount',
  env: 'env var',
  ports: 'port',
  tolerations: 'toleration',
  imagePullSecrets: 'image pull secret',
}

const itemLabel = (item: unknown, index: number): string => {
  if (isObject(item)) {
    if (typeof item.name === 'string')
      return typeof item.mountPath === 'string' ? `${item.name} at ${item.mountPath}` : item.name
    if (typeof item.containerPort === 'number') return String(item.containerPort)
    if (typeof item.key === 'string') return item.key
  }
  return `#${index}`
}

const yamlLines = (value: unknown): string[] =>
  inertYaml(value)
    .replace(/\n$/, '')
    .split('\n')
    .map((line) => sanitizeTerminalText(line))

/** `key: value` for scalars, `key:` + indented YAML for objects and arrays. */
const keyValueLines = (key: string, value: unknown): string[] => {
  const lines = yamlLines(value)
  if (!isObject(value) && !Array.isArray(value) && lines.length === 1)
    return [`${sanitizeTerminalText(key)}: ${lines[0]}`]
  if ((isObject(value) && Object.keys(value).length === 0) || (Array.isArray(value) && value.length === 0))
    return [`${sanitizeTerminalText(key)}: ${lines[0]}`]
  return [`${sanitizeTerminalText(key)}:`, ...lines.map((l) => `  ${l}`)]
}

interface Section {
  readonly path: string
  readonly lines: string[]
}

const isArrayDelta = (delta: unknown): delta is Json & {_t: 'a'} => isObject(delta) && delta._t === 'a'

class DeltaWalker {
  readonly sections: Section[] = []
  constructor(private readonly p: Palette) {}

  private section(path: string): string[] {
    const last = this.sections.at(-1)
    if (last?.path === path) return last.lines
    const created: Section = {path, lines: []}
    this.sections.push(created)
    return created.lines
  }

  private added(path: string, lines: readonly string[]): void {
    this.section(path).push(...lines.map((l) => this.p.green(`+ ${l}`)))
  }

  private removed(path: string, lines: readonly string[]): void {
    this.section(path).push(...lines.map((l) => this.p.red(`- ${l}`)))
  }

  walk(delta: Delta, left: unknown, right: unknown, path: string): void {
    if (isArrayDelta(delta))
      return this.walkArray(delta, Array.isArray(left) ? left : [], Array.isArray(right) ? right : [], path)
    if (!isObject(delta)) return
    const l = isObject(left) ? left : {}
    const r = isObject(right) ? right : {}
    for (const key of Object.keys(delta).sort((a, b) => this.order(a, b))) {
      const child = delta[key] as Delta
      const childPath = path === '' ? key : `${path}.${key}`
      if (Array.isArray(child)) {
        if (
          (child.length === 1 || (child.length === 3 && child[2] === 0)) &&
          this.expand(child.length === 1 ? 'added' : 'removed', child[0], childPath)
        )
          continue
        if (child.length === 1) this.added(path || '(pod)', keyValueLines(key, child[0]))
        else if (child.length === 2) {
          this.removed(path || '(pod)', keyValueLines(key, child[0]))
          this.added(path || '(pod)', keyValueLines(key, child[1]))
        } else if (child.length === 3 && child[2] === 0)
          this.removed(path || '(pod)', keyValueLines(key, child[0]))
      } else this.walk(child, l[key], r[key], childPath)
    }
  }

  // A whole map or list added (or removed) reads like its entries one by one: `+ container istio-init added`.
  private expand(how: 'added' | 'removed', value: unknown, path: string): boolean {
    const mark = how === 'added' ? this.added.bind(this) : this.removed.bind(this)
    if (isObject(value) && Object.keys(value).length > 0) {
      for (const [key, entry] of Object.entries(value)) mark(path, keyValueLines(key, entry))
      return true
    }
    if (Array.isArray(value) && value.length > 0) {
      const word = itemWords[path.slice(path.lastIndexOf('.') + 1)] ?? 'item'
      value.forEach((item, index) =>
        mark(path, [
          `${word} ${sanitizeTerminalText(itemLabel(item, index))} ${how}`,
          ...yamlLines(item).map((l) => `  ${l}`),
        ]),
      )
      return true
    }
    return false
  }

  // metadata before spec before status, then the rest alphabetically: the order kubectl prints a pod in.
  private order(a: string, b: string): number {
    const rank = (k: string) => ['apiVersion', 'kind', 'metadata', 'spec', 'status'].indexOf(k)
    const ra = rank(a)
    const rb = rank(b)
    if (ra !== rb) return (ra < 0 ? 99 : ra) - (rb < 0 ? 99 : rb)
    return a < b ? -1 : a > b ? 1 : 0
  }

  private walkArray(delta: Json, left: readonly unknown[], right: readonly unknown[], path: string): void {
    const field = path.slice(path.lastIndexOf('.') + 1).replace(/\[.*\]$/, '')
    const word = itemWords[field] ?? 'item'
    const entries = Object.keys(delta).filter((k) => k !== '_t')
    const removedKeys = entries
      .filter((k) => k.startsWith('_'))
      .sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)))
    const otherKeys = entries.filter((k) => !k.startsWith('_')).sort((a, b) => Number(a) - Number(b))
    for (const key of removedKeys) {
      const change = delta[key] as unknown[]
      const index = Number(key.slice(1))
      const label = sanitizeTerminalText(itemLabel(left[index], index))
      if (change[2] === 3)
        this.section(path).push(
          this.p.yellow(`~ ${word} ${label} moved from position ${index} to ${String(change[1])}`),
        )
      else this.removed(path, [`${word} ${label} removed`, ...yamlLines(left[index]).map((l) => `  ${l}`)])
    }
    for (const key of otherKeys) {
      const change = delta[key] as Delta
      const index = Number(key)
      const label = sanitizeTerminalText(itemLabel(right[index], index))
      if (Array.isArray(change) && change.length === 1) {
        this.added(path, [`${word} ${label} added`, ...yamlLines(change[0]).map((l) => `  ${l}`)])
      } else if (Array.isArray(change) && change.length === 2) {
        this.removed(path, [
          `${word} ${sanitizeTerminalText(itemLabel(change[0], index))}`,
          ...yamlLines(change[0]).map((l) => `  ${l}`),
        ])
        this.added(path, [`${word} ${label}`, ...yamlLines(change[1]).map((l) => `  ${l}`)])
      } else {
        const before =
          left.find((item, i) => itemLabel(item, i) === itemLabel(right[index], index)) ?? left[index]
        this.walk(change, before, right[index], `${path}[${label}]`)
      }
    }
  }
}

const subjectLine = (preview: PodPreview): string => {
  const s = preview.subject
  const what =
    s.kind === 'Pod' ? `pod ${s.namespace}/${s.name}` : `${s.kind.toLowerCase()} ${s.namespace}/${s.name}`
  return sanitizeTerminalText(s.source === undefined ? what : `${what} (${s.source})`)
}

const routeWords = (preview: PodPreview): string => {
  switch (preview.route) {
    case 'dry-run':
      return preview.raw
        ? 'dry-run (raw: input against the whole dry-run result)'
        : 'dry-run (server-side dryRun=All, injection isolated by an opted-out dry-run)'
    case 'direct':
      return 'direct (AdmissionReview to the injector through the API server service proxy)'
    case 'observed':
      return preview.raw
        ? 'observed (raw: owner template against the running pod)'
        : 'observed (owner template against the running pod, both with API-server defaults)'
    case 'restart':
      return 'restart (the running pod against its re-creation now: server-side dryRun=All)'
  }
}

/** The header lines: pod, webhooks, revision, route and why, summary, warnings. */
export const renderPreviewHeader = (preview: PodPreview, options: PodDiffOptions): string[] => {
  const p = createPalette(options.colour)
  const mutated = preview.webhooks.filter((w) => w.mutated)
  const called = preview.webhooks.filter((w) => !w.mutated)
  const hooks = [
    ...mutated.map((w) => `${w.configuration}/${w.name} (mutated)`),
    ...called.map((w) => `${w.configuration}/${w.name} (called${w.istio ? ', no injection' : ''})`),
  ]
  const lines = [
    p.bold(`=== ${subjectLine(preview)} ===`),
    `webhooks: ${hooks.length === 0 ? 'none' : sanitizeTerminalText(hooks.join(', '))}`,
    `revision: ${sanitizeTerminalText(preview.revision ?? 'none')}`,
    `route:    ${routeWords(preview)}`,
    p.dim(`          ${sanitizeTerminalText(preview.routeReason.message)}`),
  ]
  if (preview.summary !== null) lines.push(`summary:  ${formatChangeSummary(preview.summary)}`)
  for (const warning of preview.warnings)
    lines.push(p.yellow(`warning:  ${sanitizeTerminalText(warning.message)} [${warning.code}]`))
  return lines
}

/** One pod's diff: header, blank line, one block per changed path. `delta` is jsondiffpatch's delta of before → after. */
export const renderPodDiff = (preview: PodPreview, delta: Delta, options: PodDiffOptions): string => {
  const p = createPalette(options.colour)
  const header = renderPreviewHeader(preview, options)
  if (preview.failure !== null) {
    const failure = [
      ...header,
      p.red(`error:    ${sanitizeTerminalText(preview.failure.message)}`),
      `diagnosis: ${sanitizeTerminalText(preview.failure.diagnosis)} [${preview.failure.code}]`,
      `next:     ${sanitizeTerminalText(preview.failure.hint)}`,
    ]
    // Rejected after injection: what injection produced, the pod admission refused.
    if (delta === undefined) return failure.join('\n')
    return [
      ...failure,
      '',
      p.dim('injection would have produced (not admitted):'),
      ...diffBody(delta, preview, p),
    ].join('\n')
  }
  if (delta === undefined) {
    const none =
      preview.route === 'observed'
        ? 'no changes by admission webhooks'
        : preview.route === 'restart'
          ? 'no differences: a restart would re-create the pod as it runs now'
          : 'no differences'
    return [...header, '', p.dim(none)].join('\n')
  }
  return [...header, '', ...diffBody(delta, preview, p)].join('\n')
}

const diffBody = (
  delta: NonNullable<Delta>,
  preview: PodPreview,
  p: ReturnType<typeof createPalette>,
): string[] => {
  const walker = new DeltaWalker(p)
  walker.walk(delta, preview.before, preview.after, '')
  return walker.sections.flatMap((s) => [p.cyan(sanitizeTerminalText(s.path)), ...s.lines])
}

export const diffApiVersion = 'inject.kubectl.io/v1alpha1'

/** inject-diff --json for one target (schemas/injection-diff.schema.json is generated from this type). */
export interface InjectionDiff {
  readonly apiVersion: typeof diffApiVersion
  readonly kind: 'InjectionDiff'
  /** Fleet runs (several contexts) only: the kubeconfig context the pod was previewed in. */
  readonly context?: string
  readonly target: PreviewSubject
  readonly route: PreviewRoute
  readonly routeReason: PreviewNote
  readonly raw: boolean
  readonly revision: string | null
  readonly webhooks: readonly WebhookAttribution[]
  /** Whether `patch` has operations. */
  readonly differences: boolean
  readonly summary: ChangeSummary | null
  /** The pod before admission (without status); null when the preview failed before building it. */
  readonly before: PodObject | null
  readonly after: PodObject | null
  /** RFC 6902 JSON Patch from `before` to `after`. */
  readonly patch: readonly PatchOperation[]
  readonly warnings: readonly PreviewNote[]
  readonly failure: PreviewFailure | null
}

/** inject-diff --json for several targets (-l sweeps, -f with several objects). */
export interface InjectionDiffList {
  readonly apiVersion: typeof diffApiVersion
  readonly kind: 'InjectionDiffList'
  readonly items: readonly InjectionDiff[]
  /** Fleet runs only: the contexts that could not be previewed at all (unreachable, refused, target missing), in run order. */
  readonly failedContexts?: readonly DiffContextFailure[]
}

/** A context of a fleet run that yielded no preview: the one-line error, its next step and the exit code it stands for. */
export interface DiffContextFailure {
  readonly context: string
  readonly message: string
  readonly hint?: string
  readonly exit: number
}

/** One InjectionDiff document: the target, how it was previewed, before, after, the patch from before to after. */
export const previewDocument = (preview: PodPreview): InjectionDiff => ({
  apiVersion: diffApiVersion,
  kind: 'InjectionDiff',
  target: {
    kind: preview.subject.kind,
    namespace: preview.subject.namespace,
    name: preview.subject.name,
    ...(preview.subject.source === undefined ? {} : {source: preview.subject.source}),
  },
  route: preview.route,
  routeReason: {code: preview.routeReason.code, message: preview.routeReason.message},
  raw: preview.raw,
  revision: preview.revision,
  webhooks: preview.webhooks,
  differences: preview.patch.length > 0,
  summary: preview.summary,
  before: preview.before,
  after: preview.after,
  patch: preview.patch,
  warnings: preview.warnings,
  failure: preview.failure,
})

/** --json: an InjectionDiff for one target; an InjectionDiffList of them for several (-l sweeps, -f with several objects). */
export const buildDiffDocument = (previews: readonly PodPreview[]): InjectionDiff | InjectionDiffList =>
  previews.length === 1
    ? previewDocument(previews[0]!)
    : {apiVersion: diffApiVersion, kind: 'InjectionDiffList', items: previews.map(previewDocument)}

/**
 * -o patch|yaml|json: the patch, or the resulting pod; several pods become a list (JSON) or a YAML stream. A failed
 * preview is its InjectionDiff document with `failure` (as --json prints it), so stdout always holds a document.
 */
export const renderMachineOutput = (
  previews: readonly PodPreview[],
  format: 'patch' | 'yaml' | 'json',
): string => {
  if (format === 'patch') {
    const [only] = previews
    if (previews.length === 1 && only !== undefined)
      return JSON.stringify(only.failure === null ? only.patch : previewDocument(only), null, 2)
    const items = previews.map((p) => ({
      kind: p.subject.kind,
      namespace: p.subject.namespace,
      name: p.subject.name,
      ...(p.failure === null ? {patch: p.patch} : {failure: p.failure}),
    }))
    return JSON.stringify({items}, null, 2)
  }
  const documents = previews.map((p) => (p.failure === null ? p.after : previewDocument(p)))
  if (format === 'yaml') return documents.map((doc) => inertYaml(doc).replace(/\n$/, '')).join('\n---\n')
  if (documents.length === 1) return JSON.stringify(documents[0], null, 2)
  return JSON.stringify({apiVersion: 'v1', kind: 'List', items: documents}, null, 2)
}
