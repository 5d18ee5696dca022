// kubectl's --request-timeout syntax, apart from the transport so flag validation loads no network modules.
import {FlagValueError} from './kube-errors.js'

/** kubectl has no default; we bound every request so a hung server never hangs the tool. */
export const defaultRequestTimeout = '30s'

const units: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
}

/** Parses kubectl's --request-timeout (`0` = none, `10` = seconds, `1m30s`, `500ms`) into milliseconds; 0 means no timeout. */
// client-go: tools/clientcmd/client_config.go ParseTimeout
export function parseRequestTimeout(text: string): number {
  const trimmed = text.trim()
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000
  const parts = [...trimmed.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g)]
  if (parts.length > 0 && parts.map((match) => match[0]).join('') === trimmed) {
    return Math.round(parts.reduce((sum, match) => sum + Number(match[1]) * units[match[2]!]!, 0))
  }
  throw new FlagValueError(
    `invalid --request-timeout "${text}": use a whole number of seconds or a number with a unit (e.g. 1s, 2m, 3h; 0 = no timeout)`,
  )
}
