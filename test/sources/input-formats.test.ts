// Inputs as users hand them over: JSON streams, UTF-16 with a BOM, .zip and nested ticket archives, archives in formats
// node cannot decompress, and -f directories read as kubectl reads them (-R, dangling symlinks).
import {after, before, describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join, relative} from 'node:path'
import {deflateRawSync, crc32} from 'node:zlib'
import {create} from 'tar'
import {parseDocuments} from '../../src/cluster/yaml-documents.js'
import {decodeText} from '../../src/cluster/text-decoding.js'
import {readManifestTargets} from '../../src/cluster/manifest-reader.js'
import {readBundle} from '../../src/cluster/bundle-reader.js'
import {readFileSnapshot} from '../../src/cluster/file-source.js'
import {InputFileError} from '../../src/cluster/kube-errors.js'

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'bundles')
let work = ''
before(async () => {
  work = await mkdtemp(join(tmpdir(), 'input-formats-'))
})
after(async () => {
  await rm(work, {recursive: true, force: true})
})

const pod = (name: string, namespace = 'shop') => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {name, namespace, labels: {app: name}},
  spec: {containers: [{name: 'app', image: 'nginx'}]},
})
const names = (values: unknown[]) => values.map((v) => (v as {metadata: {name: string}}).metadata.name)
const noStdin = () => Promise.reject(new Error('stdin must not be read'))

describe('JSON documents one after another', () => {
  const cases: {name: string; text: string; expected: string[]}[] = [
    {
      name: 'two `kubectl get -o json` outputs concatenated',
      text: `${JSON.stringify(pod('a'), null, 4)}\n${JSON.stringify(pod('b'), null, 4)}\n`,
      expected: ['a', 'b'],
    },
    {
      name: 'JSON Lines',
      text: `${JSON.stringify(pod('a'))}\n${JSON.stringify(pod('b'))}\n${JSON.stringify(pod('c'))}\n`,
      expected: ['a', 'b', 'c'],
    },
    {
      name: 'no whitespace between documents',
      text: `${JSON.stringify(pod('a'))}${JSON.stringify(pod('b'))}`,
      expected: ['a', 'b'],
    },
    {
      name: 'a brace inside a string does not split',
      text: `${JSON.stringify({...pod('a'), note: '}{'})}\n${JSON.stringify(pod('b'))}`,
      expected: ['a', 'b'],
    },
  ]
  for (const c of cases)
    it(c.name, () => assert.deepEqual(names(parseDocuments(c.text, 'pods.json')), c.expected))

  it('a broken document in a stream names its line', () => {
    const text = `${JSON.stringify(pod('a'))}\n${JSON.stringify(pod('b'))}\n{"kind": "Pod", "metadata": {"name": }}\n`
    assert.throws(
      () => parseDocuments(text, 'pods.json'),
      (error: unknown) => {
        assert.ok(error instanceof InputFileError)
        assert.equal(error.line, 3)
        return true
      },
    )
  })
})

describe('UTF-16 text with a byte-order mark', () => {
  const yaml = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: café\n'
  const utf16be = (text: string) => {
    const le = Buffer.from(text, 'utf16le')
    return Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(le).swap16()])
  }
  const cases: {name: string; bytes: Buffer}[] = [
    {
      name: 'UTF-16 LE (PowerShell `>`)',
      bytes: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(yaml, 'utf16le')]),
    },
    {name: 'UTF-16 BE', bytes: utf16be(yaml)},
    {name: 'UTF-8 with a BOM', bytes: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(yaml)])},
  ]
  for (const c of cases) {
    it(`${c.name} is read as a manifest`, async () => {
      const file = join(work, `${c.name.replace(/\W+/g, '-')}.yaml`)
      await writeFile(file, c.bytes)
      const targets = await readManifestTargets([file], 'default', noStdin)
      assert.deepEqual(
        targets.pods.map((p) => p.name),
        ['café'],
      )
    })
  }

  it('UTF-32 is named with the conversion to run', () => {
    assert.throws(() => decodeText(Buffer.from([0xff, 0xfe, 0, 0, 0x61, 0, 0, 0]), 'x.yaml'), /UTF-32.*iconv/)
  })
})

// A minimal zip writer (stored or deflated entries) so the tests need no zip tool.
function zip(entries: Record<string, Buffer | string>, deflate = true): Buffer {
  const locals: Buffer[] = []
  const centrals: Buffer[] = []
  let offset = 0
  for (const [name, content] of Object.entries(entries)) {
    const data = Buffer.from(content)
    const body = deflate ? deflateRawSync(data) : data
    const nameBytes = Buffer.from(name)
    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(20, 4)
    local.writeUInt16LE(deflate ? 8 : 0, 8)
    local.writeUInt32LE(crc32(data), 14)
    local.writeUInt32LE(body.length, 18)
    local.writeUInt32LE(data.length, 22)
    local.writeUInt16LE(nameBytes.length, 26)
    const central = Buffer.alloc(46)
    central.writeUInt32LE(0x02014b50, 0)
    central.writeUInt16LE(20, 4)
    central.writeUInt16LE(20, 6)
    central.writeUInt16LE(deflate ? 8 : 0, 10)
    central.writeUInt32LE(crc32(data), 16)
    central.writeUInt32LE(body.length, 20)
    central.writeUInt32LE(data.length, 24)
    central.writeUInt16LE(nameBytes.length, 28)
    central.writeUInt32LE(offset, 42)
    locals.push(local, nameBytes, body)
    centrals.push(central, nameBytes)
    offset += 30 + nameBytes.length + body.length
  }
  const directory = Buffer.concat(centrals)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(Object.keys(entries).length, 8)
  end.writeUInt16LE(Object.keys(entries).length, 10)
  end.writeUInt32LE(directory.length, 12)
  end.writeUInt32LE(offset, 16)
  return Buffer.concat([...locals, directory, end])
}

/** The files of a fixture directory, relative paths → bytes. */
async function filesOf(dir: string, prefix = ''): Promise<Record<string, Buffer>> {
  const out: Record<string, Buffer> = {}
  for (const entry of await readdir(dir, {withFileTypes: true, recursive: true})) {
    if (!entry.isFile()) continue
    const full = join(entry.parentPath, entry.name)
    out[`${prefix}${relative(dir, full)}`] = await readFile(full)
  }
  return out
}

describe('archives', () => {
  it('a .zip of kubectl YAML files (deflated and stored) is read', async () => {
    for (const deflate of [true, false]) {
      const file = join(work, `manifests-${deflate}.zip`)
      await writeFile(
        file,
        zip(
          {
            'pods/a.yaml': 'apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: shop}\n',
            'b.json': JSON.stringify(pod('b')),
          },
          deflate,
        ),
      )
      const bundle = await readBundle(file)
      assert.equal(bundle?.layout, 'manifest-archive')
      assert.deepEqual(
        bundle!.entries.map((e) => [(e.object.metadata as {name: string}).name, e.source]).sort(),
        [
          ['a', `${file}!pods/a.yaml`],
          ['b', `${file}!b.json`],
        ],
      )
    }
  })

  it('a zipped istioctl bug report is recognised as one', async () => {
    const file = join(work, 'bug-report.zip')
    await writeFile(file, zip(await filesOf(join(fixtures, 'bug-report-1.30'))))
    const bundle = await readBundle(file)
    assert.equal(bundle?.layout, 'bug-report-1.30')
  })

  it('a ticket archive holding bug-report.tar.gz is opened nested (the support flow)', async () => {
    const inner = join(work, 'bug-report.tar.gz')
    await create(
      {gzip: true, file: inner, cwd: join(fixtures, 'bug-report-1.30'), portable: true},
      await readdir(join(fixtures, 'bug-report-1.30')),
    )
    for (const outer of ['zip', 'tar.gz'] as const) {
      const file = join(work, `ticket-4711.${outer}`)
      if (outer === 'zip')
        await writeFile(
          file,
          zip({
            'ticket-4711/notes.txt': 'customer says: no sidecar',
            'ticket-4711/bug-report.tar.gz': await readFile(inner),
          }),
        )
      else {
        const staging = join(work, 'staging', 'ticket-4711')
        await mkdir(staging, {recursive: true})
        await writeFile(join(staging, 'bug-report.tar.gz'), await readFile(inner))
        await create({gzip: true, file, cwd: join(work, 'staging'), portable: true}, ['ticket-4711'])
      }
      const bundle = await readBundle(file)
      assert.equal(bundle?.layout, 'bug-report-1.30', outer)
      const source = bundle!.entries.find((e) => e.object.kind === 'MutatingWebhookConfiguration')?.source
      assert.match(
        source ?? '',
        new RegExp(`ticket-4711\\.${outer.replace('.', '\\.')}!ticket-4711/bug-report\\.tar\\.gz!`),
        outer,
      )
    }
  })

  const refused: {name: string; head: number[]; file: string; next: RegExp}[] = [
    {
      name: '.tar.xz',
      head: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00],
      file: 'bundle.tar.xz',
      next: /xz-compressed.*xz -dk bundle\.tar\.xz/,
    },
    {
      name: '.tar.bz2',
      head: [0x42, 0x5a, 0x68, 0x39],
      file: 'bundle.tar.bz2',
      next: /bzip2-compressed.*tar -xjf bundle\.tar\.bz2/,
    },
    {name: '.tar.zst', head: [0x28, 0xb5, 0x2f, 0xfd], file: 'bundle.tar.zst', next: /zstd-compressed/},
  ]
  for (const c of refused) {
    it(`a ${c.name} archive is refused in one line with the command to run`, async () => {
      const file = join(work, c.file)
      await writeFile(file, Buffer.concat([Buffer.from(c.head), Buffer.alloc(64)]))
      await assert.rejects(readFileSnapshot([file]), (error: unknown) => {
        assert.ok(error instanceof InputFileError)
        assert.match(error.message, c.next)
        assert.ok(!error.message.includes('\n'))
        return true
      })
    })
  }
})

describe('-f directories as kubectl reads them', () => {
  let dir = ''
  before(async () => {
    dir = join(work, 'manifests')
    await mkdir(join(dir, 'nested'), {recursive: true})
    await writeFile(join(dir, 'top.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata: {name: top}\n')
    await writeFile(join(dir, 'nested', 'deep.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata: {name: deep}\n')
    await writeFile(join(dir, 'README.md'), '# not a manifest\n')
    await symlink(join(dir, 'gone.yaml'), join(dir, 'dangling.yaml'))
  })

  const cases: {name: string; recursive: boolean; pods: string[]; warnings: RegExp[]}[] = [
    {
      name: 'without -R only the files directly inside',
      recursive: false,
      pods: ['top'],
      warnings: [/dangling\.yaml: dangling symlink; skipped/, /1 subdirectory was not read \(pass -R/],
    },
    {
      name: 'with -R subdirectories too',
      recursive: true,
      pods: ['deep', 'top'],
      warnings: [/dangling\.yaml: dangling symlink; skipped/],
    },
  ]
  for (const c of cases) {
    it(c.name, async () => {
      const warnings: string[] = []
      const targets = await readManifestTargets([dir], 'default', noStdin, {
        recursive: c.recursive,
        warn: (line) => warnings.push(line),
      })
      assert.deepEqual(targets.pods.map((p) => p.name).sort(), c.pods)
      assert.equal(warnings.length, c.warnings.length, warnings.join('\n'))
      c.warnings.forEach((pattern, index) => assert.match(warnings[index]!, pattern))
    })
  }

  it('a directory with only subdirectories says -R would read them', async () => {
    const only = join(work, 'only-nested')
    await mkdir(join(only, 'a'), {recursive: true})
    await writeFile(join(only, 'a', 'p.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n')
    await assert.rejects(
      readManifestTargets([only], 'default', noStdin),
      /contains no \.yaml, \.yml or \.json files; 1 subdirectory was not read \(pass -R/,
    )
  })
})

describe('--from directories', () => {
  it('a dangling symlink is skipped with a warning, the rest is read', async () => {
    const dir = join(work, 'from-dir')
    await mkdir(dir, {recursive: true})
    await writeFile(
      join(dir, 'pods.json'),
      JSON.stringify({apiVersion: 'v1', kind: 'List', items: [pod('a')]}),
    )
    await symlink(join(dir, 'missing.yaml'), join(dir, 'broken.yaml'))
    const warnings: string[] = []
    const snapshot = await readFileSnapshot([dir], {warn: (line) => warnings.push(line)})
    assert.deepEqual(
      snapshot.pods.map((p) => p.name),
      ['a'],
    )
    assert.deepEqual(warnings, [`${join(dir, 'broken.yaml')}: dangling symlink; skipped`])
  })
})
