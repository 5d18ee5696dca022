import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {parse as parseYaml} from 'yaml'
import type {ClusterSnapshot} from '../../src/core/snapshot.js'
import {evaluateTarget} from '../../src/core/verdict/targets.js'
import type {Verdict} from '../../src/core/verdict/verdict.js'
import {
  buildInjectionReport,
  renderReportDocument,
  reportApiVersion,
} from '../../src/render/report-document.js'
import {sanitizeTerminalText} from '../../src/render/terminal-text.js'
import {renderTrail} from '../../src/render/trail.js'
import {renderSummaryLine, renderVerdictTable, showsNamespaceColumn} from '../../src/render/verdict-table.js'
import {loadCluster} from '../check/cluster-fixtures.js'
import {assertGolden} from '../golden/golden-file.js'

const verdictsOf = (
  snapshot: ClusterSnapshot,
  target: Parameters<typeof evaluateTarget>[1],
): readonly Verdict[] => {
  const result = evaluateTarget(snapshot, target)
  assert.ok(result.ok)
  return result.verdicts
}

const first = (verdicts: readonly Verdict[]): Verdict => {
  const [v] = verdicts
  assert.ok(v)
  return v
}

describe('trail goldens', () => {
  const trails = [
    {
      golden: 'trail-needs-restart.txt',
      install: 'default-1.28',
      cluster: 'created-before-label',
      target: {kind: 'workload', workloadKind: 'Deployment', namespace: 'shop', name: 'web'},
    },
    {
      golden: 'trail-missing-revision.txt',
      install: 'revision-1-28-with-tags',
      cluster: 'missing-revision',
      target: {kind: 'workload', workloadKind: 'Deployment', namespace: 'analytics', name: 'collector'},
    },
    {
      golden: 'trail-host-network.txt',
      install: 'default-1.28',
      cluster: 'host-network',
      target: {kind: 'pod', namespace: 'monitoring', name: 'node-exporter-6hpvf'},
    },
    {
      golden: 'trail-namespace-revision.txt',
      install: 'revision-1-28-with-tags',
      cluster: 'revision-drift',
      target: {kind: 'namespace', name: 'checkout'},
    },
  ] as const
  for (const t of trails) {
    it(t.golden, async () => {
      const snapshot = await loadCluster(t.install, t.cluster)
      assertGolden(`check/${t.golden}`, renderTrail(first(verdictsOf(snapshot, t.target)), {colour: false}))
    })
  }
})

describe('table goldens', () => {
  it('table-sweep.txt: every pod, kubectl look, summary line', async () => {
    const snapshot = await loadCluster(
      'default-1.28',
      'created-before-label',
      'host-network',
      'opted-out-pod',
    )
    const verdicts = verdictsOf(snapshot, {kind: 'sweep', namespace: null})
    const report = buildInjectionReport({origin: snapshot.origin, verdicts, gaps: []})
    assertGolden(
      'check/table-sweep.txt',
      `${renderVerdictTable(verdicts, {wide: false, colour: false, allNamespaces: true})}\n${renderSummaryLine(report.summary)}`,
    )
  })
  it('table-wide.txt: -o wide adds WEBHOOK and TAG', async () => {
    const snapshot = await loadCluster(
      'revision-1-28-with-tags',
      'revision-drift',
      'conflicting-namespace-labels',
    )
    assertGolden(
      'check/table-wide.txt',
      renderVerdictTable(verdictsOf(snapshot, {kind: 'sweep', namespace: null}), {
        wide: true,
        colour: false,
        allNamespaces: true,
      }),
    )
  })
  it('table-namespace.txt: one namespace (-n shop), so no NAMESPACE column, as kubectl', async () => {
    const snapshot = await loadCluster('default-1.28', 'created-before-label')
    assertGolden(
      'check/table-namespace.txt',
      renderVerdictTable(verdictsOf(snapshot, {kind: 'sweep', namespace: 'shop'}), {
        wide: false,
        colour: false,
      }),
    )
  })
  const namespaceColumn: {name: string; namespaces: string[]; allNamespaces: boolean; shown: boolean}[] = [
    {name: '-n shop: hidden', namespaces: ['shop', 'shop'], allNamespaces: false, shown: false},
    {name: '-A with rows from one namespace: shown', namespaces: ['shop'], allNamespaces: true, shown: true},
    {
      name: 'manifests from two namespaces: shown',
      namespaces: ['shop', 'payments'],
      allNamespaces: false,
      shown: true,
    },
    {
      name: 'a cluster-scoped row beside a namespaced one: shown',
      namespaces: ['', 'shop'],
      allNamespaces: false,
      shown: true,
    },
  ]
  for (const row of namespaceColumn)
    it(`NAMESPACE column: ${row.name}`, async () => {
      const snapshot = await loadCluster('default-1.28', 'created-before-label')
      const base = first(verdictsOf(snapshot, {kind: 'sweep', namespace: 'shop'}))
      const verdicts = row.namespaces.map((namespace) => ({...base, target: {...base.target, namespace}}))
      const header = renderVerdictTable(verdicts, {
        wide: false,
        colour: false,
        allNamespaces: row.allNamespaces,
      })
      assert.equal(showsNamespaceColumn(verdicts, row.allNamespaces), row.shown)
      assert.equal(header.startsWith('NAMESPACE '), row.shown, header)
      assert.equal(header.startsWith('NAME '), !row.shown, header)
    })
  it('lines carry no trailing spaces and no ANSI when not coloured', async () => {
    const snapshot = await loadCluster('default-1.28', 'created-before-label')
    const text = renderVerdictTable(verdictsOf(snapshot, {kind: 'sweep', namespace: 'shop'}), {
      wide: true,
      colour: false,
    })
    for (const line of text.split('\n')) assert.equal(line, line.trimEnd())
    assert.ok(!text.includes('\u001b'))
  })
  it('colour adds ANSI only when asked', async () => {
    const snapshot = await loadCluster('default-1.28', 'created-before-label')
    const verdict = first(
      verdictsOf(snapshot, {kind: 'workload', workloadKind: 'Deployment', namespace: 'shop', name: 'web'}),
    )
    assert.ok(renderTrail(verdict, {colour: true}).includes('\u001b['))
    assert.ok(!renderTrail(verdict, {colour: false}).includes('\u001b'))
  })
  it('summary line counts each bucket and leaves zero counts out', () => {
    const line = renderSummaryLine({
      total: 35,
      injected: 20,
      needsRestart: 4,
      drift: 0,
      stale: 1,
      rejected: 1,
      unknown: 2,
      notInjectedByDesign: 5,
      notEnabled: 0,
      misconfigured: 2,
    })
    assert.equal(
      line,
      '35 pods: 20 injected, 4 need restart, 1 with a stale proxy, 1 rejected, 2 unknown, 5 not injected by design, 2 misconfigured\n',
    )
  })
})

describe('terminal safety', () => {
  it('escapes control characters and bidi overrides from cluster strings', () => {
    assert.equal(sanitizeTerminalText('a\u001b[2Jb\nc\u202ed\u0007'), 'a\\x1b[2Jb\\nc\\u202ed\\x07')
  })
  it('a hostile pod name and label cannot reach the terminal raw', async () => {
    const snapshot = await loadCluster('default-1.28', 'created-before-label')
    const base = first(verdictsOf(snapshot, {kind: 'pod', namespace: 'shop', name: 'api-nj6pwvvvg-t7fzm'}))
    const hostile: Verdict = {
      ...base,
      target: {...base.target, name: 'evil\u001b]0;pwned\u0007'},
      checks: [
        ...base.checks,
        {
          stage: 'State',
          code: 'SidecarPresent',
          result: 'Info',
          subject: 'pod \u001b[31mred',
          detail: 'label x=\u202egnp.exe',
        },
      ],
    }
    for (const text of [
      renderTrail(hostile, {colour: false}),
      renderVerdictTable([hostile], {wide: true, colour: false}),
    ]) {
      // eslint-disable-next-line no-control-regex -- asserting no raw control characters remain
      assert.ok(!/[\u0000-\u0008\u000b-\u001f\u007f\u202e]/.test(text), JSON.stringify(text))
      assert.ok(text.includes('evil\\x1b]0;pwned\\x07'))
    }
  })
})

describe('InjectionReport document', () => {
  it('is versioned and List-shaped, and its items carry the contract fields', async () => {
    const snapshot = await loadCluster('default-1.28', 'created-before-label')
    const verdicts = verdictsOf(snapshot, {kind: 'sweep', namespace: 'shop'})
    const report = buildInjectionReport({
      origin: snapshot.origin,
      verdicts,
      gaps: snapshot.gaps,
      namespaceLabels: {set: {'istio-injection': 'enabled'}, remove: ['istio.io/rev']},
    })
    const doc = JSON.parse(renderReportDocument(report, 'json')) as Record<string, unknown> & {
      items: Record<string, unknown>[]
      metadata: Record<string, unknown>
    }
    assert.equal(doc.apiVersion, reportApiVersion)
    assert.equal(doc.kind, 'InjectionReport')
    assert.deepEqual(doc.metadata.whatIf, {namespaceLabels: 'istio-injection=enabled, istio.io/rev-'})
    assert.equal((doc.metadata.source as {kind: string}).kind, 'files')
    assert.equal(doc.items.length, 3)
    for (const item of doc.items) {
      for (const key of [
        'kind',
        'namespace',
        'name',
        'injected',
        'wouldInject',
        'revision',
        'tag',
        'webhook',
        'reason',
        'checks',
        'actions',
        'findings',
      ]) {
        assert.ok(Object.hasOwn(item, key), `item has ${key}`)
      }
    }
    assert.deepEqual(doc.summary, {
      total: 3,
      injected: 1,
      needsRestart: 2,
      drift: 0,
      stale: 0,
      rejected: 0,
      unknown: 0,
      notInjectedByDesign: 0,
      notEnabled: 0,
      misconfigured: 0,
    })
    assert.ok(Array.isArray(doc.gaps))
  })
  it('YAML says the same as JSON', async () => {
    const snapshot = await loadCluster('default-1.28', 'created-before-label')
    const report = buildInjectionReport({
      origin: snapshot.origin,
      verdicts: verdictsOf(snapshot, {kind: 'sweep', namespace: 'shop'}),
      gaps: [],
    })
    assert.deepEqual(
      parseYaml(renderReportDocument(report, 'yaml'), {version: '1.1'}),
      JSON.parse(renderReportDocument(report, 'json')),
    )
  })
})
