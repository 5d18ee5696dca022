// The live preview route: server-side dry-run creates (dryRun=All), the direct AdmissionReview to an injector through
// the API server's service proxy, and the SelfSubjectAccessReview that decides whether the direct route is allowed.
// Nothing here persists anything: dry-run creates, access reviews and proxied AdmissionReviews store no object.
import {randomUUID} from 'node:crypto'
import {attributeWebhooks, evaluateAdmission, skippedWebhookWarning} from '../core/preview/attribution.js'
import {classifyAdmissionRejection} from '../core/admission-after/rejection-texts.js'
import {diagnoseDirectFailure, diagnoseDryRunFailure} from '../core/preview/failure.js'
import {applyJsonPatch} from '../core/preview/json-patch.js'
import {isolateInjection, restartPair, reviewObjectFrom} from '../core/preview/noise.js'
import {rebase} from '../core/preview/rebase.js'
import {sh} from '../core/verdict/shell-command.js'
import {controllerOf, hasTemplate, observedPreview} from '../core/preview/observed.js'
import {
  injectLabel,
  optedOut,
  podForRestart,
  podFromPod,
  podFromTemplate,
  revisionLabel,
  statusAnnotation,
  templateOfWorkload,
  withoutInjection,
  withPodLabel,
} from '../core/preview/pod-builder.js'
import type {PodObject} from '../core/preview/pod-builder.js'
import {
  completePreview,
  failedPreview,
  isInjected,
  onStoredPod,
  rejectedPreview,
  revisionOfResult,
} from '../core/preview/preview.js'
import type {PodPreview, PreviewNote, PreviewRoute, PreviewSubject} from '../core/preview/preview.js'
import {findRevision, planObjectPath} from '../core/preview/revision-route.js'
import type {RevisionTarget} from '../core/preview/revision-route.js'
import type {ClusterSnapshot, PodFacts, WorkloadKind} from '../core/snapshot.js'
import {describeReason} from '../core/verdict/reasons.js'
import {ApiStatusError} from './kube-errors.js'
import {workloadPaths} from './live-source.js'
import {projectPod} from './projection.js'
import type {TargetSpec} from '../core/target-spec.js'
import type {Transport} from './transport.js'
import {compareText} from '../core/text-order.js'

const enc = encodeURIComponent
const fieldManager = 'kubectl-inject'

/** POST /api/v1/namespaces/{ns}/pods?dryRun=All: the cluster's whole admission chain, nothing stored. */
export async function dryRunCreatePod(transport: Transport, pod: PodObject): Promise<PodObject> {
  const namespace = String((pod.metadata as {namespace?: unknown} | undefined)?.namespace ?? 'default')
  return transport.postJson(`/api/v1/namespaces/${enc(namespace)}/pods`, {dryRun: 'All', fieldManager}, pod)
}

/** SelfSubjectAccessReview: may these credentials POST through services/NAME/proxy (verb create, subresource proxy)? */
// kubernetes: staging/src/k8s.io/apiserver/pkg/endpoints/request/requestinfo.go (connect verbs come from the HTTP method)
export async function canProxyService(
  transport: Transport,
  namespace: string,
  name: string,
): Promise<boolean> {
  const review = await transport.postJson(
    '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
    {},
    {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      spec: {
        resourceAttributes: {
          verb: 'create',
          group: '',
          resource: 'services',
          subresource: 'proxy',
          namespace,
          name,
        },
      },
    },
  )
  return (review.status as {allowed?: unknown} | undefined)?.allowed === true
}

/** The proxy path to an injector Service's https-webhook port (istiod's Service names its 443 port `https-webhook`). */
// kubernetes: POST /api/v1/namespaces/{namespace}/services/{scheme}:{name}:{port}/proxy/{path} (connect, services/proxy)
export const injectProxyPath = (namespace: string, service: string): string =>
  `/api/v1/namespaces/${enc(namespace)}/services/https:${enc(service)}:https-webhook/proxy/inject`

export interface InjectAnswer {
  readonly allowed: boolean
  readonly patch: readonly {op: string; path: string; value?: unknown; from?: string}[]
  readonly message: string | null
}

/** Posts a dry-run AdmissionReview (operation CREATE) for `object` to the injector and decodes its JSONPatch. */
export async function postInjectReview(
  transport: Transport,
  service: {namespace: string; name: string},
  object: PodObject,
): Promise<InjectAnswer> {
  const uid = randomUUID()
  const namespace = String((object.metadata as {namespace?: unknown} | undefined)?.namespace ?? 'default')
  const kind = {group: '', version: 'v1', kind: 'Pod'}
  const resource = {group: '', version: 'v1', resource: 'pods'}
  const review = {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid,
      kind,
      resource,
      requestKind: kind,
      requestResource: resource,
      namespace,
      operation: 'CREATE',
      userInfo: {username: 'kubectl-inject'},
      object,
      oldObject: null,
      dryRun: true,
      options: {kind: 'CreateOptions', apiVersion: 'meta.k8s.io/v1', dryRun: ['All'], fieldManager},
    },
  }
  const answer = await transport.postJson(injectProxyPath(service.namespace, service.name), {}, review)
  const response = (answer.response ?? {}) as {
    uid?: unknown
    allowed?: unknown
    patch?: unknown
    patchType?: unknown
    status?: {message?: unknown}
  }
  if (response.uid !== uid)
    throw new Error(`the injector answered for uid "${String(response.uid)}", expected "${uid}"`)
  const message = typeof response.status?.message === 'string' ? response.status.message : null
  if (response.allowed !== true) return {allowed: false, patch: [], message}
  if (typeof response.patch !== 'string' || response.patch === '') return {allowed: true, patch: [], message}
  if (response.patchType !== 'JSONPatch')
    throw new Error(`the injector answered patchType "${String(response.patchType)}", expected JSONPatch`)
  const patch = JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8')) as InjectAnswer['patch']
  return {allowed: true, patch, message}
}

export interface LivePreviewOptions {
  /** --raw: compare the input with the whole dry-run result. */
  readonly raw?: boolean
  /** --revision: preview injection by this revision (what-if). */
  readonly revision?: string
}

const labelsOf = (pod: PodObject): Record<string, string> =>
  ((pod.metadata as {labels?: Record<string, string>} | undefined)?.labels ?? {}) as Record<string, string>

const factsOf = (pod: PodObject): PodFacts => projectPod(pod, {kind: 'PodTemplate', keepObject: true})!

const note = (code: PreviewNote['code'], message?: string): PreviewNote => ({
  code,
  message: message ?? describeReason(code).summary,
})

/** What every step of one live preview shares. */
interface PreviewRun {
  readonly transport: Transport
  readonly snapshot: ClusterSnapshot
  readonly subject: PreviewSubject
  readonly input: PodObject
  readonly options: LivePreviewOptions
  readonly raw: boolean
  readonly warnings: PreviewNote[]
}

const base = (run: PreviewRun, route: PreviewRoute, routeReason: PreviewNote) => ({
  subject: run.subject,
  route,
  routeReason,
  raw: run.raw,
  warnings: run.warnings,
})

const failWith = (
  run: PreviewRun,
  route: PreviewRoute,
  routeReason: PreviewNote,
  error: ApiStatusError,
): PodPreview =>
  failedPreview(
    {...base(run, route, routeReason), revision: run.options.revision ?? null, webhooks: []},
    diagnoseDryRunFailure(
      error.status.message ?? error.message,
      error.status.code,
      run.subject.namespace,
      run.subject.name,
    ),
  )

/** Runs one preview against the live cluster; an admission failure becomes a diagnosed PodPreview, other errors throw. */
export async function previewLive(
  transport: Transport,
  snapshot: ClusterSnapshot,
  subject: PreviewSubject,
  input: PodObject,
  options: LivePreviewOptions = {},
  restart?: RestartSource,
): Promise<PodPreview> {
  const raw = options.raw === true
  const warnings: PreviewNote[] = []
  if (
    typeof (input.metadata as {annotations?: Record<string, unknown>} | undefined)?.annotations?.[
      statusAnnotation
    ] === 'string'
  ) {
    warnings.push(note('PreviewAlreadyInjected'))
  }
  const run: PreviewRun = {transport, snapshot, subject, input, options, raw, warnings}

  if (restart !== undefined && options.revision === undefined) return restartPreview(run, restart)
  if (options.revision === undefined)
    return dryRunPair(run, input, note(raw ? 'PreviewRawDryRun' : 'PreviewDryRun'), null)

  const lookup = findRevision(snapshot, options.revision)
  if (!lookup.ok) {
    return failedPreview(
      {...base(run, 'dry-run', note('PreviewRevisionNotFound')), revision: options.revision, webhooks: []},
      {
        code: 'PreviewRevisionNotFound',
        message: `revision or tag "${options.revision}" not found (known: ${lookup.known.length === 0 ? 'none' : lookup.known.join(', ')}); nothing was sent: no dry-run, no AdmissionReview`,
        diagnosis: describeReason('PreviewRevisionNotFound').summary,
        hint: describeReason('PreviewRevisionNotFound').hint,
      },
    )
  }
  const target = lookup.target
  const plan = planObjectPath(snapshot, factsOf(input), target)
  if (!plan.ok) return directPreview(run, target, plan.reason)
  const routeReason = note(
    'PreviewRevisionObjectPath',
    `what-if --revision ${target.revision}: pod label ${revisionLabel}=${target.revision} is selected by ${plan.webhook.configuration}/${plan.webhook.name}`,
  )
  return dryRunPair(run, withPodLabel(input, revisionLabel, target.revision), routeReason, target)
}

/** What-if --revision without an object path: an AdmissionReview posted to the revision's injector via services/proxy. */
async function directPreview(
  run: PreviewRun,
  target: RevisionTarget,
  planReason: string,
): Promise<PodPreview> {
  const {transport, snapshot, input, raw} = run
  const service = target.service
  // kubernetes: pkg/registry/core/service/storage/storage.go ResourceLocation proxies to endpoints only: an ExternalName
  // Service answers "no endpoints available" (seen on v1.37.2), though webhook calls reach it (ResolveCluster).
  const external = service?.externalName !== undefined
  const allowed =
    service === null || external ? false : await canProxyService(transport, service.namespace, service.name)
  if (service === null || !allowed) return noDirectRoute(run, target, planReason)
  const routeReason = note(
    'PreviewRevisionDirect',
    `what-if --revision ${target.revision}: object path not possible (${planReason}); AdmissionReview posted to ${service.namespace}/${service.name} through services/proxy`,
  )
  let baseline: PodObject
  try {
    baseline = await dryRunCreatePod(transport, optedOut(input))
  } catch (error) {
    if (error instanceof ApiStatusError) return failWith(run, 'direct', routeReason, error)
    throw error
  }
  const object = reviewObjectFrom(baseline, input)
  let answer: InjectAnswer
  try {
    answer = await postInjectReview(transport, service, object)
  } catch (error) {
    const message =
      error instanceof ApiStatusError ? (error.status.message ?? error.message) : (error as Error).message
    return failedPreview(
      {...base(run, 'direct', routeReason), revision: target.revision, webhooks: []},
      diagnoseDirectFailure(message, service, injectProxyPath(service.namespace, service.name)),
    )
  }
  if (!answer.allowed) {
    return failedPreview(
      {...base(run, 'direct', routeReason), revision: target.revision, webhooks: []},
      {
        code: 'WebhookDenied',
        message: `the injector ${service.namespace}/${service.name} denied the request: ${answer.message ?? 'without explanation'}`,
        diagnosis: describeReason('WebhookDenied').summary,
        hint: describeReason('WebhookDenied').hint,
      },
    )
  }
  const injectedObject = applyJsonPatch(object, answer.patch) as PodObject
  const before = raw ? input : object
  const after = raw ? injectedObject : (rebase(object, injectedObject, input) as PodObject)
  return completePreview(
    {
      ...base(run, 'direct', routeReason),
      revision: revisionOfResult(after) ?? target.revision,
      webhooks: directWebhooks(snapshot, target, service.name, answer.patch.length > 0).slice(0, 1),
    },
    raw ? before : input,
    after,
  )
}

/** The revision's injector webhooks that call `serviceName`, as the direct route's attribution. */
const directWebhooks = (
  snapshot: ClusterSnapshot,
  target: RevisionTarget,
  serviceName: string,
  mutated: boolean,
) =>
  target.configurations.map((configuration) => {
    const hook = snapshot.webhookConfigurations
      .find((c) => c.metadata.name === configuration)
      ?.webhooks?.find((w) => w.clientConfig.service?.name === serviceName)
    return {
      configuration,
      name: hook?.name ?? serviceName,
      istio: true,
      mutated,
      failurePolicy: hook?.failurePolicy ?? 'Fail',
    }
  })

/** Neither route: no object path, and the injector is reached by URL, is an ExternalName, or services/proxy is forbidden. */
function noDirectRoute(run: PreviewRun, target: RevisionTarget, planReason: string): PodPreview {
  const service = target.service
  const external = service?.externalName !== undefined
  const why =
    service === null
      ? `revision ${target.revision} calls its injector by URL, not through a Service`
      : external
        ? `${service.namespace}/${service.name} is an ExternalName Service (${service.externalName ?? ''}): the API server's service proxy reaches endpoints only`
        : `creating services/proxy for ${service.namespace}/${service.name} is forbidden`
  return failedPreview(
    {...base(run, 'direct', note('PreviewRevisionNoRoute')), revision: target.revision, webhooks: []},
    {
      code: 'PreviewRevisionNoRoute',
      message: `cannot preview revision ${target.revision}: object path: ${planReason}; direct route: ${why}`,
      diagnosis: describeReason('PreviewRevisionNoRoute').summary,
      // `services/proxy` as an argument would name a Service called proxy: the subresource is a flag.
      hint:
        service === null || external
          ? sh`kubectl get mutatingwebhookconfigurations -l istio.io/rev=${target.revision} -o yaml   # preview in a namespace its namespaceSelector selects (the object path needs no proxy)`
          : sh`kubectl auth can-i create services/${service.name} --subresource=proxy -n ${service.namespace}`,
    },
  )
}

/** An injected pod: the running pod against one re-created now (dry-run), i.e. what a restart would change. */
async function restartPreview(run: PreviewRun, source: RestartSource): Promise<PodPreview> {
  const {transport, snapshot, input, raw} = run
  const routeReason = note(
    source.owner === null ? 'PreviewRestartBare' : 'PreviewRestart',
    source.owner === null
      ? `already injected (revision ${revisionOfResult(source.running) ?? 'unknown'}), no owner: the running pod against itself re-created now without its injection (dry-run)`
      : `already injected (revision ${revisionOfResult(source.running) ?? 'unknown'}): the running pod against a pod re-created now from ${source.owner}'s template (dry-run), i.e. what a restart would change`,
  )
  const common = base(run, 'restart', routeReason)
  let recreated: PodObject
  try {
    recreated = await dryRunCreatePod(transport, input)
  } catch (error) {
    if (error instanceof ApiStatusError) return failWith(run, 'restart', routeReason, error)
    throw error
  }
  const didInject = isInjected(recreated)
  const revision = didInject ? revisionOfResult(recreated) : null
  const evaluations = evaluateAdmission(snapshot, factsOf(input))
  const webhooks = attributeWebhooks(snapshot, evaluations, didInject, revision)
  const pair = restartPair(source.running, recreated, source.template, raw)
  return completePreview({...common, revision, webhooks}, pair.before, pair.after)
}

/** `sent` dry-run created as it is and (unless --raw) opted out, so only the injection's changes remain. */
async function dryRunPair(
  run: PreviewRun,
  sent: PodObject,
  routeReason: PreviewNote,
  revisionTarget: RevisionTarget | null,
): Promise<PodPreview> {
  const {transport, snapshot, raw} = run
  const common = base(run, 'dry-run', routeReason)
  let injected: PodObject
  let baseline: PodObject | undefined
  try {
    ;[injected, baseline] = await Promise.all([
      dryRunCreatePod(transport, sent),
      raw ? Promise.resolve(undefined) : dryRunCreatePod(transport, optedOut(sent)),
    ])
  } catch (error) {
    if (!(error instanceof ApiStatusError)) throw error
    const failed = failWith(run, 'dry-run', routeReason, error)
    const message = error.status.message ?? error.message
    if (raw || classifyAdmissionRejection(message, run.subject.namespace) === undefined) return failed
    return rejectedAfterInjection(run, sent, failed)
  }
  const facts = factsOf(sent)
  const evaluations = evaluateAdmission(snapshot, facts)
  const didInject = isInjected(injected) && !isInjected(sent)
  const revision = didInject ? revisionOfResult(injected) : null
  const skipped = skippedWebhookWarning(evaluations, didInject, labelsOf(sent)[injectLabel] === 'false')
  const allWarnings = skipped === undefined ? common.warnings : [...common.warnings, skipped]
  const webhooks = attributeWebhooks(snapshot, evaluations, didInject, revision)
  const isolated = raw || baseline === undefined ? undefined : isolateInjection(sent, baseline, injected)
  // The patch applies to the pod as sent: the isolated changes carried over onto it.
  const pair =
    isolated === undefined
      ? {before: sent, after: injected}
      : {before: sent, after: rebase(isolated.before, isolated.after, sent) as PodObject}
  return completePreview(
    {...common, warnings: allWarnings, revision: revision ?? revisionTarget?.revision ?? null, webhooks},
    pair.before,
    pair.after,
  )
}

/**
 * A dry run rejected after injection (Pod Security, quota, LimitRange, policies): the cause stays the failure, and the
 * diff comes from the injector itself, asked through services/proxy with the pod the API server would have sent it.
 */
async function rejectedAfterInjection(
  run: PreviewRun,
  sent: PodObject,
  failed: PodPreview,
): Promise<PodPreview> {
  const {transport, snapshot, subject} = run
  const failure = failed.failure!
  const asUser = controllerCreated(subject.kind)
  const warnings = asUser === undefined ? failed.warnings : [...failed.warnings, asUser]
  const noDiff = (why: string): PodPreview => ({
    ...failed,
    warnings: [...warnings, note('PreviewRejectedNoDiff', `no diff: ${why}`)],
  })
  const evaluations = evaluateAdmission(snapshot, factsOf(sent))
  const istio = evaluations.find((e) => e.istio && e.outcome === 'Match')
  const hook = snapshot.webhookConfigurations
    .find((c) => c.metadata.name === istio?.ref.configuration)
    ?.webhooks?.find((w) => w.name === istio?.ref.name)
  const service = hook?.clientConfig.service
  if (istio === undefined || service?.name === undefined || service.namespace === undefined)
    return noDiff('the Istio webhook that injects this pod calls its injector by URL, not through a Service')
  const target = {namespace: service.namespace, name: service.name}
  if (!(await canProxyService(transport, target.namespace, target.name)))
    return noDiff(`creating services/proxy for ${target.namespace}/${target.name} is forbidden`)
  let answer: InjectAnswer
  let object: PodObject
  try {
    object = reviewObjectFrom(await dryRunCreatePod(transport, optedOut(sent)), sent)
    answer = await postInjectReview(transport, target, object)
  } catch (error) {
    return noDiff(`asking ${target.namespace}/${target.name} directly failed: ${(error as Error).message}`)
  }
  if (!answer.allowed) return noDiff(`the injector denied the request: ${answer.message ?? 'no reason'}`)
  const after = rebase(object, applyJsonPatch(object, answer.patch) as PodObject, sent) as PodObject
  const revision = revisionOfResult(after)
  const webhooks = attributeWebhooks(snapshot, evaluations, isInjected(after), revision)
  const routeReason = note(
    'PreviewRejectedDiff',
    `${describeReason('PreviewRejectedDiff').summary} (${target.namespace}/${target.name})`,
  )
  return rejectedPreview({...failed, routeReason, warnings, revision, webhooks}, sent, after, failure)
}

// Pod creators and the service accounts kube-controller-manager runs them as (--use-service-account-credentials).
const podCreators: Readonly<Record<string, string>> = {
  Deployment: 'replicaset-controller',
  ReplicaSet: 'replicaset-controller',
  StatefulSet: 'statefulset-controller',
  DaemonSet: 'daemon-set-controller',
  Job: 'job-controller',
  CronJob: 'job-controller',
  ReplicationController: 'replication-controller',
}

/** For a workload, the note that a rollout's pods are created by a controller, not by whoever ran the dry run. */
const controllerCreated = (kind: string): PreviewNote | undefined => {
  const controller = podCreators[kind]
  return controller === undefined
    ? undefined
    : note(
        'PreviewDryRunAsUser',
        `the dry run ran as you; this ${kind}'s pods are created by system:serviceaccount:kube-system:${controller}, whose Pod Security username exemptions and userInfo-based policies can differ`,
      )
}

// ---- reading what to preview (raw objects: the builders need whole specs, which snapshots do not keep) ----

/** An injected running pod: compared with `pod` (its re-creation) instead of with its own input. */
export interface RestartSource {
  readonly running: PodObject
  /** The spec the re-created pod came from (tells admission artifacts from the user's own fields). */
  readonly template: Record<string, unknown>
  /** `deployment/cart`, or null for a bare pod re-created without its injection. */
  readonly owner: string | null
}

export interface PreviewInput {
  readonly subject: PreviewSubject
  readonly pod: PodObject
  readonly restart?: RestartSource
  /** A running pod as read (`kubectl get pod -o yaml`): the preview, and so -o patch, is carried onto it. */
  readonly stored?: PodObject
}

/** previewLive for one input; a running pod's preview is carried onto the pod as stored (not with --raw: the input as sent). */
export async function previewInput(
  transport: Transport,
  snapshot: ClusterSnapshot,
  input: PreviewInput,
  options: LivePreviewOptions = {},
): Promise<PodPreview> {
  const preview = await previewLive(transport, snapshot, input.subject, input.pod, options, input.restart)
  return input.stored === undefined || options.raw === true ? preview : onStoredPod(preview, input.stored)
}

const collectionPaths: Readonly<Record<WorkloadKind | 'Pod', string>> = {
  Pod: '/api/v1/namespaces/{ns}/pods',
  ...workloadPaths,
}

/** The API path of one object of a kind inject-diff reads. */
export const objectPath = (kind: WorkloadKind | 'Pod', namespace: string, name: string): string =>
  `${collectionPaths[kind].replace('{ns}', enc(namespace))}/${enc(name)}`

const nameOf = (object: PodObject): string =>
  String((object.metadata as {name?: unknown} | undefined)?.name ?? '')
const namespaceOf = (object: PodObject, fallback: string): string =>
  String((object.metadata as {namespace?: unknown} | undefined)?.namespace ?? fallback)

/** Raw pods of a pod target or a sweep (sorted by namespace and name, as kubectl lists them). */
export async function readLivePods(transport: Transport, target: TargetSpec): Promise<PodObject[]> {
  if (target.kind === 'pod')
    return [await transport.getJson(objectPath('Pod', target.namespace, target.name))]
  if (target.kind !== 'sweep') return []
  const pods: PodObject[] = []
  const path =
    target.namespace === null ? '/api/v1/pods' : collectionPaths.Pod.replace('{ns}', enc(target.namespace))
  await transport.list(path, {labelSelector: target.labelSelector}, (item) => pods.push(item))
  return pods.sort(
    (a, b) => compareText(namespaceOf(a, ''), namespaceOf(b, '')) || compareText(nameOf(a), nameOf(b)),
  )
}

const getOrUndefined = async (transport: Transport, path: string): Promise<PodObject | undefined> => {
  try {
    return await transport.getJson(path)
  } catch (error) {
    if (error instanceof ApiStatusError && error.status.code === 404) return undefined
    throw error
  }
}

/** An injected pod re-created as a restart would: its top owner's template (ReplicaSet → Deployment), else itself un-injected. */
async function restartInput(transport: Transport, pod: PodObject, namespace: string): Promise<PreviewInput> {
  const subject = {kind: 'Pod', namespace, name: nameOf(pod)}
  let owner: {kind: WorkloadKind; name: string; object: PodObject} | undefined
  let controller = controllerOf(pod)
  // A ReplicaSet's Deployment, a Job's CronJob: the object a restart (or the next run) re-creates pods from.
  for (let depth = 0; depth < 2 && controller !== undefined && hasTemplate(controller.kind); depth++) {
    const object = await getOrUndefined(transport, objectPath(controller.kind, namespace, controller.name))
    if (object === undefined) break
    owner = {kind: controller.kind, name: controller.name, object}
    controller = controllerOf(object)
  }
  if (owner === undefined) {
    const fresh = withoutInjection(podFromPod(pod, namespace))
    return {
      subject,
      pod: fresh,
      restart: {running: pod, template: (fresh.spec ?? {}) as Record<string, unknown>, owner: null},
    }
  }
  const template = templateOfWorkload(owner.kind, owner.object)
  return {
    subject,
    pod: podForRestart(owner.kind, owner.name, template, pod),
    restart: {
      running: pod,
      template: (template.spec ?? {}) as Record<string, unknown>,
      owner: `${owner.kind.toLowerCase()}/${owner.name}`,
    },
  }
}

/** A sweep that matched more pods than the caller allows: nothing was dry-run. */
export class TooManyPods extends Error {
  constructor(
    readonly count: number,
    readonly max: number,
  ) {
    super(`the selector matches ${count} pods, more than --max ${max}`)
  }
}

/** Pods to dry-run for a live target: a pod re-created, a workload's template, or the pods of a sweep (at most `max`). */
export async function readLivePreviewInputs(
  transport: Transport,
  target: TargetSpec,
  options: {readonly max?: number} = {},
): Promise<PreviewInput[]> {
  if (target.kind === 'workload') {
    const object = await transport.getJson(objectPath(target.workloadKind, target.namespace, target.name))
    return [
      {
        subject: {kind: target.workloadKind, namespace: target.namespace, name: target.name},
        pod: podFromTemplate(
          target.workloadKind,
          target.name,
          target.namespace,
          templateOfWorkload(target.workloadKind, object),
        ),
      },
    ]
  }
  const pods = await readLivePods(transport, target)
  if (options.max !== undefined && pods.length > options.max) throw new TooManyPods(pods.length, options.max)
  const inputs: PreviewInput[] = []
  for (const pod of pods) {
    const namespace = namespaceOf(pod, 'default')
    inputs.push(
      isInjected(pod)
        ? {...(await restartInput(transport, pod, namespace)), stored: pod}
        : {
            subject: {kind: 'Pod', namespace, name: nameOf(pod)},
            pod: podFromPod(pod, namespace),
            stored: pod,
          },
    )
  }
  return inputs
}

/** --observed live: each pod against its controller's template (controllers read once each). */
export async function observeLive(
  transport: Transport,
  target: TargetSpec,
  raw: boolean,
): Promise<PodPreview[]> {
  const owners = new Map<string, Promise<PodObject | undefined>>()
  const ownerOf = (kind: WorkloadKind, namespace: string, name: string): Promise<PodObject | undefined> => {
    const key = `${kind}/${namespace}/${name}`
    let found = owners.get(key)
    if (found === undefined) {
      found = transport.getJson(objectPath(kind, namespace, name)).catch((error: unknown) => {
        if (error instanceof ApiStatusError && error.status.code === 404) return undefined
        throw error
      })
      owners.set(key, found)
    }
    return found
  }
  const previews: PodPreview[] = []
  for (const pod of await readLivePods(transport, target)) {
    const namespace = namespaceOf(pod, 'default')
    const controller = controllerOf(pod)
    const owner =
      controller !== undefined && hasTemplate(controller.kind)
        ? await ownerOf(controller.kind, namespace, controller.name)
        : undefined
    previews.push(observedPreview({kind: 'Pod', namespace, name: nameOf(pod)}, pod, owner, raw))
  }
  return previews
}
