// Health output limited to what was asked (restart plans, stale proxies, FailedCreate counts), events counted
// apart from occurrences, copy-pasteable fixes, the single-target Markdown report leading with the target.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {splitFix} from '../../src/render/markdown-report.js'
import {compactSource, failOnReport} from '../../src/cli/check-output.js'
import {withKubectlTarget} from '../../src/cli/base-command.js'
import {resolveResourceType} from '../../src/cli/target-args.js'
import type {Verdict} from '../../src/core/verdict/verdict.js'
import {check} from '../support/harness.js'

const demo = ['--from', 'examples/demo-cluster']
const footerOf = (stdout: string): string => stdout.trimEnd().split('\n').at(-1) ?? ''

describe('health results stay inside the requested scope', () => {
  it('-n payments: no restart of shop/cart, the FailedCreate event of payments counted once', async () => {
    const r = await check(['-n', 'payments', ...demo])
    assert.equal(r.code, 0, r.stderr)
    const footer = footerOf(r.stdout)
    assert.match(footer, /; 1 FailedCreate event \(23 occurrences\)$/)
    assert.doesNotMatch(footer, /restart/)
  })
  it('-n payments --health: no stale proxies or restart plan from shop', async () => {
    const r = await check(['-n', 'payments', '--health', ...demo])
    assert.equal(r.code, 0, r.stderr)
    assert.doesNotMatch(r.stdout, /shop\//)
    assert.doesNotMatch(r.stdout, /Restart plan/)
    assert.match(r.stdout, /kubectl describe replicaset fraud-check-84f6d9c7b5 -n payments/)
  })
  it('-n shop: both shop workloads are restarted, the payments event is not counted', async () => {
    const r = await check(['-n', 'shop', ...demo])
    const footer = footerOf(r.stdout)
    assert.match(footer, /restart 2 workloads$/)
    assert.doesNotMatch(footer, /FailedCreate/)
  })
  it('-l app=web -A: only web is restarted', async () => {
    const r = await check(['-l', 'app=web', '-A', ...demo])
    assert.match(footerOf(r.stdout), /restart 1 workload$/)
  })
  it('deploy/web -n shop -o markdown: the target first, its plan counts only its own pods', async () => {
    const r = await check(['deploy/web', '-n', 'shop', '-o', 'markdown', ...demo])
    assert.equal(r.code, 0, r.stderr)
    const target = r.stdout.indexOf('## Target: Deployment shop/web')
    const cluster = r.stdout.indexOf('## Cluster-wide findings')
    assert.ok(target > 0 && cluster > target, 'target section before cluster-wide findings')
    assert.match(r.stdout, /^1 workload, 2 pods in 1 namespace\.$/m)
    assert.doesNotMatch(r.stdout, /deployment\/cart/)
    assert.doesNotMatch(r.stdout, /\(s\)/)
  })
})

describe('fixes are copy-pasteable', () => {
  it('markdown ```sh blocks hold only commands, placeholders are filled, the istiod selector names the revision', async () => {
    const r = await check(['-A', '-o', 'markdown', ...demo])
    assert.equal(r.code, 0, r.stderr)
    const blocks = [...r.stdout.matchAll(/```sh\n([\s\S]*?)\n\s*```/g)].flatMap((m) =>
      (m[1] ?? '').split('\n').map((line) => line.trim()),
    )
    assert.ok(blocks.length > 0)
    for (const line of blocks) assert.match(line, /^(kubectl|istioctl|gcloud|aws|az|helm|oc|openssl) /, line)
    assert.doesNotMatch(r.stdout, /<app-namespace>/)
    assert.doesNotMatch(r.stdout, /-l app=istiod(?!,istio\.io\/rev=)/)
    assert.match(r.stdout, /-l app=istiod,istio\.io\/rev=1-27/)
  })
  const fixes = [
    {name: 'a plain command', fix: 'kubectl get pods -n x', prose: [], commands: ['kubectl get pods -n x']},
    {
      name: 'prose leading to a command',
      fix: 'Restart istiod to re-patch the caBundle: kubectl rollout restart deployment/istiod -n istio-system',
      prose: ['Restart istiod to re-patch the caBundle'],
      commands: ['kubectl rollout restart deployment/istiod -n istio-system'],
    },
    {
      name: 'a comment with a semicolon stays on its command',
      fix: 'kubectl rollout restart deployment/istiod -n istio-system   # re-patches; ignore caBundle in GitOps diffs',
      prose: [],
      commands: [
        'kubectl rollout restart deployment/istiod -n istio-system   # re-patches; ignore caBundle in GitOps diffs',
      ],
    },
    {
      name: 'a quoted jsonpath is never split',
      fix: "kubectl get cm x -o jsonpath='{.a; .b}'; then look",
      prose: ['then look'],
      commands: ["kubectl get cm x -o jsonpath='{.a; .b}'"],
    },
  ]
  for (const c of fixes) {
    it(`splitFix: ${c.name}`, () => {
      assert.deepEqual(splitFix(c.fix), {prose: c.prose, commands: c.commands})
    })
  }
})

describe('small pure helpers of the command line', () => {
  it('compactSource keeps the last two segments, and the archive name with its entry', () => {
    assert.equal(compactSource('/work/examples/demo-cluster/pods.yaml'), 'demo-cluster/pods.yaml')
    assert.equal(compactSource('/tmp/b.tar.gz!bug-report/cluster/pods'), 'b.tar.gz!cluster/pods')
    assert.equal(compactSource('live'), 'live')
  })
  it('withKubectlTarget adds the flags to kubectl commands only, once', () => {
    const target = {kubeconfig: '/k c', context: 'prod'}
    assert.equal(
      withKubectlTarget('check with `kubectl cluster-info`', target),
      "check with `kubectl --kubeconfig '/k c' --context prod cluster-info`",
    )
    assert.equal(
      withKubectlTarget('`kubectl get --raw /version --context prod`', target),
      "`kubectl --kubeconfig '/k c' get --raw /version --context prod`",
    )
    assert.equal(withKubectlTarget('`kubectl inject-check --help`', target), '`kubectl inject-check --help`')
  })
  it('withKubectlTarget carries impersonation, so a suggested can-i asks about the identity that was checked', () => {
    const target = {context: 'admin', as: 'previewer', asGroups: ['team a']}
    assert.equal(
      withKubectlTarget('check with `kubectl auth can-i list pods -n shop`', target),
      "check with `kubectl --context admin --as previewer --as-group 'team a' auth can-i list pods -n shop`",
    )
    assert.equal(
      withKubectlTarget('`kubectl auth can-i get pods --as other`', target),
      '`kubectl --context admin auth can-i get pods --as other`',
    )
  })
  it('resolveResourceType takes kubectl plural, short and TYPE.GROUP forms', () => {
    assert.deepEqual(resolveResourceType('cronjobs.batch'), {kind: 'workload', workloadKind: 'CronJob'})
    assert.deepEqual(resolveResourceType('StatefulSets.apps'), {
      kind: 'workload',
      workloadKind: 'StatefulSet',
    })
    assert.equal(resolveResourceType('jobs.apps'), undefined)
    assert.equal(resolveResourceType('pods.apps'), undefined)
  })
  it('failOnReport caps the lines and names the code per condition', () => {
    const verdict = (name: string): Verdict => ({
      target: {kind: 'Pod', namespace: 'shop', name},
      injected: false,
      wouldInject: true,
      outcome: 'Inject',
      reason: 'PolicyEnabled',
      revision: 'default',
      tag: null,
      webhook: null,
      injectedRevision: null,
      matches: [],
      checks: [],
      findings: [{code: 'NeedsRestart', kind: 'NeedsRestart', message: 'restart'}],
      actions: [],
    })
    const lines = failOnReport(['a', 'b', 'c'].map(verdict), ['drift'], 2)
    assert.deepEqual(lines, [
      '--fail-on matched 3 targets:',
      '  pod/a -n shop: drift (NeedsRestart)',
      '  pod/b -n shop: drift (NeedsRestart)',
      '  and 1 more',
    ])
    assert.deepEqual(failOnReport(['a'].map(verdict), ['reject']), [])
  })
})
