import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import type {ClusterSnapshot, PodFacts, WorkloadFacts} from '../../src/core/snapshot.js'
import {evaluatePod, evaluateWorkload} from '../../src/core/verdict/evaluate.js'
import type {EvaluateOptions} from '../../src/core/verdict/evaluate.js'
import {evaluateNamespace} from '../../src/core/verdict/namespace-verdict.js'
import {duplicateReasonCodes, isReasonCode} from '../../src/core/verdict/reasons.js'
import type {Verdict} from '../../src/core/verdict/verdict.js'
import {loadCluster} from './cluster-fixtures.js'

const pod = (s: ClusterSnapshot, namespace: string, name: string): PodFacts => {
  const found = s.pods.find((p) => p.namespace === namespace && p.name === name)
  assert.ok(found, `fixture has pod ${namespace}/${name}`)
  return found
}
const workload = (s: ClusterSnapshot, kind: string, namespace: string, name: string): WorkloadFacts => {
  const found = s.workloads.find((w) => w.kind === kind && w.namespace === namespace && w.name === name)
  assert.ok(found, `fixture has ${kind} ${namespace}/${name}`)
  return found
}

/** The pod moved to a kube-system namespace labelled istio-injection=enabled, so the webhook selects it. */
const inKubeSystem = (s: ClusterSnapshot, original: PodFacts): {snapshot: ClusterSnapshot; pod: PodFacts} => {
  const moved: PodFacts = {...original, namespace: 'kube-system'}
  const kubeSystem = {
    name: 'kube-system',
    labels: {'kubernetes.io/metadata.name': 'kube-system', 'istio-injection': 'enabled'},
    annotations: {},
  }
  return {snapshot: {...s, namespaces: [...s.namespaces, kubeSystem], pods: [...s.pods, moved]}, pod: moved}
}

interface Expectation {
  readonly outcome: Verdict['outcome']
  readonly reason: string
  readonly revision?: string | null
  readonly tag?: string | null
  readonly webhook?: string | null
  readonly injected?: boolean | null
  readonly findings?: readonly string[]
  readonly noFindings?: readonly string[]
  readonly action?: string
  readonly noActionMatching?: RegExp
  readonly decidedBy?: string
  /** Not injected by design: no fix at all. */
  readonly noActions?: boolean
}

interface Scenario {
  readonly name: string
  readonly install: string | readonly string[]
  readonly cluster: readonly string[]
  readonly evaluate: (s: ClusterSnapshot) => Verdict
  readonly expect: Expectation
}

const scenarios: readonly Scenario[] = [
  {
    name: 'pods created before the namespace was labelled need a restart of their Deployment',
    install: 'default-1.28',
    cluster: ['created-before-label'],
    evaluate: (s) => evaluateWorkload(s, workload(s, 'Deployment', 'shop', 'web')),
    expect: {
      outcome: 'Inject',
      reason: 'NeedsRestart',
      decidedBy: 'PolicyEnabled',
      revision: 'default',
      webhook: 'istio-sidecar-injector/namespace.sidecar-injector.istio.io',
      injected: false,
      findings: ['NeedsRestart'],
      action: 'kubectl rollout restart deployment/web -n shop',
    },
  },
  {
    name: 'a pod created after the label is injected and current',
    install: 'default-1.28',
    cluster: ['created-before-label'],
    evaluate: (s) => evaluatePod(s, pod(s, 'shop', 'api-nj6pwvvvg-t7fzm')),
    expect: {
      outcome: 'Inject',
      reason: 'PolicyEnabled',
      injected: true,
      noFindings: ['NeedsRestart', 'RevisionDrift', 'UnexpectedSidecar'],
    },
  },
  {
    name: 'a single pod without a sidecar is restarted through its Deployment',
    install: 'default-1.28',
    cluster: ['created-before-label'],
    evaluate: (s) => evaluatePod(s, pod(s, 'shop', 'web-7c9d8f6b5-mmtn9')),
    expect: {
      outcome: 'Inject',
      reason: 'NeedsRestart',
      decidedBy: 'PolicyEnabled',
      injected: false,
      findings: ['NeedsRestart'],
      action: 'kubectl rollout restart deployment/web -n shop',
    },
  },
  {
    name: 'istio.io/rev naming no installed revision: no webhook, and the fix names an installed one',
    install: 'revision-1-28-with-tags',
    cluster: ['missing-revision'],
    evaluate: (s) => evaluateWorkload(s, workload(s, 'Deployment', 'analytics', 'collector')),
    expect: {
      outcome: 'Skip',
      reason: 'RevisionNotFound',
      decidedBy: 'NoInjectorWebhookMatches',
      webhook: null,
      revision: null,
      findings: ['RevisionNotFound'],
      action: 'kubectl label namespace analytics istio.io/rev=1-28 --overwrite',
    },
  },
  {
    name: 'istio-injection=enabled beside istio.io/rev: the default tag serves it, and a tag-injected pod is not drift',
    install: 'revision-1-28-with-tags',
    cluster: ['conflicting-namespace-labels'],
    evaluate: (s) => evaluatePod(s, pod(s, 'orders', 'fulfil-dwvbwlzps-4cbtv')),
    expect: {
      outcome: 'Inject',
      reason: 'PolicyEnabled',
      revision: '1-28',
      tag: 'default',
      webhook: 'istio-revision-tag-default/namespace.sidecar-injector.istio.io',
      findings: ['NamespaceLabelConflict'],
      noFindings: ['RevisionDrift'],
    },
  },
  {
    name: 'pods injected by an uninstalled revision drift from the one that injects now',
    install: 'revision-1-28-with-tags',
    cluster: ['revision-drift'],
    evaluate: (s) => evaluateWorkload(s, workload(s, 'Deployment', 'checkout', 'payments-gateway')),
    expect: {
      outcome: 'Inject',
      reason: 'RevisionDrift',
      decidedBy: 'PolicyEnabled',
      revision: '1-28',
      injected: true,
      findings: ['RevisionDrift'],
      action: 'kubectl rollout restart deployment/payments-gateway -n checkout',
    },
  },
  {
    name: 'hostNetwork pod: the webhook is called, istiod declines',
    install: 'default-1.28',
    cluster: ['host-network'],
    evaluate: (s) => evaluatePod(s, pod(s, 'monitoring', 'node-exporter-6hpvf')),
    expect: {
      outcome: 'Skip',
      reason: 'HostNetwork',
      webhook: 'istio-sidecar-injector/namespace.sidecar-injector.istio.io',
      revision: 'default',
      injected: false,
      noFindings: ['NeedsRestart'],
    },
  },
  {
    name: 'hostNetwork pod in a kube-system that the webhook selects: istiod checks hostNetwork before ignored namespaces',
    install: 'default-1.28',
    cluster: ['host-network'],
    evaluate: (s) => {
      const moved = inKubeSystem(s, pod(s, 'monitoring', 'node-exporter-6hpvf'))
      return evaluatePod(moved.snapshot, moved.pod)
    },
    expect: {
      outcome: 'Skip',
      reason: 'HostNetwork',
      webhook: 'istio-sidecar-injector/namespace.sidecar-injector.istio.io',
      injected: false,
      noActions: true,
    },
  },
  {
    name: 'pod label sidecar.istio.io/inject=false opts out at the webhook, and no namespace fix is suggested',
    install: 'default-1.28',
    cluster: ['opted-out-pod'],
    evaluate: (s) => evaluatePod(s, pod(s, 'shop', 'migrations-bmb7bsbzf-ptjv7')),
    expect: {
      outcome: 'Skip',
      reason: 'InjectLabelFalse',
      decidedBy: 'NoInjectorWebhookMatches',
      noActions: true,
      webhook: null,
      noActionMatching: /kubectl label namespace/,
    },
  },
  {
    name: 'annotation-only opt-in in an unlabelled namespace is invisible to the webhooks',
    install: 'default-1.28',
    cluster: ['annotation-only-opt-in'],
    evaluate: (s) => evaluatePod(s, pod(s, 'legacy', 'report-viewer')),
    expect: {
      outcome: 'Skip',
      reason: 'AnnotationOnlyOptIn',
      action: 'kubectl get pod report-viewer -n legacy -o yaml | kubectl replace --force -f -',
      findings: ['AnnotationOnlyOptIn'],
    },
  },
  {
    name: 'inject label on the Deployment metadata instead of the template is reported with a patch',
    install: 'default-1.28',
    cluster: ['label-on-deployment'],
    evaluate: (s) => evaluateWorkload(s, workload(s, 'Deployment', 'payments', 'api')),
    expect: {
      outcome: 'Skip',
      reason: 'LabelOnControllerMetadata',
      findings: ['LabelOnControllerMetadata'],
      action: `kubectl patch deployment api -n payments --type merge -p '{"spec":{"template":{"metadata":{"labels":{"sidecar.istio.io/inject":"true"}}}}}'`,
    },
  },
  {
    name: 'an unknown injection template makes istiod reject the pod',
    install: 'default-1.28',
    cluster: ['unknown-template'],
    evaluate: (s) => evaluateWorkload(s, workload(s, 'Deployment', 'shop', 'tracing-agent')),
    expect: {
      outcome: 'Reject',
      reason: 'TemplateNotFound',
      webhook: 'istio-sidecar-injector/namespace.sidecar-injector.istio.io',
    },
  },
  {
    name: 'enableNamespacesByDefault: an unlabelled pod in default would be injected now, so it needs a restart',
    install: 'namespaces-by-default',
    cluster: ['kube-system'],
    evaluate: (s) => evaluatePod(s, pod(s, 'default', 'debug-shell')),
    expect: {
      outcome: 'Inject',
      reason: 'NeedsRestart',
      webhook: 'istio-sidecar-injector/auto.sidecar-injector.istio.io',
      findings: ['NeedsRestart'],
    },
  },
  {
    name: 'kube-system is excluded by the auto webhook even with enableNamespacesByDefault',
    install: 'namespaces-by-default',
    cluster: ['kube-system'],
    evaluate: (s) => evaluateWorkload(s, workload(s, 'Deployment', 'kube-system', 'coredns')),
    expect: {outcome: 'Skip', reason: 'IgnoredNamespace', noActions: true, webhook: null},
  },
  {
    name: 'a non-revisioned install plus a default tag: two injectors, the last by configuration name wins',
    install: ['revision-1-28-with-tags', 'default-1.28'],
    cluster: ['created-before-label'],
    evaluate: (s) => evaluateNamespace(s, 'shop'),
    expect: {
      outcome: 'Inject',
      reason: 'PolicyEnabled',
      webhook: 'istio-sidecar-injector/namespace.sidecar-injector.istio.io',
      findings: ['MultipleInjectors'],
    },
  },
  {
    name: 'a namespace on a revision label: a new pod gets that revision',
    install: 'revision-1-28-with-tags',
    cluster: ['revision-drift'],
    evaluate: (s) => evaluateNamespace(s, 'checkout'),
    expect: {outcome: 'Inject', reason: 'PolicyEnabled', revision: '1-28', injected: null},
  },
]

const check = (verdict: Verdict, expect: Expectation): void => {
  assert.equal(verdict.outcome, expect.outcome)
  assert.equal(verdict.reason, expect.reason)
  if (expect.decidedBy !== undefined) assert.equal(verdict.decidedBy, expect.decidedBy)
  if (expect.noActions === true) assert.deepEqual(verdict.actions, [])
  if (expect.revision !== undefined) assert.equal(verdict.revision, expect.revision)
  if (expect.tag !== undefined) assert.equal(verdict.tag, expect.tag)
  if (expect.webhook !== undefined)
    assert.equal(
      verdict.webhook === null ? null : `${verdict.webhook.configuration}/${verdict.webhook.name}`,
      expect.webhook,
    )
  if (expect.injected !== undefined) assert.equal(verdict.injected, expect.injected)
  const codes = verdict.findings.map((f) => f.code)
  for (const code of expect.findings ?? [])
    assert.ok(codes.includes(code as never), `finding ${code} in [${codes.join(', ')}]`)
  for (const code of expect.noFindings ?? [])
    assert.ok(!codes.includes(code as never), `no finding ${code} in [${codes.join(', ')}]`)
  if (expect.action !== undefined)
    assert.ok(
      verdict.actions.includes(expect.action),
      `action ${expect.action} in\n${verdict.actions.join('\n')}`,
    )
  if (expect.noActionMatching !== undefined)
    assert.ok(!verdict.actions.some((a) => expect.noActionMatching?.test(a)), verdict.actions.join('\n'))
  for (const c of verdict.checks) assert.ok(isReasonCode(c.code), `catalog has ${c.code}`)
}

describe('evaluate over real Istio YAML', () => {
  for (const scenario of scenarios) {
    it(scenario.name, async () => {
      const snapshot = await loadCluster(scenario.install, ...scenario.cluster)
      check(scenario.evaluate(snapshot), scenario.expect)
    })
  }
})

const stageOrder = ['Webhook', 'Revision', 'Policy', 'State']

describe('decision trail', () => {
  it('lists checks in evaluation order: webhooks, revision labels, istiod policy, observed state', async () => {
    const s = await loadCluster('default-1.28', 'created-before-label')
    const verdict = evaluateWorkload(s, workload(s, 'Deployment', 'shop', 'web'))
    const ranks = verdict.checks.map((c) => stageOrder.indexOf(c.stage))
    assert.ok(!ranks.includes(-1))
    assert.deepEqual(
      ranks,
      [...ranks].sort((a, b) => a - b),
    )
    assert.ok(verdict.checks.some((c) => c.code === 'InjectorWebhookSelected'))
  })

  it('every reason code is defined once across the area catalogs', () => {
    assert.deepEqual(duplicateReasonCodes(), [])
  })
})

describe('gaps become Unknown checks naming the missing permission', () => {
  it('forbidden configmaps in istio-system: istiod policy is Unknown with the kubectl auth can-i question', async () => {
    const base = await loadCluster('default-1.28', 'created-before-label')
    const s: ClusterSnapshot = {
      ...base,
      configMaps: [],
      gaps: [
        {
          resource: 'configmaps',
          namespace: 'istio-system',
          reason: 'Forbidden',
          verb: 'list',
          message: 'configmaps is forbidden: User "dev" cannot list resource "configmaps"',
        },
      ],
    }
    const verdict = evaluateWorkload(s, workload(s, 'Deployment', 'shop', 'web'))
    assert.equal(verdict.outcome, 'Unknown')
    assert.equal(verdict.wouldInject, null)
    assert.equal(verdict.reason, 'InjectorConfigMissing')
    assert.deepEqual(
      verdict.findings.filter((f) => f.kind === 'NeedsRestart'),
      [],
    )
    const forbidden = verdict.checks.find((c) => c.code === 'Forbidden')
    assert.ok(forbidden)
    assert.match(forbidden.detail, /kubectl auth can-i list configmaps -n istio-system/)
  })

  it('forbidden mutatingwebhookconfigurations: everything is Unknown', async () => {
    const base = await loadCluster('default-1.28', 'created-before-label')
    const s: ClusterSnapshot = {
      ...base,
      webhookConfigurations: [],
      gaps: [
        {resource: 'mutatingwebhookconfigurations', reason: 'Forbidden', verb: 'list', message: 'forbidden'},
      ],
    }
    const verdict = evaluatePod(s, pod(s, 'shop', 'api-nj6pwvvvg-t7fzm'))
    assert.equal(verdict.outcome, 'Unknown')
    assert.equal(verdict.reason, 'Forbidden')
    assert.ok(
      verdict.actions.some((a) => a.includes('kubectl auth can-i list mutatingwebhookconfigurations')),
    )
  })

  it('unreadable namespace: webhooks with a namespaceSelector cannot be decided', async () => {
    const base = await loadCluster('default-1.28', 'created-before-label')
    const s: ClusterSnapshot = {
      ...base,
      namespaces: [],
      gaps: [{resource: 'namespaces', name: 'shop', reason: 'Forbidden', verb: 'get', message: 'forbidden'}],
    }
    const verdict = evaluatePod(s, pod(s, 'shop', 'api-nj6pwvvvg-t7fzm'))
    assert.equal(verdict.outcome, 'Unknown')
    assert.equal(verdict.reason, 'NamespaceUnreadable')
  })
})

describe('what-if overrides', () => {
  const cases: readonly {
    name: string
    options: EvaluateOptions
    outcome: Verdict['outcome']
    reason: string
  }[] = [
    {
      name: 'no override: the label on the Deployment metadata is the nearest cause',
      options: {},
      outcome: 'Skip',
      reason: 'LabelOnControllerMetadata',
    },
    {
      name: 'namespace labelled istio-injection=enabled',
      options: {namespaceLabels: {set: {'istio-injection': 'enabled'}, remove: []}},
      outcome: 'Inject',
      reason: 'NeedsRestart',
    },
    {
      name: 'pod label sidecar.istio.io/inject=false beats the enabled namespace',
      options: {
        namespaceLabels: {set: {'istio-injection': 'enabled'}, remove: []},
        podLabels: {set: {'sidecar.istio.io/inject': 'false'}, remove: []},
      },
      outcome: 'Skip',
      reason: 'InjectLabelFalse',
    },
    {
      name: 'pod label sidecar.istio.io/inject=true in an unlabelled namespace',
      options: {podLabels: {set: {'sidecar.istio.io/inject': 'true'}, remove: []}},
      outcome: 'Inject',
      reason: 'NeedsRestart',
    },
  ]
  for (const c of cases) {
    it(c.name, async () => {
      const s = await loadCluster('default-1.28', 'label-on-deployment')
      const verdict = evaluateWorkload(s, workload(s, 'Deployment', 'payments', 'api'), c.options)
      assert.equal(verdict.outcome, c.outcome)
      assert.equal(verdict.reason, c.reason)
      if (c.options.namespaceLabels !== undefined || c.options.podLabels !== undefined)
        assert.ok(verdict.checks.some((k) => k.code === 'WhatIfLabels'))
    })
  }

  it('removing istio-injection from an injected namespace turns a new pod into Skip', async () => {
    const s = await loadCluster('default-1.28', 'created-before-label')
    assert.equal(evaluateNamespace(s, 'shop').outcome, 'Inject')
    assert.equal(
      evaluateNamespace(s, 'shop', {namespaceLabels: {set: {}, remove: ['istio-injection']}}).outcome,
      'Skip',
    )
  })
})

describe('workloads', () => {
  it('a Deployment with zero pods is judged by its template alone', async () => {
    const base = await loadCluster('default-1.28', 'created-before-label')
    const s: ClusterSnapshot = {...base, pods: []}
    const verdict = evaluateWorkload(s, workload(s, 'Deployment', 'shop', 'web'))
    assert.equal(verdict.outcome, 'Inject')
    assert.equal(verdict.injected, null)
    assert.ok(verdict.checks.some((c) => c.code === 'WorkloadHasNoPods'))
    assert.deepEqual(verdict.findings, [])
  })
})
