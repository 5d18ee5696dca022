// What-if label edits (`--namespace-labels a=b,c-`): kubectl label syntax, applied to a copy of the labels.
import type {Labels} from '../snapshot.js'

export interface LabelEdit {
  /** Labels added or overwritten. */
  readonly set: Labels
  /** Keys removed (`key-`). */
  readonly remove: readonly string[]
}

/** Returns the labels after the edit; the input is not modified. */
export const applyLabelEdit = (labels: Labels, edit: LabelEdit | undefined): Labels => {
  if (edit === undefined) return labels
  const result: Record<string, string> = {...labels, ...edit.set}
  for (const key of edit.remove) delete result[key]
  return result
}

/** `k=v` and `k-` for the trail: `istio-injection=enabled, istio.io/rev-`. */
export const formatLabelEdit = (edit: LabelEdit): string =>
  [...Object.entries(edit.set).map(([k, v]) => `${k}=${v}`), ...edit.remove.map((k) => `${k}-`)].join(', ')
