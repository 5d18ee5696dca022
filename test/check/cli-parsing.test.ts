import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {explainFailure, validateKubeFlags} from '../../src/cli/base-command.js'
import {planCheck, parseLabelEdit} from '../../src/cli/check-plan.js'
import {resolveColour} from '../../src/cli/colour.js'
import {ExitCode, UsageFailure} from '../../src/cli/exit-codes.js'
import {outputWidth} from '../../src/cli/output.js'
import {shouldSpin} from '../../src/cli/spinner.js'
import {parseTargetArgs} from '../../src/cli/target-args.js'
import {InputFileError, UnreachableError} from '../../src/cluster/kube-errors.js'

const ctx = {namespace: 'shop', allNamespaces: false}

describe('target arguments', () => {
  const accepted = [
    {name: 'a bare word is a pod', args: ['web-0'], target: {kind: 'pod', namespace: 'shop', name: 'web-0'}},
    {name: 'pod/NAME', args: ['pod/web-0'], target: {kind: 'pod', namespace: 'shop', name: 'web-0'}},
    {name: 'pods/NAME', args: ['pods/web-0'], target: {kind: 'pod', namespace: 'shop', name: 'web-0'}},
    {
      name: 'deploy/NAME',
      args: ['deploy/web'],
      target: {kind: 'workload', workloadKind: 'Deployment', namespace: 'shop', name: 'web'},
    },
    {
      name: 'deployments/NAME',
      args: ['deployments/web'],
      target: {kind: 'workload', workloadKind: 'Deployment', namespace: 'shop', name: 'web'},
    },
    {
      name: 'TYPE NAME as two words',
      args: ['deployment', 'web'],
      target: {kind: 'workload', workloadKind: 'Deployment', namespace: 'shop', name: 'web'},
    },
    {
      name: 'sts/NAME',
      args: ['sts/db'],
      target: {kind: 'workload', workloadKind: 'StatefulSet', namespace: 'shop', name: 'db'},
    },
    {
      name: 'ds/NAME',
      args: ['ds/agent'],
      target: {kind: 'workload', workloadKind: 'DaemonSet', namespace: 'shop', name: 'agent'},
    },
    {
      name: 'rs/NAME',
      args: ['rs/web-7c9d'],
      target: {kind: 'workload', workloadKind: 'ReplicaSet', namespace: 'shop', name: 'web-7c9d'},
    },
    {
      name: 'job/NAME',
      args: ['job/migrate'],
      target: {kind: 'workload', workloadKind: 'Job', namespace: 'shop', name: 'migrate'},
    },
    {
      name: 'cj/NAME',
      args: ['cj/nightly'],
      target: {kind: 'workload', workloadKind: 'CronJob', namespace: 'shop', name: 'nightly'},
    },
    {
      name: 'cronjob/NAME',
      args: ['cronjob/nightly'],
      target: {kind: 'workload', workloadKind: 'CronJob', namespace: 'shop', name: 'nightly'},
    },
    {name: 'ns/NAME', args: ['ns/payments'], target: {kind: 'namespace', name: 'payments'}},
    {name: 'namespace/NAME', args: ['namespace/payments'], target: {kind: 'namespace', name: 'payments'}},
    {name: 'no argument sweeps the namespace', args: [], target: {kind: 'sweep', namespace: 'shop'}},
    {name: 'pods alone sweeps too', args: ['pods'], target: {kind: 'sweep', namespace: 'shop'}},
    {name: 'po alone sweeps too', args: ['po'], target: {kind: 'sweep', namespace: 'shop'}},
    ...(
      [
        ['deployments', 'Deployment'],
        ['deployment', 'Deployment'],
        ['deploy', 'Deployment'],
        ['statefulsets', 'StatefulSet'],
        ['sts', 'StatefulSet'],
        ['daemonsets', 'DaemonSet'],
        ['ds', 'DaemonSet'],
        ['replicasets', 'ReplicaSet'],
        ['rs', 'ReplicaSet'],
        ['jobs', 'Job'],
        ['cronjobs', 'CronJob'],
        ['cj', 'CronJob'],
        ['deployments.apps', 'Deployment'],
      ] as const
    ).map(([word, listKind]) => ({
      name: `${word} alone lists every ${listKind} of the namespace`,
      args: [word],
      target: {kind: 'list', listKind, namespace: 'shop'},
    })),
    {
      name: 'namespaces alone lists every namespace (-n does not scope them)',
      args: ['namespaces'],
      target: {kind: 'list', listKind: 'Namespace', namespace: null},
    },
    {
      name: 'ns alone lists every namespace',
      args: ['ns'],
      target: {kind: 'list', listKind: 'Namespace', namespace: null},
    },
  ] as const
  for (const c of accepted) {
    it(c.name, () => assert.deepEqual(parseTargetArgs(c.args, ctx), {ok: true, target: c.target}))
  }
  it("a TYPE alone with -A and -l lists the kind in every namespace, selected by the objects' labels", () => {
    assert.deepEqual(
      parseTargetArgs(['deploy'], {namespace: 'shop', allNamespaces: true, selector: 'tier=web'}),
      {
        ok: true,
        target: {kind: 'list', listKind: 'Deployment', namespace: null, labelSelector: 'tier=web'},
      },
    )
  })
  it('-A sweeps every namespace with the selector', () => {
    assert.deepEqual(parseTargetArgs([], {namespace: 'shop', allNamespaces: true, selector: 'app=web'}), {
      ok: true,
      target: {kind: 'sweep', namespace: null, labelSelector: 'app=web'},
    })
  })

  const rejected = [
    {name: 'unknown resource type', args: ['svc/web'], error: /doesn't have a resource type "svc"/},
    {name: 'empty name after the slash', args: ['deploy/'], error: /single resource and name/},
    {name: 'a name that is not a DNS subdomain', args: ['pod/Web_0'], error: /invalid resource name/},
    {name: 'three arguments', args: ['a', 'b', 'c'], error: /at most one target/},
  ]
  for (const c of rejected) {
    it(`rejects ${c.name}`, () => {
      const result = parseTargetArgs(c.args, ctx)
      assert.equal(result.ok, false)
      if (!result.ok) assert.match(result.error, c.error)
    })
  }
  it('rejects -A with a named pod, naming the flag', () => {
    const result = parseTargetArgs(['web-0'], {namespace: 'shop', allNamespaces: true})
    assert.ok(!result.ok && /-A\/--all-namespaces/.test(result.error))
  })
  it('rejects -l with a named target, naming the flag', () => {
    const result = parseTargetArgs(['deploy/web'], {
      namespace: 'shop',
      allNamespaces: false,
      selector: 'app=web',
    })
    assert.ok(!result.ok && /-l\/--selector/.test(result.error))
  })
})

describe('inject-check plan', () => {
  it('compiles what-if labels, fail-on and the format', () => {
    const result = planCheck(
      {
        'namespace-labels': 'istio.io/rev=canary,istio-injection-',
        'fail-on': ['drift,unknown', 'drift'],
        output: 'wide',
      },
      ['deploy/web'],
      false,
    )
    assert.deepEqual(result, {
      ok: true,
      plan: {
        format: 'wide',
        fromPaths: [],
        manifestPaths: [],
        targetArgs: ['deploy/web'],
        namespaceLabels: {set: {'istio.io/rev': 'canary'}, remove: ['istio-injection']},
        failOn: ['drift', 'unknown'],
      },
    })
  })
  it('--json forces the json document', () => {
    const result = planCheck({}, [], true)
    assert.ok(result.ok && result.plan.format === 'json')
  })
  const rejected = [
    {
      name: '-f with a target',
      flags: {filename: ['app.yaml']},
      args: ['web'],
      error: /-f\/--filename cannot be combined with a target/,
    },
    {
      name: '-f with -A',
      flags: {filename: ['app.yaml'], 'all-namespaces': true},
      args: [],
      error: /-A\/--all-namespaces/,
    },
    {
      name: 'unknown --fail-on condition',
      flags: {'fail-on': ['skip']},
      args: [],
      error: /--fail-on: unknown condition "skip"/,
    },
    {
      name: 'a bad label value',
      flags: {'pod-labels': 'app=bad value'},
      args: [],
      error: /--pod-labels: invalid value/,
    },
    {
      name: 'a term without = or -',
      flags: {'namespace-labels': 'enabled'},
      args: [],
      error: /neither key=value nor key-/,
    },
  ]
  for (const c of rejected) {
    it(`rejects ${c.name}`, () => {
      const result = planCheck(c.flags, c.args, false)
      assert.ok(!result.ok, 'rejected')
      if (!result.ok) assert.match(result.error, c.error)
    })
  }
  it('label edits keep empty values (a label set to "")', () => {
    assert.deepEqual(parseLabelEdit('--pod-labels', 'a=,b=c'), {edit: {set: {a: '', b: 'c'}, remove: []}})
  })
})

describe('kubectl flag combinations', () => {
  const cases = [
    {
      name: '--from with --token',
      flags: {from: ['dump/'], token: 'secret'},
      json: false,
      error: /--from reads files only; --token does not apply/,
    },
    {
      name: '--server without a scheme',
      flags: {server: '10.0.0.1:6443'},
      json: false,
      error: /invalid --server/,
    },
    {
      name: '--from with --kubeconfig',
      flags: {from: ['dump/'], kubeconfig: '/k'},
      json: false,
      error: /--from reads files only; --kubeconfig/,
    },
    {
      name: '--from with --context',
      flags: {from: ['dump/'], context: 'prod'},
      json: false,
      error: /--context/,
    },
    {name: '--json with -o yaml', flags: {output: 'yaml'}, json: true, error: /--json and -o\/--output=yaml/},
  ]
  for (const c of cases)
    it(`rejects ${c.name}`, () => assert.match(validateKubeFlags(c.flags, c.json) ?? '', c.error))
  it('accepts --json with -o json and plain live flags', () => {
    assert.equal(validateKubeFlags({output: 'json'}, true), undefined)
    assert.equal(validateKubeFlags({namespace: 'a', kubeconfig: '/k', context: 'c'}, false), undefined)
  })
  it('accepts -n with -A (kubectl: -A wins, -n is ignored)', () => {
    assert.equal(validateKubeFlags({namespace: 'a', 'all-namespaces': true}, false), undefined)
  })
})

describe('failures become one line and an exit code', () => {
  const cases = [
    {name: 'usage failure', error: new UsageFailure('bad'), exit: ExitCode.Usage},
    {
      name: 'oclif parse error (exit 2) becomes 64',
      error: Object.assign(new Error('Nonexistent flag: --bogus\nSee more help with --help'), {
        oclif: {exit: 2},
      }),
      exit: ExitCode.Usage,
    },
    {
      name: 'unreadable input file',
      error: new InputFileError('dump.yaml', 'no such file or directory'),
      exit: ExitCode.InputFile,
    },
    {
      name: 'cluster unreachable',
      error: new UnreachableError('https://127.0.0.1:1', 'connect ECONNREFUSED', 'ECONNREFUSED'),
      exit: ExitCode.ClusterUnreachable,
    },
    {name: 'a bug', error: new TypeError('x is undefined'), exit: ExitCode.Unexpected},
  ]
  for (const c of cases) {
    it(c.name, () => {
      const explained = explainFailure(c.error, 'inject-check')
      assert.equal(explained.exit, c.exit)
      assert.ok(!explained.message.includes('\n'), 'one line')
      assert.ok(!explained.message.includes('See more help'), 'oclif help hint replaced')
    })
  }
})

describe('colour and spinner decisions', () => {
  const colour = [
    {name: 'auto on a TTY', mode: 'auto', env: {}, tty: true, want: true},
    {name: 'auto when piped', mode: 'auto', env: {}, tty: false, want: false},
    {name: 'NO_COLOR on a TTY', mode: 'auto', env: {NO_COLOR: '1'}, tty: true, want: false},
    {name: 'empty NO_COLOR is ignored', mode: 'auto', env: {NO_COLOR: ''}, tty: true, want: true},
    {name: 'TERM=dumb', mode: 'auto', env: {TERM: 'dumb'}, tty: true, want: false},
    {name: '--color always beats NO_COLOR', mode: 'always', env: {NO_COLOR: '1'}, tty: false, want: true},
    {name: '--color never on a TTY', mode: 'never', env: {}, tty: true, want: false},
  ] as const
  for (const c of colour)
    it(c.name, () => assert.equal(resolveColour(c.mode, {env: c.env, isTTY: c.tty}), c.want))

  const spin = [
    {
      name: 'interactive terminal',
      machineOutput: false,
      env: {},
      stderrIsTTY: true,
      stderrColumns: 120,
      want: true,
    },
    {
      name: '0-column TTY (ora would hang)',
      machineOutput: false,
      env: {},
      stderrIsTTY: true,
      stderrColumns: 0,
      want: false,
    },
    {name: 'CI', machineOutput: false, env: {CI: 'true'}, stderrIsTTY: true, stderrColumns: 120, want: false},
    {name: '-o json', machineOutput: true, env: {}, stderrIsTTY: true, stderrColumns: 120, want: false},
    {name: 'stderr piped', machineOutput: false, env: {}, stderrIsTTY: false, stderrColumns: 0, want: false},
    {
      name: 'NO_COLOR',
      machineOutput: false,
      env: {NO_COLOR: '1'},
      stderrIsTTY: true,
      stderrColumns: 120,
      want: false,
    },
    {
      name: 'empty NO_COLOR is ignored',
      machineOutput: false,
      env: {NO_COLOR: ''},
      stderrIsTTY: true,
      stderrColumns: 120,
      want: true,
    },
  ]
  for (const c of spin) it(`spinner: ${c.name}`, () => assert.equal(shouldSpin(c), c.want))

  const width = [
    {name: 'a terminal uses its own columns', isTTY: true, columns: 132, env: {COLUMNS: '60'}, want: 132},
    {name: 'piped honours COLUMNS', isTTY: false, columns: undefined, env: {COLUMNS: '60'}, want: 60},
    {name: 'piped without COLUMNS is 100', isTTY: false, columns: undefined, env: {}, want: 100},
    {
      name: 'piped with a nonsense COLUMNS is 100',
      isTTY: false,
      columns: undefined,
      env: {COLUMNS: 'wide'},
      want: 100,
    },
    {name: 'piped with COLUMNS=0 is 100', isTTY: false, columns: undefined, env: {COLUMNS: '0'}, want: 100},
    {
      name: 'a 0-column terminal falls back to COLUMNS',
      isTTY: true,
      columns: 0,
      env: {COLUMNS: '80'},
      want: 80,
    },
  ]
  for (const c of width) it(`width: ${c.name}`, () => assert.equal(outputWidth(c), c.want))
})
