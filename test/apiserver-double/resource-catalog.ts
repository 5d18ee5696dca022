// The resources the double serves, and the discovery documents built from them (legacy, non-aggregated form).
export interface ResourceInfo {
  group: string
  version: string
  resource: string
  singular: string
  kind: string
  namespaced: boolean
  shortNames?: string[]
  categories?: string[]
  // Field selector keys beyond metadata.name/metadata.namespace, from each registry's GetAttrs/field label conversion.
  fields: string[]
}

const rw = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']

const core = (
  resource: string,
  singular: string,
  kind: string,
  namespaced: boolean,
  extra: Partial<ResourceInfo> = {},
): ResourceInfo => ({group: '', version: 'v1', resource, singular, kind, namespaced, fields: [], ...extra})

const grouped = (
  group: string,
  version: string,
  resource: string,
  singular: string,
  kind: string,
  namespaced: boolean,
  extra: Partial<ResourceInfo> = {},
): ResourceInfo => ({group, version, resource, singular, kind, namespaced, fields: [], ...extra})

export const resources: ResourceInfo[] = [
  core('namespaces', 'namespace', 'Namespace', false, {shortNames: ['ns'], fields: ['status.phase']}),
  // kubernetes: pkg/registry/core/pod/strategy.go ToSelectableFields
  core('pods', 'pod', 'Pod', true, {
    shortNames: ['po'],
    categories: ['all'],
    fields: [
      'spec.nodeName',
      'spec.restartPolicy',
      'spec.schedulerName',
      'spec.serviceAccountName',
      'spec.hostNetwork',
      'status.phase',
      'status.podIP',
      'status.nominatedNodeName',
    ],
  }),
  core('configmaps', 'configmap', 'ConfigMap', true, {shortNames: ['cm']}),
  core('services', 'service', 'Service', true, {shortNames: ['svc'], categories: ['all']}),
  core('serviceaccounts', 'serviceaccount', 'ServiceAccount', true, {shortNames: ['sa']}),
  core('secrets', 'secret', 'Secret', true, {fields: ['type']}),
  core('nodes', 'node', 'Node', false, {shortNames: ['no'], fields: ['spec.unschedulable']}),
  core('endpoints', 'endpoints', 'Endpoints', true, {shortNames: ['ep']}),
  core('resourcequotas', 'resourcequota', 'ResourceQuota', true, {shortNames: ['quota']}),
  core('limitranges', 'limitrange', 'LimitRange', true, {shortNames: ['limits']}),
  // kubernetes: pkg/registry/core/event/strategy.go ToSelectableFields
  core('events', 'event', 'Event', true, {
    shortNames: ['ev'],
    fields: [
      'involvedObject.kind',
      'involvedObject.namespace',
      'involvedObject.name',
      'involvedObject.uid',
      'involvedObject.apiVersion',
      'involvedObject.resourceVersion',
      'involvedObject.fieldPath',
      'reason',
      'reportingComponent',
      'source',
      'type',
    ],
  }),
  grouped('apps', 'v1', 'deployments', 'deployment', 'Deployment', true, {
    shortNames: ['deploy'],
    categories: ['all'],
  }),
  grouped('apps', 'v1', 'replicasets', 'replicaset', 'ReplicaSet', true, {
    shortNames: ['rs'],
    categories: ['all'],
  }),
  grouped('apps', 'v1', 'statefulsets', 'statefulset', 'StatefulSet', true, {
    shortNames: ['sts'],
    categories: ['all'],
  }),
  grouped('apps', 'v1', 'daemonsets', 'daemonset', 'DaemonSet', true, {
    shortNames: ['ds'],
    categories: ['all'],
  }),
  grouped('batch', 'v1', 'jobs', 'job', 'Job', true, {categories: ['all']}),
  grouped('batch', 'v1', 'cronjobs', 'cronjob', 'CronJob', true, {shortNames: ['cj'], categories: ['all']}),
  grouped('discovery.k8s.io', 'v1', 'endpointslices', 'endpointslice', 'EndpointSlice', true),
  grouped(
    'admissionregistration.k8s.io',
    'v1',
    'mutatingwebhookconfigurations',
    'mutatingwebhookconfiguration',
    'MutatingWebhookConfiguration',
    false,
  ),
  grouped(
    'admissionregistration.k8s.io',
    'v1',
    'validatingwebhookconfigurations',
    'validatingwebhookconfiguration',
    'ValidatingWebhookConfiguration',
    false,
  ),
  grouped(
    'admissionregistration.k8s.io',
    'v1',
    'validatingadmissionpolicies',
    'validatingadmissionpolicy',
    'ValidatingAdmissionPolicy',
    false,
  ),
  grouped(
    'admissionregistration.k8s.io',
    'v1',
    'validatingadmissionpolicybindings',
    'validatingadmissionpolicybinding',
    'ValidatingAdmissionPolicyBinding',
    false,
  ),
  grouped('events.k8s.io', 'v1', 'events', 'event', 'Event', true, {shortNames: ['ev']}),
]

// Create-only review resources: they are answered, never stored.
export const reviewResources: ResourceInfo[] = [
  grouped('authorization.k8s.io', 'v1', 'selfsubjectaccessreviews', '', 'SelfSubjectAccessReview', false),
]

const groupVersion = (r: ResourceInfo): string => (r.group ? `${r.group}/${r.version}` : r.version)

export function findResource(group: string, version: string, resource: string): ResourceInfo | undefined {
  return resources.find((r) => r.group === group && r.version === version && r.resource === resource)
}

export function resourceForKind(apiVersion: string, kind: string): ResourceInfo | undefined {
  return resources.find((r) => groupVersion(r) === apiVersion && r.kind === kind)
}

export const serverVersion = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.4',
  gitCommit: '59526cd4867447956156ae3a602fcbac10a2c335',
  gitTreeState: 'clean',
  buildDate: '2025-04-22T16:02:27Z',
  goVersion: 'go1.23.6',
  compiler: 'gc',
  platform: 'linux/amd64',
}

export function coreApiVersions(): object {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1:6443'}],
  }
}

function groupNames(): string[] {
  const names: string[] = []
  for (const r of [...resources, ...reviewResources])
    if (r.group && !names.includes(r.group)) names.push(r.group)
  return names
}

const versionOf = (group: string): string =>
  [...resources, ...reviewResources].find((r) => r.group === group)?.version ?? 'v1'

export function apiGroupList(): object {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: groupNames().map((name) => {
      const gv = {groupVersion: `${name}/${versionOf(name)}`, version: versionOf(name)}
      return {name, versions: [gv], preferredVersion: gv}
    }),
  }
}

export function apiGroup(group: string): object | undefined {
  if (!groupNames().includes(group)) return undefined
  const gv = {groupVersion: `${group}/${versionOf(group)}`, version: versionOf(group)}
  return {kind: 'APIGroup', apiVersion: 'v1', name: group, versions: [gv], preferredVersion: gv}
}

export function apiResourceList(group: string, version: string): object | undefined {
  const members = resources.filter((r) => r.group === group && r.version === version)
  const reviews = reviewResources.filter((r) => r.group === group && r.version === version)
  if (members.length === 0 && reviews.length === 0) return undefined
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group ? `${group}/${version}` : version,
    resources: [
      ...members.map((r) => ({
        name: r.resource,
        singularName: r.singular,
        namespaced: r.namespaced,
        kind: r.kind,
        verbs: rw,
        ...(r.shortNames ? {shortNames: r.shortNames} : {}),
        ...(r.categories ? {categories: r.categories} : {}),
      })),
      ...reviews.map((r) => ({
        name: r.resource,
        singularName: r.singular,
        namespaced: false,
        kind: r.kind,
        verbs: ['create'],
      })),
    ],
  }
}

const openApiHash = 'DOUBLE0000000000'

// OpenAPI v3 discovery root: kubectl's query-param verifier reads it to learn that fieldValidation is supported.
export function openApiV3Root(): object {
  const paths: Record<string, {serverRelativeURL: string}> = {}
  for (const r of resources) {
    const gv = r.group ? `apis/${r.group}/${r.version}` : 'api/v1'
    paths[gv] = {serverRelativeURL: `/openapi/v3/${gv}?hash=${openApiHash}`}
  }
  return {paths}
}

// A minimal OpenAPI v3 document per group-version: one PATCH operation per kind with the fieldValidation parameter.
export function openApiV3Document(gvPath: string): object | undefined {
  const members = resources.filter((r) => (r.group ? `apis/${r.group}/${r.version}` : 'api/v1') === gvPath)
  if (members.length === 0) return undefined
  const paths: Record<string, object> = {}
  for (const r of members) {
    const prefix = r.group ? `/apis/${r.group}/${r.version}` : '/api/v1'
    const path = r.namespaced
      ? `${prefix}/namespaces/{namespace}/${r.resource}/{name}`
      : `${prefix}/${r.resource}/{name}`
    paths[path] = {
      patch: {
        operationId: `patch${r.kind}`,
        parameters: [
          {name: 'dryRun', in: 'query', schema: {type: 'string', uniqueItems: true}},
          {name: 'fieldManager', in: 'query', schema: {type: 'string', uniqueItems: true}},
          {name: 'fieldValidation', in: 'query', schema: {type: 'string', uniqueItems: true}},
        ],
        responses: {'200': {description: 'OK'}},
        'x-kubernetes-action': 'patch',
        'x-kubernetes-group-version-kind': {group: r.group, version: r.version, kind: r.kind},
      },
    }
  }
  return {openapi: '3.0.0', info: {title: 'Kubernetes', version: serverVersion.gitVersion}, paths}
}
