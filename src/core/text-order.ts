// Ordering of names in output. kubectl and istioctl sort by Go's string comparison (bytes), so output order must not follow
// the user's locale: String#localeCompare does (LANG=da_DK orders "aa" after "z"), and its first call costs ~8 ms of ICU
// collator set-up on every run.

/** Code-unit order: Go's byte order for the ASCII names Kubernetes allows, the same in every locale. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
