// Shape of one entry in the reason catalog. Hints may hold `{placeholders}` filled by formatHint.

export type ReasonLevel = 'Info' | 'Warning' | 'Error'

export interface ReasonDefinition {
  readonly level: ReasonLevel
  /** One line, no trailing period: what happened. */
  readonly summary: string
  /** The next step, usually an exact command, with `{namespace}`, `{name}`, `{revision}`… placeholders. */
  readonly hint: string
}
