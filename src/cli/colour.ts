// Decides whether terminal output is coloured: --color always|never wins, auto follows NO_COLOR, TERM and the TTY.
export type ColourMode = 'auto' | 'always' | 'never'

export interface ColourEnvironment {
  readonly env: Readonly<Record<string, string | undefined>>
  readonly isTTY: boolean
}

/** https://no-color.org: a present, non-empty NO_COLOR disables colour unless the user asked for it explicitly. */
export const resolveColour = (mode: ColourMode, {env, isTTY}: ColourEnvironment): boolean => {
  if (mode === 'always') return true
  if (mode === 'never') return false
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false
  if (env.TERM === 'dumb') return false
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true
  return isTTY
}
