// inject-diff's flags compiled into a plan without I/O: every refused combination names the flags, in one line.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {planDiff} from '../../src/cli/diff-plan.js'
import type {DiffFlags} from '../../src/cli/diff-plan.js'
import {diffFleetExit} from '../../src/cli/diff-fleet.js'

const base: DiffFlags = {output: 'diff', max: 20}

describe('planDiff', () => {
  const refused: {name: string; flags: Partial<DiffFlags>; args?: string[]; json?: boolean; error: RegExp}[] =
    [
      {
        name: '--json with -o patch',
        flags: {output: 'patch'},
        args: ['web'],
        json: true,
        error: /--json and -o patch/,
      },
      {
        name: '--observed with -f',
        flags: {observed: true, filename: ['a.yaml']},
        error: /-f manifests have no running pod/,
      },
      {name: '--observed with --revision', flags: {observed: true, revision: '1-28'}, error: /use one/},
      {
        name: '--from without --observed',
        flags: {from: ['dump/']},
        args: ['web'],
        error: /--from works only with --observed/,
      },
      {
        name: '-f and a TARGET',
        flags: {filename: ['a.yaml']},
        args: ['web'],
        error: /either -f manifests or a TARGET/,
      },
      {name: 'no target', flags: {}, error: /needs a target: POD, TYPE\/NAME .*--max 20/},
      {name: '-A alone', flags: {'all-namespaces': true}, error: /-A alone would dry-run every pod/},
      {name: 'a bare pods type', flags: {}, args: ['pods'], error: /needs a target/},
      {name: 'a namespace', flags: {}, args: ['ns/shop'], error: /inject-diff previews pods/},
      {
        name: 'a bare workload type (a list)',
        flags: {},
        args: ['deployments'],
        error: /inject-diff previews pods/,
      },
      {
        name: '--observed on a workload',
        flags: {observed: true},
        args: ['deploy/web'],
        error: /--observed takes pods/,
      },
      {
        name: '-f - over several contexts (stdin is read once)',
        flags: {filename: ['-'], 'all-contexts': true},
        error: /-f - \(stdin\) cannot be read once per context/,
      },
      {
        name: '--observed --from over several contexts',
        flags: {observed: true, from: ['dump/'], context: ['a', 'b']},
        args: ['web'],
        error: /--from reads a fleet bundle/,
      },
      {
        name: '-o yaml over several contexts',
        flags: {output: 'yaml', context: ['a', 'b']},
        args: ['deploy/web'],
        error: /-o yaml is for one context/,
      },
      {
        name: '--token for every context',
        flags: {token: 't', 'all-contexts': true},
        args: ['deploy/web'],
        error: /--token would apply to every context/,
      },
      {
        name: 'an unknown type, worded for inject-diff',
        flags: {},
        args: ['svc/web'],
        error: /inject-diff understands/,
      },
    ]
  for (const c of refused)
    it(`refuses ${c.name}`, () => {
      const result = planDiff({...base, ...c.flags}, c.args ?? [], c.json ?? false)
      assert.equal(result.ok, false)
      if (!result.ok) assert.match(result.error, c.error)
    })

  it('a workload target plans a live preview with the flags carried over', () => {
    assert.deepEqual(
      planDiff({...base, output: 'patch', raw: true, revision: 'prod'}, ['deploy/web'], false),
      {
        ok: true,
        plan: {
          format: 'patch',
          json: false,
          fromPaths: [],
          manifestPaths: [],
          recursive: false,
          targetArgs: ['deploy/web'],
          observed: false,
          raw: true,
          revision: 'prod',
          max: 20,
        },
      },
    )
  })
  it('several contexts plan a fleet; one --context does not', () => {
    const fleet = planDiff({...base, context: ['a', 'b', 'a'], 'max-parallel': 2}, ['deploy/web'], true)
    assert.deepEqual(fleet.ok ? fleet.plan.fleet : fleet.error, {
      named: ['a', 'b'],
      all: false,
      maxParallel: 2,
    })
    const single = planDiff({...base, context: ['a']}, ['deploy/web'], false)
    assert.equal(single.ok ? single.plan.fleet : single.error, undefined)
  })
  it('-l, --observed without a target and -f - are previews', () => {
    assert.ok(planDiff({...base, selector: 'app=web'}, [], false).ok)
    assert.ok(planDiff({...base, observed: true, 'all-namespaces': true}, [], false).ok)
    assert.ok(planDiff({...base, filename: ['-']}, [], false).ok)
  })
})

describe('inject-diff connects through inject-check’s connection code', () => {
  it('KUBECONFIG naming a missing file says so, with the same words and exit code as inject-check', async () => {
    const {runDiff} = await import('./diff-cluster.js')
    const result = await runDiff(['deploy/web', '-n', 'shop'], {
      env: {KUBECONFIG: '/nonexistent/kubeconfig-for-inject-diff'},
    })
    assert.equal(result.code, 64, result.stderr)
    assert.match(
      result.stderr,
      /KUBECONFIG is set to \/nonexistent\/kubeconfig-for-inject-diff, and that file does/,
    )
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace')
  })
})

describe('the exit code of a preview over several contexts', () => {
  const cases: {name: string; failures: number[]; previews: number[]; exit: number}[] = [
    {name: 'every context the same', failures: [], previews: [0, 0], exit: 0},
    {name: 'one context differs', failures: [], previews: [0, 1], exit: 1},
    {name: 'a preview failed in one context, another differs', failures: [], previews: [1, 2, 0], exit: 2},
    {name: 'a context without the target beats a failed preview', failures: [66], previews: [2], exit: 66},
    {name: 'unreachable beats a missing target', failures: [66, 69], previews: [1], exit: 69},
    {name: 'refused credentials beat everything', failures: [69, 77, 70], previews: [2], exit: 77},
    {name: 'an unexpected failure (70) beats the previews', failures: [70], previews: [1], exit: 70},
  ]
  for (const c of cases)
    it(c.name, () =>
      assert.equal(
        diffFleetExit(
          c.failures.map((exit) => ({exit})),
          c.previews,
        ),
        c.exit,
      ),
    )
})
