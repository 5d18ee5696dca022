// Many bare pods created through the real API in parallel batches (no webhook, no controller needed), and a way to
// wait for a namespace's `default` ServiceAccount (the ServiceAccount admission plugin rejects pods without it).
import type {RealCluster} from './cluster.js'

export const barePod = (name: string, namespace: string): object => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {name, namespace, labels: {app: 'bulk'}},
  spec: {containers: [{name: 'app', image: 'nginx:1.27'}]},
})

export async function createNamespaceReady(
  cluster: RealCluster,
  name: string,
  labels: Record<string, string> = {},
  timeoutMs = 30_000,
): Promise<void> {
  const made = await cluster.api('POST', '/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {name, labels},
  })
  if (made.status !== 201 && made.status !== 409)
    throw new Error(`namespace ${name}: ${made.status} ${made.body}`)
  const deadline = Date.now() + timeoutMs
  while ((await cluster.api('GET', `/api/v1/namespaces/${name}/serviceaccounts/default`)).status !== 200) {
    if (Date.now() > deadline)
      throw new Error(`namespace ${name}: no default ServiceAccount after ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

// `count` pods named `${prefix}-N`, spread round-robin over `namespaces`, `parallel` requests in flight at a time.
export async function createBarePods(
  cluster: RealCluster,
  options: {count: number; namespaces: string[]; prefix?: string; parallel?: number},
): Promise<string[]> {
  const prefix = options.prefix ?? 'bulk'
  const parallel = options.parallel ?? 32
  const names = Array.from({length: options.count}, (_, i) => {
    const ns = options.namespaces[i % options.namespaces.length]!
    return `${ns}/${prefix}-${i}`
  })
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < names.length) {
      const [ns, name] = names[next++]!.split('/') as [string, string]
      const res = await cluster.api('POST', `/api/v1/namespaces/${ns}/pods`, barePod(name, ns))
      if (res.status !== 201)
        throw new Error(`creating pod ${ns}/${name}: ${res.status} ${res.body.slice(0, 200)}`)
    }
  }
  await Promise.all(Array.from({length: parallel}, worker))
  return names
}

// etcd's own revision, then a physical compaction up to it through the HTTP gateway (go.etcd.io/etcd api/v3 rpc.proto).
export async function compactEtcd(etcdUrl: string): Promise<string> {
  const range = (await (
    await fetch(`${etcdUrl}/v3/kv/range`, {method: 'POST', body: JSON.stringify({key: 'Lw=='})})
  ).json()) as {header: {revision: string}}
  const revision = range.header.revision
  const res = await fetch(`${etcdUrl}/v3/kv/compaction`, {
    method: 'POST',
    body: JSON.stringify({revision, physical: true}),
  })
  if (res.status !== 200) throw new Error(`etcd compaction to ${revision}: ${res.status} ${await res.text()}`)
  return revision
}
