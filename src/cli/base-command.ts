// kubectl conventions in one place: the shared flags, their validation, colour, and how failures become exit codes.
// Commands extend KubeCommand, call `parseKube`, and return their typed result (oclif prints it under --json).
import {Command, Flags} from '@oclif/core'
import type {Interfaces} from '@oclif/core'
import {resolveColour} from './colour.js'
import type {ColourMode} from './colour.js'
import {CliFailure, ExitCode, UsageFailure} from './exit-codes.js'
import type {ExitCodeValue} from './exit-codes.js'
import type {ConnectionOverrides} from '../cluster/kubeconfig.js'
import {ApiStatusError, describeSourceError, subjectOfPath} from '../cluster/kube-errors.js'
import {defaultRequestTimeout, parseRequestTimeout} from '../cluster/request-timeout.js'
import {stdoutIsTerminal, writeData, writeDebug, writeError} from './output.js'
import {jsonChunks} from '../render/json-chunks.js'
import {clusterFlagWords, sh} from '../core/verdict/shell-command.js'
import {booleanFlagNames, normalizeKubectlArgv} from './kubectl-argv.js'

export const outputFormats = ['table', 'wide', 'json', 'yaml'] as const
export type OutputFormat = (typeof outputFormats)[number]

const kube = 'KUBERNETES'

/** Flags every kubectl-inject command accepts (`static baseFlags`). */
export const kubeFlags = {
  kubeconfig: Flags.string({
    description:
      'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config). Exec credential plugins, proxy-url, HTTPS_PROXY/NO_PROXY and HTTP/2 (DISABLE_HTTP2 to turn it off) apply as in kubectl.',
    helpGroup: kube,
  }),
  context: Flags.string({description: 'Name of the kubeconfig context to use.', helpGroup: kube}),
  namespace: Flags.string({
    char: 'n',
    description: "Namespace of the target (default: the context's namespace).",
    helpGroup: kube,
  }),
  'all-namespaces': Flags.boolean({char: 'A', description: 'Check pods in all namespaces.', helpGroup: kube}),
  selector: Flags.string({
    char: 'l',
    description: 'Label selector over pods, kubectl syntax (e.g. app=web,tier!=db).',
    helpGroup: kube,
  }),
  'request-timeout': Flags.string({
    description: 'Time to wait for each API request (e.g. 5s, 1m; 0 = no timeout).',
    default: defaultRequestTimeout,
    helpGroup: kube,
  }),
  server: Flags.string({
    char: 's',
    description: 'The address and port of the Kubernetes API server (overrides the kubeconfig cluster).',
    helpGroup: kube,
  }),
  cluster: Flags.string({description: 'The name of the kubeconfig cluster to use.', helpGroup: kube}),
  user: Flags.string({description: 'The name of the kubeconfig user to use.', helpGroup: kube}),
  token: Flags.string({
    description: 'Bearer token for authentication to the API server (never printed).',
    helpGroup: kube,
  }),
  'certificate-authority': Flags.string({
    description: 'Path to a cert file for the certificate authority.',
    helpGroup: kube,
  }),
  'insecure-skip-tls-verify': Flags.boolean({
    description: "Don't check the server's certificate (insecure).",
    helpGroup: kube,
  }),
  'tls-server-name': Flags.string({
    description: 'Server name for certificate validation (default: the server host).',
    helpGroup: kube,
  }),
  as: Flags.string({description: 'Username to impersonate for the requests.', helpGroup: kube}),
  'as-group': Flags.string({
    description: 'Group to impersonate for the requests (repeatable; needs --as).',
    multiple: true,
    multipleNonGreedy: true,
    helpGroup: kube,
  }),
  'chunk-size': Flags.integer({
    description: 'List pods and workloads in pages of this size (0 = no paging).',
    default: 500,
    min: 0,
    helpGroup: kube,
  }),
  from: Flags.string({
    description:
      'Read the cluster from files instead of the API: YAML (1.1, as kubectl reads it)/JSON, kubectl get -o yaml output, directories, support bundles (.tar.gz, .tar, .zip, also nested). Repeatable.',
    multiple: true,
    multipleNonGreedy: true,
    helpGroup: 'INPUT',
  }),
  color: Flags.option({
    options: ['auto', 'always', 'never'] as const,
    default: 'auto',
    description: 'Colour the output (auto honours NO_COLOR and the terminal).',
  })(),
  debug: Flags.boolean({
    description:
      'Print each API request (method, path, status, timing) to stderr; credentials are never printed.',
  }),
}

export interface KubeFlagValues {
  readonly kubeconfig?: string | undefined
  readonly context?: string | undefined
  readonly namespace?: string | undefined
  readonly 'all-namespaces'?: boolean | undefined
  readonly selector?: string | undefined
  readonly 'request-timeout'?: string | undefined
  readonly from?: readonly string[] | undefined
  readonly output?: string | undefined
  readonly server?: string | undefined
  readonly cluster?: string | undefined
  readonly user?: string | undefined
  readonly token?: string | undefined
  readonly 'certificate-authority'?: string | undefined
  readonly 'insecure-skip-tls-verify'?: boolean | undefined
  readonly 'tls-server-name'?: string | undefined
  readonly as?: string | undefined
  readonly 'as-group'?: readonly string[] | undefined
  readonly 'chunk-size'?: number | undefined
}

/** The connection flags as client-go's overrides of the kubeconfig. */
export const connectionOverrides = (flags: KubeFlagValues): ConnectionOverrides => ({
  server: flags.server,
  cluster: flags.cluster,
  user: flags.user,
  token: flags.token,
  certificateAuthority: flags['certificate-authority'],
  insecureSkipTlsVerify: flags['insecure-skip-tls-verify'],
  tlsServerName: flags['tls-server-name'],
  as: flags.as,
  asGroups: flags['as-group'],
})

const liveOnlyFlags = [
  'kubeconfig',
  'context',
  'server',
  'cluster',
  'user',
  'token',
  'certificate-authority',
  'insecure-skip-tls-verify',
  'tls-server-name',
  'as',
  'as-group',
] as const

/** Rejects flag combinations that make no sense, naming the flags; undefined when the combination is fine. */
export const validateKubeFlags = (flags: KubeFlagValues, json: boolean): string | undefined => {
  const offline = flags.from !== undefined && flags.from.length > 0
  const live = liveOnlyFlags.find((name) => {
    const value = flags[name]
    return value !== undefined && value !== false && !(Array.isArray(value) && value.length === 0)
  })
  if (offline && live !== undefined) return `--from reads files only; --${live} does not apply`
  if (flags.server !== undefined && !/^https?:\/\//.test(flags.server) && flags.server !== '')
    return `invalid --server "${flags.server}": use the API server's URL, e.g. https://10.0.0.1:6443`
  if (json && flags.output !== undefined && flags.output !== 'json')
    return `--json and -o/--output=${flags.output} cannot be used together`
  if (flags['request-timeout'] !== undefined && !isRequestTimeout(flags['request-timeout'])) {
    return `invalid --request-timeout "${flags['request-timeout']}": use a number with a unit (5s, 2m, 1h) or 0`
  }
  return undefined
}

// Validated with the transport's own parser, so every value the flag accepts is one the requests honour.
const isRequestTimeout = (text: string): boolean => {
  try {
    parseRequestTimeout(text)
    return true
  } catch {
    return false
  }
}

export interface ExplainedFailure {
  readonly message: string
  readonly hint?: string
  readonly exit: ExitCodeValue
}

/** What --json prints instead of a document when the command fails (schemas/error.schema.json). */
export interface ErrorDocument {
  /** exit: inject-check's codes, or inject-diff's (70 for an unexpected failure, since its 1 means "differences"). */
  readonly error: {readonly message: string; readonly hint?: string; readonly exit: number}
}

/** The user's --kubeconfig/--context, carried into every `kubectl …` a message suggests. */
export interface KubectlTarget {
  readonly kubeconfig?: string | undefined
  readonly context?: string | undefined
  readonly as?: string | undefined
  readonly asGroups?: readonly string[] | undefined
}

/** Adds the user's --kubeconfig/--context to the backticked `kubectl …` commands in a message (not to our own plugin). */
export const withKubectlTarget = (text: string, target: KubectlTarget): string =>
  text.replace(/`kubectl ((?!inject-)[^`]*)`/g, (whole, rest: string) => {
    const flags = clusterFlagWords({
      ...(rest.includes('--kubeconfig') ? {} : {kubeconfig: target.kubeconfig}),
      ...(rest.includes('--context') ? {} : {context: target.context}),
      ...(/--as\b/.test(rest) ? {} : {as: target.as, asGroups: target.asGroups}),
    })
    return flags.length === 0 ? whole : `\`kubectl ${flags.join(' ')} ${rest}\``
  })

/** Maps any thrown value to one line, a next step and an exit code; a stack trace is never part of it. */
export const explainFailure = (
  error: unknown,
  commandId: string,
  target: KubectlTarget = {},
): ExplainedFailure => {
  const explained = explainFailureText(error, commandId)
  return {
    ...explained,
    message: withKubectlTarget(explained.message, target),
    ...(explained.hint === undefined ? {} : {hint: withKubectlTarget(explained.hint, target)}),
  }
}

const explainFailureText = (error: unknown, commandId: string): ExplainedFailure => {
  const help = `See 'kubectl ${commandId} --help' for usage.`
  if (error instanceof CliFailure)
    return {message: error.message, exit: error.exit, ...(error.hint === undefined ? {} : {hint: error.hint})}
  // oclif parse failures (unknown flag, bad option value, missing argument) carry exit 2; kubectl plugins use 64.
  const oclifExit = (error as {oclif?: {exit?: unknown}} | null)?.oclif?.exit
  if (oclifExit === 2) {
    const message = (error instanceof Error ? error.message : String(error))
      .replace(/\n?See more help with --help\s*$/, '')
      .trim()
    return {message, hint: help, exit: ExitCode.Usage}
  }
  // A missing target is the one status message without a next step of its own.
  if (error instanceof ApiStatusError && error.status.code === 404 && error.method === 'GET') {
    const subject = subjectOfPath(error.method, error.path)
    if (subject.name !== undefined) {
      const list =
        subject.resource === 'namespaces'
          ? 'kubectl get namespaces'
          : sh`kubectl get ${subject.resource} -n ${subject.namespace ?? 'default'}`
      return {message: error.message, hint: `Check the name and namespace: ${list}`, exit: error.exitCode}
    }
  }
  // Source errors already end with their next step (`… — check with kubectl auth can-i …`).
  const described = describeSourceError(error)
  if (described.exitCode === ExitCode.Usage)
    return {message: described.message, hint: help, exit: ExitCode.Usage}
  if (described.exitCode === ExitCode.Unexpected) {
    return {
      message: described.message,
      hint: 'Re-run with --debug for the stack trace, and report it if it persists.',
      exit: ExitCode.Unexpected,
    }
  }
  return {message: described.message, exit: described.exitCode}
}

/** The oclif base command for kubectl-inject commands. */
export abstract class KubeCommand extends Command {
  static override enableJsonFlag = true
  // --version prints oclif's user agent (name/version platform node); kubectl passes it through to the plugin.
  static override baseFlags = {
    ...kubeFlags,
    version: Flags.version({description: 'Print the version and exit.'}),
  }

  #debug = false
  #logLevel = 0
  #kubectlTarget: KubectlTarget = {}

  // pflag spellings first (`--debug=false`, `-v=6`), so oclif never reads them as a value or a target.
  protected override async parse<
    F extends Record<string, unknown>,
    B extends Record<string, unknown>,
    A extends Record<string, unknown>,
  >(
    options?: Interfaces.Input<F, B, A>,
    argv: string[] = this.argv,
  ): Promise<Interfaces.ParserOutput<F, B, A>> {
    const table = {
      json: {type: 'boolean'},
      ...(options?.baseFlags ?? {}),
      ...(options?.flags ?? {}),
    } as Record<string, {type?: string; char?: string}>
    const normalized = normalizeKubectlArgv(argv, booleanFlagNames(table))
    if (!normalized.ok)
      throw new UsageFailure(normalized.error, `See 'kubectl ${this.id ?? ''} --help' for usage.`)
    this.#logLevel = normalized.logLevel ?? 0
    return super.parse(options, normalized.argv)
  }

  /** Validates the kubectl flag combinations after `this.parse`, and resolves colour and JSON mode. */
  protected settleKubeFlags(
    flags: KubeFlagValues & {readonly color: ColourMode; readonly debug?: boolean | undefined},
  ): {colour: boolean; json: boolean} {
    // kubectl -v=6 and above log each request, as --debug does.
    this.#debug = flags.debug === true || this.#logLevel >= 6
    this.#kubectlTarget = {
      kubeconfig: flags.kubeconfig,
      context: flags.context,
      as: flags.as,
      asGroups: flags['as-group'],
    }
    const json = this.jsonEnabled()
    const problem = validateKubeFlags(flags, json)
    if (problem !== undefined)
      throw new UsageFailure(problem, `See 'kubectl ${this.id ?? ''} --help' for usage.`)
    return {colour: resolveColour(flags.color, {env: process.env, isTTY: stdoutIsTerminal()}), json}
  }

  /** The cluster the user chose (--kubeconfig/--context): fixes carry the same flags. */
  protected get clusterFlags(): KubectlTarget {
    return this.#kubectlTarget
  }

  /** Debug trace writer for sources; silent unless --debug. */
  protected get debugLog(): ((message: string) => void) | undefined {
    return this.#debug ? writeDebug : undefined
  }

  // oclif prints the run() result under --json through logJson; route it through the one stdout writer, uncoloured.
  protected override logJson(json: unknown): void {
    writeData(jsonChunks(json))
  }

  /** The exit code of an unexpected failure (inject-diff: 70, since its 1 means "differences found"). */
  protected get unexpectedExit(): number {
    return ExitCode.Unexpected
  }

  // One line and a next step instead of a stack trace; oclif's own catch would also set process.exitCode (a node:test trap).
  protected override async catch(error: Error & {oclif?: {exit?: number | false}}): Promise<never> {
    if (error.name === 'ExitError' || (error as {code?: unknown}).code === 'EEXIT') throw error
    const explained = explainFailure(error, this.id ?? 'inject-check', this.#kubectlTarget)
    const failure = {
      ...explained,
      exit: explained.exit === ExitCode.Unexpected ? this.unexpectedExit : explained.exit,
    }
    // Under --json the error is said once, as JSON on stdout (what a script parses); otherwise once on stderr.
    if (this.jsonEnabled())
      writeData(
        JSON.stringify(
          {
            error: {
              message: failure.message,
              ...(failure.hint === undefined ? {} : {hint: failure.hint}),
              exit: failure.exit,
            },
          } satisfies ErrorDocument,
          null,
          2,
        ),
      )
    else writeError(failure.message, failure.hint)
    if (this.#debug && error.stack !== undefined) writeDebug(error.stack)
    return this.exit(failure.exit)
  }
}
