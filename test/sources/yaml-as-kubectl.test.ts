// YAML read as kubectl reads it (YAML 1.1 via sigs.k8s.io/yaml), objects kubectl refuses named by file and line,
// and the fast block reader checked against the `yaml` package on generated kubectl-style documents.
import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {
  Document,
  isCollection,
  parseAllDocuments,
  stringify,
  visit,
  type DocumentOptions,
  type ToStringOptions,
} from 'yaml'
import {parseDocuments} from '../../src/cluster/yaml-documents.js'
import {NotBlockYaml, readBlockYaml} from '../../src/core/yaml/block-reader.js'
import {toJsOptions, yamlOptions} from '../../src/core/yaml/yaml11-scalars.js'
import {InputFileError} from '../../src/cluster/kube-errors.js'

const pod = (metadata: string, spec = '  containers:\n  - name: app\n    image: nginx\n'): string =>
  `apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n${metadata}spec:\n${spec}`

describe('YAML 1.1 scalars and merge keys, as kubectl decodes them', () => {
  const cases: {name: string; yaml: string; path: string[]; expected: unknown}[] = [
    {name: 'yes is a boolean', yaml: 'a: yes\n', path: ['a'], expected: true},
    {name: 'off is a boolean', yaml: 'a: off\n', path: ['a'], expected: false},
    {name: 'y and n are booleans', yaml: 'a: [y, n]\n', path: ['a'], expected: [true, false]},
    {name: 'a leading zero is octal', yaml: 'a: 0755\n', path: ['a'], expected: 493},
    {name: 'underscores separate digits', yaml: 'a: 1_000\n', path: ['a'], expected: 1000},
    {name: 'a quoted yes stays text', yaml: 'a: "yes"\n', path: ['a'], expected: 'yes'},
    {
      name: 'a timestamp stays text (go-yaml v2)',
      yaml: 'a: 2026-01-02T03:04:05Z\n',
      path: ['a'],
      expected: '2026-01-02T03:04:05Z',
    },
    {name: 'base-60 digits stay text (go-yaml v2)', yaml: 'a: 22:22\n', path: ['a'], expected: '22:22'},
    {
      name: 'a merge key copies the anchored map',
      yaml: 'base: &b {x: "1", w: "2"}\nmerged:\n  <<: *b\n  w: "3"\n',
      path: ['merged'],
      expected: {x: '1', w: '3'},
    },
    {
      name: 'a list of merge keys merges each, the first wins',
      yaml: 'a: &a {x: "1"}\nb: &b {x: "2", z: "9"}\nc:\n  <<: [*a, *b]\n',
      path: ['c'],
      expected: {x: '1', z: '9'},
    },
  ]
  for (const c of cases) {
    it(c.name, () => {
      const [value] = parseDocuments(c.yaml, 'x.yaml') as Record<string, unknown>[]
      assert.deepEqual(
        c.path.reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], value),
        c.expected,
      )
    })
  }

  it('merge keys reach a pod template: the Deployment template gets the anchored labels', () => {
    const text = [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata: {name: web, labels: &labels {app: web, tier: front}}',
      'spec:',
      '  template:',
      '    metadata:',
      '      labels:',
      '        <<: *labels',
      '        version: v1',
      '',
    ].join('\n')
    const [deployment] = parseDocuments(text, 'd.yaml') as {spec: {template: {metadata: unknown}}}[]
    assert.deepEqual(deployment!.spec.template.metadata, {labels: {app: 'web', tier: 'front', version: 'v1'}})
  })
})

describe('objects kubectl refuses to decode are input errors naming file, line and field', () => {
  const cases: {name: string; text: string; line: number; field: RegExp}[] = [
    {
      name: 'a yes label value (a YAML 1.1 boolean)',
      text: pod('  labels:\n    app: web\n    enabled: yes\n'),
      line: 7,
      field:
        /label "enabled" in metadata\.labels is the boolean true.*cannot unmarshal bool into Go struct field ObjectMeta\.metadata\.labels of type string/,
    },
    {
      name: 'an unquoted true annotation',
      text: pod('  annotations:\n    sidecar.istio.io/inject: true\n'),
      line: 6,
      field: /annotation "sidecar\.istio\.io\/inject" .*the boolean true.*cannot unmarshal bool/,
    },
    {
      name: 'a number annotation (prometheus port)',
      text: pod('  annotations:\n    prometheus.io/port: 9090\n'),
      line: 6,
      field: /the number 9090.*cannot unmarshal number/,
    },
    {
      name: 'an octal label value reached through a merge key',
      text: pod('  labels: &l\n    mode: 0755\n  annotations:\n    <<: *l\n'),
      line: 6,
      field: /label "mode" in metadata\.labels is the number 493/,
    },
    {
      name: 'a boolean label in a Deployment pod template',
      text: 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  template:\n    metadata:\n      labels:\n        canary: on\n',
      line: 9,
      field: /spec\.template\.metadata\.labels .*ObjectMeta\.spec\.template\.metadata\.labels/,
    },
    {
      name: 'a boolean label in the third pod of a kubectl List',
      text: `apiVersion: v1\nitems:\n${[1, 2, 3]
        .map(
          (n) =>
            `- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: p${n}\n    labels:\n      ok: ${n === 3 ? 'yes' : '"yes"'}\n`,
        )
        .join('')}kind: List\nmetadata: {}\n`,
      line: 20,
      field: /label "ok"/,
    },
    {
      name: 'JSON with a boolean label (kubectl decodes JSON the same way)',
      text: '{\n  "apiVersion": "v1",\n  "kind": "Pod",\n  "metadata": {\n    "name": "p",\n    "labels": {"canary": true}\n  }\n}\n',
      line: 6,
      field: /label "canary" in metadata\.labels is the boolean true/,
    },
    {
      name: 'a number as the name',
      text: 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: 1234\n',
      line: 4,
      field: /metadata\.name is the number 1234.*ObjectMeta\.metadata\.name of type string/,
    },
  ]
  for (const c of cases) {
    it(c.name, () => {
      assert.throws(
        () => parseDocuments(c.text, 'app.yaml'),
        (error: unknown) => {
          assert.ok(error instanceof InputFileError, String(error))
          assert.equal(error.line, c.line, error.message)
          assert.match(error.message, /^app\.yaml:\d+: /)
          assert.match(error.message, c.field)
          assert.match(error.message, /quote|map of strings/)
          return true
        },
      )
    })
  }

  it('quoted values, null values and JSON strings are accepted', () => {
    const values = parseDocuments(
      pod('  labels:\n    enabled: "yes"\n    empty:\n  annotations:\n    port: \'9090\'\n'),
      'ok.yaml',
    )
    assert.equal(values.length, 1)
  })
})

// Seeded generator of kubectl-like objects with strings that stress quoting, folding and block scalars.
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const pieces = [
  'yes',
  'no',
  'on',
  'Off',
  'y',
  'N',
  'true',
  'null',
  '~',
  '0755',
  '0x1F',
  '1_000',
  '1e3',
  '.5',
  '-1',
  '+2',
  '12:30',
  '2026-01-02',
  'a: b',
  'x #y',
  '#z',
  '- item',
  '"q"',
  "'s'",
  '{a}',
  '[b]',
  '&a',
  '*b',
  '!t',
  '%p',
  '@',
  '`',
  'key:',
  ' lead',
  'trail ',
  'tab\there',
  'back\\slash',
  'é',
  '日本',
  'emoji 🙂',
  '',
  ' ',
  'k:{"name":"app"}',
  'f:spec',
  'word',
  'two words',
  'a long sentence that goes on and on past the line width so the printer has to fold it somewhere',
]

function randomString(rand: () => number): string {
  const count = 1 + Math.floor(rand() * 4)
  const parts = Array.from({length: count}, () => pieces[Math.floor(rand() * pieces.length)]!)
  const joiner = rand() < 0.15 ? '\n' : rand() < 0.1 ? '\n\n' : ' '
  return parts.join(joiner)
}

function randomValue(rand: () => number, depth: number): unknown {
  const roll = rand()
  if (depth > 3 || roll < 0.45) {
    const kind = rand()
    if (kind < 0.7) return randomString(rand)
    if (kind < 0.8) return Math.floor(rand() * 100000) - 50
    if (kind < 0.85) return rand() * 1000
    if (kind < 0.9) return rand() < 0.5
    if (kind < 0.95) return null
    return rand() < 0.5 ? {} : []
  }
  if (roll < 0.75) {
    const map: Record<string, unknown> = {}
    const keys = 1 + Math.floor(rand() * 5)
    for (let i = 0; i < keys; i++)
      map[randomString(rand).replace(/\n/g, ' ') || 'k'] = randomValue(rand, depth + 1)
    return map
  }
  return Array.from({length: Math.floor(rand() * 4)}, () => randomValue(rand, depth + 1))
}

/** Block collections down to `depth`, flow collections (each on its line) below it. */
function flowBelow(value: unknown, depth: number, options: ToStringOptions & DocumentOptions): string {
  const document = new Document(value, {version: '1.1'})
  visit(document, {
    Collection(_, node, path) {
      const level = path.filter((p) => isCollection(p)).length
      if (level >= depth + 1) node.flow = true
    },
  })
  return document.toString({...options, collectionStyle: 'any'})
}

const reference = (text: string): unknown => {
  const documents = parseAllDocuments(text, yamlOptions) as unknown as {
    errors: unknown[]
    toJS(o: object): unknown
  }[]
  assert.equal(documents[0]?.errors.length ?? 0, 0)
  return documents[0]?.toJS(toJsOptions) ?? null
}

describe('the fast block reader agrees with the yaml package (YAML 1.1) or declines', () => {
  const styles: {name: string; options: ToStringOptions & DocumentOptions; flowAtDepth?: number}[] = [
    {
      name: 'kubectl style (sequences at the key column, folded at 80)',
      options: {version: '1.1', indentSeq: false, lineWidth: 80},
    },
    {
      name: 'indented sequences, narrow folding',
      options: {version: '1.1', indentSeq: true, lineWidth: 30, minContentWidth: 0},
    },
    {name: 'no folding, four-space indentation', options: {version: '1.1', indent: 4, lineWidth: 0}},
    {name: 'YAML 1.2 printer output read as 1.1', options: {indentSeq: false, lineWidth: 60}},
    // Flow collections on one line, as in Istio's injector config (`defaultTemplates: [sidecar]`) and kubeconfigs.
    {
      name: 'flow collections on one line, inside block ones',
      options: {version: '1.1', lineWidth: 0, collectionStyle: 'flow'},
      flowAtDepth: 1,
    },
  ]
  for (const style of styles) {
    it(style.name, () => {
      const rand = prng(style.name.length * 7919)
      let fast = 0
      for (let round = 0; round < 300; round++) {
        const value = {
          apiVersion: 'v1',
          kind: 'Thing',
          data: randomValue(rand, 0),
          list: [randomValue(rand, 1)],
        }
        const text =
          style.flowAtDepth === undefined
            ? stringify(value, {...style.options, aliasDuplicateObjects: false})
            : flowBelow(value, style.flowAtDepth, style.options)
        let expected: unknown
        try {
          expected = reference(text)
        } catch (error) {
          // The printer writes some keys plain in flow context (`k:{"name":"app"}`) that YAML, and its own parser, refuse.
          if (style.flowAtDepth !== undefined) continue
          throw error
        }
        let actual: unknown
        try {
          actual = readBlockYaml(text)
        } catch (error) {
          if (error instanceof NotBlockYaml) continue
          throw error
        }
        fast++
        assert.deepEqual(actual, expected, `round ${round}:\n${text}`)
      }
      // The reader must take most of this output itself, or the speed it exists for is gone.
      // Flow output declines more often: the printer breaks flow collections holding long or multi-line text.
      const least = style.flowAtDepth === undefined ? 240 : 150
      assert.ok(fast > least, `only ${fast} of 300 documents read by the block reader`)
    })
  }

  const edge: {name: string; text: string}[] = [
    {name: 'literal block, keep chomping with trailing blank lines', text: 'a: |+\n  x\n\n\nb: 1\n'},
    {name: 'literal block with an indentation indicator', text: 'a: |2-\n    leading spaces\n  next\nb: 1\n'},
    {name: 'literal block in a sequence', text: 'a:\n- |\n  one\n  two\n- x\n'},
    {name: 'literal block with a more indented blank line', text: 'a: |\n  x\n     \n  y\n'},
    {name: 'empty literal block', text: 'a: |\nb: 2\n'},
    {name: 'double quotes over lines', text: 'a: "one\n  two\n\n  three"\nb: 1\n'},
    {name: 'single quotes with a doubled quote', text: "a: 'it''s'\n"},
    {name: 'a plain scalar over lines', text: 'a: one\n  two\n\n  three\nb: x\n'},
    {name: 'a sequence of sequences', text: '- - a\n  - b\n- - c\n'},
    {name: 'comments and blank lines', text: '# head\na: 1 # not a comment in value? no: it is\n\nb: 2\n'},
    {name: 'number keys become their text', text: '80: http\n0755: oct\nyes: bool\n'},
    {name: 'escapes in double quotes', text: 'a: "tab\\tnl\\nuni\\u00e9\\x41"\n'},
    {name: 'nested maps in sequence items', text: 'a:\n- b: 1\n  c:\n  - d\n  e: {}\n- []\n'},
    {name: 'a top-level scalar', text: 'just text\n'},
    {name: 'a null value at the end', text: 'a:\n'},
    {
      name: 'a flow sequence of plain and quoted scalars',
      text: "a: [sidecar, \"x, y\", 'it''s', 1, yes, ~]\n",
    },
    {
      name: 'a flow mapping as kubeconfigs write exec',
      text: 'exec: {apiVersion: v1, command: /bin/aws, args: [a, b]}\n',
    },
    {
      name: 'flow collections in a sequence, with spaces and a comment',
      text: '- { a: b }\n- [ x ] # c\n- []\n',
    },
    {
      name: 'a flow mapping with quoted keys and a URL value',
      text: 'a: {"k": "v\\u00e9", \'j\': http://x:80/y}\n',
    },
  ]
  for (const c of edge) {
    it(c.name, () => {
      try {
        assert.deepEqual(readBlockYaml(c.text), reference(c.text))
      } catch (error) {
        if (!(error instanceof NotBlockYaml)) throw error
      }
    })
  }

  it('declines what it does not model instead of guessing', () => {
    for (const text of [
      'a: &x 1\nb: *x\n',
      'a: !!str 1\n',
      'a: [b,\n  c]\n',
      'a: [b, ]\n',
      'a: {b}\n',
      'a: [b: c]\n',
      'a: {b:c}\n',
      'a: {b: 1, b: 2}\n',
      'a: [-]\n',
      'a: {b: -}\n',
      'm: {"__proto__": {namespace: x}}\n',
      '"__proto__": 1\n',
      '[a, b]: c\n',
      'a: >\n  x\n   more indented\n',
      'a:\tb\n',
      '? complex\n: key\n',
    ]) {
      assert.throws(() => readBlockYaml(text), NotBlockYaml, text)
    }
  })
})

describe('big Lists', () => {
  it('a List with one item the block reader declines is read item by item, the same as the yaml package reads it', () => {
    const items = Array.from({length: 3000}, (_, i) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {name: `p${i}`, namespace: 'ns', labels: {app: 'web', index: String(i)}},
      spec: {
        containers: [
          {name: 'app', image: 'nginx', args: ['--x', 'a long argument that needs folding '.repeat(4)]},
        ],
      },
    }))
    const text = stringify(
      {apiVersion: 'v1', items, kind: 'List', metadata: {resourceVersion: ''}},
      {version: '1.1', indentSeq: false, lineWidth: 80},
    )
    // An anchor in item 1500 sends that item (and only it) to the yaml package.
    const odd = text.replace('name: p1500\n', 'name: &n p1500\n    generateName: *n\n')
    assert.ok(odd.length > 1024 * 1024 && odd !== text)
    const [list] = parseDocuments(odd, 'pods.yaml') as {items: {metadata: Record<string, unknown>}[]}[]
    assert.equal(list!.items.length, 3000)
    assert.equal(list!.items[1500]!.metadata.generateName, 'p1500')
    assert.deepEqual(list, reference(odd))
  })

  it('a syntax error in one item of a big List names the line in the whole file', () => {
    const items = Array.from({length: 3000}, (_, i) => ({
      kind: 'Pod',
      metadata: {name: `p${i}`, labels: {app: 'web'}},
    }))
    const text = stringify(
      {apiVersion: 'v1', items, kind: 'List'},
      {version: '1.1', indentSeq: false, lineWidth: 80},
    )
    const broken = text.replace('name: p2500\n', 'name: &a p2500\n    bad: [unclosed\n')
    const line = broken.slice(0, broken.indexOf('bad: [unclosed')).split('\n').length
    assert.throws(
      () => parseDocuments(broken, 'pods.yaml'),
      (error: unknown) => {
        assert.ok(error instanceof InputFileError, String(error))
        assert.ok(
          error.line !== undefined && Math.abs(error.line - line) <= 1,
          `${error.line} vs ${line}: ${error.message}`,
        )
        return true
      },
    )
  })
})
