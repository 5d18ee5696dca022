// `npm run bench -- --real`: the sweep and one-pod comparisons against a real kube-apiserver (test/real-cluster), with
// BENCH_REAL_PODS bare pods (default 5000) created through the real API, beside kubectl on the same server in one run.
import {mkdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {withNodeOnPath} from './bin-env.js'
import {startWebhookServer} from '../test/apiserver-double/index.js'
import {createBarePods, createNamespaceReady} from '../test/real-cluster/bulk-objects.js'
import {realClusterAvailable, startRealCluster} from '../test/real-cluster/cluster.js'
import {injectorWebhookConfiguration, istioConfigMaps} from '../test/real-cluster/istio-install.js'

export interface Measured {
  wallMs: number
  maxRssKb: number
  exitCode: number | null
}
export type RunMeasured = (
  command: string,
  args: readonly string[],
  outFile: string,
  env: NodeJS.ProcessEnv,
) => Promise<Measured>

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}
const ratio = (a: number, b: number): number => Math.round((a / b) * 100) / 100

// Requests the server audited (ResponseComplete) that it received within each run's wall-clock window: runs are
// sequential and the control plane's own traffic is not audited, so each one is that run's requests.
function auditedPerWindow(path: string, windows: readonly {start: number; end: number}[]): number[] {
  const received = readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.includes('"stage":"ResponseComplete"'))
    .map((l) => Date.parse((JSON.parse(l) as {requestReceivedTimestamp: string}).requestReceivedTimestamp))
  return windows.map((w) => received.filter((t) => t >= w.start - 5 && t <= w.end + 5).length)
}

export async function benchRealCluster(options: {
  root: string
  bin: string
  kubectl: string
  dir: string
  runs: number
  runMeasured: RunMeasured
}): Promise<Record<string, unknown>> {
  const availability = realClusterAvailable()
  if (!availability.available) throw new Error(`--real: ${availability.reason}`)
  const pods = Number(process.env.BENCH_REAL_PODS ?? 5000)
  const namespaceCount = 50
  const injectedNamespaces = 10
  const began = Date.now()
  const cluster = await startRealCluster({log: (l) => process.stderr.write(`bench --real: ${l}\n`)})
  const injector = await startWebhookServer({mode: 'native'})
  try {
    await createNamespaceReady(cluster, 'istio-system')
    for (const cm of istioConfigMaps())
      await cluster.api('POST', '/api/v1/namespaces/istio-system/configmaps', cm)
    await cluster.api(
      'POST',
      '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations',
      injectorWebhookConfiguration({
        name: 'istio-sidecar-injector',
        clientConfig: {url: `${injector.url}/inject`, caBundle: injector.caBundle},
        failurePolicy: 'Ignore',
        namespaceLabel: ['istio-injection', 'enabled'],
      }),
    )
    const namespaces = Array.from({length: namespaceCount}, (_, i) => `team-${i}`)
    for (const [i, ns] of namespaces.entries())
      await createNamespaceReady(cluster, ns, i < injectedNamespaces ? {'istio-injection': 'enabled'} : {})
    const createStart = Date.now()
    await createBarePods(cluster, {count: pods, namespaces, parallel: 48})
    const createMs = Date.now() - createStart
    process.stderr.write(
      `bench --real: ${pods} pods created through the API in ${(createMs / 1000).toFixed(1)} s\n`,
    )
    const kc = cluster.kubeconfigPath
    const cacheDir = join(options.dir, 'kube-cache')
    mkdirSync(cacheDir, {recursive: true})
    const env = withNodeOnPath({...process.env, NO_COLOR: '1', HOME: options.dir, KUBECONFIG: kc})
    // NODE_EXTRA_CA_CERTS (this machine sets it) makes every Node.js process parse it first; Go never reads it.
    const withoutExtraCa = {...env, NODE_EXTRA_CA_CERTS: undefined}
    const sample = {name: 'bulk-0', namespace: namespaces[0]!}
    const podArgs = [`pod/${sample.name}`, '-n', sample.namespace]
    const kubectlPodArgs = [
      'get',
      'pod',
      sample.name,
      '-n',
      sample.namespace,
      '-o',
      'json',
      '--cache-dir',
      cacheDir,
    ]
    const cases = {
      'sweep.ours': [options.bin, ['-A', '-o', 'json'], env],
      'sweep.kubectl': [options.kubectl, ['get', 'pods', '-A', '-o', 'json', '--cache-dir', cacheDir], env],
      'pod.ours': [options.bin, podArgs, env],
      'pod.kubectl': [options.kubectl, kubectlPodArgs, env],
      ...(env.NODE_EXTRA_CA_CERTS === undefined
        ? {}
        : {
            'podWithoutNodeExtraCaCerts.ours': [options.bin, podArgs, withoutExtraCa],
            'podWithoutNodeExtraCaCerts.kubectl': [options.kubectl, kubectlPodArgs, withoutExtraCa],
          }),
    } as Record<string, readonly [string, readonly string[], NodeJS.ProcessEnv]>
    const out = (key: string): string => join(options.dir, `${key}.out`)
    const samples: Record<string, (Measured & {start: number; end: number; requests: number})[]> = {}
    const measure = async (key: string): Promise<void> => {
      const [command, args, caseEnv] = cases[key]!
      const start = Date.now()
      const m = await options.runMeasured(command, [...args], out(key), caseEnv)
      ;(samples[key] ??= []).push({...m, start, end: Date.now(), requests: 0})
    }
    // Warm kubectl's discovery cache and the page cache once, as bench/run.ts does for the double.
    await measure('sweep.kubectl')
    await measure('pod.ours')
    for (const key of Object.keys(samples)) samples[key] = []
    for (let run = 0; run < options.runs; run++) for (const key of Object.keys(cases)) await measure(key)
    // The audit backend writes an event after its answer: let the last ones land, then attribute them to runs.
    await new Promise((r) => setTimeout(r, 2000))
    for (const list of Object.values(samples)) {
      const counts = auditedPerWindow(cluster.auditLogPath, list)
      list.forEach((s, i) => (s.requests = counts[i]!))
    }
    const summary = (key: string) => {
      const s = samples[key]!
      return {
        command: [cases[key]![0], ...cases[key]![1]]
          .join(' ')
          .replaceAll(options.dir, '$DIR')
          .replaceAll(options.root, ''),
        runs: s.length,
        wallMs: s.map((x) => Math.round(x.wallMs)),
        medianMs: Math.round(median(s.map((x) => x.wallMs))),
        medianRssKb: Math.round(median(s.map((x) => x.maxRssKb))),
        requests: s.map((x) => x.requests),
        exitCodes: s.map((x) => x.exitCode),
      }
    }
    const items = (key: string): number => {
      try {
        return (JSON.parse(readFileSync(out(key), 'utf8')) as {items: unknown[]}).items.length
      } catch {
        return -1
      }
    }
    const pair = (ours: ReturnType<typeof summary>, kubectl: ReturnType<typeof summary>) => ({
      ours,
      kubectl,
      ratio: {
        time: ratio(ours.medianMs, kubectl.medianMs),
        rss: ratio(ours.medianRssKb, kubectl.medianRssKb),
      },
    })
    return {
      server: `kube-apiserver ${cluster.kubeVersion}, etcd ${cluster.etcdVersion} (test/real-cluster, 127.0.0.1)`,
      pods,
      namespaces: namespaceCount,
      injectedNamespaces,
      createPodsMs: createMs,
      setupMs: Date.now() - began,
      itemsInOutput: {ours: items('sweep.ours'), kubectl: items('sweep.kubectl')},
      sweep: pair(summary('sweep.ours'), summary('sweep.kubectl')),
      pod: pair(summary('pod.ours'), summary('pod.kubectl')),
      ...(samples['podWithoutNodeExtraCaCerts.ours'] === undefined
        ? {}
        : {
            podWithoutNodeExtraCaCerts: pair(
              summary('podWithoutNodeExtraCaCerts.ours'),
              summary('podWithoutNodeExtraCaCerts.kubectl'),
            ),
          }),
      requestsCountedBy: 'the API server audit log (ResponseComplete events during each run)',
    }
  } finally {
    await injector.close()
    await cluster.stop()
  }
}
