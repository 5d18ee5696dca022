// kubectl's own flags on inject-check, run as the built bin against the API-server double: boolean `=false`, `-v=N`,
// -A with -n, the connection flags (client-go overrides of the kubeconfig) and --chunk-size.
import {after, before, describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {startApiServer} from '../apiserver-double/index.js'
import type {ApiServerDouble} from '../apiserver-double/index.js'
import {
  assertOneLineError,
  assertRan,
  baseObjects,
  parseReport,
  repoFixture,
  runCheck,
} from '../faults/fixtures/cli-harness.js'

let double: ApiServerDouble
let kubeconfig: string
const caFile = repoFixture('tls/ca.pem')

before(async () => {
  double = await startApiServer({objects: baseObjects()})
  kubeconfig = double.writeKubeconfig()
})
after(async () => {
  assert.deepEqual(double.writes(), [], 'inject-check never writes')
  await double.close()
})

/** The requests one run made (the double records every request of the test process). */
const requestsOf = async (args: string[]) => {
  const before = double.requests.length
  const result = await runCheck(args)
  return {result, requests: double.requests.slice(before)}
}

describe('boolean flags take =true/=false and -v=N is the log level (pflag spellings)', () => {
  it('--debug=false prints no requests; --debug=true prints them', async () => {
    const off = await runCheck(['-n', 'shop', '--debug=false', '--kubeconfig', kubeconfig])
    assertRan(off)
    assert.doesNotMatch(off.stderr, /GET https:\/\//)
    const on = await runCheck(['-n', 'shop', '--debug=true', '--kubeconfig', kubeconfig])
    assertRan(on)
    assert.match(on.stderr, /GET https:\/\/127\.0\.0\.1:\d+\/api\/v1\/namespaces\/shop\/pods/)
  })

  it('--all-namespaces=false keeps the namespace sweep; -A=true sweeps all', async () => {
    const ns = await requestsOf([
      '-n',
      'shop',
      '--all-namespaces=false',
      '--kubeconfig',
      kubeconfig,
      '-o',
      'json',
    ])
    assertRan(ns.result)
    assert.ok(ns.requests.some((r) => r.path === '/api/v1/namespaces/shop/pods'))
    const all = await requestsOf(['-A=true', '--kubeconfig', kubeconfig, '-o', 'json'])
    assertRan(all.result)
    assert.ok(all.requests.some((r) => r.path === '/api/v1/pods'))
  })

  for (const spelling of [['-v=6'], ['--v=6'], ['-v', '6'], ['--v', '7']]) {
    it(`${spelling.join(' ')} logs each request on stderr and is not read as a target`, async () => {
      const result = await runCheck(['-n', 'shop', ...spelling, '--kubeconfig', kubeconfig])
      assertRan(result)
      assert.match(result.stderr, /GET https:\/\/127\.0\.0\.1:\d+\/api\/v1\/namespaces\/shop\/pods/)
      assert.match(result.stdout, /web-7c9d8f6b5-mmtn9/, 'the namespace sweep ran, not a pod named "6"')
    })
  }

  it('-v=2 (below 6) logs nothing', async () => {
    const result = await runCheck(['-n', 'shop', '-v=2', '--kubeconfig', kubeconfig])
    assertRan(result)
    assert.doesNotMatch(result.stderr, /GET https:\/\//)
  })

  it('a boolean with a non-bool value is a one-line usage error', async () => {
    assertOneLineError(
      await runCheck(['--debug=perhaps', '--kubeconfig', kubeconfig]),
      64,
      /invalid argument "perhaps" for "--debug"/,
    )
  })
})

describe('-A with -n: -A wins and -n is ignored, as kubectl get does', () => {
  it('lists the pods of every namespace', async () => {
    const {result, requests} = await requestsOf([
      '-A',
      '-n',
      'shop',
      '--kubeconfig',
      kubeconfig,
      '-o',
      'json',
    ])
    assertRan(result)
    assert.ok(
      requests.some((r) => r.path === '/api/v1/pods'),
      'the cluster-wide pod list',
    )
    assert.ok(!requests.some((r) => r.path === '/api/v1/namespaces/shop/pods'))
  })
})

describe('connection flags override the kubeconfig as client-go does', () => {
  const sweep = ['-n', 'shop', '-o', 'json']

  it('--server, --token and --certificate-authority work without any kubeconfig', async () => {
    const result = await runCheck([
      ...sweep,
      '--server',
      double.url,
      '--token',
      double.token,
      '--certificate-authority',
      caFile,
    ])
    assertRan(result)
    assert.equal(parseReport(result).items.length > 0, true)
  })

  it('--insecure-skip-tls-verify connects without a CA', async () => {
    const result = await runCheck([
      ...sweep,
      '--server',
      double.url,
      '--token',
      double.token,
      '--insecure-skip-tls-verify',
    ])
    assertRan(result)
  })

  it('--tls-server-name is the name the certificate is checked against', async () => {
    const good = await runCheck([...sweep, '--kubeconfig', kubeconfig, '--tls-server-name', 'localhost'])
    assertRan(good)
    const bad = await runCheck([
      ...sweep,
      '--kubeconfig',
      kubeconfig,
      '--tls-server-name',
      'not-the-server.example',
    ])
    assertOneLineError(bad, 'nonzero', /not-the-server\.example|certificate|TLS|altnames/i)
  })

  it('--token replaces the kubeconfig user token (and the secret is never printed)', async () => {
    const stale = double.writeKubeconfig({token: 'expired-token'})
    const refused = await runCheck([...sweep, '--kubeconfig', stale])
    assert.equal(refused.code, 77, refused.stderr)
    const result = await runCheck([...sweep, '--kubeconfig', stale, '--token', double.token, '--debug'])
    assertRan(result)
    assert.ok(!result.stderr.includes(double.token), 'the token is not printed')
  })

  it('--user and --cluster pick other kubeconfig entries than the context names', async () => {
    const mixed = double.writeKubeconfig({
      token: 'expired-token',
      server: 'https://127.0.0.1:1',
      extraContexts: [{name: 'good'}],
    })
    const refused = await runCheck([...sweep, '--kubeconfig', mixed])
    assert.notEqual(refused.code, 0)
    const result = await runCheck([
      ...sweep,
      '--kubeconfig',
      mixed,
      '--cluster',
      'good-cluster',
      '--user',
      'good-user',
    ])
    assertRan(result)
  })

  it('an unknown --user is a one-line error naming the flag', async () => {
    assertOneLineError(
      await runCheck([...sweep, '--kubeconfig', kubeconfig, '--user', 'nobody']),
      'nonzero',
      /user "nobody" \(--user\) is not defined/,
    )
  })

  it('--as and --as-group send the impersonation headers on every request', async () => {
    const {result, requests} = await requestsOf([
      ...sweep,
      '--kubeconfig',
      kubeconfig,
      '--as',
      'alice',
      '--as-group',
      'devs',
      '--as-group',
      'ops',
    ])
    assertRan(result)
    assert.ok(requests.length > 0)
    for (const request of requests) {
      assert.equal(request.impersonateUser, 'alice', request.path)
      assert.deepEqual(request.impersonateGroups, ['devs', 'ops'], request.path)
    }
  })

  it('--as-group without --as is a one-line error', async () => {
    assertOneLineError(
      await runCheck([...sweep, '--kubeconfig', kubeconfig, '--as-group', 'devs']),
      'nonzero',
      /needs a user to impersonate: add --as/,
    )
  })

  it('connection flags do not apply to --from', async () => {
    assertOneLineError(
      await runCheck(['--from', repoFixture('istio/default-1.28.yaml'), '--server', double.url]),
      64,
      /--from reads files only; --server does not apply/,
    )
  })
})

describe('--field-selector goes to the API server on the pod list', () => {
  it('the pod list carries the selector, and only the selected pod is judged', async () => {
    const selector = 'metadata.name=web-7c9d8f6b5-mmtn9'
    const {result, requests} = await requestsOf([
      '-n',
      'shop',
      '--field-selector',
      selector,
      '--kubeconfig',
      kubeconfig,
      '-o',
      'json',
    ])
    assertRan(result)
    const list = requests.find((r) => r.path === '/api/v1/namespaces/shop/pods')
    assert.equal(list?.query.fieldSelector, selector)
    assert.deepEqual(
      parseReport(result).items.map((i) => `${i.kind}/${i.name}`),
      ['Pod/web-7c9d8f6b5-mmtn9'],
    )
  })
})

describe('--chunk-size is the page size of lists', () => {
  const podLists = (requests: {path: string; query: Record<string, string>}[]) =>
    requests.filter((r) => r.path === '/api/v1/namespaces/shop/pods')

  it('--chunk-size 1 pages the pods one by one', async () => {
    const {result, requests} = await requestsOf([
      '-n',
      'shop',
      '--chunk-size',
      '1',
      '--kubeconfig',
      kubeconfig,
      '-o',
      'json',
    ])
    assertRan(result)
    const pages = podLists(requests)
    assert.ok(pages.length > 1, 'one request per pod')
    assert.ok(pages.every((r) => r.query.limit === '1'))
  })

  it('--chunk-size 0 lists without paging', async () => {
    const {result, requests} = await requestsOf([
      '-n',
      'shop',
      '--chunk-size',
      '0',
      '--kubeconfig',
      kubeconfig,
      '-o',
      'json',
    ])
    assertRan(result)
    const pages = podLists(requests)
    assert.equal(pages.length, 1)
    assert.equal(pages[0]!.query.limit, undefined)
  })
})
