// The completion executables' shell (bin/kubectl_complete-inject_*): kubectl runs them with the words typed so far.
// Light on purpose: no oclif, no client-node; the cluster through kubeconfig.ts + transport.ts. Silent: any error, an
// exec-plugin user or the time bound gives an empty answer (`:4`), never a message.
import type {ConnectionOverrides, MergedKubeconfig} from '../cluster/kubeconfig.js'
import {loadKubeconfig, resolveConnection} from '../cluster/kubeconfig.js'
import {workloadPaths} from '../cluster/live-source.js'
import {createTransport} from '../cluster/transport.js'
import type {JsonObject, Transport} from '../cluster/transport.js'
import {completeWords, empty, render} from './completion-candidates.js'
import type {CompletedCommand, CompletionSources, NamedResource} from './completion-candidates.js'
import {readTypedWords} from './completion-words.js'
import type {ManifestFlags} from './completion-words.js'

/** The whole answer, cluster included, within this bound (kubectl waits for us while the user waits for kubectl). */
export const completionTimeBoundMs = 2000

type Typed = ReadonlyMap<string, readonly string[]>

const last = (typed: Typed, name: string): string | undefined => typed.get(name)?.at(-1)

const overridesOf = (typed: Typed): ConnectionOverrides => ({
  server: last(typed, 'server'),
  cluster: last(typed, 'cluster'),
  user: last(typed, 'user'),
  token: last(typed, 'token'),
  certificateAuthority: last(typed, 'certificate-authority'),
  insecureSkipTlsVerify: typed.has('insecure-skip-tls-verify'),
  tlsServerName: last(typed, 'tls-server-name'),
  as: last(typed, 'as'),
  asGroups: typed.get('as-group'),
})

const collectionPath = (resource: NamedResource, namespace: string): string => {
  const ns = encodeURIComponent(namespace)
  if (resource === 'namespace') return '/api/v1/namespaces'
  if (resource === 'pod') return `/api/v1/namespaces/${ns}/pods`
  return workloadPaths[resource].replace('{ns}', ns)
}

const itemNames = (list: JsonObject): string[] =>
  (Array.isArray(list.items) ? (list.items as JsonObject[]) : [])
    .map((item) => (item.metadata as {name?: unknown} | undefined)?.name)
    .filter((name): name is string => typeof name === 'string')
    .sort()

/** Kubeconfig names and cluster lists for the flags typed so far (a failed list is empty); `transports` collects what to close. */
const sourcesFor = (typed: Typed, timeoutMs: number, transports: Transport[]): CompletionSources => {
  const options = {
    kubeconfig: last(typed, 'kubeconfig'),
    context: last(typed, 'context'),
    namespace: last(typed, 'namespace'),
    overrides: overridesOf(typed),
  }
  let merged: Promise<MergedKubeconfig> | undefined
  const kubeconfig = () => (merged ??= loadKubeconfig(options))
  const keys = (map: ReadonlyMap<string, unknown>) => [...map.keys()].sort()
  return {
    contexts: async () => keys((await kubeconfig()).contexts),
    clusters: async () => keys((await kubeconfig()).clusters),
    users: async () => keys((await kubeconfig()).users),
    // Bounded on its own too, so a slow cluster still leaves the TYPE/ prefixes in the answer.
    names: (resource) =>
      Promise.race([
        listNames(resource).catch(() => []),
        new Promise<string[]>((resolve) => setTimeout(() => resolve([]), timeoutMs).unref()),
      ]),
  }
  async function listNames(resource: NamedResource): Promise<readonly string[]> {
    const connection = await resolveConnection(options)
    // Exec plugins and auth providers would need client-node and may prompt: no cluster names for them.
    if (connection.cluster.authenticate !== undefined) return []
    const transport = createTransport(connection.cluster, {timeoutMs})
    transports.push(transport)
    return itemNames(await transport.getJson(collectionPath(resource, connection.namespace), {limit: 500}))
  }
}

/** Answers one completion request for `command`; resolves to the protocol text, empty (`:4`) on any failure. */
export const completionAnswer = async (
  command: CompletedCommand,
  flags: ManifestFlags,
  words: readonly string[],
  timeBoundMs = completionTimeBoundMs,
): Promise<string> => {
  const transports: Transport[] = []
  let timer: ReturnType<typeof setTimeout> | undefined
  const expired = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(render(empty)), timeBoundMs)
  })
  const work = (async () => {
    const typed = readTypedWords(flags, words)
    const sources = sourcesFor(typed.flags, Math.max(100, timeBoundMs - 300), transports)
    return render(await completeWords(command, flags, typed, sources))
  })().catch(() => render(empty))
  try {
    return await Promise.race([work, expired])
  } finally {
    clearTimeout(timer)
    for (const transport of transports) transport.close()
  }
}

/** The executable's body: answer, then exit (an unanswered request must not hold the process open). */
export const runCompletion = (command: CompletedCommand, flags: ManifestFlags): void => {
  // The bound counts from process start (performance.now()), so Node's own start-up is inside it.
  const left = Math.max(200, completionTimeBoundMs - performance.now())
  void completionAnswer(command, flags, process.argv.slice(2), left).then((text) =>
    process.stdout.write(text, () => process.exit(0)),
  )
}
