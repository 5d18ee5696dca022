// Decoding and judging a webhook caBundle: base64 PEM on the wire, one or more certificates.
import {X509Certificate} from 'node:crypto'

export interface BundleCertificate {
  readonly subject: string
  readonly issuer: string
  readonly notBefore: string
  readonly notAfter: string
  readonly ca: boolean
  /** SHA-256 fingerprint, colon-separated hex, as openssl prints it. */
  readonly fingerprint: string
  readonly dnsNames: readonly string[]
  /** Kept for name checks; X509Certificate is immutable. */
  readonly certificate: X509Certificate
}

export type BundleDecoding =
  | {readonly kind: 'Missing'}
  | {readonly kind: 'Invalid'; readonly error: string}
  | {readonly kind: 'Certificates'; readonly certificates: readonly BundleCertificate[]}

const pemBlock = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g

/** Accepts the wire form (base64 of PEM) and, for hand-made snapshots, PEM text itself. */
// Decoding is a pure function of the text; every pod of a sweep asks about the same few bundles.
const decoded = new Map<string, BundleDecoding>()

export const decodeCABundle = (caBundle: string | undefined): BundleDecoding => {
  const key = caBundle ?? ''
  const known = decoded.get(key)
  if (known !== undefined) return known
  const result = decodeCABundleText(key)
  if (decoded.size > 256) decoded.clear()
  decoded.set(key, result)
  return result
}

const decodeCABundleText = (caBundle: string): BundleDecoding => {
  const raw = caBundle.trim()
  if (raw === '') return {kind: 'Missing'}
  let pem = raw
  if (!raw.startsWith('-----BEGIN')) {
    if (!/^[A-Za-z0-9+/=\s]+$/.test(raw))
      return {kind: 'Invalid', error: 'caBundle is neither base64 nor PEM'}
    pem = Buffer.from(raw, 'base64').toString('utf8')
  }
  const blocks = pem.match(pemBlock) ?? []
  if (blocks.length === 0)
    return {kind: 'Invalid', error: 'no "BEGIN CERTIFICATE" block after base64 decoding'}
  const certificates: BundleCertificate[] = []
  for (const [index, block] of blocks.entries()) {
    try {
      certificates.push(describeCertificate(new X509Certificate(block)))
    } catch (error) {
      return {kind: 'Invalid', error: `certificate ${index + 1} does not parse: ${(error as Error).message}`}
    }
  }
  return {kind: 'Certificates', certificates}
}

export const describeCertificate = (certificate: X509Certificate): BundleCertificate => ({
  subject: certificate.subject.replace(/\n/g, ', '),
  issuer: certificate.issuer.replace(/\n/g, ', '),
  notBefore: new Date(certificate.validFrom).toISOString(),
  notAfter: new Date(certificate.validTo).toISOString(),
  ca: certificate.ca,
  fingerprint: certificate.fingerprint256,
  dnsNames: (certificate.subjectAltName ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.startsWith('DNS:'))
    .map((entry) => entry.slice(4)),
  certificate,
})

/** Whole days from now until notAfter (negative once expired). */
export const daysUntilExpiry = (certificate: BundleCertificate, now: Date): number =>
  Math.floor((Date.parse(certificate.notAfter) - now.getTime()) / 86_400_000)

/** A leaf (CA:FALSE) certificate used directly as the bundle must name the host the API server dials. */
export const coversHost = (certificate: BundleCertificate, host: string): boolean =>
  certificate.certificate.checkHost(host, {subject: 'default'}) !== undefined
