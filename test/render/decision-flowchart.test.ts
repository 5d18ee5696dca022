// -o markdown draws the explained target's decision path as a Mermaid flowchart: parsed back here line by line (fixed
// node ids, the edges of the path, exactly one highlighted step), with hostile names that must stay inside their labels.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {decisionFlowchart, mermaidText} from '../../src/render/decision-flowchart.js'
import {renderMarkdownReport} from '../../src/render/markdown-report.js'
import type {Check, Verdict} from '../../src/core/verdict/verdict.js'
import {check, repo} from '../support/harness.js'
import {assertGolden} from '../golden/golden-file.js'

interface Flowchart {
  readonly nodes: Map<string, string>
  readonly solid: string[]
  readonly dotted: string[]
  readonly decided: string[]
  readonly skipped: string[]
}

/** The subset of Mermaid the renderer emits; any other line is an error (a label that escaped would be one). */
const parseFlowchart = (lines: readonly string[]): Flowchart => {
  const chart: Flowchart = {nodes: new Map(), solid: [], dotted: [], decided: [], skipped: []}
  assert.equal(lines[0], 'flowchart TD')
  for (const line of lines.slice(1)) {
    let m: RegExpExecArray | null
    if ((m = /^ {2}([a-z]+)\["([^"`\n]*)"\]$/.exec(line))) {
      assert.ok(!chart.nodes.has(m[1]!), `node ${m[1]} defined twice`)
      chart.nodes.set(m[1]!, m[2]!)
    } else if ((m = /^ {2}([a-z]+) --> ([a-z]+)$/.exec(line))) chart.solid.push(`${m[1]}>${m[2]}`)
    else if ((m = /^ {2}([a-z]+) -\.->\|not reached\| ([a-z]+)$/.exec(line)))
      chart.dotted.push(`${m[1]}>${m[2]}`)
    else if ((m = /^ {2}class ([a-z,]+) (decided|skipped)$/.exec(line)))
      (m[2] === 'decided' ? chart.decided : chart.skipped).push(...m[1]!.split(','))
    else assert.match(line, /^ {2}classDef (decided|skipped) [a-z0-9:#,-]+$/, `unexpected line: ${line}`)
  }
  return chart
}

const mermaidBlocks = (markdown: string): string[][] =>
  [...markdown.matchAll(/^```mermaid\n([\s\S]*?)\n```$/gm)].map((m) => (m[1] ?? '').split('\n'))

const demo = ['--from', 'examples/demo-cluster']
const stepIds = ['target', 'webhook', 'policy', 'admission', 'outcome']

describe('-o markdown: the target’s decision path as a Mermaid flowchart', () => {
  const scenarios = [
    {
      name: 'a selected, enabled and admitted Deployment: istiod policy decides',
      args: ['deploy/web', '-n', 'shop'],
      decided: 'policy',
      solid: ['target>webhook', 'webhook>policy', 'policy>admission', 'admission>outcome'],
      dotted: [],
      labels: {
        webhook: /InjectorWebhookSelected: Pass<br\/>istio-sidecar-injector\//,
        outcome: /Inject<br\/>NeedsRestart/,
      },
    },
    {
      name: 'a pod no injector webhook selects: webhook selection decides, the later steps are not reached',
      args: ['pod/coredns-668d6bf9bc-kfn86', '-n', 'kube-system'],
      decided: 'webhook',
      solid: ['target>webhook', 'webhook>outcome'],
      dotted: ['webhook>policy', 'policy>admission'],
      labels: {webhook: /NoInjectorWebhookMatches/, policy: /not reached/},
    },
    {
      name: 'an injected pod Pod Security would reject: the admission step shows the violation',
      args: ['deploy/cart-api', '-n', 'checkout'],
      decided: 'policy',
      solid: ['target>webhook', 'webhook>policy', 'policy>admission', 'admission>outcome'],
      dotted: [],
      labels: {admission: /PodSecurityViolation: Fail<br\/>not admitted/},
    },
  ]
  for (const scenario of scenarios) {
    it(scenario.name, async () => {
      const r = await check([...scenario.args, ...demo, '-o', 'markdown'])
      assert.equal(r.code, 0, r.stderr)
      const blocks = mermaidBlocks(r.stdout)
      assert.equal(blocks.length, 1)
      const chart = parseFlowchart(blocks[0]!)
      assert.deepEqual([...chart.nodes.keys()], stepIds)
      assert.deepEqual(chart.decided, [scenario.decided])
      assert.deepEqual(chart.solid, scenario.solid)
      assert.deepEqual(chart.dotted, scenario.dotted)
      for (const [id, label] of Object.entries(scenario.labels))
        assert.match(chart.nodes.get(id) ?? '', label)
      // The text stays for readers that do not render Mermaid.
      assert.match(r.stdout, /^- Outcome: \*\*\w+\*\* \(\w+\)$/m)
    })
  }

  it('the whole single-target report with its flowchart (golden)', async () => {
    const r = await check(['deploy/web', '-n', 'shop', ...demo, '-o', 'markdown'])
    // The snapshot line names this checkout's absolute path.
    assertGolden('check/markdown-target.md', r.stdout.replaceAll(repo, '<repo>/'))
  })

  it('a sweep draws no flowchart (only the explained target does)', async () => {
    const r = await check(['-A', ...demo, '-o', 'markdown'])
    assert.equal(mermaidBlocks(r.stdout).length, 0)
  })
})

describe('Mermaid labels are inert', () => {
  const hostile =
    'web"] --> x["<img src=x onerror=alert(1)>"]; click target "javascript:alert(1)" %% ```\n#quot;'
  const check1: Check = {
    stage: 'Webhook',
    code: 'NamespaceSelectorMismatch',
    result: 'Fail',
    subject: hostile,
    detail: hostile,
  }
  const verdict: Verdict = {
    target: {kind: 'Pod', namespace: 'ns]{', name: hostile},
    injected: false,
    wouldInject: false,
    outcome: 'Skip',
    reason: 'NoInjectorWebhookMatches',
    decidedBy: 'NoInjectorWebhookMatches',
    revision: hostile,
    tag: null,
    webhook: {configuration: hostile, name: '<b>'},
    injectedRevision: null,
    matches: [],
    checks: [check1],
    findings: [],
    actions: [],
  }

  it('a hostile name stays inside its label: the graph keeps its five nodes and one highlight', () => {
    const chart = parseFlowchart(decisionFlowchart(verdict))
    assert.deepEqual([...chart.nodes.keys()], stepIds)
    assert.deepEqual(chart.decided, ['webhook'])
    for (const label of chart.nodes.values()) {
      assert.doesNotMatch(label.replaceAll('<br/>', '').replace(/#\d+;/g, ''), /["[\]<>;`%{}|#\n]/)
      // Every # starts an entity code: the cluster's own "#quot;" cannot become a quote.
      assert.doesNotMatch(label, /#(?!\d+;)/)
    }
  })

  it('entity codes decode back to the original text, cut at 80 characters', () => {
    const decode = (text: string) =>
      text.replace(/#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
    const text = 'a"b]c<d>e;f`g#h'
    assert.equal(decode(mermaidText(text)), text)
    assert.equal(decode(mermaidText('x'.repeat(100))), `${'x'.repeat(79)}…`)
  })

  it('inside the Markdown report the fence is never closed early', () => {
    const markdown = renderMarkdownReport({
      report: {
        generatedAt: 't',
        platform: null,
        state: 'Healthy',
        summary: 's',
        configurations: [],
        webhooks: [],
        failures: [],
        proxies: [],
        plan: {steps: [], counts: {workloads: 0, pods: 0, namespaces: 0}, blocked: false},
        findings: [],
      } as unknown as Parameters<typeof renderMarkdownReport>[0]['report'],
      verdicts: [verdict],
      snapshotOrigin: {kind: 'files', paths: ['x']},
      gaps: [],
    })
    const blocks = mermaidBlocks(markdown)
    assert.equal(blocks.length, 1)
    assert.deepEqual([...parseFlowchart(blocks[0]!).nodes.keys()], stepIds)
  })
})
