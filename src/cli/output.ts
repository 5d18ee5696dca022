// The only module that writes to stdout (data) and the one that writes warnings and errors to stderr.
// A closed pipe (`| head`) ends the write quietly instead of crashing with EPIPE.

let pipeGuarded = false

const guardPipe = (): void => {
  if (pipeGuarded) return
  pipeGuarded = true
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0)
    throw error
  })
}

const withNewline = (text: string): string => (text.endsWith('\n') ? text : `${text}\n`)

/** Writes data (a table, a trail, a JSON/YAML document, or its chunks) to stdout, newline-terminated unless `exact` (-o jsonpath prints its template as is). */
export const writeData = (
  text: string | Iterable<string>,
  options: {readonly exact?: boolean} = {},
): void => {
  guardPipe()
  if (typeof text === 'string') {
    process.stdout.write(options.exact === true ? text : withNewline(text))
    return
  }
  // Chunks go out in ~1 MB writes (stdout is synchronous for files and pipes on Linux), so no whole copy is built.
  let batch: string[] = []
  let size = 0
  let last = ''
  for (const chunk of text) {
    last = chunk
    batch.push(chunk)
    size += chunk.length
    if (size >= 1 << 20) {
      process.stdout.write(batch.join(''))
      batch = []
      size = 0
    }
  }
  process.stdout.write(`${batch.join('')}${last.endsWith('\n') ? '' : '\n'}`)
}

/** `warning: …` on stderr; never mixed into data. */
export const writeWarning = (message: string): void => {
  process.stderr.write(`warning: ${message}\n`)
}

/** `error: …` on stderr, then the next step on its own line. */
export const writeError = (message: string, hint?: string): void => {
  process.stderr.write(`error: ${message}\n`)
  if (hint !== undefined && hint !== '') process.stderr.write(`${hint}\n`)
}

/** `--debug` trace lines (requests, timings) on stderr. */
export const writeDebug = (message: string): void => {
  process.stderr.write(`debug: ${message}\n`)
}

/** Whether stdout is an interactive terminal (decides colour in auto mode). */
export const stdoutIsTerminal = (): boolean => process.stdout.isTTY === true

/** A plain status line on stderr (kubectl's `No resources found in shop namespace.`). */
export const writeNotice = (message: string): void => {
  process.stderr.write(`${message}\n`)
}

export interface WidthConditions {
  readonly isTTY: boolean
  readonly columns: number | undefined
  readonly env: Readonly<Record<string, string | undefined>>
}

/** A terminal's own columns; piped, $COLUMNS when it is a positive whole number; else 100 (stable, reviewable lines). */
export const outputWidth = ({isTTY, columns, env}: WidthConditions): number => {
  if (isTTY && columns !== undefined && columns > 0) return columns
  const fromEnv = /^[1-9]\d{0,4}$/.test(env.COLUMNS ?? '') ? Number(env.COLUMNS) : undefined
  return fromEnv ?? 100
}

/** The width the trail wraps to, for stdout as it is now. */
export const terminalWidth = (): number =>
  outputWidth({isTTY: process.stdout.isTTY === true, columns: process.stdout.columns, env: process.env})
