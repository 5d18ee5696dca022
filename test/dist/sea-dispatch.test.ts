// The single executable runs the bin it is named as (krew's link name, with .exe on Windows), else the one its first
// argument names; package.json's bins decide which names exist and which of them are oclif commands.
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, describe, it} from 'node:test'
import {chooseBin} from '../../scripts/dist/sea-main.js'
import type {SeaBin} from '../../scripts/dist/sea-main.js'
import {binNames, commandOfBin} from '../../scripts/dist/sea-bundle.js'

const check: SeaBin = {command: 'inject-check', load: () => Promise.reject(new Error('not loaded'))}
const diff: SeaBin = {command: 'inject-diff', load: () => Promise.reject(new Error('not loaded'))}
const complete: SeaBin = {run: () => undefined}
const bins = {'kubectl-inject_check': check, 'kubectl-inject_diff': diff, 'kubectl_complete-inject_check': complete}

describe('which bin the executable runs', () => {
  const scenarios: [string, string, string | undefined, SeaBin | undefined, boolean][] = [
    ['the krew link name on Linux and macOS', '/home/u/.krew/bin/kubectl-inject_check', '-A', check, false],
    ['the krew link name on Windows, .exe in any case', 'C:\\krew\\bin\\kubectl-inject_diff.EXE', 'pod/x', diff, false],
    ['a completion helper linked under its name', '/usr/local/bin/kubectl_complete-inject_check', 'x', complete, false],
    ['its own name, the plugin named first', '/opt/kubectl-inject', 'inject-diff', diff, true],
    ['its own name, a bin named first', './kubectl-inject', 'kubectl-inject_check', check, true],
    ['its own name and no plugin: none (usage error)', './kubectl-inject', '-A', undefined, false],
    ['its own name and no argument: none', './kubectl-inject', undefined, undefined, false],
    ['a prototype key is no bin', './constructor', 'toString', undefined, false],
  ]
  for (const [name, argv0, first, bin, shift] of scenarios)
    it(name, () => assert.deepEqual(chooseBin(bins, argv0, first), bin === undefined ? undefined : {bin, shift}))
})

describe("package.json's bins", () => {
  const dir = mkdtempSync(join(tmpdir(), 'sea-bins-'))
  after(() => rmSync(dir, {recursive: true, force: true}))
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({bin: {'kubectl-inject_check': './bin/a', 'kubectl_complete-inject_check': './bin/b', 'kubectl-nope': './bin/c'}}),
  )
  writeFileSync(join(dir, 'oclif.manifest.json'), JSON.stringify({commands: {'inject-check': {}}}))

  it('are every name the executable answers to, in order', () =>
    assert.deepEqual(binNames(dir), ['kubectl-inject_check', 'kubectl_complete-inject_check', 'kubectl-nope']))
  it('a kubectl-<plugin> bin whose command is in the oclif manifest runs that command; others run their script', () =>
    assert.deepEqual(
      binNames(dir).map((b) => commandOfBin(dir, b)),
      ['inject-check', undefined, undefined],
    ))
})
