// Each platform's Node binary, from the registry's per-platform node package at exactly this Node's version (`npm pack`
// checks the tarball's integrity); cached under ~/.cache/kubectl-inject/dist/, the only download `npm run dist` makes.
import {execFileSync} from 'node:child_process'
import {existsSync, mkdirSync, renameSync} from 'node:fs'
import {homedir} from 'node:os'
import {join} from 'node:path'
import {extract} from 'tar'
import type {Platform} from './platforms.js'

export const distCache = (): string =>
  join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'kubectl-inject', 'dist')

/** Path of `platform`'s Node binary at `version` (e.g. v20.20.2), fetched on first use. */
export async function nodeBinary(platform: Platform, version: string = process.version): Promise<string> {
  const dir = join(distCache(), `node-${version}`)
  const bare = version.replace(/^v/, '')
  const target = join(dir, platform.nodePackage, platform.nodeBinary)
  if (existsSync(target)) return target
  mkdirSync(dir, {recursive: true})
  const tarball = join(dir, `${platform.nodePackage}-${bare}.tgz`)
  if (!existsSync(tarball)) {
    process.stderr.write(`fetching ${platform.nodePackage}@${bare} from the npm registry\n`)
    execFileSync('npm', ['pack', `${platform.nodePackage}@${bare}`, '--pack-destination', dir, '--silent'], {
      stdio: ['ignore', 'ignore', 'inherit'],
    })
  }
  const staging = join(dir, `${platform.nodePackage}.partial`)
  mkdirSync(staging, {recursive: true})
  await extract({file: tarball, cwd: staging, strip: 1, filter: (path) => path === `package/${platform.nodeBinary}`})
  if (!existsSync(join(staging, platform.nodeBinary)))
    throw new Error(`${platform.nodePackage}@${bare} has no ${platform.nodeBinary}`)
  renameSync(staging, join(dir, platform.nodePackage))
  return target
}
