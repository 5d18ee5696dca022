// Kubeconfigs for the connection tests, written from plain objects, and a scripted exec credential plugin.
import {chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {execFileSync} from 'node:child_process'
import {stringify} from 'yaml'
import {tlsFixturePath} from '../apiserver-double/index.js'

export const scratchDir = (prefix: string): string => mkdtempSync(join(tmpdir(), `${prefix}-`))

export interface KubeconfigParts {
  readonly cluster: Record<string, unknown>
  readonly user?: Record<string, unknown>
  readonly context?: string
  readonly userName?: string
  readonly extraContexts?: readonly {name: string; cluster?: string; user?: string}[]
}

/** One context `ctx` (cluster `c`, user `u`) as given; returns the file's path. */
export function writeKubeconfig(path: string, parts: KubeconfigParts): string {
  const contextName = parts.context ?? 'ctx'
  const userName = parts.userName ?? 'u'
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': contextName,
    clusters: [{name: 'c', cluster: parts.cluster}],
    users: parts.user === undefined ? [] : [{name: userName, user: parts.user}],
    contexts: [
      {name: contextName, context: {cluster: 'c', user: userName}},
      ...(parts.extraContexts ?? []).map((c) => ({
        name: c.name,
        context: {cluster: c.cluster ?? 'c', user: c.user ?? userName},
      })),
    ],
  }
  writeFileSync(path, stringify(config), {mode: 0o600})
  return path
}

export const caData = (): string => readFileSync(tlsFixturePath('ca.pem')).toString('base64')

/** A kubeconfig user with a v1 exec stanza that never prompts; `exec` adds to or overrides its fields. */
export const execUser = (exec: Record<string, unknown>): Record<string, unknown> => ({
  exec: {apiVersion: 'client.authentication.k8s.io/v1', interactiveMode: 'Never', ...exec},
})

// A credential plugin that logs each call (argv, env it was given, KUBERNETES_EXEC_INFO, whether stdin is a terminal)
// and prints an ExecCredential. PLUGIN_TOKENS: comma list, call n answers entry n (the last one repeats).
const pluginSource = `
const fs = require('node:fs')
const log = process.env.PLUGIN_LOG
const calls = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\\n').filter(Boolean).length : 0
let answer = ''
if (process.env.PLUGIN_READ_LINE === '1' && require('node:tty').isatty(0)) {
  process.stderr.write('enter the device code: ')
  const buffer = Buffer.alloc(64)
  const n = fs.readSync(0, buffer, 0, 64, null)
  answer = buffer.subarray(0, n).toString('utf8').trim()
}
fs.appendFileSync(log, JSON.stringify({argv: process.argv.slice(2), greeting: process.env.GREETING, info: JSON.parse(process.env.KUBERNETES_EXEC_INFO || 'null'), stdinIsTTY: require('node:tty').isatty(0), answer}) + '\\n')
const finish = () => {
  if (process.env.PLUGIN_FAIL === '1') process.exit(3)
  const tokens = (process.env.PLUGIN_TOKENS || '').split(',')
  const status = {}
  if (process.env.PLUGIN_TOKENS) status.token = tokens[Math.min(calls, tokens.length - 1)]
  if (process.env.PLUGIN_CERT) {
    status.clientCertificateData = fs.readFileSync(process.env.PLUGIN_CERT, 'utf8')
    status.clientKeyData = fs.readFileSync(process.env.PLUGIN_KEY, 'utf8')
  }
  if (process.env.PLUGIN_EXPIRES_IN_S) status.expirationTimestamp = new Date(Date.now() + Number(process.env.PLUGIN_EXPIRES_IN_S) * 1000).toISOString()
  process.stdout.write(JSON.stringify({apiVersion: process.env.PLUGIN_API_VERSION || 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status}))
}
setTimeout(finish, Number(process.env.PLUGIN_SLEEP_MS || 0))
`

/** Writes the plugin as an executable `name` in `dir` (shebang: this node); returns its path. */
export function writePlugin(dir: string, name = 'kubectl-inject-test-credentials'): string {
  mkdirSync(dir, {recursive: true})
  const path = join(dir, name)
  writeFileSync(path, `#!${process.execPath}\n${pluginSource}`)
  chmodSync(path, 0o755)
  return path
}

export interface PluginCall {
  argv: string[]
  greeting?: string
  info: {apiVersion: string; kind: string; spec: {interactive: boolean; cluster?: Record<string, unknown>}}
  stdinIsTTY: boolean
  answer: string
}

export const pluginCalls = (log: string): PluginCall[] =>
  existsSync(log)
    ? readFileSync(log, 'utf8')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as PluginCall)
    : []

/** A client certificate signed by the test CA (kube-apiserver --client-ca-file reads the CN as the user). */
export function clientCertificate(dir: string, cn: string): {cert: string; key: string} {
  const run = (args: string[]) =>
    execFileSync('openssl', args, {cwd: dir, stdio: ['ignore', 'ignore', 'pipe']})
  run([
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    'client.key',
    '-out',
    'client.csr',
    '-subj',
    `/CN=${cn}`,
  ])
  writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n')
  run([
    'x509',
    '-req',
    '-in',
    'client.csr',
    '-CA',
    tlsFixturePath('ca.pem'),
    '-CAkey',
    tlsFixturePath('ca-key.pem'),
    '-CAcreateserial',
    '-CAserial',
    join(dir, 'ca.srl'),
    '-out',
    'client.crt',
    '-days',
    '2',
    '-extfile',
    'client.ext',
  ])
  return {cert: join(dir, 'client.crt'), key: join(dir, 'client.key')}
}
