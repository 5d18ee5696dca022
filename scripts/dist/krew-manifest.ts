// krew plugin manifests (apiVersion krew.googlecontainertools.github.com/v1alpha2) for the release archives; the fields
// krew's internal/index/validation/validate.go checks (name, semver version with v, platforms, sha256, bin, selector).
import {stringify} from 'yaml'

export type ArchiveRef = {
  readonly os: string
  readonly arch: string
  readonly uri: string
  readonly sha256: string
  /** The executable inside the archive (kubectl-inject or kubectl-inject.exe). */
  readonly executable: string
  /** Every file of the archive, copied into the plugin's directory. */
  readonly files: readonly string[]
}

type PluginText = {readonly shortDescription: string; readonly description: string; readonly caveats: string}

const reads =
  'namespaces and their labels, MutatingWebhookConfigurations, the Istio injector and mesh ConfigMaps,\n' +
  'pods, workloads (Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs, CronJobs) and Events'

const rosetta =
  'Apple silicon (darwin/arm64) gets the darwin/amd64 executable, which runs under Rosetta 2 ' +
  '(softwareupdate --install-rosetta); no Node.js build for darwin/arm64 exists at the version it embeds.'

const signing =
  "macOS: the embedded script invalidates Node.js's signature; if macOS refuses to run the executable, sign it ad hoc " +
  'once: codesign --force --sign - "$(readlink "$(command -v kubectl-PLUGIN)")"'

// One binary serves both plugins: krew links it under the plugin's name, and it runs the plugin named so.
const texts: Readonly<Record<string, PluginText>> = {
  'inject-check': {
    shortDescription: 'Explain why Istio does or does not inject the sidecar',
    description:
      'Explains, per pod, workload, manifest or namespace, whether Istio injects the istio-proxy sidecar, which\n' +
      'webhook and revision decide it, the exact rule that decided it, and the command that fixes it. Models the\n' +
      "API server's webhook selection and istiod's injection policy; compares the answer with what is running\n" +
      '(pods that need a restart, drifted sidecars, stale proxies). Works live (read-only) and offline on\n' +
      '`kubectl get -o yaml` output, istioctl bug-report archives and cluster-info dumps (--from).',
    caveats: [
      `This plugin reads ${reads}.`,
      'It never writes to the cluster: besides reads it makes only server-side dry-run creates (dryRun=All, which',
      'persist nothing) and SelfSubjectAccessReviews. The kubeconfig user needs get/list on those resources.',
    ].join('\n'),
  },
  'inject-diff': {
    shortDescription: 'Preview the Istio sidecar injection of a pod as a diff',
    description:
      "Previews what Istio's sidecar injection does to a pod or a workload's pod template, as a diff, through\n" +
      "the cluster's real admission chain (server-side dry-run create, dryRun=All: nothing is persisted), and\n" +
      'shows what admission really did to a running pod (--observed).',
    caveats: [
      `This plugin reads ${reads}, and creates pods only as server-side dry-runs (dryRun=All), which persist nothing.`,
      'It never writes to the cluster; with --revision it may post an AdmissionReview to the injector through the',
      'service proxy (nothing is stored). The kubeconfig user needs get/list on those resources and create on pods.',
    ].join('\n'),
  },
}

export const pluginNames = Object.keys(texts)

/** The manifest of plugin `name` (inject-check, inject-diff) at package.json `version`, one platform per archive. */
export function krewManifest(name: string, version: string, homepage: string, archives: readonly ArchiveRef[]): string {
  const text = texts[name]
  if (text === undefined) throw new Error(`no krew text for plugin ${name}`)
  const plugin = {
    apiVersion: 'krew.googlecontainertools.github.com/v1alpha2',
    kind: 'Plugin',
    metadata: {name},
    spec: {
      version: `v${version}`,
      homepage,
      shortDescription: text.shortDescription,
      description: text.description,
      caveats: [text.caveats, rosetta, signing.replace('PLUGIN', name.replaceAll('-', '_'))].join('\n\n'),
      platforms: archives.map((a) => ({
        selector: {matchLabels: {os: a.os, arch: a.arch}},
        uri: a.uri,
        sha256: a.sha256,
        bin: a.executable,
        files: a.files.map((file) => ({from: file, to: '.'})),
      })),
    },
  }
  return stringify(plugin, {lineWidth: 0})
}
