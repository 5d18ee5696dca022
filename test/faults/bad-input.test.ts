// Bad input: malformed -l, broken webhook selectors and CEL, garbage and truncated --from files, enormous objects.
import {after, before, describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {gzipSync} from 'node:zlib'
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

const scratch = mkdtempSync(join(tmpdir(), 'faults-input-'))
const scratchFile = (name: string, content: string | Buffer): string => {
  const path = join(scratch, name)
  writeFileSync(path, content)
  return path
}
const istio = repoFixture('istio/default-1.28.yaml')

let double: ApiServerDouble
before(async () => {
  double = await startApiServer({objects: baseObjects()})
})
after(async () => {
  assert.deepEqual(double.writes(), [], 'inject-check never writes')
  await double.close()
})

describe('a malformed -l is a usage error before any request', () => {
  for (const selector of ['app in (web', 'app=web=prod', 'tier!', '=web']) {
    it(`-l '${selector}'`, async () => {
      const before = double.requests.length
      const result = await runCheck(['-A', '-l', selector, '--kubeconfig', double.writeKubeconfig()])
      assertOneLineError(result, 64, /-l\/--selector "[^"]*": (unable to parse requirement: )?found '/)
      assert.equal(double.requests.length, before, 'no request was sent')
    })
  }
  it('offline too: a malformed -l is not "No resources found"', async () => {
    const result = await runCheck(['-A', '-l', 'app in (web', '--from', istio])
    assertOneLineError(result, 64, /unable to parse requirement/)
  })
})

describe('broken webhook configurations (from files) are Unknown or InvalidSelector checks, not crashes', () => {
  const pod = [
    'pod/web-5d8f7c9b6-q2x7z',
    '-n',
    'shop',
    '--from',
    faultFixture('broken-webhooks.yaml'),
    '--from',
    istio,
  ]
  const checkOf = async (configuration: string) => {
    const result = await runCheck([...pod, '-o', 'json'])
    assertRan(result)
    const [item] = parseReport(result).items
    assert.ok(item !== undefined)
    return {item, checks: item.checks.filter((c) => c.subject.startsWith(`${configuration}/`))}
  }

  it('an unknown selector operator (Contains) is InvalidSelector naming the operator', async () => {
    const {checks} = await checkOf('bad-operator')
    const invalid = checks.find((c) => c.code === 'InvalidSelector')
    assert.ok(invalid !== undefined, JSON.stringify(checks))
    assert.match(invalid.detail, /Contains/)
  })

  it('In with no values is InvalidSelector', async () => {
    const {checks} = await checkOf('in-without-values')
    const invalid = checks.find((c) => c.code === 'InvalidSelector')
    assert.ok(invalid !== undefined, JSON.stringify(checks))
    assert.match(invalid.detail, /values/)
  })

  it('a CEL syntax error is an Unknown matchConditions check', async () => {
    const {checks} = await checkOf('cel-syntax-error')
    const cel = checks.find((c) => c.subject.endsWith('matchConditions'))
    assert.ok(cel !== undefined && cel.result === 'Unknown', JSON.stringify(checks))
  })

  it('CEL that calls the authorizer is Unknown (only known at request time)', async () => {
    const {checks} = await checkOf('cel-authorizer')
    const cel = checks.find((c) => c.subject.endsWith('matchConditions'))
    assert.ok(
      cel !== undefined && cel.result === 'Unknown' && /authorizer/.test(cel.detail),
      JSON.stringify(checks),
    )
  })

  it('the human trail renders the same broken cluster', async () => {
    const result = await runCheck(pod)
    assertRan(result)
    assert.match(result.stdout, /InvalidSelector/)
    assert.match(result.stdout, /MatchConditionUnevaluable/)
  })
})

describe('garbage offline input names the file (and the line) and exits 65', () => {
  it('a YAML file with a tab in the indentation', async () => {
    const path = scratchFile('tabbed.yaml', 'apiVersion: v1\nkind: Pod\nmetadata:\n\tname: web\n')
    const result = await runCheck(['-A', '--from', path])
    assertOneLineError(result, 65, /tabbed\.yaml:4: .*[Tt]ab/)
  })

  it('binary garbage with a .yaml name', async () => {
    const bytes = Buffer.from(Array.from({length: 4096}, (_, i) => (i * 7919 + 13) % 256))
    const path = scratchFile('image.yaml', bytes)
    const result = await runCheck(['-A', '--from', path])
    assertOneLineError(result, 65, /image\.yaml(:\d+)?: /)
  })

  it('JSON cut off in the middle', async () => {
    const whole = JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: [{apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'shop'}}],
    })
    const path = scratchFile('cut.json', whole.slice(0, whole.length - 20))
    const result = await runCheck(['-A', '--from', path])
    assertOneLineError(result, 65, /cut\.json(:\d+)?: not valid JSON/)
  })

  it('a truncated .tar.gz', async () => {
    // A real tar (one 512-byte header plus content) gzipped, then cut short.
    const content = readFileSync(istio)
    const header = Buffer.alloc(512)
    header.write('bundle/istio.yaml', 0)
    header.write('0000644\0', 100)
    header.write('0000000\0', 108)
    header.write('0000000\0', 116)
    header.write(`${content.length.toString(8).padStart(11, '0')}\0`, 124)
    header.write('00000000000\0', 136)
    header.write('0', 156)
    header.write('ustar\u000000', 257)
    header.fill(' ', 148, 156)
    let sum = 0
    for (const byte of header) sum += byte
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148)
    const padding = Buffer.alloc((512 - (content.length % 512)) % 512)
    const archive = gzipSync(Buffer.concat([header, content, padding, Buffer.alloc(1024)]))
    const path = scratchFile('bundle.tar.gz', archive.subarray(0, Math.floor(archive.length / 2)))
    const result = await runCheck(['-A', '--from', path])
    assertOneLineError(result, 65, /bundle\.tar\.gz: .*truncated/)
  })

  it('a --from path that does not exist', async () => {
    const result = await runCheck(['-A', '--from', join(scratch, 'missing-dump')])
    assertOneLineError(result, 65, /missing-dump: no such file or directory/)
  })
})

describe('enormous objects are judged, not choked on', () => {
  it('a pod with a 2 MB annotation and a pod with 500 containers', async () => {
    const huge = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'huge-annotation',
        namespace: 'shop',
        annotations: {'example.com/blob': 'x'.repeat(2 * 1024 * 1024)},
        labels: {app: 'huge'},
      },
      spec: {containers: [{name: 'app', image: 'registry.example.com/huge:1'}]},
      status: {phase: 'Running'},
    }
    const wide = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {name: 'many-containers', namespace: 'shop', labels: {app: 'wide'}},
      spec: {
        containers: Array.from({length: 500}, (_, i) => ({
          name: `c${i}`,
          image: `registry.example.com/c${i}:1`,
        })),
      },
      status: {phase: 'Running'},
    }
    double.addObjects([huge, wide])
    try {
      const kubeconfig = double.writeKubeconfig()
      const sweep = await runCheck(['-n', 'shop', '-o', 'json', '--kubeconfig', kubeconfig])
      assertRan(sweep)
      const names = parseReport(sweep).items.map((item) => item.name)
      assert.ok(names.includes('huge-annotation') && names.includes('many-containers'), names.join(', '))
      assert.ok(
        sweep.stdout.length < 1024 * 1024,
        `the report does not echo the 2 MB annotation (${sweep.stdout.length} bytes)`,
      )
      const one = await runCheck(['pod/many-containers', '-n', 'shop', '--kubeconfig', kubeconfig])
      assertRan(one)
      assert.match(one.stdout, /many-containers/)
      assert.ok(one.elapsedMs < 10_000, `took ${Math.round(one.elapsedMs)} ms`)
    } finally {
      double.removeObject('Pod', 'shop', 'huge-annotation')
      double.removeObject('Pod', 'shop', 'many-containers')
    }
  })
})
