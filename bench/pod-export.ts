// A `kubectl get pods -A -o yaml|json` export of the synthetic fleet, with managedFields as the API server keeps them.

type Obj = Record<string, unknown>

const isObject = (value: unknown): value is Obj =>
  value !== null && typeof value === 'object' && !Array.isArray(value)

// FieldsV1 shape (apimachinery fieldpath): `f:<field>` per key, `k:{"name":…}` per keyed list item, `.` for the node.
function fieldsOf(value: unknown): Obj {
  if (Array.isArray(value)) {
    const out: Obj = {}
    for (const item of value) {
      const key = isObject(item) && typeof item.name === 'string' ? `k:{"name":"${item.name}"}` : undefined
      if (key !== undefined) out[key] = {'.': {}, ...fieldsOf(item)}
    }
    return out
  }
  if (!isObject(value)) return {}
  const out: Obj = {}
  for (const [key, child] of Object.entries(value)) {
    const nested = fieldsOf(child)
    out[`f:${key}`] = Object.keys(nested).length === 0 ? {} : {'.': {}, ...nested}
  }
  return out
}

/** The pod with the two managedFields entries a Deployment's pod carries (kube-controller-manager, kubelet). */
export function withManagedFields(pod: Obj): Obj {
  const metadata = isObject(pod.metadata) ? pod.metadata : {}
  const time = typeof metadata.creationTimestamp === 'string' ? metadata.creationTimestamp : undefined
  const {status, ...rest} = pod
  const managedFields = [
    {
      apiVersion: 'v1',
      fieldsType: 'FieldsV1',
      fieldsV1: fieldsOf({
        metadata: {labels: metadata.labels, ownerReferences: metadata.ownerReferences},
        spec: rest.spec,
      }),
      manager: 'kube-controller-manager',
      operation: 'Update',
      time,
    },
    {
      apiVersion: 'v1',
      fieldsType: 'FieldsV1',
      fieldsV1: fieldsOf({status}),
      manager: 'kubelet',
      operation: 'Update',
      subresource: 'status',
      time,
    },
  ]
  return {...pod, metadata: {...metadata, managedFields}}
}

/** kubectl's List wrapper around `get -A -o yaml|json` output. */
export const podList = (pods: readonly Obj[]): Obj => ({
  apiVersion: 'v1',
  items: pods.map(withManagedFields),
  kind: 'List',
  metadata: {resourceVersion: ''},
})

// Strings go-yaml v2 prints plain: no indicator first, no `: ` or ` #`, and not read back as another type.
const plainSafe = /^[A-Za-z_/][A-Za-z0-9_./=@(),+-]*(?: [A-Za-z0-9_./=@(),+-]+)*$/
const typedWords =
  /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL|~)$/

function scalar(value: unknown, indent: string): string {
  if (typeof value !== 'string') return JSON.stringify(value)
  if (value.includes('\n')) {
    const chomp = value.endsWith('\n') ? '' : '-'
    const body = value.replace(/\n$/, '').split('\n')
    return `|${chomp}\n${body.map((line) => (line === '' ? '' : `${indent}  ${line}`)).join('\n')}`
  }
  if (plainSafe.test(value) && !typedWords.test(value)) return value
  return /^[ -~]*$/.test(value) && !value.includes("'") && !/^[0-9.+-]/.test(value)
    ? `'${value}'`
    : JSON.stringify(value)
}

function emit(value: unknown, indent: string, out: string[]): void {
  const entries = Object.entries(value as Obj).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  for (const [key, child] of entries) {
    const name = plainSafe.test(key) || /^[a-z]:/.test(key) || key === '.' ? key : JSON.stringify(key)
    out.push(`${indent}${name}:${block(child, indent)}`)
  }
}

/** The text after `key:` — inline for scalars and empty collections; otherwise nested lines pushed to `out`. */
function block(value: unknown, indent: string): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return ' []'
    const lines: string[] = []
    for (const item of value) sequenceItem(item, indent, lines)
    return `\n${lines.join('\n')}`
  }
  if (isObject(value)) {
    if (Object.keys(value).length === 0) return ' {}'
    const lines: string[] = []
    emit(value, `${indent}  `, lines)
    return `\n${lines.join('\n')}`
  }
  return ` ${scalar(value, indent)}`
}

function sequenceItem(item: unknown, indent: string, lines: string[]): void {
  if (isObject(item) && Object.keys(item).length > 0) {
    const inner: string[] = []
    emit(item, `${indent}  `, inner)
    inner[0] = `${indent}- ${inner[0]!.slice(indent.length + 2)}`
    lines.push(...inner)
  } else if (Array.isArray(item) || isObject(item)) lines.push(`${indent}-${block(item, indent)}`)
  else lines.push(`${indent}- ${scalar(item, indent)}`)
}

/** As kubectl prints YAML (sigs.k8s.io/yaml, go-yaml v2): sorted keys, sequences at their key's column. */
export function asKubectlYaml(list: Obj): string {
  const out: string[] = []
  emit(list, '', out)
  return `${out.join('\n')}\n`
}

/** As kubectl prints JSON: four-space indentation. */
export const asKubectlJson = (list: Obj): string => `${JSON.stringify(list, null, 4)}\n`
