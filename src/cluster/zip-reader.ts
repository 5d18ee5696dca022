// Reads a .zip archive in memory with node:zlib only: the central directory names every entry, stored (0) and
// deflated (8) entries are read; encrypted, ZIP64 and other methods are named in a one-line error.
// Format: PKWARE APPNOTE.TXT 4.3.7 (local header), 4.3.12 (central directory), 4.3.16 (end of central directory).
import {inflateRawSync} from 'node:zlib'

export interface ZipEntry {
  readonly path: string
  readonly size: number
  /** The entry's bytes; throws ZipProblem when they cannot be read. */
  read(): Buffer
}

/** Why a zip cannot be read, as one line. */
export class ZipProblem extends Error {}

const endSignature = 0x06054b50
const centralSignature = 0x02014b50
const localSignature = 0x04034b50

/** True when the bytes start like a zip (a local header, or the end record of an empty zip). */
export const looksLikeZip = (head: Buffer): boolean =>
  head.length >= 4 &&
  head[0] === 0x50 &&
  head[1] === 0x4b &&
  (head[2] === 3 || head[2] === 5) &&
  head[3] === head[2] + 1

function endRecord(data: Buffer): number {
  // The end record is the last 22 bytes, followed by a comment of at most 65,535 bytes.
  for (let at = data.length - 22; at >= Math.max(0, data.length - 22 - 65535); at--)
    if (data.readUInt32LE(at) === endSignature) return at
  throw new ZipProblem('not a readable .zip archive (no end of central directory: truncated?)')
}

/** The regular-file entries of a zip (directories skipped), in central-directory order. */
export function zipEntries(data: Buffer, maxEntryBytes: number): ZipEntry[] {
  const end = endRecord(data)
  const count = data.readUInt16LE(end + 10)
  let at = data.readUInt32LE(end + 16)
  if (count === 0xffff || at === 0xffffffff)
    throw new ZipProblem('ZIP64 archives are not supported; unzip it and pass the directory')
  const entries: ZipEntry[] = []
  for (let index = 0; index < count; index++) {
    if (at + 46 > data.length || data.readUInt32LE(at) !== centralSignature)
      throw new ZipProblem('not a readable .zip archive (central directory is damaged)')
    const flags = data.readUInt16LE(at + 8)
    const method = data.readUInt16LE(at + 10)
    const compressed = data.readUInt32LE(at + 20)
    const size = data.readUInt32LE(at + 24)
    const nameLength = data.readUInt16LE(at + 28)
    const extraLength = data.readUInt16LE(at + 30)
    const commentLength = data.readUInt16LE(at + 32)
    const local = data.readUInt32LE(at + 42)
    // Bit 11: the name is UTF-8; otherwise CP437, read as latin1 (names of kubectl files are ASCII either way).
    const path = data.subarray(at + 46, at + 46 + nameLength).toString(flags & 0x800 ? 'utf8' : 'latin1')
    at += 46 + nameLength + extraLength + commentLength
    if (path.endsWith('/')) continue
    if (compressed === 0xffffffff || size === 0xffffffff)
      throw new ZipProblem('ZIP64 archives are not supported; unzip it and pass the directory')
    entries.push({
      path,
      size,
      read: () => entryBytes(data, {path, flags, method, compressed, size, local}, maxEntryBytes),
    })
  }
  return entries
}

interface Central {
  readonly path: string
  readonly flags: number
  readonly method: number
  readonly compressed: number
  readonly size: number
  readonly local: number
}

function entryBytes(data: Buffer, entry: Central, maxEntryBytes: number): Buffer {
  if (entry.flags & 1)
    throw new ZipProblem(`${entry.path} is encrypted; unzip it with its password and pass the directory`)
  if (entry.local + 30 > data.length || data.readUInt32LE(entry.local) !== localSignature)
    throw new ZipProblem(`${entry.path}: local header is damaged`)
  const start = entry.local + 30 + data.readUInt16LE(entry.local + 26) + data.readUInt16LE(entry.local + 28)
  const body = data.subarray(start, start + entry.compressed)
  if (body.length < entry.compressed) throw new ZipProblem(`${entry.path} is truncated`)
  if (entry.method === 0) return body
  if (entry.method !== 8)
    throw new ZipProblem(
      `${entry.path} uses compression method ${entry.method} (only stored and deflate are read); unzip it and pass the directory`,
    )
  try {
    return inflateRawSync(body, {maxOutputLength: Math.min(maxEntryBytes, Math.max(entry.size, 1))})
  } catch (error) {
    throw new ZipProblem(`${entry.path} does not inflate (${(error as Error).message.split('\n')[0]})`)
  }
}
