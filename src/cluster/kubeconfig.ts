// kubectl's kubeconfig resolution without client-node on the common path (its import costs ~0.45 s).
// Rules follow client-go: tools/clientcmd/loader.go (merge: first file wins per name and for current-context)
// and tools/clientcmd/client_config.go (context/namespace selection, relative paths resolved per file).
import {readFile} from 'node:fs/promises'
import {homedir} from 'node:os'
import {delimiter, dirname, isAbsolute, join, resolve} from 'node:path'
import {readYaml11} from '../core/yaml/read-yaml11.js'
import {KubeconfigError} from './kube-errors.js'
import {rerunWithExtraCaCertsLoaded} from './node-extra-ca-certs.js'
import {
  CredentialPluginError,
  execAuthenticator,
  mayPrompt,
  parseExecConfig,
  type ExecClusterInfo,
  type ExecOwner,
  type ExecResult,
} from './exec-credentials.js'

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

/** Credentials produced by exec plugins (ours) or auth providers (through client-node). */
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
  /** The cluster's proxy-url (http, https or socks5); it wins over HTTPS_PROXY as in client-go. */
  readonly proxyUrl?: string
  /** Set for exec / auth-provider users: called before each request (the credential is cached). */
  readonly authenticate?: () => Promise<DynamicAuth>
  /** Exec users: after a 401 with `stale`, a fresh credential (one plugin run, shared by concurrent callers). */
  readonly reauthenticate?: (stale: DynamicAuth) => Promise<DynamicAuth>
  /** Exec users: starts the plugin now so it runs while the rest of the run loads. */
  readonly prefetch?: () => void
  /** Exec users whose plugin may prompt (a login can take minutes): their connection is not opened while it runs. */
  readonly mayPrompt?: boolean
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
      doc = readYaml11(text, true)
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

  const userEntry = applyUserOverrides(user, overrides)
  if (userEntry !== undefined && usesOidc(userEntry)) rerunWithExtraCaCertsLoaded()
  const resolvedCluster = await resolveClusterAndUser(
    contextName ?? '',
    clusterName,
    applyClusterOverrides(cluster, overrides),
    userName,
    userEntry,
  )
  resolvedCluster.prefetch?.()
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
  const server = serverOf(c, clusterName, contextName)
  const proxyUrl = proxyUrlOf(c, clusterName)
  const insecureSkipTlsVerify = c['insecure-skip-tls-verify'] === true
  const ca = await bytesOf(c, 'certificate-authority', cluster.dir, `cluster "${clusterName}"`)
  const tlsServerName = stringField(c, 'tls-server-name')
  const u = user?.value ?? {}
  const auth = await staticAuthOf(u, user?.dir ?? cluster.dir, `user "${userName}"`)
  const base = {
    contextName,
    clusterName,
    userName,
    server,
    insecureSkipTlsVerify,
    ...(ca === undefined ? {} : {ca}),
    ...(tlsServerName === undefined ? {} : {tlsServerName}),
    ...(proxyUrl === undefined ? {} : {proxyUrl}),
    ...auth,
    ...impersonationOf(u),
  }
  // A static token or basic auth wins over a plugin, as exec.go's round tripper keeps an Authorization header already set.
  if (u.exec !== undefined && u.exec !== null && auth.token === undefined && auth.basic === undefined) {
    const info = execClusterInfo(c, server, ca, proxyUrl)
    return {...base, authKind: 'exec', ...execAuth(u.exec, user!.dir, info, {userName, contextName})}
  }
  if (u['auth-provider'] !== undefined && u['auth-provider'] !== null) {
    return {
      ...base,
      authKind: 'auth-provider',
      authenticate: delegatedAuth(contextName, clusterName, cluster, userName, user!),
    }
  }
  return base
}

function serverOf(c: Entry, clusterName: string, contextName: string): string {
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
  return serverRaw.replace(/\/+$/, '')
}

// clientcmd validation.go: proxy-url schemes are http, https and socks5.
function proxyUrlOf(c: Entry, clusterName: string): string | undefined {
  const raw = stringField(c, 'proxy-url')
  if (raw === undefined) return undefined
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new KubeconfigError(`cluster "${clusterName}" has an invalid proxy-url "${raw}"`)
  }
  if (!['http:', 'https:', 'socks5:'].includes(url.protocol))
    throw new KubeconfigError(
      `cluster "${clusterName}" has a proxy-url with the unsupported scheme "${url.protocol}" (http, https or socks5)`,
    )
  return raw
}

type StaticAuth = Pick<ResolvedCluster, 'cert' | 'key' | 'token' | 'basic' | 'authKind'>

// client_config.go: a tokenFile replaces the token (the transport re-reads it, trimmed); basic auth only without a token.
async function staticAuthOf(u: Entry, dir: string, what: string): Promise<StaticAuth> {
  const cert = await bytesOf(u, 'client-certificate', dir, what)
  const key = await bytesOf(u, 'client-key', dir, what)
  if ((cert === undefined) !== (key === undefined)) {
    throw new KubeconfigError(
      `${what} has a client certificate without a key (or a key without a certificate)`,
    )
  }
  const certs = cert === undefined || key === undefined ? {} : {cert, key}
  const tokenFile = stringField(u, 'tokenFile')
  if (tokenFile !== undefined) {
    const token = (await readCredentialFile(absolute(dir, tokenFile), what, 'tokenFile'))
      .toString('utf8')
      .trim()
    return {...certs, token, authKind: 'token-file'}
  }
  const token = stringField(u, 'token')
  if (token !== undefined) return {...certs, token, authKind: 'token'}
  const username = stringField(u, 'username')
  if (username !== undefined)
    return {...certs, basic: {username, password: stringField(u, 'password') ?? ''}, authKind: 'basic'}
  return {...certs, authKind: cert !== undefined ? 'client-certificate' : 'none'}
}

function impersonationOf(u: Entry): Pick<ResolvedCluster, 'impersonate'> {
  const as = stringField(u, 'as')
  const asGroups = Array.isArray(u['as-groups'])
    ? (u['as-groups'] as unknown[]).filter((g): g is string => typeof g === 'string')
    : []
  if (as === undefined && asGroups.length > 0)
    throw new KubeconfigError(
      `impersonating groups (${asGroups.join(', ')}) needs a user to impersonate: add --as USER`,
    )
  return as === undefined ? {} : {impersonate: {user: as, groups: asGroups}}
}

// exec.go: spec.cluster carries the cluster's connection facts and its client.authentication.k8s.io/exec extension.
function execClusterInfo(
  c: Entry,
  server: string,
  ca: Buffer | undefined,
  proxyUrl: string | undefined,
): ExecClusterInfo {
  const extensions = Array.isArray(c.extensions) ? (c.extensions as Entry[]) : []
  const config = extensions.find((e) => e?.name === 'client.authentication.k8s.io/exec')?.extension
  const tlsServerName = stringField(c, 'tls-server-name')
  return {
    server,
    ...(tlsServerName === undefined ? {} : {'tls-server-name': tlsServerName}),
    ...(c['insecure-skip-tls-verify'] === true ? {'insecure-skip-tls-verify': true} : {}),
    ...(ca === undefined ? {} : {'certificate-authority-data': ca.toString('base64')}),
    ...(proxyUrl === undefined ? {} : {'proxy-url': proxyUrl}),
    ...(config === undefined ? {} : {config}),
  }
}

// Our exec runner; DynamicAuth objects map back to the plugin answer they came from, so a 401 refreshes only a stale one.
function execAuth(
  raw: unknown,
  dir: string,
  info: ExecClusterInfo,
  owner: ExecOwner,
): Pick<ResolvedCluster, 'authenticate' | 'reauthenticate' | 'prefetch' | 'mayPrompt'> {
  const config = parseExecConfig(raw, dir, `user "${owner.userName}"`)
  const authenticator = execAuthenticator(config, info, owner)
  const answers = new WeakMap<ExecResult, DynamicAuth>()
  const sources = new WeakMap<DynamicAuth, ExecResult>()
  const asAuth = (result: ExecResult): DynamicAuth => {
    let auth = answers.get(result)
    if (auth === undefined) {
      auth = {
        headers: result.token === undefined ? {} : {Authorization: `Bearer ${result.token}`},
        ...(result.cert === undefined || result.key === undefined
          ? {}
          : {cert: result.cert, key: result.key}),
      }
      answers.set(result, auth)
      sources.set(auth, result)
    }
    return auth
  }
  return {
    authenticate: async () => asAuth(await authenticator.current()),
    reauthenticate: async (stale) => {
      const source = sources.get(stale)
      return asAuth(await (source === undefined ? authenticator.current() : authenticator.refresh(source)))
    },
    // Started while the rest of the run loads; requests await the same single flight.
    prefetch: () => {
      authenticator.current().catch(() => undefined)
    },
    mayPrompt: mayPrompt(config),
  }
}

// client-node's OIDC refresh fetches from the issuer with node's default roots, where no context can be passed: with
// such a user the run starts again with NODE_EXTRA_CA_CERTS loaded, before it reads input or starts a plugin.
const usesOidc = (user: NamedEntry): boolean =>
  (user.value['auth-provider'] as {name?: unknown} | null | undefined)?.name === 'oidc'

/** A fleet's contexts, before any is resolved: one OIDC user among them reruns the whole run (see usesOidc). */
export function rerunForOidcUsers(merged: MergedKubeconfig, contexts: readonly string[]): void {
  for (const name of contexts) {
    const userName = stringField(merged.contexts.get(name)?.value ?? {}, 'user')
    const user = userName === undefined ? undefined : merged.users.get(userName)
    if (user !== undefined && usesOidc(user)) rerunWithExtraCaCertsLoaded()
  }
}

// auth-provider (oidc, legacy gcp/azure) is rare and complex: client-node does it, imported only here.
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
    kc.loadFromString(
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        // Only the server: TLS material is applied by our transport, and relative paths of the cluster would resolve wrongly here.
        clusters: [{name: clusterName, cluster: {server: cluster.value.server}}],
        users: [{name: userName, user: user.value}],
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
    const opts: {headers?: Record<string, unknown>} = {}
    try {
      await kc.applyToHTTPSOptions(opts as Record<string, unknown>)
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      throw new CredentialPluginError(
        `the auth provider of user "${userName}" (context "${contextName}") failed: ${message} — log in again with your provider's CLI`,
      )
    }
    const headers: Record<string, string> = {}
    for (const [name, value] of Object.entries(opts.headers ?? {})) {
      if (typeof value === 'string' || typeof value === 'number') headers[name] = String(value)
    }
    return {headers}
  }
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

// The block reader resolves scalars as client-go's YAML 1.1 does and takes ~1 ms where the `yaml` package takes ~5 ms of
// every start; kubeconfigs outside its subset (anchors, flow maps, several documents) go to the full parser.
