// The command line a demanding user types: repeatable flags next to targets, kubectl's TYPE.GROUP forms, -f with -l,
// --fail-on reports, --collect refusing to overwrite, error wording, and help examples that run against the demo.
import assert from 'node:assert/strict'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {check} from '../support/harness.js'

const demo = ['--from', 'examples/demo-cluster']
const firstLine = (text: string): string => text.split('\n')[0] ?? ''

let work = ''
before(async () => {
  work = await mkdtemp(join(tmpdir(), 'cli-'))
})
after(async () => {
  await rm(work, {recursive: true, force: true})
})

describe('repeatable flags leave the target to the argument', () => {
  const forms = [
    {
      name: '--fail-on VALUE before the target',
      args: ['--fail-on', 'reject', 'deploy/fraud-check', '-n', 'payments'],
    },
    {
      name: '--fail-on=VALUE before the target',
      args: ['--fail-on=reject', 'deploy/fraud-check', '-n', 'payments'],
    },
    {name: 'a comma list', args: ['--fail-on', 'drift,reject', 'deploy/fraud-check', '-n', 'payments']},
    {
      name: 'the flag repeated',
      args: ['--fail-on', 'drift', '--fail-on', 'reject', 'deploy/fraud-check', '-n', 'payments'],
    },
  ]
  for (const form of forms) {
    it(form.name, async () => {
      const r = await check([...form.args, ...demo])
      assert.equal(r.code, 79, r.stderr)
      assert.match(firstLine(r.stdout), /^deployment\/fraud-check -n payments: /)
      assert.match(
        r.stderr,
        /^--fail-on matched 1 target:\n {2}deployment\/fraud-check -n payments: reject \(\w+\)$/m,
      )
    })
  }
  it('--from DIR before the target', async () => {
    const r = await check(['--from', 'examples/demo-cluster', 'deploy/web', '-n', 'shop'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(firstLine(r.stdout), /^deployment\/web -n shop: /)
  })
  it('-f twice judges both files', async () => {
    const r = await check([
      '-f',
      'examples/manifests/annotation-opt-in-pod.yaml',
      '-f',
      'examples/manifests/payments-revision-pod.yaml',
      ...demo,
    ])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /audit-exporter/)
    assert.match(r.stdout, /settlement/)
  })
  it('an unknown condition in a comma list is still a usage error naming it', async () => {
    const r = await check(['--fail-on', 'drift,skip', '-n', 'shop', ...demo])
    assert.equal(r.code, 64)
    assert.match(r.stderr, /^error: --fail-on: unknown condition "skip"/)
  })
})

describe('--fail-on says what matched', () => {
  it('one line per matching target, capped with "and N more"', async () => {
    const r = await check(['-A', '--fail-on', 'not-injected', ...demo])
    assert.equal(r.code, 79)
    const lines = r.stderr.trimEnd().split('\n')
    const count = Number(/^--fail-on matched (\d+) targets:$/.exec(lines[0] ?? '')?.[1])
    assert.ok(count > 10, r.stderr)
    assert.equal(lines.filter((l) => /^ {2}\S+\/\S+ -n \S+: not-injected \(/.test(l)).length, 10)
    assert.equal(lines.at(-1), `  and ${count - 10} more`)
  })
  it('nothing on stderr when nothing matched', async () => {
    const r = await check(['deploy/web', '-n', 'shop', '--fail-on', 'reject', ...demo])
    assert.equal(r.code, 0)
    assert.equal(r.stderr, '')
  })
})

describe('target forms', () => {
  const accepted = [
    ['deployments.apps/web', /^deployment\/web -n shop: /],
    ['deployment.apps/web', /^deployment\/web -n shop: /],
    ['deployments.v1.apps/web', /^deployment\/web -n shop: /],
  ] as const
  for (const [target, first] of accepted) {
    it(`accepts ${target}`, async () => {
      const r = await check([target, '-n', 'shop', ...demo])
      assert.equal(r.code, 0, r.stderr)
      assert.match(firstLine(r.stdout), first)
    })
  }
  it("rejects a group that is not the kind's own (deployments.batch/web)", async () => {
    const r = await check(['deployments.batch/web', '-n', 'shop', ...demo])
    assert.equal(r.code, 64)
    assert.match(r.stderr, /resource type "deployments\.batch"/)
  })
  it('a TYPE alone lists every object of the kind with its template verdict, as kubectl get TYPE', async () => {
    const r = await check(['deployments', '-n', 'shop', ...demo])
    assert.equal(r.code, 0, r.stderr)
    const rows = r.stdout.split('\n').filter((l) => /\sDeployment\s/.test(l))
    assert.deepEqual(
      rows.map((l) => l.split(/\s+/)[0]),
      ['cart', 'frontend', 'migrations', 'web'],
    )
    assert.match(r.stdout, /^web\s+Deployment\s+no\s+yes\s+default\s+NeedsRestart$/m)
    assert.match(r.stdout, /^4 deployments: /m)
  })
  it('a TYPE alone with nothing of that kind says so as kubectl does', async () => {
    const r = await check(['statefulsets', '-n', 'shop', ...demo])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout, '')
    assert.match(r.stderr, /No resources found in shop namespace\./)
  })
  it('-f with -l keeps the manifests whose pod labels match', async () => {
    const all = await check(['-f', 'examples/manifests', ...demo])
    const one = await check(['-f', 'examples/manifests', '-l', 'app=audit-exporter', ...demo])
    assert.equal(one.code, 0, one.stderr)
    assert.match(firstLine(one.stdout), /^pod\/audit-exporter -n legacy/)
    assert.doesNotMatch(one.stdout, /settlement/)
    assert.match(all.stdout, /settlement/)
  })
})

describe('help', () => {
  it('lists --debug and -v/--verbose, and the what-if example names a revision the demo has', async () => {
    const r = await check(['--help'])
    assert.equal(r.code, 0)
    assert.match(r.stdout, /--debug\s+Print each API request/)
    assert.match(r.stdout, /-v, --verbose/)
    assert.match(r.stdout, /istio\.io\/rev=prod,istio-injection-/)
    assert.doesNotMatch(r.stdout, /canary/)
  })
  const examples = [
    ['web-7c9d8f6b5-mmtn9', '-n', 'shop'],
    ['deploy/web', '-n', 'shop'],
    ['ns/shop'],
    ['-A', '-o', 'wide'],
    ['deploy/web', '-n', 'shop', '--namespace-labels', 'istio.io/rev=prod,istio-injection-'],
    ['-A', '--health'],
  ]
  for (const args of examples) {
    it(`the example "${args.join(' ')}" runs against the demo`, async () => {
      const r = await check([...args, ...demo])
      assert.equal(r.code, 0, r.stderr)
      assert.ok(r.stdout.length > 0)
    })
  }
})

describe("errors are said once, with the user's own flags", () => {
  it('KUBECONFIG naming a missing file says so', async () => {
    const r = await check(['-A'], {KUBECONFIG: join(work, 'missing-kubeconfig')})
    assert.equal(r.code, 64)
    assert.match(
      r.stderr,
      /^error: KUBECONFIG is set to .*missing-kubeconfig, and that file does not exist$/m,
    )
  })
  it('--json -o yaml: the error once, as JSON on stdout', async () => {
    const r = await check(['--json', '-o', 'yaml', '-A', ...demo])
    assert.equal(r.code, 64)
    assert.equal(r.stderr, '')
    const doc = JSON.parse(r.stdout) as {error: {message: string}}
    assert.match(doc.error.message, /--json and -o\/--output=yaml cannot be used together/)
  })
  it('an unreachable server: the hint carries --kubeconfig and --context', async () => {
    const kubeconfig = join(work, 'unreachable.yaml')
    await writeFile(
      kubeconfig,
      'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: ctx, context: {cluster: c, user: u}}]\ncurrent-context: ctx\n',
    )
    const r = await check(['-A', '--kubeconfig', kubeconfig, '--context', 'ctx', '--request-timeout', '2s'])
    assert.equal(r.code, 69)
    assert.ok(
      r.stderr.includes(`\`kubectl --kubeconfig ${kubeconfig} --context ctx cluster-info\``),
      r.stderr,
    )
  })
  it('--collect refuses to overwrite an existing file, in one line', async () => {
    const existing = join(work, 'existing.tar.gz')
    await writeFile(existing, 'keep me')
    const r = await check(['-n', 'shop', '--collect', existing])
    assert.equal(r.code, 64)
    assert.match(r.stderr, /^error: .*existing\.tar\.gz already exists; pass --overwrite to replace it/)
    assert.equal(r.stdout, '')
  })
  it('--overwrite without --collect is a usage error', async () => {
    const r = await check(['-n', 'shop', '--overwrite', ...demo])
    assert.equal(r.code, 64)
    assert.match(r.stderr, /--overwrite only applies to --collect/)
  })
})
