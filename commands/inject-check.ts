// kubectl inject-check: will Istio inject the istio-proxy sidecar here, which webhook and revision decide, and the fix.
// A short story: parse → read → decide → render → return; the logic lives in src/.
import {withClusterFlags} from '../src/core/verdict/shell-command.js'
import {Args, Flags} from '@oclif/core'
import {KubeCommand} from '../src/cli/base-command.js'
import {
  compactSources,
  emptyNotice,
  failOnMatched,
  failOnReport,
  gapWarnings,
  healthFooter,
  renderCheckOutput,
  targetLabels,
} from '../src/cli/check-output.js'
import {
  connectLive,
  pathExists,
  readCheckInput,
  resolvePrinter,
  resolveTarget,
} from '../src/cli/check-input.js'
import {assess, judge} from '../src/cli/check-judge.js'
import type {CheckInput, ConnectionFlags} from '../src/cli/check-input.js'
import {checkOutputFormats, planCheck} from '../src/cli/check-plan.js'
import {fleetFlags} from '../src/cli/fleet-flags.js'
import type {CheckPlan} from '../src/cli/check-plan.js'
import {CliFailure, ExitCode, UsageFailure} from '../src/cli/exit-codes.js'
import {terminalWidth, writeData, writeError, writeNotice, writeWarning} from '../src/cli/output.js'
import {failOnConditions} from '../src/core/verdict/summary.js'
import type {InjectionReport} from '../src/render/report-document.js'

export default class InjectCheck extends KubeCommand {
  static override summary =
    'Explain whether Istio injects the istio-proxy sidecar, which webhook and revision decide, and the fix.'

  static override description = `Evaluates both layers exactly as the cluster would: the API server's webhook selection (namespaceSelector, objectSelector, rules, matchConditions) and istiod's injection policy (hostNetwork, ignored namespaces, sidecar.istio.io/inject, never/alwaysInjectSelector, policy). Existing pods are compared with what a pod created now would get (needs restart, unexpected sidecar, revision drift).

TARGET is a pod name, TYPE/NAME or TYPE NAME: pod/, deploy/, sts/, ds/, rs/, rc/, job/, cronjob/ (cj/), ns/, also kubectl's plural and TYPE.GROUP forms (deployments.apps/web, cronjobs.batch/nightly). Without a target (or with "pods"), every pod in the namespace (or -A, -l) is listed; another TYPE alone (deployments, sts, ds, rs, jobs, cj, ns) lists every object of that kind in scope with its template verdict, -l selecting by the objects' own labels. -f judges manifests instead; with -l only those whose pod (template) labels match. Nothing in the cluster is changed: every request is a read.

--health shows the injector webhooks' health instead: for every Istio webhook the Service → port → endpoints chain, caBundle, failurePolicy, foreign selector terms and ordering; FailedCreate events classified with platform hints; stale proxies; and the restart plan (drifted pods grouped by owner, with the kubectl rollout restart commands in a safe order). -o markdown writes the same as a support-ticket report. --collect FILE.tar.gz saves what the checks read (redacted) for --from.

Several contexts (--context repeated, --all-contexts, --context-selector) are read concurrently, each with its own credentials and timeout; a CONTEXT column is added, and a context that cannot be read is named on stderr without stopping the others.

Exit codes: 0 ran (whatever the verdicts), 1 unexpected error, 64 usage, 65 input file error, 66 target not found, 69 cluster unreachable, 77 unauthorized, 79 a --fail-on condition matched. Several contexts: 77 if any was refused, else 69 if any was unreachable, else 79 if --fail-on matched.`

  static override examples = [
    {
      description: 'Explain one pod: the verdict, the decision trail and the fix.',
      command: 'kubectl inject-check web-7c9d8f6b5-mmtn9 -n shop',
    },
    {
      description: 'A Deployment, even with zero pods (its template is judged as a pod created now).',
      command: 'kubectl inject-check deploy/web -n shop',
    },
    {
      description: 'Would a new pod in this namespace be injected, and by which revision?',
      command: 'kubectl inject-check ns/shop',
    },
    {
      description:
        'Every Deployment in every namespace, each judged by its pod template (as kubectl get deployments).',
      command: 'kubectl inject-check deployments -A',
    },
    {
      description: 'Every pod in every namespace, with the webhook column.',
      command: 'kubectl inject-check -A -o wide',
    },
    {
      description: 'What if the namespace moved to the prod revision tag?',
      command:
        'kubectl inject-check deploy/web -n shop --namespace-labels istio.io/rev=prod,istio-injection-',
    },
    {
      description: 'Label the namespace, restart, and watch each pod’s verdict change (Ctrl-C ends).',
      command: 'kubectl inject-check -n shop -w',
    },
    {
      description: 'Scripts: the running pods that need a restart, one namespace/name per line.',
      command:
        'kubectl inject-check -A --field-selector status.phase=Running -o jsonpath=\'{range .items[?(@.reason=="NeedsRestart")]}{.namespace}/{.name}{"\\n"}{end}\'',
    },
    {
      description: 'Custom columns, sorted, without headers; or kubectl-style names.',
      command:
        'kubectl inject-check -A -o custom-columns=NS:.namespace,NAME:.name,REASON:.reason --sort-by .reason --no-headers',
    },
    {
      description: 'Judge manifests before applying them; fail CI when any would run without a sidecar.',
      command: 'kubectl inject-check -f k8s/ -n shop --fail-on not-injected',
    },
    {
      description: 'Offline, from saved kubectl output or a support bundle.',
      command: 'kubectl inject-check -A --from cluster-dump/ -o json',
    },
    {
      description: 'Are the injector webhooks healthy, what failed, and what to restart in which order?',
      command: 'kubectl inject-check -A --health',
    },
    {
      description: 'The same from an istioctl bug report, as a Markdown report for a support ticket.',
      command: 'kubectl inject-check -A --from bug-report.tar.gz -o markdown > injection-report.md',
    },
    {
      description:
        'Every cluster of the kubeconfig in one table (CONTEXT column), 8 at a time; unreachable ones are named.',
      command: 'kubectl inject-check -A --all-contexts',
    },
    {
      description:
        'CI over the production clusters: fail when any pod in any of them runs without a sidecar.',
      command: "kubectl inject-check -A --context-selector 'prod-*' --fail-on not-injected",
    },
    {
      description:
        'One bundle for the whole fleet (a folder per context), read back offline with the context names.',
      command:
        'kubectl inject-check -A --all-contexts --collect fleet.tar.gz && kubectl inject-check -A --from fleet.tar.gz',
    },
    {
      description: 'Save a redacted support bundle of namespace shop, then read it back offline.',
      command:
        'kubectl inject-check -n shop --collect shop-bundle.tar.gz && kubectl inject-check -n shop --from shop-bundle.tar.gz',
    },
  ]

  static override args = {
    // ignoreStdin: oclif would otherwise read piped stdin as the argument, which belongs to `-f -`.
    target: Args.string({
      description:
        'POD, TYPE/NAME (deploy/web, deployments.apps/web, sts/db, ns/shop), or a TYPE alone (pods, deployments)',
      required: false,
      ignoreStdin: true,
    }),
    name: Args.string({
      description: 'NAME when TYPE is given separately (kubectl inject-check deployment web)',
      required: false,
      ignoreStdin: true,
    }),
  }

  static override flags = {
    ...fleetFlags({
      context:
        'Name of the kubeconfig context to use; repeat it to check several contexts in one run (fleet).',
      allContexts:
        'Check every context of the merged kubeconfig (KUBECONFIG files or --kubeconfig) concurrently; a CONTEXT column is added.',
    }),
    output: Flags.string({
      char: 'o',
      description: `Output format: ${checkOutputFormats.join('|')}|jsonpath=TEMPLATE|jsonpath-file=FILE|custom-columns=HEADER:PATH,… (JSONPath over the -o json document; custom-columns over its items).`,
    }),
    'no-headers': Flags.boolean({
      description: 'Table and custom-columns: print the rows only (no header, no counts line).',
    }),
    'label-columns': Flags.string({
      char: 'L',
      description: 'Show these pod (template) label keys as columns (k1,k2; repeatable).',
      multiple: true,
      multipleNonGreedy: true,
    }),
    watch: Flags.boolean({
      char: 'w',
      description:
        'After the table, follow new pods, FailedCreate events and namespace, webhook and injector changes (watch API) and print each changed verdict row; Ctrl-C ends (exit 0). Live sweeps only.',
    }),
    'sort-by': Flags.string({
      description: 'Sort the targets by a JSONPath over each -o json item (e.g. .reason, .namespace).',
    }),
    filename: Flags.string({
      char: 'f',
      description:
        'Judge manifests (FILE, DIR or - for stdin; YAML read as kubectl reads it) as if applied now. Repeatable.',
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
    'field-selector': Flags.string({
      description:
        'Select pods by fields, kubectl syntax (status.phase=Running,spec.nodeName!=n1); live the API server evaluates it, --from evaluates metadata.name, metadata.namespace, spec.nodeName, spec.restartPolicy, spec.serviceAccountName, spec.hostNetwork, status.phase. Lists pods only.',
    }),
    'namespace-labels': Flags.string({
      description: 'What-if: evaluate with these namespace label edits (k=v,k2-).',
      helpGroup: 'WHAT-IF',
    }),
    'pod-labels': Flags.string({
      description: 'What-if: evaluate with these pod (template) label edits (k=v,k2-).',
      helpGroup: 'WHAT-IF',
    }),
    'fail-on': Flags.string({
      description: `Exit 79 when any target matches: ${failOnConditions.join(', ')} (comma list). An input with no target fails too.`,
      multiple: true,
      // Non-greedy: `--fail-on reject deploy/web` leaves deploy/web to the target argument.
      multipleNonGreedy: true,
    }),
    verbose: Flags.boolean({
      char: 'v',
      description: "One target's trail with every webhook's checks (default: only the path that decided).",
    }),
    health: Flags.boolean({
      description:
        'Show injector webhook health: service chain, endpoints, caBundle, failurePolicy, failed pod creations, stale proxies and the restart plan.',
    }),
    collect: Flags.string({
      description:
        'Write a support bundle (.tar.gz) of what the checks read, with health data, for --from; stdout stays empty.',
      helpValue: 'FILE.tar.gz',
      helpGroup: 'INPUT',
    }),
    overwrite: Flags.boolean({
      description:
        'With --collect: replace FILE if it exists (without it an existing file is never overwritten).',
      helpGroup: 'INPUT',
    }),
    'no-redact': Flags.boolean({
      description:
        'With --collect: keep env values, annotations and ConfigMap keys (Secret data is never written).',
      helpGroup: 'INPUT',
    }),
  }

  async run(): Promise<InjectionReport | undefined> {
    const {args, flags: parsed} = await this.parse(InjectCheck)
    // One --context is the single-context run; several, --all-contexts or --context-selector make a fleet run.
    let flags = {...parsed, context: parsed.context?.length === 1 ? parsed.context[0] : undefined}
    const {colour, json} = this.settleKubeFlags(flags)
    const targetArgs = [args.target, args.name].filter((a): a is string => a !== undefined)
    const planned = planCheck({...flags, context: parsed.context}, targetArgs, json)
    if (!planned.ok) throw new UsageFailure(planned.error, "See 'kubectl inject-check --help' for usage.")
    const {plan} = planned
    const fleet = plan.fleet === undefined ? undefined : await import('../src/cli/fleet-sources.js')
    let contexts = plan.fleet === undefined ? undefined : await fleet?.resolveFleetContexts(plan.fleet, flags)
    if (contexts?.length === 1) {
      // One selected context is the single-context run, its fix commands naming that context.
      flags = {...flags, context: contexts[0]}
      this.settleKubeFlags(flags)
      contexts = undefined
    }

    if (plan.collect !== undefined) return this.collect(plan, plan.collect, flags, contexts)
    const machine = plan.format !== 'table' && plan.format !== 'wide'
    const printer = await resolvePrinter(plan)

    if (plan.watch === true) return this.watch(plan, flags, colour, printer)
    const manifestOptions = {recursive: flags.recursive, warn: writeWarning}
    const slots =
      contexts !== undefined && fleet !== undefined
        ? fleet.liveSlots(contexts, plan, flags, this.debugLog, manifestOptions)
        : plan.fromPaths.length === 1
          ? await import('../src/cli/fleet-sources.js').then((f) => f.bundleSlots(plan, flags, writeWarning))
          : undefined
    if (slots !== undefined) {
      const {runFleetCheck} = await import('../src/cli/fleet-run.js')
      return runFleetCheck(plan, slots, {
        assess: (input, clusterFlags) => assess(input, plan, clusterFlags),
        clusterFlags: this.clusterFlags,
        colour,
        json,
        verbose: flags.verbose,
        printer,
      })
    }
    const input = await readCheckInput(plan, flags, machine, this.debugLog, manifestOptions)

    return this.present(input, plan, flags, colour, json, printer)
  }

  /** --collect: one support bundle, or one per context of a fleet run; notices on stderr, stdout stays empty. */
  private async collect(
    plan: CheckPlan,
    collect: NonNullable<CheckPlan['collect']>,
    flags: ConnectionFlags,
    contexts: readonly string[] | undefined,
  ): Promise<undefined> {
    if (!collect.overwrite && (await pathExists(collect.path)))
      throw new UsageFailure(
        `${collect.path} already exists; pass --overwrite to replace it, or choose another file name`,
      )
    if (contexts !== undefined) {
      const {collectFleet} = await import('../src/cli/fleet-sources.js')
      const described = await collectFleet(plan, flags, contexts, {
        toolVersion: this.config.version,
        debug: this.debugLog,
        clusterFlags: this.clusterFlags,
      })
      for (const warning of described.warnings) writeWarning(warning)
      for (const notice of described.notices) writeNotice(notice)
      for (const error of described.errors) writeError(error)
      return undefined
    }
    const {collectBundle, describeCollect} = await import('../src/cli/collect.js')
    const outcome = await collectBundle(plan, flags, {toolVersion: this.config.version, debug: this.debugLog})
    const described = describeCollect(outcome)
    for (const warning of described.warnings) writeWarning(warning)
    for (const notice of described.notices) writeNotice(notice)
    return undefined
  }

  /** -w: the table once, then one row per changed verdict until SIGINT/SIGTERM (exit 0). */
  private async watch(
    plan: CheckPlan,
    flags: ConnectionFlags & {readonly verbose: boolean},
    colour: boolean,
    printer: Awaited<ReturnType<typeof resolvePrinter>>,
  ): Promise<undefined> {
    const {watchSweep} = await import('../src/cli/check-watch.js')
    const live = await connectLive(flags, true, this.debugLog)
    const target = resolveTarget(plan, flags, live.namespace)
    if (target.kind !== 'sweep') throw new UsageFailure('-w/--watch follows the pods of a namespace')
    await watchSweep({
      live,
      target,
      read: () => readCheckInput(plan, flags, true, this.debugLog, {}, live),
      present: (input) => this.present(input, plan, flags, colour, false, printer),
      judge: (input) => judge(input, plan, this.clusterFlags).verdicts,
      table: {wide: plan.format === 'wide', colour},
      write: (text) => writeData(text),
      warn: writeWarning,
      debug: this.debugLog,
    })
    return undefined
  }

  /** Health, report and output of one judged snapshot; sets exit 79 when --fail-on matches. */
  private present(
    input: CheckInput,
    plan: CheckPlan,
    flags: {readonly verbose: boolean},
    colour: boolean,
    json: boolean,
    printer: Awaited<ReturnType<typeof resolvePrinter>>,
  ): InjectionReport {
    const {verdicts, health, report, sweep, wantsHealth} = assess(input, plan, this.clusterFlags)
    // A CI gate must not pass on nothing: an input with no target is an error once --fail-on is asked for.
    if (plan.failOn.length > 0 && verdicts.length === 0)
      throw new CliFailure(
        `--fail-on ${plan.failOn.join(',')}: the input yielded no pod or workload to check, so the gate cannot pass`,
        input.offline || input.manifests !== undefined ? ExitCode.InputFile : ExitCode.TargetNotFound,
        'Check the -f/--from files, the namespace (-n/-A) and the selector (-l).',
      )
    const snapshot = input.snapshot
    for (const warning of gapWarnings(snapshot.gaps))
      writeWarning(withClusterFlags(warning, this.clusterFlags))
    if (!json) {
      const text = renderCheckOutput({
        report,
        verdicts: plan.format === 'wide' ? verdicts.map(compactSources) : verdicts,
        target: input.target,
        format: plan.format,
        colour,
        health,
        healthView: plan.health,
        footer: health !== undefined && sweep && !wantsHealth ? healthFooter(health, snapshot) : undefined,
        snapshot,
        verbose: flags.verbose,
        width: terminalWidth(),
        printer,
        table: {
          noHeaders: plan.noHeaders === true,
          keepOrder: plan.sortBy !== undefined,
          ...(plan.labelColumns === undefined
            ? {}
            : {
                labelColumns: {
                  keys: plan.labelColumns,
                  labelsOf: targetLabels([
                    ...(input.manifests === undefined ? [] : [{...input.manifests, namespaces: []}]),
                    snapshot,
                  ]),
                },
              }),
        },
      })
      if (text === undefined) writeNotice(emptyNotice(input.target))
      else writeData(text, {exact: plan.format === 'jsonpath'})
    }
    if (failOnMatched(verdicts, plan.failOn)) {
      for (const line of failOnReport(verdicts, plan.failOn)) writeNotice(line)
      process.exitCode = ExitCode.FailOnMatched
    }
    return report
  }
}
