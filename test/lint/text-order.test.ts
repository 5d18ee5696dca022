// Output order does not follow the locale: compareText is Go's byte order for Kubernetes names, and the lint rule keeps
// String#localeCompare (locale-dependent, ~8 ms of ICU set-up on its first call) out of src/ and commands/.
import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {fileURLToPath} from 'node:url'
import {ESLint} from 'eslint'
import {compareText} from '../../src/core/text-order.js'

const repo = fileURLToPath(new URL('../../', import.meta.url))

describe('compareText', () => {
  const scenarios: readonly {name: string; input: string[]; sorted: string[]}[] = [
    {name: 'hyphen before digits before letters', input: ['ab', 'a1', 'a-b'], sorted: ['a-b', 'a1', 'ab']},
    {
      name: 'upper case before lower case (kinds)',
      input: ['job', 'Pod', 'Deployment'],
      sorted: ['Deployment', 'Pod', 'job'],
    },
    {
      name: 'a prefix first',
      input: ['istio-system-2', 'istio-system'],
      sorted: ['istio-system', 'istio-system-2'],
    },
    {name: '"aa" before "z" whatever the locale', input: ['z', 'aa'], sorted: ['aa', 'z']},
  ]
  for (const {name, input, sorted} of scenarios) {
    it(name, () => assert.deepEqual([...input].sort(compareText), sorted))
  }

  it('differs from a locale collation that kubectl never applies (Danish sorts "aa" after "z")', () => {
    const danish = new Intl.Collator('da')
    assert.deepEqual(['z', 'aa'].sort(danish.compare), ['z', 'aa'])
    assert.deepEqual(['z', 'aa'].sort(compareText), ['aa', 'z'])
  })

  it('agrees with Go: byte order of the UTF-8 encodings for ASCII names', () => {
    const names = ['web-0', 'web-10', 'web-2', 'Web', 'w.eb', 'w_eb', 'default', '1-28', 'canary']
    const bytes = [...names].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
    assert.deepEqual([...names].sort(compareText), bytes)
  })
})

describe('the localeCompare lint rule', () => {
  const eslint = new ESLint({cwd: repo})
  const flagged = async (file: string): Promise<boolean> => {
    const [result] = await eslint.lintText("export const order = 'a'.localeCompare('b')\n", {
      filePath: `${repo}${file}`,
    })
    return (result?.messages ?? []).some((m) => m.ruleId === 'no-restricted-properties')
  }
  for (const file of ['src/core/order-probe.ts', 'src/render/order-probe.ts', 'commands/order-probe.ts']) {
    it(`flags localeCompare in ${file}`, async () => assert.equal(await flagged(file), true))
  }
  it('leaves tests alone', async () => assert.equal(await flagged('test/lint/order-probe.ts'), false))
})
