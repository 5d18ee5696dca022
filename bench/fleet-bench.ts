// The fleet case of `npm run bench`: BENCH_FLEET_CONTEXTS contexts (default 20) × BENCH_FLEET_PODS pods (default 1000),
// each served by its own API-server process, in one merged kubeconfig. inject-check --all-contexts -A -o json against
// what a user scripts today: `for c in …; do kubectl get pods -A -o json --context $c; done`. Target: ≤ 0.5× the loop.
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {withNodeOnPath} from './bin-env.js'
import {parse, stringify} from 'yaml'
import type {RunMeasured} from './real-cluster-bench.js'

/** A started API-server process: its kubeconfig (one context) and how to stop it. */
export interface StartedServer {
  readonly kubeconfig: string
  stop(): Promise<void>
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}
const ratio = (a: number, b: number): number => Math.round((a / b) * 100) / 100
export const fleetTarget = 0.5

type Named = {name: string; [key: string]: unknown}

// Each server's kubeconfig names its one context `double`; the merged file renames them ctx-01…, with their own CA and token.
const mergeKubeconfigs = (files: readonly string[], out: string): string[] => {
  const names = files.map((_, i) => `ctx-${String(i + 1).padStart(2, '0')}`)
  const pick = (file: string, key: 'clusters' | 'users' | 'contexts') =>
    ((parse(readFileSync(file, 'utf8')) as Record<string, Named[]>)[key] ?? [])[0]!
  writeFileSync(
    out,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': names[0],
      clusters: files.map((f, i) => ({...pick(f, 'clusters'), name: names[i]})),
      users: files.map((f, i) => ({...pick(f, 'users'), name: names[i]})),
      contexts: files.map((f, i) => ({
        name: names[i],
        context: {cluster: names[i], user: names[i]},
      })),
    }),
    {mode: 0o600},
  )
  return names
}

const itemsIn = (file: string): number => {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as {items?: unknown[]}).items?.length ?? -1
  } catch {
    return -1
  }
}

// The loop prints one List per context, back to back (each opens with `{` on a line of its own): count their items.
const loopItems = (file: string): number =>
  readFileSync(file, 'utf8')
    .split(/^(?=\{$)/m)
    .filter((doc) => doc.trim() !== '')
    .reduce((n, doc) => n + ((JSON.parse(doc) as {items?: unknown[]}).items?.length ?? 0), 0)

export async function benchFleet(options: {
  readonly bin: string
  readonly kubectl: string
  readonly dir: string
  readonly runs: number
  readonly contexts: number
  /** Served objects (the synthetic cluster's List files), the same for every context. */
  readonly files: readonly string[]
  readonly pods: number
  readonly startServer: (files: readonly string[], dir: string) => Promise<StartedServer>
  readonly runMeasured: RunMeasured
}): Promise<Record<string, unknown>> {
  const {dir, kubectl, runMeasured} = options
  const servers: StartedServer[] = []
  try {
    for (let i = 0; i < options.contexts; i++) {
      const serverDir = join(dir, `server-${i}`)
      mkdirSync(serverDir, {recursive: true})
      servers.push(await options.startServer(options.files, serverDir))
    }
    const kubeconfig = join(dir, 'fleet-kubeconfig')
    const names = mergeKubeconfigs(
      servers.map((s) => s.kubeconfig),
      kubeconfig,
    )
    const env = withNodeOnPath({...process.env, NO_COLOR: '1', HOME: dir, KUBECONFIG: kubeconfig})
    const ours = ['--all-contexts', '-A', '-o', 'json']
    const script = `for c in ${names.join(' ')}; do ${kubectl} get pods -A -o json --context "$c"; done`
    const loop = ['-c', script]
    const out = (label: string) => join(dir, `fleet-${label}.out`)
    // Warm kubectl's discovery cache for every context and node's caches once, as users run with warm caches.
    await runMeasured('sh', loop, out('warm-loop'), env)
    await runMeasured(options.bin, ours, out('warm-ours'), env)
    const samples = {
      ours: [] as Awaited<ReturnType<RunMeasured>>[],
      loop: [] as Awaited<ReturnType<RunMeasured>>[],
    }
    for (let run = 0; run < options.runs; run++) {
      samples.ours.push(await runMeasured(options.bin, ours, out('ours'), env))
      samples.loop.push(await runMeasured('sh', loop, out('loop'), env))
    }
    const summary = (s: readonly Awaited<ReturnType<RunMeasured>>[]) => ({
      wallMs: s.map((m) => Math.round(m.wallMs)),
      medianMs: Math.round(median(s.map((m) => m.wallMs))),
      maxRssKb: s.map((m) => m.maxRssKb),
      medianRssKb: Math.round(median(s.map((m) => m.maxRssKb))),
      exitCodes: s.map((m) => m.exitCode),
    })
    const oursSummary = summary(samples.ours)
    const loopSummary = summary(samples.loop)
    const time = ratio(oursSummary.medianMs, loopSummary.medianMs)
    return {
      contexts: options.contexts,
      podsPerContext: options.pods,
      ours: {command: 'inject-check --all-contexts -A -o json', ...oursSummary, items: itemsIn(out('ours'))},
      loop: {
        command: 'for c in …; do kubectl get pods -A -o json --context $c; done',
        ...loopSummary,
        items: loopItems(out('loop')),
      },
      ratio: {time, rss: ratio(oursSummary.medianRssKb, loopSummary.medianRssKb)},
      target: {time: fleetTarget, met: time <= fleetTarget},
    }
  } finally {
    await Promise.all(servers.map((s) => s.stop()))
  }
}
