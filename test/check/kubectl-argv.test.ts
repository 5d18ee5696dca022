import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {booleanFlagNames, normalizeKubectlArgv} from '../../src/cli/kubectl-argv.js'

const booleans = booleanFlagNames({
  debug: {type: 'boolean'},
  'all-namespaces': {type: 'boolean', char: 'A'},
  verbose: {type: 'boolean', char: 'v'},
  namespace: {type: 'option', char: 'n'},
})

describe('kubectl (pflag) spellings oclif does not parse', () => {
  const scenarios: {name: string; argv: string[]; expect: string[]; logLevel?: number}[] = [
    {name: '--flag=false drops the flag', argv: ['--debug=false', 'web'], expect: ['web']},
    {name: '--flag=true keeps it bare', argv: ['--debug=true'], expect: ['--debug']},
    {
      name: 'ParseBool spellings: 0 and T',
      argv: ['--debug=0', '--all-namespaces=T'],
      expect: ['--all-namespaces'],
    },
    {name: 'a short boolean takes =false', argv: ['-A=false', '-n', 'shop'], expect: ['-n', 'shop']},
    {name: 'a string flag with = is left to oclif', argv: ['--namespace=shop'], expect: ['--namespace=shop']},
    {name: '-v=6 is the log level', argv: ['-v=6', 'pods'], expect: ['pods'], logLevel: 6},
    {name: '--v=8 is the log level', argv: ['--v=8'], expect: [], logLevel: 8},
    {name: '-v 6 (separate word) is the log level, not a target', argv: ['-v', '6'], expect: [], logLevel: 6},
    {name: '--v 4', argv: ['--v', '4', 'web'], expect: ['web'], logLevel: 4},
    {name: '-v7 (attached)', argv: ['-v7'], expect: [], logLevel: 7},
    {name: 'a bare -v stays the verbose trail', argv: ['-v', 'web'], expect: ['-v', 'web']},
    {
      name: 'after -- nothing is rewritten',
      argv: ['--', '--debug=false', '-v=6'],
      expect: ['--', '--debug=false', '-v=6'],
    },
  ]
  for (const s of scenarios) {
    it(s.name, () => {
      const result = normalizeKubectlArgv(s.argv, booleans)
      assert.ok(result.ok)
      assert.deepEqual(result.argv, s.expect)
      assert.equal(result.logLevel, s.logLevel)
    })
  }

  const refused: {name: string; argv: string[]; error: RegExp}[] = [
    {
      name: 'a boolean with a word that is no bool',
      argv: ['--debug=maybe'],
      error: /invalid argument "maybe" for "--debug" flag/,
    },
    {
      name: 'a log level that is no number',
      argv: ['-v=high'],
      error: /invalid argument "high" for "-v, --v" flag/,
    },
    {name: '--v without a level', argv: ['--v'], error: /for "-v, --v" flag/},
  ]
  for (const s of refused) {
    it(`refuses ${s.name}`, () => {
      const result = normalizeKubectlArgv(s.argv, booleans)
      assert.equal(result.ok, false)
      assert.match(result.ok ? '' : result.error, s.error)
    })
  }
})
