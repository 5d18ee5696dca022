// The support views end to end from bundles: --health text, -o markdown, the health section of -o json, the
// condensed line under a sweep, provenance in -o wide, cluster-info dump gaps, stale proxies, unreadable archives.
import assert from 'node:assert/strict'
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {assertGolden} from '../golden/golden-file.js'
import {check, documentOf, packFixture, repo} from './harness.js'
import type {Run} from './harness.js'

// Relative to the repository root, so provenance in the output does not depend on where the checkout lives.
const bundle130 = 'test/fixtures/bundles/bug-report-1.30'
const dump = 'test/fixtures/bundles/cluster-info-dump'
const noStack = (run: Run): void => assert.ok(!/\n\s+at /.test(run.stderr), `no stack trace:\n${run.stderr}`)

let work = ''
before(async () => {
  work = await mkdtemp(join(tmpdir(), 'support-views-'))
})
after(async () => {
  await rm(work, {recursive: true, force: true})
})

describe('--health from a bug report', () => {
  it('shows every webhook with its checks, failures with platform hints, and matches the golden', async () => {
    const result = await check(['-A', '--health', '--from', bundle130])
    assert.equal(result.code, 0, result.stderr)
    assert.match(
      result.stdout,
      /^ {6}namespace\.sidecar-injector\.istio\.io → istio-system\/istiod:443, failurePolicy Fail, 1 ready endpoint$/m,
    )
    assert.match(result.stdout, /✘ WebhookStaleRevision/)
    assert.match(result.stdout, /WebhookCallTimeout {2}ReplicaSet apps\/reviews-v1-5b8f6d7c9/)
    assert.match(result.stdout, /GKE private cluster/)
    assertGolden('support/health-bug-report-1.30.txt', result.stdout)
  })

  it('-o json carries the health section next to the items', async () => {
    const document = documentOf(await check(['-A', '--health', '-o', 'json', '--from', bundle130]))
    assert.equal(document.health?.state, 'Failing')
    assert.deepEqual(
      [...new Set(document.health?.webhooks.map((w) => w.configuration))],
      ['istio-sidecar-injector', 'istio-sidecar-injector-canary'],
    )
    assert.ok(
      document.health?.failures.some(
        (f) => f.code === 'WebhookCallTimeout' && f.source?.endsWith('events:2'),
      ),
    )
    // Two pods and the Deployment whose pods the failing webhook blocks (FailedCreate events).
    assert.equal(document.items.length, 3)
  })

  it('-o json without --health has no health section', async () => {
    const document = documentOf(await check(['-A', '-o', 'json', '--from', bundle130]))
    assert.equal(document.health, undefined)
  })
})

describe('--health restart plan', () => {
  it('groups drifted pods by owner with the exact rollout restart commands', async () => {
    const result = await check([
      '-n',
      'shop',
      '--health',
      '--from',
      'test/fixtures/istio/default-1.28.yaml',
      '--from',
      'test/fixtures/clusters/created-before-label.yaml',
    ])
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stdout, /^Restart plan: 1 workload, \d+ pods? in 1 namespace$/m)
    assert.match(result.stdout, /^ {6}\$ kubectl rollout restart deployment\/web -n shop$/m)
  })
})

describe('-o markdown from a bug report', () => {
  it('is the ticket report: summary, findings by severity with codes, evidence with provenance, fixes', async () => {
    const result = await check(['-A', '-o', 'markdown', '--from', bundle130])
    assert.equal(result.code, 0, result.stderr)
    const text = result.stdout.replace(/^- Generated: .*$/m, '- Generated: <now>').replaceAll(repo, '<repo>/')
    assert.match(text, /^## Summary$/m)
    assert.match(text, /^### Errors \(\d+\)$/m)
    assert.match(text, /^- \*\*WebhookCallTimeout\*\*: ReplicaSet apps\/reviews-v1-5b8f6d7c9/m)
    assert.match(
      text,
      /Evidence from `test\/fixtures\/bundles\/bug-report-1\.30\/bug-report\/cluster\/events:2`/,
    )
    assert.match(text, /```sh\n\s+kubectl delete mutatingwebhookconfiguration istio-sidecar-injector-canary/)
    assertGolden('support/markdown-bug-report-1.30.md', text)
  })
})

describe('the sweep summary', () => {
  it('adds the condensed health line after the counts when the bundle holds health data', async () => {
    const result = await check(['-A', '--from', bundle130])
    assert.equal(result.code, 0, result.stderr)
    const lines = result.stdout.trimEnd().split('\n')
    assert.match(lines.at(-2) ?? '', /^3 targets: 1 injected, 1 rejected, 1 not enabled$/)
    assert.match(
      lines.at(-1) ?? '',
      // The default revision's service chain looks fine, but recent calls to it fail: failing, never "healthy".
      /^webhooks: 2 failing \(istio-sidecar-injector: calls fail: WebhookCallTimeout, WebhookNoEndpoints, WebhookTLSFailure for 4 controllers; istio-sidecar-injector-canary: revision canary was removed\); \d+ FailedCreate events? \(\d+ occurrences\)/,
    )
  })

  it('counts pods running a stale proxy image next to the buckets', async () => {
    const result = await check([
      '-n',
      'shop',
      '--from',
      'test/fixtures/istio/default-1.28.yaml',
      '--from',
      'test/fixtures/clusters/outdated-proxy.yaml',
      '-o',
      'wide',
    ])
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stdout, /\d+ with a stale proxy/)
    const document = documentOf(
      await check([
        '-n',
        'shop',
        '-o',
        'json',
        '--from',
        'test/fixtures/istio/default-1.28.yaml',
        '--from',
        'test/fixtures/clusters/outdated-proxy.yaml',
      ]),
    )
    const stale = document.items.filter((item) =>
      (item.findings as {kind: string}[]).some((f) => f.kind === 'StaleProxy'),
    )
    assert.ok(stale.length > 0)
    assert.equal(document.summary.stale, stale.length)
    assert.ok(
      stale.every((item) => String(item.name).startsWith('cart-')),
      stale.map((i) => i.name).join(', '),
    )
  })
})

describe('provenance', () => {
  it('-o wide has a SOURCE column naming the file of each pod', async () => {
    const result = await check(['-A', '-o', 'wide', '--from', bundle130])
    assert.equal(result.code, 0, result.stderr)
    const [head = '', ...rows] = result.stdout.split('\n')
    assert.match(head, /\bSOURCE$/)
    assert.ok(rows.filter((r) => r.startsWith('apps ')).every((r) => r.endsWith(' cluster/k8s-resources')))
    // The SOURCE column stays compact: the full paths are in -o json.
    assert.ok(!result.stdout.includes(`${bundle130}/`), 'no full paths in -o wide')
  })

  it('-o json cites pod, namespace, webhook configuration and injector ConfigMap files', async () => {
    const document = documentOf(await check(['-A', '-o', 'json', '--from', bundle130]))
    const httpbin = document.items.find((item) => item.name === 'httpbin-7f9c6d5b8-qv2lm')
    assert.deepEqual(httpbin?.sources, {
      pod: `${bundle130}/bug-report/cluster/k8s-resources`,
      namespace: `${bundle130}/bug-report/cluster/k8s-cluster-resources`,
      webhookConfiguration: `${bundle130}/bug-report/cluster/k8s-cluster-resources`,
      injectorConfigMap: `${bundle130}/bug-report/cluster/k8s-resources`,
    })
  })
})

describe('kubectl cluster-info dump', () => {
  it('warns on stderr what the dump lacks with the kubectl get commands that fill it, and lists the gaps', async () => {
    const human = await check(['-A', '--from', dump])
    assert.equal(human.code, 0, human.stderr)
    assert.match(
      human.stderr,
      /^warning: could not read namespaces \(NotCollected\): .*run: kubectl get ns,mutatingwebhookconfigurations -o yaml > extra\.yaml/m,
    )
    assert.match(
      human.stderr,
      /^warning: could not read configmaps in namespace "istio-system" \(NotCollected\): .*kubectl -n istio-system get cm -o yaml/m,
    )
    assert.match(
      human.stdout,
      /^webhooks: not checked \(list mutatingwebhookconfigurations: NotCollected\)$/m,
    )
    const document = documentOf(await check(['-A', '-o', 'json', '--from', dump]))
    assert.deepEqual(document.gaps.map((g) => g.resource).sort(), [
      'configmaps',
      'cronjobs',
      'endpointslices',
      'jobs',
      'mutatingwebhookconfigurations',
      'namespaces',
      'statefulsets',
    ])
  })

  it('the supplements the warnings ask for close the gaps', async () => {
    const result = await check([
      '-A',
      '-o',
      'json',
      '--from',
      dump,
      '--from',
      'test/fixtures/bundles/supplements/extra.yaml',
      '--from',
      'test/fixtures/bundles/supplements/istio-cm.yaml',
    ])
    const gaps = documentOf(result).gaps.map((g) => g.resource)
    assert.ok(
      !gaps.includes('namespaces') && !gaps.includes('mutatingwebhookconfigurations'),
      gaps.join(', '),
    )
  })
})

describe('unreadable archives', () => {
  const cases = [
    {
      name: 'garbage bytes',
      make: async (file: string) => writeFile(file, Buffer.from('not an archive at all\n'.repeat(20))),
    },
    {
      name: 'a truncated .tar.gz',
      make: async (file: string) => {
        const whole = await packFixture('bug-report-1.30', join(work, 'whole.tar.gz'))
        await writeFile(file, (await readFile(whole)).subarray(0, 1500))
      },
    },
  ]
  for (const scenario of cases) {
    it(`${scenario.name}: one error line naming the file, exit 65, no stack trace`, async () => {
      const file = join(work, `${scenario.name.replace(/\W+/g, '-')}.tar.gz`)
      await scenario.make(file)
      const result = await check(['-A', '--from', file])
      assert.equal(result.code, 65, result.stderr)
      assert.equal(result.stdout, '')
      const lines = result.stderr.trimEnd().split('\n')
      assert.equal(lines.length, 1, result.stderr)
      assert.ok(lines[0]?.startsWith(`error: ${file}: `), result.stderr)
      noStack(result)
    })
  }
})
