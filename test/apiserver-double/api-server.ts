// The HTTPS API-server double: auth, faults, discovery, reads, pod dry-run admission, and request recording.
import {randomBytes, randomUUID} from 'node:crypto'
import https from 'node:https'
import http2 from 'node:http2'
import type {IncomingMessage, ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'
import type {TLSSocket} from 'node:tls'
import type {KubeObject} from './object-store.js'
import {ObjectStore} from './object-store.js'
import {
  apiGroup,
  apiGroupList,
  apiResourceList,
  coreApiVersions,
  findResource,
  openApiV3Document,
  openApiV3Root,
  resourceForKind,
  resources,
  serverVersion,
} from './resource-catalog.js'
import type {ResourceInfo} from './resource-catalog.js'
import {
  decodeContinue,
  encodeContinue,
  listMetadata,
  listPage,
  parseListQuery,
  serializeList,
} from './list-pages.js'
import {SelectorError} from './selectors.js'
import {
  alreadyExists,
  defaultFaultBody,
  expiredContinueMessage,
  forbidden,
  notFound,
  statusBody,
  unauthorized,
} from './status-bodies.js'
import type {StatusBody} from './status-bodies.js'
import {tableFor} from './table-printing.js'
import type {IncludeObject} from './table-printing.js'
import {
  admitPriorityAndTolerations,
  admitServiceAccount,
  applyPodDefaults,
  prepareForCreate,
} from './pod-defaulting.js'
import {enforcePodSecurity} from './pod-security.js'
import {applyLimitRangeDefaults, checkQuotas, validateLimitRanges} from './resource-admission.js'
import {AdmissionRejection, runWebhooks} from './webhook-dispatch.js'
import type {ServiceSpec} from './webhook-dispatch.js'
import {loadTlsMaterial} from './tls-fixtures.js'
import {WatchHub} from './watch-streams.js'
import {decodeAccessReview} from './protobuf-review.js'
import {writeKubeconfigFile} from './kubeconfig-file.js'
import type {KubeconfigOptions} from './kubeconfig-file.js'

export interface Fault {
  method?: string
  // A string matches the URL path exactly; a RegExp is tested against path plus query string.
  path?: string | RegExp
  status?: 401 | 403 | 404 | 410 | 429 | 500 | 503
  message?: string
  delayMs?: number
  times?: number
  dropConnection?: boolean
}

// An access rule that is denied both for real requests and in SelfSubjectAccessReviews; omitted fields match anything.
export interface DeniedAccess {
  verb?: string
  group?: string
  resource?: string
  namespace?: string
}

export interface RecordedRequest {
  method: string
  path: string
  query: Record<string, string>
  status: number
  userAgent: string
  accept: string
  /** Impersonate-User and Impersonate-Group headers, as the real API server reads them. */
  impersonateUser?: string
  impersonateGroups?: string[]
  /** CN of a verified client certificate (kube-apiserver --client-ca-file authentication). */
  clientCertCn?: string
  /** '2.0' for HTTP/2, '1.1' for HTTP/1.1. */
  httpVersion: string
  body?: unknown
}

export interface ApiServerOptions {
  objects?: object[]
  token?: string
  pageLimitDefault?: number
  faults?: Fault[]
  services?: Record<string, string>
  logRequests?: boolean
  denied?: DeniedAccess[]
  userName?: string
  /** Listen address (default 127.0.0.1; `::1` serves https://[::1]:PORT). */
  host?: string
  /** PEM CA: a client certificate it signed authenticates like the token (kube-apiserver --client-ca-file). */
  clientCa?: string
  /** Serve under this path (an API server behind a path-routing proxy, e.g. /k8s/clusters/c-1). */
  pathPrefix?: string
  /** Offer HTTP/2 by ALPN beside HTTP/1.1, as kube-apiserver does (default); false: HTTP/1.1 only. */
  http2?: boolean
}

export interface ApiServerDouble {
  url: string
  caData: string
  token: string
  requests: RecordedRequest[]
  writeKubeconfig(options?: KubeconfigOptions): string
  setFaults(faults: Fault[]): void
  setDenied(denied: DeniedAccess[]): void
  addObjects(objs: object[]): void
  removeObject(kind: string, namespace: string, name: string): void
  // Makes every continue token issued so far expire (as an etcd compaction would); watches from older versions get 410.
  compact(): void
  /** Ends every open watch stream (as the API server does at a watch timeout); returns how many were open. */
  closeWatches(): number
  /** Sends a BOOKMARK with the current resourceVersion to the watches that allow bookmarks. */
  bookmarkWatches(): void
  /** How many watch streams are open now. */
  openWatches(): number
  /** TLS connections accepted since the double started. */
  connections(): number
  writes(): RecordedRequest[]
  close(): Promise<void>
}

const json = 'application/json'

interface Route {
  info: ResourceInfo
  namespace: string | undefined
  name: string | undefined
}

class HttpAnswer {
  constructor(
    readonly code: number,
    readonly body: string,
    readonly headers: Record<string, string> = {},
    /** Set for watches: the answer is a stream the handler starts instead of a body. */
    readonly stream?: (res: ServerResponse) => void,
  ) {}
}

const answerStatus = (status: StatusBody, headers: Record<string, string> = {}): HttpAnswer =>
  new HttpAnswer(status.code, JSON.stringify(status), headers)
const answerJson = (code: number, body: unknown): HttpAnswer => new HttpAnswer(code, JSON.stringify(body))

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

const verbFor = (method: string, route: Route, params: URLSearchParams): string => {
  // apiserver reads watch with strconv.ParseBool: true and 1 both start a watch.
  if (method === 'GET')
    return ['true', '1', 'True', 't'].includes(params.get('watch') ?? '')
      ? 'watch'
      : route.name
        ? 'get'
        : 'list'
  return {POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete'}[method] ?? method.toLowerCase()
}

function parseRoute(segments: string[]): {
  route?: Route
  proxy?: {namespace: string; service: string; rest: string}
} {
  let group: string
  let version: string
  let rest: string[]
  if (segments[0] === 'api' && segments[1] === 'v1') {
    group = ''
    version = 'v1'
    rest = segments.slice(2)
  } else if (segments[0] === 'apis' && segments.length >= 3) {
    group = segments[1]!
    version = segments[2]!
    rest = segments.slice(3)
  } else return {}
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const namespace = rest[1]!
    if (group === '' && rest[2] === 'services' && rest[4] === 'proxy' && rest[3])
      return {proxy: {namespace, service: rest[3], rest: '/' + rest.slice(5).join('/')}}
    const info = findResource(group, version, rest[2]!)
    if (!info || !info.namespaced || rest.length > 4) return {}
    return {route: {info, namespace, name: rest[3]}}
  }
  const info = findResource(group, version, rest[0] ?? '')
  if (!info || rest.length > 2) return {}
  return {route: {info, namespace: undefined, name: rest[1]}}
}

// kube-apiserver v1.37.2: a served group/version answers an unknown resource with a Status (details {}); a path under
// no served group/version falls through to the mux's plain-text 404 (held in test/real-cluster/wire.test.ts).
function unknownPath(segments: string[]): HttpAnswer {
  const served =
    segments[0] === 'api'
      ? segments[1] === 'v1'
      : segments[0] === 'apis' && apiResourceList(segments[1] ?? '', segments[2] ?? '') !== undefined
  if (!served)
    return new HttpAnswer(404, '404 page not found\n', {
      'content-type': 'text/plain; charset=utf-8',
      'x-content-type-options': 'nosniff',
    })
  return answerStatus(statusBody(404, 'NotFound', 'the server could not find the requested resource', {}))
}

export async function startApiServer(options: ApiServerOptions = {}): Promise<ApiServerDouble> {
  const tls = loadTlsMaterial()
  const token = options.token ?? `double-${randomBytes(12).toString('hex')}`
  const userName = options.userName ?? 'kubectl-inject-test'
  const store = new ObjectStore()
  const services = options.services ?? {}
  let faults: Fault[] = [...(options.faults ?? [])]
  let denied: DeniedAccess[] = [...(options.denied ?? [])]
  let compactedRevision = 0
  const requests: RecordedRequest[] = []

  const watches = new WatchHub()
  store.onChange = (type, info, namespace, object, revision) =>
    watches.record({type, info, namespace, object, revision})

  // apiserver: a watch from a resourceVersion older than the compaction answers an ERROR event with 410 Expired.
  const serveWatch = (route: Route, params: URLSearchParams): HttpAnswer => {
    const query = parseListQuery(route.info, route.namespace, params)
    const requested = Number(params.get('resourceVersion') ?? '')
    const since = params.get('resourceVersion') && Number.isFinite(requested) ? requested : store.revision
    const expired =
      since < compactedRevision ? `too old resource version: ${since} (${compactedRevision})` : undefined
    return new HttpAnswer(200, '', {}, (res) =>
      watches.serve(
        res,
        {
          info: route.info,
          namespace: route.namespace,
          labels: query.labels,
          fields: query.fields,
          bookmarks: params.get('allowWatchBookmarks') === 'true',
        },
        since,
        expired,
      ),
    )
  }

  const addObjects = (objs: object[]): void => {
    for (const obj of objs) store.add(obj as KubeObject)
  }
  addObjects(options.objects ?? [])

  const isDenied = (verb: string, group: string, resource: string, namespace: string | undefined): boolean =>
    denied.some(
      (d) =>
        (d.verb === undefined || d.verb === '*' || d.verb === verb) &&
        (d.group === undefined || d.group === group) &&
        (d.resource === undefined || d.resource === '*' || d.resource === resource) &&
        (d.namespace === undefined || d.namespace === namespace),
    )

  const takeFault = (method: string, pathname: string, rawUrl: string): Fault | undefined => {
    const index = faults.findIndex(
      (f) =>
        (f.method === undefined || f.method.toUpperCase() === method) &&
        (f.path === undefined || (typeof f.path === 'string' ? f.path === pathname : f.path.test(rawUrl))),
    )
    if (index < 0) return undefined
    const fault = faults[index]!
    if (fault.times !== undefined) {
      const remaining = fault.times - 1
      if (remaining <= 0) faults = faults.filter((_, i) => i !== index)
      else faults[index] = {...fault, times: remaining}
    }
    return fault
  }

  const faultAnswer = (fault: Fault, params: URLSearchParams): HttpAnswer => {
    const code = fault.status!
    const body = defaultFaultBody(code, fault.message)
    // apiserver: pkg/storage/etcd3/store.go handleCompactedErrorForPaging hands out an inconsistent-continue token.
    if (code === 410 && params.get('continue')) {
      const old = decodeContinue(params.get('continue')!)
      if (old) body.metadata.continue = encodeContinue(-1, old.start)
    }
    return answerStatus(body, code === 429 ? {'retry-after': '1'} : {})
  }

  const serveList = (route: Route, params: URLSearchParams, accept: string): HttpAnswer => {
    const query = parseListQuery(route.info, route.namespace, params)
    if (query.limit === undefined && options.pageLimitDefault) query.limit = options.pageLimitDefault
    const continueText = params.get('continue')
    if (continueText) {
      const token = decodeContinue(continueText)
      if (!token)
        return answerStatus(
          statusBody(
            400,
            'BadRequest',
            'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
          ),
        )
      if (token.rv > 0 && token.rv < compactedRevision) {
        const body = statusBody(410, 'Expired', expiredContinueMessage)
        body.metadata.continue = encodeContinue(-1, token.start)
        return answerStatus(body)
      }
      query.token = token
    }
    const page = listPage(store, route.info, query)
    if (accept.includes('as=Table')) {
      const include = (params.get('includeObject') ?? 'Metadata') as IncludeObject
      const objects = page.items.map((e) => e.object)
      return answerJson(200, tableFor(route.info, objects, listMetadata(page), include, Date.now()))
    }
    return new HttpAnswer(200, serializeList(route.info, page))
  }

  const serveGet = (route: Route, params: URLSearchParams, accept: string): HttpAnswer => {
    const entry = store.get(route.info, route.namespace ?? '', route.name!)
    if (!entry) return answerStatus(notFound(route.info.resource, route.info.group, route.name!))
    if (accept.includes('as=Table')) {
      const include = (params.get('includeObject') ?? 'Metadata') as IncludeObject
      const meta = {resourceVersion: entry.object.metadata?.resourceVersion ?? ''}
      return answerJson(200, tableFor(route.info, [entry.object], meta, include, Date.now()))
    }
    return new HttpAnswer(200, entry.json)
  }

  // apiserver: pkg/util/proxy/proxy.go ResolveEndpoint reads the Service's EndpointSlices; a nil ready condition counts as ready.
  const readyEndpoints = (namespace: string, service: string): boolean | undefined => {
    const info = findResource('discovery.k8s.io', 'v1', 'endpointslices')!
    const slices = store
      .bucket(info)
      .sorted(namespace)
      .map((e) => e.object as KubeObject & {endpoints?: {conditions?: {ready?: boolean}}[]})
      .filter((o) => o.metadata?.labels?.['kubernetes.io/service-name'] === service)
    if (slices.length === 0) return undefined
    return slices.some((o) => (o.endpoints ?? []).some((e) => e.conditions?.ready !== false))
  }

  const serviceSpec = (namespace: string, service: string): ServiceSpec | undefined =>
    (
      store.get(findResource('', 'v1', 'services')!, namespace, service)?.object as
        {spec?: ServiceSpec} | undefined
    )?.spec

  const namespaceLabels = (namespace: string): Record<string, string> | undefined => {
    const info = findResource('', 'v1', 'namespaces')!
    return store.get(info, '', namespace)?.object.metadata?.labels
  }

  const createPod = async (
    namespace: string,
    pod: KubeObject,
    params: URLSearchParams,
  ): Promise<HttpAnswer> => {
    const dryRun = params.getAll('dryRun').includes('All')
    const labels = namespaceLabels(namespace)
    if (!labels) return answerStatus(notFound('namespaces', '', namespace))
    applyPodDefaults(pod)
    const saInfo = findResource('', 'v1', 'serviceaccounts')!
    const saName = String((pod.spec as {serviceAccountName?: string}).serviceAccountName ?? 'default')
    admitServiceAccount(pod, store.get(saInfo, namespace, saName)?.object)
    admitPriorityAndTolerations(pod)
    const inNamespace = (resource: string): KubeObject[] =>
      store
        .bucket(findResource('', 'v1', resource)!)
        .sorted(namespace)
        .map((e) => e.object)
    const limitRanges = inNamespace('limitranges')
    // LimitRanger defaults run in the mutating phase, before webhooks: injected containers get none.
    applyLimitRangeDefaults(pod, limitRanges)
    const webhookInput = {
      pod,
      namespace,
      namespaceLabels: labels,
      dryRun,
      fieldManager: params.get('fieldManager') ?? undefined,
      userName,
      services,
      readyEndpoints,
      serviceSpec,
    }
    const byResource = (resource: string): KubeObject[] =>
      store
        .bucket(findResource('admissionregistration.k8s.io', 'v1', resource)!)
        .sorted(undefined)
        .map((e) => e.object)
    let admitted: KubeObject
    try {
      admitted = await runWebhooks(byResource('mutatingwebhookconfigurations'), webhookInput, true)
      prepareForCreate(admitted, new Date())
      // Validation phase, in plugin order (kubernetes pkg/kubeapiserver/options/plugins.go): LimitRanger, PodSecurity,
      // validating webhooks, ResourceQuota last; all see the mutated (injected) pod.
      const podName = String(admitted.metadata?.name ?? admitted.metadata?.generateName ?? '')
      const outOfRange = validateLimitRanges(admitted, limitRanges, podName)
      if (outOfRange !== undefined) throw new AdmissionRejection(outOfRange)
      const forbidden = enforcePodSecurity(admitted, labels)
      if (forbidden !== undefined) throw new AdmissionRejection(forbidden)
      await runWebhooks(
        byResource('validatingwebhookconfigurations'),
        {...webhookInput, pod: admitted},
        false,
      )
      const overQuota = checkQuotas(admitted, inNamespace('resourcequotas'), inNamespace('pods'), podName)
      if (overQuota !== undefined) throw new AdmissionRejection(overQuota)
    } catch (err) {
      if (err instanceof AdmissionRejection) return answerStatus(err.status)
      throw err
    }
    const podInfo = findResource('', 'v1', 'pods')!
    const name = admitted.metadata?.name
    if (!name)
      return answerStatus(
        statusBody(
          422,
          'Invalid',
          'Pod "" is invalid: metadata.name: Required value: name or generateName is required',
          {
            kind: 'Pod',
            causes: [
              {
                reason: 'FieldValueRequired',
                message: 'Required value: name or generateName is required',
                field: 'metadata.name',
              },
            ],
          },
        ),
      )
    if (store.get(podInfo, namespace, name)) return answerStatus(alreadyExists('pods', '', name))
    if (dryRun) return answerJson(201, admitted)
    return new HttpAnswer(201, store.put(podInfo, admitted).json)
  }

  const accessReview = (body: {spec?: {resourceAttributes?: Record<string, string>}}): HttpAnswer => {
    const attrs = body.spec?.resourceAttributes
    const allowed = attrs
      ? !isDenied(attrs.verb ?? '', attrs.group ?? '', attrs.resource ?? '', attrs.namespace || undefined)
      : true
    return answerJson(201, {
      kind: 'SelfSubjectAccessReview',
      apiVersion: 'authorization.k8s.io/v1',
      metadata: {creationTimestamp: null},
      spec: body.spec ?? {},
      status: allowed
        ? {
            allowed: true,
            reason:
              'RBAC: allowed by ClusterRoleBinding "double-admin" of ClusterRole "cluster-admin" to User "' +
              userName +
              '"',
          }
        : {allowed: false},
    })
  }

  const proxyToService = (
    proxy: {namespace: string; service: string; rest: string},
    req: IncomingMessage,
    search: string,
    bodyText: string,
  ): Promise<HttpAnswer> => {
    const parts = proxy.service.split(':')
    const [name, port] =
      parts.length === 3
        ? [parts[1]!, parts[2]!]
        : parts.length === 2
          ? [parts[0]!, parts[1]!]
          : [parts[0]!, '443']
    const base = services[`${proxy.namespace}/${name}:${port}`]
    if (!base || readyEndpoints(proxy.namespace, name) === false)
      return Promise.resolve(
        answerStatus(statusBody(503, 'ServiceUnavailable', `no endpoints available for service "${name}"`)),
      )
    return new Promise((resolve) => {
      const upstream = https.request(
        new URL(proxy.rest + search, base),
        {
          method: req.method,
          headers: {
            'content-type': req.headers['content-type'] ?? json,
            'content-length': Buffer.byteLength(bodyText),
          },
          // The API server's service proxy does not verify the backend's certificate.
          rejectUnauthorized: false,
        },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('end', () =>
            resolve(
              new HttpAnswer(res.statusCode ?? 502, Buffer.concat(chunks).toString('utf8'), {
                'content-type': String(res.headers['content-type'] ?? json),
              }),
            ),
          )
        },
      )
      upstream.on('error', (err) =>
        resolve(
          answerStatus(
            statusBody(503, 'ServiceUnavailable', `error trying to reach service: ${err.message}`),
          ),
        ),
      )
      upstream.end(bodyText)
    })
  }

  const route = async (
    req: IncomingMessage,
    url: URL,
    bodyText: string,
    parsed: unknown,
  ): Promise<HttpAnswer> => {
    const method = req.method ?? 'GET'
    const accept = String(req.headers.accept ?? '')
    const params = url.searchParams
    const path = url.pathname.replace(/\/+$/, '') || '/'
    if (method === 'GET') {
      if (path === '/version') return answerJson(200, serverVersion)
      if (path === '/healthz' || path === '/readyz' || path === '/livez')
        return new HttpAnswer(200, 'ok', {'content-type': 'text/plain'})
      if (path === '/api') return answerJson(200, coreApiVersions())
      if (path === '/apis') return answerJson(200, apiGroupList())
      if (path === '/openapi/v3') return answerJson(200, openApiV3Root())
      if (path.startsWith('/openapi/v3/')) {
        const doc = openApiV3Document(path.slice('/openapi/v3/'.length))
        if (doc) return answerJson(200, doc)
      }
      const discovery = /^\/(api|apis)(?:\/([^/]+))?(?:\/([^/]+))?$/.exec(path)
      if (discovery) {
        const doc =
          discovery[1] === 'api'
            ? discovery[2] === 'v1' && !discovery[3]
              ? apiResourceList('', 'v1')
              : undefined
            : discovery[3]
              ? apiResourceList(discovery[2]!, discovery[3])
              : apiGroup(discovery[2]!)
        if (doc) return answerJson(200, doc)
      }
    }
    const segments = path.split('/').filter(Boolean).map(decodeURIComponent)
    const {route: target, proxy} = parseRoute(segments)
    if (proxy) return proxyToService(proxy, req, url.search, bodyText)
    if (
      segments[0] === 'apis' &&
      segments[1] === 'authorization.k8s.io' &&
      segments[3] === 'selfsubjectaccessreviews'
    ) {
      if (method !== 'POST')
        return answerStatus(
          statusBody(
            405,
            'MethodNotAllowed',
            'the server does not allow this method on the requested resource',
          ),
        )
      return accessReview((parsed ?? {}) as {spec?: {resourceAttributes?: Record<string, string>}})
    }
    if (!target) return unknownPath(segments)
    const {info} = target
    const verb = verbFor(method, target, params)
    // apiserver: pkg/endpoints/request/requestinfo.go: for /api/v1/namespaces/{name} the request's namespace is {name}
    // (RBAC and the 403 text: `in the namespace "team-a"`, seen on a real v1.37.2).
    const authzNamespace =
      info.group === '' && info.resource === 'namespaces' && target.name ? target.name : target.namespace
    if (isDenied(verb, info.group, info.resource, authzNamespace))
      return answerStatus(forbidden(userName, verb, info.resource, info.group, authzNamespace, target.name))
    if (method === 'GET') {
      if (verb === 'watch') return serveWatch(target, params)
      return target.name ? serveGet(target, params, accept) : serveList(target, params, accept)
    }
    if (method === 'POST' && !target.name) {
      let obj: KubeObject
      try {
        obj = JSON.parse(bodyText) as KubeObject
      } catch (err) {
        return answerStatus(
          statusBody(
            400,
            'BadRequest',
            `the body of the request was in an unknown format: ${(err as Error).message}`,
          ),
        )
      }
      const bodyNamespace = obj.metadata?.namespace
      if (info.namespaced && bodyNamespace && bodyNamespace !== target.namespace)
        return answerStatus(
          statusBody(
            400,
            'BadRequest',
            'the namespace of the provided object does not match the namespace sent on the request',
          ),
        )
      if (resourceForKind(String(obj.apiVersion ?? ''), String(obj.kind ?? '')) !== info)
        return answerStatus(
          statusBody(
            400,
            'BadRequest',
            `the API version in the data (${obj.apiVersion}) does not match the expected API version (${info.group ? info.group + '/' : ''}${info.version})`,
          ),
        )
      if (info.namespaced) (obj.metadata ??= {}).namespace = target.namespace
      if (info.resource === 'pods') return createPod(target.namespace!, obj, params)
      const name = obj.metadata?.name ?? ''
      if (store.get(info, target.namespace ?? '', name))
        return answerStatus(alreadyExists(info.resource, info.group, name))
      if (params.getAll('dryRun').includes('All')) return answerJson(201, obj)
      return new HttpAnswer(201, store.put(info, obj).json)
    }
    if (method === 'DELETE' && target.name) {
      const entry = store.get(info, target.namespace ?? '', target.name)
      if (!entry) return answerStatus(notFound(info.resource, info.group, target.name))
      if (!params.getAll('dryRun').includes('All')) store.remove(info, target.namespace ?? '', target.name)
      return new HttpAnswer(200, entry.json)
    }
    return answerStatus(
      statusBody(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource'),
    )
  }

  const prefix = (options.pathPrefix ?? '').replace(/\/+$/, '')
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1')
    if (prefix !== '')
      url.pathname = url.pathname.startsWith(`${prefix}/`) ? url.pathname.slice(prefix.length) : '/'
    const method = req.method ?? 'GET'
    const record: RecordedRequest = {
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      status: 0,
      userAgent: String(req.headers['user-agent'] ?? ''),
      accept: String(req.headers.accept ?? ''),
      httpVersion: req.httpVersion,
    }
    const asUser = req.headers['impersonate-user']
    if (typeof asUser === 'string') record.impersonateUser = asUser
    // Node joins a repeated header with ", "; the groups are the separate header lines (rawHeaders: name, value, …).
    const groupLines = req.rawHeaders.filter(
      (_, at) => at % 2 === 1 && req.rawHeaders[at - 1]?.toLowerCase() === 'impersonate-group',
    )
    if (groupLines.length > 0) record.impersonateGroups = groupLines
    const peer = (req.socket as TLSSocket).authorized
      ? (req.socket as TLSSocket).getPeerCertificate()
      : undefined
    if (peer?.subject?.CN !== undefined) record.clientCertCn = String(peer.subject.CN)
    requests.push(record)
    const rawBody = await readBody(req)
    const isProtobuf = String(req.headers['content-type'] ?? '').includes('protobuf')
    const bodyText = isProtobuf ? '' : rawBody.toString('utf8')
    if (isProtobuf && url.pathname.endsWith('/selfsubjectaccessreviews')) {
      try {
        record.body = decodeAccessReview(rawBody)
      } catch {
        record.body = undefined
      }
    } else if (bodyText && method !== 'GET') {
      try {
        record.body = JSON.parse(bodyText)
      } catch {
        record.body = bodyText
      }
    }
    let answer: HttpAnswer | undefined
    const fault = takeFault(method, url.pathname, url.pathname + url.search)
    if (fault?.delayMs) await sleep(fault.delayMs)
    if (fault?.dropConnection) {
      req.socket.destroy()
      return
    }
    if (fault?.status) answer = faultAnswer(fault, url.searchParams)
    const authenticated = req.headers.authorization === `Bearer ${token}` || record.clientCertCn !== undefined
    if (!answer && !authenticated) answer = answerStatus(unauthorized())
    if (!answer) {
      try {
        answer = await route(req, url, bodyText, record.body)
      } catch (err) {
        answer =
          err instanceof SelectorError
            ? answerStatus(statusBody(400, 'BadRequest', err.message))
            : answerStatus(
                statusBody(500, 'InternalError', `Internal error occurred: ${(err as Error).message}`),
              )
      }
    }
    record.status = answer.code
    if (options.logRequests) console.error(`[apiserver-double] ${method} ${req.url} → ${answer.code}`)
    if (res.destroyed) return
    if (answer.stream !== undefined) {
      answer.stream(res)
      return
    }
    res.writeHead(answer.code, {
      'content-type': json,
      'cache-control': 'no-cache, private',
      'audit-id': randomUUID(),
      ...answer.headers,
    })
    res.end(answer.body)
  }

  const clientCerts =
    options.clientCa === undefined ? {} : {ca: options.clientCa, requestCert: true, rejectUnauthorized: false}
  const serve = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((err: Error) => {
      if (!res.headersSent) res.writeHead(500, {'content-type': json})
      res.end(JSON.stringify(statusBody(500, 'InternalError', err.message)))
    })
  }
  const serverTls = {cert: tls.serverCertPem, key: tls.serverKeyPem, ...clientCerts}
  // node's HTTP/2 compatibility request and response stand in for IncomingMessage and ServerResponse here.
  const server =
    options.http2 === false
      ? https.createServer(serverTls, serve)
      : http2.createSecureServer({...serverTls, allowHTTP1: true}, serve as never)
  let connections = 0
  const sockets = new Set<TLSSocket>()
  server.on('secureConnection', (socket: TLSSocket) => {
    connections++
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  const host = options.host ?? '127.0.0.1'
  await new Promise<void>((resolve) => server.listen(0, host, resolve))
  const hostInUrl = host.includes(':') ? `[${host}]` : host
  const url = `https://${hostInUrl}:${(server.address() as AddressInfo).port}${prefix}`

  return {
    url,
    caData: tls.caPem,
    token,
    requests,
    writeKubeconfig: (kubeconfigOptions = {}) =>
      writeKubeconfigFile({server: url, caData: tls.caPem, token}, kubeconfigOptions),
    setFaults: (next) => {
      faults = [...next]
    },
    setDenied: (next) => {
      denied = [...next]
    },
    addObjects,
    removeObject: (kind, namespace, name) => {
      const info = resources.find((r) => r.kind === kind)
      if (!info) throw new Error(`the API-server double does not serve kind ${kind}`)
      store.remove(info, namespace, name)
    },
    compact: () => {
      store.revision++
      compactedRevision = store.revision
    },
    closeWatches: () => watches.closeAll(),
    bookmarkWatches: () => watches.bookmark(store.revision),
    openWatches: () => watches.openCount,
    connections: () => connections,
    writes: () =>
      requests.filter(
        (r) =>
          ['POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method) &&
          !(r.method === 'POST' && r.query.dryRun === 'All') &&
          !r.path.endsWith('/selfsubjectaccessreviews'),
      ),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        for (const socket of sockets) socket.destroy()
      }),
  }
}
