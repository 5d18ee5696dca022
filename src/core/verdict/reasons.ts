// The one reason catalog: stable PascalCase codes, each with a level, a summary and a fix hint.
// Areas keep their entries in reasons/*.ts; this module joins them and guarantees codes are unique.
import type {ReasonDefinition} from './reason-definition.js'
import {fillCommandTemplate} from './shell-command.js'
import {admissionReasons} from './reasons/admission.js'
import {admissionAfterReasons} from './reasons/admission-after.js'
import {bundleReasons} from './reasons/bundle.js'
import {diffReasons} from './reasons/diff.js'
import {healthReasons} from './reasons/health.js'
import {istioReasons} from './reasons/istio.js'
import {stateReasons} from './reasons/state.js'

export type {ReasonDefinition, ReasonLevel} from './reason-definition.js'

export const reasonCatalog = {
  ...admissionReasons,
  ...admissionAfterReasons,
  ...istioReasons,
  ...stateReasons,
  ...healthReasons,
  ...diffReasons,
  ...bundleReasons,
} as const satisfies Record<string, ReasonDefinition>

export type ReasonCode = keyof typeof reasonCatalog

export const isReasonCode = (code: string): code is ReasonCode => Object.hasOwn(reasonCatalog, code)

export const describeReason = (code: ReasonCode): ReasonDefinition => reasonCatalog[code]

/** Fills `{placeholders}` in a code's hint as shell-safe words; unknown placeholders stay visible so a gap is noticed. */
export const formatHint = (code: ReasonCode, params: Readonly<Record<string, string>>): string =>
  fillCommandTemplate(reasonCatalog[code].hint, params)

/** Area modules that define the same code twice would silently shadow each other; this lists them. */
export const duplicateReasonCodes = (): string[] => {
  const seen = new Map<string, number>()
  for (const area of [
    admissionReasons,
    admissionAfterReasons,
    istioReasons,
    stateReasons,
    healthReasons,
    diffReasons,
    bundleReasons,
  ]) {
    for (const code of Object.keys(area)) seen.set(code, (seen.get(code) ?? 0) + 1)
  }
  return [...seen].filter(([, n]) => n > 1).map(([code]) => code)
}
