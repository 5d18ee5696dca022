// kubectl's kubeconfig resolution without client-node on the common path (its import costs ~0.45 s).
// Rules follow client-go: tools/clientcmd/loader.go (merge: first file wins per name and for current-context)
// and tools/clientcmd/client_config.go (context/namespace selection, relative paths resolved per file).
import {readFile} from 'node:fs/promises'
import {homedir} from 'node:os'
import {delimiter, dirname, isAbsolute, join, resolve} from 'node:path'
import {parse as parseYaml} from 'yaml'
import {KubeconfigError} from './kube-errors.js'

export interface KubeconfigOptions {
  /** --kubeconfig */
  readonly kubeconfig?: string | undefined
  /** --context */
  readonly context?: string | undefined
  /** -n / --namespace */
  readonly namespace?: string | undefined
  /** kubectl's connection flags, which win over the kubeconfig (client-go ConfigOverrides). */
  readonly overrides?: ConnectionOverrides | undefined
  /** Defaults to process.env (KUBECONFIG). */
  readonly env?: Readonly<Record<string, string | undefined>>
  /** Defaults to os.homedir() (for ~/.kube/config). */
  readonly homeDir?: string
}

/** --server, --cluster, --user, --token, --certificate-authority, --insecure-skip-tls-verify, --tls-server-name, --as, --as-group. */
export interface ConnectionOverrides {
  readonly server?: string | undefined
  readonly cluster?: string | undefined
  readonly user?: string | undefined
  readonly token?: string | undefined
  readonly certificateAuthority?: string | undefined
  readonly insecureSkipTlsVerify?: boolean | undefined
  readonly tlsServerName?: string | undefined
  readonly as?: string | undefined
  readonly asGroups?: readonly string[] | undefined
}

/** Credentials produced per request by exec plugins or auth providers (through client-node). */
export interface DynamicAuth {
  readonly headers: Readonly<Record<string, string>>
  readonly cert?: Buffer
  readonly key?: Buffer
}

export type AuthKind =
  'token' | 'token-file' | 'client-certificate' | 'basic' | 'exec' | 'auth-provider' | 'none'

/** Everything the transport needs to talk to one API server; secrets stay in here and are never printed. */
export interface ResolvedCluster {
  readonly contextName: string
  readonly clusterName: string
  readonly userName: string
  /** Server URL without a trailing slash. */
  readonly server: string
  readonly ca?: Buffer
  readonly insecureSkipTlsVerify: boolean
  readonly tlsServerName?: string
  readonly cert?: Buffer
  readonly key?: Buffer
  readonly token?: string
  readonly basic?: {readonly username: string; readonly password: string}
  readonly impersonate?: {readonly user: string; readonly groups: readonly string[]}
  readonly authKind: AuthKind
  /** Set for exec / auth-provider users: called before each request (client-node caches the credential). */
  readonly authenticate?: () => Promise<DynamicAuth>
}

export interface Connection {
  readonly contextName: string
  /** -n, else the context's namespace, else `default`. */
  readonly namespace: string
  readonly namespaceSource: 'flag' | 'context' | 'default'
  readonly cluster: ResolvedCluster
  /** The kubeconfig files that were read, in precedence order. */
  readonly files: readonly string[]
}

type Entry = Record<string, unknown>

interface NamedEntry {
  readonly value: Entry
  /** Directory of the file that defined it: relative paths inside resolve against it. */
  readonly dir: string
  readonly file: string
}

/** The merged view of one or more kubeconfig files. */
export interface MergedKubeconfig {
  readonly files: readonly string[]
  readonly currentContext: string | undefined
  readonly clusters: ReadonlyMap<string, NamedEntry>
  readonly users: ReadonlyMap<string, NamedEntry>
  readonly contexts: ReadonlyMap<string, NamedEntry>
}

/** Which files kubectl would read: --kubeconfig, else every existing KUBECONFIG entry, else ~/.kube/config. */
export function kubeconfigPaths(options: KubeconfigOptions): {paths: string[]; explicit: boolean} {
  if (options.kubeconfig !== undefined && options.kubeconfig !== '')
    return {paths: [resolve(options.kubeconfig)], explicit: true}
  const env = options.env ?? process.env
  const fromEnv = env.KUBECONFIG
  if (fromEnv !== undefined && fromEnv !== '') {
    const seen = new Set<string>()
    const paths = fromEnv
      .split(delimiter)
      .filter((part) => part !== '')
      .map((part) => resolve(part))
      .filter((path) => (seen.has(path) ? false : (seen.add(path), true)))
    return {paths, explicit: false}
  }
  return {paths: [join(options.homeDir ?? homedir(), '.kube', 'config')], explicit: false}
}

/** Reads and merges the kubeconfig files; missing KUBECONFIG entries are skipped as kubectl does. */
export async function loadKubeconfig(options: KubeconfigOptions): Promise<MergedKubeconfig> {
  const serverGiven = nonEmpty(options.overrides?.server) !== undefined
  const {paths, explicit} = kubeconfigPaths(options)
  const clusters = new Map<string, NamedEntry>()
  const users = new Map<string, NamedEntry>()
  const contexts = new Map<string, NamedEntry>()
  const files: string[] = []
  let currentContext: string | undefined
  for (const file of paths) {
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch (error) {
      const code = (error as {code?: string}).code
      if (explicit)
        throw new KubeconfigError(
          `cannot read --kubeconfig ${file}: ${code === 'ENOENT' ? 'no such file' : String(code ?? error)}`,
        )
      if (code === 'ENOENT' || code === 'ENOTDIR') continue
      throw new KubeconfigError(`cannot read kubeconfig ${file}: ${String(code ?? error)}`)
    }
    let doc: unknown
    try {
      doc = parseYaml(text, {prettyErrors: true})
    } catch (error) {
      const line = (error as {linePos?: {line: number}[]}).linePos?.[0]?.line
      throw new KubeconfigError(
        `kubeconfig ${file}${line === undefined ? '' : `:${line}`} is not valid YAML: ${(error as Error).message.split('\n')[0]}`,
      )
    }
    files.push(file)
    if (doc === null || doc === undefined) continue
    if (typeof doc !== 'object' || Array.isArray(doc))
      throw new KubeconfigError(`kubeconfig ${file} is not a kubeconfig (expected a YAML mapping)`)
    const config = doc as Entry
    const dir = dirname(file)
    mergeNamed(clusters, config.clusters, 'cluster', dir, file)
    mergeNamed(users, config.users, 'user', dir, file)
    mergeNamed(contexts, config.contexts, 'context', dir, file)
    const current = config['current-context']
    if (currentContext === undefined && typeof current === 'string' && current !== '')
      currentContext = current
  }
  if (files.length === 0 && !serverGiven)
    throw new KubeconfigError('no kubeconfig found: set KUBECONFIG or pass --kubeconfig')
  return {files, currentContext, clusters, users, contexts}
}

// First definition of a name wins (client-go loader.go mergo without overwrite).
function mergeNamed(
  target: Map<string, NamedEntry>,
  list: unknown,
  field: string,
  dir: string,
  file: string,
): void {
  if (!Array.isArray(list)) return
  for (const item of list as unknown[]) {
    if (item === null || typeof item !== 'object') continue
    const name = (item as Entry).name
    if (typeof name !== 'string' || target.has(name)) continue
    const value = (item as Entry)[field]
    target.set(name, {value: value !== null && typeof value === 'object' ? (value as Entry) : {}, dir, file})
  }
}

/** Resolves the context, cluster, user and namespace the way kubectl does, reading credential files now. */
export async function resolveConnection(options: KubeconfigOptions): Promise<Connection> {
  const merged = await loadKubeconfig(options)
  const available = [...merged.contexts.keys()].sort()
  const list = available.length === 0 ? 'none defined' : `available: ${available.join(', ')}`
  const overrides = options.overrides ?? {}
  // --server or --cluster make a context optional, as in client-go (the context only names a cluster and a user).
  const contextOptional =
    nonEmpty(overrides.server) !== undefined || nonEmpty(overrides.cluster) !== undefined
  const explicitContext = nonEmpty(options.context)
  const contextName = explicitContext ?? merged.currentContext
  if (contextName === undefined && !contextOptional) {
    throw new KubeconfigError(`no current context in ${merged.files.join(', ')} — pass --context (${list})`)
  }
  const context = contextName === undefined ? undefined : merged.contexts.get(contextName)
  if (context === undefined && (explicitContext !== undefined || !contextOptional)) {
    const origin = explicitContext !== undefined ? '' : ' (current-context)'
    throw new KubeconfigError(
      `context "${contextName ?? ''}"${origin} not found in ${merged.files.join(', ')} (${list})`,
    )
  }
  const contextValue = context?.value ?? {}
  const clusterName = nonEmpty(overrides.cluster) ?? stringField(contextValue, 'cluster') ?? ''
  const known = merged.clusters.get(clusterName)
  if (known === undefined && nonEmpty(overrides.server) === undefined) {
    if (clusterName === '') throw new KubeconfigError(`context "${contextName ?? ''}" names no cluster`)
    throw new KubeconfigError(
      `cluster "${clusterName}"${nonEmpty(overrides.cluster) !== undefined ? ' (--cluster)' : ` of context "${contextName ?? ''}"`} is not defined in ${merged.files.join(', ') || 'any kubeconfig'}`,
    )
  }
  const cluster: NamedEntry = known ?? {value: {}, dir: process.cwd(), file: ''}
  const userName = nonEmpty(overrides.user) ?? stringField(contextValue, 'user') ?? ''
  const user = userName === '' ? undefined : merged.users.get(userName)
  if (userName !== '' && user === undefined) {
    throw new KubeconfigError(
      `user "${userName}"${nonEmpty(overrides.user) !== undefined ? ' (--user)' : ` of context "${contextName ?? ''}"`} is not defined in ${merged.files.join(', ') || 'any kubeconfig'}`,
    )
  }

  const flagNamespace =
    options.namespace !== undefined && options.namespace !== '' ? options.namespace : undefined
  const contextNamespace = stringField(contextValue, 'namespace')
  const namespace = flagNamespace ?? contextNamespace ?? 'default'
  const namespaceSource =
    flagNamespace !== undefined ? 'flag' : contextNamespace !== undefined ? 'context' : 'default'

  const resolvedCluster = await resolveClusterAndUser(
    contextName ?? '',
    clusterName,
    applyClusterOverrides(cluster, overrides),
    userName,
    applyUserOverrides(user, overrides),
  )
  return {
    contextName: contextName ?? '',
    namespace,
    namespaceSource,
    cluster: resolvedCluster,
    files: merged.files,
  }
}

async function resolveClusterAndUser(
  contextName: string,
  clusterName: string,
  cluster: NamedEntry,
  userName: string,
  user: NamedEntry | undefined,
): Promise<ResolvedCluster> {
  const c = cluster.value
  const serverRaw = stringField(c, 'server')
  if (serverRaw === undefined)
    throw new KubeconfigError(`cluster "${clusterName}" (context "${contextName}") has no server address`)
  let server: URL
  try {
    server = new URL(serverRaw)
  } catch {
    throw new KubeconfigError(`cluster "${clusterName}" has an invalid server address "${serverRaw}"`)
  }
  if (server.protocol !== 'https:' && server.protocol !== 'http:') {
    throw new KubeconfigError(
      `cluster "${clusterName}" has an unsupported server scheme "${server.protocol}" (expected https://)`,
    )
  }
  if (stringField(c, 'proxy-url') !== undefined) {
    throw new KubeconfigError(
      `cluster "${clusterName}" uses proxy-url, which kubectl-inject does not support — run \`kubectl proxy\` and point a context at http://127.0.0.1:8001`,
    )
  }
  const insecureSkipTlsVerify = c['insecure-skip-tls-verify'] === true
  const ca = await bytesOf(c, 'certificate-authority', cluster.dir, `cluster "${clusterName}"`)
  const tlsServerName = stringField(c, 'tls-server-name')

  const u = user?.value ?? {}
  const dir = user?.dir ?? cluster.dir
  const what = `user "${userName}"`
  const cert = await bytesOf(u, 'client-certificate', dir, what)
  const key = await bytesOf(u, 'client-key', dir, what)
  if ((cert === undefined) !== (key === undefined)) {
    throw new KubeconfigError(
      `${what} has a client certificate without a key (or a key without a certificate)`,
    )
  }
  let token = stringField(u, 'token')
  const tokenFile = stringField(u, 'tokenFile')
  let authKind: AuthKind = cert !== undefined ? 'client-certificate' : 'none'
  if (token !== undefined) authKind = 'token'
  else if (tokenFile !== undefined) {
    token = (await readCredentialFile(absolute(dir, tokenFile), what, 'tokenFile')).toString('utf8').trim()
    authKind = 'token-file'
  }
  const username = stringField(u, 'username')
  const basic =
    username !== undefined && token === undefined
      ? {username, password: stringField(u, 'password') ?? ''}
      : undefined
  if (basic !== undefined) authKind = 'basic'
  const as = stringField(u, 'as')
  const asGroups = Array.isArray(u['as-groups'])
    ? (u['as-groups'] as unknown[]).filter((g): g is string => typeof g === 'string')
    : []
  if (as === undefined && asGroups.length > 0)
    throw new KubeconfigError(
      `impersonating groups (${asGroups.join(', ')}) needs a user to impersonate: add --as USER`,
    )
  const impersonate = as !== undefined ? {user: as, groups: asGroups} : undefined

  const base = {
    contextName,
    clusterName,
    userName,
    server: serverRaw.replace(/\/+$/, ''),
    insecureSkipTlsVerify,
    ...(ca === undefined ? {} : {ca}),
    ...(tlsServerName === undefined ? {} : {tlsServerName}),
    ...(cert === undefined || key === undefined ? {} : {cert, key}),
    ...(token === undefined ? {} : {token}),
    ...(basic === undefined ? {} : {basic}),
    ...(impersonate === undefined ? {} : {impersonate}),
  }
  const exec = u.exec
  const authProvider = u['auth-provider']
  if ((exec !== undefined && exec !== null) || (authProvider !== undefined && authProvider !== null)) {
    const kind: AuthKind = exec !== undefined && exec !== null ? 'exec' : 'auth-provider'
    return {
      ...base,
      authKind: kind,
      authenticate: delegatedAuth(contextName, clusterName, cluster, userName, user!),
    }
  }
  return {...base, authKind}
}

// exec plugins and auth providers are rare and complex: client-node does them, imported only here.
function delegatedAuth(
  contextName: string,
  clusterName: string,
  cluster: NamedEntry,
  userName: string,
  user: NamedEntry,
): () => Promise<DynamicAuth> {
  let configPromise: Promise<{applyToHTTPSOptions(opts: Record<string, unknown>): Promise<void>}> | undefined
  const load = async () => {
    const [{KubeConfig}, {stringify}] = await Promise.all([import('@kubernetes/client-node'), import('yaml')])
    const kc = new KubeConfig()
    const userValue = absolutizeExec(user.value, user.dir)
    kc.loadFromString(
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        // Only the server: TLS material is applied by our transport, and relative paths of the cluster would resolve wrongly here.
        clusters: [{name: clusterName, cluster: {server: cluster.value.server}}],
        users: [{name: userName, user: userValue}],
        contexts: [{name: contextName, context: {cluster: clusterName, user: userName}}],
        'current-context': contextName,
      }),
    )
    kc.makePathsAbsolute(user.dir)
    return kc
  }
  return async () => {
    configPromise ??= load()
    const kc = await configPromise
    const opts: {headers?: Record<string, unknown>; cert?: unknown; key?: unknown} = {}
    try {
      await kc.applyToHTTPSOptions(opts as Record<string, unknown>)
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      throw new KubeconfigError(
        `the credential plugin of user "${userName}" (context "${contextName}") failed: ${message} — re-login with your provider's CLI`,
      )
    }
    const headers: Record<string, string> = {}
    for (const [name, value] of Object.entries(opts.headers ?? {})) {
      if (typeof value === 'string' || typeof value === 'number') headers[name] = String(value)
    }
    return {
      headers,
      ...(Buffer.isBuffer(opts.cert)
        ? {cert: opts.cert}
        : typeof opts.cert === 'string'
          ? {cert: Buffer.from(opts.cert)}
          : {}),
      ...(Buffer.isBuffer(opts.key)
        ? {key: opts.key}
        : typeof opts.key === 'string'
          ? {key: Buffer.from(opts.key)}
          : {}),
    }
  }
}

// A relative exec command with a path separator is relative to the kubeconfig file (client-go exec.go).
function absolutizeExec(user: Entry, dir: string): Entry {
  const exec = user.exec
  if (exec === null || typeof exec !== 'object') return user
  const command = (exec as Entry).command
  if (typeof command !== 'string' || isAbsolute(command) || !command.includes('/')) return user
  return {...user, exec: {...(exec as Entry), command: join(dir, command)}}
}

const nonEmpty = (text: string | undefined): string | undefined =>
  text === undefined || text === '' ? undefined : text

// client-go client_config.go getCluster: a CA or --insecure-skip-tls-verify override replaces all three TLS settings;
// --server or --tls-server-name replaces the kubeconfig's tls-server-name. Flag paths resolve against the working directory.
function applyClusterOverrides(cluster: NamedEntry, o: ConnectionOverrides): NamedEntry {
  const value: Entry = {...cluster.value}
  if (nonEmpty(o.server) !== undefined) value.server = o.server
  const ca = nonEmpty(o.certificateAuthority)
  if (o.insecureSkipTlsVerify === true || ca !== undefined) {
    value['insecure-skip-tls-verify'] = o.insecureSkipTlsVerify === true
    delete value['certificate-authority-data']
    if (ca === undefined) delete value['certificate-authority']
    else value['certificate-authority'] = resolve(ca)
  }
  if (nonEmpty(o.tlsServerName) !== undefined || nonEmpty(o.server) !== undefined) {
    if (nonEmpty(o.tlsServerName) === undefined) delete value['tls-server-name']
    else value['tls-server-name'] = o.tlsServerName
  }
  return {...cluster, value}
}

// genericclioptions config_flags.go: --token replaces the token and its file; --as/--as-group set impersonation.
function applyUserOverrides(user: NamedEntry | undefined, o: ConnectionOverrides): NamedEntry | undefined {
  const token = nonEmpty(o.token)
  const groups = o.asGroups ?? []
  if (token === undefined && nonEmpty(o.as) === undefined && groups.length === 0) return user
  const value: Entry = {...(user?.value ?? {})}
  if (token !== undefined) {
    value.token = token
    delete value.tokenFile
    // A bearer token from the flag is the credential: no exec plugin or auth provider runs.
    delete value.exec
    delete value['auth-provider']
  }
  if (nonEmpty(o.as) !== undefined) value.as = o.as
  if (groups.length > 0) value['as-groups'] = [...groups]
  return {value, dir: user?.dir ?? process.cwd(), file: user?.file ?? ''}
}

function stringField(entry: Entry, field: string): string | undefined {
  const value = entry[field]
  return typeof value === 'string' && value !== '' ? value : undefined
}

const absolute = (dir: string, path: string): string => (isAbsolute(path) ? path : join(dir, path))

// `<field>-data` (base64) wins over `<field>` (a path), as in client-go.
async function bytesOf(entry: Entry, field: string, dir: string, what: string): Promise<Buffer | undefined> {
  const data = stringField(entry, `${field}-data`)
  if (data !== undefined) return Buffer.from(data, 'base64')
  const path = stringField(entry, field)
  if (path === undefined) return undefined
  return readCredentialFile(absolute(dir, path), what, field)
}

async function readCredentialFile(path: string, what: string, field: string): Promise<Buffer> {
  try {
    return await readFile(path)
  } catch (error) {
    const code = (error as {code?: string}).code
    throw new KubeconfigError(
      `cannot read ${field} ${path} of ${what}: ${code === 'ENOENT' ? 'no such file' : String(code ?? error)}`,
    )
  }
}
