// Fixes are pasted into shells against production: cluster and file values stay data, known changes use fixed valid
// values, and every command acts on the cluster that was checked (--kubeconfig/--context).
import {after, before, describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {startApiServer} from '../apiserver-double/index.js'
import type {ApiServerDouble} from '../apiserver-double/index.js'
import {assertRan, baseObjects, faultFixture, repoFixture, runCheck} from './fixtures/cli-harness.js'
import type {RunResult} from './fixtures/cli-harness.js'
import {pasteIntoShell} from './fixtures/paste-shell.js'
import type {Invocation} from './fixtures/paste-shell.js'
import {reasonCatalog} from '../../src/core/verdict/reasons.js'
import {fillCommandTemplate, sh, shellQuote} from '../../src/core/verdict/shell-command.js'

const hostileFrom = [
  '--from',
  faultFixture('shell-syntax.yaml'),
  '--from',
  repoFixture('istio/default-1.28.yaml'),
]
const prod = "prod'; touch PWNED-ns; '"
const shop = 'shop|touch PWNED-shop'

interface Document {
  items: {actions: string[]; alternatives?: {actions: string[]}[]}[]
  health?: {
    findings: {hint: string; moreHints: string[]}[]
    failures: {hints: string[]}[]
    plan: {steps: {commands: string[]}[]}
  }
}

/** Every command a JSON report suggests: item actions and alternatives, health hints and the restart plan. */
const commandsOf = (result: RunResult): string[] => {
  assertRan(result)
  const doc = JSON.parse(result.stdout) as Document
  const fromItems = doc.items.flatMap((i) => [
    ...i.actions,
    ...(i.alternatives ?? []).flatMap((a) => a.actions),
  ])
  const health = doc.health
  const fromHealth =
    health === undefined
      ? []
      : [
          ...health.findings.flatMap((f) => [f.hint, ...f.moreHints]),
          ...health.failures.flatMap((f) => f.hints),
          ...health.plan.steps.flatMap((s) => s.commands),
        ]
  return [...fromItems, ...fromHealth].filter((c) => /\b(kubectl|istioctl)\b/.test(c))
}

// Invalid names are refused as command-line targets, so hostile workloads are reached by sweeps and by -f.
const hostileTargets: readonly (readonly string[])[] = [
  ['-A', '--health'],
  ['ns/staging'],
  ['deploy/web', '-n', 'staging'],
  ['-f', faultFixture('shell-syntax.yaml')],
]

const allWords = (invocations: readonly Invocation[]): string[] => invocations.flatMap((i) => i.args)

describe('fix commands keep hostile values as data when pasted into a shell', () => {
  let commands: string[] = []
  let pasted: ReturnType<typeof pasteIntoShell>
  before(async () => {
    const results = await Promise.all(
      hostileTargets.map((args) => runCheck([...args, '-o', 'json', ...hostileFrom])),
    )
    commands = results.flatMap(commandsOf)
    pasted = pasteIntoShell(commands)
  })

  it('the report suggests fixes for every hostile object (the test has something to paste)', () => {
    assert.ok(commands.length >= 8, commands.join('\n'))
    for (const value of [prod, shop, 'api-1 && touch PWNED-pod', 'solo>PWNED-redirect'])
      assert.ok(
        commands.some((c) => c.includes(shellQuote(value))),
        `no fix names ${value}:\n${commands.join('\n')}`,
      )
  })

  it('only kubectl and istioctl (and their pipes) run: no smuggled command, no stray file', () => {
    const programs = new Set(pasted.invocations.map((i) => i.program))
    for (const program of programs)
      assert.ok(
        ['kubectl', 'istioctl', 'base64', 'openssl', 'md5sum', 'grep', 'head'].includes(program),
        program,
      )
    assert.deepEqual(
      pasted.files.filter((f) => f.includes('PWNED') && !f.endsWith('.yaml')),
      [],
      `files written: ${pasted.files.join(', ')}`,
    )
  })

  it('each hostile name reaches kubectl whole, as one argument', () => {
    const words = allWords(pasted.invocations)
    for (const value of [prod, shop, 'api-1 && touch PWNED-pod', 'solo>PWNED-redirect'])
      assert.ok(words.includes(value), `${value} never arrived as one word`)
  })

  it('a name that reads as an option never reaches kubectl as a word of its own (no `delete pod --all`)', () => {
    const words = allWords(pasted.invocations)
    assert.ok(!words.includes('--all'), 'a pod named --all became an option')
  })

  it('invalid annotation and controller-label values are never proposed as label values', () => {
    const all = commands.join('\n')
    assert.doesNotMatch(all, /PWNED-annotation|PWNED-controller-label|PWNED-controller-rev|PWNED-rev/)
    // yes`…` is no valid value; a plain `yes` annotation becomes the label the chart selects: true.
    const patches = pasted.invocations.filter((i) => i.program === 'kubectl' && i.args[0] === 'patch')
    for (const p of patches) {
      const body = p.args[p.args.indexOf('-p') + 1] ?? '{}'
      assert.doesNotThrow(() => JSON.parse(body), `patch body is not one JSON word: ${body}`)
    }
  })
})

describe('known changes use fixed, valid values', () => {
  it('a deprecated annotation "yes" becomes the label sidecar.istio.io/inject=true', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fix-values-'))
    const file = join(dir, 'deploy.yaml')
    writeFileSync(
      file,
      [
        'apiVersion: v1',
        'kind: Namespace',
        'metadata: {name: shop, labels: {istio-injection: enabled}}',
        '---',
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata: {name: web, namespace: shop}',
        'spec:',
        '  selector: {matchLabels: {app: web}}',
        '  template:',
        '    metadata: {labels: {app: web}, annotations: {sidecar.istio.io/inject: "Yes"}}',
        '    spec: {containers: [{name: app, image: web:1}]}',
      ].join('\n'),
    )
    const result = await runCheck([
      'deploy/web',
      '-n',
      'shop',
      '-o',
      'json',
      '--from',
      file,
      '--from',
      repoFixture('istio/default-1.28.yaml'),
    ])
    const patch = commandsOf(result).find((c) => c.includes('kubectl patch'))
    assert.ok(patch !== undefined, result.stdout)
    const [invocation] = pasteIntoShell([patch]).invocations
    const body = JSON.parse(invocation?.args[invocation.args.indexOf('-p') + 1] ?? '{}') as {
      spec: {template: {metadata: {labels: Record<string, string>}}}
    }
    assert.equal(body.spec.template.metadata.labels['sidecar.istio.io/inject'], 'true')
  })
})

describe('fixes act on the cluster that was checked', () => {
  let double: ApiServerDouble
  let kubeconfig: string
  const context = 'prod ctx; touch PWNED-ctx'
  before(async () => {
    double = await startApiServer({objects: baseObjects()})
    const dir = mkdtempSync(join(tmpdir(), 'fix scope '))
    kubeconfig = double.writeKubeconfig({dir, fileName: 'my config', context})
  })
  after(() => double.close())

  for (const args of [
    ['-A', '--health'],
    ['deploy/web', '-n', 'shop'],
    ['-n', 'shop'],
  ]) {
    it(`kubectl inject-check ${args.join(' ')}: every kubectl and istioctl call carries --kubeconfig and --context`, async () => {
      const result = await runCheck([...args, '-o', 'json', '--kubeconfig', kubeconfig, '--context', context])
      const commands = commandsOf(result)
      assert.ok(commands.length > 0, result.stdout)
      const calls = pasteIntoShell(commands).invocations.filter((i) =>
        ['kubectl', 'istioctl'].includes(i.program),
      )
      assert.ok(calls.length >= commands.length)
      for (const call of calls) {
        const at = call.args.indexOf('--kubeconfig')
        assert.equal(call.args[at + 1], kubeconfig, `${call.program} ${call.args.join(' ')}`)
        assert.equal(call.args[call.args.indexOf('--context') + 1], context, call.args.join(' '))
      }
    })
  }

  it('without --kubeconfig/--context the fixes name neither (the current context is what was checked)', async () => {
    const result = await runCheck(['deploy/web', '-n', 'shop', '-o', 'json'], {
      env: {KUBECONFIG: kubeconfig},
    })
    for (const command of commandsOf(result)) assert.doesNotMatch(command, /--kubeconfig|--context/)
  })
})

describe('command templates', () => {
  const hostile = 'a\'b"c$(d)`e`;f|g&h>i<j*k?l[m]n\no p'
  const cases: readonly {name: string; command: string; words: readonly string[]}[] = [
    {
      name: 'a plain name stays bare',
      command: sh`kubectl get pod ${'web-1'} -n ${'shop'}`,
      words: ['get', 'pod', 'web-1', '-n', 'shop'],
    },
    {
      name: 'shell syntax is one word',
      command: sh`kubectl get pod ${hostile}`,
      words: ['get', 'pod', hostile],
    },
    {
      name: 'a value inside a word stays inside it',
      command: sh`kubectl rollout restart deployment/${'a b'}`,
      words: ['rollout', 'restart', 'deployment/a b'],
    },
    {
      name: 'an array is several words',
      command: sh`kubectl delete pod ${['a;b', 'c']}`,
      words: ['delete', 'pod', 'a;b', 'c'],
    },
    {
      name: 'an option-like value at a word start is refused',
      command: sh`kubectl delete pod ${'--all'}`,
      words: [],
    },
    {
      name: 'an option-like array element is refused',
      command: sh`kubectl delete pod ${['a', '-A']}`,
      words: [],
    },
    {
      name: 'an option-like value after key= is data',
      command: sh`kubectl label ns x ${'k'}=${'-v'}`,
      words: ['label', 'ns', 'x', 'k=-v'],
    },
    {
      name: 'a hint placeholder is quoted',
      command: fillCommandTemplate('kubectl get ns {namespace}', {namespace: hostile}),
      words: ['get', 'ns', hostile],
    },
    {
      name: 'a placeholder inside quotes takes digits only',
      command: fillCommandTemplate('kubectl patch x -p \'[{"path":"/a/{index}"}]\'', {
        index: "0'; touch x; '",
      }),
      words: ['patch', 'x', '-p', '[{"path":"/a/{index}"}]'],
    },
    {
      name: 'digits inside quotes are filled',
      command: fillCommandTemplate('kubectl patch x -p \'[{"path":"/a/{index}"}]\'', {index: '3'}),
      words: ['patch', 'x', '-p', '[{"path":"/a/3"}]'],
    },
  ]
  for (const c of cases) {
    it(c.name, () => {
      const [call] = pasteIntoShell([c.command]).invocations
      assert.deepEqual(call?.args ?? [], c.words, c.command)
    })
  }

  it('no catalog hint has an unquoted glob, expansion or placeholder inside quotes', () => {
    for (const [code, {hint}] of Object.entries(reasonCatalog)) {
      let state: 'none' | "'" | '"' = 'none'
      // Prose before the first command may name globs (`sidecar.istio.io/*`); the command part may not.
      const command = Math.max(0, hint.search(/\b(kubectl|istioctl) /))
      for (let i = 0; i < hint.length; i++) {
        const char = hint[i] ?? ''
        const placeholder = /^\{\w+\}/.exec(hint.slice(i))
        if (placeholder !== null && state !== 'none')
          assert.match(
            placeholder[0],
            /^\{index\}$/,
            `${code}: ${placeholder[0]} inside quotes can only be a number`,
          )
        if (state === 'none' && placeholder === null && i >= command)
          assert.doesNotMatch(char, /[*?[$`]/, `${code}: unquoted ${char} in ${hint}`)
        if (state === 'none' && (char === "'" || char === '"')) state = char
        else if (state !== 'none' && char === state) state = 'none'
      }
      assert.equal(state, 'none', `${code}: unbalanced quote in ${hint}`)
    }
  })
})
