// The few parts of a DER X.509 certificate (RFC 5280 §4.1) that node's X509Certificate does not expose: the signature
// algorithm, the validity period and the extensions. Anything unexpected throws: the caller then lets OpenSSL decide.

/** One extension: whether it is critical, and its extnValue (the DER inside the OCTET STRING). */
export interface CertificateExtension {
  readonly critical: boolean
  readonly value: Buffer
}

export interface CertificateFacts {
  /** The outer signatureAlgorithm's OID, dotted. */
  readonly signatureAlgorithm: string
  /** Milliseconds since the epoch. */
  readonly notBefore: number
  readonly notAfter: number
  /** By OID, dotted; a certificate that repeats one throws (RFC 5280 §4.2: at most one instance). */
  readonly extensions: ReadonlyMap<string, CertificateExtension>
}

interface Element {
  readonly tag: number
  /** Where the contents start and end in the buffer. */
  readonly start: number
  readonly end: number
}

const SEQUENCE = 0x30
const OID = 0x06
const BOOLEAN = 0x01
const OCTET_STRING = 0x04
const BIT_STRING = 0x03
const UTC_TIME = 0x17
const GENERALIZED_TIME = 0x18
const EXPLICIT_0 = 0xa0
const EXPLICIT_3 = 0xa3

class MalformedCertificate extends Error {}

// A single-byte tag and a definite length (short form, or long form up to 4 bytes), inside [offset, limit).
function elementAt(der: Buffer, offset: number, limit: number): Element {
  if (offset + 2 > limit) throw new MalformedCertificate('truncated element')
  const tag = der[offset]!
  if ((tag & 0x1f) === 0x1f) throw new MalformedCertificate('multi-byte tag')
  let length = der[offset + 1]!
  let start = offset + 2
  if (length & 0x80) {
    const count = length & 0x7f
    if (count === 0 || count > 4 || start + count > limit) throw new MalformedCertificate('bad length')
    length = 0
    for (let i = 0; i < count; i++) length = length * 256 + der[start + i]!
    start += count
  }
  const end = start + length
  if (end > limit) throw new MalformedCertificate('element overruns its parent')
  return {tag, start, end}
}

/** The elements directly inside `parent`, in order. */
function childrenOf(der: Buffer, parent: Element): Element[] {
  const children: Element[] = []
  for (let offset = parent.start; offset < parent.end;) {
    const child = elementAt(der, offset, parent.end)
    children.push(child)
    offset = child.end
  }
  return children
}

function expect(element: Element | undefined, tag: number): Element {
  if (element === undefined || element.tag !== tag)
    throw new MalformedCertificate(`expected tag 0x${tag.toString(16)}`)
  return element
}

function oidText(der: Buffer, element: Element): string {
  const bytes = der.subarray(element.start, element.end)
  if (bytes.length === 0) throw new MalformedCertificate('empty OID')
  const arcs: number[] = []
  let value = 0
  for (const byte of bytes) {
    value = value * 128 + (byte & 0x7f)
    if (byte & 0x80) continue
    arcs.push(value)
    value = 0
  }
  const first = arcs.shift()!
  const head = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80]
  return [...head, ...arcs].join('.')
}

// UTCTime YYMMDDHHMMSSZ (YY < 50 is 20YY) or GeneralizedTime YYYYMMDDHHMMSSZ, the only forms RFC 5280 §4.1.2.5 allows.
function timeOf(der: Buffer, element: Element): number {
  const text = der.subarray(element.start, element.end).toString('latin1')
  const match =
    element.tag === UTC_TIME
      ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text)
      : element.tag === GENERALIZED_TIME
        ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text)
        : null
  if (match === null) throw new MalformedCertificate('unexpected time form')
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ]
  const fullYear = element.tag === UTC_TIME ? (year < 50 ? 2000 + year : 1900 + year) : year
  return Date.UTC(fullYear, month - 1, day, hour, minute, second)
}

function extensionsOf(der: Buffer, wrapper: Element): Map<string, CertificateExtension> {
  const extensions = new Map<string, CertificateExtension>()
  const list = expect(childrenOf(der, wrapper)[0], SEQUENCE)
  for (const entry of childrenOf(der, list)) {
    const parts = childrenOf(der, expect(entry, SEQUENCE))
    const oid = oidText(der, expect(parts[0], OID))
    const hasFlag = parts.length === 3
    const flag = hasFlag ? expect(parts[1], BOOLEAN) : undefined
    const critical = flag !== undefined && der[flag.start] !== 0
    const value = expect(parts[hasFlag ? 2 : 1], OCTET_STRING)
    if (parts.length > 3 || extensions.has(oid)) throw new MalformedCertificate('bad extension')
    extensions.set(oid, {critical, value: der.subarray(value.start, value.end)})
  }
  return extensions
}

/** Reads signature algorithm, validity and extensions; throws on anything it does not expect. */
export function readCertificateFacts(der: Buffer): CertificateFacts {
  const certificate = elementAt(der, 0, der.length)
  if (certificate.end !== der.length) throw new MalformedCertificate('trailing bytes')
  const [tbs, algorithm] = childrenOf(der, expect(certificate, SEQUENCE))
  const fields = childrenOf(der, expect(tbs, SEQUENCE))
  // TBSCertificate: [0] version?, serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo, [1]?, [2]?, [3]?
  const first = fields[0]?.tag === EXPLICIT_0 ? 1 : 0
  const validity = childrenOf(der, expect(fields[first + 3], SEQUENCE))
  if (validity.length !== 2) throw new MalformedCertificate('bad validity')
  const wrapper = fields.slice(first + 6).find((field) => field.tag === EXPLICIT_3)
  return {
    signatureAlgorithm: oidText(der, expect(childrenOf(der, expect(algorithm, SEQUENCE))[0], OID)),
    notBefore: timeOf(der, validity[0]!),
    notAfter: timeOf(der, validity[1]!),
    extensions: wrapper === undefined ? new Map() : extensionsOf(der, wrapper),
  }
}

/** The first eight KeyUsage bits (RFC 5280 §4.2.1.3: digitalSignature is 0x80, keyCertSign 0x04) of its extnValue. */
export function keyUsageBits(value: Buffer): number {
  const bits = elementAt(value, 0, value.length)
  if (bits.tag !== BIT_STRING || bits.end !== value.length || bits.end - bits.start < 2)
    throw new MalformedCertificate('bad keyUsage')
  return value[bits.start + 1]!
}
