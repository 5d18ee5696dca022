// Which support-bundle layout a file tree holds, where its root is, and what its `versions` file says.
// istio: tools/bug-report/pkg/archive/archive.go (root `bug-report/`, or none with --dir) and
// tools/bug-report/pkg/content/content.go (which kubectl command wrote which file, per release).
import {compareText} from '../core/text-order.js'

/** `bug-report-legacy`: istioctl ≤1.20; `bug-report-1.21`: 1.21–1.29; `bug-report-1.30`: ≥1.30. */
export type BundleLayout =
  | 'bug-report-legacy'
  | 'bug-report-1.21'
  | 'bug-report-1.30'
  | 'cluster-info-dump'
  | 'cluster-info-dump-stream'
  | 'inject-bundle'

export const injectBundleDir = 'kubectl-inject-bundle'

export interface LocatedBundle {
  readonly layout: BundleLayout
  /** Prefix of the root inside the tree: '' or e.g. 'bug-report/' (always ends with '/' when not empty). */
  readonly root: string
  /** Why this layout was chosen, for `--verbose` and error messages. */
  readonly evidence: string
}

export interface IstioVersions {
  /** istioctl that wrote the bundle. */
  readonly cli?: string
  readonly controlPlane: readonly {
    readonly revision: string
    readonly version?: string
    readonly error?: string
  }[]
  readonly proxies: readonly {readonly revision: string; readonly versions: readonly string[]}[]
}

const minorOf = (version: string | undefined): number | undefined => {
  const match = /^v?1\.(\d+)/.exec(version ?? '')
  return match ? Number(match[1]) : undefined
}

// istio: tools/bug-report/pkg/bugreport/bugreport.go dumpRevisionsAndVersions (`%#v` of version.MeshInfo)
export const parseVersions = (text: string): IstioVersions => {
  const cliMatch = /CLI version:\s*(?:version\.BuildInfo\{Version:"([^"]*)"|([^\s{][^\n]*))/.exec(text)
  const cli = cliMatch?.[1] ?? cliMatch?.[2]?.trim()
  const controlPlane: {revision: string; version?: string; error?: string}[] = []
  const proxies: {revision: string; versions: string[]}[] = []
  const lines = text.split(/\r?\n/)
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!
    const proxy = /^Revision (\S*): Versions \{(.*)\}\s*$/.exec(line)
    if (proxy) {
      proxies.push({revision: proxy[1] ?? '', versions: (proxy[2] ?? '').split(', ').filter(Boolean)})
      continue
    }
    const revision = /^Revision (\S*):\s*$/.exec(line)
    if (!revision) continue
    const body: string[] = []
    while (index + 1 < lines.length && lines[index + 1]!.trim() !== '') body.push(lines[++index]!)
    const detail = body.join('\n')
    const version = /Info:version\.BuildInfo\{Version:"([^"]*)"/.exec(detail)?.[1]
    controlPlane.push({
      revision: revision[1] ?? '',
      ...(version ? {version} : detail.trim() !== '' && {error: detail.trim().split('\n')[0]!}),
    })
  }
  return {...(cli && {cli}), controlPlane, proxies}
}

const dirOf = (path: string): string => {
  const slash = path.lastIndexOf('/')
  return slash < 0 ? '' : path.slice(0, slash + 1)
}

const depth = (prefix: string): number => prefix.split('/').length

/** The shallowest directory holding a bug-report marker: a `versions` file or a `cluster/` directory. */
const bugReportRoot = (paths: readonly string[]): string | undefined => {
  const roots = new Set<string>()
  for (const path of paths) {
    if (/(^|\/)versions$/.test(path)) roots.add(dirOf(path))
    const cluster =
      /(^|\/)cluster\/(?:k8s-resources|k8s-cluster-resources|events|pods|nodes|describe-pods|crs|cluster-context|kubectl-version|secrets)$/.exec(
        path,
      )
    if (cluster) roots.add(path.slice(0, cluster.index + (cluster[1] ? 1 : 0)))
  }
  return [...roots].sort((a, b) => depth(a) - depth(b) || compareText(a, b))[0]
}

const clusterInfoDumpRoot = (paths: readonly string[]): string | undefined => {
  const has = new Set(paths)
  const candidates = paths
    .filter((path) => /(^|\/)nodes\.(json|yaml)$/.test(path))
    .map(dirOf)
    .filter((root) =>
      paths.some(
        (path) => path.startsWith(root) && /^[^/]+\/pods\.(json|yaml)$/.test(path.slice(root.length)),
      ),
    )
  const byNamespaceFiles = paths
    .filter((path) => /(^|\/)[^/]+\/pods\.(json|yaml)$/.test(path))
    .map((path) => dirOf(dirOf(path).slice(0, -1)))
    .filter((root) =>
      paths.some(
        (path) =>
          has.has(path) &&
          path.startsWith(root) &&
          /^[^/]+\/events\.(json|yaml)$/.test(path.slice(root.length)),
      ),
    )
  return [...candidates, ...byNamespaceFiles].sort((a, b) => depth(a) - depth(b) || compareText(a, b))[0]
}

/**
 * Finds the layout from the file names and, for bug reports, the istioctl version in `versions`.
 * Returns undefined for a tree that is none of the known bundles.
 */
export const locateBundle = (
  paths: readonly string[],
  versions?: IstioVersions,
): LocatedBundle | undefined => {
  const manifest = paths.find(
    (path) =>
      path === `${injectBundleDir}/manifest.yaml` || path.endsWith(`/${injectBundleDir}/manifest.yaml`),
  )
  if (manifest) return {layout: 'inject-bundle', root: dirOf(manifest), evidence: `${manifest} present`}

  const root = bugReportRoot(paths)
  if (root !== undefined) {
    const has = (name: string): boolean => paths.includes(`${root}${name}`)
    if (has('cluster/k8s-cluster-resources'))
      return {
        layout: 'bug-report-1.30',
        root,
        evidence: 'cluster/k8s-cluster-resources present (istioctl ≥1.30)',
      }
    if (has('cluster/describe-pods'))
      return {layout: 'bug-report-legacy', root, evidence: 'cluster/describe-pods present (istioctl ≤1.20)'}
    const minor = minorOf(versions?.cli)
    if (minor !== undefined && minor >= 30)
      return {layout: 'bug-report-1.30', root, evidence: `versions: istioctl ${versions?.cli}`}
    if (minor !== undefined && minor <= 20)
      return {layout: 'bug-report-legacy', root, evidence: `versions: istioctl ${versions?.cli}`}
    if (minor !== undefined)
      return {layout: 'bug-report-1.21', root, evidence: `versions: istioctl ${versions?.cli}`}
    if (has('cluster/pods'))
      return {layout: 'bug-report-1.21', root, evidence: 'cluster/pods present (istioctl ≥1.21)'}
    return {layout: 'bug-report-1.21', root, evidence: 'bug-report markers present, version unknown'}
  }

  const dumpRoot = clusterInfoDumpRoot(paths)
  if (dumpRoot !== undefined)
    return {layout: 'cluster-info-dump', root: dumpRoot, evidence: 'nodes and <namespace>/pods files present'}
  return undefined
}

/** One line per layout, for messages. */
export const layoutDescription: Readonly<Record<BundleLayout, string>> = {
  'bug-report-legacy': 'istioctl bug-report (≤1.20)',
  'bug-report-1.21': 'istioctl bug-report (1.21–1.29)',
  'bug-report-1.30': 'istioctl bug-report (≥1.30)',
  'cluster-info-dump': 'kubectl cluster-info dump (directory)',
  'cluster-info-dump-stream': 'kubectl cluster-info dump (captured stdout)',
  'inject-bundle': 'kubectl inject-check --collect bundle',
}
