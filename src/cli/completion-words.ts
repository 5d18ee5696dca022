// Reads the words kubectl hands a completion executable (cobra's __complete protocol: the last word is the one being
// completed, possibly "") against the command's flag definitions from oclif.manifest.json. Pure: no I/O.

/** One flag as oclif.manifest.json describes it (the fields completion reads). */
export interface ManifestFlag {
  readonly name: string
  readonly char?: string
  readonly type: 'boolean' | 'option'
  readonly options?: readonly string[]
  readonly multiple?: boolean
  readonly hidden?: boolean
  readonly summary?: string
  readonly description?: string
}

export type ManifestFlags = Readonly<Record<string, ManifestFlag>>

/** What the last word asks for. */
export type CompletionRequest =
  | {readonly kind: 'flag-names'; readonly prefix: string}
  /** `--flag=` forms carry what precedes the value in `head` (cobra candidates must repeat it). */
  | {readonly kind: 'flag-value'; readonly flag: ManifestFlag; readonly prefix: string; readonly head: string}
  | {readonly kind: 'argument'; readonly position: number; readonly prefix: string}

export interface TypedWords {
  /** Flag name → the values typed so far (`true` for booleans). */
  readonly flags: ReadonlyMap<string, readonly string[]>
  /** Positional arguments before the last word. */
  readonly args: readonly string[]
  readonly request: CompletionRequest
}

interface Parse {
  readonly flags: Map<string, string[]>
  readonly args: string[]
  /** A value flag waiting for its value (the next word). */
  pending: ManifestFlag | undefined
  afterDashes: boolean
}

const lookup = (flags: ManifestFlags, word: string): ManifestFlag | undefined => {
  if (word.startsWith('--')) return flags[word.slice(2)]
  return Object.values(flags).find((flag) => flag.char !== undefined && flag.char === word.slice(1))
}

const record = (state: Parse, flag: ManifestFlag, value: string): void => {
  state.flags.set(flag.name, [...(state.flags.get(flag.name) ?? []), value])
}

// `-Av`, `-nshop`, `-n=shop`: booleans chain until a value flag takes the rest of the word.
const readShortCluster = (state: Parse, flags: ManifestFlags, word: string): void => {
  for (let i = 1; i < word.length; i++) {
    const flag = lookup(flags, `-${word[i]}`)
    if (flag === undefined) return
    if (flag.type === 'boolean') {
      record(state, flag, 'true')
      continue
    }
    const rest = word.slice(i + 1).replace(/^=/, '')
    if (rest === '') state.pending = flag
    else record(state, flag, rest)
    return
  }
}

const readWord = (state: Parse, flags: ManifestFlags, word: string): void => {
  if (state.pending !== undefined) {
    record(state, state.pending, word)
    state.pending = undefined
  } else if (state.afterDashes || !word.startsWith('-') || word === '-') state.args.push(word)
  else if (word === '--') state.afterDashes = true
  else if (word.startsWith('--')) {
    const eq = word.indexOf('=')
    const flag = lookup(flags, eq < 0 ? word : word.slice(0, eq))
    if (flag === undefined) return
    if (eq >= 0) record(state, flag, word.slice(eq + 1))
    else if (flag.type === 'boolean') record(state, flag, 'true')
    else state.pending = flag
  } else readShortCluster(state, flags, word)
}

const requestFor = (state: Parse, flags: ManifestFlags, last: string): CompletionRequest => {
  if (state.pending !== undefined) return {kind: 'flag-value', flag: state.pending, prefix: last, head: ''}
  if (!state.afterDashes && last.startsWith('--') && last.includes('=')) {
    const eq = last.indexOf('=')
    const flag = flags[last.slice(2, eq)]
    if (flag !== undefined && flag.type === 'option')
      return {kind: 'flag-value', flag, prefix: last.slice(eq + 1), head: last.slice(0, eq + 1)}
  }
  if (!state.afterDashes && last.startsWith('-')) return {kind: 'flag-names', prefix: last}
  return {kind: 'argument', position: state.args.length, prefix: last}
}

/** Splits `words` (as kubectl passes them: everything after the plugin name) into flags, arguments and the request. */
export const readTypedWords = (flags: ManifestFlags, words: readonly string[]): TypedWords => {
  const state: Parse = {flags: new Map(), args: [], pending: undefined, afterDashes: false}
  for (const word of words.slice(0, -1)) readWord(state, flags, word)
  const request = requestFor(state, flags, words.at(-1) ?? '')
  return {flags: state.flags, args: state.args, request}
}

/** Flag-name candidates (`--name<TAB>summary`): unset or repeatable visible flags, short forms when `-` or `-x` is typed. */
export const flagNameCandidates = (
  flags: ManifestFlags,
  typed: ReadonlyMap<string, readonly string[]>,
  prefix: string,
): string[] => {
  const out: string[] = []
  for (const flag of Object.values(flags)) {
    if (flag.hidden === true || (typed.has(flag.name) && flag.multiple !== true)) continue
    const help = oneLine(flag.summary ?? flag.description ?? '')
    const forms = [
      `--${flag.name}`,
      ...(flag.char !== undefined && !prefix.startsWith('--') ? [`-${flag.char}`] : []),
    ]
    for (const form of forms) if (form.startsWith(prefix)) out.push(help === '' ? form : `${form}\t${help}`)
  }
  return out
}

// A description's first sentence on one line, at most ~70 characters: tabs and newlines would break the protocol.
const oneLine = (text: string): string => {
  const flat = text.replace(/\s+/g, ' ').trim()
  const end = flat.search(/\.(\s|$)| \(/)
  const sentence = end < 0 ? flat : flat.slice(0, end)
  if (sentence.length <= 70) return sentence
  return `${sentence.slice(0, sentence.lastIndexOf(' ', 70))}…`
}
