// The layering lint rules (eslint.config.js) catch each forbidden import, and leave the allowed directions alone.
import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {fileURLToPath} from 'node:url'
import {ESLint} from 'eslint'

const repo = fileURLToPath(new URL('../../', import.meta.url))
const eslint = new ESLint({cwd: repo})

/** The no-restricted-imports messages ESLint reports for `code` placed at `file` (the file need not exist). */
const restricted = async (file: string, code: string): Promise<string[]> => {
  const [result] = await eslint.lintText(code, {filePath: `${repo}${file}`})
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message)
}

const scenarios: readonly {name: string; file: string; code: string; expect: RegExp | null}[] = [
  {
    name: 'the core importing a cluster type',
    file: 'src/core/verdict/layering-probe.ts',
    code: "import type {Transport} from '../../cluster/transport.js'\nexport type T = Transport\n",
    expect: /src\/core never imports src\/cluster/,
  },
  {
    name: 'the core importing the CLI',
    file: 'src/core/layering-probe.ts',
    code: "import {UsageFailure} from '../cli/exit-codes.js'\nexport const u = UsageFailure\n",
    expect: /src\/core never imports src\/cli/,
  },
  {
    name: 'the core importing render',
    file: 'src/core/health/layering-probe.ts',
    code: "import {renderTrail} from '../../render/trail.js'\nexport const r = renderTrail\n",
    expect: /src\/core never imports src\/render/,
  },
  {
    name: 'the core importing a node: module outside the I/O list',
    file: 'src/core/layering-probe.ts',
    code: "import {inspect} from 'node:util'\nexport const i = inspect\n",
    expect: /src\/core is pure: node: modules/,
  },
  {
    name: 'the cluster layer importing the CLI',
    file: 'src/cluster/layering-probe.ts',
    code: "import {UsageFailure} from '../cli/exit-codes.js'\nexport const u = UsageFailure\n",
    expect: /src\/cluster never imports src\/cli/,
  },
  {
    name: 'render importing a cluster type',
    file: 'src/render/layering-probe.ts',
    code: "import type {Transport} from '../cluster/transport.js'\nexport type T = Transport\n",
    expect: /src\/render never imports src\/cluster/,
  },
  {
    name: 'render importing the CLI',
    file: 'src/render/layering-probe.ts',
    code: "import {writeData} from '../cli/output.js'\nexport const w = writeData\n",
    expect: /src\/render never imports src\/cli/,
  },
  {
    name: 'the CLI importing cluster and core (allowed)',
    file: 'src/cli/layering-probe.ts',
    code: "import type {Transport} from '../cluster/transport.js'\nimport type {Verdict} from '../core/verdict/verdict.js'\nexport type T = [Transport, Verdict]\n",
    expect: null,
  },
  {
    name: 'the cluster layer importing the core (allowed)',
    file: 'src/cluster/layering-probe.ts',
    code: "import type {TargetSpec} from '../core/target-spec.js'\nexport type T = TargetSpec\n",
    expect: null,
  },
  {
    name: 'the core parsing certificates with node:crypto (pure, allowed)',
    file: 'src/core/health/layering-probe.ts',
    code: "import {X509Certificate} from 'node:crypto'\nexport const x = X509Certificate\n",
    expect: null,
  },
]

describe('layering lint rules', () => {
  for (const s of scenarios)
    it(s.expect === null ? `${s.name} passes` : `${s.name} is an error`, async () => {
      const messages = await restricted(s.file, s.code)
      if (s.expect === null) assert.deepEqual(messages, [])
      else
        assert.ok(
          messages.some((m) => s.expect!.test(m)),
          messages.join('\n') || 'no error reported',
        )
    })
})
