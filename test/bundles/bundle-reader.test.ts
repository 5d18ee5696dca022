// Reading real support-bundle layouts offline: istioctl bug-report generations, cluster-info dumps, mixed inputs.
import assert from 'node:assert/strict'
import {cp, mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {create} from 'tar'
import {
  BundleReadError,
  bundleSnapshot,
  detectBundle,
  readBundle,
  type BundleContents,
} from '../../src/cluster/bundle-reader.js'

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'bundles')
let work = ''
before(async () => {
  work = await mkdtemp(join(tmpdir(), 'bundles-'))
})
after(async () => {
  await rm(work, {recursive: true, force: true})
})

/** Packs a fixture directory's children like istioctl does (entries relative to the directory). */
const pack = async (fixtureDir: string, name: string): Promise<string> => {
  const {readdir} = await import('node:fs/promises')
  const file = join(work, name)
  await create(
    {gzip: true, file, cwd: join(fixtures, fixtureDir), portable: true},
    await readdir(join(fixtures, fixtureDir)),
  )
  return file
}

const names = (bundle: BundleContents, kind: string): string[] =>
  bundle.entries
    .filter((e) => e.object.kind === kind)
    .map((e) => {
      const meta = e.object.metadata as {name: string; namespace?: string}
      return meta.namespace === undefined ? meta.name : `${meta.namespace}/${meta.name}`
    })
    .sort()
const sourceOf = (bundle: BundleContents, kind: string, name: string): string | undefined =>
  bundle.entries.find((e) => e.object.kind === kind && (e.object.metadata as {name: string}).name === name)
    ?.source
const gapResources = (bundle: BundleContents): string[] => bundle.gaps.map((g) => g.resource).sort()

const layouts = [
  {
    name: 'istioctl 1.20 (one List with webhooks, namespaces and events)',
    dir: 'bug-report-1.20',
    layout: 'bug-report-legacy',
    clusterFile: 'bug-report/cluster/k8s-resources',
    resourcesFile: 'bug-report/cluster/k8s-resources',
    skipLine: 'Skipping apps/batch-report',
  },
  {
    name: 'istioctl 1.26 with --dir (no bug-report/ prefix)',
    dir: 'bug-report-1.26',
    layout: 'bug-report-1.21',
    clusterFile: 'cluster/k8s-resources',
    resourcesFile: 'cluster/k8s-resources',
    skipLine: 'Skipping due to policy check',
  },
  {
    name: 'istioctl 1.30 (cluster-scoped kinds split out)',
    dir: 'bug-report-1.30',
    layout: 'bug-report-1.30',
    clusterFile: 'bug-report/cluster/k8s-cluster-resources',
    resourcesFile: 'bug-report/cluster/k8s-resources',
    skipLine: 'Skipping due to policy check',
  },
] as const

describe('istioctl bug-report layouts', () => {
  for (const scenario of layouts) {
    for (const form of ['extracted directory', '.tar.gz archive'] as const) {
      it(`${scenario.name}, ${form}: namespaces, webhooks, injector ConfigMap, pods, events and istiod log`, async () => {
        const path =
          form === 'extracted directory'
            ? join(fixtures, scenario.dir)
            : await pack(scenario.dir, `${scenario.dir}.tar.gz`)
        const bundle = await readBundle(path)
        assert.ok(bundle)
        assert.equal(bundle.layout, scenario.layout)
        assert.deepEqual(names(bundle, 'Namespace'), [
          'apps',
          'default',
          'istio-system',
          'kube-system',
          'payments',
        ])
        assert.deepEqual(names(bundle, 'MutatingWebhookConfiguration'), [
          'istio-sidecar-injector',
          'istio-sidecar-injector-canary',
        ])
        assert.ok(names(bundle, 'ConfigMap').includes('istio-system/istio-sidecar-injector'))
        assert.deepEqual(names(bundle, 'Pod'), [
          'apps/httpbin-7f9c6d5b8-qv2lm',
          'istio-system/istiod-6c8d9f7b5-x2k4p',
        ])
        const separator = form === 'extracted directory' ? '/' : '!'
        assert.equal(
          sourceOf(bundle, 'MutatingWebhookConfiguration', 'istio-sidecar-injector'),
          `${path}${separator}${scenario.clusterFile}`,
        )
        assert.equal(
          sourceOf(bundle, 'Pod', 'httpbin-7f9c6d5b8-qv2lm'),
          `${path}${separator}${scenario.resourcesFile}`,
        )
        const failedCreate = bundle.entries.filter(
          (e) => e.object.kind === 'Event' && e.object.reason === 'FailedCreate',
        )
        assert.equal(
          failedCreate.length,
          6,
          'one FailedCreate per webhook failure class, not duplicated by the table',
        )
        assert.equal(bundle.logs.length, 1)
        assert.match(bundle.logs[0]!.source, /istio\/istio-system\/istiod-6c8d9f7b5-x2k4p\/discovery\.log$/)
        assert.ok(bundle.logs[0]!.text.includes(scenario.skipLine))
        assert.deepEqual(gapResources(bundle), [], 'a complete bug report leaves no gaps')
      })
    }
  }

  it('reads control-plane revision → version from the versions file', async () => {
    const bundle = await readBundle(join(fixtures, 'bug-report-1.30'))
    assert.equal(bundle?.versions?.cli, '1.30.1')
    assert.deepEqual(bundle?.versions?.controlPlane, [{revision: 'default', version: '1.26.3'}])
    assert.deepEqual(bundle?.versions?.proxies, [{revision: 'default', versions: ['1.26.3']}])
  })

  it('1.30 events come from the text table, with the row line as provenance', async () => {
    const file = await pack('bug-report-1.30', 'events-br.tgz')
    const bundle = await readBundle(file)
    const ledger = bundle?.entries.find(
      (e) =>
        e.object.kind === 'Event' && (e.object.involvedObject as {name: string}).name === 'ledger-7c5d8b9f4',
    )
    assert.equal(ledger?.source, `${file}!bug-report/cluster/events:6`)
    assert.deepEqual(ledger?.object.involvedObject, {
      kind: 'ReplicaSet',
      name: 'ledger-7c5d8b9f4',
      namespace: 'payments',
    })
    assert.equal(ledger?.object.count, 12)
    assert.match(String(ledger?.object.message), /service "istiod-canary" not found$/)
  })

  it('a 1.30 report made with --skip-cluster-dump: missing sections become NotCollected gaps naming the command', async () => {
    const dir = join(work, 'skipped')
    await cp(join(fixtures, 'bug-report-1.30'), dir, {recursive: true})
    for (const file of ['k8s-resources', 'k8s-cluster-resources', 'events'])
      await rm(join(dir, 'bug-report', 'cluster', file))
    const bundle = await readBundle(dir)
    assert.equal(bundle?.layout, 'bug-report-1.30', 'the versions file still says 1.30')
    assert.deepEqual(gapResources(bundle!), [
      'configmaps',
      'endpointslices',
      'events',
      'mutatingwebhookconfigurations',
      'namespaces',
      'pods',
      'replicasets',
      'services',
    ])
    for (const gap of bundle!.gaps) {
      assert.equal(gap.reason, 'NotCollected')
      assert.match(gap.message, /run: kubectl /)
    }
    assert.match(
      bundle!.gaps.find((g) => g.resource === 'namespaces')!.message,
      /k8s-cluster-resources is missing/,
    )
  })

  it('an istioctl 1.11 report (no webhooks, no namespaces collected) says so in its gaps', async () => {
    const dir = join(work, 'old')
    await cp(join(fixtures, 'bug-report-1.20'), dir, {recursive: true})
    const {readFile} = await import('node:fs/promises')
    const {parse, stringify} = await import('yaml')
    const listPath = join(dir, 'bug-report', 'cluster', 'k8s-resources')
    const list = parse(await readFile(listPath, 'utf8')) as {items: {kind: string}[]}
    list.items = list.items.filter(
      (item) => item.kind !== 'Namespace' && item.kind !== 'MutatingWebhookConfiguration',
    )
    await writeFile(listPath, stringify(list))
    await writeFile(join(dir, 'bug-report', 'versions'), 'CLI version: 1.11.8\n')
    const bundle = await readBundle(dir)
    assert.equal(bundle?.layout, 'bug-report-legacy')
    assert.deepEqual(gapResources(bundle!), ['mutatingwebhookconfigurations', 'namespaces'])
    assert.match(bundle!.gaps[0]!.message, /istioctl 1\.11\.8 bug-report does not collect them/)
  })
})

describe('kubectl cluster-info dump', () => {
  it('directory: typed lists get their item kinds, istiod discovery log is kept, and the holes are gaps', async () => {
    const bundle = await readBundle(join(fixtures, 'cluster-info-dump'))
    assert.equal(bundle?.layout, 'cluster-info-dump')
    assert.deepEqual(names(bundle!, 'Pod'), [
      'apps/httpbin-7f9c6d5b8-qv2lm',
      'istio-system/istiod-6c8d9f7b5-x2k4p',
    ])
    assert.deepEqual(names(bundle!, 'Node'), ['kind-control-plane'])
    assert.equal(names(bundle!, 'Namespace').length, 0)
    assert.equal(
      sourceOf(bundle!, 'Deployment', 'httpbin'),
      join(fixtures, 'cluster-info-dump', 'apps/deployments.json'),
    )
    assert.equal(bundle!.logs.length, 1)
    assert.ok(bundle!.logs[0]!.text.includes('Skipping due to policy check'))
    assert.ok(!bundle!.logs[0]!.text.includes('==== END'), 'section markers are not part of the log')
    assert.deepEqual(gapResources(bundle!), [
      'configmaps',
      'cronjobs',
      'endpointslices',
      'jobs',
      'mutatingwebhookconfigurations',
      'namespaces',
      'statefulsets',
    ])
    assert.match(
      bundle!.gaps.find((g) => g.resource === 'namespaces')!.message,
      /kubectl get ns,mutatingwebhookconfigurations -o yaml > extra\.yaml/,
    )
    assert.match(
      bundle!.gaps.find((g) => g.resource === 'configmaps')!.message,
      /kubectl -n istio-system get cm -o yaml/,
    )
  })

  it('captured stdout: concatenated JSON lists and log sections, with line provenance', async () => {
    const path = join(fixtures, 'cluster-info-dump.txt')
    assert.equal(await detectBundle(path), 'cluster-info-dump-stream')
    const bundle = await readBundle(path)
    assert.deepEqual(names(bundle!, 'Pod'), [
      'apps/httpbin-7f9c6d5b8-qv2lm',
      'istio-system/istiod-6c8d9f7b5-x2k4p',
    ])
    assert.equal(names(bundle!, 'Event').length, 6, 'payments was not dumped: its FailedCreate is absent')
    assert.match(sourceOf(bundle!, 'Node', 'kind-control-plane')!, /cluster-info-dump\.txt:1$/)
    assert.equal(bundle!.logs.length, 1, 'only the discovery container log is kept')
    assert.ok(bundle!.logs[0]!.text.startsWith('2025-08-20T09:50:11.204511Z\tinfo\tFLAG'))
  })

  it('mixed inputs (--from dump/ --from extra.yaml --from istio-cm.yaml) fill the namespace, webhook and ConfigMap gaps', async () => {
    const dump = await readBundle(join(fixtures, 'cluster-info-dump'))
    const {parse} = await import('yaml')
    const {readFile} = await import('node:fs/promises')
    const extras = await Promise.all(
      ['extra.yaml', 'istio-cm.yaml'].map(async (file) => ({
        object: parse(await readFile(join(fixtures, 'supplements', file), 'utf8')) as unknown,
        source: file,
      })),
    )
    const snapshot = await bundleSnapshot([dump!], extras)
    assert.deepEqual(snapshot.namespaces.find((n) => n.name === 'apps')?.labels['istio-injection'], 'enabled')
    assert.equal(snapshot.webhookConfigurations.length, 2)
    assert.ok(snapshot.configMaps.some((c) => c.name === 'istio-sidecar-injector'))
    assert.deepEqual(snapshot.gaps.map((g) => g.resource).sort(), [
      'cronjobs',
      'endpointslices',
      'jobs',
      'statefulsets',
    ])
    assert.equal(snapshot.logs.length, 1)
    assert.deepEqual(snapshot.origin, {
      kind: 'files',
      paths: [join(fixtures, 'cluster-info-dump')],
      layouts: ['cluster-info-dump'],
    })
  })

  it('without supplements the snapshot keeps every cluster-info-dump gap', async () => {
    const snapshot = await bundleSnapshot([(await readBundle(join(fixtures, 'cluster-info-dump')))!])
    assert.ok(snapshot.gaps.some((g) => g.resource === 'namespaces' && g.reason === 'NotCollected'))
    assert.equal(snapshot.namespaces.length, 0)
  })
})

describe('every layout projects to the same cluster facts', () => {
  it('namespaces, webhooks, pods and FailedCreate events agree across 1.20, 1.26 and 1.30', async () => {
    const facts = []
    for (const dir of ['bug-report-1.20', 'bug-report-1.26', 'bug-report-1.30']) {
      const snapshot = await bundleSnapshot([(await readBundle(join(fixtures, dir)))!])
      facts.push({
        namespaces: snapshot.namespaces.map((n) => [n.name, n.labels]).sort(),
        webhooks: snapshot.webhookConfigurations.map((w) => [
          w.metadata.name,
          w.webhooks?.map((x) => x.namespaceSelector),
        ]),
        pods: snapshot.pods
          .map((p) => [p.namespace, p.name, p.owner, p.containers.map((c) => c.name)])
          .sort(),
        failures: snapshot.events
          .filter((e) => e.reason === 'FailedCreate')
          .map((e) => [e.involvedObject.name, e.message])
          .sort(),
      })
    }
    assert.deepEqual(facts[1], facts[0])
    assert.deepEqual(facts[2], facts[0])
  })
})

describe('unreadable inputs: one line naming the file, never a stack trace', () => {
  const oneLine = async (path: string, pattern: RegExp): Promise<void> => {
    await assert.rejects(readBundle(path), (error: unknown) => {
      assert.ok(error instanceof BundleReadError)
      assert.ok(error.message.startsWith(`${path}: `), error.message)
      assert.doesNotMatch(error.message, /\n/)
      assert.match(error.message, pattern)
      return true
    })
  }
  it('a truncated archive', async () => {
    const {readFile} = await import('node:fs/promises')
    const whole = await readFile(await pack('bug-report-1.30', 'whole.tar.gz'))
    const cut = join(work, 'cut.tar.gz')
    await writeFile(cut, whole.subarray(0, Math.floor(whole.length / 2)))
    await oneLine(cut, /truncated/)
  })
  it('garbage named .tgz', async () => {
    const file = join(work, 'garbage.tgz')
    await writeFile(file, 'this is not an archive\n')
    await oneLine(file, /not a \.tar\.gz/)
  })
  it('a gzip that holds no tar', async () => {
    const {gzipSync} = await import('node:zlib')
    const file = join(work, 'plain.tar.gz')
    await writeFile(file, gzipSync(Buffer.from('apiVersion: v1\nkind: List\nitems: []\n'.repeat(40))))
    await oneLine(file, /archive/)
  })
  it('an entry escaping the archive root (../)', async () => {
    const {tarGzip} = await import('../../src/cluster/bundle-writer.js')
    const file = join(work, 'evil.tar.gz')
    await writeFile(
      file,
      await tarGzip(
        new Map([
          ['bug-report/versions', 'CLI version: 1.30.1\n'],
          ['../../etc/evil', 'x'],
        ]),
        new Date(0),
      ),
    )
    await oneLine(file, /unsafe entry path/)
  })
  it('a cluster-info dump stream cut in the middle of a JSON document', async () => {
    const {readFile} = await import('node:fs/promises')
    const text = await readFile(join(fixtures, 'cluster-info-dump.txt'), 'utf8')
    const file = join(work, 'cut-dump.txt')
    await writeFile(file, text.slice(0, 3000))
    await oneLine(file, /JSON document at line \d+ is truncated/)
  })
  it('a missing path', async () => {
    await oneLine(join(work, 'nope.tar.gz'), /cannot open \(ENOENT\)/)
  })
  it('a plain kubectl YAML file is not a bundle (file-source reads it)', async () => {
    assert.equal(await readBundle(join(fixtures, 'supplements', 'extra.yaml')), undefined)
    assert.equal(await detectBundle(join(fixtures, 'supplements')), undefined)
  })
})

describe('file-source seam', () => {
  it('readFileSnapshot with the bundle reader reads a bug-report archive', async () => {
    const {readFileSnapshot} = await import('../../src/cluster/file-source.js')
    const {bundleEntryReader} = await import('../../src/cluster/bundle-reader.js')
    const file = await pack('bug-report-1.30', 'seam.tar.gz')
    const snapshot = await readFileSnapshot([file], {readers: [bundleEntryReader]})
    assert.equal(snapshot.namespaces.find((n) => n.name === 'apps')?.labels['istio-injection'], 'enabled')
    assert.equal(snapshot.logs.length, 1)
    assert.equal(
      snapshot.webhookConfigurations[0]?.source,
      `${file}!bug-report/cluster/k8s-cluster-resources`,
    )
  })
})

describe('a bug report that lists no MutatingWebhookConfigurations', () => {
  // istioctl always lists them (k8s-cluster-resources from 1.30, k8s-resources before): none listed means none exist.
  const withoutWebhooks = async (fixture: string, clusterFile: string, name: string): Promise<string> => {
    const {readFile} = await import('node:fs/promises')
    const {parse, stringify} = await import('yaml')
    const dir = join(work, name)
    await cp(join(fixtures, fixture), dir, {recursive: true})
    const path = join(dir, clusterFile)
    const list = parse(await readFile(path, 'utf8')) as {items: {kind: string}[]}
    list.items = list.items.filter((item) => item.kind !== 'MutatingWebhookConfiguration')
    await writeFile(path, stringify(list))
    return dir
  }
  const sweep = async (paths: string[]) => {
    const {readFileSnapshot} = await import('../../src/cluster/file-source.js')
    const {evaluateTarget} = await import('../../src/core/verdict/targets.js')
    const snapshot = await readFileSnapshot(paths)
    const result = evaluateTarget(snapshot, {kind: 'sweep', namespace: null})
    assert.ok(result.ok)
    return {snapshot, verdicts: result.verdicts}
  }
  const reports = [
    {
      name: 'istioctl 1.30 (k8s-cluster-resources)',
      fixture: 'bug-report-1.30',
      file: 'bug-report/cluster/k8s-cluster-resources',
    },
    {name: 'istioctl 1.26 --dir (k8s-resources)', fixture: 'bug-report-1.26', file: 'cluster/k8s-resources'},
    {
      name: 'istioctl 1.20 (k8s-resources)',
      fixture: 'bug-report-1.20',
      file: 'bug-report/cluster/k8s-resources',
    },
  ]
  for (const report of reports)
    it(`${report.name}: not injected, no injector webhook, with a finding (not DataMissing)`, async () => {
      const dir = await withoutWebhooks(report.fixture, report.file, `no-webhooks-${report.fixture}`)
      const {snapshot, verdicts} = await sweep([dir])
      assert.deepEqual(
        snapshot.gaps.filter((g) => g.resource === 'mutatingwebhookconfigurations'),
        [],
      )
      assert.ok(verdicts.some((v) => v.reason === 'NoInjectorWebhooks'))
      for (const v of verdicts) {
        assert.equal(v.outcome, 'Skip', `${v.target.namespace}/${v.target.name}: ${v.reason}`)
        // A pod that runs a sidecar anyway is reported as such; every other one as "no injector webhook".
        assert.ok(['NoInjectorWebhooks', 'UnexpectedSidecar'].includes(v.reason), v.reason)
        assert.ok(
          v.findings.some(
            (f) => f.code === 'NoInjectorWebhooks' && /no MutatingWebhookConfigurations/.test(f.message),
          ),
        )
      }
    })

  it('a plain export without webhooks stays Unknown (DataMissing): it never claims to list them', async () => {
    const {readFile} = await import('node:fs/promises')
    const {parse, stringify} = await import('yaml')
    const list = parse(
      await readFile(join(fixtures, 'bug-report-1.30', 'bug-report', 'cluster', 'k8s-resources'), 'utf8'),
    ) as {items: {kind: string}[]}
    const dir = join(work, 'plain-export')
    const {mkdir} = await import('node:fs/promises')
    await mkdir(dir, {recursive: true})
    await writeFile(join(dir, 'objects.yaml'), stringify(list))
    const {verdicts} = await sweep([dir])
    assert.ok(verdicts.length > 0)
    for (const v of verdicts) assert.equal(v.outcome, 'Unknown', `${v.target.namespace}/${v.target.name}`)
  })
})
