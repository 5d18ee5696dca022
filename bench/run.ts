// `npm run bench`: inject-check against kubectl on the same API-server double, side by side, at fleet sizes.
// Env: BENCH_SIZES (pods, comma list; default 1000,10000,20000), BENCH_RUNS (runs per case; default 5 at ≤1k, else 3),
// BENCH_BUDGET_SECONDS (stop adding runs after this; default 420), BENCH_CEL=0 (no CEL webhook in the cluster),
// BENCH_YAML_PODS (pods in the `get pods -A -o yaml` vs `-o json` --from case; default 10000, 0 skips it).
// BENCH_FLEET_CONTEXTS (default 20, 0 skips) × BENCH_FLEET_PODS (default 1000): the fleet case (bench/fleet-bench.ts);
// `--fleet`: only that case, written as the `fleet` key of bench/results/latest.json beside the other figures.
// `--real`: only the real-API-server comparison (bench/real-cluster-bench.ts; BENCH_REAL_PODS, default 5000), written
// as the `real` key of bench/results/latest.json beside the double's figures, which it keeps.
import {fork, spawn, execFileSync} from 'node:child_process'
import type {ChildProcess} from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  closeSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import {cpus, loadavg, tmpdir, totalmem, platform, release} from 'node:os'
import {join} from 'node:path'
import {withNodeOnPath} from './bin-env.js'
import {fileURLToPath} from 'node:url'
import type {ChildMessage, ParentMessage, RequestSummary} from './api-server-process.js'
import {asKubectlJson, asKubectlYaml, podList} from './pod-export.js'
import {benchFleet, fleetTarget} from './fleet-bench.js'
import {benchRealCluster} from './real-cluster-bench.js'
import {exportLists, syntheticCluster} from './synthetic-cluster.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const bin = join(root, 'bin', 'kubectl-inject_check')
const kubectl = process.env.BENCH_KUBECTL ?? '/usr/bin/kubectl'
const timeBinary = '/usr/bin/time'
const sizes = (process.env.BENCH_SIZES ?? '1000,10000,20000')
  .split(',')
  .map((s) => Number(s.trim()))
  .filter((n) => Number.isInteger(n) && n > 0)
const runsFor = (pods: number): number => Number(process.env.BENCH_RUNS ?? (pods <= 1000 ? 5 : 3))
const budgetMs = Number(process.env.BENCH_BUDGET_SECONDS ?? 420) * 1000
const commandTimeoutMs = 180_000
const started = performance.now()
const overBudget = () => performance.now() - started > budgetMs

interface Sample {
  readonly wallMs: number
  readonly maxRssKb: number
  readonly exitCode: number | null
  readonly stdoutBytes: number
  readonly requests: readonly RequestSummary[]
}

interface CaseResult {
  readonly command: string
  readonly runs: number
  readonly wallMs: number[]
  readonly medianMs: number
  readonly maxRssKb: number[]
  readonly medianRssKb: number
  readonly requests: number
  readonly podListPages: number
  readonly stdoutBytes: number
  readonly exitCodes: (number | null)[]
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length === 0
    ? Number.NaN
    : sorted.length % 2 === 1
      ? sorted[mid]!
      : (sorted[mid - 1]! + sorted[mid]!) / 2
}

// One API-server child per size; IPC answers arrive in request order.
class ServerProcess {
  private readonly waiting: ((message: ChildMessage) => void)[] = []
  private constructor(private readonly child: ChildProcess) {
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'error') throw new Error(`API-server process: ${message.message}`)
      this.waiting.shift()?.(message)
    })
  }

  static start(): ServerProcess {
    const child = fork(fileURLToPath(new URL('./api-server-process.ts', import.meta.url)), [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    })
    return new ServerProcess(child)
  }

  call<T extends ChildMessage['type']>(message: ParentMessage): Promise<Extract<ChildMessage, {type: T}>> {
    return new Promise((resolve) => {
      this.waiting.push((answer) => resolve(answer as Extract<ChildMessage, {type: T}>))
      this.child.send(message)
    })
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve())
      this.child.send({type: 'stop'} satisfies ParentMessage)
    })
  }
}

const hasTime = existsSync(timeBinary)

// Peak RSS: /usr/bin/time where installed, else VmHWM polled from /proc while the process lives.
async function runMeasured(
  command: string,
  args: readonly string[],
  outFile: string,
  env: NodeJS.ProcessEnv,
): Promise<{wallMs: number; maxRssKb: number; exitCode: number | null}> {
  const out = openSync(outFile, 'w')
  const timeFile = `${outFile}.time`
  const argv = hasTime ? ['-f', '%M %e', '-o', timeFile, command, ...args] : [...args]
  const t0 = performance.now()
  const child = spawn(hasTime ? timeBinary : command, argv, {stdio: ['ignore', out, 'pipe'], env})
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    if (stderr.length < 4000) stderr += chunk.toString('utf8')
  })
  let polledKb = 0
  const poll = hasTime
    ? undefined
    : setInterval(() => {
        try {
          const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))
          if (match !== null) polledKb = Math.max(polledKb, Number(match[1]))
        } catch {
          // the process has exited
        }
      }, 5)
  const killer = setTimeout(() => child.kill('SIGKILL'), commandTimeoutMs)
  const exitCode = await new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const wallMs = performance.now() - t0
  clearTimeout(killer)
  if (poll !== undefined) clearInterval(poll)
  closeSync(out)
  let maxRssKb = polledKb
  if (hasTime) {
    const lines = readFileSync(timeFile, 'utf8').trim().split('\n')
    maxRssKb = Number(lines[lines.length - 1]!.split(' ')[0])
  }
  if (exitCode !== 0)
    process.stderr.write(
      `bench: ${command} ${args.join(' ')} exited ${exitCode}: ${stderr.split('\n').slice(0, 3).join(' | ')}\n`,
    )
  return {wallMs, maxRssKb, exitCode}
}

async function sample(
  server: ServerProcess,
  command: string,
  args: readonly string[],
  outFile: string,
  env: NodeJS.ProcessEnv,
): Promise<Sample> {
  const {index} = await server.call<'mark'>({type: 'mark'})
  const measured = await runMeasured(command, args, outFile, env)
  const {requests} = await server.call<'since'>({type: 'since', index})
  return {...measured, stdoutBytes: statSync(outFile).size, requests}
}

function summarize(command: string, samples: readonly Sample[]): CaseResult {
  const last = samples[samples.length - 1]!
  return {
    command,
    runs: samples.length,
    wallMs: samples.map((s) => Math.round(s.wallMs)),
    medianMs: Math.round(median(samples.map((s) => s.wallMs))),
    maxRssKb: samples.map((s) => s.maxRssKb),
    medianRssKb: Math.round(median(samples.map((s) => s.maxRssKb))),
    requests: last.requests.length,
    podListPages: last.requests.filter((r) => r.path.endsWith('/pods')).length,
    stdoutBytes: last.stdoutBytes,
    exitCodes: samples.map((s) => s.exitCode),
  }
}

const itemsIn = (file: string): number => {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as {items?: unknown[]}
    return parsed.items?.length ?? -1
  } catch {
    return -1
  }
}

const kubectlVersion = (): string => {
  try {
    const parsed = JSON.parse(
      execFileSync(kubectl, ['version', '--client', '-o', 'json'], {encoding: 'utf8'}),
    ) as {clientVersion?: {gitVersion?: string}}
    return parsed.clientVersion?.gitVersion ?? 'unknown'
  } catch {
    return 'unavailable'
  }
}

/** The synthetic cluster as List files: the `--from` directory's exports, plus the workloads the server serves too. */
function writeClusterFiles(pods: number, dir: string, fromDir: string) {
  const cluster = syntheticCluster({pods, celWebhook: process.env.BENCH_CEL !== '0'})
  const lists = exportLists(cluster)
  for (const [name, list] of Object.entries(lists)) writeFileSync(join(fromDir, name), JSON.stringify(list))
  const workloadsFile = join(dir, 'workloads.json')
  writeFileSync(
    workloadsFile,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: [
        ...cluster.workloads,
        ...cluster.platform.filter(
          (o) =>
            !['Namespace', 'MutatingWebhookConfiguration', 'ConfigMap', 'Pod'].includes(
              (o as {kind?: string}).kind ?? '',
            ),
        ),
      ],
    }),
  )
  const files = [...Object.keys(lists).map((name) => join(fromDir, name)), workloadsFile]
  return {cluster, lists, workloadsFile, files}
}

const fleetContexts = Number(process.env.BENCH_FLEET_CONTEXTS ?? 20)
const fleetPods = Number(process.env.BENCH_FLEET_PODS ?? 1000)

/** The fleet case: each context's API server in its own process, serving the same synthetic cluster. */
async function runFleetCase(work: string): Promise<Record<string, unknown>> {
  const dir = join(work, 'fleet')
  const fromDir = join(dir, 'from')
  mkdirSync(fromDir, {recursive: true})
  const {files} = writeClusterFiles(fleetPods, dir, fromDir)
  return benchFleet({
    bin,
    kubectl,
    dir,
    runs: Number(process.env.BENCH_RUNS ?? 3),
    contexts: fleetContexts,
    files,
    pods: fleetPods,
    runMeasured,
    startServer: async (served, kubeconfigDir) => {
      const server = ServerProcess.start()
      const ready = await server.call<'ready'>({type: 'start', files: [...served], kubeconfigDir})
      return {kubeconfig: ready.kubeconfig, stop: () => server.stop()}
    },
  })
}

const printFleet = (fleet: Record<string, unknown>): void => {
  const f = fleet as {
    ours: {medianMs: number; medianRssKb: number; items: number}
    loop: {medianMs: number; medianRssKb: number; items: number}
    ratio: {time: number; rss: number}
  }
  process.stdout.write(
    `
fleet ${fleetContexts} contexts × ${fleetPods} pods: ours ${f.ours.medianMs} ms ${mb(f.ours.medianRssKb)} MB (${f.ours.items} items), kubectl loop ${f.loop.medianMs} ms ${mb(f.loop.medianRssKb)} MB (${f.loop.items} items), time ×${f.ratio.time} (target ≤ ×${fleetTarget}: ${f.ratio.time <= fleetTarget ? 'met' : 'NOT met'}), RSS ×${f.ratio.rss}\n`,
  )
}

async function mainFleet(): Promise<void> {
  const fleet = await inScratch('kubectl-inject-bench-fleet-', runFleetCase)
  printFleet(fleet)
  const machine = {
    cores: cpus().length,
    node: process.version,
    kubectl: kubectlVersion(),
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
  }
  mergeResults({fleet: {generatedAt: new Date().toISOString(), machine, ...fleet}})
  process.stdout.write(`wrote the fleet key of bench/results/latest.json\n`)
}

async function benchSize(pods: number, work: string): Promise<Record<string, unknown>> {
  const dir = join(work, `pods-${pods}`)
  const fromDir = join(dir, 'from')
  mkdirSync(fromDir, {recursive: true})
  const {cluster, lists, files} = writeClusterFiles(pods, dir, fromDir)
  const podBytes = cluster.pods.reduce((sum, pod) => sum + JSON.stringify(pod).length, 0)
  const totalPods = (lists['pods.json'] as {items: unknown[]}).items.length

  const server = ServerProcess.start()
  const ready = await server.call<'ready'>({type: 'start', files, kubeconfigDir: dir})
  const kc = ready.kubeconfig
  const cacheDir = join(dir, 'kube-cache')
  const env = withNodeOnPath({...process.env, NO_COLOR: '1', HOME: dir, KUBECONFIG: kc})
  const {namespace, name} = cluster.samplePod
  const out = (label: string) => join(dir, `${label}.out`)

  const cases = {
    sweep: {
      ours: {command: bin, args: ['-A', '-o', 'json', '--kubeconfig', kc]},
      kubectl: {
        command: kubectl,
        args: ['get', 'pods', '-A', '-o', 'json', '--kubeconfig', kc, '--cache-dir', cacheDir],
      },
    },
    pod: {
      ours: {command: bin, args: [`pod/${name}`, '-n', namespace, '--kubeconfig', kc]},
      kubectl: {
        command: kubectl,
        args: [
          'get',
          'pod',
          name,
          '-n',
          namespace,
          '-o',
          'json',
          '--kubeconfig',
          kc,
          '--cache-dir',
          cacheDir,
        ],
      },
    },
    from: {ours: {command: bin, args: ['-A', '-o', 'json', '--from', fromDir]}},
  } as const

  // Warm the page cache, node's compile cache paths and kubectl's discovery cache once (users run with warm caches).
  await sample(server, cases.sweep.kubectl.command, cases.sweep.kubectl.args, out('warm-kubectl'), env)
  await sample(server, cases.pod.ours.command, cases.pod.ours.args, out('warm-ours'), env)

  const samples: Record<string, Sample[]> = {}
  const push = (key: string, value: Sample) => (samples[key] ??= []).push(value)
  const runs = runsFor(pods)
  for (let run = 0; run < runs; run++) {
    if (run > 0 && overBudget()) {
      process.stderr.write(`bench: time budget reached; ${pods} pods measured with ${run} run(s)\n`)
      break
    }
    // Interleaved so drift (thermal, other load) hits both tools alike.
    push(
      'sweep.ours',
      await sample(server, cases.sweep.ours.command, cases.sweep.ours.args, out('sweep-ours'), env),
    )
    push(
      'sweep.kubectl',
      await sample(server, cases.sweep.kubectl.command, cases.sweep.kubectl.args, out('sweep-kubectl'), env),
    )
    push('pod.ours', await sample(server, cases.pod.ours.command, cases.pod.ours.args, out('pod-ours'), env))
    push(
      'pod.kubectl',
      await sample(server, cases.pod.kubectl.command, cases.pod.kubectl.args, out('pod-kubectl'), env),
    )
    push(
      'from.ours',
      await sample(server, cases.from.ours.command, cases.from.ours.args, out('from-ours'), env),
    )
  }

  // Plugin dispatch: the same single-pod check through real kubectl's PATH lookup, measured once.
  const pathDir = join(dir, 'path')
  mkdirSync(pathDir, {recursive: true})
  symlinkSync(bin, join(pathDir, 'kubectl-inject_check'))
  const dispatch = await sample(
    server,
    kubectl,
    ['inject-check', `pod/${name}`, '-n', namespace, '--kubeconfig', kc],
    out('dispatch'),
    {...env, PATH: `${pathDir}:${process.env.PATH ?? ''}`},
  )

  const result = (key: string, command: {command: string; args: readonly string[]}) =>
    summarize(
      [command.command, ...command.args].join(' ').replaceAll(dir, '$DIR').replaceAll(root, ''),
      samples[key] ?? [],
    )
  const sweepOurs = result('sweep.ours', cases.sweep.ours)
  const sweepKubectl = result('sweep.kubectl', cases.sweep.kubectl)
  const podOurs = result('pod.ours', cases.pod.ours)
  const podKubectl = result('pod.kubectl', cases.pod.kubectl)
  const fromOurs = result('from.ours', cases.from.ours)
  const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100
  const itemsOurs = itemsIn(out('sweep-ours'))
  const itemsKubectl = itemsIn(out('sweep-kubectl'))
  const itemsFrom = itemsIn(out('from-ours'))
  await server.stop()
  return {
    pods: totalPods,
    namespaces: cluster.namespaces.length,
    webhookConfigurations: (lists['webhooks.json'] as {items: unknown[]}).items.length,
    podJsonBytesAvg: Math.round(podBytes / cluster.pods.length),
    servedObjects: ready.objects,
    itemsInOutput: {ours: itemsOurs, kubectl: itemsKubectl, from: itemsFrom},
    expectedPodListPages: Math.ceil(totalPods / 500),
    sweep: {
      ours: sweepOurs,
      kubectl: sweepKubectl,
      ratio: {
        time: ratio(sweepOurs.medianMs, sweepKubectl.medianMs),
        rss: ratio(sweepOurs.medianRssKb, sweepKubectl.medianRssKb),
      },
    },
    pod: {
      ours: podOurs,
      kubectl: podKubectl,
      ratio: {
        time: ratio(podOurs.medianMs, podKubectl.medianMs),
        rss: ratio(podOurs.medianRssKb, podKubectl.medianRssKb),
      },
    },
    from: {
      ours: fromOurs,
      ratioToKubectlSweep: {
        time: ratio(fromOurs.medianMs, sweepKubectl.medianMs),
        rss: ratio(fromOurs.medianRssKb, sweepKubectl.medianRssKb),
      },
    },
    pluginDispatch: {
      wallMs: Math.round(dispatch.wallMs),
      maxRssKb: dispatch.maxRssKb,
      exitCode: dispatch.exitCode,
      overheadVsDirectMs: Math.round(dispatch.wallMs - podOurs.medianMs),
    },
  }
}

const yamlPods = Number(process.env.BENCH_YAML_PODS ?? 10_000)
// Issue 12's targets for a ticket's `kubectl get pods -A -o yaml`: at most 2× the JSON time, at most 1.5 GB peak RSS.
const yamlTargets = {timeRatio: 2, maxRssKb: 1.5 * 1024 * 1024}

/** The same pods (with managedFields) as kubectl's YAML and JSON List, each read with --from; runs interleaved. */
async function benchYamlBundle(pods: number, work: string): Promise<Record<string, unknown>> {
  const dir = join(work, `yaml-${pods}`)
  mkdirSync(dir, {recursive: true})
  const list = podList(syntheticCluster({pods, celWebhook: false}).pods as Record<string, unknown>[])
  const files = {yaml: join(dir, 'pods.yaml'), json: join(dir, 'pods.json')}
  writeFileSync(files.yaml, asKubectlYaml(list))
  writeFileSync(files.json, asKubectlJson(list))
  const env = withNodeOnPath({...process.env, NO_COLOR: '1', HOME: dir})
  const args = (file: string) => ['-A', '-o', 'json', '--from', file]
  const samples: Record<'yaml' | 'json', {wallMs: number; maxRssKb: number; exitCode: number | null}[]> = {
    yaml: [],
    json: [],
  }
  await runMeasured(bin, args(files.json), join(dir, 'warm.out'), env)
  for (let run = 0; run < runsFor(pods); run++) {
    if (run > 0 && overBudget()) break
    for (const format of ['json', 'yaml'] as const)
      samples[format].push(await runMeasured(bin, args(files[format]), join(dir, `${format}.out`), env))
  }
  const summary = (format: 'yaml' | 'json') => ({
    fileBytes: statSync(files[format]).size,
    wallMs: samples[format].map((s) => Math.round(s.wallMs)),
    medianMs: Math.round(median(samples[format].map((s) => s.wallMs))),
    medianRssKb: Math.round(median(samples[format].map((s) => s.maxRssKb))),
    exitCodes: samples[format].map((s) => s.exitCode),
    items: itemsIn(join(dir, `${format}.out`)),
  })
  const yaml = summary('yaml')
  const json = summary('json')
  const timeRatio = Math.round((yaml.medianMs / json.medianMs) * 100) / 100
  rmSync(dir, {recursive: true, force: true})
  return {
    pods,
    command: 'inject-check -A -o json --from pods.{yaml,json}',
    yaml,
    json,
    ratio: {time: timeRatio, rss: Math.round((yaml.medianRssKb / json.medianRssKb) * 100) / 100},
    targets: {
      ...yamlTargets,
      met: timeRatio <= yamlTargets.timeRatio && yaml.medianRssKb <= yamlTargets.maxRssKb,
    },
  }
}

// Connections (issue 10): an exec credential plugin (a small script printing an ExecCredential, used by both tools) and a
// token kubeconfig, one pod and a 1,000-pod sweep, against kubectl with the same kubeconfig, interleaved in one run.
const connectionPods = Number(process.env.BENCH_CONNECTION_PODS ?? 1000)
const connectionTargets = {execPod: 2, execSweep: 1, tokenPod: 2}

function execKubeconfig(dir: string, tokenKubeconfig: string): string {
  const text = readFileSync(tokenKubeconfig, 'utf8')
  const token = /token: (\S+)/.exec(text)?.[1] ?? ''
  const plugin = join(dir, 'bench-credential-plugin')
  const credential = JSON.stringify({
    apiVersion: 'client.authentication.k8s.io/v1',
    kind: 'ExecCredential',
    status: {token},
  })
  writeFileSync(plugin, `#!/bin/sh\nprintf '%s' '${credential}'\n`, {mode: 0o755})
  const exec = `exec: {apiVersion: client.authentication.k8s.io/v1, command: ${JSON.stringify(plugin)}, interactiveMode: Never}`
  const path = join(dir, 'exec-kubeconfig')
  writeFileSync(path, text.replace(/token: \S+/g, exec))
  return path
}

async function benchConnections(work: string): Promise<Record<string, unknown>> {
  const dir = join(work, 'connections')
  const fromDir = join(dir, 'from')
  mkdirSync(fromDir, {recursive: true})
  const cluster = syntheticCluster({pods: connectionPods, celWebhook: false})
  const lists = exportLists(cluster)
  for (const [name, list] of Object.entries(lists)) writeFileSync(join(fromDir, name), JSON.stringify(list))
  const server = ServerProcess.start()
  const ready = await server.call<'ready'>({
    type: 'start',
    files: Object.keys(lists).map((name) => join(fromDir, name)),
    kubeconfigDir: dir,
  })
  const tokenKc = ready.kubeconfig
  const execKc = execKubeconfig(dir, tokenKc)
  const cacheDir = join(dir, 'kube-cache')
  const env = withNodeOnPath({...process.env, NO_COLOR: '1', HOME: dir})
  const {namespace, name} = cluster.samplePod
  const ours = (kc: string, ...args: string[]) => ({command: bin, args: [...args, '--kubeconfig', kc]})
  const theirs = (kc: string, ...args: string[]) => ({
    command: kubectl,
    args: [...args, '--kubeconfig', kc, '--cache-dir', cacheDir],
  })
  const cases = {
    execPod: {
      ours: ours(execKc, `pod/${name}`, '-n', namespace),
      kubectl: theirs(execKc, 'get', 'pod', name, '-n', namespace),
    },
    execSweep: {
      ours: ours(execKc, '-A', '-o', 'json'),
      kubectl: theirs(execKc, 'get', 'pods', '-A', '-o', 'json'),
    },
    tokenPod: {
      ours: ours(tokenKc, `pod/${name}`, '-n', namespace),
      kubectl: theirs(tokenKc, 'get', 'pod', name, '-n', namespace),
    },
  }
  const out = (label: string) => join(dir, `${label}.out`)
  // Warm kubectl's discovery cache and the page cache once, as a user's machine is.
  await sample(server, cases.execPod.kubectl.command, cases.execPod.kubectl.args, out('warm-kubectl'), env)
  await sample(server, cases.execPod.ours.command, cases.execPod.ours.args, out('warm-ours'), env)
  const runs = Number(process.env.BENCH_RUNS ?? 7)
  const measured = await measureConnectionCases(server, cases, env, runs, out)
  // NODE_EXTRA_CA_CERTS makes Node parse every certificate in it before any code runs (~50–90 ms here; Go tools read it
  // never): when the machine sets it, the same cases run again without it, as on a workstation that does not.
  const extra = env.NODE_EXTRA_CA_CERTS
  const without =
    extra === undefined
      ? undefined
      : await measureConnectionCases(server, cases, {...env, NODE_EXTRA_CA_CERTS: undefined}, runs, out)
  await server.stop()
  const strip = (text: string) => text.replaceAll(dir, '$DIR').replaceAll(root, '')
  return {
    pods: connectionPods,
    plugin: 'a /bin/sh script printing an ExecCredential',
    nodeExtraCaCerts: extra === undefined ? null : strip(extra),
    ...connectionResults(cases, measured, strip),
    ...(without === undefined ? {} : {withoutNodeExtraCaCerts: connectionResults(cases, without, strip)}),
  }
}

type ConnectionCases = Record<string, Record<'ours' | 'kubectl', {command: string; args: string[]}>>

/** Interleaved runs of every case with both tools, and `node -e 0` (the floor no Node tool undercuts) in the same loop. */
async function measureConnectionCases(
  server: ServerProcess,
  cases: ConnectionCases,
  env: NodeJS.ProcessEnv,
  runs: number,
  out: (label: string) => string,
): Promise<{samples: Record<string, Sample[]>; floorMs: number[]}> {
  const samples: Record<string, Sample[]> = {}
  const floorMs: number[] = []
  for (let run = 0; run < runs; run++) {
    floorMs.push((await runMeasured(process.execPath, ['-e', '0'], out('node-floor'), env)).wallMs)
    for (const [key, pair] of Object.entries(cases)) {
      for (const tool of ['ours', 'kubectl'] as const) {
        const command = pair[tool]
        ;(samples[`${key}.${tool}`] ??= []).push(
          await sample(server, command.command, command.args, out(`${key}-${tool}`), env),
        )
      }
    }
  }
  return {samples, floorMs}
}

function connectionResults(
  cases: ConnectionCases,
  {samples, floorMs}: {samples: Record<string, Sample[]>; floorMs: number[]},
  strip: (text: string) => string,
): Record<string, unknown> {
  const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100
  const results: Record<string, unknown> = {nodeStartMs: Math.round(median(floorMs))}
  for (const [key, pair] of Object.entries(cases)) {
    const summary = (tool: 'ours' | 'kubectl') =>
      summarize(strip([pair[tool].command, ...pair[tool].args].join(' ')), samples[`${key}.${tool}`] ?? [])
    const o = summary('ours')
    const k = summary('kubectl')
    const time = ratio(o.medianMs, k.medianMs)
    const target = connectionTargets[key as keyof typeof connectionTargets]
    results[key] = {
      ours: o,
      kubectl: k,
      ratio: {time, rss: ratio(o.medianRssKb, k.medianRssKb)},
      target: {time: target, met: time <= target},
    }
  }
  return results
}

function printConnections(results: Record<string, unknown>): void {
  const print = (label: string, variant: Record<string, unknown>) => {
    process.stdout.write(
      `\nconnections${label} (${String(results.pods)} pods; median ms, ours vs kubectl with the same kubeconfig; node -e 0: ${String(variant.nodeStartMs)} ms):\n`,
    )
    for (const [key, value] of Object.entries(variant).filter(
      ([k, v]) => k !== 'withoutNodeExtraCaCerts' && typeof v === 'object' && v !== null,
    )) {
      const {
        ours,
        kubectl: theirs,
        ratio,
        target,
      } = value as {
        ours: CaseResult
        kubectl: CaseResult
        ratio: {time: number}
        target: {time: number; met: boolean}
      }
      process.stdout.write(
        `  ${key.padEnd(10)} ${pad(ours.medianMs, 6)} vs ${pad(theirs.medianMs, 6)}  ×${ratio.time} (target ≤ ×${target.time}: ${target.met ? 'met' : 'NOT met'})\n`,
      )
    }
  }
  print(
    results.nodeExtraCaCerts === null ? '' : ' with NODE_EXTRA_CA_CERTS (as this machine sets it)',
    results,
  )
  const without = results.withoutNodeExtraCaCerts
  if (typeof without === 'object' && without !== null)
    print(' without NODE_EXTRA_CA_CERTS', without as Record<string, unknown>)
}

const pad = (value: string | number, width: number) => String(value).padStart(width)
const mb = (kb: number) => (kb / 1024).toFixed(0)

function printTable(results: readonly Record<string, unknown>[]): void {
  const header = [
    'pods',
    'case',
    'ours ms',
    'kubectl ms',
    'ratio',
    'ours MB',
    'kubectl MB',
    'ratio',
    'ours req',
    'kubectl req',
  ]
  const widths = [6, 16, 8, 11, 6, 8, 11, 6, 9, 12]
  const line = (cells: (string | number)[]) =>
    cells.map((cell, i) => (i === 1 ? String(cell).padEnd(widths[i]!) : pad(cell, widths[i]!))).join(' ')
  process.stdout.write(`${line(header)}\n`)
  for (const r of results) {
    type Pair = {ours: CaseResult; kubectl: CaseResult; ratio: {time: number; rss: number}}
    const sweep = r.sweep as Pair
    const pod = r.pod as Pair
    const from = r.from as {ours: CaseResult; ratioToKubectlSweep: {time: number; rss: number}}
    const dispatch = r.pluginDispatch as {wallMs: number; maxRssKb: number}
    const pods = r.pods as number
    process.stdout.write(
      `${line([pods, 'sweep -A -o json', sweep.ours.medianMs, sweep.kubectl.medianMs, sweep.ratio.time, mb(sweep.ours.medianRssKb), mb(sweep.kubectl.medianRssKb), sweep.ratio.rss, sweep.ours.requests, sweep.kubectl.requests])}\n`,
    )
    process.stdout.write(
      `${line([pods, 'one pod', pod.ours.medianMs, pod.kubectl.medianMs, pod.ratio.time, mb(pod.ours.medianRssKb), mb(pod.kubectl.medianRssKb), pod.ratio.rss, pod.ours.requests, pod.kubectl.requests])}\n`,
    )
    process.stdout.write(
      `${line([pods, '--from (offline)', from.ours.medianMs, sweep.kubectl.medianMs, from.ratioToKubectlSweep.time, mb(from.ours.medianRssKb), mb(sweep.kubectl.medianRssKb), from.ratioToKubectlSweep.rss, 0, sweep.kubectl.requests])}\n`,
    )
    process.stdout.write(
      `${line([pods, 'one pod via kubectl', dispatch.wallMs, pod.kubectl.medianMs, Math.round((dispatch.wallMs / pod.kubectl.medianMs) * 100) / 100, mb(dispatch.maxRssKb), '', '', '', ''])}\n`,
    )
  }
}

const resultsFile = join(root, 'bench', 'results', 'latest.json')

/** Runs `body` in a fresh scratch directory under tmp, removed afterwards. */
async function inScratch<T>(prefix: string, body: (work: string) => Promise<T>): Promise<T> {
  const work = mkdtempSync(join(tmpdir(), prefix))
  try {
    return await body(work)
  } finally {
    rmSync(work, {recursive: true, force: true})
  }
}

/** bench/results/latest.json with `keys` replaced and every other key kept. */
function mergeResults(keys: Record<string, unknown>): void {
  const previous = existsSync(resultsFile)
    ? (JSON.parse(readFileSync(resultsFile, 'utf8')) as Record<string, unknown>)
    : {}
  writeFileSync(resultsFile, `${JSON.stringify({...previous, ...keys}, null, 2)}\n`)
}

async function mainReal(): Promise<void> {
  const real = await inScratch('kubectl-inject-bench-real-', (work) =>
    benchRealCluster({root, bin, kubectl, dir: work, runs: Number(process.env.BENCH_RUNS ?? 3), runMeasured}),
  )
  type Pair = {ours: CaseResult; kubectl: CaseResult; ratio: {time: number; rss: number}}
  for (const name of ['sweep', 'pod', 'podWithoutNodeExtraCaCerts'] as const) {
    const p = real[name] as Pair | undefined
    if (p === undefined) continue
    process.stdout.write(
      `real ${String(real.pods)} pods ${name}: ours ${p.ours.medianMs} ms ${mb(p.ours.medianRssKb)} MB, kubectl ${p.kubectl.medianMs} ms ${mb(p.kubectl.medianRssKb)} MB, ratio time ${p.ratio.time} rss ${p.ratio.rss}, requests ${p.ours.requests} / ${p.kubectl.requests}\n`,
    )
  }
  const machine = {
    cores: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryBytes: totalmem(),
    node: process.version,
    kubectl: kubectlVersion(),
    // The machine is shared: the 1/5/15-minute load average when the run ended says how noisy it was.
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
  }
  mergeResults({real: {generatedAt: new Date().toISOString(), machine, ...real}})
  process.stdout.write(
    `\nwrote the real key of bench/results/latest.json (${Math.round((performance.now() - started) / 1000)} s)\n`,
  )
}

// `--connections`: only the connection cases, written as the `connections` key of bench/results/latest.json.
async function mainConnections(): Promise<void> {
  const connections = await inScratch('kubectl-inject-bench-', benchConnections)
  printConnections(connections)
  mergeResults({connections})
}

async function main(): Promise<void> {
  if (!existsSync(join(root, 'dist', 'commands', 'inject-check.js')))
    throw new Error('dist/ is missing: run `npm run build` first (npm run bench does)')
  if (process.argv.includes('--real')) return mainReal()
  if (process.argv.includes('--connections')) return mainConnections()
  if (process.argv.includes('--fleet')) return mainFleet()
  const work = mkdtempSync(join(tmpdir(), 'kubectl-inject-bench-'))
  const results: Record<string, unknown>[] = []
  let yamlBundle: Record<string, unknown> | null = null
  let connections: Record<string, unknown> | null = null
  let fleet: Record<string, unknown> | null = null
  try {
    for (const pods of sizes) {
      process.stderr.write(`bench: ${pods} pods…\n`)
      results.push(await benchSize(pods, work))
    }
    if (connectionPods > 0) {
      process.stderr.write(`bench: connections (exec plugin, token) at ${connectionPods} pods…\n`)
      connections = await benchConnections(work)
    }
    if (yamlPods > 0) {
      process.stderr.write(`bench: ${yamlPods}-pod YAML vs JSON bundle…\n`)
      yamlBundle = await benchYamlBundle(yamlPods, work)
    }
    if (fleetContexts > 0) {
      process.stderr.write(`bench: fleet of ${fleetContexts} contexts × ${fleetPods} pods…\n`)
      fleet = await runFleetCase(work)
    }
  } finally {
    rmSync(work, {recursive: true, force: true})
  }
  printTable(results)
  if (connections !== null) printConnections(connections)
  if (yamlBundle !== null) {
    const {yaml, json, ratio, targets} = yamlBundle as {
      yaml: {medianMs: number; medianRssKb: number}
      json: {medianMs: number; medianRssKb: number}
      ratio: {time: number}
      targets: {met: boolean}
    }
    process.stdout.write(
      `\n--from ${yamlPods} pods: YAML ${yaml.medianMs} ms ${mb(yaml.medianRssKb)} MB, JSON ${json.medianMs} ms ${mb(json.medianRssKb)} MB, time ×${ratio.time} (target ≤ ×2, ≤ 1536 MB: ${targets.met ? 'met' : 'NOT met'})\n`,
    )
  }
  if (fleet !== null) printFleet(fleet)
  const rss = (pods: number) =>
    (
      results.find((r) => r.pods !== undefined && Math.abs((r.pods as number) - pods) < 10) as
        {sweep?: {ours: CaseResult}} | undefined
    )?.sweep?.ours.medianRssKb
  const growth =
    rss(10_000) !== undefined && rss(20_000) !== undefined
      ? Math.round((rss(20_000)! / rss(10_000)!) * 100) / 100
      : undefined
  if (growth !== undefined)
    process.stdout.write(`\nsweep peak RSS 10k → 20k pods: ×${growth} (linear would be ×2.00)\n`)
  const document = {
    generatedAt: new Date().toISOString(),
    machine: {
      cores: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryBytes: totalmem(),
      platform: `${platform()} ${release()}`,
      node: process.version,
      kubectl: kubectlVersion(),
      peakRssFrom: hasTime ? '/usr/bin/time %M' : '/proc/<pid>/status VmHWM (polled every 5 ms)',
    },
    config: {
      sizes,
      runs: sizes.map(runsFor),
      apiServer: 'test/apiserver-double over HTTPS on 127.0.0.1, in its own process',
      pageSize: 500,
    },
    sweepRssGrowth10kTo20k: growth ?? null,
    results,
    yamlBundle,
    connections,
    fleet,
  }
  const resultsDir = join(root, 'bench', 'results')
  mkdirSync(resultsDir, {recursive: true})
  // Keys this run does not measure (`real`, from `--real`) stay as they were.
  mergeResults(document)
  process.stdout.write(
    `\nwrote bench/results/latest.json (${Math.round((performance.now() - started) / 1000)} s)\n`,
  )
}

await main()
