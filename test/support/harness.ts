// Runs the built inject-check (dist/, as bin/kubectl-inject_check does) as users do, and prepares the bundle fixtures:
// the same small cluster as istioctl bug-report layouts, as plain kubectl files, and as archives built at test time.
import {execFile} from 'node:child_process'
import {copyFile, mkdir, readdir, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {create} from 'tar'
import {stringify} from 'yaml'
import {loadYamlObjects} from '../apiserver-double/index.js'
import {assertFreshBuild} from '../cli/built-cli.js'
import {schemaChecked} from '../schemas/validate-output.js'

export const repo = fileURLToPath(new URL('../../', import.meta.url))
export const bundles = join(repo, 'test', 'fixtures', 'bundles')
export const fixtures = join(repo, 'test', 'fixtures')

export interface Run {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

// oclif's own entry over the tsc build (dist/commands + oclif.manifest.json), as bin/ ran it before bundling.
const launcher = `import {execute} from '@oclif/core'; await execute({dir: ${JSON.stringify(repo)}, args: ['inject-check', ...process.argv.slice(1)]})`

/** `kubectl inject-check ARGS` in a subprocess from the repository root, no colour, no terminal. */
export const check = (
  args: readonly string[],
  env: Record<string, string | undefined> = {},
): Promise<Run> => {
  assertFreshBuild()
  return new Promise<Run>((resolve) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', launcher, '--', ...args],
      {
        cwd: repo,
        env: {
          ...process.env,
          NO_COLOR: undefined,
          FORCE_COLOR: undefined,
          COLUMNS: undefined,
          CI: '1',
          ...env,
        },
        timeout: 60_000,
        maxBuffer: 32 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1
        resolve({code, stdout, stderr})
      },
    )
  }).then(schemaChecked)
}

/** The plain `kubectl get -o yaml` files inside the 1.30 bug report, copied out as ordinary .yaml files. */
export const writePlainFiles = async (dir: string): Promise<string[]> => {
  await mkdir(dir, {recursive: true})
  const cluster = join(bundles, 'bug-report-1.30', 'bug-report', 'cluster')
  const files = [
    ['k8s-cluster-resources', 'cluster-resources.yaml'],
    ['k8s-resources', 'resources.yaml'],
    ['pods', 'pods.yaml'],
  ] as const
  const out: string[] = []
  for (const [from, to] of files) {
    await copyFile(join(cluster, from), join(dir, to))
    out.push(join(dir, to))
  }
  // The 1.30 report keeps events only as a text table; the same cluster's Event objects come from the 1.26 report's List.
  const events = loadYamlObjects(join(bundles, 'bug-report-1.26', 'cluster', 'k8s-resources')).filter(
    (o) => (o as {kind?: string}).kind === 'Event',
  )
  await writeFile(join(dir, 'events.yaml'), stringify({apiVersion: 'v1', kind: 'List', items: events}))
  out.push(join(dir, 'events.yaml'))
  return out
}

/** Packs a fixture directory like istioctl does (entries relative to the directory). */
export const packFixture = async (fixtureDir: string, file: string): Promise<string> => {
  const cwd = join(bundles, fixtureDir)
  await create({gzip: true, file, cwd, portable: true}, await readdir(cwd))
  return file
}

export interface ReportItem {
  readonly kind: string
  readonly namespace: string
  readonly name: string
  readonly sources?: Record<string, string>
  readonly [key: string]: unknown
}

export interface ReportDocument {
  readonly items: readonly ReportItem[]
  readonly gaps: readonly {resource: string; reason: string; message: string; namespace?: string}[]
  readonly summary: Record<string, number>
  readonly health?: {
    readonly state: string
    readonly summary: string
    readonly webhooks: readonly {configuration: string; webhook: string; checks: {code: string}[]}[]
    readonly failures: readonly {code: string; source?: string}[]
    readonly plan: {steps: {commands: string[]}[]}
    readonly findings: readonly {code: string}[]
  }
}

/** Parses stdout of `-o json`, failing the test with stderr when it is not JSON. */
export const documentOf = (run: Run): ReportDocument => {
  try {
    return JSON.parse(run.stdout) as ReportDocument
  } catch {
    throw new Error(`not JSON (exit ${run.code}):\n${run.stdout.slice(0, 500)}\n${run.stderr}`)
  }
}

/** Items without provenance: what must be equal whichever way the same cluster was read. */
// Event text tables (bug-report ≥1.30) carry ages, not timestamps, so an event's `, last <time>` is not compared.
const withoutEventTimes = (value: unknown): unknown =>
  JSON.parse(JSON.stringify(value).replace(/, last \d{4}-\d\d-\d\dT[\d:]+Z/g, ''))

export const verdictsOnly = (document: ReportDocument): unknown[] =>
  document.items.map(({sources: _sources, ...rest}) => withoutEventTimes(rest))
