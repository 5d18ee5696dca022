// inject-check as users run it: the built plugin entry in a subprocess (needs `npm run build`), from fixtures.
// Through real kubectl plugin discovery: test/cli/kubectl-plugin.test.ts.
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {describe, it} from 'node:test'
import {parse as parseYaml} from 'yaml'
import {assertFreshBuild, checkBin} from '../cli/built-cli.js'
import {fixturePath} from './cluster-fixtures.js'
import {schemaChecked} from '../schemas/validate-output.js'

interface Run {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

const run = (
  file: string,
  args: readonly string[],
  env: Record<string, string | undefined> = {},
  input?: string,
): Promise<Run> =>
  new Promise((resolve) => {
    const child = execFile(
      file,
      args,
      {
        env: {
          ...process.env,
          NO_COLOR: undefined,
          FORCE_COLOR: undefined,
          COLUMNS: undefined,
          CI: '1',
          ...env,
        },
        timeout: 30_000,
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1
        resolve({code, stdout, stderr})
      },
    )
    if (input !== undefined) child.stdin?.end(input)
  })

const check = (
  args: readonly string[],
  env: Record<string, string | undefined> = {},
  input?: string,
): Promise<Run> => {
  assertFreshBuild()
  return run(process.execPath, [checkBin, ...args], env, input).then(schemaChecked)
}

const from = (install: string, cluster: string): string[] => [
  '--from',
  fixturePath(`istio/${install}.yaml`),
  '--from',
  fixturePath(`clusters/${cluster}.yaml`),
]
const shop = from('default-1.28', 'created-before-label')

const noStack = (r: Run): void => assert.ok(!/\n\s+at /.test(r.stderr), `no stack trace:\n${r.stderr}`)

describe('inject-check from files', () => {
  it('one Deployment: trail on stdout, nothing on stderr, exit 0', async () => {
    const r = await check(['deploy/web', '-n', 'shop', ...shop])
    assert.equal(r.code, 0, r.stderr)
    assert.match(
      r.stdout,
      /^deployment\/web -n shop: a pod created now would be injected by revision default/,
    )
    assert.match(r.stdout, /kubectl rollout restart deployment\/web -n shop/)
    assert.equal(r.stderr, '')
  })

  it('-o json is the InjectionReport, and --json prints the same document', async () => {
    const a = await check(['-A', '-o', 'json', ...shop])
    const b = await check(['-A', '--json', ...shop])
    assert.equal(a.code, 0, a.stderr)
    assert.equal(b.code, 0, b.stderr)
    const doc = JSON.parse(a.stdout) as {
      apiVersion: string
      kind: string
      items: {name: string; reason: string; findings: {code: string}[]}[]
    }
    assert.equal(doc.apiVersion, 'inject.kubectl.io/v1alpha1')
    assert.equal(doc.kind, 'InjectionReport')
    assert.deepEqual(JSON.parse(b.stdout), doc)
    const web = doc.items.find((i) => i.name === 'web-7c9d8f6b5-mmtn9')
    assert.ok(web?.findings.some((f) => f.code === 'NeedsRestart'))
  })

  it('-o yaml parses to the same document as -o json', async () => {
    const [y, j] = await Promise.all([
      check(['-n', 'shop', '-o', 'yaml', ...shop]),
      check(['-n', 'shop', '-o', 'json', ...shop]),
    ])
    assert.deepEqual(parseYaml(y.stdout, {version: '1.1'}), JSON.parse(j.stdout))
  })

  it('a sweep prints the table and the summary line', async () => {
    const r = await check(['-n', 'shop', ...shop])
    assert.equal(r.code, 0)
    // One namespace: no NAMESPACE column, as kubectl get -n shop.
    assert.match(r.stdout, /^NAME {2,}KIND {3}INJECTED {3}WOULD-INJECT {3}REVISION {3}REASON\n/)
    assert.match(r.stdout, /\n3 pods: 1 injected, 2 need restart\n$/)
  })

  it('piped, the trail wraps to COLUMNS when it is set, else to 100 columns', async () => {
    const target = ['deploy/web', '-n', 'shop', ...shop]
    const [narrow, plain] = await Promise.all([
      check(target, {COLUMNS: '60'}),
      check(target, {COLUMNS: undefined}),
    ])
    // The decision trail's check lines are the wrapped ones (the header names the target in full).
    const longestCheckLine = (text: string): number =>
      Math.max(
        ...text
          .split('\n')
          .filter((line) => /^ {2}[✔✘?ℹ!] | {11}\S/u.test(line))
          .map((line) => [...line].length),
      )
    assert.equal(narrow.code, 0, narrow.stderr)
    assert.ok(longestCheckLine(narrow.stdout) <= 60, narrow.stdout)
    assert.ok(longestCheckLine(plain.stdout) > 60 && longestCheckLine(plain.stdout) <= 100, plain.stdout)
  })

  it('-A prints the NAMESPACE column, as kubectl get -A', async () => {
    const r = await check(['-A', ...shop])
    assert.equal(r.code, 0)
    assert.match(r.stdout, /^NAMESPACE {3,}NAME {2,}KIND {3}INJECTED {3}WOULD-INJECT {3}REVISION {3}REASON\n/)
  })

  it('an empty namespace says so on stderr, like kubectl', async () => {
    const r = await check(['-n', 'nothing-here', ...shop])
    assert.equal(r.code, 0)
    assert.equal(r.stdout, '')
    assert.equal(r.stderr, 'No resources found in nothing-here namespace.\n')
  })

  it('NO_COLOR and pipes get no ANSI; --color always does', async () => {
    const plain = await check(['deploy/web', '-n', 'shop', ...shop], {NO_COLOR: '1'})
    const forced = await check(['deploy/web', '-n', 'shop', '--color', 'always', ...shop], {NO_COLOR: '1'})
    assert.ok(!plain.stdout.includes('\u001b'))
    assert.ok(forced.stdout.includes('\u001b['))
  })

  it('-f manifests are judged as if applied now (stdin)', async () => {
    const manifest = `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: new-api}\nspec:\n  selector: {matchLabels: {app: new-api}}\n  template:\n    metadata: {labels: {app: new-api, sidecar.istio.io/inject: "false"}}\n    spec: {containers: [{name: app, image: nginx}]}\n`
    const r = await check(['-f', '-', '-n', 'shop', '-o', 'json', ...shop], {}, manifest)
    assert.equal(r.code, 0, r.stderr)
    const doc = JSON.parse(r.stdout) as {
      items: {kind: string; name: string; wouldInject: boolean; injected: boolean | null}[]
    }
    assert.deepEqual(
      doc.items.map((i) => [i.kind, i.name, i.wouldInject, i.injected]),
      [['Deployment', 'new-api', false, null]],
    )
  })
})

describe('inject-check exit codes', () => {
  const cases = [
    {
      name: '64: -A with a named pod',
      args: ['-A', 'pod/web', ...shop],
      code: 64,
      stderr: /^error: .*-A\/--all-namespaces/,
    },
    {
      name: '64: unknown flag',
      args: ['--bogus', ...shop],
      code: 64,
      stderr: /^error: Nonexistent flag: --bogus/,
    },
    {
      name: '64: bad -o value',
      args: ['-o', 'bogus', ...shop],
      code: 64,
      stderr:
        /^error: unable to match a printer suitable for the output format "bogus", allowed formats are: table, wide/,
    },
    {
      name: '64: bad --fail-on',
      args: ['--fail-on', 'skip', ...shop],
      code: 64,
      stderr: /^error: --fail-on: unknown condition "skip"/,
    },
    {
      name: '65: --from a missing file',
      args: ['--from', '/nonexistent/dump.yaml'],
      code: 65,
      stderr: /^error: .*nonexistent\/dump\.yaml/,
    },
    {
      name: '65: a named pod absent from the files',
      args: ['pod/nope', '-n', 'shop', ...shop],
      code: 65,
      stderr: /^error: pods "nope" not found/,
    },
    {
      name: '79: --fail-on drift with pods that need a restart',
      args: ['-n', 'shop', '--fail-on', 'drift', ...shop],
      code: 79,
      stderr: /^--fail-on matched \d+ targets?:\n( {2}pod\/\S+ -n shop: drift \(\w+\)\n)+$/,
    },
    {
      name: '0: --fail-on reject when nothing is rejected',
      args: ['-n', 'shop', '--fail-on', 'reject,unknown', ...shop],
      code: 0,
      stderr: /^$/,
    },
  ]
  for (const c of cases) {
    it(c.name, async () => {
      const r = await check(c.args)
      assert.equal(r.code, c.code, `stdout: ${r.stdout}\nstderr: ${r.stderr}`)
      assert.match(r.stderr, c.stderr)
      noStack(r)
      if (c.code === 64 || c.code === 65) assert.equal(r.stdout, '')
    })
  }

  it('79 still prints the result first', async () => {
    const r = await check(['-n', 'shop', '--fail-on', 'drift', '-o', 'json', ...shop])
    assert.equal(r.code, 79)
    assert.equal((JSON.parse(r.stdout) as {kind: string}).kind, 'InjectionReport')
  })
})
