// Renders the reason catalog as the Markdown table the README carries (kept in step by a test).
import {reasonCatalog, type ReasonCode} from '../core/verdict/reasons.js'

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ')

/** One row per code, sorted by code, with level, summary and fix hint. */
export const renderReasonCatalogMarkdown = (): string => {
  const codes = (Object.keys(reasonCatalog) as ReasonCode[]).sort()
  const rows = codes.map((code) => {
    const {level, summary, hint} = reasonCatalog[code]
    return `| \`${code}\` | ${level} | ${cell(summary)} | ${hint === '' ? '' : cell(hint)} |`
  })
  return ['| Code | Level | Summary | Fix hint |', '|---|---|---|---|', ...rows].join('\n')
}
