// The jsondiffpatch delta of a pod diff, arrays matched by name so changes read "added container istio-proxy".
import type {Delta} from 'jsondiffpatch'
import {itemIdentity} from './json-patch.js'

export type PodDiffer = (before: unknown, after: unknown) => Delta

/** Loads jsondiffpatch on first use (it is only needed when a human diff is printed). */
export const loadPodDiffer = async (): Promise<PodDiffer> => {
  const {create} = await import('jsondiffpatch')
  const differ = create({
    objectHash: (item: object) => itemIdentity(item),
    arrays: {detectMove: true, includeValueOnMove: false},
    cloneDiffValues: false,
  })
  return (before, after) => differ.diff(before, after)
}
