// kubectl inject-diff: what injection does to a pod, as a diff, produced by the cluster's real admission chain.
// A short story: parse → plan → read and preview (dry-run, direct or observed) → render → exit like `kubectl diff`.
import {scopePreview} from '../src/core/fix-scope.js'
import {Args, Flags} from '@oclif/core'
import {KubeCommand} from '../src/cli/base-command.js'
import {UsageFailure} from '../src/cli/exit-codes.js'
import {writeWarning} from '../src/cli/output.js'
import {defaultMaxPods as maxPods, diffFormats, diffHelp, planDiff} from '../src/cli/diff-plan.js'
import type {DiffPlan} from '../src/cli/diff-plan.js'
import type {ConnectionFlags} from '../src/cli/check-input.js'
import {readDiffPreviews} from '../src/cli/diff-input.js'
import {renderDiffOutput, writeDiffOutput} from '../src/cli/diff-output.js'
import {fleetFlags} from '../src/cli/fleet-flags.js'

/** inject-diff's own exit codes; the rest (64, 65, 69, 77) come from the shared CLI base. */
export const DiffExit = {NoDifferences: 0, Differences: 1, PreviewFailed: 2, Unexpected: 70} as const

export default class InjectDiff extends KubeCommand {
  static override summary =
    'Preview exactly what sidecar injection does to a pod, as a diff, through the cluster’s real webhook chain.'

  static override description = `Sends the pod (or a workload's pod template, or a manifest) to the API server as a server-side dry-run create (dryRun=All), so defaulting and every mutating webhook — Istio's injector with its real templates — produce the result. A second dry-run of the same pod opted out with sidecar.istio.io/inject=false removes what the API server changes anyway; --raw shows everything against the input.

An already-injected running pod is compared with the pod a restart would create now: its owner's template (a bare pod: itself without its injection) through the same dry-run, so a newer proxy image or another revision shows as a change.

A TARGET (POD, TYPE/NAME, -f) or -l SELECTOR is required: each pod is one dry-run, so -l previews at most --max pods (default ${maxPods}).

--revision REV previews injection by another revision: through pod label istio.io/rev=REV when the admission engine sees that REV's webhook would select it, else by posting an AdmissionReview to REV's injector through the API server service proxy (needs create on services/proxy). --observed compares a running pod with its controller's template (no request is sent; works offline with --from).

-o patch applies to a running pod as \`kubectl get pod NAME -o yaml\` returns it (its service-account volume and other API-server fields stay); for a workload, a manifest or --raw, to the pod built from the input (the "before" of --json). -o json|yaml|patch print a document also when a preview fails: its InjectionDiff with the failure, as --json does.

Nothing is written: the only POSTs are dryRun=All creates, SelfSubjectAccessReviews and (for --revision) the AdmissionReview to the injector's /inject through the service proxy.

Several contexts (--context repeated, --all-contexts, --context-selector) are previewed concurrently, each with its own connection, credentials and request timeout: each context's diff follows a line "== context NAME ==", --json (and -o json) print one InjectionDiffList whose items carry "context" (contexts that yielded nothing under "failedContexts"), and a context that cannot be previewed (unreachable, refused, the target missing there) is named on stderr without stopping the others. -o patch and -o yaml take one context.

Exit codes (like kubectl diff): 0 no differences, 1 differences found, 2 a preview failed (webhook unreachable, timeout, x509, denied; no route for --revision; no controller for --observed), 64 usage, 65 input file error, 66 target not found, 69 cluster unreachable, 70 unexpected error, 77 unauthorized. Several contexts: 77 if any context was refused, else 69 if any was unreachable, else the first other context failure (66, 64, 65, 70), else 2 if a preview failed in any context, else 1 if any context differs, else 0.`

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
    {
      description: 'Preview the same Deployment in every context of the kubeconfig (one diff per context).',
      command: 'kubectl inject-diff deploy/web -n shop --all-contexts',
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
    ...fleetFlags({
      context:
        'Name of the kubeconfig context to use; repeat it to preview in several contexts in one run (fleet).',
      allContexts:
        'Preview in every context of the merged kubeconfig (KUBECONFIG files or --kubeconfig) concurrently; each diff is headed by its context.',
    }),
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

  // Exit 1 means "differences found" here, so an unexpected failure exits 70 (EX_SOFTWARE) instead.
  protected override get unexpectedExit(): number {
    return DiffExit.Unexpected
  }

  async run(): Promise<unknown> {
    const {args, flags: parsed} = await this.parse(InjectDiff)
    // One --context is the single-context run; several, --all-contexts or --context-selector make a fleet run.
    let flags = {...parsed, context: parsed.context?.length === 1 ? parsed.context[0] : undefined}
    const settle = () =>
      this.settleKubeFlags({...flags, output: flags.output === 'json' ? 'json' : undefined})
    const {colour, json} = settle()
    const targetArgs = [args.target, args.name].filter((a): a is string => a !== undefined)
    const planned = planDiff({...flags, context: parsed.context}, targetArgs, json)
    if (!planned.ok) throw new UsageFailure(planned.error, diffHelp)
    const {plan} = planned
    if (plan.fleet !== undefined) {
      const {resolveFleetContexts} = await import('../src/cli/fleet-sources.js')
      const contexts = await resolveFleetContexts(plan.fleet, flags)
      if (contexts.length > 1) return this.runFleet(plan, contexts, flags, colour)
      // One selected context is the single-context run, its fix commands naming that context.
      flags = {...flags, context: contexts[0]}
      settle()
    }
    const previews = await readDiffPreviews(plan, flags, {
      machine: json || plan.format !== 'diff',
      debug: this.debugLog,
      warn: writeWarning,
    })
    const output = renderDiffOutput(
      previews.map((p) => scopePreview(p, this.clusterFlags)),
      plan,
      colour,
    )
    // oclif prints a returned document under --json; a non-zero exit prints it first.
    if (output.document !== undefined && output.exit === 0) return output.document
    writeDiffOutput(output)
    return output.exit === 0 ? undefined : this.exit(output.exit)
  }

  /** Several contexts: each previewed on its own connection; the worst exit code (see the description). */
  private async runFleet(
    plan: DiffPlan,
    contexts: readonly string[],
    flags: ConnectionFlags,
    colour: boolean,
  ): Promise<undefined> {
    const {runFleetDiff} = await import('../src/cli/diff-fleet.js')
    const exit = await runFleetDiff(plan, contexts, flags, {
      clusterFlags: this.clusterFlags,
      colour,
      debug: this.debugLog,
      unexpectedExit: DiffExit.Unexpected,
    })
    return exit === 0 ? undefined : this.exit(exit)
  }
}
