// The pure parts of fleet runs: which contexts a run covers, the exit code precedence, the concurrency bound and the
// bundle's folder names.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {globMatcher, planFleet, selectContexts} from '../../src/cli/fleet-plan.js'
import {fleetExitCode, runBounded} from '../../src/cli/fleet-run.js'
import {contextFolders} from '../../src/cluster/fleet-bundle.js'

const none = {from: false, watch: false, stdinManifest: false, clusterOverrides: []}
const available = ['prod-eu', 'prod-us', 'staging', 'arn:aws:eks:eu-west-1:1:cluster/prod']

describe('which contexts a run covers', () => {
  const cases: {name: string; flags: Parameters<typeof planFleet>[0]; contexts: string[] | 'single'}[] = [
    {name: 'no fleet flag: the single-context run', flags: {}, contexts: 'single'},
    {name: 'one --context: the single-context run', flags: {context: ['staging']}, contexts: 'single'},
    {
      name: 'repeated --context: those, in the order given',
      flags: {context: ['staging', 'prod-eu', 'staging']},
      contexts: ['staging', 'prod-eu'],
    },
    {
      name: '--all-contexts: every context, sorted',
      flags: {'all-contexts': true},
      contexts: ['arn:aws:eks:eu-west-1:1:cluster/prod', 'prod-eu', 'prod-us', 'staging'],
    },
    {
      name: 'a selector alone filters every context',
      flags: {'context-selector': 'prod-*'},
      contexts: ['prod-eu', 'prod-us'],
    },
    {
      name: 'a selector filters the named contexts',
      flags: {context: ['staging', 'prod-us'], 'context-selector': 'prod-??'},
      contexts: ['prod-us'],
    },
    {
      name: 'a glob spans / and : (EKS ARNs)',
      flags: {'context-selector': 'arn:*/prod'},
      contexts: ['arn:aws:eks:eu-west-1:1:cluster/prod'],
    },
  ]
  for (const c of cases)
    it(c.name, () => {
      const planned = planFleet(c.flags, none)
      assert.ok(!('error' in planned))
      if (c.contexts === 'single') return assert.equal(planned.fleet, undefined)
      assert.ok(planned.fleet !== undefined)
      assert.equal(planned.fleet.maxParallel, 8)
      const selected = selectContexts(planned.fleet, available)
      assert.deepEqual('contexts' in selected ? selected.contexts : selected.error, c.contexts)
    })

  it('refuses what cannot apply to every context, naming the flag', () => {
    const refused: [Parameters<typeof planFleet>[0], Partial<Parameters<typeof planFleet>[1]>, RegExp][] = [
      [{'all-contexts': true, context: ['a']}, {}, /drop --context/],
      [{'all-contexts': true}, {from: true}, /--from reads a fleet bundle/],
      [{context: ['a', 'b']}, {watch: true}, /-w\/--watch follows one context/],
      [{'all-contexts': true}, {stdinManifest: true}, /stdin/],
      [{'all-contexts': true}, {clusterOverrides: ['token']}, /--token would apply to every context/],
      [{'max-parallel': 4}, {}, /--max-parallel applies to several contexts/],
      [{'all-contexts': true, 'max-parallel': 0}, {}, /at least 1/],
    ]
    for (const [flags, conflicts, message] of refused) {
      const planned = planFleet(flags, {...none, ...conflicts})
      assert.ok('error' in planned, JSON.stringify(flags))
      assert.match(planned.error, message)
    }
  })

  it('unknown names and empty selections are errors that list the contexts', () => {
    const unknown = selectContexts({named: ['prod-eu', 'nope'], all: false, maxParallel: 8}, available)
    assert.match('error' in unknown ? unknown.error : '', /context "nope" not found .*available: arn/)
    const empty = selectContexts({named: [], all: true, selector: 'dev-*', maxParallel: 8}, available)
    assert.match('error' in empty ? empty.error : '', /"dev-\*" matches none of the 4 contexts/)
  })

  it('globs: *, ?, classes and negated classes match whole names; regex characters are literal', () => {
    assert.ok(globMatcher('prod-[eu]?')('prod-eu'))
    assert.ok(!globMatcher('prod-[!e]*')('prod-eu'))
    assert.ok(globMatcher('prod-[!e]*')('prod-us'))
    assert.ok(!globMatcher('prod')('prod-eu'))
    assert.ok(globMatcher('a.b+(c)')('a.b+(c)'))
    assert.ok(!globMatcher('a.b')('axb'))
  })
})

describe('the exit code of a fleet run', () => {
  const cases: {name: string; exits: number[]; failOn: boolean; code: number}[] = [
    {name: 'all read, no gate: 0', exits: [], failOn: false, code: 0},
    {name: 'all read, gate matched: 79', exits: [], failOn: true, code: 79},
    {name: 'an unreachable context beats the gate: 69', exits: [69], failOn: true, code: 69},
    {name: 'refused credentials beat unreachable: 77', exits: [69, 77, 69], failOn: false, code: 77},
    {name: 'another failure (target not found) keeps its code: 66', exits: [66], failOn: true, code: 66},
    {name: 'unreachable beats target not found: 69', exits: [66, 69], failOn: false, code: 69},
  ]
  for (const c of cases)
    it(c.name, () =>
      assert.equal(
        fleetExitCode(
          c.exits.map((exit) => ({exit})),
          c.failOn,
        ),
        c.code,
      ),
    )
})

describe('runBounded', () => {
  it('never has more than the limit in flight and keeps the order of the items', async () => {
    let inFlight = 0
    let peak = 0
    const results = await runBounded([5, 1, 4, 2, 3, 0, 6], 3, async (n) => {
      inFlight++
      peak = Math.max(peak, inFlight)
      await new Promise((resolve) => setTimeout(resolve, n * 3))
      inFlight--
      return n * 10
    })
    assert.equal(peak, 3)
    assert.deepEqual(results, [50, 10, 40, 20, 30, 0, 60])
  })
})

describe('fleet bundle folders', () => {
  it('are path-safe and unique, whatever the context names hold', () => {
    assert.deepEqual(contextFolders(['arn:aws:eks:eu-west-1:1:cluster/prod', 'a/b', 'a:b', '..', 'kind-x']), [
      'arn_aws_eks_eu-west-1_1_cluster_prod',
      'a_b',
      'a_b-2',
      '_',
      'kind-x',
    ])
  })
})
