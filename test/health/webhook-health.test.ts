import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {assessWebhooks} from '../../src/core/health/webhook-health.js'
import type {WebhookHealth} from '../../src/core/health/webhook-health.js'
import type {ClusterSnapshot} from '../../src/core/snapshot.js'
import {base64, editInjectorWebhooks, istioFixture, readPem, snapshotFrom} from './fixture-snapshot.js'

// The shared fixtures' caBundle is valid 2026-10-01 .. 2036-10-01; the local certs were minted 2026-11-26.
const now = new Date('2026-12-01T00:00:00Z')
const defaultInstall = istioFixture('default-1.28.yaml')

const failed = (health: readonly WebhookHealth[]): string[] =>
  [...new Set(health.flatMap((w) => w.checks.filter((c) => c.result === 'Fail').map((c) => c.code)))].sort()
const unknown = (health: readonly WebhookHealth[]): string[] =>
  [
    ...new Set(health.flatMap((w) => w.checks.filter((c) => c.result === 'Unknown').map((c) => c.code))),
  ].sort()

const withBundle = (snapshot: ClusterSnapshot, caBundle: string | undefined): ClusterSnapshot =>
  editInjectorWebhooks(snapshot, (w) => ({
    ...w,
    clientConfig: {...w.clientConfig, ...(caBundle === undefined ? {caBundle: ''} : {caBundle})},
  }))

const endpointSlice = (ready: boolean, port = 15017): string => `
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: istiod-lr7jg
  namespace: istio-system
  labels: {kubernetes.io/service-name: istiod}
addressType: IPv4
endpoints:
- addresses: [10.244.0.12]
  conditions: {ready: ${ready}, serving: ${ready}, terminating: false}
  targetRef: {kind: Pod, name: istiod-kk5qk752h-vvjqk, namespace: istio-system}
ports:
- {name: https-webhook, port: ${port}, protocol: TCP}
`

const istiodService = (targetPort: string | number): string => `
apiVersion: v1
kind: Service
metadata: {name: istiod, namespace: istio-system, labels: {app: istiod, istio.io/rev: default}}
spec:
  selector: {app: istiod, istio: pilot}
  ports:
  - {name: grpc-xds, port: 15010, protocol: TCP, targetPort: 15010}
  - {name: https-webhook, port: 443, protocol: TCP, targetPort: ${targetPort}}
`

const rootCertConfigMap = (pem: string): string => `
apiVersion: v1
kind: ConfigMap
metadata: {name: istio-ca-root-cert, namespace: istio-system}
data:
  root-cert.pem: |
${pem
  .trim()
  .split('\n')
  .map((line) => `    ${line}`)
  .join('\n')}
`

// istiod as the real-cluster harness installs it: ExternalName to a local server, no selector, no EndpointSlices.
const externalNameIstiod = (ports: string): string => `
apiVersion: v1
kind: Service
metadata: {name: istiod, namespace: istio-system}
spec: {type: ExternalName, externalName: localhost, ports: ${ports}}
`

const headlessIstiod = `
apiVersion: v1
kind: Service
metadata: {name: istiod, namespace: istio-system}
spec:
  clusterIP: None
  selector: {app: istiod, istio: pilot}
  ports: [{name: https-webhook, port: 443, protocol: TCP, targetPort: 15017}]
`

// Another Service, so the snapshot visibly holds Services and a missing istiod one is evidence, not a collection gap.
const kubeDns = `
apiVersion: v1
kind: Service
metadata: {name: kube-dns, namespace: kube-system, labels: {k8s-app: kube-dns}}
spec:
  selector: {k8s-app: kube-dns}
  ports: [{name: dns, port: 53, protocol: UDP, targetPort: 53}]
`

interface Scenario {
  readonly name: string
  readonly snapshot: () => ClusterSnapshot
  readonly at?: Date
  readonly state: WebhookHealth['state']
  readonly failed: readonly string[]
  readonly unknown?: readonly string[]
}

const scenarios: readonly Scenario[] = [
  {
    name: 'a healthy default install (Service, ready endpoint on 15017, valid CA bundle) has no failed checks',
    snapshot: () => snapshotFrom([defaultInstall]),
    state: 'Healthy',
    failed: [],
  },
  {
    name: 'an istiod endpoint that is not ready leaves the webhook with no ready endpoints and blocks pods (Fail)',
    snapshot: () => snapshotFrom([defaultInstall], endpointSlice(false)),
    state: 'Failing',
    failed: ['WebhookFailClosedRisk', 'WebhookNoReadyEndpoints'],
  },
  {
    name: 'a deleted istiod Service is reported missing while its injector ConfigMap still exists',
    snapshot: () =>
      snapshotFrom(
        [defaultInstall],
        kubeDns,
        [],
        ['Service/istio-system/istiod', 'EndpointSlice/istio-system/istiod-lr7jg'],
      ),
    state: 'Failing',
    failed: ['WebhookFailClosedRisk', 'WebhookServiceMissing'],
  },
  {
    name: 'a Service whose https-webhook port targets 8080 instead of 15017 is a targetPort mismatch',
    snapshot: () => snapshotFrom([defaultInstall], istiodService(8080)),
    state: 'Failing',
    failed: ['WebhookFailClosedRisk', 'WebhookTargetPortMismatch'],
  },
  {
    name: 'a named targetPort that the EndpointSlice resolves to 8443 is a targetPort mismatch',
    snapshot: () =>
      snapshotFrom([defaultInstall], istiodService('https-webhook') + '---' + endpointSlice(true, 8443)),
    state: 'Failing',
    failed: ['WebhookFailClosedRisk', 'WebhookTargetPortMismatch'],
  },
  {
    name: 'an ExternalName istiod Service is dialled at its externalName: a port 443 → 8080 and no EndpointSlice do not matter',
    snapshot: () =>
      snapshotFrom(
        [defaultInstall],
        externalNameIstiod('[{name: https-webhook, port: 443, targetPort: 8080}]'),
        [],
        ['EndpointSlice/istio-system/istiod-lr7jg'],
      ),
    state: 'Healthy',
    failed: [],
  },
  {
    name: 'an ExternalName istiod Service needs no port entry: the API server uses the webhook port as is',
    snapshot: () => snapshotFrom([defaultInstall], externalNameIstiod('[]')),
    state: 'Healthy',
    failed: [],
  },
  {
    name: 'a headless istiod Service cannot be routed to by the API server and blocks pods (Fail)',
    snapshot: () => snapshotFrom([defaultInstall], headlessIstiod),
    state: 'Failing',
    failed: ['WebhookFailClosedRisk', 'WebhookServiceHeadless'],
  },
  {
    name: 'an empty caBundle (istiod never patched it) fails TLS',
    snapshot: () => withBundle(snapshotFrom([defaultInstall]), undefined),
    state: 'Failing',
    failed: ['WebhookCABundleMissing', 'WebhookFailClosedRisk'],
  },
  {
    name: 'a caBundle that is base64 of something other than PEM is invalid',
    snapshot: () => withBundle(snapshotFrom([defaultInstall]), base64('not a certificate')),
    state: 'Failing',
    failed: ['WebhookCABundleInvalid', 'WebhookFailClosedRisk'],
  },
  {
    name: 'a 20-day root certificate is expiring soon two weeks before its end',
    snapshot: () => withBundle(snapshotFrom([defaultInstall]), base64(readPem('short-lived-root-ca.pem'))),
    state: 'Degraded',
    failed: ['WebhookCABundleExpiring'],
  },
  {
    name: 'the same 20-day root certificate is expired after its end',
    snapshot: () => withBundle(snapshotFrom([defaultInstall]), base64(readPem('short-lived-root-ca.pem'))),
    at: new Date('2027-01-01T00:00:00Z'),
    state: 'Failing',
    failed: ['WebhookCABundleExpired', 'WebhookFailClosedRisk'],
  },
  {
    name: 'a serving certificate for istiod-1-26 used as the bundle does not cover istiod.istio-system.svc',
    snapshot: () => withBundle(snapshotFrom([defaultInstall]), base64(readPem('serving-wrong-name.pem'))),
    state: 'Failing',
    failed: ['WebhookCABundleNameMismatch', 'WebhookFailClosedRisk'],
  },
  {
    name: 'a serving certificate for istiod.istio-system.svc used as the bundle is accepted',
    snapshot: () => withBundle(snapshotFrom([defaultInstall]), base64(readPem('serving-istiod.pem'))),
    state: 'Healthy',
    failed: [],
  },
  {
    name: 'a caBundle that differs from istio-ca-root-cert is a root mismatch',
    snapshot: () =>
      withBundle(
        snapshotFrom([defaultInstall], rootCertConfigMap(readPem('istio-root-ca.pem'))),
        base64(readPem('other-root-ca.pem')),
      ),
    state: 'Failing',
    failed: ['WebhookCABundleRootMismatch', 'WebhookFailClosedRisk'],
  },
  {
    name: 'a caBundle equal to istio-ca-root-cert passes the root comparison',
    snapshot: () =>
      withBundle(
        snapshotFrom([defaultInstall], rootCertConfigMap(readPem('istio-root-ca.pem'))),
        base64(readPem('istio-root-ca.pem')),
      ),
    state: 'Healthy',
    failed: [],
  },
  {
    name: 'failurePolicy Ignore is reported as failing open',
    snapshot: () =>
      editInjectorWebhooks(snapshotFrom([defaultInstall]), (w) => ({...w, failurePolicy: 'Ignore'})),
    state: 'Degraded',
    failed: ['WebhookFailOpen'],
  },
  {
    name: 'sideEffects Unknown (an edited or pre-1.7 webhook) breaks server-side dry-run',
    snapshot: () =>
      editInjectorWebhooks(snapshotFrom([defaultInstall]), (w) => ({...w, sideEffects: 'Unknown'})),
    state: 'Degraded',
    failed: ['WebhookSideEffectsUnsafe'],
  },
  {
    name: 'selectors rewritten by the AKS Admissions Enforcer carry foreign terms',
    snapshot: () => snapshotFrom([istioFixture('aks-rewritten.yaml')]),
    state: 'Degraded',
    failed: ['WebhookForeignSelectorTerms'],
  },
  {
    name: 'a snapshot without any Service (a file holding only webhooks) leaves the chain Unknown',
    snapshot: () => snapshotFrom([defaultInstall], '', [], ['Service/istio-system/istiod']),
    state: 'Unknown',
    failed: [],
    unknown: ['HealthDataMissing'],
  },
  {
    name: 'forbidden Services and EndpointSlices make the chain Unknown, not missing',
    snapshot: () =>
      snapshotFrom(
        [defaultInstall],
        '',
        [
          {
            resource: 'services',
            namespace: 'istio-system',
            reason: 'Forbidden',
            verb: 'list',
            message: 'services is forbidden',
          },
        ],
        ['Service/istio-system/istiod'],
      ),
    state: 'Unknown',
    failed: [],
    unknown: ['Forbidden'],
  },
]

describe('assessWebhooks', () => {
  for (const s of scenarios) {
    it(s.name, () => {
      const health = assessWebhooks(s.snapshot(), s.at ?? now)
      assert.ok(health.length > 0, 'expected Istio webhooks')
      assert.deepEqual(failed(health), [...s.failed].sort())
      assert.deepEqual(unknown(health), [...(s.unknown ?? [])].sort())
      assert.ok(
        health.every((w) => w.state === s.state),
        `states: ${health.map((w) => w.state).join(', ')}`,
      )
    })
  }

  it('names the namespace excluded only by the AKS terms', () => {
    const health = assessWebhooks(snapshotFrom([istioFixture('aks-rewritten.yaml')]), now)
    const detail =
      health
        .find((w) => w.webhook === 'rev.object.sidecar-injector.istio.io')
        ?.checks.find((c) => c.code === 'WebhookForeignSelectorTerms')?.detail ?? ''
    assert.match(detail, /kubernetes\.azure\.com\/managedby NotIn \[aks\]/)
    assert.match(detail, /control-plane DoesNotExist/)
    assert.match(detail, /excluded only by these terms: kube-system/)
  })

  it('marks a stale webhook of a removed revision (no Service, no injector ConfigMap)', () => {
    const stale = `
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata: {name: istio-sidecar-injector-1-26, labels: {istio.io/rev: 1-26}}
webhooks:
- name: rev.namespace.sidecar-injector.istio.io
  clientConfig: {service: {name: istiod-1-26, namespace: istio-system, path: /inject, port: 443}}
  sideEffects: None
  admissionReviewVersions: [v1]
  namespaceSelector: {matchExpressions: [{key: istio.io/rev, operator: In, values: [1-26]}, {key: istio-injection, operator: DoesNotExist}]}
  objectSelector: {matchExpressions: [{key: sidecar.istio.io/inject, operator: NotIn, values: ["false"]}]}
  rules: [{operations: [CREATE], apiGroups: [""], apiVersions: [v1], resources: [pods]}]
`
    const health = assessWebhooks(snapshotFrom([defaultInstall], stale), now)
    const old = health.filter((w) => w.configuration === 'istio-sidecar-injector-1-26')
    assert.equal(old.length, 1)
    assert.equal(old[0]?.revision, '1-26')
    assert.deepEqual(failed(old), ['WebhookCABundleMissing', 'WebhookFailClosedRisk', 'WebhookStaleRevision'])
    assert.ok(
      health.filter((w) => w.configuration === 'istio-sidecar-injector').every((w) => w.state === 'Healthy'),
    )
  })

  it('reports a deactivated default webhook as inactive without chain checks', () => {
    const health = assessWebhooks(snapshotFrom([istioFixture('deactivated-default.yaml')]), now)
    const inactive = health.filter((w) => w.state === 'Inactive')
    assert.ok(inactive.length > 0)
    assert.ok(inactive.every((w) => w.checks.length === 1 && w.checks[0]?.code === 'WebhookInactive'))
  })

  it('notes a URL webhook (remote istiod) without judging its reachability', () => {
    const snapshot = editInjectorWebhooks(snapshotFrom([defaultInstall]), (w) => ({
      ...w,
      clientConfig: {url: 'https://istiod.example.com:15017/inject/cluster/remote/net/network1'},
    }))
    const health = assessWebhooks(snapshot, now)
    assert.ok(health.every((w) => w.url !== null && w.checks.some((c) => c.code === 'WebhookRemoteURL')))
    assert.deepEqual(failed(health), [])
  })

  it('flags a non-Istio webhook that runs after Istio on the same pods, and lists one that runs before', () => {
    const shop = `
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {istio-injection: enabled, cost-center: retail, kubernetes.io/metadata.name: shop}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx:1.27}]}
`
    const health = assessWebhooks(snapshotFrom([istioFixture('foreign-webhooks.yaml')], shop), now)
    const legacy = health.find((w) => w.webhook === 'namespace.sidecar-injector.istio.io')
    assert.ok(legacy)
    const risks = legacy.checks.filter((c) => c.code === 'WebhookOrderingRisk').map((c) => c.detail)
    assert.equal(risks.length, 2, risks.join('\n'))
    assert.ok(risks.some((d) => d.startsWith('zz-cost-labeler/')))
    assert.ok(risks.some((d) => d.startsWith('vault-agent-injector-cfg/')))
    const before = legacy.checks.filter((c) => c.code === 'WebhookOtherMutator').map((c) => c.detail)
    assert.ok(before.some((d) => d.startsWith('aaa-defaulter/') && d.includes('runs before')))
    // Webhooks that select no pod of the snapshot get no ordering checks.
    const revObject = health.find((w) => w.webhook === 'rev.object.sidecar-injector.istio.io')
    assert.ok(
      revObject?.checks.every((c) => c.code !== 'WebhookOrderingRisk' && c.code !== 'WebhookOtherMutator'),
    )
  })
})
