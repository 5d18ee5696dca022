// Flat ESLint config: TypeScript rules everywhere, plus a purity fence around the decision core.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

const worldModules = [
  'fs',
  'node:fs',
  'fs/promises',
  'node:fs/promises',
  'path',
  'node:path',
  'os',
  'node:os',
  'child_process',
  'node:child_process',
  'http',
  'node:http',
  'https',
  'node:https',
  'net',
  'node:net',
  'tls',
  'node:tls',
  'process',
  'node:process',
  'node:stream',
  'node:zlib',
  'node:readline',
  '@oclif/core',
  'ora',
  'tar',
]

const purePaths = [
  ...worldModules.map((name) => ({
    name,
    message: 'src/core and src/render are pure: do I/O in src/cluster or src/cli.',
  })),
  {
    name: '@kubernetes/client-node',
    allowTypeImports: true,
    message: 'Only `import type` from client-node in the core.',
  },
]

// Layering, one way: cli → cluster, render → core. Type imports count too (a type names the layer it belongs to).
const layer = (folder, message) => ({group: [`**/${folder}/*`, `**/${folder}/**`], message})
const layers = {
  core: [
    layer('cluster', 'src/core never imports src/cluster: pass facts in (ClusterSnapshot, TargetSpec).'),
    layer('cli', 'src/core never imports src/cli: the shell calls the core, not the other way.'),
    layer('render', 'src/core never imports src/render: render turns core values into text.'),
    // X.509 parsing (ca-bundle.ts) is pure computation; every other node: module is the world.
    {
      group: ['node:*', '!node:crypto'],
      message: 'src/core is pure: node: modules belong in src/cluster or src/cli.',
    },
  ],
  render: [
    layer('cluster', 'src/render never imports src/cluster: render core values (move the type to src/core).'),
    layer('cli', 'src/render never imports src/cli: the shell calls render, not the other way.'),
    {group: ['node:*'], message: 'src/render is pure: node: modules belong in src/cluster or src/cli.'},
  ],
  cluster: [layer('cli', 'src/cluster never imports src/cli: return typed failures, the shell maps them.')],
}

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'release/**',
      'node_modules/**',
      'examples/**',
      'test/fixtures/**',
      'oclif.manifest.json',
      '.tmp/**',
      'bench/results/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setImmediate: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        performance: 'readonly',
        structuredClone: 'readonly',
        TextDecoder: 'readonly',
        TextEncoder: 'readonly',
        fetch: 'readonly',
        queueMicrotask: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_', varsIgnorePattern: '^_'}],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // The bins' launcher is CommonJS: an ES module would start Node's ESM loader before anything runs.
    files: ['bin/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {require: 'readonly', module: 'writable', __dirname: 'readonly'},
    },
    rules: {'@typescript-eslint/no-require-imports': 'off'},
  },
  {
    // The decision core never touches the world: no I/O modules, no process/console/clock/network.
    files: ['src/core/**/*.ts', 'src/render/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {paths: purePaths, patterns: [...layers.render]}],
      'no-restricted-globals': [
        'error',
        {name: 'process', message: 'The core is pure: pass values in.'},
        {name: 'console', message: 'The core is pure: return strings, the shell writes.'},
        {name: 'fetch', message: 'The core is pure: no network.'},
        {name: 'setTimeout', message: 'The core is pure: no timers.'},
        {name: 'setInterval', message: 'The core is pure: no timers.'},
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']",
          message: 'The core is pure: take `now` as a parameter.',
        },
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'The core is pure: take `now` as a parameter.',
        },
        {
          selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']",
          message: 'The core is deterministic.',
        },
      ],
    },
  },
  {
    // Later blocks replace the rule for their files: the core keeps the pure paths and adds its own layers.
    files: ['src/core/**/*.ts'],
    rules: {'no-restricted-imports': ['error', {paths: purePaths, patterns: layers.core}]},
  },
  {
    files: ['src/cluster/**/*.ts'],
    rules: {'no-restricted-imports': ['error', {patterns: layers.cluster}]},
  },
  {
    // Output order is the same in every locale, as kubectl's (src/core/text-order.ts).
    files: ['src/**/*.ts', 'commands/**/*.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        {property: 'localeCompare', message: 'Locale-dependent and ~8 ms of ICU set-up: use compareText.'},
      ],
    },
  },
)
