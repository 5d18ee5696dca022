// inject-check -w: follow pods, FailedCreate events, namespaces, webhook configurations and injector ConfigMaps with
// the watch API, re-judge the sweep when any of them changes, and print the rows whose verdict changed.
// Watches start at each collection's list resourceVersion (read before the first snapshot, so nothing is missed);
// a 410 Expired relists, an ended stream reconnects from the last version seen (client-go reflector semantics).
import type {TargetSpec} from '../core/target-spec.js'
import type {Verdict} from '../core/verdict/verdict.js'
import type {JsonObject, Transport, WatchEvent} from '../cluster/transport.js'
import {ApiStatusError} from '../cluster/kube-errors.js'
import {renderVerdictTable} from '../render/verdict-table.js'
import type {CheckInput, LiveReader} from './check-input.js'
import {compactSources} from './check-output.js'

export interface WatchedCollection {
  /** For messages: `pods in shop`. */
  readonly what: string
  readonly path: string
  readonly query: Readonly<Record<string, string | undefined>>
}

const enc = encodeURIComponent

/** What a sweep's verdicts depend on: its pods, FailedCreate events, its namespace(s) and the webhook configurations. */
export const sweepCollections = (target: Extract<TargetSpec, {kind: 'sweep'}>): WatchedCollection[] => {
  const ns = target.namespace
  const scoped = (resource: string) =>
    ns === null ? `/api/v1/${resource}` : `/api/v1/namespaces/${enc(ns)}/${resource}`
  return [
    {
      what: ns === null ? 'pods' : `pods in ${ns}`,
      path: scoped('pods'),
      query: {labelSelector: target.labelSelector, fieldSelector: target.fieldSelector},
    },
    {
      what: 'FailedCreate events',
      path: scoped('events'),
      query: {fieldSelector: 'reason=FailedCreate'},
    },
    {
      what: 'namespaces',
      path: '/api/v1/namespaces',
      query: ns === null ? {} : {fieldSelector: `metadata.name=${ns}`},
    },
    {
      what: 'mutating webhook configurations',
      path: '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations',
      query: {},
    },
  ]
}

/** The injector and mesh ConfigMaps' namespaces, watched once the first snapshot names them. */
export const configMapCollections = (namespaces: readonly string[]): WatchedCollection[] =>
  [...new Set(namespaces)].sort().map((ns) => ({
    what: `configmaps in ${ns}`,
    path: `/api/v1/namespaces/${enc(ns)}/configmaps`,
    query: {},
  }))

/** The collection's current resourceVersion, from a one-item list. */
export const listVersion = async (transport: Transport, collection: WatchedCollection): Promise<string> => {
  const page = await transport.getJson(collection.path, {...collection.query, limit: 1})
  const version = (page.metadata as {resourceVersion?: unknown} | undefined)?.resourceVersion
  return typeof version === 'string' ? version : ''
}

const versionOf = (object: JsonObject): string | undefined => {
  const version = (object.metadata as {resourceVersion?: unknown} | undefined)?.resourceVersion
  return typeof version === 'string' && version !== '' ? version : undefined
}

const isExpired = (event: WatchEvent): boolean =>
  event.type === 'ERROR' &&
  (event.object.code === 410 || event.object.reason === 'Expired' || event.object.reason === 'Gone')

export interface FollowOptions {
  readonly signal: AbortSignal
  /** Something the verdicts depend on changed (or a relist happened): judge again. */
  readonly onChange: (why: string) => void
  readonly warn: (message: string) => void
  readonly debug?: ((line: string) => void) | undefined
  /** Waits between reconnects; replaced in tests. */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>
}

const defaultSleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms)
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer)
        resolve()
      },
      {once: true},
    )
  })

/** Follows one collection until `signal` aborts: reconnects after a stream ends, relists after 410, backs off on errors. */
export const followCollection = async (
  transport: Transport,
  collection: WatchedCollection,
  startVersion: string,
  options: FollowOptions,
): Promise<void> => {
  const sleep = options.sleep ?? defaultSleep
  let version = startVersion
  let failures = 0
  while (!options.signal.aborted) {
    let expired = false
    try {
      await transport.watch(
        collection.path,
        {...collection.query, resourceVersion: version, timeoutSeconds: 300},
        (event) => {
          if (isExpired(event)) {
            expired = true
            return
          }
          if (event.type === 'ERROR') {
            options.warn(`watch of ${collection.what}: ${String(event.object.message ?? 'error event')}`)
            return
          }
          version = versionOf(event.object) ?? version
          if (event.type !== 'BOOKMARK') options.onChange(`${event.type} ${collection.what}`)
        },
        options.signal,
      )
      failures = 0
    } catch (error) {
      if (options.signal.aborted) return
      if (error instanceof ApiStatusError && error.status.code === 410) expired = true
      else {
        failures++
        if (failures === 1)
          options.warn(`watch of ${collection.what} failed (${(error as Error).message}); retrying`)
        await sleep(Math.min(30_000, 500 * 2 ** Math.min(failures, 6)), options.signal)
        continue
      }
    }
    if (expired && !options.signal.aborted) {
      // The version is older than the API server keeps: list again from now, and judge again (changes may be lost).
      options.debug?.(`watch of ${collection.what}: resourceVersion ${version} expired (410); relisting`)
      try {
        version = await listVersion(transport, collection)
      } catch (error) {
        options.warn(`relist of ${collection.what} failed (${(error as Error).message}); retrying`)
        await sleep(1000, options.signal)
        continue
      }
      options.onChange(`relist ${collection.what}`)
    }
  }
}

/** The rows to print after a re-judgement: new or changed rows only, keyed by target; forgets targets that are gone. */
export const changedRows = <V extends {readonly target: {kind: string; namespace: string; name: string}}>(
  printed: Map<string, string>,
  verdicts: readonly V[],
  row: (verdict: V) => string,
): string[] => {
  const seen = new Set<string>()
  const lines: string[] = []
  for (const verdict of verdicts) {
    const key = `${verdict.target.kind}/${verdict.target.namespace}/${verdict.target.name}`
    seen.add(key)
    const text = row(verdict)
    if (printed.get(key) === text) continue
    printed.set(key, text)
    lines.push(text)
  }
  for (const key of [...printed.keys()]) if (!seen.has(key)) printed.delete(key)
  return lines
}

/** Coalesces bursts of changes into one re-judgement at a time (a rollout is many pod events). */
export const coalesce = (
  run: () => Promise<void>,
  delayMs: number,
): {trigger(): void; idle(): Promise<void>} => {
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> | undefined
  let pending = false
  const start = () => {
    timer = undefined
    running = run().finally(() => {
      running = undefined
      if (pending) {
        pending = false
        timer = setTimeout(start, delayMs)
      }
    })
  }
  return {
    trigger: () => {
      if (running !== undefined) pending = true
      else timer ??= setTimeout(start, delayMs)
    },
    idle: async () => {
      if (timer !== undefined) {
        clearTimeout(timer)
        timer = undefined
      }
      pending = false
      await running
    },
  }
}

/** What one -w run needs from the command: its connection, the sweep, and how it reads, presents and judges. */
export interface SweepWatch {
  readonly live: LiveReader
  readonly target: Extract<TargetSpec, {kind: 'sweep'}>
  /** Reads the sweep again through the same connection. */
  readonly read: () => Promise<CheckInput>
  /** Prints the first table (as without -w). */
  readonly present: (input: CheckInput) => void
  /** The verdicts of an input, as the table shows them. */
  readonly judge: (input: CheckInput) => readonly Verdict[]
  readonly table: {readonly wide: boolean; readonly colour: boolean}
  readonly write: (text: string) => void
  readonly warn: (message: string) => void
  readonly debug?: ((line: string) => void) | undefined
}

/** -w: the table once, then one row per changed verdict until SIGINT/SIGTERM (then it returns: exit 0). */
export const watchSweep = async (watch: SweepWatch): Promise<void> => {
  const transport = watch.live.openWatchTransport()
  const stop = new AbortController()
  const interrupt = () => stop.abort()
  process.once('SIGINT', interrupt)
  process.once('SIGTERM', interrupt)
  try {
    await followSweep(watch, transport, stop.signal)
  } finally {
    process.removeListener('SIGINT', interrupt)
    process.removeListener('SIGTERM', interrupt)
    transport.close()
  }
}

// Versions first, then the snapshot: a change in between is replayed by the watch, never lost.
const followSweep = async (watch: SweepWatch, transport: Transport, signal: AbortSignal): Promise<void> => {
  const collections = sweepCollections(watch.target)
  const versions = await Promise.all(collections.map((c) => listVersion(transport, c)))
  const first = await watch.read()
  watch.present(first)
  const configMaps = configMapCollections(first.snapshot.configMaps.map((c) => c.namespace))
  const configVersions = await Promise.all(configMaps.map((c) => listVersion(transport, c)))
  const printed = new Map<string, string>()
  const row = verdictRow(watch)
  changedRows(printed, watch.judge(first), row)
  const rejudge = coalesce(async () => {
    if (signal.aborted) return
    try {
      const lines = changedRows(printed, watch.judge(await watch.read()), row)
      if (lines.length > 0) watch.write(lines.join('\n'))
    } catch (error) {
      watch.warn(`could not re-read the cluster: ${(error as Error).message}`)
    }
  }, 150)
  const options: FollowOptions = {
    signal,
    onChange: (why) => {
      watch.debug?.(`watch: ${why}`)
      rejudge.trigger()
    },
    warn: watch.warn,
    debug: watch.debug,
  }
  await Promise.all([
    ...collections.map((c, i) => followCollection(transport, c, versions[i] ?? '', options)),
    ...configMaps.map((c, i) => followCollection(transport, c, configVersions[i] ?? '', options)),
  ])
  await rejudge.idle()
}

/** One table row without headers; rows line up with the first table (NAMESPACE only under -A). */
const verdictRow =
  (watch: SweepWatch) =>
  (verdict: Verdict): string =>
    renderVerdictTable([watch.table.wide ? compactSources(verdict) : verdict], {
      wide: watch.table.wide,
      colour: watch.table.colour,
      noHeaders: true,
      allNamespaces: watch.target.namespace === null,
    }).trimEnd()
