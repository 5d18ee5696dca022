// The selectors Istio's chart writes for each injector webhook name, to spot terms someone else added.
// istio: manifests/charts/istio-control/istio-discovery/templates/mutatingwebhook.yaml (1.10+), revision-tags-mwc.yaml
import {formatRequirement} from '../admission/label-selector.js'
import {ignoredNamespaces} from '../istio/injection-policy.js'
import type {LabelSelector, LabelSelectorRequirement} from '../snapshot.js'

/** `values: null` stands for the revision or tag value, which differs per install. */
interface ChartTerm {
  readonly key: string
  readonly operator: string
  readonly values: readonly string[] | null
}

interface ChartSelectors {
  readonly namespaceSelector: readonly ChartTerm[]
  readonly objectSelector: readonly ChartTerm[]
}

const revisionValue = null

const chartSelectorsByPrefix: Readonly<Record<string, ChartSelectors>> = {
  'rev.namespace.': {
    namespaceSelector: [
      {key: 'istio.io/rev', operator: 'In', values: revisionValue},
      {key: 'istio-injection', operator: 'DoesNotExist', values: []},
    ],
    objectSelector: [{key: 'sidecar.istio.io/inject', operator: 'NotIn', values: ['false']}],
  },
  'rev.object.': {
    namespaceSelector: [
      {key: 'istio.io/rev', operator: 'DoesNotExist', values: []},
      {key: 'istio-injection', operator: 'DoesNotExist', values: []},
    ],
    objectSelector: [
      {key: 'sidecar.istio.io/inject', operator: 'NotIn', values: ['false']},
      {key: 'istio.io/rev', operator: 'In', values: revisionValue},
    ],
  },
  'namespace.': {
    namespaceSelector: [{key: 'istio-injection', operator: 'In', values: ['enabled']}],
    objectSelector: [{key: 'sidecar.istio.io/inject', operator: 'NotIn', values: ['false']}],
  },
  'object.': {
    namespaceSelector: [
      {key: 'istio-injection', operator: 'DoesNotExist', values: []},
      {key: 'istio.io/rev', operator: 'DoesNotExist', values: []},
    ],
    objectSelector: [
      {key: 'sidecar.istio.io/inject', operator: 'In', values: ['true']},
      {key: 'istio.io/rev', operator: 'DoesNotExist', values: []},
    ],
  },
  'auto.': {
    namespaceSelector: [
      {key: 'istio-injection', operator: 'DoesNotExist', values: []},
      {key: 'istio.io/rev', operator: 'DoesNotExist', values: []},
      {key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ignoredNamespaces},
    ],
    objectSelector: [
      {key: 'sidecar.istio.io/inject', operator: 'DoesNotExist', values: []},
      {key: 'istio.io/rev', operator: 'DoesNotExist', values: []},
    ],
  },
}

const sameValues = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && [...a].sort().every((value, index) => value === [...b].sort()[index])

const isChartTerm = (requirement: LabelSelectorRequirement, chart: readonly ChartTerm[]): boolean =>
  chart.some(
    (term) =>
      term.key === requirement.key &&
      term.operator === requirement.operator &&
      (term.values === null
        ? (requirement.values ?? []).length > 0
        : sameValues(term.values, requirement.values ?? [])),
  )

export interface ForeignTerms {
  readonly namespaceSelector: readonly string[]
  readonly objectSelector: readonly string[]
  /** The webhook's selectors with the foreign terms removed: what the chart would have selected. */
  readonly chartNamespaceSelector: LabelSelector
  readonly chartObjectSelector: LabelSelector
}

/** The chart prefix (`rev.namespace.` …) of an injector webhook name, or undefined for names the chart never writes. */
export const chartPrefixOf = (webhookName: string): string | undefined => {
  const base = webhookName.endsWith('sidecar-injector.istio.io')
    ? webhookName.slice(0, -'sidecar-injector.istio.io'.length)
    : undefined
  if (base === undefined) return undefined
  return Object.hasOwn(chartSelectorsByPrefix, base) ? base : undefined
}

const splitSelector = (
  selector: LabelSelector | undefined,
  chart: readonly ChartTerm[],
): {foreign: string[]; kept: LabelSelector} => {
  const foreign: string[] = []
  const keptExpressions: LabelSelectorRequirement[] = []
  // The chart writes only matchExpressions, so every matchLabels entry is foreign.
  for (const [key, value] of Object.entries(selector?.matchLabels ?? {})) foreign.push(`${key}=${value}`)
  for (const requirement of selector?.matchExpressions ?? []) {
    if (isChartTerm(requirement, chart)) keptExpressions.push(requirement)
    else foreign.push(formatRequirement(requirement))
  }
  return {foreign, kept: {matchExpressions: keptExpressions}}
}

/** Terms in the webhook's selectors that the chart does not write for this webhook name; undefined for unknown names. */
export const foreignSelectorTerms = (
  webhookName: string,
  namespaceSelector: LabelSelector | undefined,
  objectSelector: LabelSelector | undefined,
): ForeignTerms | undefined => {
  const prefix = chartPrefixOf(webhookName)
  const chart = prefix === undefined ? undefined : chartSelectorsByPrefix[prefix]
  if (chart === undefined) return undefined
  const ns = splitSelector(namespaceSelector, chart.namespaceSelector)
  const obj = splitSelector(objectSelector, chart.objectSelector)
  return {
    namespaceSelector: ns.foreign,
    objectSelector: obj.foreign,
    chartNamespaceSelector: ns.kept,
    chartObjectSelector: obj.kept,
  }
}
