// Same answers from every bundle layout: each istioctl bug-report generation (with and without the bug-report/
// prefix, as a directory and as a .tar.gz built here) gives the verdicts of the plain kubectl files of the same
// cluster, and of a live read of those objects from the API-server double.
import assert from 'node:assert/strict'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {loadYamlObjects, recordedJustNow, startApiServer} from '../apiserver-double/index.js'
import type {ApiServerDouble} from '../apiserver-double/index.js'
import {bundles, check, documentOf, packFixture, verdictsOnly, writePlainFiles} from './harness.js'

let work = ''
let plain: string[] = []
let double: ApiServerDouble
let kubeconfig = ''
let expected: unknown[] = []

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'support-layouts-'))
  plain = await writePlainFiles(join(work, 'plain'))
  double = await startApiServer({objects: recordedJustNow(plain.flatMap((file) => loadYamlObjects(file)))})
  kubeconfig = double.writeKubeconfig({dir: work})
  const fromPlain = await check(['-A', '-o', 'json', ...plain.flatMap((file) => ['--from', file])])
  assert.equal(fromPlain.code, 0, fromPlain.stderr)
  expected = verdictsOnly(documentOf(fromPlain))
})
after(async () => {
  await double.close()
  await rm(work, {recursive: true, force: true})
})

const layouts = [
  {name: 'istioctl 1.20 (legacy, bug-report/ prefix)', dir: 'bug-report-1.20'},
  {name: 'istioctl 1.26 (1.21–1.29, --dir: no prefix)', dir: 'bug-report-1.26'},
  {name: 'istioctl 1.30 (cluster-scoped kinds split out, bug-report/ prefix)', dir: 'bug-report-1.30'},
] as const

describe('every bundle layout gives the same verdicts', () => {
  it('the plain files judge both pods and the workload blocked by FailedCreate (the reference is not empty)', () => {
    assert.equal(expected.length, 3)
  })

  it('live against the double loaded with the same objects agrees with the plain files', async () => {
    // KUBECONFIG, not --kubeconfig: with the flag every fix would name the file (fix-commands.test.ts).
    const live = await check(['-A', '-o', 'json'], {KUBECONFIG: kubeconfig})
    assert.equal(live.code, 0, live.stderr)
    // Live reads quotas, LimitRanges and validating policies (none here), the plain files do not have them: the third
    // layer is exact live and Unknown from the files; everything else agrees.
    const withoutAdmission = (items: unknown[]) =>
      items.map((item) => {
        const {admitted: _admitted, admission: _admission, ...rest} = item as Record<string, unknown>
        return rest
      })
    const liveItems = verdictsOnly(documentOf(live))
    assert.deepEqual(withoutAdmission(liveItems), withoutAdmission(expected))
    const admitted = (items: unknown[]) => items.map((item) => (item as {admitted: unknown}).admitted)
    assert.ok(admitted(liveItems).every((a) => a === true || a === false || a === null))
    assert.ok(
      admitted(liveItems).filter((a) => a !== null).length >=
        admitted(expected).filter((a) => a !== null).length,
    )
    assert.deepEqual(double.writes(), [], 'inject-check never writes')
  })

  for (const layout of layouts) {
    for (const form of ['directory', '.tar.gz'] as const) {
      it(`${layout.name} as a ${form}`, async () => {
        const path =
          form === 'directory'
            ? join(bundles, layout.dir)
            : await packFixture(layout.dir, join(work, `${layout.dir}.tar.gz`))
        const result = await check(['-A', '-o', 'json', '--from', path])
        assert.equal(result.code, 0, result.stderr)
        const document = documentOf(result)
        assert.deepEqual(verdictsOnly(document), expected)
        // Provenance names the bundle file each pod or workload came from (an archive entry after `!`).
        for (const item of document.items) {
          const source = item.sources?.pod ?? item.sources?.workload
          assert.ok(source?.startsWith(path), `${item.name}: ${JSON.stringify(item.sources)}`)
        }
      })
    }
  }
})
