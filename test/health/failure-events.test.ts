import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {
  classifyFailureEvents,
  classifyIstiodLogs,
  detectPlatform,
} from '../../src/core/health/failure-events.js'
import type {EventFacts} from '../../src/core/snapshot.js'
import {clusterFixture, istioFixture, snapshotFrom} from './fixture-snapshot.js'

const rsEvent = (message: string, kind = 'ReplicaSet', name = 'web-7d9c4b6f5d'): EventFacts => ({
  namespace: 'shop',
  involvedObject: {kind, name, namespace: 'shop'},
  reason: 'FailedCreate',
  type: 'Warning',
  message,
  count: 3,
  lastTimestamp: '2026-11-25T16:31:12Z',
})

// Texts as the API server words them: pkg/util/webhook/error.go, mutating/dispatcher.go, errors/statuserror.go.
const call = (webhook: string, url: string, cause: string): string =>
  `Error creating: Internal error occurred: failed calling webhook "${webhook}": failed to call webhook: Post "${url}": ${cause}`
const istiodUrl = 'https://istiod.istio-system.svc:443/inject?timeout=10s'
const revUrl = 'https://istiod-1-26.istio-system.svc:443/inject?timeout=10s'

const cases: readonly {
  name: string
  message: string
  kind?: string
  code: string
  service?: string
  denial?: string
}[] = [
  {
    name: 'context deadline exceeded is a call timeout',
    message: call('namespace.sidecar-injector.istio.io', istiodUrl, 'context deadline exceeded'),
    code: 'WebhookCallTimeout',
    service: 'istio-system/istiod',
  },
  {
    name: 'dial tcp i/o timeout on 15017 (EKS, custom CNI) is a call timeout',
    message: call(
      'rev.namespace.sidecar-injector.istio.io',
      'https://istiod-1-27.istio-system.svc:443/inject?timeout=10s',
      'dial tcp 10.0.3.85:15017: i/o timeout',
    ),
    kind: 'Job',
    code: 'WebhookCallTimeout',
    service: 'istio-system/istiod-1-27',
  },
  {
    name: '"Address is not allowed" is the EKS managed-control-plane case',
    message: call('namespace.sidecar-injector.istio.io', istiodUrl, 'Address is not allowed'),
    code: 'WebhookAddressNotAllowed',
  },
  {
    name: 'an unknown certificate authority is a TLS failure',
    message: call(
      'namespace.sidecar-injector.istio.io',
      istiodUrl,
      'tls: failed to verify certificate: x509: certificate signed by unknown authority',
    ),
    kind: 'StatefulSet',
    code: 'WebhookTLSFailure',
  },
  {
    name: 'a certificate valid for another name is a TLS failure',
    message: call(
      'rev.namespace.sidecar-injector.istio.io',
      revUrl,
      'tls: failed to verify certificate: x509: certificate is valid for istiod.istio-system.svc, not istiod-1-26.istio-system.svc',
    ),
    code: 'WebhookTLSFailure',
  },
  {
    name: 'no endpoints available means istiod is down',
    message: call(
      'namespace.sidecar-injector.istio.io',
      istiodUrl,
      'no endpoints available for service "istiod"',
    ),
    kind: 'DaemonSet',
    code: 'WebhookNoEndpoints',
    service: 'istio-system/istiod',
  },
  {
    name: 'service not found means a stale webhook of a removed revision',
    message: call('rev.namespace.sidecar-injector.istio.io', revUrl, 'service "istiod-1-26" not found'),
    code: 'WebhookServiceNotFound',
    service: 'istio-system/istiod-1-26',
  },
  {
    name: 'connection refused means nothing listens behind the Service port',
    message: call(
      'namespace.sidecar-injector.istio.io',
      istiodUrl,
      'dial tcp 10.96.12.34:443: connect: connection refused',
    ),
    code: 'WebhookConnectionRefused',
  },
  {
    name: 'a denial shows the injector message',
    message:
      'Error creating: pods "web-7d9c4b6f5d-" is forbidden: admission webhook "namespace.sidecar-injector.istio.io" denied the request: failed to run injection template: template: inject:1: function "unknownFunc" not defined',
    code: 'WebhookDenied',
    denial: 'failed to run injection template: template: inject:1: function "unknownFunc" not defined',
  },
  {
    name: 'a dry-run rejection names the webhook without dry-run support',
    message: 'admission webhook "sidecar-injector.istio.io" does not support dry run',
    code: 'WebhookDryRunUnsupported',
  },
  {
    name: 'an unexpected EOF is its own class',
    message: call('namespace.sidecar-injector.istio.io', istiodUrl, 'unexpected EOF'),
    code: 'WebhookUnexpectedEOF',
  },
]

// FailedCreate messages recorded verbatim by a real kube-apiserver v1.37.2 (test/real-cluster/failures.test.ts).
const realPrefix = (service: string, port: number, timeout: number): string =>
  `Error creating: Internal error occurred: failed calling webhook "namespace.sidecar-injector.istio.io": failed to call webhook: Post "https://${service}.istio-system.svc:${port}/inject?timeout=${timeout}s": `
const realTexts: readonly {name: string; message: string; code: string}[] = [
  {
    name: 'the injector stopped behind an ExternalName Service: connection refused',
    message: `${realPrefix('istiod-stopped', 46265, 5)}dial tcp 127.0.0.1:46265: connect: connection refused`,
    code: 'WebhookConnectionRefused',
  },
  {
    name: 'a caBundle of another CA: x509 unknown authority',
    message: `${realPrefix('istiod-wrong-ca', 44155, 5)}tls: failed to verify certificate: x509: certificate signed by unknown authority`,
    code: 'WebhookTLSFailure',
  },
  {
    name: 'an injector slower than timeoutSeconds 1: context deadline exceeded',
    message: `${realPrefix('istiod-slow', 43951, 1)}context deadline exceeded`,
    code: 'WebhookCallTimeout',
  },
  {
    name: 'a headless webhook Service: cannot route (not a generic call failure)',
    message: `${realPrefix('istiod-headless', 443, 10)}cannot route to service with ClusterIP "None"`,
    code: 'WebhookServiceHeadless',
  },
]

describe('classifyFailureEvents on real API-server texts', () => {
  for (const c of realTexts) {
    it(c.name, () => {
      const [diagnosis] = classifyFailureEvents([rsEvent(c.message)])
      assert.equal(diagnosis?.code, c.code)
      assert.equal(diagnosis?.service?.namespace, 'istio-system')
      assert.match(diagnosis?.service?.name ?? '', /^istiod-/)
    })
  }

  it('sends a refused call through an ExternalName Service to the host it names, not to EndpointSlices', () => {
    const [external] = classifyFailureEvents([rsEvent(realTexts[0]!.message)], {
      services: [
        {
          namespace: 'istio-system',
          name: 'istiod-stopped',
          labels: {},
          ports: [],
          type: 'ExternalName',
          externalName: 'localhost',
        },
      ],
    })
    assert.deepEqual(external?.hints.length, 1)
    assert.match(
      external?.hints[0] ?? '',
      /ExternalName Service: the API server dials localhost:46265 directly/,
    )
    const [inCluster] = classifyFailureEvents([rsEvent(realTexts[0]!.message)])
    assert.match(inCluster?.hints[0] ?? '', /endpointslices/)
  })
})

describe('classifyFailureEvents', () => {
  for (const c of cases) {
    it(c.name, () => {
      const [diagnosis, ...rest] = classifyFailureEvents([rsEvent(c.message, c.kind)])
      assert.equal(rest.length, 0)
      assert.ok(diagnosis)
      assert.equal(diagnosis.code, c.code)
      assert.equal(diagnosis.count, 3)
      assert.equal(diagnosis.object?.kind, c.kind ?? 'ReplicaSet')
      if (c.service) assert.equal(`${diagnosis.service?.namespace}/${diagnosis.service?.name}`, c.service)
      if (c.denial) assert.equal(diagnosis.denial, c.denial)
      assert.ok(diagnosis.hints.length > 0)
    })
  }

  it('ignores FailedCreate events that are not webhook failures (quota)', () => {
    const quota = rsEvent(
      'Error creating: pods "web-7d9c4b6f5d-x2b9k" is forbidden: exceeded quota: compute, requested: limits.cpu=2, used: limits.cpu=8, limited: limits.cpu=8',
    )
    assert.deepEqual(classifyFailureEvents([quota]), [])
  })

  it('groups repeated events of one ReplicaSet and keeps the latest message', () => {
    const first = {
      ...rsEvent(call('namespace.sidecar-injector.istio.io', istiodUrl, 'context deadline exceeded')),
      count: 2,
      lastTimestamp: '2026-11-25T16:00:00Z',
    }
    const second = {
      ...first,
      count: 5,
      lastTimestamp: '2026-11-25T16:30:00Z',
      message: call(
        'namespace.sidecar-injector.istio.io',
        istiodUrl,
        'dial tcp 10.0.3.85:15017: i/o timeout',
      ),
    }
    const [d, ...rest] = classifyFailureEvents([first, second])
    assert.equal(rest.length, 0)
    assert.equal(d?.count, 7)
    assert.equal(d?.lastTimestamp, '2026-11-25T16:30:00Z')
    assert.match(d?.message ?? '', /i\/o timeout/)
  })

  it('puts the GKE firewall rule for port 15017 first on GKE and the CNI hint first on EKS', () => {
    const event = rsEvent(call('namespace.sidecar-injector.istio.io', istiodUrl, 'context deadline exceeded'))
    assert.match(
      classifyFailureEvents([event], {platform: 'GKE'})[0]?.hints[0] ?? '',
      /firewall-rules create .*tcp:15017/,
    )
    assert.match(classifyFailureEvents([event], {platform: 'EKS'})[0]?.hints[0] ?? '', /custom CNI/)
  })

  it('classifies the FailedCreate event of the shared webhook-failure cluster', () => {
    const snapshot = snapshotFrom([istioFixture('default-1.28.yaml'), clusterFixture('webhook-failure.yaml')])
    const diagnoses = classifyFailureEvents(snapshot.events)
    assert.ok(diagnoses.length > 0)
    assert.ok(diagnoses.every((d) => d.code === 'WebhookCallTimeout' && d.istio))
    assert.equal(diagnoses[0]?.object?.name, 'checkout-5d4b8c7f9')
  })
})

describe('classifyIstiodLogs', () => {
  it('finds the missing /inject handler, TLS handshake rejections and policy skips', () => {
    const text = [
      '2026-11-25T16:00:01.000000Z\tinfo\tSkipping sidecar injector, template not found',
      '2026-11-25T16:05:00.123456Z\tinfo\thttp: TLS handshake error from 10.244.0.1:50312: remote error: tls: bad certificate',
      '2026-11-25T16:05:10.123456Z\tinfo\thttp: TLS handshake error from 10.244.0.1:50318: remote error: tls: bad certificate',
      '2026-11-25T16:06:00.000000Z\tinfo\tinjection\tSkipping due to policy check',
      '2026-11-25T16:07:00.000000Z\tinfo\tads\tPush debounce stable[42] 1 for config ServiceEntry',
    ].join('\n')
    const found = classifyIstiodLogs([{source: 'bug-report/istio-system/istiod-abc/discovery.log', text}])
    assert.deepEqual(found.map((d) => [d.code, d.count]).sort(), [
      ['InjectorHandlerMissing', 1],
      ['InjectorPolicySkip', 1],
      ['WebhookTLSFailure', 2],
    ])
    assert.ok(found.every((d) => d.source === 'bug-report/istio-system/istiod-abc/discovery.log'))
  })
})

describe('detectPlatform', () => {
  const base = snapshotFrom([istioFixture('default-1.28.yaml')])
  const cases = [
    [
      'GKE from a -gke kubelet version',
      [{name: 'gke-pool-1-abc', kubeletVersion: 'v1.31.5-gke.1169000'}],
      'GKE',
    ],
    [
      'EKS from an -eks kubelet version',
      [{name: 'ip-10-0-3-85.ec2.internal', kubeletVersion: 'v1.31.4-eks-aeac579'}],
      'EKS',
    ],
    [
      'AKS from an aks- node name',
      [{name: 'aks-nodepool1-12345678-vmss000000', kubeletVersion: 'v1.31.2'}],
      'AKS',
    ],
    ['nothing from a kind node', [{name: 'kind-control-plane', kubeletVersion: 'v1.33.1'}], null],
  ] as const
  for (const [name, nodes, platform] of cases) {
    it(name, () => assert.equal(detectPlatform({...base, nodes}), platform))
  }
  it('AKS from Admissions Enforcer selector terms', () =>
    assert.equal(detectPlatform(snapshotFrom([istioFixture('aks-rewritten.yaml')])), 'AKS'))
})
