// kubectl inject-diff: what injection does to a pod, as a diff, produced by the cluster's real admission chain.
// parse → read → preview (dry-run, direct or observed) → render → exit like `kubectl diff` (0 same, 1 different, >1 error).
import {scopePreview} from '../src/core/fix-scope.js'
import {Args, Flags} from '@oclif/core'
import {defaultRequestTimeout} from '../src/cluster/request-timeout.js'
import {KubeCommand, connectionOverrides, explainFailure} from '../src/cli/base-command.js'
import type {KubeFlagValues} from '../src/cli/base-command.js'
import {ExitCode, UsageFailure} from '../src/cli/exit-codes.js'
import {writeData, writeError, writeWarning} from '../src/cli/output.js'
import {parseTargetArgs} from '../src/cli/target-args.js'
import type {TargetSpec} from '../src/core/target-spec.js'
import type {PreviewInput} from '../src/cluster/dry-run.js'
import {buildDiffDocument, renderMachineOutput} from '../src/render/pod-diff.js'
import {diffExitCode} from '../src/core/preview/preview.js'
import type {PodPreview} from '../src/core/preview/preview.js'

/** inject-diff's own exit codes; the rest (64, 65, 69, 77) come from the shared CLI base. */
export const DiffExit = {NoDifferences: 0, Differences: 1, PreviewFailed: 2, Unexpected: 70} as const

const diffFormats = ['diff', 'patch', 'yaml', 'json'] as const

const readStdin = async (): Promise<Buffer> => {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin)
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)))
  return Buffer.concat(chunks)
}

const help = "See 'kubectl inject-diff --help' for usage."

/** Pods a selector may match before inject-diff refuses to dry-run them all (raise with --max). */
const maxPods = 20

export default class InjectDiff extends KubeCommand {
  static override summary =
    'Preview exactly what sidecar injection does to a pod, as a diff, through the cluster’s real webhook chain.'

  static override description = `Sends the pod (or a workload's pod template, or a manifest) to the API server as a server-side dry-run create (dryRun=All), so defaulting and every mutating webhook — Istio's injector with its real templates — produce the result. A second dry-run of the same pod opted out with sidecar.istio.io/inject=false removes what the API server changes anyway; --raw shows everything against the input.

An already-injected running pod is compared with the pod a restart would create now: its owner's template (a bare pod: itself without its injection) through the same dry-run, so a newer proxy image or another revision shows as a change.

A TARGET (POD, TYPE/NAME, -f) or -l SELECTOR is required: each pod is one dry-run, so -l previews at most --max pods (default ${maxPods}).

--revision REV previews injection by another revision: through pod label istio.io/rev=REV when the admission engine sees that REV's webhook would select it, else by posting an AdmissionReview to REV's injector through the API server service proxy (needs create on services/proxy). --observed compares a running pod with its controller's template (no request is sent; works offline with --from).

-o patch applies to a running pod as \`kubectl get pod NAME -o yaml\` returns it (its service-account volume and other API-server fields stay); for a workload, a manifest or --raw, to the pod built from the input (the "before" of --json). -o json|yaml|patch print a document also when a preview fails: its InjectionDiff with the failure, as --json does.

Nothing is written: the only POSTs are dryRun=All creates, SelfSubjectAccessReviews and (for --revision) the AdmissionReview to the injector's /inject through the service proxy.

Exit codes (like kubectl diff): 0 no differences, 1 differences found, 2 a preview failed (webhook unreachable, timeout, x509, denied; no route for --revision; no controller for --observed), 64 usage, 65 input file error, 66 target not found, 69 cluster unreachable, 70 unexpected error, 77 unauthorized.`

  static override examples = [
    {
      description: 'What would injection add to this Deployment’s pods (works with zero pods)?',
      command: 'kubectl inject-diff deploy/web -n shop',
    },
    {
      description: 'Preview a manifest before applying it, as a JSON Patch.',
      command: 'kubectl inject-diff -f k8s/web.yaml -n shop -o patch',
    },
    {
      description: 'What would revision 1-27 inject (even where nothing selects it today)?',
      command: 'kubectl inject-diff deploy/web -n shop --revision 1-27',
    },
    {
      description: 'What did admission really do to a running pod?',
      command: 'kubectl inject-diff web-7c9d8f6b5-mmtn9 -n shop --observed',
    },
    {
      description: 'The same, offline from saved objects.',
      command: 'kubectl inject-diff web-7c9d8f6b5-mmtn9 -n shop --observed --from examples/demo-cluster',
    },
  ]

  static override args = {
    target: Args.string({
      description: 'POD, or TYPE/NAME (deploy/web, sts/db, ds/agent, rs/, job/, cronjob/)',
      required: false,
      ignoreStdin: true,
    }),
    name: Args.string({
      description: 'NAME when TYPE is given separately',
      required: false,
      ignoreStdin: true,
    }),
  }

  static override flags = {
    output: Flags.option({
      char: 'o',
      options: diffFormats,
      default: 'diff',
      description:
        'diff (readable), patch (RFC 6902 JSON Patch, no status; base: a running pod as `kubectl get pod -o yaml` returns it, else the pod built from the input), yaml|json (the resulting pod). A failed preview prints its InjectionDiff document with the failure instead.',
    })(),
    filename: Flags.string({
      char: 'f',
      description: 'Preview manifests (FILE, DIR or - for stdin) not applied yet. Repeatable.',
      multiple: true,
      multipleNonGreedy: true,
      helpGroup: 'INPUT',
    }),
    recursive: Flags.boolean({
      char: 'R',
      description:
        'Read -f directories recursively (as kubectl -R); by default only the files directly inside.',
      helpGroup: 'INPUT',
    }),
    revision: Flags.string({
      description: 'What-if: preview injection by this Istio revision or tag.',
      helpGroup: 'WHAT-IF',
    }),
    observed: Flags.boolean({
      description:
        "Diff the owner's pod template against the running pod, both with API-server defaults (what admission webhooks really did; what the controller and built-in admission plugins add is not shown as a change).",
      default: false,
    }),
    raw: Flags.boolean({
      description:
        'Show every change against the input, API-server defaulting and generated fields included.',
      default: false,
    }),
    // Same names as the shared kubectl flags, with what they mean for inject-diff (one dry-run per pod).
    'all-namespaces': Flags.boolean({
      char: 'A',
      description: 'With -l: preview the matching pods of all namespaces (with --observed: every pod).',
      helpGroup: 'KUBERNETES',
    }),
    selector: Flags.string({
      char: 'l',
      description:
        'Preview the pods matching this label selector, kubectl syntax (e.g. app=web); at most --max pods.',
      helpGroup: 'KUBERNETES',
    }),
    max: Flags.integer({
      description: 'With -l: preview at most this many pods (each one is a server-side dry-run).',
      default: maxPods,
      min: 1,
    }),
  }

  protected override async catch(error: Error & {oclif?: {exit?: number | false}}): Promise<never> {
    if (error.name === 'ExitError' || (error as {code?: unknown}).code === 'EEXIT') throw error
    const failure = explainFailure(error, 'inject-diff')
    // Exit 1 means "differences found" here, so an unexpected failure exits 70 (EX_SOFTWARE) instead.
    if (failure.exit !== ExitCode.Unexpected) return super.catch(error)
    if (this.jsonEnabled())
      writeData(JSON.stringify({error: {message: failure.message, exit: DiffExit.Unexpected}}, null, 2))
    writeError(failure.message, failure.hint)
    return this.exit(DiffExit.Unexpected)
  }

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(InjectDiff)
    const {colour, json} = this.settleKubeFlags({
      ...flags,
      output: flags.output === 'json' ? 'json' : undefined,
    })
    const targetArgs = [args.target, args.name].filter((a): a is string => a !== undefined)
    const manifests = flags.filename ?? []
    const offline = (flags.from ?? []).length > 0
    if (json && flags.output !== 'diff' && flags.output !== 'json')
      throw new UsageFailure(`--json and -o ${flags.output} cannot be used together`, help)
    if (flags.observed && manifests.length > 0)
      throw new UsageFailure(
        '--observed compares running pods with their templates; -f manifests have no running pod',
        help,
      )
    if (flags.observed && flags.revision !== undefined)
      throw new UsageFailure(
        '--observed shows what happened; --revision previews what would happen: use one',
        help,
      )
    if (offline && !flags.observed)
      throw new UsageFailure(
        '--from works only with --observed: a preview needs the cluster’s admission chain',
        help,
      )
    if (manifests.length > 0 && targetArgs.length > 0)
      throw new UsageFailure('give either -f manifests or a TARGET, not both', help)
    // A preview is one dry-run per pod: a whole namespace (or cluster) is never previewed by accident.
    const bareType = targetArgs.length === 1 && /^(po|pod|pods)$/i.test(targetArgs[0] ?? '')
    if (
      !flags.observed &&
      manifests.length === 0 &&
      (targetArgs.length === 0 || bareType) &&
      flags.selector === undefined
    )
      throw new UsageFailure(
        `inject-diff needs a target: POD, TYPE/NAME (deploy/web), -f FILE, or -l SELECTOR (at most --max ${flags.max} pods)${flags['all-namespaces'] ? '; -A alone would dry-run every pod of the cluster' : ''}`,
        help,
      )

    const previews = (
      offline
        ? await this.observeOffline(flags, targetArgs)
        : await this.previewLive(flags, targetArgs, manifests, json || flags.output !== 'diff')
    ).map((p) => scopePreview(p, this.clusterFlags))
    const code = diffExitCode(previews)
    if (json) {
      const document = buildDiffDocument(previews)
      if (code === 0) return document
      writeData(JSON.stringify(document, null, 2))
      return this.exit(code)
    }
    if (previews.length === 0) writeWarning('no pods to preview')
    if (flags.output === 'diff') {
      const [{podDelta}, {renderPodDiff}] = await Promise.all([
        import('../src/core/preview/delta.js'),
        import('../src/render/pod-diff.js'),
      ])
      if (previews.length > 0)
        writeData(
          previews
            .map((p) =>
              renderPodDiff(p, p.failure === null ? podDelta(p.before, p.after) : undefined, {colour}),
            )
            .join('\n\n'),
        )
    } else {
      for (const preview of previews) {
        for (const warning of preview.warnings)
          writeWarning(`${preview.subject.namespace}/${preview.subject.name}: ${warning.message}`)
        if (preview.failure !== null)
          writeError(
            `${preview.subject.namespace}/${preview.subject.name}: ${preview.failure.message}`,
            `${preview.failure.diagnosis} — ${preview.failure.hint}`,
          )
      }
      const text = renderMachineOutput(previews, flags.output)
      if (text !== '') writeData(text)
    }
    if (code !== 0) return this.exit(code)
    return undefined
  }

  private resolveTarget(
    targetArgs: readonly string[],
    namespace: string,
    flags: {'all-namespaces'?: boolean; selector?: string | undefined},
  ): TargetSpec {
    const parsed = parseTargetArgs(targetArgs, {
      namespace,
      allNamespaces: flags['all-namespaces'] === true,
      selector: flags.selector,
    })
    if (!parsed.ok) throw new UsageFailure(parsed.error.replace('inject-check', 'inject-diff'), help)
    if (parsed.target.kind === 'namespace')
      throw new UsageFailure(
        'inject-diff previews pods: name a pod, a workload (deploy/NAME, …) or -f manifests',
        help,
      )
    return parsed.target
  }

  private async observeOffline(
    flags: {
      from?: string[] | undefined
      namespace?: string | undefined
      'all-namespaces'?: boolean
      selector?: string | undefined
      raw: boolean
    },
    targetArgs: readonly string[],
  ): Promise<PodPreview[]> {
    const target = this.resolveTarget(targetArgs, flags.namespace ?? 'default', flags)
    if (target.kind !== 'pod' && target.kind !== 'sweep')
      throw new UsageFailure('--observed takes pods (POD, -l, -A), not workloads', help)
    const [{readFileEntries}, {observeFromObjects}] = await Promise.all([
      import('../src/cluster/file-source.js'),
      import('../src/core/preview/observed.js'),
    ])
    const entries = []
    for (const path of flags.from ?? [])
      entries.push(...(await readFileEntries(path)).entries.map((e) => e.object))
    const previews = observeFromObjects(entries, target, flags.raw)
    if (target.kind === 'pod' && previews.length === 0) {
      const {CliFailure} = await import('../src/cli/exit-codes.js')
      throw new CliFailure(
        `pods "${target.name}" not found in namespace "${target.namespace}" in the --from input`,
        ExitCode.InputFile,
        'Add the pod and its ReplicaSet (kubectl get pod,rs -o yaml) to the input files.',
      )
    }
    return previews
  }

  private async previewLive(
    flags: KubeFlagValues & {
      'all-namespaces'?: boolean
      selector?: string | undefined
      revision?: string | undefined
      observed: boolean
      raw: boolean
      max: number
      recursive: boolean
    },
    targetArgs: readonly string[],
    manifests: readonly string[],
    machine: boolean,
  ): Promise<PodPreview[]> {
    const [
      {resolveConnection},
      {openLiveConnection, readLiveSnapshot},
      {parseRequestTimeout},
      dryRun,
      {startProgress},
    ] = await Promise.all([
      import('../src/cluster/kubeconfig.js'),
      import('../src/cluster/live-source.js'),
      import('../src/cluster/transport.js'),
      import('../src/cluster/dry-run.js'),
      import('../src/cli/spinner.js'),
    ])
    const connection = await resolveConnection({
      kubeconfig: flags.kubeconfig,
      context: flags.context,
      namespace: flags.namespace,
      overrides: connectionOverrides(flags),
    })
    const live = openLiveConnection(connection, {
      timeoutMs: parseRequestTimeout(flags['request-timeout'] ?? defaultRequestTimeout),
      debug: this.debugLog,
      pageSize: flags['chunk-size'],
    })
    const progress = await startProgress(`Previewing on ${connection.contextName}`, machine)
    try {
      let inputs: PreviewInput[]
      if (manifests.length > 0) {
        const {readManifestTargets} = await import('../src/cluster/manifest-reader.js')
        const {podFromPod, podFromTemplate} = await import('../src/core/preview/pod-builder.js')
        const read = await readManifestTargets(manifests, connection.namespace, readStdin, {
          recursive: flags.recursive,
          warn: writeWarning,
        })
        for (const skipped of read.skipped)
          writeWarning(
            `${skipped.source}: ${skipped.kind} ${skipped.name} is not a pod or a workload; skipped`,
          )
        inputs = [
          ...read.workloads.map((w) => ({
            subject: {
              kind: w.kind,
              namespace: w.namespace,
              name: w.name,
              ...(w.source === undefined ? {} : {source: w.source}),
            },
            pod: podFromTemplate(w.kind, w.name, w.namespace, w.template.object ?? {}),
          })),
          ...read.pods.map((p) => ({
            subject: {
              kind: 'Pod',
              namespace: p.namespace,
              name: p.name,
              ...(p.source === undefined ? {} : {source: p.source}),
            },
            pod: podFromPod(p.object ?? {}, p.namespace),
          })),
        ]
      } else {
        const target = this.resolveTarget(targetArgs, connection.namespace, flags)
        if (flags.observed) {
          if (target.kind !== 'pod' && target.kind !== 'sweep')
            throw new UsageFailure('--observed takes pods (POD, -l, -A), not workloads', help)
          return await dryRun.observeLive(live.transport, target, flags.raw)
        }
        try {
          inputs = await dryRun.readLivePreviewInputs(live.transport, target, {max: flags.max})
        } catch (error) {
          if (!(error instanceof dryRun.TooManyPods)) throw error
          throw new UsageFailure(
            `-l ${flags.selector ?? ''} matches ${error.count} pods; inject-diff dry-runs each one: narrow the selector, or pass --max ${error.count}`,
            help,
          )
        }
      }
      const namespaces = [...new Set(inputs.map((i) => i.subject.namespace))].sort()
      const snapshot = await readLiveSnapshot(live, {kind: 'manifests', namespaces})
      const previews: PodPreview[] = []
      for (const input of inputs) {
        progress.update(`Dry-run ${input.subject.namespace}/${input.subject.name}`)
        previews.push(
          await dryRun.previewInput(live.transport, snapshot, input, {
            raw: flags.raw,
            ...(flags.revision === undefined ? {} : {revision: flags.revision}),
          }),
        )
      }
      return previews
    } finally {
      progress.stop()
      live.transport.close()
    }
  }
}
