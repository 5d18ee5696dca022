// kubectl conventions in one place: the shared flags, their validation, colour, and how failures become exit codes.
// Commands extend KubeCommand, call `parseKube`, and return their typed result (oclif prints it under --json).
import {Command, Flags} from '@oclif/core'
import {resolveColour} from './colour.js'
import type {ColourMode} from './colour.js'
import {CliFailure, ExitCode, UsageFailure} from './exit-codes.js'
import type {ExitCodeValue} from './exit-codes.js'
import {ApiStatusError, describeSourceError, subjectOfPath} from '../cluster/kube-errors.js'
import {defaultRequestTimeout, parseRequestTimeout} from '../cluster/request-timeout.js'
import {stdoutIsTerminal, writeData, writeDebug, writeError} from './output.js'
import {jsonChunks} from '../render/json-chunks.js'
import {shellQuote} from '../core/verdict/shell-command.js'

export const outputFormats = ['table', 'wide', 'json', 'yaml'] as const
export type OutputFormat = (typeof outputFormats)[number]

const kube = 'KUBERNETES'

/** Flags every kubectl-inject command accepts (`static baseFlags`). */
export const kubeFlags = {
  kubeconfig: Flags.string({
    description: 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config).',
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

/** -o/--output with the formats a command supports (table|wide|json|yaml unless narrowed). */
export const outputFlag = <const T extends readonly string[]>(formats: T) =>
  Flags.option({char: 'o', options: formats, description: `Output format: ${formats.join('|')}.`})()

export interface KubeFlagValues {
  readonly kubeconfig?: string | undefined
  readonly context?: string | undefined
  readonly namespace?: string | undefined
  readonly 'all-namespaces'?: boolean | undefined
  readonly selector?: string | undefined
  readonly 'request-timeout'?: string | undefined
  readonly from?: readonly string[] | undefined
  readonly output?: string | undefined
}

/** Rejects flag combinations that make no sense, naming the flags; undefined when the combination is fine. */
export const validateKubeFlags = (flags: KubeFlagValues, json: boolean): string | undefined => {
  const offline = flags.from !== undefined && flags.from.length > 0
  if (flags.namespace !== undefined && flags['all-namespaces'] === true)
    return '-n/--namespace and -A/--all-namespaces cannot be used together'
  if (offline && flags.kubeconfig !== undefined) return '--from reads files only; --kubeconfig does not apply'
  if (offline && flags.context !== undefined) return '--from reads files only; --context does not apply'
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

/** The user's --kubeconfig/--context, carried into every `kubectl …` a message suggests. */
export interface KubectlTarget {
  readonly kubeconfig?: string | undefined
  readonly context?: string | undefined
}

/** Adds the user's --kubeconfig/--context to the backticked `kubectl …` commands in a message (not to our own plugin). */
export const withKubectlTarget = (text: string, target: KubectlTarget): string =>
  text.replace(/`kubectl ((?!inject-)[^`]*)`/g, (whole, rest: string) => {
    const flags = [
      ...(target.kubeconfig !== undefined && !rest.includes('--kubeconfig')
        ? [`--kubeconfig ${shellQuote(target.kubeconfig)}`]
        : []),
      ...(target.context !== undefined && !rest.includes('--context')
        ? [`--context ${shellQuote(target.context)}`]
        : []),
    ]
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
          : `kubectl get ${subject.resource} -n ${subject.namespace ?? 'default'}`
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
  static override baseFlags = kubeFlags

  #debug = false
  #kubectlTarget: KubectlTarget = {}

  /** Validates the kubectl flag combinations after `this.parse`, and resolves colour and JSON mode. */
  protected settleKubeFlags(
    flags: KubeFlagValues & {readonly color: ColourMode; readonly debug?: boolean | undefined},
  ): {colour: boolean; json: boolean} {
    this.#debug = flags.debug === true
    this.#kubectlTarget = {kubeconfig: flags.kubeconfig, context: flags.context}
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

  // One line and a next step instead of a stack trace; oclif's own catch would also set process.exitCode (a node:test trap).
  protected override async catch(error: Error & {oclif?: {exit?: number | false}}): Promise<never> {
    if (error.name === 'ExitError' || (error as {code?: unknown}).code === 'EEXIT') throw error
    const failure = explainFailure(error, this.id ?? 'inject-check', this.#kubectlTarget)
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
          },
          null,
          2,
        ),
      )
    else writeError(failure.message, failure.hint)
    if (this.#debug && error.stack !== undefined) writeDebug(error.stack)
    return this.exit(failure.exit)
  }
}
