// Kubernetes resource quantities (`100m`, `1.5`, `128Mi`, `1G`) as exact integers of milli-units, and back.
// kubernetes: staging/src/k8s.io/apimachinery/pkg/api/resource/quantity.go (suffixes; canonical form per format).

const binary: Readonly<Record<string, bigint>> = {
  Ki: 1024n,
  Mi: 1024n ** 2n,
  Gi: 1024n ** 3n,
  Ti: 1024n ** 4n,
  Pi: 1024n ** 5n,
  Ei: 1024n ** 6n,
}
const decimal: Readonly<Record<string, bigint>> = {
  n: -9n,
  u: -6n,
  m: -3n,
  '': 0n,
  k: 3n,
  M: 6n,
  G: 9n,
  T: 12n,
  P: 15n,
  E: 18n,
}

/** A parsed quantity in thousandths of a unit (so `100m` CPU is 100n), and whether it was written in binary SI. */
export interface Quantity {
  readonly milli: bigint
  readonly binarySI: boolean
}

const pow10 = (e: bigint): bigint => 10n ** e

/** Parses a quantity; undefined when it is not one (the API server would have refused it). Rounds up below milli. */
export const parseQuantity = (text: string): Quantity | undefined => {
  const m = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/.exec(
    text.trim(),
  )
  if (m === null) return undefined
  const [, sign = '', num = '0', exp, suffix = ''] = m
  const [whole = '0', frac = ''] = num.split('.')
  let digits = BigInt(`${whole}${frac}` || '0')
  let scale = -BigInt(frac.length) + 3n // value * 1000 = digits * 10^scale
  let factor = 1n
  if (exp !== undefined) scale += BigInt(exp.slice(1))
  else if (suffix in binary) factor = binary[suffix] ?? 1n
  else scale += decimal[suffix] ?? 0n
  digits *= factor
  const milli = scale >= 0n ? digits * pow10(scale) : (digits + pow10(-scale) - 1n) / pow10(-scale) // rounds up
  return {milli: sign === '-' ? -milli : milli, binarySI: suffix in binary}
}

/** The canonical text of a quantity in the format of its first operand (`1100m`, `2`, `1152Mi`, `1G`). */
export const formatQuantity = (q: Quantity): string => {
  const {milli} = q
  if (milli % 1000n !== 0n) return `${milli}m`
  const units = milli / 1000n
  if (q.binarySI && units !== 0n) {
    for (const [suffix, size] of Object.entries(binary).reverse())
      if (units % size === 0n) return `${units / size}${suffix}`
    return `${units}`
  }
  if (units === 0n) return '0'
  for (const [suffix, e] of [
    ['E', 18n],
    ['P', 15n],
    ['T', 12n],
    ['G', 9n],
    ['M', 6n],
    ['k', 3n],
  ] as const)
    if (units % pow10(e) === 0n) return `${units / pow10(e)}${suffix}`
  return `${units}`
}

export const addQuantities = (a: Quantity, b: Quantity): Quantity => ({
  milli: a.milli + b.milli,
  binarySI: a.binarySI,
})

export const maxQuantity = (a: Quantity, b: Quantity): Quantity => (b.milli > a.milli ? b : a)

export const zeroQuantity: Quantity = {milli: 0n, binarySI: false}
