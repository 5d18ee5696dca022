// Istio revisions and revision tags as the cluster's webhook configurations, ConfigMaps and istiod workloads show them.
// istio: istioctl/pkg/tag/util.go (GetWebhooksWithRevision, DeactivateIstioInjectionWebhook), istioctl/pkg/util/common.go NeverMatch
import {isIstioInjectorWebhook, sortWebhookConfigurations} from '../admission/webhook-selection.js'
import type {
  ClusterSnapshot,
  LabelSelector,
  MutatingWebhook,
  MutatingWebhookConfiguration,
  NamespaceFacts,
} from '../snapshot.js'
import type {Check, Finding} from '../verdict/verdict.js'
import type {ReasonCode} from '../verdict/reasons.js'
import {compareText} from '../text-order.js'

export const revLabel = 'istio.io/rev'
export const tagLabel = 'istio.io/tag'
export const injectionLabel = 'istio-injection'
export const dataplaneModeLabel = 'istio.io/dataplane-mode'

export interface ServiceRef {
  readonly namespace: string
  readonly name: string
  readonly path?: string
  readonly port?: number
}

export interface ConfigurationInfo {
  readonly name: string
  /** Revision the configuration's istiod serves (a tag's target); null when it cannot be told. */
  readonly revision: string | null
  readonly tag: string | null
  /** Every webhook has both selectors set to `istio.io/deactivated: never-match` (`istioctl tag set default`). */
  readonly deactivated: boolean
  /** Has an `auto.sidecar-injector.istio.io` webhook (enableNamespacesByDefault). */
  readonly autoInject: boolean
  /** Has the legacy `namespace.sidecar-injector.istio.io` webhook (`istio-injection=enabled`). */
  readonly legacyLabel: boolean
  readonly services: readonly ServiceRef[]
  readonly urls: readonly string[]
}

export interface RevisionInfo {
  readonly name: string
  /** Revision MWCs (not tags) for this revision. */
  readonly configurations: readonly string[]
  readonly configMaps: readonly string[]
  /** istiod Deployments or pods labelled with the revision, as `kind namespace/name`. */
  readonly istiod: readonly string[]
}

export interface TagInfo {
  readonly name: string
  readonly revision: string | null
  readonly configuration: string
  readonly deactivated: boolean
}

export interface RevisionIndex {
  readonly revisions: readonly RevisionInfo[]
  readonly tags: readonly TagInfo[]
  readonly configurations: readonly ConfigurationInfo[]
  /** A default revision or a `default` tag with active webhooks exists (what `istio-injection=enabled` needs). */
  readonly hasDefault: boolean
  readonly deactivated: readonly string[]
  /** An active `auto.` webhook injects unlabelled namespaces. */
  readonly autoInjectAll: boolean
  /** False when webhook configurations could not be read: absence findings become Unknown. */
  readonly complete: boolean
}

const neverMatches = (s: LabelSelector | undefined): boolean =>
  s?.matchLabels?.['istio.io/deactivated'] === 'never-match'

export const isDeactivatedWebhook = (w: MutatingWebhook): boolean =>
  neverMatches(w.namespaceSelector) && neverMatches(w.objectSelector)

/** An Istio injector configuration: it has a webhook the selection module counts as an Istio injector. */
export const isIstioConfiguration = (mwc: MutatingWebhookConfiguration): boolean =>
  (mwc.webhooks ?? []).some((w) => isIstioInjectorWebhook(mwc, w))

const revisionFromService = (name: string | undefined): string | null => {
  if (name === undefined) return null
  if (name === 'istiod' || name === 'istio-sidecar-injector') return 'default'
  return name.startsWith('istiod-') ? name.slice('istiod-'.length) : null
}

/** A tag MWC names the tag and (label `istio.io/rev`) its target; a revision MWC names its revision. */
export const revisionOfConfiguration = (
  mwc: MutatingWebhookConfiguration,
): {readonly revision: string | null; readonly tag: string | null} => {
  const labels = mwc.metadata.labels ?? {}
  const tag = labels[tagLabel] || null
  const labelled = labels[revLabel]
  if (labelled) return {revision: labelled, tag}
  const fromService = (mwc.webhooks ?? [])
    .filter((w) => isIstioInjectorWebhook(mwc, w))
    .map((w) => revisionFromService(w.clientConfig.service?.name))
    .find((r) => r !== null)
  return {revision: fromService ?? null, tag}
}

const configurationInfo = (mwc: MutatingWebhookConfiguration): ConfigurationInfo => {
  const webhooks = mwc.webhooks ?? []
  const {revision, tag} = revisionOfConfiguration(mwc)
  const services: ServiceRef[] = []
  const urls: string[] = []
  for (const w of webhooks) {
    const s = w.clientConfig.service
    if (s && !services.some((x) => x.namespace === s.namespace && x.name === s.name && x.path === s.path)) {
      services.push({
        namespace: s.namespace,
        name: s.name,
        ...(s.path === undefined ? {} : {path: s.path}),
        ...(s.port === undefined ? {} : {port: s.port}),
      })
    }
    if (w.clientConfig.url !== undefined && !urls.includes(w.clientConfig.url)) urls.push(w.clientConfig.url)
  }
  const active = webhooks.filter((w) => !isDeactivatedWebhook(w))
  return {
    name: mwc.metadata.name,
    revision,
    tag,
    deactivated: webhooks.length > 0 && active.length === 0,
    autoInject: active.some((w) => w.name === 'auto.sidecar-injector.istio.io'),
    legacyLabel: active.some((w) => w.name === 'namespace.sidecar-injector.istio.io'),
    services,
    urls,
  }
}

const configMapRevision = (name: string, labels: Readonly<Record<string, string>>): string | null => {
  if (name !== 'istio-sidecar-injector' && !name.startsWith('istio-sidecar-injector-')) return null
  if (labels[revLabel]) return labels[revLabel]
  return name === 'istio-sidecar-injector' ? 'default' : name.slice('istio-sidecar-injector-'.length)
}

export const indexRevisions = (snapshot: ClusterSnapshot): RevisionIndex => {
  // API-server call order (byte order of names), not locale order.
  const configurations = sortWebhookConfigurations(
    snapshot.webhookConfigurations.filter(isIstioConfiguration),
  ).map(configurationInfo)
  const revisions = new Map<string, {configurations: string[]; configMaps: string[]; istiod: string[]}>()
  const revision = (name: string) => {
    let r = revisions.get(name)
    if (!r) revisions.set(name, (r = {configurations: [], configMaps: [], istiod: []}))
    return r
  }
  const tags: TagInfo[] = []
  for (const c of configurations) {
    if (c.tag !== null) {
      tags.push({name: c.tag, revision: c.revision, configuration: c.name, deactivated: c.deactivated})
    } else if (c.revision !== null) {
      revision(c.revision).configurations.push(c.name)
    }
  }
  for (const cm of snapshot.configMaps) {
    const r = configMapRevision(cm.name, cm.labels)
    if (r !== null) revision(r).configMaps.push(`${cm.namespace}/${cm.name}`)
  }
  for (const w of snapshot.workloads) {
    if (w.kind !== 'Deployment' || (w.labels.app !== 'istiod' && w.template.labels.app !== 'istiod')) continue
    revision(w.labels[revLabel] || w.template.labels[revLabel] || 'default').istiod.push(
      `deployment ${w.namespace}/${w.name}`,
    )
  }
  for (const p of snapshot.pods) {
    if (p.labels.app !== 'istiod') continue
    revision(p.labels[revLabel] || 'default').istiod.push(`pod ${p.namespace}/${p.name}`)
  }
  const defaultConfigs = configurations.filter(
    (c) => (c.tag === null && c.revision === 'default') || c.tag === 'default',
  )
  return {
    revisions: [...revisions.entries()]
      .sort(([a], [b]) => compareText(a, b))
      .map(([name, r]) => ({name, ...r})),
    tags: tags.sort((a, b) => compareText(a.name, b.name)),
    configurations,
    hasDefault: defaultConfigs.some((c) => !c.deactivated),
    deactivated: configurations.filter((c) => c.deactivated).map((c) => c.name),
    autoInjectAll: configurations.some((c) => c.autoInject),
    complete: !snapshot.gaps.some((g) => g.resource === 'mutatingwebhookconfigurations'),
  }
}

/** Configurations that answer a namespace or pod `istio.io/rev=<value>`: revision MWCs of that name, tag MWCs of that tag. */
export const configurationsForRevisionLabel = (
  index: RevisionIndex,
  value: string,
): readonly ConfigurationInfo[] =>
  index.configurations.filter((c) => (c.tag === null ? c.revision === value : c.tag === value))

/** Revisions with active webhooks, for suggestions; the default one first. */
export const activeRevisionNames = (index: RevisionIndex): readonly string[] => {
  const names = index.revisions
    .filter((r) =>
      r.configurations.some((n) => index.configurations.some((c) => c.name === n && !c.deactivated)),
    )
    .map((r) => r.name)
  return [...names.filter((n) => n === 'default'), ...names.filter((n) => n !== 'default')]
}

export interface IstioFinding extends Finding {
  /** Values for the code's hint placeholders (`formatHint(code, params)`). */
  readonly params: Readonly<Record<string, string>>
}

export interface NamespaceLabelReport {
  readonly findings: readonly IstioFinding[]
  readonly checks: readonly Check[]
}

const revisionCheck = (
  code: ReasonCode,
  result: Check['result'],
  subject: string,
  detail: string,
): Check => ({
  stage: 'Revision',
  code,
  result,
  subject,
  detail,
})

/** Namespace-label problems: IST0123 conflicts, wrong values, unknown revisions, missing default, deactivated webhooks. */
export const namespaceLabelFindings = (
  namespace: NamespaceFacts,
  index: RevisionIndex,
): NamespaceLabelReport => {
  const findings: IstioFinding[] = []
  const checks: Check[] = []
  const labels = namespace.labels
  const subject = `namespace ${namespace.name}`
  const hasInjection = Object.hasOwn(labels, injectionLabel)
  const injection = labels[injectionLabel]
  const hasRev = Object.hasOwn(labels, revLabel)
  const rev = labels[revLabel] ?? ''
  const hasDataplaneMode = Object.hasOwn(labels, dataplaneModeLabel)
  const dataplaneMode = labels[dataplaneModeLabel] ?? ''
  const suggestion = activeRevisionNames(index)[0] ?? index.tags[0]?.name ?? '<revision>'
  const add = (code: ReasonCode, result: Check['result'], detail: string, params: Record<string, string>) => {
    findings.push({
      code,
      kind: 'Misconfiguration',
      message: detail,
      params: {namespace: namespace.name, ...params},
    })
    checks.push(revisionCheck(code, result, subject, detail))
  }

  // istio: pkg/config/analysis/analyzers/injection/injection.go (IST0123): rev/ambient count only beside an absent or enabled istio-injection.
  const sidecarSelected = (hasInjection && injection === 'enabled') || (!hasInjection && hasRev)
  if (hasInjection && injection === 'enabled' && hasRev) {
    add(
      'NamespaceLabelConflict',
      'Fail',
      `istio-injection=enabled and istio.io/rev=${rev}: istio-injection wins and the default revision injects, not ${rev} (IST0123)`,
      {revision: rev},
    )
  }
  // Any dataplane-mode value counts, not only ambient (IST0123 lists every label present).
  if (hasDataplaneMode && sidecarSelected) {
    // For ambient the user likely meant ambient, so the sidecar label goes; otherwise the stray dataplane-mode label does.
    const label = dataplaneMode !== 'ambient' ? dataplaneModeLabel : hasInjection ? injectionLabel : revLabel
    const effect =
      dataplaneMode === 'ambient'
        ? 'pods get a sidecar and ambient ignores them'
        : 'the sidecar label decides injection; the dataplane-mode label only confuses readers and tools'
    add(
      'AmbientAndSidecarLabels',
      'Fail',
      `istio.io/dataplane-mode=${dataplaneMode} with ${hasInjection ? 'istio-injection=enabled' : `istio.io/rev=${rev}`}: ${effect} (IST0123)`,
      {label},
    )
  }
  if (hasInjection && injection !== 'enabled' && injection !== 'disabled') {
    add(
      'NamespaceLabelInvalidValue',
      'Fail',
      `istio-injection=${JSON.stringify(injection)}: only "enabled" (B1 webhook) and "disabled" mean anything; any other value blocks every Istio webhook, which require the label to be absent`,
      {},
    )
  }

  if (hasInjection && injection === 'enabled') {
    const defaults = index.configurations.filter(
      (c) => c.legacyLabel || c.tag === 'default' || c.revision === 'default',
    )
    if (!index.complete) {
      checks.push(
        revisionCheck(
          'NoDefaultRevision',
          'Unknown',
          subject,
          'webhook configurations unreadable: cannot tell whether a default revision exists',
        ),
      )
    } else if (index.hasDefault) {
      checks.push(
        revisionCheck(
          'DefaultRevisionPresent',
          'Pass',
          subject,
          'istio-injection=enabled: a default revision or default tag is active',
        ),
      )
    } else if (defaults.some((c) => c.deactivated)) {
      add(
        'WebhookDeactivated',
        'Fail',
        `istio-injection=enabled, but the default webhooks (${defaults
          .filter((c) => c.deactivated)
          .map((c) => c.name)
          .join(', ')}) are deactivated and no default tag exists`,
        {revision: suggestion},
      )
    } else {
      add(
        'NoDefaultRevision',
        'Fail',
        `istio-injection=enabled needs a default revision or tag; installed: ${describeInstalled(index)}`,
        {revision: suggestion},
      )
    }
  } else if (hasRev && !hasInjection) {
    const serving = configurationsForRevisionLabel(index, rev)
    if (!index.complete) {
      checks.push(
        revisionCheck(
          'RevisionNotFound',
          'Unknown',
          subject,
          `istio.io/rev=${rev}: webhook configurations unreadable`,
        ),
      )
    } else if (serving.length === 0) {
      add(
        'RevisionNotFound',
        'Fail',
        `istio.io/rev=${JSON.stringify(rev)} names no revision or tag; installed: ${describeInstalled(index)}`,
        {revision: suggestion},
      )
    } else if (serving.every((c) => c.deactivated)) {
      add(
        'WebhookDeactivated',
        'Fail',
        `istio.io/rev=${rev} is served only by deactivated configurations (${serving.map((c) => c.name).join(', ')})`,
        {revision: suggestion},
      )
    } else {
      checks.push(
        revisionCheck(
          'RevisionResolved',
          'Pass',
          subject,
          `istio.io/rev=${rev} is served by ${serving
            .filter((c) => !c.deactivated)
            .map((c) => c.name)
            .join(', ')}`,
        ),
      )
    }
  }
  return {findings, checks}
}

const describeInstalled = (index: RevisionIndex): string => {
  const revs = index.revisions.filter((r) => r.configurations.length > 0).map((r) => r.name)
  const tags = index.tags.map((t) => `${t.name}→${t.revision ?? '?'}${t.deactivated ? ' (deactivated)' : ''}`)
  if (revs.length === 0 && tags.length === 0) return 'no Istio injector webhooks'
  return `revisions [${revs.join(', ')}], tags [${tags.join(', ')}]`
}
