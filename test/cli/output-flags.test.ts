// kubectl's list flags on inject-check, offline over the demo cluster: --field-selector, -o name, -o jsonpath,
// -o custom-columns, --sort-by, -L and --no-headers. Expectations come from the -o json document and the pod files.
import {before, describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {writeFileSync, mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {loadYamlObjects} from '../apiserver-double/index.js'
import {
  assertOneLineError,
  assertRan,
  parseReport,
  repoRoot,
  runCheck,
} from '../faults/fixtures/cli-harness.js'
import type {ReportItem} from '../faults/fixtures/cli-harness.js'

const demo = join(repoRoot, 'examples', 'demo-cluster')
const check = (...args: string[]) => runCheck(['--from', demo, ...args])
const lines = (text: string) => text.split('\n').filter((l) => l !== '')

interface PodObject {
  kind: string
  metadata: {name: string; namespace: string; labels?: Record<string, string>}
  spec: {nodeName?: string; restartPolicy?: string}
  status?: {phase?: string}
}
const pods = (loadYamlObjects(join(demo, 'pods.yaml')) as PodObject[]).filter((o) => o.kind === 'Pod')

let items: ReportItem[] = []
before(async () => {
  const all = await check('-A', '-o', 'json')
  assertRan(all)
  items = parseReport(all).items
  assert.ok(items.length > 3)
})

const kubectlResource: Record<string, string> = {
  Pod: 'pod',
  Deployment: 'deployment.apps',
  StatefulSet: 'statefulset.apps',
  DaemonSet: 'daemonset.apps',
  Job: 'job.batch',
  CronJob: 'cronjob.batch',
}

describe('--field-selector on files evaluates the common pod fields', () => {
  const scenarios = [
    {selector: 'spec.nodeName=node-a', keep: (p: PodObject) => p.spec.nodeName === 'node-a'},
    {selector: 'status.phase!=Running', keep: (p: PodObject) => p.status?.phase !== 'Running'},
    {
      selector: 'metadata.namespace=shop,spec.nodeName!=node-a',
      keep: (p: PodObject) => p.metadata.namespace === 'shop' && p.spec.nodeName !== 'node-a',
    },
    {selector: 'spec.restartPolicy==Never', keep: (p: PodObject) => p.spec.restartPolicy === 'Never'},
  ]
  for (const s of scenarios) {
    it(`${s.selector} lists exactly the matching pods`, async () => {
      const result = await check('-A', '--field-selector', s.selector, '-o', 'json')
      assertRan(result)
      const got = parseReport(result)
        .items.map((i) => `${i.kind}/${i.namespace}/${i.name}`)
        .sort()
      const want = pods
        .filter(s.keep)
        .map((p) => `Pod/${p.metadata.namespace}/${p.metadata.name}`)
        .sort()
      assert.deepEqual(got, want)
    })
  }
  it('a field the files cannot answer is refused in one line', async () => {
    assertOneLineError(
      await check('-A', '--field-selector', 'status.podIP=10.0.0.1'),
      64,
      /"status.podIP" is not one of them/,
    )
  })
  it('a malformed selector is a usage error', async () => {
    assertOneLineError(await check('-A', '--field-selector', 'status.phase'), 64, /invalid field selector/)
  })
  it('a named target takes no field selector', async () => {
    assertOneLineError(
      await check('-n', 'shop', 'deploy/web', '--field-selector', 'status.phase=Running'),
      64,
      /--field-selector selects pods of a list/,
    )
  })
})

describe('-o name, jsonpath and custom-columns print the report items as kubectl does', () => {
  it('-o name: kind.group/name per item', async () => {
    const result = await check('-A', '-o', 'name')
    assertRan(result)
    assert.deepEqual(
      lines(result.stdout),
      items.map((i) => `${kubectlResource[i.kind] ?? '?'}/${i.name}`),
    )
  })

  it('-o jsonpath with range/end over the items', async () => {
    const result = await check(
      '-A',
      '-o',
      'jsonpath={range .items[*]}{.namespace}/{.name}={.reason}{"\\n"}{end}',
    )
    assertRan(result)
    assert.deepEqual(
      lines(result.stdout),
      items.map((i) => `${i.namespace}/${i.name}=${i.reason}`),
    )
  })

  it('-o jsonpath with a filter', async () => {
    const result = await check('-A', '-o', 'jsonpath={.items[?(@.outcome=="Skip")].name}')
    assertRan(result)
    assert.deepEqual(
      result.stdout.split(' '),
      items.filter((i) => i.outcome === 'Skip').map((i) => i.name),
    )
  })

  it('-o jsonpath-file reads the template from a file', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'jsonpath-')), 'names.tmpl')
    writeFileSync(file, '{.items[0].name}')
    const result = await check('-A', '-o', `jsonpath-file=${file}`)
    assertRan(result)
    assert.equal(result.stdout, items[0]!.name)
  })

  it('a broken jsonpath template is a one-line usage error', async () => {
    assertOneLineError(await check('-A', '-o', 'jsonpath={.items[0'), 64, /error parsing jsonpath/)
  })

  it('-o custom-columns with a header row, <none> for a missing field', async () => {
    const result = await check('-A', '-o', 'custom-columns=NAME:.name,REASON:.reason,NOPE:.no.such.field')
    assertRan(result)
    const rows = lines(result.stdout).map((l) => l.split(/\s+/))
    assert.deepEqual(rows[0], ['NAME', 'REASON', 'NOPE'])
    assert.deepEqual(
      rows.slice(1),
      items.map((i) => [i.name, i.reason, '<none>']),
    )
  })

  it('--no-headers drops the custom-columns header', async () => {
    const result = await check('-A', '-o', 'custom-columns=NAME:.name', '--no-headers')
    assertRan(result)
    assert.deepEqual(
      lines(result.stdout),
      items.map((i) => i.name),
    )
  })

  it('an unknown -o format names the allowed ones', async () => {
    assertOneLineError(
      await check('-A', '-o', 'go-template={{.}}'),
      64,
      /unable to match a printer.*jsonpath=TEMPLATE/,
    )
  })
})

describe('table flags: --no-headers, -L and --sort-by', () => {
  it('--no-headers prints the rows only (no header, no counts line)', async () => {
    const plain = await check('-A')
    const bare = await check('-A', '--no-headers')
    assertRan(bare)
    assert.equal(lines(bare.stdout).length, items.length)
    assert.doesNotMatch(bare.stdout, /NAMESPACE|NAME\s+KIND/)
    for (const line of lines(bare.stdout)) assert.ok(plain.stdout.includes(line), line)
  })

  it('-L shows the pod labels as columns headed by the key’s last segment', async () => {
    const result = await check('-n', 'shop', '-L', 'app', '-L', 'pod-template-hash')
    assertRan(result)
    const [head = '', ...rows] = lines(result.stdout)
    assert.match(head, /\sAPP\s+POD-TEMPLATE-HASH$/)
    const shopPods = pods.filter((p) => p.metadata.namespace === 'shop')
    for (const pod of shopPods) {
      const row = rows.find((r) => r.split(/\s+/)[0] === pod.metadata.name)
      assert.ok(row !== undefined, pod.metadata.name)
      const cells = row.split(/\s+/)
      assert.deepEqual(cells.slice(-2), [
        pod.metadata.labels?.app,
        pod.metadata.labels?.['pod-template-hash'],
      ])
    }
  })

  it('--sort-by orders the table and the json items by the path', async () => {
    const result = await check('-A', '--sort-by', '.reason', '-o', 'json')
    assertRan(result)
    const reasons = parseReport(result).items.map((i) => i.reason)
    assert.deepEqual(reasons, [...reasons].sort())
    assert.notDeepEqual(
      items.map((i) => i.reason),
      reasons,
      'the default order is another one',
    )
    const table = await check('-A', '--sort-by', '{.reason}', '--no-headers')
    assertRan(table)
    assert.deepEqual(
      lines(table.stdout).map((l) => l.split(/\s+/)[6]),
      reasons,
    )
  })

  it('a malformed --sort-by is a usage error', async () => {
    assertOneLineError(
      await check('-A', '--sort-by', '.items[x]'),
      64,
      /--sort-by \.items\[x\]: invalid array index/,
    )
  })
})
