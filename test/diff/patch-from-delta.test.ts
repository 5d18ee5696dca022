// -o patch comes from the same jsondiffpatch delta as the human diff: for each preview route, the patch of the --json
// document, applied to its `before` by the double's independent RFC 6902 applier, gives exactly its `after`.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {applyJsonPatch} from '../apiserver-double/json-patch.js'
import type {PatchOperation} from '../apiserver-double/json-patch.js'
import {
  bareRunningPod,
  deployment,
  injectedBy,
  namespace,
  runDiff,
  withCluster,
  type InstallOptions,
} from './diff-cluster.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test objects of any Kubernetes shape
type Json = Record<string, any>

interface Scenario {
  readonly name: string
  readonly objects: () => Promise<object[]>
  readonly install: InstallOptions
  readonly args: readonly string[]
  readonly route: string
}

const enabled = () => namespace('shop', {'istio-injection': 'enabled'})

const scenarios: readonly Scenario[] = [
  {
    name: 'a Deployment through a native-sidecar injector (proxy as an init container)',
    objects: async () => [enabled(), deployment('shop', 'web')],
    install: {defaultRevision: {}},
    args: ['deploy/web', '-n', 'shop'],
    route: 'dry-run',
  },
  {
    name: 'a Deployment through a classic injector (istio-init and istio-proxy containers)',
    objects: async () => [enabled(), deployment('shop', 'web')],
    install: {defaultRevision: {mode: 'classic'}},
    args: ['deploy/web', '-n', 'shop'],
    route: 'dry-run',
  },
  {
    name: 'a Deployment with --raw (API-server defaulting in the patch too)',
    objects: async () => [enabled(), deployment('shop', 'web')],
    install: {defaultRevision: {}},
    args: ['deploy/web', '-n', 'shop', '--raw'],
    route: 'dry-run',
  },
  {
    name: 'an uninjected running pod, as stored (patch base: kubectl get pod -o yaml)',
    objects: async () => [enabled(), bareRunningPod('shop', 'solo', {app: 'solo'})],
    install: {defaultRevision: {}},
    args: ['solo', '-n', 'shop'],
    route: 'dry-run',
  },
  {
    name: 'an injected bare pod with an old proxy against a restart now',
    objects: async () => [
      enabled(),
      await injectedBy(bareRunningPod('shop', 'solo', {app: 'solo'}), 'docker.io/istio/proxyv2:1.26.3'),
    ],
    install: {defaultRevision: {}},
    args: ['solo', '-n', 'shop'],
    route: 'restart',
  },
  {
    name: 'a what-if revision by pod label istio.io/rev (classic injector)',
    objects: async () => [namespace('shop'), deployment('shop', 'web')],
    install: {defaultRevision: {}, revision128: {mode: 'classic'}},
    args: ['deploy/web', '-n', 'shop', '--revision', '1-28'],
    route: 'dry-run',
  },
  {
    name: "a what-if revision through its injector (direct AdmissionReview, the injector's own patch applied)",
    objects: async () => [enabled(), deployment('shop', 'web')],
    install: {defaultRevision: {}, revision128: {}},
    args: ['deploy/web', '-n', 'shop', '--revision', '1-28'],
    route: 'direct',
  },
]

describe('-o patch from the diff delta reproduces the previewed pod', () => {
  for (const s of scenarios)
    it(s.name, async () => {
      await withCluster(await s.objects(), s.install, async (cluster) => {
        const run = await runDiff([...s.args, '--json'], {kubeconfig: cluster.kubeconfig})
        assert.equal(run.code, 1, run.stdout + run.stderr)
        const document = JSON.parse(run.stdout) as Json
        assert.equal(document.route, s.route)
        const patch = document.patch as PatchOperation[]
        assert.ok(patch.length > 0)
        assert.deepEqual(applyJsonPatch(structuredClone(document.before), patch), document.after)
      })
    })
})
