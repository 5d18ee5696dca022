// NODE_EXTRA_CA_CERTS when bin/'s launcher kept it from node's start (bin/node-extra-ca-certs.cjs): node's default roots
// then lack its certificates, so every connection that trusts the default roots gets them here, as node would have.
import {readFileSync} from 'node:fs'
import {createSecureContext, rootCertificates, type SecureContext} from 'node:tls'
import {spawnSync} from 'node:child_process'

const notLoaded = Symbol.for('kubectl-inject.nodeExtraCaCertsNotLoaded')

/** The NODE_EXTRA_CA_CERTS file node did not load at start, or undefined (unset, or node loaded it itself). */
export function unloadedExtraCaCerts(): string | undefined {
  const file = process.env.NODE_EXTRA_CA_CERTS
  return (globalThis as Record<symbol, unknown>)[notLoaded] === true && file !== undefined && file !== ''
    ? file
    : undefined
}

let trust: {readonly ca?: string[]} | undefined
let context: {readonly secureContext?: SecureContext} | undefined

/**
 * TLS options for node's default roots: `ca` with node's roots plus NODE_EXTRA_CA_CERTS when node did not load the file
 * itself, else none (node's default is already right). An unreadable file adds nothing (the launcher warned, as node).
 */
export function defaultRootsOption(): {readonly ca?: string[]} {
  if (trust !== undefined) return trust
  const file = unloadedExtraCaCerts()
  trust = {}
  try {
    if (file !== undefined) trust = {ca: [...rootCertificates, readFileSync(file, 'latin1')]}
  } catch {
    // Unreadable: node's default roots alone, as node itself goes on without the file.
  }
  return trust
}

/** The same as one secure context, made once: for connections that would each parse the roots again (proxy tunnels). */
export function defaultRootsContext(): {readonly secureContext?: SecureContext} {
  if (context !== undefined) return context
  const {ca} = defaultRootsOption()
  context = ca === undefined ? {} : {secureContext: createSecureContext({ca})}
  return context
}

/**
 * For code that trusts node's default roots where no `ca` can be passed (client-node's OIDC refresh uses fetch): runs
 * this command again with NODE_EXTRA_CA_CERTS in node's start, and ends with its exit code. Does nothing when node
 * loaded the file itself.
 */
export function rerunWithExtraCaCertsLoaded(): void {
  if (unloadedExtraCaCerts() === undefined) return
  const result = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: process.env,
  })
  if (result.signal !== null) process.kill(process.pid, result.signal)
  process.exit(result.status ?? 1)
}
