// Injection labels and annotations the webhook layer cannot see (istio/istio#32853, #40512, IST0135).
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {findMisplacedInjectionMetadata} from '../../src/core/istio/misplacement.js'
import {indexRevisions} from '../../src/core/istio/revisions.js'
import {emptySnapshot, type WorkloadFacts} from '../../src/core/snapshot.js'
import {pod, webhookFixtures} from './fixtures/load.js'

const deployment = (
  over: Partial<WorkloadFacts> = {},
  template: Parameters<typeof pod>[0] = {},
): WorkloadFacts => ({
  kind: 'Deployment',
  namespace: 'shop',
  name: 'web',
  labels: {},
  annotations: {},
  template: pod({kind: 'PodTemplate', namespace: 'shop', name: 'web', ...template}),
  ...over,
})

const index = indexRevisions({
  ...emptySnapshot({kind: 'files', paths: []}),
  webhookConfigurations: webhookFixtures('mwc-default.yaml'),
})
const autoIndex = indexRevisions({
  ...emptySnapshot({kind: 'files', paths: []}),
  webhookConfigurations: webhookFixtures('mwc-default-auto.yaml'),
})

describe('findMisplacedInjectionMetadata', () => {
  const rows: {
    name: string
    target: Parameters<typeof findMisplacedInjectionMetadata>[0]
    ns: Record<string, string> | undefined
    idx?: typeof index
    codes: string[]
  }[] = [
    {
      name: 'label on Deployment metadata only',
      target: deployment({labels: {'sidecar.istio.io/inject': 'true'}}),
      ns: {},
      codes: ['LabelOnControllerMetadata'],
    },
    {
      name: 'istio.io/rev on Deployment metadata only',
      target: deployment({labels: {'istio.io/rev': 'canary'}}),
      ns: {},
      codes: ['LabelOnControllerMetadata'],
    },
    {
      name: 'label on both metadata and template: fine',
      target: deployment(
        {labels: {'sidecar.istio.io/inject': 'true'}},
        {labels: {'sidecar.istio.io/inject': 'true'}},
      ),
      ns: {},
      codes: [],
    },
    {
      name: 'annotation on Deployment metadata only',
      target: deployment({annotations: {'sidecar.istio.io/inject': 'false'}}),
      ns: {'istio-injection': 'enabled'},
      codes: ['LabelOnControllerMetadata'],
    },
    {
      name: 'annotation-only opt-in in an unlabelled namespace',
      target: deployment({}, {annotations: {'sidecar.istio.io/inject': 'true'}}),
      ns: {},
      codes: ['AnnotationOnlyOptIn'],
    },
    {
      name: 'annotation-only opt-in on a bare pod',
      target: pod({namespace: 'shop', annotations: {'sidecar.istio.io/inject': 'true'}}),
      ns: {},
      codes: ['AnnotationOnlyOptIn'],
    },
    {
      name: 'annotation opt-in works under enableNamespacesByDefault: only deprecated',
      target: deployment({}, {annotations: {'sidecar.istio.io/inject': 'true'}}),
      ns: {},
      idx: autoIndex,
      codes: ['DeprecatedInjectAnnotation'],
    },
    {
      name: 'annotation opt-out in an enabled namespace: deprecated only',
      target: deployment({}, {annotations: {'sidecar.istio.io/inject': 'false'}}),
      ns: {'istio-injection': 'enabled'},
      codes: ['DeprecatedInjectAnnotation'],
    },
    {
      name: 'annotation with the label present: nothing (IST0135 suppressed)',
      target: deployment(
        {},
        {labels: {'sidecar.istio.io/inject': 'true'}, annotations: {'sidecar.istio.io/inject': 'true'}},
      ),
      ns: {},
      codes: [],
    },
    {
      name: 'unknown namespace labels: no opt-in claim',
      target: deployment({}, {annotations: {'sidecar.istio.io/inject': 'true'}}),
      ns: undefined,
      codes: ['DeprecatedInjectAnnotation'],
    },
    {
      name: 'clean workload',
      target: deployment({}, {labels: {'sidecar.istio.io/inject': 'true'}}),
      ns: {},
      codes: [],
    },
  ]
  for (const row of rows) {
    it(`${row.name} → ${row.codes.join(', ') || 'nothing'}`, () => {
      const findings = findMisplacedInjectionMetadata(row.target, row.ns, row.idx ?? index)
      assert.deepEqual(
        findings.map((f) => f.code),
        row.codes,
      )
    })
  }

  it('the fix patches the pod template with the label', () => {
    const [f] = findMisplacedInjectionMetadata(
      deployment({labels: {'sidecar.istio.io/inject': 'true'}}),
      {},
      index,
    )
    assert.equal(
      f?.params.patch,
      '{"spec":{"template":{"metadata":{"labels":{"sidecar.istio.io/inject":"true"}}}}}',
    )
    assert.deepEqual([f?.params.resource, f?.params.name, f?.params.namespace], ['deployment', 'web', 'shop'])
  })

  it('a CronJob fix goes through jobTemplate', () => {
    const [f] = findMisplacedInjectionMetadata(
      deployment({kind: 'CronJob', labels: {'sidecar.istio.io/inject': 'true'}}),
      {},
      index,
    )
    assert.match(f?.params.patch ?? '', /^\{"spec":\{"jobTemplate":\{"spec":\{"template":/)
  })
})
