// Where `npm run cluster:up` keeps its PKI, data, logs and pid files: .tmp/ in the checkout (git-ignored).
import {existsSync, readFileSync, readdirSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

export const stateDir = fileURLToPath(new URL('../../.tmp/real-cluster/', import.meta.url))

export interface Running {
  name: string
  pid: number
}

// Components whose pid file names a live process that is still that component (guards against pid reuse).
export function runningComponents(): Running[] {
  if (!existsSync(stateDir)) return []
  return readdirSync(stateDir)
    .filter((f) => f.endsWith('.pid'))
    .map((f) => ({name: f.slice(0, -4), pid: Number(readFileSync(join(stateDir, f), 'utf8').trim())}))
    .filter(({name, pid}) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0]!.endsWith(name)
      } catch {
        return false
      }
    })
}
