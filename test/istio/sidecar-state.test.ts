// Observed sidecar state of running pods: classic, native, status-only, gateway placeholder.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {observeSidecar} from '../../src/core/istio/sidecar-state.js'
import {pod} from './fixtures/load.js'

// The status annotation as the injector writes it (pkg/kube/inject/testdata/inject/hello.yaml.injected).
const status = (revision: string) =>
  JSON.stringify({
    initContainers: ['istio-init', 'istio-proxy'],
    containers: null,
    volumes: [
      'workload-socket',
      'credential-socket',
      'workload-certs',
      'istio-envoy',
      'istio-data',
      'istio-podinfo',
      'istio-token',
      'istiod-ca-cert',
      'istio-ca-crl',
    ],
    imagePullSecrets: null,
    revision,
  })

const rows: {
  name: string
  p: Parameters<typeof pod>[0]
  want: {hasSidecar: boolean; native: boolean; revision: string | null; image: string | null}
  evidence: RegExp
}[] = [
  {
    name: 'classic: istio-proxy container, revision from istio.io/rev annotation',
    p: {
      containers: [
        {name: 'app', image: 'nginx'},
        {name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.26.2'},
      ],
      initContainers: [{name: 'istio-init', image: 'docker.io/istio/proxyv2:1.26.2'}],
      annotations: {'istio.io/rev': 'canary', 'sidecar.istio.io/status': status('default')},
    },
    want: {hasSidecar: true, native: false, revision: 'canary', image: 'docker.io/istio/proxyv2:1.26.2'},
    evidence: /annotation istio.io\/rev/,
  },
  {
    name: 'native: init container with restartPolicy Always, revision from status',
    p: {
      initContainers: [
        {name: 'istio-init', image: 'docker.io/istio/proxyv2:1.28.0'},
        {name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.28.0', restartPolicy: 'Always'},
      ],
      annotations: {'sidecar.istio.io/status': status('1-28')},
    },
    want: {hasSidecar: true, native: true, revision: '1-28', image: 'docker.io/istio/proxyv2:1.28.0'},
    evidence: /native sidecar/,
  },
  {
    name: 'status annotation only (containers not projected)',
    p: {annotations: {'sidecar.istio.io/status': status('default')}},
    want: {hasSidecar: true, native: false, revision: 'default', image: null},
    evidence: /no istio-proxy container/,
  },
  {
    name: 'unparseable status annotation still marks injection, without revision',
    p: {annotations: {'sidecar.istio.io/status': '{not json'}},
    want: {hasSidecar: true, native: false, revision: null, image: null},
    evidence: /not valid JSON/,
  },
  {
    name: 'gateway placeholder image auto is not a sidecar',
    p: {
      containers: [{name: 'istio-proxy', image: 'auto'}],
      annotations: {'inject.istio.io/templates': 'gateway'},
    },
    want: {hasSidecar: false, native: false, revision: null, image: null},
    evidence: /gateway placeholder/,
  },
  {
    name: 'no sidecar',
    p: {},
    want: {hasSidecar: false, native: false, revision: null, image: null},
    evidence: /no istio-proxy/,
  },
]

describe('observeSidecar', () => {
  for (const row of rows) {
    it(row.name, () => {
      const s = observeSidecar(pod(row.p))
      assert.deepEqual(
        {hasSidecar: s.hasSidecar, native: s.native, revision: s.revision, image: s.image},
        row.want,
      )
      assert.match(s.evidence, row.evidence)
    })
  }
})
