// A real Kubernetes control plane for tests: etcd, kube-apiserver and kube-controller-manager built from the Go
// modules beside this file, on free loopback ports, with their own PKI, tokens, audit log and state directory.
import {execFile} from 'node:child_process'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {request as httpRequest} from 'node:http'
import {request as httpsRequest} from 'node:https'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {stringify} from 'yaml'
import {binariesCached, ensureBinaries, goVersion, plannedBinaries} from '../../scripts/real-cluster/build.js'
import type {Binaries} from '../../scripts/real-cluster/build.js'
import {generatePki} from './pki.js'
import type {Identity, Pki} from './pki.js'
import {atExit, freePort, launch, stopProcs, waitFor} from './processes.js'
import type {Proc} from './processes.js'

export interface Run {
  code: number
  stdout: string
  stderr: string
}

export interface KubectlOptions {
  context?: 'admin' | 'limited' | 'inspector'
  input?: string
  env?: NodeJS.ProcessEnv
  timeoutMs?: number
}

export interface ApiResponse {
  status: number
  body: string
  json: () => Record<string, unknown>
}

export interface RealCluster {
  kubeVersion: string
  etcdVersion: string
  server: string
  caPem: string
  stateDir: string
  // etcd's client URL (its HTTP gateway serves /v3/kv/range and /v3/kv/compaction).
  etcdUrl: string
  kubeconfigPath: string
  auditLogPath: string
  identities: Pki['identities']
  // The namespace the `limited` context may get/list pods in (and nothing else).
  limitedNamespace: string
  // KUBECONFIG is the cluster's (current context admin); `context` adds --context after the args.
  kubectl(args: string[], options?: KubectlOptions): Promise<Run>
  api(method: string, path: string, body?: unknown, who?: Identity): Promise<ApiResponse>
  processes: Proc[]
  stop(): Promise<void>
}

export interface StartOptions {
  // Default: a fresh temp dir, removed by stop(). cluster:up passes .tmp/real-cluster and detached: true.
  stateDir?: string
  detached?: boolean
  log?: (line: string) => void
  timeoutMs?: number
  // Extra kube-apiserver flags after the defaults (e.g. --feature-gates=ListFromCacheSnapshot=false).
  apiserverArgs?: string[]
}

export type Availability = {available: true; how: string} | {available: false; reason: string}

export function realClusterAvailable(): Availability {
  const b = plannedBinaries()
  if (binariesCached(b)) return {available: true, how: `cached binaries for ${b.kubeVersion}`}
  const go = goVersion()
  if (go) return {available: true, how: `${go} will build ${b.kubeVersion} (cold: several minutes)`}
  return {available: false, reason: `no cached binaries for ${b.kubeVersion} and no Go toolchain on PATH`}
}

// Audit everything but health probes and the control plane's own traffic: tests read who wrote what.
const auditPolicy = {
  apiVersion: 'audit.k8s.io/v1',
  kind: 'Policy',
  omitStages: ['RequestReceived'],
  rules: [
    {level: 'None', users: ['system:apiserver', 'system:kube-controller-manager']},
    {level: 'None', nonResourceURLs: ['/readyz*', '/healthz*', '/livez*']},
    {level: 'Metadata'},
  ],
}

export const limitedNamespace = 'team-a'

// The limited user: get/list pods in one namespace through a Role and RoleBinding, nothing else.
const limitedRbac = (user: string): object[] => [
  {apiVersion: 'v1', kind: 'Namespace', metadata: {name: limitedNamespace}},
  {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: {name: 'pod-reader', namespace: limitedNamespace},
    rules: [{apiGroups: [''], resources: ['pods'], verbs: ['get', 'list']}],
  },
  {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: {name: 'pod-reader', namespace: limitedNamespace},
    roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader'},
    subjects: [{apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user}],
  },
]

function httpCall(
  url: string,
  options: {method?: string; token?: string; ca?: string; body?: unknown},
): Promise<ApiResponse> {
  return new Promise((resolve, reject) => {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body)
    const headers: Record<string, string> = {accept: 'application/json'}
    if (options.token) headers.authorization = `Bearer ${options.token}`
    if (payload) headers['content-type'] = 'application/json'
    const request = url.startsWith('https:') ? httpsRequest : httpRequest
    const req = request(
      url,
      {method: options.method ?? 'GET', headers, ca: options.ca, timeout: 10_000},
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8')
          resolve({
            status: res.statusCode ?? 0,
            body,
            json: () => JSON.parse(body) as Record<string, unknown>,
          })
        })
      },
    )
    req.on('timeout', () => req.destroy(new Error(`timeout on ${url}`)))
    req.on('error', reject)
    req.end(payload)
  })
}

function kubeconfig(server: string, caPem: string, pki: Pki): string {
  const ids = {
    admin: pki.identities.admin,
    limited: pki.identities.limited,
    inspector: pki.identities.inspector,
  }
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': 'admin',
    clusters: [
      {
        name: 'real',
        cluster: {server, 'certificate-authority-data': Buffer.from(caPem).toString('base64')},
      },
    ],
    users: Object.entries(ids).map(([name, id]) => ({name, user: {token: id.token}})),
    contexts: Object.keys(ids).map((name) => ({
      name,
      context: {cluster: 'real', user: name, ...(name === 'limited' ? {namespace: limitedNamespace} : {})},
    })),
  })
}

const kcmControllers = [
  'namespace-controller',
  'serviceaccount-controller',
  'serviceaccount-token-controller',
  'garbage-collector-controller',
  'deployment-controller',
  'replicaset-controller',
  'statefulset-controller',
  'daemonset-controller',
  'job-controller',
  'cronjob-controller',
  'root-ca-certificate-publisher-controller',
  // ResourceQuota admission rejects creates in a namespace whose quota has no computed status.
  'resourcequota-controller',
]

const seconds = (start: number): string => `${((Date.now() - start) / 1000).toFixed(1)} s`

export async function startRealCluster(options: StartOptions = {}): Promise<RealCluster> {
  const log = options.log ?? (() => {})
  const timeoutMs = options.timeoutMs ?? 120_000
  const detached = options.detached ?? false
  const ownsDir = options.stateDir === undefined
  const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), 'real-cluster-'))
  mkdirSync(stateDir, {recursive: true})
  const bins = await ensureBinaries(log)
  const processes: Proc[] = []
  const removeDir = (): void => {
    if (ownsDir && !process.env.KEEP_REAL_CLUSTER) rmSync(stateDir, {recursive: true, force: true})
  }
  const forget = detached ? () => false : atExit(removeDir)
  const stop = async (): Promise<void> => {
    await stopProcs(processes)
    forget()
    removeDir()
  }
  try {
    const apiserverArgs = options.apiserverArgs ?? []
    return await bootControlPlane({stateDir, bins, processes, detached, log, timeoutMs, apiserverArgs}, stop)
  } catch (error) {
    await stop()
    throw error
  }
}

interface Boot {
  stateDir: string
  bins: Binaries
  processes: Proc[]
  detached: boolean
  log: (line: string) => void
  timeoutMs: number
  apiserverArgs: string[]
}

const start = (boot: Boot, name: string, bin: string, args: string[]): void => {
  boot.processes.push(launch(name, bin, args, boot.stateDir, boot.detached))
}

async function startEtcd(boot: Boot): Promise<string> {
  const began = Date.now()
  const [client, peer] = await Promise.all([freePort(), freePort()])
  const url = `http://127.0.0.1:${client}`
  const peerUrl = `http://127.0.0.1:${peer}`
  start(boot, 'etcd', boot.bins.etcd, [
    '--name=real',
    `--data-dir=${join(boot.stateDir, 'etcd')}`,
    `--listen-client-urls=${url}`,
    `--advertise-client-urls=${url}`,
    `--listen-peer-urls=${peerUrl}`,
    `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=real=${peerUrl}`,
    '--unsafe-no-fsync=true',
  ])
  const healthy = async (): Promise<boolean> => (await httpCall(`${url}/health`, {})).status === 200
  await waitFor('etcd /health', boot.processes, healthy, boot.timeoutMs)
  boot.log(`etcd ${boot.bins.etcdVersion}: ready on ${url} (${seconds(began)})`)
  return url
}

type Api = RealCluster['api']

async function startApiServer(boot: Boot, pki: Pki, etcdUrl: string): Promise<{server: string; api: Api}> {
  const began = Date.now()
  const port = await freePort()
  const auditPolicyPath = join(boot.stateDir, 'audit-policy.yaml')
  writeFileSync(auditPolicyPath, stringify(auditPolicy))
  start(boot, 'kube-apiserver', boot.bins.kubeApiserver, [
    `--etcd-servers=${etcdUrl}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${port}`,
    '--advertise-address=127.0.0.1',
    '--endpoint-reconciler-type=none',
    `--cert-dir=${join(boot.stateDir, 'apiserver-certs')}`,
    `--tls-cert-file=${pki.serverCert}`,
    `--tls-private-key-file=${pki.serverKey}`,
    `--client-ca-file=${pki.caCert}`,
    `--token-auth-file=${pki.tokenFile}`,
    '--service-account-issuer=https://kubernetes.default.svc',
    `--service-account-key-file=${pki.saPub}`,
    `--service-account-signing-key-file=${pki.saKey}`,
    '--service-cluster-ip-range=10.0.0.0/24',
    '--authorization-mode=RBAC',
    '--allow-privileged=true',
    `--audit-policy-file=${auditPolicyPath}`,
    `--audit-log-path=${join(boot.stateDir, 'audit.log')}`,
    '--audit-log-maxbackup=1',
    '--profiling=false',
    ...boot.apiserverArgs,
  ])
  const server = `https://127.0.0.1:${port}`
  const api: Api = (method, path, body, who = pki.identities.admin) =>
    httpCall(server + path, {method, token: who.token, ca: pki.caPem, body})
  const ready = async (): Promise<boolean> => (await api('GET', '/readyz')).status === 200
  await waitFor('/readyz', boot.processes, ready, boot.timeoutMs)
  boot.log(`kube-apiserver ${boot.bins.kubeVersion}: /readyz ok on ${server} (${seconds(began)})`)
  return {server, api}
}

// KCM authenticates as system:kube-controller-manager (system:masters), which the audit policy leaves out.
function startControllerManager(boot: Boot, pki: Pki, server: string): void {
  const kubeconfigPath = join(boot.stateDir, 'kube-controller-manager.kubeconfig')
  const identities = {...pki.identities, admin: pki.identities.controllerManager}
  writeFileSync(kubeconfigPath, kubeconfig(server, pki.caPem, {...pki, identities}), {mode: 0o600})
  start(boot, 'kube-controller-manager', boot.bins.kubeControllerManager, [
    `--kubeconfig=${kubeconfigPath}`,
    '--leader-elect=false',
    '--bind-address=127.0.0.1',
    '--secure-port=0',
    `--controllers=${kcmControllers.join(',')}`,
    `--root-ca-file=${pki.caCert}`,
    `--service-account-private-key-file=${pki.saKey}`,
    '--use-service-account-credentials=false',
  ])
}

async function createLimitedUser(api: Api, user: string): Promise<void> {
  for (const object of limitedRbac(user)) {
    const o = object as {kind: string; metadata: {namespace?: string}}
    const path =
      o.kind === 'Namespace'
        ? '/api/v1/namespaces'
        : `/apis/rbac.authorization.k8s.io/v1/namespaces/${o.metadata.namespace}/${o.kind.toLowerCase()}s`
    const res = await api('POST', path, object)
    if (res.status !== 201)
      throw new Error(`setup: creating ${o.kind} answered ${res.status}: ${res.body.slice(0, 200)}`)
  }
}

// Readiness of the controllers: the serviceaccount-controller has created `default` where pods will be made.
async function waitForServiceAccounts(boot: Boot, api: Api): Promise<void> {
  const began = Date.now()
  const exists = async (ns: string): Promise<boolean> =>
    (await api('GET', `/api/v1/namespaces/${ns}/serviceaccounts/default`)).status === 200
  const ready = async (): Promise<boolean> => (await exists('default')) && (await exists(limitedNamespace))
  await waitFor('ServiceAccount default (serviceaccount-controller)', boot.processes, ready, boot.timeoutMs)
  boot.log(`kube-controller-manager: default ServiceAccounts exist (${seconds(began)})`)
}

function kubectlRunner(kubeconfigPath: string): RealCluster['kubectl'] {
  return (args, o = {}) =>
    new Promise((resolve) => {
      const child = execFile(
        'kubectl',
        // Flags after the args: kubectl only finds a plugin when its name comes first.
        [...args, ...(o.context ? ['--context', o.context] : [])],
        {
          timeout: o.timeoutMs ?? 60_000,
          encoding: 'utf8',
          env: {...process.env, KUBECONFIG: kubeconfigPath, ...o.env},
        },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0
          resolve({code, stdout, stderr})
        },
      )
      if (o.input !== undefined) child.stdin?.end(o.input)
    })
}

async function bootControlPlane(boot: Boot, stop: () => Promise<void>): Promise<RealCluster> {
  const began = Date.now()
  const pki = generatePki(join(boot.stateDir, 'pki'))
  boot.log(`pki: CA, serving cert, service-account key, tokens in ${pki.dir} (${seconds(began)})`)
  const etcdUrl = await startEtcd(boot)
  const {server, api} = await startApiServer(boot, pki, etcdUrl)
  const kubeconfigPath = join(boot.stateDir, 'kubeconfig')
  writeFileSync(kubeconfigPath, kubeconfig(server, pki.caPem, pki), {mode: 0o600})
  startControllerManager(boot, pki, server)
  await createLimitedUser(api, pki.identities.limited.user)
  await waitForServiceAccounts(boot, api)
  return {
    kubeVersion: boot.bins.kubeVersion,
    etcdVersion: boot.bins.etcdVersion,
    server,
    caPem: pki.caPem,
    stateDir: boot.stateDir,
    etcdUrl,
    kubeconfigPath,
    auditLogPath: join(boot.stateDir, 'audit.log'),
    identities: pki.identities,
    limitedNamespace,
    kubectl: kubectlRunner(kubeconfigPath),
    api,
    processes: boot.processes,
    stop,
  }
}
