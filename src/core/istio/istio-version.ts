// Istio versions from ConfigMap values (`global.tag`) or istiod images, and the version switches that matter here.
import type {ClusterSnapshot} from '../snapshot.js'
import {injectorConfigMapName, parseInjectorValues} from './injector-config.js'

export interface IstioVersion {
  readonly major: number
  readonly minor: number
  readonly patch?: number
  /** The text the version was read from, e.g. `1.28.0-beta.1` or `docker.io/istio/pilot:1.26.2-distroless`. */
  readonly raw: string
}

/** How istiod reads the value of `sidecar.istio.io/inject` (commit 331d32e30a3, first in 1.27.0). */
export type InjectValueSemantics = '≤1.26' | '≥1.27'

const versionPattern = /^v?(\d+)\.(\d+)(?:\.(\d+))?(?:[-+._].*)?$/

/** Parses `1.27.3`, `v1.27.3`, `1.28.0-beta.1`, `1.28-dev` and image references such as `docker.io/istio/pilot:1.26.2-distroless`. */
export const parseIstioVersion = (text: string | undefined): IstioVersion | undefined => {
  if (text === undefined) return undefined
  const raw = text.trim()
  if (raw === '') return undefined
  const withoutDigest = raw.split('@')[0] ?? raw
  // An image reference: the tag follows the last ':' after the last '/' (a registry port precedes a '/').
  const lastSlash = withoutDigest.lastIndexOf('/')
  const colon = withoutDigest.indexOf(':', lastSlash + 1)
  const candidate = colon >= 0 ? withoutDigest.slice(colon + 1) : withoutDigest
  const m = versionPattern.exec(candidate)
  if (!m) return undefined
  const [, major, minor, patch] = m
  return {
    major: Number(major),
    minor: Number(minor),
    ...(patch === undefined ? {} : {patch: Number(patch)}),
    raw,
  }
}

export const formatIstioVersion = (v: IstioVersion): string =>
  `${v.major}.${v.minor}${v.patch === undefined ? '' : `.${v.patch}`}`

export const isAtLeast = (v: IstioVersion, major: number, minor: number): boolean =>
  v.major > major || (v.major === major && v.minor >= minor)

/** ≤1.26 accepted y/yes/true/on case-insensitively and read any other non-empty value as "false"; an unknown version counts as ≥1.27. */
export const injectValueSemantics = (version: IstioVersion | undefined): InjectValueSemantics =>
  version === undefined || isAtLeast(version, 1, 27) ? '≥1.27' : '≤1.26'

/** Where a revision's version was read from. */
export interface RevisionVersion {
  readonly version: IstioVersion
  readonly from: string
}

const revisionOf = (labels: Readonly<Record<string, string>>): string => labels['istio.io/rev'] || 'default'

/** The version of a revision: injector ConfigMap `values.global.tag`, else the image of an istiod Deployment or pod labelled with the revision. */
export const versionOfRevision = (
  snapshot: ClusterSnapshot,
  revision: string,
  istiodNamespace?: string,
): RevisionVersion | undefined => {
  const cmName = injectorConfigMapName(revision)
  const configMaps = snapshot.configMaps.filter((cm) => cm.name === cmName)
  const ordered = [
    ...configMaps.filter((cm) => cm.namespace === istiodNamespace),
    ...configMaps.filter((cm) => cm.namespace !== istiodNamespace),
  ]
  for (const cm of ordered) {
    const values = parseInjectorValues(cm.data.values)
    const version = 'values' in values ? parseIstioVersion(values.values.tag) : undefined
    if (version)
      return {version, from: `configmap ${cm.namespace}/${cm.name} values.global.tag=${version.raw}`}
  }
  const wanted = revision === '' ? 'default' : revision
  for (const w of snapshot.workloads) {
    if (w.labels.app !== 'istiod' && w.template.labels.app !== 'istiod') continue
    if (revisionOf({...w.template.labels, ...w.labels}) !== wanted) continue
    const container = w.template.containers.find((c) => c.name === 'discovery') ?? w.template.containers[0]
    const version = parseIstioVersion(container?.image)
    if (version)
      return {version, from: `${w.kind.toLowerCase()} ${w.namespace}/${w.name} image ${version.raw}`}
  }
  for (const p of snapshot.pods) {
    if (p.labels.app !== 'istiod' || revisionOf(p.labels) !== wanted) continue
    const container = p.containers.find((c) => c.name === 'discovery') ?? p.containers[0]
    const version = parseIstioVersion(container?.image)
    if (version) return {version, from: `pod ${p.namespace}/${p.name} image ${version.raw}`}
  }
  return undefined
}
