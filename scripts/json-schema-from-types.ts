// JSON Schema (draft 2020-12) from the TypeScript types of the output documents, through the compiler's type checker:
// the types are the contract, so the schemas cannot drift from them. Named types (interfaces, aliases) become $defs;
// objects are closed (additionalProperties false) unless the type has an index signature.
import ts from 'typescript'

export type Schema = Record<string, unknown>

export interface SchemaRoot {
  /** Source file (relative to the package root) and exported type name. */
  readonly file: string
  readonly type: string
}

/**
 * A named type's schema is taken from here instead of the type (e.g. ReasonCode: the catalog's codes). An override with
 * an `enum` also names every union of exactly those string literals (`keyof typeof catalog` keeps no alias name).
 */
export type Overrides = Readonly<Record<string, Schema>>

const program = (root: string, files: readonly string[]): ts.Program => {
  const configPath = ts.findConfigFile(root, ts.sys.fileExists, 'tsconfig.json')
  if (configPath === undefined) throw new Error(`no tsconfig.json in ${root}`)
  const config = ts.readConfigFile(configPath, ts.sys.readFile)
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root)
  return ts.createProgram(
    files.map((file) => `${root}/${file}`),
    parsed.options,
  )
}

class SchemaWriter {
  readonly defs = new Map<string, Schema>()
  private readonly origins = new Map<string, ts.Type>()
  private readonly enumNames: Map<string, string>

  constructor(
    private readonly checker: ts.TypeChecker,
    private readonly overrides: Overrides,
  ) {
    this.enumNames = new Map(
      Object.entries(overrides)
        .filter(([, schema]) => Array.isArray(schema.enum))
        .map(([name, schema]) => [enumKey(schema.enum as unknown[]), name]),
    )
  }

  private named(name: string, type: ts.Type, schema: () => Schema): Schema {
    const seen = this.origins.get(name)
    if (seen !== undefined && seen !== type) throw new Error(`two different types are both named ${name}`)
    if (seen === undefined) {
      this.origins.set(name, type)
      this.defs.set(name, {})
      this.defs.set(name, this.overrides[name] ?? schema())
    }
    return {$ref: `#/$defs/${name}`}
  }

  /** The $defs name of a named, non-generic type; undefined for anonymous and instantiated generic types. */
  private nameOf(type: ts.Type): string | undefined {
    if (type.aliasSymbol !== undefined)
      return type.aliasTypeArguments === undefined ? type.aliasSymbol.name : undefined
    const symbol = type.getSymbol()
    if (symbol === undefined || (symbol.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.Class)) === 0)
      return undefined
    const reference = type as ts.TypeReference
    return (reference.typeArguments?.length ?? 0) === 0 ? symbol.name : undefined
  }

  schemaOf(type: ts.Type): Schema {
    const name = this.nameOf(type) ?? this.enumName(type)
    return name === undefined ? this.inline(type) : this.named(name, type, () => this.inline(type))
  }

  private enumName(type: ts.Type): string | undefined {
    if (!type.isUnion() || !type.types.every((m) => m.isStringLiteral())) return undefined
    return this.enumNames.get(enumKey(type.types.map((m) => (m as ts.StringLiteralType).value)))
  }

  private inline(type: ts.Type): Schema {
    const f = type.flags
    if (f & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return {}
    if (f & ts.TypeFlags.Null) return {type: 'null'}
    if (f & ts.TypeFlags.StringLiteral) return {const: (type as ts.StringLiteralType).value}
    if (f & ts.TypeFlags.NumberLiteral) return {const: (type as ts.NumberLiteralType).value}
    if (f & ts.TypeFlags.BooleanLiteral) return {const: this.checker.typeToString(type) === 'true'}
    if (f & ts.TypeFlags.String) return {type: 'string'}
    if (f & ts.TypeFlags.Number) return {type: 'number'}
    if (f & ts.TypeFlags.Boolean) return {type: 'boolean'}
    if (type.isUnion()) return this.union(type.types)
    if (this.checker.isArrayType(type) || this.checker.isTupleType(type)) {
      const [element] = this.checker.getTypeArguments(type as ts.TypeReference)
      return {type: 'array', items: element === undefined ? {} : this.schemaOf(element)}
    }
    if (f & ts.TypeFlags.Object || type.isIntersection()) return this.object(type)
    throw new Error(`no JSON Schema for type ${this.checker.typeToString(type)}`)
  }

  // Optional properties arrive as `T | undefined`: undefined is absence, not a JSON value.
  private union(members: readonly ts.Type[]): Schema {
    const present = members.filter((m) => (m.flags & ts.TypeFlags.Undefined) === 0)
    const booleans = present.filter((m) => m.flags & ts.TypeFlags.BooleanLiteral)
    const others = present.filter((m) => (m.flags & ts.TypeFlags.BooleanLiteral) === 0)
    const schemas = others.map((m) => this.schemaOf(m))
    if (booleans.length === 2) schemas.push({type: 'boolean'})
    else schemas.push(...booleans.map((m) => this.inline(m)))
    if (schemas.length === 1) return schemas[0]!
    if (schemas.every((s) => 'const' in s && Object.keys(s).length === 1))
      return {enum: schemas.map((s) => s.const)}
    const simple = schemas.every((s) => Object.keys(s).length === 1 && typeof s.type === 'string')
    if (simple) return {type: schemas.map((s) => s.type)}
    return {anyOf: schemas}
  }

  private object(type: ts.Type): Schema {
    const properties: Record<string, Schema> = {}
    const required: string[] = []
    for (const property of this.checker.getPropertiesOfType(type)) {
      const declaration = property.valueDeclaration ?? property.declarations?.[0]
      if (declaration === undefined) continue
      const propertyType = this.checker.getTypeOfSymbolAtLocation(property, declaration)
      if (this.checker.getSignaturesOfType(propertyType, ts.SignatureKind.Call).length > 0) continue
      const description = ts.displayPartsToString(property.getDocumentationComment(this.checker)).trim()
      const schema = this.schemaOf(propertyType)
      properties[property.name] = description === '' ? schema : {description, ...schema}
      if ((property.flags & ts.SymbolFlags.Optional) === 0) required.push(property.name)
    }
    const index = this.checker
      .getIndexInfosOfType(type)
      .find((info) => info.keyType.flags & ts.TypeFlags.String)
    return {
      type: 'object',
      ...(Object.keys(properties).length > 0 ? {properties} : {}),
      ...(required.length > 0 ? {required} : {}),
      additionalProperties: index === undefined ? false : this.schemaOf(index.type),
    }
  }
}

const enumKey = (values: readonly unknown[]): string => JSON.stringify([...values].map(String).sort())

/** One schema document per root: `$ref` to the root's $def, or `anyOf` them when several types make one file. */
export const schemaFromTypes = (
  root: string,
  roots: readonly SchemaRoot[],
  header: {readonly $id: string; readonly title: string; readonly description: string},
  overrides: Overrides = {},
): Schema => {
  const p = program(
    root,
    roots.map((r) => r.file),
  )
  const checker = p.getTypeChecker()
  const writer = new SchemaWriter(checker, overrides)
  const refs = roots.map(({file, type}) => {
    const source = p.getSourceFile(`${root}/${file}`)
    const symbol = source === undefined ? undefined : checker.getSymbolAtLocation(source)
    const exported =
      symbol === undefined ? undefined : checker.getExportsOfModule(symbol).find((s) => s.name === type)
    if (exported === undefined) throw new Error(`${file} exports no type ${type}`)
    return writer.schemaOf(checker.getDeclaredTypeOfSymbol(exported))
  })
  const sortedDefs = Object.fromEntries([...writer.defs.entries()].sort(([a], [b]) => a.localeCompare(b)))
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    ...header,
    ...(refs.length === 1 ? refs[0] : {anyOf: refs}),
    $defs: sortedDefs,
  }
}
