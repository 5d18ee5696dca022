// NODE_EXTRA_CA_CERTS when bin/'s launcher kept it from node's start (bin/node-extra-ca-certs.cjs): node's default roots
// then lack its certificates, so every connection that trusts the default roots gets them here, as node would have.
import {readFileSync} from 'node:fs'
import {createSecureContext, type SecureContext, type SecureContextOptions} from 'node:tls'
import {spawnSync} from 'node:child_process'

const notLoaded = Symbol.for('kubectl-inject.nodeExtraCaCertsNotLoaded')

/** The NODE_EXTRA_CA_CERTS file node did not load at start, or undefined (unset, or node loaded it itself). */
function unloadedFile(): string | undefined {
  const file = process.env.NODE_EXTRA_CA_CERTS
  return (globalThis as Record<symbol, unknown>)[notLoaded] === true && file !== undefined && file !== ''
    ? file
    : undefined
}

let extra: {readonly pem: string | undefined} | undefined

/** The certificates node did not load (PEM), read once; undefined when there are none or the file cannot be read. */
function unloadedCertificates(): string | undefined {
  if (extra !== undefined) return extra.pem
  const file = unloadedFile()
  let pem: string | undefined
  try {
    if (file !== undefined) pem = readFileSync(file, 'latin1')
  } catch {
    // Unreadable: node's default roots alone, as node itself goes on without the file (the launcher warned).
  }
  extra = {pem}
  return pem
}

/**
 * A secure context on node's default roots (with `options`, e.g. a client certificate), plus the certificates of a
 * NODE_EXTRA_CA_CERTS that node did not load: added to node's own root store, whatever this build takes for it (its
 * bundled roots, or OpenSSL's with --use-openssl-ca), as node's start adds them (src/crypto/crypto_context.cc).
 */
export function secureContextWithDefaultRoots(options: SecureContextOptions = {}): SecureContext {
  const context = createSecureContext(options)
  const pem = unloadedCertificates()
  // The native context's addCACert copies the shared root store before it adds, as it does for node's own `ca`.
  if (pem !== undefined) (context.context as {addCACert(pem: string): void}).addCACert(pem)
  return context
}

/**
 * For code that trusts node's default roots where no context can be passed (client-node's OIDC refresh uses fetch):
 * runs this command again with NODE_EXTRA_CA_CERTS in node's start and ends with its exit code. Call it before any
 * input is read or any credential plugin starts. Does nothing when node loaded the file itself, or it cannot be read.
 */
export function rerunWithExtraCaCertsLoaded(): void {
  if (unloadedCertificates() === undefined) return
  const result = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: process.env,
  })
  if (result.error !== undefined) throw result.error
  if (result.signal !== null) process.kill(process.pid, result.signal)
  process.exit(result.status ?? 1)
}
