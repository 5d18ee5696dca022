// Child processes of a real control plane: launched with logs in the state dir, waited on with a one-line reason
// when they die, and always killed when the owning Node process exits (unless detached for `npm run cluster:up`).
import {spawn} from 'node:child_process'
import type {ChildProcess} from 'node:child_process'
import {closeSync, openSync, readFileSync, writeFileSync} from 'node:fs'
import {createServer} from 'node:net'
import type {AddressInfo} from 'node:net'
import {join} from 'node:path'

export interface Proc {
  name: string
  pid: number
  logPath: string
  child: ChildProcess
  exited: {code: number | null; signal: string | null} | undefined
}

const owned = new Set<Proc>()
const cleanups = new Set<() => void>()

// Runs once after the owned children are killed at exit (e.g. removing a temp state dir).
export function atExit(cleanup: () => void): () => void {
  guardExit()
  cleanups.add(cleanup)
  return () => cleanups.delete(cleanup)
}

function killAllSync(): void {
  for (const p of owned) {
    try {
      process.kill(p.pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
  owned.clear()
  for (const cleanup of cleanups) cleanup()
  cleanups.clear()
}

let guarded = false
// Kills owned children on normal exit, uncaught errors and the usual signals, then lets the signal take effect.
function guardExit(): void {
  if (guarded) return
  guarded = true
  process.on('exit', killAllSync)
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAllSync()
      process.kill(process.pid, signal)
    })
  }
}

// Environment without proxies: the API server must dial `*.svc` webhooks and 127.0.0.1 directly.
function directEnv(): NodeJS.ProcessEnv {
  const env = {...process.env}
  for (const key of Object.keys(env)) if (/^(https?|all|no)_proxy$/i.test(key)) delete env[key]
  return env
}

export function launch(name: string, bin: string, args: string[], stateDir: string, detached: boolean): Proc {
  const logPath = join(stateDir, `${name}.log`)
  const fd = openSync(logPath, 'a')
  const child = spawn(bin, args, {stdio: ['ignore', fd, fd], env: directEnv(), detached})
  closeSync(fd)
  if (child.pid === undefined) throw new Error(`${name}: could not start ${bin}`)
  const proc: Proc = {name, pid: child.pid, logPath, child, exited: undefined}
  child.on('exit', (code, signal) => {
    proc.exited = {code, signal}
    owned.delete(proc)
  })
  writeFileSync(join(stateDir, `${name}.pid`), `${child.pid}\n`)
  if (detached) child.unref()
  else {
    guardExit()
    owned.add(proc)
  }
  return proc
}

// The most telling line of a component's log: the last error/fatal line, else the last line.
export function lastLogReason(logPath: string): string {
  let lines: string[]
  try {
    lines = readFileSync(logPath, 'utf8').trim().split('\n')
  } catch {
    return 'no log'
  }
  const bad = lines.filter((l) => /^[EF]\d{4}|"level":"(error|fatal|panic)"|\berror\b|Error:/i.test(l))
  return (bad.at(-1) ?? lines.at(-1) ?? 'empty log').slice(0, 400)
}

export async function waitFor(
  what: string,
  procs: Proc[],
  ready: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const dead = procs.find((p) => p.exited !== undefined)
    if (dead)
      throw new Error(
        `${dead.name} exited (${dead.exited!.code ?? dead.exited!.signal}) while waiting for ${what}: ${lastLogReason(dead.logPath)}`,
      )
    if (await ready().catch(() => false)) return
    if (Date.now() > deadline) {
      const last = procs.at(-1)!
      throw new Error(
        `${last.name}: not ready (${what}) after ${timeoutMs / 1000} s: ${lastLogReason(last.logPath)}`,
      )
    }
    await new Promise((r) => setTimeout(r, 200))
  }
}

export async function stopProcs(procs: Proc[], graceMs = 5000): Promise<void> {
  for (const p of [...procs].reverse()) {
    if (p.exited !== undefined) continue
    const gone = new Promise<void>((resolve) => p.child.once('exit', () => resolve()))
    p.child.kill('SIGTERM')
    const timer = setTimeout(() => p.child.kill('SIGKILL'), graceMs)
    await gone
    clearTimeout(timer)
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const {port} = server.address() as AddressInfo
      server.close(() => resolve(port))
    })
  })
}
