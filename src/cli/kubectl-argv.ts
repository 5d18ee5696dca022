// kubectl's (pflag's) flag spellings that oclif does not parse: `--flag=false` for booleans and `-v=N` as the log level.
// Pure: rewrites argv before oclif sees it; `--` ends the flags as in pflag.

export interface BooleanFlagNames {
  /** Long names of boolean flags (`debug`, `all-namespaces`). */
  readonly long: ReadonlySet<string>
  /** Short letter → long name of boolean flags (`A` → `all-namespaces`). */
  readonly short: ReadonlyMap<string, string>
}

export type NormalizedArgv =
  | {readonly ok: true; readonly argv: string[]; readonly logLevel?: number}
  | {readonly ok: false; readonly error: string}

// strconv.ParseBool, which pflag's boolean flags use.
const parseBool = (text: string): boolean | undefined => {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false
  return undefined
}

const badBool = (value: string, flag: string): NormalizedArgv => ({
  ok: false,
  error: `invalid argument "${value}" for "${flag}" flag: strconv.ParseBool: parsing "${value}": invalid syntax`,
})

const badLevel = (value: string): NormalizedArgv => ({
  ok: false,
  error: `invalid argument "${value}" for "-v, --v" flag: strconv.ParseInt: parsing "${value}": invalid syntax`,
})

const level = /^\d+$/

/**
 * `--debug=false` drops the flag and `--debug=true` keeps it bare (also `-A=false`); `-v=N`, `--v=N`, `--v N`, `-v N`
 * and `-vN` set kubectl's log level and leave argv. A bare `-v` stays what the command defines (the verbose trail).
 */
export const normalizeKubectlArgv = (argv: readonly string[], booleans: BooleanFlagNames): NormalizedArgv => {
  const out: string[] = []
  let logLevel: number | undefined
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--') {
      out.push(...argv.slice(i))
      break
    }
    const next = argv[i + 1]
    const verbosity = /^(?:-v|--v)(?:=(.*)|(\d+))?$/.exec(arg)
    if (verbosity !== null) {
      const inline = verbosity[1] ?? verbosity[2]
      if (inline !== undefined) {
        if (!level.test(inline)) return badLevel(inline)
        logLevel = Number(inline)
        continue
      }
      if (next !== undefined && level.test(next)) {
        logLevel = Number(next)
        i++
        continue
      }
      if (arg === '--v') return next === undefined ? badLevel('') : badLevel(next)
      out.push(arg)
      continue
    }
    const long = /^--([^=]+)=(.*)$/s.exec(arg)
    if (long !== null && booleans.long.has(long[1]!)) {
      const value = parseBool(long[2]!)
      if (value === undefined) return badBool(long[2]!, `--${long[1]!}`)
      if (value) out.push(`--${long[1]!}`)
      continue
    }
    const short = /^-([A-Za-z])=(.*)$/s.exec(arg)
    if (short !== null && booleans.short.has(short[1]!)) {
      const value = parseBool(short[2]!)
      if (value === undefined) return badBool(short[2]!, `-${short[1]!}`)
      if (value) out.push(`-${short[1]!}`)
      continue
    }
    out.push(arg)
  }
  return logLevel === undefined ? {ok: true, argv: out} : {ok: true, argv: out, logLevel}
}

/** The boolean flags of an oclif flag table. */
export const booleanFlagNames = (
  flags: Readonly<Record<string, {readonly type?: string; readonly char?: string | undefined}>>,
): BooleanFlagNames => {
  const long = new Set<string>()
  const short = new Map<string, string>()
  for (const [name, flag] of Object.entries(flags)) {
    if (flag.type !== 'boolean') continue
    long.add(name)
    if (flag.char !== undefined) short.set(flag.char, name)
  }
  return {long, short}
}
