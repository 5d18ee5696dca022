// Fix commands are pasted into shells against production: every value that comes from the cluster or an input file is
// one POSIX shell word (quoted when needed), and a value that would start a word with `-` (an option) never stands in.

/** Stands where a value could not be made safe; composeFixes drops a command holding it, a shell refuses `<…>`. */
export const unsafeValue = '<unsafe-value>'

/** False for a command in which a value could not be made safe: such a command is never shown. */
export const isSafeCommand = (command: string): boolean => !command.includes(unsafeValue)

// Characters that are plain data in every POSIX shell word position (no globs, quotes, separators, expansions).
const plainWord = /^[A-Za-z0-9_@%+=:,./-]+$/

/** `value` as one POSIX shell word: unchanged when plain, else single-quoted (`'` written as `'\''`). */
export const shellQuote = (value: string): string =>
  plainWord.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`

/** Trusted text a command template keeps verbatim (a fixed flag list, a JSON patch the tool built is NOT trusted). */
export interface ShellRaw {
  readonly raw: string
}

export const rawShell = (text: string): ShellRaw => ({raw: text})

export type ShellValue = string | number | readonly string[] | ShellRaw

const isRaw = (value: ShellValue): value is ShellRaw => typeof value === 'object' && 'raw' in value

// A value starting a shell word with `-` would be read as an option (`kubectl delete pod --all`): never emitted.
const startsWord = (before: string): boolean => before === '' || /\s$/.test(before)

const quoteOne = (value: string, atWordStart: boolean): string =>
  atWordStart && (value.startsWith('-') || value === '') ? unsafeValue : shellQuote(value)

const quoteValue = (value: ShellValue, atWordStart: boolean): string => {
  if (isRaw(value)) return value.raw
  if (typeof value === 'number') return String(value)
  if (typeof value === 'string') return quoteOne(value, atWordStart)
  return value.map((v, i) => quoteOne(v, atWordStart || i > 0)).join(' ')
}

/**
 * Tagged template for commands: `` sh`kubectl delete pod ${name} -n ${namespace}` `` quotes each value as one word;
 * arrays become several words; `rawShell(…)` is kept verbatim.
 */
export const sh = (strings: TemplateStringsArray, ...values: readonly ShellValue[]): string => {
  let out = strings[0] ?? ''
  values.forEach((value, i) => {
    out += quoteValue(value, startsWord(out)) + (strings[i + 1] ?? '')
  })
  return out
}

type QuoteState = 'none' | 'single' | 'double'

const nextQuoteState = (state: QuoteState, char: string): QuoteState => {
  if (state === 'none') return char === "'" ? 'single' : char === '"' ? 'double' : 'none'
  if (state === 'single') return char === "'" ? 'none' : 'single'
  return char === '"' ? 'none' : 'double'
}

/**
 * Fills `{placeholders}` of a catalog hint as shell words: outside quotes a value is quoted like `sh`; inside a quoted
 * part of the template only digits are filled (anything else could close the quote). Unfilled placeholders stay
 * visible, so composeFixes drops the command.
 */
export const fillCommandTemplate = (template: string, params: Readonly<Record<string, string>>): string => {
  let out = ''
  let state: QuoteState = 'none'
  for (let i = 0; i < template.length; i++) {
    const placeholder = /^\{(\w+)\}/.exec(template.slice(i))
    if (placeholder !== null) {
      const key = placeholder[1] ?? ''
      const value = params[key]
      const filled =
        value === undefined
          ? placeholder[0]
          : state === 'none'
            ? quoteOne(value, startsWord(out))
            : /^\d+$/.test(value)
              ? value
              : placeholder[0]
      out += filled
      i += placeholder[0].length - 1
      continue
    }
    const char = template[i] ?? ''
    state = nextQuoteState(state, char)
    out += char
  }
  return out
}

/** The user's --kubeconfig/--context (or a fleet run's context): a fix must act on the cluster that was checked. */
export interface ClusterFlags {
  readonly kubeconfig?: string | undefined
  readonly context?: string | undefined
  /** Impersonation (--as, --as-group): a suggested `kubectl auth can-i` must ask about the identity that was checked. */
  readonly as?: string | undefined
  readonly asGroups?: readonly string[] | undefined
}

/** The flags that name the cluster and identity, as shell words. */
export const clusterFlagWords = (flags: ClusterFlags): string[] => [
  ...(flags.kubeconfig === undefined ? [] : [`--kubeconfig ${shellQuote(flags.kubeconfig)}`]),
  ...(flags.context === undefined ? [] : [`--context ${shellQuote(flags.context)}`]),
  ...(flags.as === undefined ? [] : [`--as ${shellQuote(flags.as)}`]),
  ...(flags.asGroups ?? []).map((group) => `--as-group ${shellQuote(group)}`),
]

// `kubectl`/`istioctl` where a command starts: text start, after a separator, a backtick, or a colon of a prose lead-in.
const invocation = /(^|[\s;|&(`:])(kubectl|istioctl)(\s+(?:inject-check|inject-diff)\b)?(?=\s)/g

/** Adds the cluster flags to every kubectl/istioctl invocation in a command or hint (after a plugin's name). */
export const withClusterFlags = (text: string, flags: ClusterFlags): string => {
  const words = clusterFlagWords(flags)
  if (words.length === 0) return text
  return text.replace(
    invocation,
    (whole, lead: string, tool: string, plugin: string | undefined, at: number) => {
      const rest = text.slice(at + whole.length).split(/[;|&`]/)[0] ?? ''
      if (/--kubeconfig|--context|--as\b/.test(rest)) return whole
      return `${lead}${tool}${plugin ?? ''} ${words.join(' ')}`
    },
  )
}
