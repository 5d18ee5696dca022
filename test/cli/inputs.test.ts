// Input problems on the command line: exit codes and one-line errors for what kubectl refuses, -R, and a CI gate
// (--fail-on) that must not pass when the input yields nothing to check.
import assert from 'node:assert/strict'
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {check} from '../support/harness.js'

const demo = ['--from', 'examples/demo-cluster']
let work = ''
before(async () => {
  work = await mkdtemp(join(tmpdir(), 'cli-inputs-'))
  await writeFile(
    join(work, 'service.yaml'),
    'apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec: {ports: [{port: 80}]}\n',
  )
  await writeFile(
    join(work, 'boolean-label.yaml'),
    'apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: shop\n  labels:\n    sidecar.istio.io/inject: yes\nspec:\n  containers:\n  - {name: app, image: nginx}\n',
  )
  await writeFile(join(work, 'empty-list.yaml'), 'apiVersion: v1\nitems: []\nkind: List\nmetadata: {}\n')
  await mkdir(join(work, 'tree', 'sub'), {recursive: true})
  await writeFile(
    join(work, 'tree', 'sub', 'pod.yaml'),
    'apiVersion: v1\nkind: Pod\nmetadata: {name: deep, namespace: shop}\nspec:\n  containers:\n  - {name: app, image: nginx}\n',
  )
})
after(async () => {
  await rm(work, {recursive: true, force: true})
})

describe('an input with no target fails a --fail-on gate', () => {
  const cases: {name: string; args: () => string[]; code: number; stderr: RegExp}[] = [
    {
      name: '-f with only a Service, --fail-on set: exit 65, one line',
      args: () => ['-f', join(work, 'service.yaml'), '--fail-on', 'reject', ...demo],
      code: 65,
      stderr: /^error: --fail-on reject: the input yielded no pod or workload to check/m,
    },
    {
      name: '--from an empty List, --fail-on set: exit 65',
      args: () => ['-A', '--from', join(work, 'empty-list.yaml'), '--fail-on', 'reject,drift'],
      code: 65,
      stderr: /^error: --fail-on reject,drift: the input yielded no pod or workload/m,
    },
    {
      name: 'the same -f without --fail-on still exits 0',
      args: () => ['-f', join(work, 'service.yaml'), ...demo],
      code: 0,
      stderr: /No pods or workloads found in the given manifests/,
    },
  ]
  for (const c of cases) {
    it(c.name, async () => {
      const r = await check(c.args())
      assert.equal(r.code, c.code, r.stderr)
      assert.match(r.stderr, c.stderr)
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace')
    })
  }
})

describe('what kubectl refuses, and -R', () => {
  it('a yes label is refused with file, line and field (exit 65)', async () => {
    const file = join(work, 'boolean-label.yaml')
    const r = await check(['-f', file, ...demo])
    assert.equal(r.code, 65, r.stderr)
    assert.match(
      r.stderr,
      new RegExp(
        `${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:7: label "sidecar.istio.io/inject" in metadata.labels is the boolean true`,
      ),
    )
    assert.equal(r.stdout, '')
  })

  it('-f DIR reads subdirectories only with -R', async () => {
    const without = await check(['-f', join(work, 'tree'), ...demo])
    assert.equal(without.code, 65, without.stderr)
    assert.match(without.stderr, /pass -R to read them/)
    const withR = await check(['-f', join(work, 'tree'), '-R', ...demo])
    assert.equal(withR.code, 0, withR.stderr)
    assert.match(withR.stdout, /deep/)
  })
})
