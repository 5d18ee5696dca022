// The per-platform archives krew downloads: .tar.gz (linux, darwin) and .zip (windows), flat, with fixed times so the
// same inputs give the same bytes (and sha256).
import {readFileSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {crc32, deflateRawSync} from 'node:zlib'
import {create} from 'tar'

const fixedTime = new Date('2000-01-01T00:00:00Z')

/** Writes `files` (names in `dir`) into `output`: a zip when it ends in .zip, else a gzip'd tar. */
export async function writeArchive(output: string, dir: string, files: readonly string[]): Promise<void> {
  if (output.endsWith('.zip')) writeFileSync(output, zipOf(dir, files))
  else await create({file: output, cwd: dir, gzip: {level: 9}, portable: true, mtime: fixedTime}, [...files])
}

// PKWARE APPNOTE 4.3: local headers with deflated data, the central directory, the end record (no ZIP64: < 4 GiB).
function zipOf(dir: string, files: readonly string[]): Buffer {
  const locals: Buffer[] = []
  const centrals: Buffer[] = []
  let offset = 0
  for (const name of files) {
    const data = readFileSync(join(dir, name))
    const packed = deflateRawSync(data, {level: 9})
    const nameBytes = Buffer.from(name, 'utf8')
    const common = {crc: crc32(data), packed: packed.length, size: data.length, nameLength: nameBytes.length}
    const local = header(0x04034b50, common)
    const mode = (statSync(join(dir, name)).mode & 0o777) | 0o100000
    centrals.push(Buffer.concat([centralHeader(common, offset, mode), nameBytes]))
    locals.push(local, nameBytes, packed)
    offset += local.length + nameBytes.length + packed.length
  }
  const central = Buffer.concat(centrals)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(files.length, 8)
  end.writeUInt16LE(files.length, 10)
  end.writeUInt32LE(central.length, 12)
  end.writeUInt32LE(offset, 16)
  return Buffer.concat([...locals, central, end])
}

type Entry = {crc: number; packed: number; size: number; nameLength: number}

// Version 2.0, UTF-8 names (bit 11), deflate, DOS time 1980-01-01 00:00.
function header(signature: number, e: Entry): Buffer {
  const b = Buffer.alloc(30)
  b.writeUInt32LE(signature, 0)
  b.writeUInt16LE(20, 4)
  b.writeUInt16LE(0x0800, 6)
  b.writeUInt16LE(8, 8)
  b.writeUInt16LE(0, 10)
  b.writeUInt16LE(0x21, 12)
  b.writeUInt32LE(e.crc, 14)
  b.writeUInt32LE(e.packed, 18)
  b.writeUInt32LE(e.size, 22)
  b.writeUInt16LE(e.nameLength, 26)
  return b
}

// Made by Unix (3), so the executable bit survives in the external attributes.
function centralHeader(e: Entry, offset: number, mode: number): Buffer {
  const local = header(0x02014b50, e)
  const b = Buffer.alloc(46)
  b.writeUInt32LE(0x02014b50, 0)
  b.writeUInt16LE((3 << 8) | 20, 4)
  local.copy(b, 6, 4, 26)
  b.writeUInt16LE(e.nameLength, 28)
  b.writeUInt32LE(mode * 0x10000, 38)
  b.writeUInt32LE(offset, 42)
  return b
}
