// RFC 6902 patches from the diff's jsondiffpatch delta, applied by the double's independent applier, reproduce the target.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {applyJsonPatch as applyIndependently} from '../apiserver-double/json-patch.js'
import type {PatchOperation} from '../apiserver-double/json-patch.js'
import {applyJsonPatch} from '../../src/core/preview/json-patch.js'
import {patchOfDelta, podDelta} from '../../src/core/preview/delta.js'
import {podFromTemplate, podTemplateHash} from '../../src/core/preview/pod-builder.js'

const app = {name: 'app', image: 'nginx'}
const proxy = {name: 'istio-proxy', image: 'proxyv2'}

describe('JSON Patch from the delta round trips', () => {
  const scenarios: {name: string; before: unknown; after: unknown; ops?: number}[] = [
    {
      name: 'an appended container is one add',
      before: {spec: {containers: [app]}},
      after: {spec: {containers: [app, proxy]}},
      ops: 1,
    },
    {
      name: 'a prepended init container is one add',
      before: {spec: {initContainers: [app]}},
      after: {spec: {initContainers: [proxy, app]}},
      ops: 1,
    },
    {
      name: 'annotation keys with slashes and tildes are escaped',
      before: {metadata: {}},
      after: {metadata: {annotations: {'sidecar.istio.io/status': '{}', 'a~b': 'x'}}},
    },
    {
      name: 'a removed and a changed item by name',
      before: {c: [app, proxy, {name: 'x', v: 1}]},
      after: {c: [{name: 'x', v: 2}, app]},
    },
    {
      name: 'scalars and type changes replace',
      before: {a: 1, b: [1, 2], c: {d: 1}},
      after: {a: 'one', b: {x: 1}, c: null},
    },
    {name: 'equal documents give an empty patch', before: {a: [1, {b: 2}]}, after: {a: [1, {b: 2}]}, ops: 0},
    {
      name: 'reordered, changed, added and removed items by name',
      before: {c: [{name: 'a'}, {name: 'b'}, {name: 'c'}]},
      after: {c: [{name: 'c', x: 1}, {name: 'd'}, {name: 'a'}]},
    },
    {name: 'reordered scalars', before: {c: [1, 2, 3, 4, 5]}, after: {c: [5, 1, 9, 3, 2]}},
  ]
  for (const scenario of scenarios) {
    it(scenario.name, () => {
      const patch = patchOfDelta(podDelta(scenario.before, scenario.after))
      if (scenario.ops !== undefined) assert.equal(patch.length, scenario.ops)
      assert.deepEqual(applyIndependently(scenario.before, patch as PatchOperation[]), scenario.after)
      assert.deepEqual(applyJsonPatch(scenario.before, patch), scenario.after)
    })
  }
})

describe('pod building', () => {
  it('a Deployment template becomes <name>-<hash>- with the pod-template-hash label, deterministic per template', () => {
    const template = {metadata: {labels: {app: 'web'}}, spec: {containers: [app]}}
    const pod = podFromTemplate('Deployment', 'web', 'shop', template) as {
      metadata: {generateName: string; labels: Record<string, string>}
    }
    const hash = podTemplateHash(template)
    assert.match(hash, /^[bcdfghjklmnpqrstvwxz2456789]+$/)
    assert.equal(pod.metadata.generateName, `web-${hash}-`)
    assert.equal(pod.metadata.labels['pod-template-hash'], hash)
    assert.notEqual(podTemplateHash({...template, spec: {containers: [proxy]}}), hash)
  })
})
