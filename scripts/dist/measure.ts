// `npm run dist:measure`: start times of the single executable (as released, and the SEA code-cache variants, built
// here for the host) against the npm install, side by side and interleaved, plus the archive sizes in release/.
import {spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {performance} from 'node:perf_hooks'
import {releaseDir, root} from './build.js'
import {nodeBinary} from './node-binary.js'
import {hostPlatform} from './platforms.js'
import {buildSeaBlob, injectSea} from './sea.js'
import type {SeaMode} from './sea.js'

const runs = Number(process.env.RUNS ?? 9)
const demo = join(root, 'examples', 'demo-cluster')
const cases = {'--version': ['--version'], '--from demo -A': ['--from', demo, '-A']}

type Variant = {name: string; command: string[]; env: NodeJS.ProcessEnv}

async function seaVariant(work: string, name: string, mode: SeaMode, coldCache: boolean): Promise<Variant> {
  const host = hostPlatform()
  if (host === undefined) throw new Error(`no single executable for ${process.platform}/${process.arch}`)
  const dir = join(work, name.replaceAll(/\W+/g, '-'))
  const blob = await buildSeaBlob(root, dir, mode)
  await injectSea(host, await nodeBinary(host), blob, join(dir, 'kubectl-inject'))
  symlinkSync('kubectl-inject', join(dir, 'kubectl-inject_check'))
  return {name, command: [join(dir, 'kubectl-inject_check')], env: cacheEnv(work, name, coldCache)}
}

// Each variant its own cache home; a cold variant turns the per-user code cache off, so every run compiles.
const cacheEnv = (work: string, name: string, cold: boolean): NodeJS.ProcessEnv => ({
  ...process.env,
  NO_COLOR: '1',
  XDG_CACHE_HOME: join(work, `cache-${name.replaceAll(/\W+/g, '-')}`),
  ...(cold ? {NODE_DISABLE_COMPILE_CACHE: '1'} : {}),
})

function time(variant: Variant, args: string[]): number {
  const start = performance.now()
  const result = spawnSync(variant.command[0]!, [...variant.command.slice(1), ...args], {env: variant.env, stdio: 'ignore'})
  if (result.status !== 0) throw new Error(`${variant.name} ${args.join(' ')} exited ${result.status}`)
  return performance.now() - start
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'kubectl-inject-measure-'))
  try {
    const npm = (cold: boolean): Variant => ({
      name: `npm install (bin/, ${cold ? 'no' : 'warm'} code cache)`,
      command: [process.execPath, join(root, 'bin', 'kubectl-inject_check')],
      env: cacheEnv(work, `npm-${cold}`, cold),
    })
    const variants = [
      npm(false),
      npm(true),
      await seaVariant(work, 'SEA as released (loader, warm per-user cache)', {main: 'loader', useCodeCache: false}, false),
      await seaVariant(work, 'SEA as released, first run (no cache)', {main: 'loader', useCodeCache: false}, true),
      await seaVariant(work, 'SEA main = bundle, useCodeCache (host only)', {main: 'direct', useCodeCache: true}, true),
      await seaVariant(work, 'SEA main = bundle, no code cache', {main: 'direct', useCodeCache: false}, true),
    ]
    for (const variant of variants) for (const args of Object.values(cases)) time(variant, args)
    const samples = new Map(variants.map((v) => [v.name, Object.fromEntries(Object.keys(cases).map((c) => [c, [] as number[]]))]))
    for (let i = 0; i < runs; i++)
      for (const variant of variants)
        for (const [label, args] of Object.entries(cases)) samples.get(variant.name)![label]!.push(time(variant, args))
    const out = [`median of ${runs} interleaved runs, ms (${process.platform}/${process.arch}, Node ${process.version})`]
    out.push(`| variant | ${Object.keys(cases).join(' | ')} |`, `|---|${Object.keys(cases).map(() => '---:').join('|')}|`)
    for (const [name, byCase] of samples)
      out.push(`| ${name} | ${Object.values(byCase).map((xs) => median(xs).toFixed(0)).join(' | ')} |`)
    if (existsSync(releaseDir)) {
      out.push('', '| archive | MiB |', '|---|---:|')
      for (const file of readdirSync(releaseDir).filter((f) => /\.(tar\.gz|zip)$/.test(f)))
        out.push(`| ${file} | ${(statSync(join(releaseDir, file)).size / 2 ** 20).toFixed(1)} |`)
    }
    process.stdout.write(`${out.join('\n')}\n`)
  } finally {
    rmSync(work, {recursive: true, force: true})
  }
}

await main()
