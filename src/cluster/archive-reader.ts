// Reads support-bundle containers (a .tar.gz/.tgz/.tar in memory, or an extracted directory) as one file tree.
// Guarantees: no entry is written to disk, unsafe entry paths are rejected, sizes are capped, and every
// failure is a BundleReadError whose one-line message names the file.
import {open, readdir, readFile, stat} from 'node:fs/promises'
import {join, sep} from 'node:path'
import {InputFileError} from './kube-errors.js'
import {decodeText} from './text-decoding.js'
import {looksLikeZip, ZipProblem, zipEntries} from './zip-reader.js'
import {compareText} from '../core/text-order.js'

/** A bundle that cannot be read; `message` is one line and starts with the file name. */
export class BundleReadError extends InputFileError {
  readonly detail: string

  constructor(file: string, detail: string) {
    super(file, detail)
    this.detail = detail
  }
}

export interface ArchiveLimits {
  /** Largest archive file accepted, compressed. */
  readonly maxArchiveBytes: number
  /** Largest single entry whose content is kept. */
  readonly maxEntryBytes: number
  /** Total content kept in memory across entries. */
  readonly maxTotalBytes: number
  readonly maxEntries: number
}

export const defaultArchiveLimits: ArchiveLimits = {
  maxArchiveBytes: 1024 * 1024 * 1024,
  maxEntryBytes: 256 * 1024 * 1024,
  maxTotalBytes: 1024 * 1024 * 1024,
  maxEntries: 200_000,
}

/** The regular files of a bundle, addressed by '/'-separated paths relative to the container. */
export interface BundleFileTree {
  /** The path the user gave (archive file or directory). */
  readonly container: string
  readonly kind: 'archive' | 'directory'
  readonly paths: readonly string[]
  /** The text of one file, or undefined when it is absent (or was not kept because `keep` refused it). */
  read(path: string): Promise<string | undefined>
  /** Where a file's facts came from: `archive.tar.gz!bug-report/cluster/events` or `dir/bug-report/cluster/events`. */
  provenance(path: string): string
}

const unsafePath = (path: string): boolean =>
  path.startsWith('/') || /^[A-Za-z]:/.test(path) || path.split('/').some((segment) => segment === '..')

/** gzip magic, a ustar header at offset 257, or a zip: true when the bytes look like an archive we can open. */
export const looksLikeArchive = (head: Buffer): boolean =>
  (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) ||
  (head.length >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar') ||
  looksLikeZip(head)

// Compressions node:zlib cannot undo: named with the command that turns them into something readable.
const unreadableFormats: readonly {
  readonly magic: readonly number[]
  readonly name: string
  readonly next: string
}[] = [
  {
    magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00],
    name: 'xz',
    next: 'xz -dk FILE (then pass the .tar), or tar -xJf FILE and pass the directory',
  },
  {
    magic: [0x42, 0x5a, 0x68],
    name: 'bzip2',
    next: 'bzip2 -dk FILE (then pass the .tar), or tar -xjf FILE and pass the directory',
  },
  {
    magic: [0x28, 0xb5, 0x2f, 0xfd],
    name: 'zstd',
    next: 'zstd -d FILE (then pass the .tar), or tar --zstd -xf FILE and pass the directory',
  },
  {magic: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], name: '7-Zip', next: '7z x FILE and pass the directory'},
  {magic: [0x52, 0x61, 0x72, 0x21], name: 'RAR', next: 'unrar x FILE and pass the directory'},
]

/** The one-line reason an archive in a format this tool cannot decompress is refused, or undefined. */
export const unreadableArchive = (head: Buffer, file: string): string | undefined => {
  const format = unreadableFormats.find(({magic}) => magic.every((byte, index) => head[index] === byte))
  if (format === undefined) return undefined
  const name = file.split(/[\\/]/).pop() ?? file
  return `${format.name}-compressed archive: this tool reads .tar, .tar.gz/.tgz and .zip only; run ${format.next.replaceAll('FILE', name)}`
}

export const readHead = async (file: string, bytes = 512): Promise<Buffer> => {
  const handle = await open(file, 'r')
  try {
    const buffer = Buffer.alloc(bytes)
    const {bytesRead} = await handle.read(buffer, 0, bytes, 0)
    return buffer.subarray(0, bytesRead)
  } finally {
    await handle.close()
  }
}

const describeTarProblem = (error: unknown): string => {
  const text = error instanceof Error ? error.message : String(error)
  const firstLine = text.split('\n')[0] ?? text
  if (/unexpected end of file|Truncated input/i.test(firstLine)) return `archive is truncated (${firstLine})`
  if (/incorrect header check|invalid|Unrecognized archive format|checksum/i.test(firstLine))
    return `not a readable .tar.gz/.tgz archive (${firstLine})`
  return `cannot read archive (${firstLine})`
}

/**
 * Reads a tar (gzip detected from its bytes) or zip archive into memory. `keep` decides which entries' contents are
 * kept; every regular file's path is listed either way so layouts can be detected from names. Archives inside it
 * (a ticket's `bug-report.tar.gz`) are opened too: their files appear under `inner.tar.gz/…`.
 */
export const readArchive = async (
  file: string,
  keep: (path: string) => boolean = () => true,
  limits: ArchiveLimits = defaultArchiveLimits,
): Promise<BundleFileTree> => {
  let data: Buffer
  try {
    const info = await stat(file)
    if (info.size > limits.maxArchiveBytes)
      throw new BundleReadError(file, `archive is larger than ${limits.maxArchiveBytes} bytes`)
    data = await readFile(file)
  } catch (error) {
    if (error instanceof BundleReadError) throw error
    throw new BundleReadError(file, `cannot open (${(error as NodeJS.ErrnoException).code ?? String(error)})`)
  }
  return archiveTree(data, file, keep, limits, 0)
}

/** Archive members opened as nested archives (by name); deeper nesting is listed but not opened. */
const nestedArchive = /\.(tar\.gz|tgz|tar|zip)$/i
const maxNesting = 2

const archiveTree = async (
  data: Buffer,
  file: string,
  keep: (path: string) => boolean,
  limits: ArchiveLimits,
  depth: number,
): Promise<BundleFileTree> => {
  const unreadable = unreadableArchive(data, file)
  if (unreadable !== undefined) throw new BundleReadError(file, unreadable)
  if (!looksLikeArchive(data))
    throw new BundleReadError(file, 'not a .tar.gz/.tgz, .tar or .zip archive (unrecognized bytes)')
  const keepWithNested = (path: string): boolean =>
    (depth < maxNesting && nestedArchive.test(path)) || keep(path)
  const {paths, contents} = looksLikeZip(data)
    ? zipContents(data, file, keepWithNested, limits)
    : await tarContents(data, file, keepWithNested, limits)
  if (paths.length === 0) throw new BundleReadError(file, 'archive holds no files')
  const nested = new Map<string, BundleFileTree>()
  for (const path of paths.filter((p) => depth < maxNesting && nestedArchive.test(p) && contents.has(p))) {
    const bytes = contents.get(path)!
    contents.delete(path)
    if (!looksLikeArchive(bytes)) continue
    nested.set(path, await archiveTree(bytes, `${file}!${path}`, keep, limits, depth + 1))
  }
  const inner = (path: string): {tree: BundleFileTree; rest: string} | undefined => {
    for (const [prefix, tree] of nested)
      if (path.startsWith(`${prefix}/`)) return {tree, rest: path.slice(prefix.length + 1)}
    return undefined
  }
  return {
    container: file,
    kind: 'archive',
    paths: [
      ...paths.filter((p) => !nested.has(p)),
      ...[...nested].flatMap(([prefix, tree]) => tree.paths.map((p) => `${prefix}/${p}`)),
    ],
    read: async (path) => {
      const found = inner(path)
      if (found !== undefined) return found.tree.read(found.rest)
      const bytes = contents.get(path)
      return bytes === undefined ? undefined : decodeText(bytes, `${file}!${path}`)
    },
    provenance: (path) => {
      const found = inner(path)
      return found !== undefined ? found.tree.provenance(found.rest) : `${file}!${path}`
    },
  }
}

interface ArchiveContents {
  readonly paths: string[]
  readonly contents: Map<string, Buffer>
}

const zipContents = (
  data: Buffer,
  file: string,
  keep: (path: string) => boolean,
  limits: ArchiveLimits,
): ArchiveContents => {
  const paths: string[] = []
  const contents = new Map<string, Buffer>()
  let total = 0
  try {
    const entries = zipEntries(data, limits.maxEntryBytes)
    if (entries.length > limits.maxEntries)
      throw new BundleReadError(file, `more than ${limits.maxEntries} entries`)
    for (const entry of entries) {
      const path = entry.path.replace(/^\.\//, '')
      if (unsafePath(path) || entry.path.includes('\\'))
        throw new BundleReadError(file, `unsafe entry path ${JSON.stringify(entry.path)} (absolute or '..')`)
      paths.push(path)
      if (!keep(path) || entry.size > limits.maxEntryBytes || total + entry.size > limits.maxTotalBytes)
        continue
      total += entry.size
      contents.set(path, entry.read())
    }
  } catch (error) {
    if (error instanceof ZipProblem) throw new BundleReadError(file, error.message)
    throw error
  }
  return {paths, contents}
}

const tarContents = async (
  data: Buffer,
  file: string,
  keep: (path: string) => boolean,
  limits: ArchiveLimits,
): Promise<ArchiveContents> => {
  const {Parser} = await import('tar')
  const contents = new Map<string, Buffer>()
  const paths: string[] = []
  let total = 0
  let failure: BundleReadError | undefined
  const fail = (detail: string): void => {
    failure ??= new BundleReadError(file, detail)
  }

  await new Promise<void>((resolve) => {
    const parser = new Parser({
      strict: true,
      onReadEntry: (entry) => {
        const path = entry.path.replace(/^\.\//, '').replace(/\/+$/, '')
        if (entry.type !== 'File' && entry.type !== 'OldFile' && entry.type !== 'ContiguousFile') {
          if (unsafePath(path)) fail(`unsafe entry path ${JSON.stringify(entry.path)} (absolute or '..')`)
          entry.resume()
          return
        }
        if (unsafePath(path)) {
          fail(`unsafe entry path ${JSON.stringify(entry.path)} (absolute or '..')`)
          entry.resume()
          return
        }
        if (paths.length >= limits.maxEntries) {
          fail(`more than ${limits.maxEntries} entries`)
          entry.resume()
          return
        }
        paths.push(path)
        const size = entry.size ?? 0
        if (!keep(path) || size > limits.maxEntryBytes || total + size > limits.maxTotalBytes) {
          entry.resume()
          return
        }
        total += size
        const chunks: Buffer[] = []
        entry.on('data', (chunk: Buffer) => chunks.push(chunk))
        entry.on('end', () => contents.set(path, Buffer.concat(chunks)))
      },
    })
    parser.on('error', (error: unknown) => {
      fail(describeTarProblem(error))
      resolve()
    })
    parser.on('warn', (_code: string, message: unknown) => fail(describeTarProblem(message)))
    parser.on('close', () => resolve())
    parser.on('end', () => resolve())
    try {
      parser.end(data)
    } catch (error) {
      fail(describeTarProblem(error))
      resolve()
    }
  })
  if (failure) throw failure
  return {paths, contents}
}

/** Lists an extracted directory (symlinks are not followed) and reads files lazily. */
export const readDirectoryTree = async (
  dir: string,
  limits: ArchiveLimits = defaultArchiveLimits,
): Promise<BundleFileTree> => {
  const paths: string[] = []
  const walk = async (relative: string): Promise<void> => {
    let entries
    try {
      entries = await readdir(relative === '' ? dir : join(dir, relative), {withFileTypes: true})
    } catch (error) {
      throw new BundleReadError(
        dir,
        `cannot list ${relative || '.'} (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      )
    }
    for (const entry of entries.sort((a, b) => compareText(a.name, b.name))) {
      const child = relative === '' ? entry.name : `${relative}/${entry.name}`
      if (entry.isDirectory()) await walk(child)
      else if (entry.isFile()) {
        if (paths.length >= limits.maxEntries)
          throw new BundleReadError(dir, `more than ${limits.maxEntries} files`)
        paths.push(child)
      }
    }
  }
  await walk('')
  const known = new Set(paths)
  const base = dir.endsWith(sep) || dir.endsWith('/') ? dir.slice(0, -1) : dir
  return {
    container: dir,
    kind: 'directory',
    paths,
    read: async (path) => {
      if (!known.has(path)) return undefined
      const full = join(dir, ...path.split('/'))
      const info = await stat(full)
      if (info.size > limits.maxEntryBytes)
        throw new BundleReadError(full, `file is larger than ${limits.maxEntryBytes} bytes`)
      return decodeText(await readFile(full), full)
    },
    provenance: (path) => `${base}/${path}`,
  }
}
