// istiod validates some pod annotations before running the injection template; one bad value fails injection
// and the API server rejects the pod. istio: pkg/kube/inject/validate.go AnnotationValidation, validateAnnotations
import {parse as parseYaml} from 'yaml'
import type {IstioVersion} from './istio-version.js'
import {isAtLeast} from './istio-version.js'

/** A validator returns Go's error text for a bad value, undefined for a good one. */
type Validator = (value: string) => string | undefined

interface AnnotationRule {
  readonly validate: Validator
  /** First Istio minor version that validates this annotation (older istiod accepts anything). */
  readonly since?: readonly [number, number]
}

const syntax = (fn: string, value: string): string =>
  `${fn}: parsing ${JSON.stringify(value)}: invalid syntax`
const range = (fn: string, value: string): string =>
  `${fn}: parsing ${JSON.stringify(value)}: value out of range`

// Go strconv.ParseUint(value, 10, bits): digits only, no sign, no underscores.
const parseUint = (value: string, bits: 16 | 32): string | undefined => {
  if (!/^[0-9]+$/.test(value)) return syntax('strconv.ParseUint', value)
  return BigInt(value) > 2n ** BigInt(bits) - 1n ? range('strconv.ParseUint', value) : undefined
}

const parsePort = (text: string): string | undefined => {
  const error = parseUint(text.trim(), 16)
  return error === undefined ? undefined : `failed parsing port '${text}': ${error}`
}

// parsePorts wraps each port error a second time with the same prefix.
const parsePorts = (text: string): string | undefined => {
  const trimmed = text.trim()
  if (trimmed === '') return undefined
  for (const part of trimmed.split(',')) {
    const error = parsePort(part)
    if (error !== undefined) return `failed parsing port '${part}': ${error}`
  }
  return undefined
}

const portList =
  (parameter: string, star: boolean): Validator =>
  (value) => {
    if (star && value === '*') return undefined
    const error = parsePorts(value)
    return error === undefined ? undefined : `${parameter} invalid: ${error}`
  }

// Go netip.ParseAddr for IPv4: four decimal fields, no leading zeros, each ≤255.
const ipv4Error = (text: string): string | undefined => {
  const fields = text.split('.')
  if (fields.length < 4) return 'IPv4 address too short'
  if (fields.length > 4) return 'IPv4 address too long'
  for (const field of fields) {
    if (field === '') return 'IPv4 field must have at least one digit'
    if (!/^[0-9]+$/.test(field)) return 'unexpected character'
    if (field.length > 1 && field.startsWith('0')) return 'IPv4 field has octet with leading zero'
    if (Number(field) > 255) return 'IPv4 field has value >255'
  }
  return undefined
}

// Go netip.ParseAddr for IPv6 (zones included), reduced to valid or not.
const ipv6Valid = (text: string): boolean => {
  const percent = text.indexOf('%')
  if (percent === text.length - 1) return false
  let address = percent < 0 ? text : text.slice(0, percent)
  const lastColon = address.lastIndexOf(':')
  const tail = address.slice(lastColon + 1)
  // An embedded IPv4 tail stands for two groups.
  if (tail.includes('.')) {
    if (ipv4Error(tail) !== undefined) return false
    address = `${address.slice(0, lastColon + 1)}0:0`
  }
  const hex = (g: string): boolean => /^[0-9a-fA-F]{1,4}$/.test(g)
  const halves = address.split('::')
  if (halves.length > 2) return false
  if (halves.length === 1) {
    const groups = address.split(':')
    return groups.length === 8 && groups.every(hex)
  }
  const left = halves[0] === '' || halves[0] === undefined ? [] : halves[0].split(':')
  const right = halves[1] === '' || halves[1] === undefined ? [] : halves[1].split(':')
  // The :: must expand to at least one group of zeros.
  return left.every(hex) && right.every(hex) && left.length + right.length < 8
}

const addrError = (text: string): string | undefined => {
  if (text.includes(':'))
    return ipv6Valid(text) ? undefined : `ParseAddr(${JSON.stringify(text)}): unable to parse IP`
  if (text.includes('.')) {
    const error = ipv4Error(text)
    return error === undefined ? undefined : `ParseAddr(${JSON.stringify(text)}): ${error}`
  }
  return `ParseAddr(${JSON.stringify(text)}): unable to parse IP`
}

// Go netip.ParsePrefix: no trimming, so "10.0.0.0/8, 10.1.0.0/16" fails on the space.
const prefixError = (cidr: string): string | undefined => {
  const slash = cidr.lastIndexOf('/')
  const fail = (msg: string) => `netip.ParsePrefix(${JSON.stringify(cidr)}): ${msg}`
  if (slash < 0) return fail("no '/'")
  const address = cidr.slice(0, slash)
  const error = addrError(address)
  if (error !== undefined) return fail(error)
  const v6 = address.includes(':')
  if (v6 && address.includes('%')) return fail('IPv6 zones cannot be present in a prefix')
  const bits = cidr.slice(slash + 1)
  if (!/^(0|[1-9][0-9]*)$/.test(bits)) return fail(`bad bits after slash: ${JSON.stringify(bits)}`)
  return Number(bits) > (v6 ? 128 : 32) ? fail('prefix length out of range') : undefined
}

const cidrListError = (cidrs: string): string | undefined => {
  if (cidrs === '') return undefined
  for (const cidr of cidrs.split(',')) {
    const error = prefixError(cidr)
    if (error !== undefined) return `failed parsing cidr '${cidr}': ${error}`
  }
  return undefined
}

const includeIPRanges: Validator = (value) => {
  if (value === '*') return undefined
  const error = cidrListError(value)
  return error === undefined ? undefined : `includeIPRanges invalid: ${error}`
}

const excludeIPRanges: Validator = (value) => {
  const error = cidrListError(value)
  return error === undefined ? undefined : `excludeIPRanges invalid: ${error}`
}

const interceptionMode: Validator = (value) =>
  ['REDIRECT', 'TPROXY', 'NONE'].includes(value)
    ? undefined
    : `interceptionMode invalid, use REDIRECT,TPROXY,NONE: ${value}`

// The upstream message names excludeInboundPorts for the status port too.
const statusPort: Validator = (value) => {
  const error = parsePort(value)
  return error === undefined ? undefined : `excludeInboundPorts invalid: ${error}`
}

const uint32: Validator = (value) => parseUint(value, 32)

// Go strconv.ParseBool.
const bool: Validator = (value) =>
  ['1', 't', 'T', 'TRUE', 'true', 'True', '0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)
    ? undefined
    : syntax('strconv.ParseBool', value)

// istio: pkg/util/net/ip.go ValidateInterfaceNames
const interfaceNames: Validator = (value) => {
  if (value === '') return undefined
  for (const raw of value.split(',')) {
    const name = raw.trim()
    if (name === '') return 'empty interface name'
    if (name.length > 15) return `interface name ${JSON.stringify(name)} too long (max 15 chars)`
    if (!/^[a-zA-Z][a-zA-Z0-9_.-]*$/.test(name))
      return `interface name ${JSON.stringify(name)} contains invalid characters`
  }
  return undefined
}

const quantityFormat =
  "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
const quantitySuffixes = new Set([
  '',
  'n',
  'u',
  'm',
  'k',
  'M',
  'G',
  'T',
  'P',
  'E',
  'Ki',
  'Mi',
  'Gi',
  'Ti',
  'Pi',
  'Ei',
])

// k8s: apimachinery/pkg/api/resource/quantity.go ParseQuantity (parseQuantityString, then the suffix, then the number).
const quantity: Validator = (value) => {
  if ([...value].some((c) => /\p{Cc}/u.test(c))) return 'value contains control characters'
  if (value === '') return quantityFormat
  const match = /^([+-]?)([0-9]*)(?:\.([0-9]*))?([eEinumkKMGTP]*[-+]?[0-9]*)$/.exec(value)
  if (match === null) return quantityFormat
  const suffix = match[4] ?? ''
  // The number part always parses (an empty numerator counts as 0); only the suffix can still fail.
  const exponent = /^[eE][+-]?[0-9]{1,18}$/.test(suffix)
  if (!quantitySuffixes.has(suffix) && !exponent) return "unable to parse quantity's suffix"
  return undefined
}

// Only a value that is no YAML map at all is flagged; the ProxyConfig field checks behind it are not modelled.
const proxyConfig: Validator = (value) => {
  let doc: unknown
  try {
    doc = parseYaml(value)
  } catch (e) {
    return `failed to convert to apply proxy config: ${(e as Error).message.split('\n')[0] ?? ''}`
  }
  if (doc === null || doc === undefined || (typeof doc === 'object' && !Array.isArray(doc))) return undefined
  return 'failed to convert to apply proxy config: the value is not a YAML map'
}

const since130: readonly [number, number] = [1, 30]

/** Annotation name → rule, as in istiod's AnnotationValidation map. */
export const annotationRules: Readonly<Record<string, AnnotationRule>> = {
  'sidecar.istio.io/interceptionMode': {validate: interceptionMode},
  'status.sidecar.istio.io/port': {validate: statusPort},
  'readiness.status.sidecar.istio.io/initialDelaySeconds': {validate: uint32},
  'readiness.status.sidecar.istio.io/periodSeconds': {validate: uint32},
  'readiness.status.sidecar.istio.io/failureThreshold': {validate: uint32},
  'traffic.sidecar.istio.io/includeOutboundIPRanges': {validate: includeIPRanges},
  'traffic.sidecar.istio.io/excludeOutboundIPRanges': {validate: excludeIPRanges},
  'traffic.sidecar.istio.io/includeInboundPorts': {validate: portList('includeInboundPorts', true)},
  'traffic.sidecar.istio.io/excludeInboundPorts': {validate: portList('excludeInboundPorts', false)},
  'traffic.sidecar.istio.io/excludeOutboundPorts': {validate: portList('excludeOutboundPorts', false)},
  'traffic.sidecar.istio.io/excludeInterfaces': {validate: interfaceNames, since: since130},
  'traffic.sidecar.istio.io/kubevirtInterfaces': {validate: interfaceNames, since: since130},
  'istio.io/reroute-virtual-interfaces': {validate: interfaceNames, since: since130},
  'prometheus.istio.io/merge-metrics': {validate: bool},
  'proxy.istio.io/config': {validate: proxyConfig},
  'sidecar.istio.io/proxyCPU': {validate: quantity, since: since130},
  'sidecar.istio.io/proxyMemory': {validate: quantity, since: since130},
  'sidecar.istio.io/proxyCPULimit': {validate: quantity, since: since130},
  'sidecar.istio.io/proxyMemoryLimit': {validate: quantity, since: since130},
}

export interface AnnotationViolation {
  readonly annotation: string
  readonly value: string
  /** istiod's text: `invalid value '<value>' for annotation '<name>': <error>`. */
  readonly message: string
}

/** Every annotation istiod would reject; an unknown version applies the newest rules. */
export const validateAnnotations = (
  annotations: Readonly<Record<string, string>>,
  version?: IstioVersion,
): AnnotationViolation[] =>
  Object.entries(annotations).flatMap(([annotation, value]) => {
    const rule = Object.hasOwn(annotationRules, annotation) ? annotationRules[annotation] : undefined
    if (rule === undefined) return []
    if (rule.since !== undefined && version !== undefined && !isAtLeast(version, ...rule.since)) return []
    const error = rule.validate(value)
    return error === undefined
      ? []
      : [{annotation, value, message: `invalid value '${value}' for annotation '${annotation}': ${error}`}]
  })

/** The error the API server relays (`admission webhook "…" denied the request: <this>`), go-multierror list format flattened. */
export const annotationDenial = (violations: readonly AnnotationViolation[]): string =>
  `failed to run injection template: ${violations.length} error${violations.length === 1 ? '' : 's'} occurred: ${violations.map((v) => `* ${v.message}`).join(' ')}`
