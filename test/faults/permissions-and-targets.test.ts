// RBAC denials, missing targets and expired list continuations: a supporting read that fails is a partial answer
// (Unknown checks, the permission named); an unreadable or missing target is a one-line error.
import {after, before, describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {startApiServer} from '../apiserver-double/index.js'
import type {ApiServerDouble, DeniedAccess} from '../apiserver-double/index.js'
import {assertOneLineError, assertRan, baseObjects, parseReport, runCheck} from './fixtures/cli-harness.js'

const podTarget = ['pod/web-7c9d8f6b5-mmtn9', '-n', 'shop']

let double: ApiServerDouble
let kubeconfig: string

before(async () => {
  double = await startApiServer({objects: baseObjects()})
  kubeconfig = double.writeKubeconfig()
})
after(async () => {
  assert.deepEqual(double.writes(), [], 'inject-check never writes')
  await double.close()
})

const withDenied = async <T>(denied: DeniedAccess[], body: () => Promise<T>): Promise<T> => {
  double.setDenied(denied)
  try {
    return await body()
  } finally {
    double.setDenied([])
  }
}

describe('403 on a supporting read: a partial answer with Unknown checks and the permission named', () => {
  const supporting: {name: string; denied: DeniedAccess; resource: string; canI: RegExp}[] = [
    {
      name: 'namespaces (list, in a sweep)',
      denied: {resource: 'namespaces'},
      resource: 'namespaces',
      canI: /kubectl auth can-i list namespaces/,
    },
    {
      name: 'mutatingwebhookconfigurations',
      denied: {resource: 'mutatingwebhookconfigurations'},
      resource: 'mutatingwebhookconfigurations',
      canI: /kubectl auth can-i list mutatingwebhookconfigurations/,
    },
    {
      name: 'configmaps in istio-system',
      denied: {resource: 'configmaps', namespace: 'istio-system'},
      resource: 'configmaps',
      canI: /kubectl auth can-i list configmaps -n istio-system/,
    },
  ]
  for (const scenario of supporting) {
    it(`sweep with ${scenario.name} forbidden`, async () => {
      const result = await withDenied([scenario.denied], () =>
        runCheck(['-A', '-o', 'json', '--kubeconfig', kubeconfig]),
      )
      assertRan(result)
      const report = parseReport(result)
      const gap = report.gaps.find((g) => g.resource === scenario.resource)
      assert.ok(gap !== undefined && gap.reason === 'Forbidden', JSON.stringify(report.gaps))
      assert.match(gap.message, scenario.canI)
      assert.match(result.stderr, new RegExp(`^warning: could not read ${scenario.resource}.*Forbidden`, 'm'))
      const web = report.items.find((item) => item.name === 'web-7c9d8f6b5-mmtn9')
      assert.ok(web !== undefined, 'the pods are still judged')
      assert.ok(
        web.checks.some((check) => check.result === 'Unknown'),
        `expected an Unknown check: ${JSON.stringify(web.checks.map((c) => [c.code, c.result]))}`,
      )
    })
  }

  it('one pod with its namespace forbidden (get namespaces)', async () => {
    const result = await withDenied([{resource: 'namespaces', verb: 'get'}], () =>
      runCheck([...podTarget, '-o', 'json', '--kubeconfig', kubeconfig]),
    )
    assertRan(result)
    const report = parseReport(result)
    assert.equal(report.items.length, 1)
    assert.ok(
      report.gaps.some(
        (g) =>
          g.resource === 'namespaces' &&
          g.reason === 'Forbidden' &&
          /auth can-i get namespaces/.test(g.message),
      ),
      JSON.stringify(report.gaps),
    )
    assert.ok(report.items[0]!.checks.some((check) => check.result === 'Unknown'))
  })

  it('one pod with the injector ConfigMaps forbidden shows the trail with Unknown, not an error', async () => {
    const result = await withDenied([{resource: 'configmaps'}], () =>
      runCheck([...podTarget, '--kubeconfig', kubeconfig]),
    )
    assertRan(result)
    assert.match(result.stderr, /^warning: could not read configmaps.*Forbidden/m)
    assert.match(result.stdout, /web-7c9d8f6b5-mmtn9/)
    assert.match(result.stdout, /unknown/i)
  })
})

describe('the target itself unreadable or missing: a one-line error', () => {
  it('403 on the pod list of a sweep', async () => {
    const result = await withDenied([{resource: 'pods', verb: 'list'}], () =>
      runCheck(['-A', '--kubeconfig', kubeconfig]),
    )
    assertOneLineError(
      result,
      77,
      /Forbidden: cannot list pods.*`kubectl --kubeconfig \S+ auth can-i list pods`/,
    )
  })

  it('403 on the target pod', async () => {
    const result = await withDenied([{resource: 'pods', verb: 'get', namespace: 'shop'}], () =>
      runCheck([...podTarget, '--kubeconfig', kubeconfig]),
    )
    assertOneLineError(
      result,
      77,
      /Forbidden: cannot get pods "web-7c9d8f6b5-mmtn9" in namespace "shop".*`kubectl --kubeconfig \S+ auth can-i get pods -n shop`/,
    )
  })

  const missing: {name: string; args: string[]; message: RegExp; next: RegExp}[] = [
    {
      name: 'a pod that does not exist',
      args: ['pod/web-0', '-n', 'shop'],
      message: /pods "web-0" not found in namespace "shop"/,
      next: /kubectl get pods -n shop/,
    },
    {
      name: 'a Deployment that does not exist',
      args: ['deploy/checkout', '-n', 'shop'],
      message: /deployments "checkout" not found in namespace "shop"/,
      next: /kubectl get deployments -n shop/,
    },
    {
      name: 'a namespace that does not exist',
      args: ['ns/payments'],
      message: /namespaces "payments" not found/,
      next: /kubectl get namespaces/,
    },
    {
      name: 'a pod in a namespace that does not exist',
      args: ['pod/web-0', '-n', 'payments'],
      message: /pods "web-0" not found in namespace "payments"/,
      next: /kubectl get pods -n payments/,
    },
  ]
  for (const scenario of missing) {
    it(`404: ${scenario.name}`, async () => {
      const result = await runCheck([...scenario.args, '--kubeconfig', kubeconfig])
      assertOneLineError(result, 'nonzero', scenario.message)
      assert.match(
        result.stderr.trim().split('\n')[1] ?? '',
        scenario.next,
        'the next step names the list command',
      )
    })
  }

  it('404 on a live target exits 66 (target not found), not 69 ("cluster unreachable"): the cluster answered', async () => {
    const result = await runCheck(['pod/web-0', '-n', 'shop', '--kubeconfig', kubeconfig])
    assert.equal(result.code, 66)
  })
})

describe('paginated sweeps', () => {
  it('a 410 Expired continue token mid-sweep recovers with every pod listed once', async () => {
    const pods = Array.from({length: 1203}, (_, i) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: `batch-${String(i).padStart(4, '0')}`,
        namespace: 'shop',
        uid: `uid-batch-${i}`,
        labels: {app: 'batch'},
      },
      spec: {containers: [{name: 'app', image: 'registry.example.com/batch:1'}]},
      status: {phase: 'Running'},
    }))
    const big = await startApiServer({
      objects: [...baseObjects(), ...pods],
      faults: [{path: /^\/api\/v1\/pods\?.*continue=/, status: 410, times: 1}],
    })
    try {
      const result = await runCheck(['-A', '-o', 'json', '--kubeconfig', big.writeKubeconfig()])
      assertRan(result)
      const report = parseReport(result)
      const names = report.items.filter((item) => item.name.startsWith('batch-')).map((item) => item.name)
      assert.equal(names.length, 1203)
      assert.equal(new Set(names).size, 1203, 'no pod twice')
      const podLists = big.requests.filter((r) => r.path === '/api/v1/pods')
      assert.ok(
        podLists.some((r) => r.status === 410),
        'the fault was served',
      )
      assert.ok(podLists.length <= 5, `pages plus one retry, got ${podLists.length} requests`)
      assert.deepEqual(big.writes(), [])
    } finally {
      await big.close()
    }
  })

  it('a sweep costs the pod pages plus a small constant of requests', async () => {
    const before = double.requests.length
    const result = await runCheck(['-A', '-o', 'json', '--kubeconfig', kubeconfig])
    assertRan(result)
    const made = double.requests.slice(before)
    // One pod page, webhooks, namespaces, injector ConfigMaps, the webhook-health reads (events, Services,
    // EndpointSlices), one list per owner kind (Deployments, StatefulSets, DaemonSets, Jobs, CronJobs) and five for
    // admission after injection (quotas, LimitRanges, validating webhooks, policies, bindings): 17, however many pods;
    // plus a GET for each controller a FailedCreate event names (none here).
    assert.ok(made.length <= 17, `requests: ${made.map((r) => r.path).join(', ')}`)
    assert.ok(made.every((r) => r.method === 'GET'))
  })
})
