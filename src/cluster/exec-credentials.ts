// Exec credential plugins run as client-go runs them (client-go plugin/pkg/client/auth/exec/exec.go), without client-node:
// one plugin run per user entry and process (single flight), cached until expirationTimestamp, refreshed once after a 401.
import {spawn} from 'node:child_process'
import {isAbsolute, join} from 'node:path'
import {isatty} from 'node:tty'
import {ExitCode} from './exit-codes.js'
import {SourceError} from './kube-errors.js'

const execApiVersions = ['client.authentication.k8s.io/v1', 'client.authentication.k8s.io/v1beta1']
type InteractiveMode = 'Never' | 'IfAvailable' | 'Always'

/** The `user.exec` stanza of a kubeconfig user, validated (client-go tools/clientcmd/api ExecConfig). */
export interface ExecConfig {
  readonly apiVersion: string
  /** Absolute when the kubeconfig gave a path with a slash; else looked up on PATH. */
  readonly command: string
  readonly args: readonly string[]
  readonly env: readonly {readonly name: string; readonly value: string}[]
  readonly interactiveMode: InteractiveMode
  readonly provideClusterInfo: boolean
  readonly installHint?: string
}

/** spec.cluster of KUBERNETES_EXEC_INFO (client.authentication.k8s.io Cluster), sent when provideClusterInfo is set. */
export interface ExecClusterInfo {
  readonly server: string
  readonly 'tls-server-name'?: string
  readonly 'insecure-skip-tls-verify'?: boolean
  /** base64, as the API type's []byte marshals. */
  readonly 'certificate-authority-data'?: string
  readonly 'proxy-url'?: string
  readonly config?: unknown
}

/** One plugin answer; compared by identity to tell whether a 401 came from the current credential. */
export interface ExecResult {
  readonly token?: string
  readonly cert?: Buffer
  readonly key?: Buffer
  /** ms since the epoch; undefined = valid for the whole run. */
  readonly expiresAt?: number
}

/** The plugin is missing, failed, or printed something that is not an ExecCredential: the user must log in again (exit 77). */
export class CredentialPluginError extends SourceError {
  constructor(message: string) {
    super(message, 'cluster', ExitCode.ClusterUnauthorized)
  }
}

/** Who asks, for messages only. */
export interface ExecOwner {
  readonly userName: string
  readonly contextName: string
}

/** Reads `user.exec`; `dir` is the directory of the kubeconfig file that defined the user. */
export function parseExecConfig(raw: unknown, dir: string, what: string): ExecConfig {
  const exec = (raw ?? {}) as Record<string, unknown>
  const apiVersion = typeof exec.apiVersion === 'string' ? exec.apiVersion : ''
  if (!execApiVersions.includes(apiVersion))
    throw new CredentialPluginError(
      `${what}: exec plugin: invalid apiVersion "${apiVersion}" (expected ${execApiVersions.join(' or ')})`,
    )
  const command = typeof exec.command === 'string' ? exec.command : ''
  if (command === '') throw new CredentialPluginError(`${what}: exec plugin has no command`)
  return {
    apiVersion,
    command: commandPath(command, dir),
    args: Array.isArray(exec.args) ? exec.args.map(String) : [],
    env: Array.isArray(exec.env) ? exec.env.flatMap(envEntry) : [],
    interactiveMode: interactiveModeOf(exec.interactiveMode, apiVersion, what),
    provideClusterInfo: exec.provideClusterInfo === true,
    ...(typeof exec.installHint === 'string' && exec.installHint !== ''
      ? {installHint: exec.installHint}
      : {}),
  }
}

// clientcmd loader.go ResolveLocalPaths: a command with a path separator is relative to the kubeconfig file.
const commandPath = (command: string, dir: string): string =>
  command.includes('/') && !isAbsolute(command) ? join(dir, command) : command

const envEntry = (entry: unknown): {name: string; value: string}[] => {
  const e = (entry ?? {}) as {name?: unknown; value?: unknown}
  return typeof e.name === 'string' && e.name !== '' ? [{name: e.name, value: String(e.value ?? '')}] : []
}

// clientcmd validation.go: v1 must name interactiveMode; v1beta1 defaults to IfAvailable (clientcmd/api/v1 defaults.go).
function interactiveModeOf(value: unknown, apiVersion: string, what: string): InteractiveMode {
  if (value === 'Never' || value === 'IfAvailable' || value === 'Always') return value
  if (value === undefined || value === null || value === '') {
    if (apiVersion.endsWith('/v1beta1')) return 'IfAvailable'
    throw new CredentialPluginError(
      `${what}: interactiveMode must be specified to use the exec plugin (Never, IfAvailable or Always)`,
    )
  }
  throw new CredentialPluginError(`${what}: invalid interactiveMode "${String(value)}"`)
}

/** One plugin per user entry: the current credential, and a refresh after the server rejected `stale`. */
export interface ExecAuthenticator {
  current(): Promise<ExecResult>
  refresh(stale: ExecResult): Promise<ExecResult>
}

// exec.go's process-wide authenticator cache, keyed by exec config and cluster: contexts sharing a user share a run.
const authenticators = new Map<string, ExecAuthenticator>()

/** The authenticator of this exec config (and cluster, when the plugin is told about it), shared process-wide. */
export function execAuthenticator(
  config: ExecConfig,
  cluster: ExecClusterInfo,
  owner: ExecOwner,
  // isatty, not process.stdin.isTTY: opening process.stdin would make the fd the plugin inherits non-blocking.
  stdinIsTerminal: () => boolean = () => isatty(0),
): ExecAuthenticator {
  const key = JSON.stringify([config, config.provideClusterInfo ? cluster : undefined])
  let authenticator = authenticators.get(key)
  if (authenticator === undefined) {
    authenticator = singleFlight(() => runPlugin(config, cluster, owner, stdinIsTerminal()))
    authenticators.set(key, authenticator)
  }
  return authenticator
}

/** At most one plugin run at a time; its answer is reused until it expires or a refresh replaces it. */
function singleFlight(run: () => Promise<ExecResult>): ExecAuthenticator {
  let cached: Promise<ExecResult> | undefined
  let settled: ExecResult | undefined
  const start = (): Promise<ExecResult> => {
    settled = undefined
    const running = run()
    cached = running
    running.then(
      (result) => {
        if (cached === running) settled = result
      },
      () => {
        // A failure is not cached beyond this flight: the next request runs the plugin again.
        if (cached === running) cached = undefined
      },
    )
    return running
  }
  const expired = (result: ExecResult): boolean =>
    result.expiresAt !== undefined && Date.now() >= result.expiresAt
  return {
    current: () => {
      if (cached === undefined || (settled !== undefined && expired(settled))) return start()
      return cached
    },
    // exec.go maybeRefreshCreds: only the credential that was rejected is replaced; a newer one is reused.
    refresh: (stale) => (settled === stale || cached === undefined ? start() : cached),
  }
}

/** KUBERNETES_EXEC_INFO: an ExecCredential with spec only (interactive; cluster when provideClusterInfo). */
export function execInfo(config: ExecConfig, cluster: ExecClusterInfo, interactive: boolean): string {
  return JSON.stringify({
    kind: 'ExecCredential',
    apiVersion: config.apiVersion,
    spec: {interactive, ...(config.provideClusterInfo ? {cluster} : {})},
  })
}

/** Whether the plugin may prompt on the terminal (interactiveMode Always, or IfAvailable with stdin a terminal). */
export const mayPrompt = (config: ExecConfig, stdinIsTerminal: () => boolean = () => isatty(0)): boolean =>
  config.interactiveMode === 'Always' || (config.interactiveMode === 'IfAvailable' && stdinIsTerminal())

// exec.go interactiveFunc: Never → false; IfAvailable → stdin is a terminal; Always → a terminal or an error.
function interactiveFor(mode: InteractiveMode, stdinIsTerminal: boolean): boolean {
  if (mode === 'Never') return false
  if (mode === 'Always' && !stdinIsTerminal)
    throw new Error('exec plugin cannot support interactive mode: standard input is not a terminal')
  return stdinIsTerminal
}

async function runPlugin(
  config: ExecConfig,
  cluster: ExecClusterInfo,
  owner: ExecOwner,
  stdinIsTerminal: boolean,
): Promise<ExecResult> {
  try {
    const interactive = interactiveFor(config.interactiveMode, stdinIsTerminal)
    const stdout = await spawnPlugin(config, execInfo(config, cluster, interactive), interactive)
    return parseExecCredential(stdout, config.apiVersion)
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error)
    throw new CredentialPluginError(
      `the credential plugin of user "${owner.userName}" (context "${owner.contextName}") failed: ${detail} — log in again with the provider's CLI, or check the user's exec section in the kubeconfig`,
    )
  }
}

// exec.go refreshCredsLocked: the environment plus the config's env; stdin only when interactive; stderr is the user's.
function spawnPlugin(config: ExecConfig, info: string, interactive: boolean): Promise<string> {
  const env: NodeJS.ProcessEnv = {...process.env}
  for (const {name, value} of config.env) env[name] = value
  env.KUBERNETES_EXEC_INFO = info
  return new Promise((resolve, reject) => {
    const child = spawn(config.command, [...config.args], {
      env,
      stdio: [interactive ? 'inherit' : 'ignore', 'pipe', 'inherit'],
    })
    const chunks: Buffer[] = []
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk))
    child.on('error', (error: NodeJS.ErrnoException) => {
      // exec.go wrapCmdRunErrorLocked: a missing binary names itself and the installHint.
      if (error.code === 'ENOENT' || error.code === 'EACCES')
        reject(
          new Error(
            `exec: executable ${config.command} not found${config.installHint === undefined ? '' : `: ${config.installHint}`}`,
          ),
        )
      else reject(error)
    })
    child.on('close', (code, signal) => {
      if (code === 0) resolve(Buffer.concat(chunks).toString('utf8'))
      else
        reject(
          new Error(
            `exec: executable ${config.command} failed with ${code === null ? `signal ${signal}` : `exit code ${code}`}`,
          ),
        )
    })
  })
}

/** Validates the plugin's stdout as exec.go does; the token never appears in an error. */
export function parseExecCredential(stdout: string, apiVersion: string): ExecResult {
  let parsed: {apiVersion?: unknown; kind?: unknown; status?: Record<string, unknown>}
  try {
    parsed = JSON.parse(stdout) as typeof parsed
  } catch {
    throw new Error('decoding stdout: the plugin did not print an ExecCredential as JSON')
  }
  if (parsed === null || typeof parsed !== 'object' || parsed.kind !== 'ExecCredential')
    throw new Error('decoding stdout: the plugin did not print an ExecCredential')
  if (parsed.apiVersion !== apiVersion)
    throw new Error(
      `exec plugin is configured to use API version ${apiVersion}, plugin returned version ${String(parsed.apiVersion)}`,
    )
  const status = parsed.status
  if (status === undefined || status === null || typeof status !== 'object')
    throw new Error("exec plugin didn't return a status field")
  return credentialOf(status)
}

function credentialOf(status: Record<string, unknown>): ExecResult {
  const text = (field: string): string | undefined =>
    typeof status[field] === 'string' && status[field] !== '' ? status[field] : undefined
  const token = text('token')
  const cert = text('clientCertificateData')
  const key = text('clientKeyData')
  if (token === undefined && cert === undefined && key === undefined)
    throw new Error("exec plugin didn't return a token or cert/key pair")
  if ((cert === undefined) !== (key === undefined))
    throw new Error('exec plugin returned only certificate or key, not both')
  const expiry = text('expirationTimestamp')
  const expiresAt = expiry === undefined ? undefined : Date.parse(expiry)
  if (expiresAt !== undefined && Number.isNaN(expiresAt))
    throw new Error('decoding stdout: expirationTimestamp is not an RFC 3339 time')
  return {
    ...(token === undefined ? {} : {token}),
    ...(cert === undefined || key === undefined ? {} : {cert: Buffer.from(cert), key: Buffer.from(key)}),
    ...(expiresAt === undefined ? {} : {expiresAt}),
  }
}
