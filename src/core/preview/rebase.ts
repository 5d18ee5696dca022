// Carries the changes between two normalised dry-run results over to the pod as the user wrote it, so the patch
// inject-diff prints applies to the input itself (not to an API-server-defaulted copy of it).
import {itemIdentity, jsonEqual} from './json-patch.js'

type Json = Record<string, unknown>

const isObject = (value: unknown): value is Json =>
  value !== null && typeof value === 'object' && !Array.isArray(value)

const rebaseArray = (
  base: readonly unknown[],
  changed: readonly unknown[],
  target: readonly unknown[],
): unknown[] => {
  const baseIds = base.map(itemIdentity)
  const changedIds = changed.map(itemIdentity)
  const removed = new Set(baseIds.filter((id) => !changedIds.includes(id)))
  const result: unknown[] = target.filter((item) => !removed.has(itemIdentity(item)))
  const idsOf = (): string[] => result.map(itemIdentity)
  // Items in both: their own changes, recursively, on the target's copy.
  for (const [index, id] of changedIds.entries()) {
    const at = idsOf().indexOf(id)
    const from = baseIds.indexOf(id)
    if (at >= 0 && from >= 0) result[at] = rebase(base[from], changed[index], result[at])
  }
  // Added items land before the next item the result already has (istio-init goes first), else at the end.
  for (const [index, id] of changedIds.entries()) {
    if (baseIds.includes(id) || idsOf().includes(id)) continue
    const next = changedIds.slice(index + 1).find((later) => idsOf().includes(later))
    const at = next === undefined ? result.length : idsOf().indexOf(next)
    result.splice(at, 0, structuredClone(changed[index]))
  }
  return result
}

const emptyLike = (value: unknown): unknown => (Array.isArray(value) ? [] : isObject(value) ? {} : undefined)

/** `target` with every change from `base` to `changed` applied (keys, array items by name, scalars). */
export const rebase = (base: unknown, changed: unknown, target: unknown): unknown => {
  if (jsonEqual(base, changed)) return structuredClone(target)
  if (isObject(base) && isObject(changed) && isObject(target)) {
    const out: Json = structuredClone(target)
    for (const key of Object.keys(base)) if (!Object.hasOwn(changed, key)) delete out[key]
    for (const [key, value] of Object.entries(changed)) {
      // Added: where the target already has the field (a stored pod's volumes), only the additions; its own items stay.
      if (!Object.hasOwn(base, key))
        out[key] = Object.hasOwn(target, key)
          ? rebase(emptyLike(value), value, target[key])
          : structuredClone(value)
      // A field the input left out (defaulted, or added by admission) that changed: only the change, from empty.
      else if (!Object.hasOwn(target, key)) {
        if (jsonEqual(base[key], value)) continue
        const empty = Array.isArray(value) ? [] : isObject(value) ? {} : undefined
        out[key] = empty === undefined ? structuredClone(value) : rebase(base[key], value, empty)
      } else out[key] = rebase(base[key], value, target[key])
    }
    return out
  }
  if (Array.isArray(base) && Array.isArray(changed) && Array.isArray(target))
    return rebaseArray(base, changed, target)
  return structuredClone(changed)
}
