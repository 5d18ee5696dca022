// Reads support-bundle containers (a .tar.gz/.tgz/.tar in memory, or an extracted directory) as one file tree.
// Guarantees: no entry is written to disk, unsafe entry paths are rejected, sizes are capped, and every
// failure is a BundleReadError whose one-line message names the file.
import {open, readdir, readFile, stat} from 'node:fs/promises'
import {join, sep} from 'node:path'
import {InputFileError} from './kube-errors.js'

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

/** gzip magic, or a ustar header at offset 257: true when the bytes look like an archive we can open. */
export const looksLikeArchive = (head: Buffer): boolean =>
  (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) ||
  (head.length >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar')

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
 * Reads a tar archive (gzip detected from its bytes) into memory. `keep` decides which entries' contents are
 * kept; every regular file's path is listed either way so layouts can be detected from names.
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
  if (!looksLikeArchive(data))
    throw new BundleReadError(file, 'not a .tar.gz/.tgz archive (unrecognized bytes)')

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
  if (paths.length === 0) throw new BundleReadError(file, 'archive holds no files')

  return {
    container: file,
    kind: 'archive',
    paths,
    read: async (path) => contents.get(path)?.toString('utf8'),
    provenance: (path) => `${file}!${path}`,
  }
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
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
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
      return readFile(full, 'utf8')
    },
    provenance: (path) => `${base}/${path}`,
  }
}
