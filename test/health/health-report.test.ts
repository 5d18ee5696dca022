import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {assessHealth} from '../../src/core/health/health-report.js'
import type {EventFacts} from '../../src/core/snapshot.js'
import type {Verdict} from '../../src/core/verdict/verdict.js'
import {renderHealth} from '../../src/render/health.js'
import {codeBlock, codeSpan, escapeMarkdown, renderMarkdownReport} from '../../src/render/markdown-report.js'
import {assertGolden} from '../golden/golden-file.js'
import {clusterFixture, istioFixture, snapshotFrom} from './fixture-snapshot.js'
import {podVerdict} from './verdict-fixtures.js'

// Minutes after the fixtures' FailedCreate events: they are current evidence (evidence-age.ts).
const now = new Date('2026-11-25T16:45:00Z')

const notReadySlice = `
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: istiod-lr7jg, namespace: istio-system, labels: {kubernetes.io/service-name: istiod}}
addressType: IPv4
endpoints:
- addresses: [10.244.0.12]
  conditions: {ready: false, serving: false, terminating: true}
  targetRef: {kind: Pod, name: istiod-kk5qk752h-vvjqk, namespace: istio-system}
ports: [{name: https-webhook, port: 15017, protocol: TCP}]
`

// An event text with Markdown, HTML and terminal control characters, as a hostile webhook could return it.
const hostileEvent: EventFacts = {
  namespace: 'shop',
  involvedObject: {kind: 'ReplicaSet', name: 'promo-6c7d8', namespace: 'shop'},
  reason: 'FailedCreate',
  type: 'Warning',
  count: 1,
  lastTimestamp: '2026-11-25T16:40:00Z',
  message:
    'Error creating: pods "promo-6c7d8-" is forbidden: admission webhook "namespace.sidecar-injector.istio.io" denied the request: bad annotation | `rm -rf` <script>x</script> \u001b[31mred\u001b[0m **bold**',
}

const verdict = (pod: string, owner: {kind: string; name: string}): Verdict => ({
  ...podVerdict('shop', pod, owner, 'StaleProxy'),
  injectedRevision: 'default',
  findings: [{code: 'NeedsRestart', kind: 'StaleProxy', message: 'proxy image is older than the injector'}],
})

const brokenCluster = () => {
  const snapshot = snapshotFrom(
    [
      istioFixture('default-1.28.yaml'),
      clusterFixture('webhook-failure.yaml'),
      clusterFixture('outdated-proxy.yaml'),
    ],
    notReadySlice,
  )
  return {...snapshot, events: [...snapshot.events, hostileEvent]}
}

describe('assessHealth', () => {
  it('reports a healthy default install as healthy with an empty plan', () => {
    const report = assessHealth(snapshotFrom([istioFixture('default-1.28.yaml')]), [], now)
    assert.equal(report.state, 'Healthy')
    assert.deepEqual(report.findings, [])
    assert.equal(report.summary, 'webhooks: 1 healthy')
  })

  it('joins webhook failure, events, stale proxies and a blocked plan, errors first', () => {
    const snapshot = brokenCluster()
    const report = assessHealth(
      snapshot,
      [verdict('cart-f8j7hhcmr-g97ws', {kind: 'Deployment', name: 'cart'})],
      now,
    )
    assert.equal(report.state, 'Failing')
    const codes = new Set(report.findings.map((f) => f.code))
    for (const code of [
      'WebhookNoReadyEndpoints',
      'WebhookFailClosedRisk',
      'WebhookCallTimeout',
      'WebhookDenied',
      'StaleProxyImage',
      'RestartBlocked',
      'RestartNeeded',
    ]) {
      assert.ok(codes.has(code as never), `missing ${code}`)
    }
    const severities = report.findings.map((f) => f.severity)
    assert.deepEqual(
      severities,
      [...severities].sort(
        (a, b) => ['Error', 'Warning', 'Info'].indexOf(a) - ['Error', 'Warning', 'Info'].indexOf(b),
      ),
    )
    assert.equal(report.plan.steps[0]?.action, 'FixWebhook')
    assert.match(
      report.summary,
      /^webhooks: 1 failing \(istio-sidecar-injector: istiod has no ready endpoints\); \d+ FailedCreate events? \(\d+ occurrences\); restart 1 workload after fixing the webhook$/,
    )
    // One finding per configuration for a chain check shared by its four webhooks.
    assert.equal(report.findings.filter((f) => f.code === 'WebhookNoReadyEndpoints').length, 1)
  })
})

describe('renderers', () => {
  const snapshot = brokenCluster()
  const verdicts = [verdict('cart-f8j7hhcmr-g97ws', {kind: 'Deployment', name: 'cart'})]
  const report = assessHealth(snapshot, verdicts, now)

  it('renders the --health text view (golden)', () => {
    const text = renderHealth(report, {color: false})
    assert.ok(!text.includes('\u001b'), 'no raw escape characters without colour')
    assertGolden('health/broken-cluster.txt', text)
  })

  it('colours only with color: true and still never passes raw control characters from the cluster', () => {
    const text = renderHealth(report, {color: true})
    assert.ok(text.includes('\u001b[31m'))
    assert.ok(!text.includes('\u001b[31mred'), 'the event text escape sequence must be neutralised')
  })

  it('renders the Markdown ticket report (golden)', () => {
    const markdown = renderMarkdownReport({
      report,
      verdicts,
      snapshotOrigin: snapshot.origin,
      gaps: [
        {
          resource: 'pods',
          namespace: 'kube-system',
          reason: 'Forbidden',
          verb: 'list',
          message: 'pods is forbidden: User "support" cannot list resource "pods"',
        },
      ],
    })
    // Outside code blocks HTML is escaped; inside fenced blocks it is inert text.
    const prose = markdown.replace(/^( *)(`{3,})[\s\S]*?^\1\2$/gm, '')
    assert.ok(!prose.includes('<script>'))
    assert.ok(markdown.includes('\\<script\\>'))
    assert.ok(!markdown.includes('\u001b'))
    assertGolden('health/broken-cluster.md', markdown)
  })

  it('renders a healthy report without findings (golden)', () => {
    const healthy = assessHealth(snapshotFrom([istioFixture('default-1.28.yaml')]), [], now)
    assertGolden('health/healthy.txt', renderHealth(healthy, {color: false}))
  })
})

describe('markdown escaping', () => {
  const cases = [
    ['table pipes and emphasis', 'a|b *c* _d_', 'a\\|b \\*c\\* \\_d\\_'],
    ['html tags', '<img src=x>', '\\<img src=x\\>'],
    ['control characters become visible escapes', 'x\u001b[2Jy\nz', 'x\\\\x1b\\[2Jy\\\\nz'],
    ['links', '[click](http://evil)', '\\[click\\](http://evil)'],
  ] as const
  for (const [name, input, expected] of cases) it(name, () => assert.equal(escapeMarkdown(input), expected))

  it('code spans and blocks outgrow backtick runs in the content', () => {
    assert.equal(codeSpan('a`b'), '``a`b``')
    assert.equal(codeBlock(['```', 'x']).split('\n')[0], '````')
  })
})
