// Terminal-safe text: colour as a parameter (never read from the environment) and escaping of
// control characters that cluster-provided strings (hostile labels, annotations) could smuggle in.

export interface Palette {
  readonly green: (text: string) => string
  readonly red: (text: string) => string
  readonly yellow: (text: string) => string
  readonly cyan: (text: string) => string
  readonly dim: (text: string) => string
  readonly bold: (text: string) => string
}

const sgr = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`
const plain = (text: string): string => text

export const createPalette = (colour: boolean): Palette =>
  colour
    ? {
        green: sgr(32, 39),
        red: sgr(31, 39),
        yellow: sgr(33, 39),
        cyan: sgr(36, 39),
        dim: sgr(2, 22),
        bold: sgr(1, 22),
      }
    : {green: plain, red: plain, yellow: plain, cyan: plain, dim: plain, bold: plain}

// C0 (except none), DEL, C1, and the bidi controls that can reorder what a terminal shows (Trojan Source).
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const unsafe = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g

/** Replaces control characters with visible escapes (`\x1b`, `\n`, `\u202e`), so a value prints as one inert line. */
export const sanitizeTerminalText = (text: string): string =>
  text.replace(unsafe, (ch) => {
    if (ch === '\n') return '\\n'
    if (ch === '\t') return '\\t'
    if (ch === '\r') return '\\r'
    const code = ch.charCodeAt(0)
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : `\\u${code.toString(16).padStart(4, '0')}`
  })
