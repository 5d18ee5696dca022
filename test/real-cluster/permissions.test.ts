// Real RBAC on the real control plane: the limited user's partial answers, a 403 on the target, and the
// SelfSubjectAccessReview that gates `kubectl inject-diff --revision` through the API server's service proxy.
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {after, before, describe, it} from 'node:test'
import {realClusterAvailable, startRealCluster} from './cluster.js'
import type {RealCluster} from './cluster.js'
import {externalNameService, injectorWebhookConfiguration, istioConfigMaps} from './istio-install.js'
import {pluginRunner, pod, skipNote} from './scenario-helpers.js'
import type {Json} from './scenario-helpers.js'

const availability = realClusterAvailable()
skipNote(availability)

const rbac = (kind: 'Role' | 'ClusterRole', name: string, namespace: string | undefined, rules: Json[]) => [
  {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind,
    metadata: {name, ...(namespace ? {namespace} : {})},
    rules,
  },
]
const bind = (
  kind: 'Role' | 'ClusterRole',
  name: string,
  namespace: string | undefined,
  users: string[],
) => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: kind === 'Role' ? 'RoleBinding' : 'ClusterRoleBinding',
  metadata: {name, ...(namespace ? {namespace} : {})},
  roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind, name},
  subjects: users.map((u) => ({apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: u})),
})

// Two impersonated users who may read everything and dry-run pods in team-a; only `proxier` may create services/proxy.
const previewUsers = (ns: string): Json[] => [
  ...rbac('ClusterRole', 'inject-reader', undefined, [
    {apiGroups: ['*'], resources: ['*'], verbs: ['get', 'list', 'watch']},
  ]),
  bind('ClusterRole', 'inject-reader', undefined, ['previewer', 'proxier']),
  ...rbac('Role', 'pod-creator', ns, [{apiGroups: [''], resources: ['pods'], verbs: ['create']}]),
  bind('Role', 'pod-creator', ns, ['previewer', 'proxier']),
  ...rbac('Role', 'injector-proxy', 'istio-system', [
    {apiGroups: [''], resources: ['services/proxy'], verbs: ['create']},
  ]),
  bind('Role', 'injector-proxy', 'istio-system', ['proxier']),
]

// A revision whose webhook selects namespaces labelled istio.io/rev=REV only: team-a is not, so the object path is closed.
const revisionWebhook = (revision: string, service: string): Json => {
  const config = injectorWebhookConfiguration({
    name: `istio-sidecar-injector-${revision}`,
    clientConfig: {service: {name: service, namespace: 'istio-system', path: '/inject', port: 443}},
    failurePolicy: 'Fail',
    namespaceLabel: ['istio.io/rev', revision],
  })
  config.metadata = {
    ...(config.metadata as Json),
    labels: {app: 'sidecar-injector', 'istio.io/rev': revision},
  }
  const [hook] = config.webhooks as Json[]
  hook!.name = 'rev.namespace.sidecar-injector.istio.io'
  return config
}

const auditOf = (cluster: RealCluster, user: string): Json[] =>
  readFileSync(cluster.auditLogPath, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Json)
    .filter((e) => e.stage === 'ResponseComplete' && e.impersonatedUser?.username === user)

describe('real permissions', {skip: availability.available ? false : availability.reason}, () => {
  let cluster: RealCluster
  let plugin: ReturnType<typeof pluginRunner>
  const create = async (object: Json): Promise<void> => {
    const r = await cluster.kubectl(['create', '-f', '-'], {input: JSON.stringify(object)})
    assert.equal(r.code, 0, r.stderr)
  }

  before(async () => {
    cluster = await startRealCluster({log: (line) => console.log(`# ${line}`), timeoutMs: 180_000})
    plugin = pluginRunner(cluster)
    await create({apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'istio-system'}})
    for (const cm of istioConfigMaps()) await create(cm)
    await create(pod('web', cluster.limitedNamespace))
    await create(pod('other', 'default'))
    // canary: a ClusterIP Service with no endpoints; external: an ExternalName Service.
    await create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {name: 'istiod-canary', namespace: 'istio-system'},
      spec: {ports: [{name: 'https-webhook', port: 443}]},
    })
    await create(externalNameService('istiod-external', 'istio-system', 443, 'localhost'))
    await create(revisionWebhook('canary', 'istiod-canary'))
    await create(revisionWebhook('external', 'istiod-external'))
    for (const object of previewUsers(cluster.limitedNamespace)) await create(object)
  })
  after(async () => {
    await cluster?.stop()
  })

  describe('the limited user (get/list pods in team-a only)', () => {
    it('gets a partial answer for its own pod: Unknown, not a failure, naming kubectl auth can-i', async () => {
      const run = await plugin(['inject-check', 'pod/web', '-n', cluster.limitedNamespace], 'limited')
      assert.equal(run.code, 0, run.stderr)
      assert.match(run.stdout, /^pod\/web -n team-a: cannot tell: a needed resource could not be read/m)
      assert.match(run.stdout, /\? Webhook +mutatingwebhookconfigurations +Forbidden/)
      assert.match(
        run.stdout,
        /^ {2}kubectl --context limited auth can-i list mutatingwebhookconfigurations$/m,
      )
      // Each unreadable resource is one warning whose can-i asks about the same identity (the limited context).
      const warnings = run.stderr.trim().split('\n')
      for (const resource of ['mutatingwebhookconfigurations', 'namespaces', 'configmaps -n istio-system'])
        assert.ok(
          warnings.some((w) => w.includes(`\`kubectl --context limited auth can-i `) && w.includes(resource)),
          `${resource}:\n${run.stderr}`,
        )
      // The can-i named in the trail is asked once, with the context.
      assert.equal(run.stdout.match(/auth can-i list mutatingwebhookconfigurations/g)?.length, 2)
    })

    it('a sweep of team-a is partial too: every pod Unknown, exit 0', async () => {
      const run = await plugin(['inject-check', '-n', cluster.limitedNamespace], 'limited')
      assert.equal(run.code, 0, run.stderr)
      assert.match(run.stdout, /^web +Pod +no +\? +<none> +Forbidden$/m)
      assert.match(run.stdout, /1 pod: 1 unknown/)
    })

    it('a 403 on the target itself exits 77 with one error line naming the can-i', async () => {
      const run = await plugin(['inject-check', 'pod/other', '-n', 'default'], 'limited')
      assert.equal(run.code, 77)
      assert.equal(run.stdout, '')
      assert.deepEqual(run.stderr.trim().split('\n'), [
        'error: Forbidden: cannot get pods "other" in namespace "default": pods "other" is forbidden: User "limited-user" cannot get resource "pods" in API group "" in the namespace "default" — check with `kubectl --context limited auth can-i get pods -n default`',
      ])
    })
  })

  describe('inject-diff --revision, gated by a real SelfSubjectAccessReview', () => {
    const diff = (revision: string, user: string) =>
      plugin(
        ['inject-diff', 'pod/web', '-n', cluster.limitedNamespace, '--revision', revision, '--as', user],
        'admin',
      )

    it('without create services/proxy: no route, and the hint asks can-i for the subresource', async () => {
      const run = await diff('canary', 'previewer')
      assert.equal(run.code, 2, run.stderr)
      assert.match(
        run.stdout,
        /direct route: creating services\/proxy for istio-system\/istiod-canary is forbidden/,
      )
      assert.match(run.stdout, /\[PreviewRevisionNoRoute\]/)
      const hint = /^next: +(kubectl .*)$/m.exec(run.stdout)?.[1]
      assert.equal(
        hint,
        'kubectl --context admin --as previewer auth can-i create services/istiod-canary --subresource=proxy -n istio-system',
      )
      const reviews = auditOf(cluster, 'previewer').filter(
        (e) => e.objectRef?.resource === 'selfsubjectaccessreviews',
      )
      assert.equal(reviews.length, 1)
    })

    it("the hint's can-i answers as the SelfSubjectAccessReview did (no for previewer, yes for proxier)", async () => {
      const ask = (user: string, args: string[]) =>
        cluster.kubectl(['auth', 'can-i', 'create', ...args, '-n', 'istio-system', '--as', user])
      const subresource = ['services/istiod-canary', '--subresource=proxy']
      assert.equal((await ask('previewer', subresource)).stdout.trim(), 'no')
      assert.equal((await ask('proxier', subresource)).stdout.trim(), 'yes')
      // The form the tool printed before: `services/proxy` names a Service called proxy and says no to both.
      assert.equal((await ask('proxier', ['services/proxy'])).stdout.trim(), 'no')
    })

    it('with create services/proxy: the direct route is taken and the real proxy answer is diagnosed', async () => {
      const run = await diff('canary', 'proxier')
      assert.equal(run.code, 2, run.stderr)
      assert.match(
        run.stdout,
        /AdmissionReview posted to istio-system\/istiod-canary through services\/proxy/,
      )
      assert.match(run.stdout, /^error: +no endpoints available for service "istiod-canary"$/m)
      assert.match(run.stdout, /\[WebhookNoEndpoints\]/)
      const proxied = auditOf(cluster, 'proxier').filter((e) => e.objectRef?.subresource === 'proxy')
      assert.equal(proxied.length, 1)
      assert.equal(proxied[0]!.responseStatus?.code, 503)
    })

    it('an ExternalName injector Service has no proxy route at all (the service proxy reaches endpoints only)', async () => {
      const run = await diff('external', 'proxier')
      assert.equal(run.code, 2, run.stderr)
      assert.match(
        run.stdout,
        /direct route: istio-system\/istiod-external is an ExternalName Service \(localhost\): the API server's service proxy reaches endpoints only/,
      )
      const direct = await cluster.kubectl([
        'get',
        '--raw',
        '/api/v1/namespaces/istio-system/services/https:istiod-external:https-webhook/proxy/inject',
      ])
      assert.match(direct.stderr, /no endpoints available for service "istiod-external"/)
    })
  })
})
