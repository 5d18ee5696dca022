// Revisions, tags and namespace labels over real-shaped webhook configurations.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {
  indexRevisions,
  namespaceLabelFindings,
  revisionOfConfiguration,
} from '../../src/core/istio/revisions.js'
import {emptySnapshot, type ClusterSnapshot, type Gap} from '../../src/core/snapshot.js'
import {configMapFixture, webhookFixtures} from './fixtures/load.js'

const cluster = (files: string[], extra: Partial<ClusterSnapshot> = {}): ClusterSnapshot => ({
  ...emptySnapshot({kind: 'files', paths: files}),
  webhookConfigurations: webhookFixtures(...files),
  ...extra,
})

const installs = {
  'default install': ['mwc-default.yaml'],
  'revision canary only': ['mwc-canary.yaml'],
  'canary with tags prod and default': ['mwc-canary.yaml', 'mwc-tags.yaml'],
  'migrated: default deactivated, canary, tags': [
    'mwc-default-deactivated.yaml',
    'mwc-canary.yaml',
    'mwc-tags.yaml',
  ],
  'deactivated default and canary, no tags': ['mwc-default-deactivated.yaml', 'mwc-canary.yaml'],
  'istio-default chart over canary': ['mwc-canary.yaml', 'mwc-istio-default-chart.yaml'],
  'default install with enableNamespacesByDefault': ['mwc-default-auto.yaml'],
} as const

describe('indexRevisions', () => {
  const expectations: Record<
    keyof typeof installs,
    {
      revisions: string[]
      tags: [string, string | null][]
      hasDefault: boolean
      deactivated: string[]
      auto: boolean
    }
  > = {
    'default install': {revisions: ['default'], tags: [], hasDefault: true, deactivated: [], auto: false},
    'revision canary only': {
      revisions: ['canary'],
      tags: [],
      hasDefault: false,
      deactivated: [],
      auto: false,
    },
    'canary with tags prod and default': {
      revisions: ['canary'],
      tags: [
        ['default', 'canary'],
        ['prod', 'canary'],
      ],
      hasDefault: true,
      deactivated: [],
      auto: false,
    },
    'migrated: default deactivated, canary, tags': {
      revisions: ['canary', 'default'],
      tags: [
        ['default', 'canary'],
        ['prod', 'canary'],
      ],
      hasDefault: true,
      deactivated: ['istio-sidecar-injector'],
      auto: false,
    },
    'deactivated default and canary, no tags': {
      revisions: ['canary', 'default'],
      tags: [],
      hasDefault: false,
      deactivated: ['istio-sidecar-injector'],
      auto: false,
    },
    'istio-default chart over canary': {
      revisions: ['canary'],
      tags: [['default', 'canary']],
      hasDefault: true,
      deactivated: [],
      auto: false,
    },
    'default install with enableNamespacesByDefault': {
      revisions: ['default'],
      tags: [],
      hasDefault: true,
      deactivated: [],
      auto: true,
    },
  }
  for (const [name, files] of Object.entries(installs) as [keyof typeof installs, readonly string[]][]) {
    it(name, () => {
      const index = indexRevisions(cluster([...files]))
      const want = expectations[name]
      assert.deepEqual(
        index.revisions.map((r) => r.name),
        want.revisions,
      )
      assert.deepEqual(
        index.tags.map((t) => [t.name, t.revision]),
        want.tags,
      )
      assert.equal(index.hasDefault, want.hasDefault)
      assert.deepEqual(index.deactivated, want.deactivated)
      assert.equal(index.autoInjectAll, want.auto)
    })
  }

  it('records the istiod Service each configuration calls', () => {
    const index = indexRevisions(cluster(['mwc-canary.yaml', 'mwc-tags.yaml']))
    const prod = index.configurations.find((c) => c.name === 'istio-revision-tag-prod')
    assert.deepEqual(prod?.services, [
      {namespace: 'istio-system', name: 'istiod-canary', path: '/inject', port: 443},
    ])
    const chart = indexRevisions(cluster(['mwc-istio-default-chart.yaml'])).configurations[0]
    assert.deepEqual(chart?.services, [{namespace: 'istio-system', name: 'istiod-canary', path: '/inject'}])
  })

  it('adds revisions from injector ConfigMaps and istiod pods', () => {
    const index = indexRevisions(
      cluster(['mwc-default.yaml'], {
        configMaps: [configMapFixture('injector-canary.yaml')],
        pods: [
          {
            kind: 'Pod',
            namespace: 'istio-system',
            name: 'istiod-1-29-abc',
            labels: {app: 'istiod', 'istio.io/rev': '1-29'},
            annotations: {},
            hostNetwork: false,
            containers: [{name: 'discovery', image: 'docker.io/istio/pilot:1.29.0'}],
            initContainers: [],
          },
        ],
      }),
    )
    assert.deepEqual(
      index.revisions.map((r) => r.name),
      ['1-29', 'canary', 'default'],
    )
    assert.deepEqual(index.revisions.find((r) => r.name === 'canary')?.configMaps, [
      'istio-system/istio-sidecar-injector-canary',
    ])
  })

  it('ignores non-Istio webhook configurations', () => {
    const snapshot = cluster(['mwc-default.yaml'])
    const other = {
      metadata: {name: 'vault-agent-injector-cfg'},
      webhooks: [{name: 'vault.hashicorp.com', clientConfig: {}}],
    }
    const index = indexRevisions({
      ...snapshot,
      webhookConfigurations: [...snapshot.webhookConfigurations, other],
    })
    assert.deepEqual(
      index.configurations.map((c) => c.name),
      ['istio-sidecar-injector'],
    )
  })
})

describe('revisionOfConfiguration', () => {
  const rows: [string, string, string | null, string | null][] = [
    ['mwc-default.yaml', 'istio-sidecar-injector', 'default', null],
    ['mwc-canary.yaml', 'istio-sidecar-injector-canary', 'canary', null],
    ['mwc-tags.yaml', 'istio-revision-tag-prod', 'canary', 'prod'],
    ['mwc-tags.yaml', 'istio-revision-tag-default', 'canary', 'default'],
  ]
  for (const [file, name, revision, tag] of rows) {
    it(`${name} → revision ${revision}, tag ${tag}`, () => {
      const mwc = webhookFixtures(file).find((m) => m.metadata.name === name)
      assert.ok(mwc)
      assert.deepEqual(revisionOfConfiguration(mwc), {revision, tag})
    })
  }
  it('an unlabelled legacy configuration takes the revision from its service', () => {
    const [mwc] = webhookFixtures('mwc-canary.yaml')
    assert.ok(mwc)
    assert.deepEqual(revisionOfConfiguration({...mwc, metadata: {name: mwc.metadata.name}}), {
      revision: 'canary',
      tag: null,
    })
  })
})

describe('namespaceLabelFindings', () => {
  const rows: {
    name: string
    install: keyof typeof installs
    labels: Record<string, string>
    codes: string[]
  }[] = [
    {
      name: 'enabled on a default install',
      install: 'default install',
      labels: {'istio-injection': 'enabled'},
      codes: [],
    },
    {
      name: 'enabled and istio.io/rev both set',
      install: 'canary with tags prod and default',
      labels: {'istio-injection': 'enabled', 'istio.io/rev': 'canary'},
      codes: ['NamespaceLabelConflict'],
    },
    {
      name: 'disabled and istio.io/rev: no IST0123',
      install: 'canary with tags prod and default',
      labels: {'istio-injection': 'disabled', 'istio.io/rev': 'canary'},
      codes: [],
    },
    {
      name: 'istio-injection=true',
      install: 'default install',
      labels: {'istio-injection': 'true'},
      codes: ['NamespaceLabelInvalidValue'],
    },
    {
      name: 'istio-injection=Enabled',
      install: 'default install',
      labels: {'istio-injection': 'Enabled'},
      codes: ['NamespaceLabelInvalidValue'],
    },
    {
      name: 'istio.io/rev naming a tag',
      install: 'canary with tags prod and default',
      labels: {'istio.io/rev': 'prod'},
      codes: [],
    },
    {
      name: 'istio.io/rev naming a revision',
      install: 'revision canary only',
      labels: {'istio.io/rev': 'canary'},
      codes: [],
    },
    {
      name: 'istio.io/rev typo',
      install: 'revision canary only',
      labels: {'istio.io/rev': 'canry'},
      codes: ['RevisionNotFound'],
    },
    {
      name: 'enabled on a revision-only install',
      install: 'revision canary only',
      labels: {'istio-injection': 'enabled'},
      codes: ['NoDefaultRevision'],
    },
    {
      name: 'enabled with the default tag after migration',
      install: 'migrated: default deactivated, canary, tags',
      labels: {'istio-injection': 'enabled'},
      codes: [],
    },
    {
      name: 'enabled with only a deactivated default',
      install: 'deactivated default and canary, no tags',
      labels: {'istio-injection': 'enabled'},
      codes: ['WebhookDeactivated'],
    },
    {
      name: 'istio.io/rev=default with only a deactivated default',
      install: 'deactivated default and canary, no tags',
      labels: {'istio.io/rev': 'default'},
      codes: ['WebhookDeactivated'],
    },
    {
      name: 'enabled through the istio-default chart',
      install: 'istio-default chart over canary',
      labels: {'istio-injection': 'enabled'},
      codes: [],
    },
    {
      name: 'ambient plus istio-injection=enabled',
      install: 'default install',
      labels: {'istio-injection': 'enabled', 'istio.io/dataplane-mode': 'ambient'},
      codes: ['AmbientAndSidecarLabels'],
    },
    {
      name: 'ambient plus istio.io/rev',
      install: 'revision canary only',
      labels: {'istio.io/rev': 'canary', 'istio.io/dataplane-mode': 'ambient'},
      codes: ['AmbientAndSidecarLabels'],
    },
    {
      name: 'ambient plus istio-injection=disabled',
      install: 'default install',
      labels: {'istio-injection': 'disabled', 'istio.io/dataplane-mode': 'ambient'},
      codes: [],
    },
    {name: 'no labels', install: 'default install', labels: {}, codes: []},
  ]
  for (const row of rows) {
    it(`${row.name} → ${row.codes.join(', ') || 'no findings'}`, () => {
      const index = indexRevisions(cluster([...installs[row.install]]))
      const report = namespaceLabelFindings({name: 'shop', labels: row.labels, annotations: {}}, index)
      assert.deepEqual(
        report.findings.map((f) => f.code),
        row.codes,
      )
      assert.ok(report.findings.every((f) => f.params.namespace === 'shop'))
    })
  }

  it('suggests an existing revision in the fix', () => {
    const index = indexRevisions(cluster(['mwc-canary.yaml']))
    const report = namespaceLabelFindings(
      {name: 'shop', labels: {'istio.io/rev': 'canry'}, annotations: {}},
      index,
    )
    assert.equal(report.findings[0]?.params.revision, 'canary')
    assert.match(report.findings[0]?.message ?? '', /revisions \[canary\]/)
  })

  it('unreadable webhook configurations make absence Unknown, not a finding', () => {
    const gap: Gap = {
      resource: 'mutatingwebhookconfigurations',
      reason: 'Forbidden',
      verb: 'list',
      message: 'forbidden',
    }
    const index = indexRevisions({...emptySnapshot({kind: 'files', paths: []}), gaps: [gap]})
    const report = namespaceLabelFindings(
      {name: 'shop', labels: {'istio.io/rev': 'canary'}, annotations: {}},
      index,
    )
    assert.deepEqual(report.findings, [])
    assert.equal(report.checks[0]?.result, 'Unknown')
  })
})
