// Writes kubeconfig files (CA data + bearer token) pointing at the double.
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {stringify} from 'yaml'

export interface ExtraContext {
  name: string
  namespace?: string
  token?: string
  caData?: string
  server?: string
}

export interface KubeconfigOptions {
  dir?: string
  fileName?: string
  context?: string
  namespace?: string
  token?: string
  caData?: string
  server?: string
  extraContexts?: ExtraContext[]
}

interface Defaults {
  server: string
  caData: string
  token: string
}

export function writeKubeconfigFile(defaults: Defaults, options: KubeconfigOptions): string {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'apiserver-double-'))
  const main: ExtraContext = {
    name: options.context ?? 'double',
    ...(options.namespace ? {namespace: options.namespace} : {}),
    token: options.token ?? defaults.token,
    caData: options.caData ?? defaults.caData,
    server: options.server ?? defaults.server,
  }
  const all = [main, ...(options.extraContexts ?? [])]
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    'current-context': main.name,
    clusters: all.map((c) => ({
      name: `${c.name}-cluster`,
      cluster: {
        server: c.server ?? defaults.server,
        'certificate-authority-data': Buffer.from(c.caData ?? defaults.caData).toString('base64'),
      },
    })),
    users: all.map((c) => ({name: `${c.name}-user`, user: {token: c.token ?? defaults.token}})),
    contexts: all.map((c) => ({
      name: c.name,
      context: {
        cluster: `${c.name}-cluster`,
        user: `${c.name}-user`,
        ...(c.namespace ? {namespace: c.namespace} : {}),
      },
    })),
  }
  const path = join(dir, options.fileName ?? 'kubeconfig')
  writeFileSync(path, stringify(config), {mode: 0o600})
  return path
}
