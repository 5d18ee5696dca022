// Redaction for `--collect` bundles: what leaves the cluster carries no credentials.
// Guarantees (redact on): no Secret data/stringData, every container env `value` is REDACTED (names and valueFrom kept),
// last-applied-configuration and managedFields are dropped, credential-like ConfigMap data keys, annotation values and
// `--flag=value` args are REDACTED. caBundle stays: it is a public certificate that health checks need.

export const redactedValue = 'REDACTED'

/** Keys whose values are treated as credentials. */
export const credentialKeyPattern = /token|password|passwd|secret|key|credential|auth|kubeconfig|cert-?data/i

// Annotation keys that look credential-like but hold public facts the verdicts read.
const keepAnnotations = new Set(['sidecar.istio.io/status', 'kubernetes.io/service-account.name'])

const droppedAnnotations = ['kubectl.kubernetes.io/last-applied-configuration']

type Raw = Record<string, unknown>
const isRecord = (value: unknown): value is Raw =>
  value !== null && typeof value === 'object' && !Array.isArray(value)

const redactAnnotations = (annotations: unknown): Raw | undefined => {
  if (!isRecord(annotations)) return undefined
  const out: Raw = {}
  for (const [key, value] of Object.entries(annotations)) {
    if (droppedAnnotations.includes(key)) continue
    out[key] = !keepAnnotations.has(key) && credentialKeyPattern.test(key) ? redactedValue : value
  }
  return out
}

const redactArg = (arg: unknown): unknown => {
  if (typeof arg !== 'string') return arg
  const match = /^(--?[^=\s]+)=(.*)$/s.exec(arg)
  return match && credentialKeyPattern.test(match[1]!) ? `${match[1]}=${redactedValue}` : arg
}

const redactContainer = (container: unknown): unknown => {
  if (!isRecord(container)) return container
  const out: Raw = {...container}
  if (Array.isArray(container.env))
    out.env = container.env.map((variable) =>
      isRecord(variable) && 'value' in variable ? {...variable, value: redactedValue} : variable,
    )
  if (Array.isArray(container.args)) out.args = container.args.map(redactArg)
  if (Array.isArray(container.command)) out.command = container.command.map(redactArg)
  return out
}

const containerLists = ['containers', 'initContainers', 'ephemeralContainers']

/** Walks any object: pod specs (in Pods, templates, CronJob jobTemplates) get their containers redacted. */
const redactTree = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(redactTree)
  if (!isRecord(value)) return value
  const out: Raw = {}
  for (const [key, child] of Object.entries(value)) {
    if (key === 'managedFields') continue
    if (containerLists.includes(key) && Array.isArray(child))
      out[key] = child.map((c) => redactTree(redactContainer(c)))
    else if (key === 'annotations' && isRecord(child)) out[key] = redactAnnotations(child)
    else out[key] = redactTree(child)
  }
  return out
}

/** One object → its redacted copy (the input is not changed). */
export const redactObject = (object: Readonly<Raw>): Raw => {
  const copy = redactTree(object) as Raw
  if (copy.kind === 'Secret') {
    delete copy.data
    delete copy.stringData
  }
  if (copy.kind === 'ConfigMap') {
    for (const field of ['data', 'binaryData'] as const) {
      const data = copy[field]
      if (!isRecord(data)) continue
      copy[field] = Object.fromEntries(
        Object.entries(data).map(([key, value]) => [
          key,
          credentialKeyPattern.test(key) ? redactedValue : value,
        ]),
      )
    }
  }
  return copy
}

/** Without redaction only Secret payloads still go: a bundle never needs them. */
export const stripSecretData = (object: Readonly<Raw>): Raw => {
  if (object.kind !== 'Secret') return {...object}
  const {data: _data, stringData: _stringData, ...rest} = object
  return rest
}
