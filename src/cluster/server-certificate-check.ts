// The TLS fast path's check of an API server certificate: it accepts only the simplest shape (the kubeconfig's own
// self-signed CA issued the leaf, or is the leaf); for every other certificate it says why, and OpenSSL decides instead.
import {X509Certificate} from 'node:crypto'
import {checkServerIdentity, type PeerCertificate} from 'node:tls'
import {keyUsageBits, readCertificateFacts, type CertificateFacts} from './certificate-der.js'

/** A kubeconfig CA the fast path may use: parsed, self-signed, with a shape both OpenSSL and Go accept. */
export interface Authority {
  readonly cert: X509Certificate
  readonly facts: CertificateFacts
}

export type ServerVerdict = {readonly accepted: true} | {readonly accepted: false; readonly reason: string}

const BASIC_CONSTRAINTS = '2.5.29.19'
const KEY_USAGE = '2.5.29.15'
const EXTENDED_KEY_USAGE = '2.5.29.37'
const SUBJECT_ALT_NAME = '2.5.29.17'
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1'

// Go's crypto/x509 (parser.go) and OpenSSL (v3_purp.c) both reject a critical extension they do not process; these four they do.
const mayBeCritical = new Set([BASIC_CONSTRAINTS, KEY_USAGE, EXTENDED_KEY_USAGE, SUBJECT_ALT_NAME])
// Extensions that change nothing in either verifier: key identifiers, CRL/OCSP pointers, issuer names, SCTs, comments.
// Not here, so OpenSSL decides: nameConstraints, policies, Netscape cert type, proxy certificates, anything unknown.
const harmless = new Set([
  ...mayBeCritical,
  '2.5.29.14',
  '2.5.29.35',
  '2.5.29.31',
  '1.3.6.1.5.5.7.1.1',
  '2.5.29.18',
  '1.3.6.1.4.1.11129.2.4.2',
  '2.16.840.1.113730.1.13',
])
// SHA-2 RSA PKCS#1 v1.5, SHA-2 ECDSA, Ed25519: accepted by Go (x509.go signatureAlgorithmDetails) and OpenSSL security level 1.
const strongSignatures = new Set([
  '1.2.840.113549.1.1.11',
  '1.2.840.113549.1.1.12',
  '1.2.840.113549.1.1.13',
  '1.2.840.10045.4.3.2',
  '1.2.840.10045.4.3.3',
  '1.2.840.10045.4.3.4',
  '1.3.101.112',
])
const namedCurves = new Set(['prime256v1', 'secp384r1', 'secp521r1'])

const PEM_BLOCK =
  /^-----BEGIN CERTIFICATE-----\r?\n([A-Za-z0-9+/=\r\n]+?)\r?\n-----END CERTIFICATE-----\r?$/gm
/** More CAs than this and the bundle is not the simple shape: parsing them all would cost what the fast path saves. */
const MAX_AUTHORITIES = 8

/** The kubeconfig CAs for the fast path, or why not (any block that is not a plain, parsable certificate). */
export function authoritiesOf(bundle: Buffer): readonly Authority[] | string {
  const text = bundle.toString('latin1')
  const blocks = [...text.matchAll(PEM_BLOCK)].map((match) => match[0])
  // OpenSSL's PEM reader sees every BEGIN line; one this pattern does not match is a block we cannot judge.
  if (blocks.length === 0 || blocks.length !== text.split('-----BEGIN').length - 1)
    return 'the CA bundle is not a list of PEM CERTIFICATE blocks'
  if (blocks.length > MAX_AUTHORITIES) return `the CA bundle holds more than ${MAX_AUTHORITIES} certificates`
  const authorities: Authority[] = []
  for (const block of blocks) {
    try {
      const cert = new X509Certificate(block)
      // OpenSSL's store keeps one copy of a certificate listed twice (X509_STORE_add_cert); so does this list.
      if (authorities.some((known) => known.cert.raw.equals(cert.raw))) continue
      authorities.push({cert, facts: readCertificateFacts(cert.raw)})
    } catch {
      return 'a certificate in the CA bundle does not parse'
    }
  }
  return authorities
}

/** Why `cert` falls outside the shape the fast path accepts (undefined: inside it); `now` in ms since the epoch. */
function shapeProblem(cert: X509Certificate, facts: CertificateFacts, now: number): string | undefined {
  // Go verify.go isValid: every certificate of the chain must be inside its validity period (OpenSSL: check_cert_time).
  if (!(facts.notBefore <= now && now <= facts.notAfter)) return 'outside its validity period'
  for (const [oid, extension] of facts.extensions) {
    if (!harmless.has(oid)) return `extension ${oid} is for OpenSSL to judge`
    if (extension.critical && !mayBeCritical.has(oid)) return `critical extension ${oid}`
  }
  if (!strongSignatures.has(facts.signatureAlgorithm))
    return `signature algorithm ${facts.signatureAlgorithm} is for OpenSSL to judge`
  const key = cert.publicKey
  const details = key.asymmetricKeyDetails ?? {}
  const strongKey =
    (key.asymmetricKeyType === 'rsa' &&
      (details.modulusLength ?? 0) >= 2048 &&
      (details.modulusLength ?? 0) <= 8192) ||
    (key.asymmetricKeyType === 'ec' && namedCurves.has(details.namedCurve ?? '')) ||
    key.asymmetricKeyType === 'ed25519'
  if (!strongKey) return `a ${key.asymmetricKeyType ?? 'unknown'} key is for OpenSSL to judge`
  // Go verify.go checkChainForKeyUsage: an ExtKeyUsage, where present, must allow serverAuth (OpenSSL v3_purp.c: the same).
  if (cert.keyUsage !== undefined && !cert.keyUsage.includes(SERVER_AUTH))
    return 'its ExtKeyUsage lacks serverAuth'
  return undefined
}

// checkIssued is OpenSSL's X509_check_issued (names, key identifiers, keyCertSign); verify checks the signature itself.
const isSelfSigned = (cert: X509Certificate): boolean => cert.checkIssued(cert) && cert.verify(cert.publicKey)

/** Why the leaf as a server certificate is outside the shape: OpenSSL v3_purp.c check_ssl_server's keyUsage rule. */
function leafProblem(leaf: X509Certificate, facts: CertificateFacts, now: number): string | undefined {
  const problem = shapeProblem(leaf, facts, now)
  if (problem !== undefined) return `the server certificate: ${problem}`
  const keyUsage = facts.extensions.get(KEY_USAGE)
  // digitalSignature, keyEncipherment or keyAgreement (KU_TLS), where keyUsage is present.
  if (keyUsage !== undefined && (keyUsageBits(keyUsage.value) & 0xa8) === 0)
    return 'the server certificate: its keyUsage allows no TLS use'
  return undefined
}

/** Why the kubeconfig CA cannot vouch for the leaf by itself (undefined: it can). */
function authorityProblem(authority: Authority, leaf: X509Certificate, now: number): string | undefined {
  const {cert, facts} = authority
  const problem = shapeProblem(cert, facts, now)
  if (problem !== undefined) return `the kubeconfig CA: ${problem}`
  if (!isSelfSigned(cert)) return 'the kubeconfig CA is not self-signed'
  if (cert.raw.equals(leaf.raw)) return undefined
  // OpenSSL x509_vfy.c check_chain_extensions: an issuer must be a CA (basicConstraints cA, keyCertSign if keyUsage).
  if (!cert.ca) return 'the kubeconfig CA is not a CA certificate'
  if (!leaf.verify(cert.publicKey)) return 'the signature of the server certificate does not verify'
  return undefined
}

/**
 * Accepts the server only in the simplest shape: its leaf is a self-signed kubeconfig CA, or was issued directly by
 * exactly one kubeconfig CA, which is self-signed (Go verify.go: a chain leaf → root). `peer` is the leaf as
 * getPeerCertificate(true) gives it, also for the hostname check node itself makes.
 */
export function verifyServer(
  peer: PeerCertificate,
  hostname: string,
  authorities: readonly Authority[],
  now: number,
): ServerVerdict {
  try {
    const leaf = new X509Certificate(peer.raw)
    const leafFacts = readCertificateFacts(leaf.raw)
    const problem = leafProblem(leaf, leafFacts, now)
    if (problem !== undefined) return {accepted: false, reason: problem}
    // OpenSSL looks the issuer up by name and key identifier; two candidates and it might pick the other one.
    const issuers = authorities.filter(
      (authority) => authority.cert.raw.equals(leaf.raw) || leaf.checkIssued(authority.cert),
    )
    if (issuers.length !== 1)
      return {
        accepted: false,
        reason: `${issuers.length} kubeconfig CAs could have issued the server certificate`,
      }
    const issuerProblem = authorityProblem(issuers[0]!, leaf, now)
    if (issuerProblem !== undefined) return {accepted: false, reason: issuerProblem}
    // node _tls_wrap.js onConnectSecure: checkServerIdentity(servername || host, getPeerCertificate(true)).
    const mismatch = checkServerIdentity(hostname, peer)
    if (mismatch !== undefined)
      return {accepted: false, reason: `the server certificate: ${mismatch.message}`}
    return {accepted: true}
  } catch {
    return {accepted: false, reason: 'a certificate does not parse'}
  }
}
