// How the completers read the words kubectl hands them (pflag spellings), against the real inject-check flags.
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {describe, it} from 'node:test'
import {flagNameCandidates, readTypedWords} from '../../src/cli/completion-words.js'
import type {ManifestFlags} from '../../src/cli/completion-words.js'

const manifest = JSON.parse(readFileSync(new URL('../../oclif.manifest.json', import.meta.url), 'utf8')) as {
  commands: Record<string, {flags: ManifestFlags}>
}
const flags = manifest.commands['inject-check']!.flags

describe('the words typed so far', () => {
  const scenarios: {
    name: string
    words: string[]
    flags: Record<string, string[]>
    args: string[]
    request: string
  }[] = [
    {
      name: 'a value flag waits for its value',
      words: ['-n', 'sh'],
      flags: {},
      args: [],
      request: 'flag-value:namespace:sh',
    },
    {
      name: 'attached short value',
      words: ['-nshop', ''],
      flags: {namespace: ['shop']},
      args: [],
      request: 'argument:0:',
    },
    {
      name: 'short value after =',
      words: ['-n=shop', 'd'],
      flags: {namespace: ['shop']},
      args: [],
      request: 'argument:0:d',
    },
    {
      name: 'chained booleans, then a value flag taking the next word',
      words: ['-Avn', 'shop', ''],
      flags: {'all-namespaces': ['true'], verbose: ['true'], namespace: ['shop']},
      args: [],
      request: 'argument:0:',
    },
    {
      name: 'long --flag=value and a repeated flag',
      words: ['--context=a', '--fail-on', 'drift', '--fail-on=stale', 'deploy', 'w'],
      flags: {context: ['a'], 'fail-on': ['drift', 'stale']},
      args: ['deploy'],
      request: 'argument:1:w',
    },
    {
      name: '--flag= form completes the value',
      words: ['--output=ya'],
      flags: {},
      args: [],
      request: 'flag-value:output:ya',
    },
    {
      name: 'after --, a dash word is an argument',
      words: ['--', '-x'],
      flags: {},
      args: [],
      request: 'argument:0:-x',
    },
    {
      name: 'an unknown flag is skipped',
      words: ['--nope', 'pods', '--'],
      flags: {},
      args: ['pods'],
      request: 'flag-names:--',
    },
  ]
  for (const s of scenarios) {
    it(s.name, () => {
      const typed = readTypedWords(flags, s.words)
      assert.deepEqual(Object.fromEntries(typed.flags), s.flags)
      assert.deepEqual(typed.args, s.args)
      const r = typed.request
      const described =
        r.kind === 'flag-value'
          ? `flag-value:${r.flag.name}:${r.prefix}`
          : r.kind === 'argument'
            ? `argument:${r.position}:${r.prefix}`
            : `flag-names:${r.prefix}`
      assert.equal(described, s.request)
    })
  }

  it('flag help is one line without tabs, cut at the first sentence', () => {
    for (const line of flagNameCandidates(flags, new Map(), '-')) {
      const [, help] = line.split('\t')
      assert.ok(help === undefined || (!/[\t\n]/.test(help) && help.length <= 71), line)
    }
  })
})
