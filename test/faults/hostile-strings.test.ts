// Cluster-provided strings never drive the terminal, and --debug shows requests but never credentials.
import {after, before, describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {parse as parseYaml} from 'yaml'
import {startApiServer} from '../apiserver-double/index.js'
import type {ApiServerDouble} from '../apiserver-double/index.js'
import {
  assertOneLineError,
  assertRan,
  baseObjects,
  faultFixture,
  parseReport,
  repoFixture,
  runCheck,
} from './fixtures/cli-harness.js'

const from = [
  '--from',
  faultFixture('hostile-strings.yaml'),
  '--from',
  repoFixture('istio/default-1.28.yaml'),
]

// C0 except newline, DEL, C1: what a terminal interprets. Human output also must not carry bidi overrides.
// eslint-disable-next-line no-control-regex -- finding raw control characters is the point
const rawControl = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/
const bidi = /[\u200e\u200f\u202a-\u202e\u2066-\u2069]/

const assertInert = (text: string, where: string, human: boolean): void => {
  const control = rawControl.exec(text)
  assert.equal(
    control,
    null,
    `${where}: raw U+${control?.[0].charCodeAt(0).toString(16).padStart(4, '0')} reaches the terminal`,
  )
  if (human) assert.doesNotMatch(text, bidi, `${where}: a raw bidi override reaches the terminal`)
}

describe('hostile names, labels and annotations are escaped in human output', () => {
  for (const format of ['table', 'wide']) {
    it(`-A -o ${format} (hostile namespace and pod names)`, async () => {
      const result = await runCheck(['-A', '-o', format, ...from])
      assertRan(result)
      assertInert(result.stdout, 'stdout', true)
      assertInert(result.stderr, 'stderr', true)
      assert.match(result.stdout, /web-1\\x1b\[2J\\rFAKE/, 'the name is shown, escaped')
    })
  }

  it('the trail of one pod (hostile labels, annotations, owner, container)', async () => {
    const result = await runCheck(['pod/web-2', '-n', 'shop', ...from])
    assertRan(result)
    assertInert(result.stdout, 'stdout', true)
    assertInert(result.stderr, 'stderr', true)
    assert.match(result.stdout, /web-rs\\x1b\]0;pwned\\x07/)
  })

  it('-o yaml escapes control and bidi characters, and keeps the values exact', async () => {
    const [yamlRun, jsonRun] = await Promise.all([
      runCheck(['-A', '-o', 'yaml', ...from]),
      runCheck(['-A', '-o', 'json', ...from]),
    ])
    assertRan(yamlRun)
    assertInert(yamlRun.stdout, 'stdout', true)
    assertInert(yamlRun.stderr, 'stderr', true)
    assert.match(jsonRun.stdout, /\\u202e|\u202e/i, 'the input has a bidi control that the report carries')
    const fromYaml = parseYaml(yamlRun.stdout, {version: '1.1'}) as {items: unknown[]}
    const fromJson = JSON.parse(jsonRun.stdout) as {items: unknown[]}
    assert.deepEqual(fromYaml.items, fromJson.items)
  })

  it('-o json escapes them by construction and keeps the values exact', async () => {
    const result = await runCheck(['-A', '-o', 'json', ...from])
    assertRan(result)
    assertInert(result.stdout, 'stdout', false)
    const names = parseReport(result).items.map((item) => item.name)
    assert.ok(names.includes('web-1\u001b[2J\rFAKE'), names.join(', '))
  })
})

describe('live: hostile strings served by the API server, and --debug', () => {
  let double: ApiServerDouble
  before(async () => {
    double = await startApiServer({
      objects: [
        ...baseObjects(),
        {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: {
            name: 'web-hostile',
            namespace: 'shop',
            labels: {app: 'web\r\u001b[31mred'},
            annotations: {'sidecar.istio.io/inject': 'yes\u001b]0;pwned\u0007', note: '\u001b[2J\u0000'},
          },
          spec: {containers: [{name: 'app', image: 'registry.example.com/web:1\u001b]0;pwned\u0007'}]},
          status: {phase: 'Running'},
        },
      ],
    })
  })
  after(async () => {
    assert.deepEqual(double.writes(), [], 'inject-check never writes')
    await double.close()
  })

  it('the trail of a live pod with hostile labels and annotations', async () => {
    const result = await runCheck(['pod/web-hostile', '-n', 'shop', '--kubeconfig', double.writeKubeconfig()])
    assertRan(result)
    assertInert(result.stdout, 'stdout', true)
    assertInert(result.stderr, 'stderr', true)
  })

  it('--debug prints each request with its status, never the bearer token', async () => {
    const result = await runCheck(['-A', '--debug', '--kubeconfig', double.writeKubeconfig()])
    assertRan(result)
    assert.match(
      result.stderr,
      /^debug: GET https:\/\/127\.0\.0\.1:\d+\/api\/v1\/pods\?limit=500 200 \d+ms$/m,
    )
    assert.match(result.stderr, /^debug: GET \S+\/mutatingwebhookconfigurations\S* 200/m)
    assert.ok(
      !result.stdout.includes(double.token) && !result.stderr.includes(double.token),
      'the token leaked',
    )
    assert.doesNotMatch(result.stderr, /Bearer|Authorization/i)
  })

  it('--debug on a rejected token still hides it', async () => {
    const token = 'rejected-secret-token-4f1c2a'
    const result = await runCheck(['-A', '--debug', '--kubeconfig', double.writeKubeconfig({token})])
    assert.equal(result.code, 77)
    assert.match(result.stderr, /^debug: GET \S+ 401/m)
    assert.ok(!result.stdout.includes(token) && !result.stderr.includes(token), 'the token leaked')
  })

  it('without --debug a rejected token is a one-line error', async () => {
    const result = await runCheck([
      '-A',
      '--kubeconfig',
      double.writeKubeconfig({token: 'another-secret-9d2e'}),
    ])
    assertOneLineError(result, 77, /Unauthorized/)
    assert.ok(!result.stderr.includes('another-secret-9d2e'))
  })
})
