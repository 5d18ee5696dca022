// Shared set-up of the fleet tests (inject-check and inject-diff): one kubeconfig naming several API-server doubles,
// each with its own CA and token, and a port nothing listens on for an unreachable context.
import {writeFileSync} from 'node:fs'
import {createServer} from 'node:net'
import {join} from 'node:path'
import {stringify} from 'yaml'
import type {ApiServerDouble} from '../apiserver-double/index.js'

/** A port nothing listens on: bound, then closed again. */
export const closedPort = async (): Promise<number> => {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as {port: number}
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** A context of the fleet kubeconfig: its server, and the double whose CA and token it uses. */
export interface FleetMember {
  readonly name: string
  readonly server: string
  readonly double: ApiServerDouble
}

/** Writes `dir`/kubeconfig with a cluster, a user and a context per member; returns its path. */
export const writeFleetKubeconfig = (
  dir: string,
  members: readonly FleetMember[],
  current: string,
): string => {
  const path = join(dir, 'kubeconfig')
  writeFileSync(
    path,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': current,
      clusters: members.map((m) => ({
        name: `${m.name}-cluster`,
        cluster: {
          server: m.server,
          'certificate-authority-data': Buffer.from(m.double.caData).toString('base64'),
        },
      })),
      users: members.map((m) => ({name: `${m.name}-user`, user: {token: m.double.token}})),
      contexts: members.map((m) => ({
        name: m.name,
        context: {cluster: `${m.name}-cluster`, user: `${m.name}-user`},
      })),
    }),
    {mode: 0o600},
  )
  return path
}
