// @kubernetes/client-node (a project dependency) against the double: kubeconfig loading, TLS, token, pagination.
import {describe, it, before, after} from 'node:test'
import assert from 'node:assert/strict'
import {CoreV1Api, KubeConfig} from '@kubernetes/client-node'
import {startApiServer} from '../apiserver-double/index.js'
import type {ApiServerDouble} from '../apiserver-double/index.js'

const pods = Array.from({length: 7}, (_, i) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {name: `p-${i}`, namespace: i % 2 === 0 ? 'even' : 'odd', labels: {idx: String(i)}},
  spec: {containers: [{name: 'app', image: 'busybox'}]},
}))

describe('client-node lists pods from the double', () => {
  let api: ApiServerDouble
  let core: CoreV1Api
  before(async () => {
    api = await startApiServer({objects: pods})
    const kc = new KubeConfig()
    kc.loadFromFile(api.writeKubeconfig())
    core = kc.makeApiClient(CoreV1Api)
  })
  after(() => api.close())

  it('pages listPodForAllNamespaces with limit and continue until every pod is read', async () => {
    const names: string[] = []
    let token: string | undefined
    let pages = 0
    do {
      const page = await core.listPodForAllNamespaces({limit: 3, ...(token ? {_continue: token} : {})})
      names.push(...page.items.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`))
      token = page.metadata?._continue
      pages++
      if (token) assert.equal(page.metadata?.remainingItemCount, 7 - names.length)
    } while (token)
    assert.equal(pages, 3)
    assert.deepEqual(names, ['even/p-0', 'even/p-2', 'even/p-4', 'even/p-6', 'odd/p-1', 'odd/p-3', 'odd/p-5'])
    assert.ok(api.requests.filter((r) => r.path === '/api/v1/pods').every((r) => r.query.limit === '3'))
  })

  it('lists one namespace with a label selector', async () => {
    const page = await core.listNamespacedPod({namespace: 'odd', labelSelector: 'idx in (1,5,6)'})
    assert.deepEqual(
      page.items.map((p) => p.metadata?.name),
      ['p-1', 'p-5'],
    )
  })

  it('surfaces a 404 for a missing pod with the Status body', async () => {
    await assert.rejects(
      core.readNamespacedPod({name: 'nope', namespace: 'odd'}),
      (err: {code?: number; body?: string}) => {
        assert.equal(err.code, 404)
        const status = JSON.parse(String(err.body)) as {
          reason: string
          message: string
          details: {name: string; kind: string}
        }
        assert.equal(status.reason, 'NotFound')
        assert.equal(status.message, 'pods "nope" not found')
        assert.deepEqual(status.details, {name: 'nope', kind: 'pods'})
        return true
      },
    )
  })

  it('never records the bearer token', () => {
    assert.ok(api.requests.length > 0)
    assert.ok(!JSON.stringify(api.requests).includes(api.token))
  })
})
