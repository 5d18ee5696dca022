// The one diff engine of inject-diff: a jsondiffpatch delta (arrays matched by name, so changes read "added container
// istio-proxy"), rendered as the human diff and, through jsondiffpatch's JSON-Patch formatter, as -o patch.
import {create} from 'jsondiffpatch'
import type {Delta} from 'jsondiffpatch'
import {format} from 'jsondiffpatch/formatters/jsonpatch'
import {itemIdentity} from './json-patch.js'
import type {PatchOperation} from './json-patch.js'

const differ = create({
  objectHash: (item: object) => itemIdentity(item),
  arrays: {detectMove: true, includeValueOnMove: false},
  cloneDiffValues: false,
})

/** The delta between two pods (undefined when they are equal). */
export const podDelta = (before: unknown, after: unknown): Delta => differ.diff(before, after)

/** The delta as an RFC 6902 JSON Patch (add, remove, replace, move) that turns `before` into `after`. */
export const patchOfDelta = (delta: Delta): PatchOperation[] => (delta === undefined ? [] : format(delta))
