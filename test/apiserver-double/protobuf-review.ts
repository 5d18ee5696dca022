// Decodes the protobuf SelfSubjectAccessReview that kubectl auth can-i sends (answers still go out as JSON).
const magic = Buffer.from([0x6b, 0x38, 0x73, 0x00])

type Fields = Map<number, Buffer[]>

function readVarint(buf: Buffer, offset: number): [number, number] {
  let value = 0
  let shift = 0
  let pos = offset
  for (;;) {
    const byte = buf[pos++]
    if (byte === undefined) throw new Error('truncated protobuf varint')
    value += (byte & 0x7f) * 2 ** shift
    if ((byte & 0x80) === 0) return [value, pos]
    shift += 7
  }
}

// Length-delimited fields only (the ones SelfSubjectAccessReview needs); varints and fixed widths are skipped.
function readFields(buf: Buffer): Fields {
  const fields: Fields = new Map()
  let pos = 0
  while (pos < buf.length) {
    const [tag, afterTag] = readVarint(buf, pos)
    const field = Math.floor(tag / 8)
    const wire = tag % 8
    pos = afterTag
    if (wire === 0) pos = readVarint(buf, pos)[1]
    else if (wire === 1) pos += 8
    else if (wire === 5) pos += 4
    else if (wire === 2) {
      const [length, start] = readVarint(buf, pos)
      const list = fields.get(field) ?? []
      list.push(buf.subarray(start, start + length))
      fields.set(field, list)
      pos = start + length
    } else throw new Error(`unsupported protobuf wire type ${wire}`)
  }
  return fields
}

const text = (fields: Fields, n: number): string | undefined => fields.get(n)?.[0]?.toString('utf8')

// k8s.io/api/authorization/v1/generated.proto: spec=2 → resourceAttributes=1 {namespace=1 verb=2 group=3 version=4 resource=5 subresource=6 name=7}.
export function decodeAccessReview(body: Buffer): {spec: {resourceAttributes?: Record<string, string>}} {
  if (!body.subarray(0, 4).equals(magic)) throw new Error('not a Kubernetes protobuf envelope')
  const unknown = readFields(body.subarray(4))
  const raw = unknown.get(2)?.[0] ?? Buffer.alloc(0)
  const spec = readFields(readFields(raw).get(2)?.[0] ?? Buffer.alloc(0))
  const attrsBuf = spec.get(1)?.[0]
  if (!attrsBuf) return {spec: {}}
  const attrs = readFields(attrsBuf)
  const names = ['namespace', 'verb', 'group', 'version', 'resource', 'subresource', 'name']
  const resourceAttributes: Record<string, string> = {}
  names.forEach((name, i) => {
    const value = text(attrs, i + 1)
    if (value !== undefined) resourceAttributes[name] = value
  })
  return {spec: {resourceAttributes}}
}
