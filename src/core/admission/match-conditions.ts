// Webhook matchConditions (CEL) evaluated offline; anything not statically knowable is Unknown, never a guess.
import {Environment} from '@marcbachmann/cel-js'
import type {ASTNode} from '@marcbachmann/cel-js'
import type {MatchCondition, PodFacts} from '../snapshot.js'
import type {AdmissionAttributes} from './rules.js'

/** The `request` CEL variable (AdmissionRequest), without the parts that are not statically known. */
export interface AdmissionRequestVariable {
  readonly kind: {readonly group: string; readonly version: string; readonly kind: string}
  readonly resource: {readonly group: string; readonly version: string; readonly resource: string}
  readonly subResource: string
  readonly requestKind: {readonly group: string; readonly version: string; readonly kind: string}
  readonly requestResource: {readonly group: string; readonly version: string; readonly resource: string}
  readonly requestSubResource: string
  readonly name: string
  readonly namespace: string
  readonly operation: string
  readonly dryRun: boolean
}

export interface MatchConditionVariables {
  readonly object: Readonly<Record<string, unknown>> | null
  readonly oldObject: Readonly<Record<string, unknown>> | null
  readonly request: AdmissionRequestVariable
  /** True when `object` was built from pod facts: a missing field then means "not collected", not "absent". */
  readonly objectIsPartial: boolean
}

export type ConditionResult = 'True' | 'False' | 'Error' | 'Unknown'

export interface ConditionEvaluation {
  readonly name: string
  readonly expression: string
  readonly result: ConditionResult
  /** Error message or why the condition is Unknown. */
  readonly message?: string
}

export type MatchConditionsOutcome =
  | {readonly outcome: 'Match'; readonly conditions: readonly ConditionEvaluation[]}
  | {
      readonly outcome: 'NoMatch'
      readonly condition: string
      readonly conditions: readonly ConditionEvaluation[]
    }
  | {
      readonly outcome: 'Error'
      readonly condition: string
      readonly message: string
      readonly failurePolicy: string
      /** `Reject`: failurePolicy Fail rejects the request; `Skip`: Ignore skips the webhook. */
      readonly effect: 'Reject' | 'Skip'
      readonly conditions: readonly ConditionEvaluation[]
    }
  | {
      readonly outcome: 'Unknown'
      readonly condition: string
      readonly why: string
      readonly conditions: readonly ConditionEvaluation[]
    }

const variableNames = ['object', 'oldObject', 'request', 'authorizer'] as const

interface Cel {
  readonly environment: Environment
  readonly supportedFunctions: ReadonlySet<string>
}
let cel: Cel | undefined

/** Made on first use: CEL's function registry costs a few ms, and most webhooks have no matchConditions. */
const celOnce = (): Cel => {
  if (cel !== undefined) return cel
  // k8s: apiserver/pkg/admission/plugin/cel/compile.go: object/oldObject are dyn; optional types are enabled
  const environment = new Environment({homogeneousAggregateLiterals: false, enableOptionalTypes: true})
  for (const name of variableNames) environment.registerVariable(name, 'dyn')
  const supportedFunctions = new Set(
    environment.getDefinitions().functions.map((definition) => definition.name),
  )
  cel = {environment, supportedFunctions}
  return cel
}

type Compiled =
  | {
      readonly ok: true
      readonly run: (context: Record<string, unknown>) => unknown
      readonly unsupported: readonly string[]
      readonly usesAuthorizer: boolean
      readonly unknownRequestFields: readonly string[]
    }
  | {readonly ok: false; readonly message: string}

/** Request fields that depend on who sends the request (or are random), so never statically known. */
const unknowableRequestFields = new Set(['userInfo', 'uid', 'options'])

const isNode = (value: unknown): value is ASTNode =>
  typeof value === 'object' && value !== null && 'op' in value && 'args' in value

const childrenOf = (node: ASTNode): ASTNode[] => {
  const out: ASTNode[] = []
  const visit = (value: unknown): void => {
    if (isNode(value)) out.push(value)
    else if (Array.isArray(value)) for (const item of value) visit(item)
  }
  if (node.op !== 'value' && node.op !== 'id') visit(node.args)
  return out
}

const analyse = (root: ASTNode) => {
  const {supportedFunctions} = celOnce()
  const unsupported = new Set<string>()
  const unknownRequestFields = new Set<string>()
  let usesAuthorizer = false
  const stack: ASTNode[] = [root]
  while (stack.length > 0) {
    const node = stack.pop() as ASTNode
    if (node.op === 'id' && node.args === 'authorizer') usesAuthorizer = true
    if (node.op === 'call' && !supportedFunctions.has(node.args[0])) unsupported.add(node.args[0])
    if (node.op === 'rcall') {
      const [name, receiver] = node.args
      const namespaced = receiver.op === 'id' && !(variableNames as readonly string[]).includes(receiver.args)
      if (namespaced && receiver.args !== 'optional') unsupported.add(`${receiver.args}.${name}`)
      else if (!supportedFunctions.has(name)) unsupported.add(name)
    }
    if (
      (node.op === '.' || node.op === '.?') &&
      node.args[0].op === 'id' &&
      node.args[0].args === 'request'
    ) {
      if (unknowableRequestFields.has(node.args[1])) unknownRequestFields.add(node.args[1])
    }
    if (
      (node.op === '[]' || node.op === '[?]') &&
      node.args[0].op === 'id' &&
      node.args[0].args === 'request'
    ) {
      const key = node.args[1]
      if (key.op !== 'value' || (typeof key.args === 'string' && unknowableRequestFields.has(key.args))) {
        unknownRequestFields.add(key.op === 'value' ? String(key.args) : 'a computed field')
      }
    }
    stack.push(...childrenOf(node))
  }
  return {
    unsupported: [...unsupported].sort(),
    usesAuthorizer,
    unknownRequestFields: [...unknownRequestFields].sort(),
  }
}

const firstLine = (message: string): string => message.split('\n')[0] ?? message

const compileCache = new Map<string, Compiled>()

/** Compiles once per expression text. */
const compile = (expression: string): Compiled => {
  const cached = compileCache.get(expression)
  if (cached) return cached
  let compiled: Compiled
  try {
    const parsed = celOnce().environment.parse(expression)
    compiled = {ok: true, run: (context) => parsed(context) as unknown, ...analyse(parsed.ast)}
  } catch (error) {
    compiled = {ok: false, message: firstLine(error instanceof Error ? error.message : String(error))}
  }
  compileCache.set(expression, compiled)
  return compiled
}

/** JSON integers become CEL ints (BigInt), as the API server's JSON decoding does. */
const toCelValue = (value: unknown): unknown => {
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value
  if (Array.isArray(value)) return value.map(toCelValue)
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, toCelValue(v)]),
    )
  }
  return value
}

const evaluateCondition = (
  condition: MatchCondition,
  context: Record<string, unknown>,
  partial: boolean,
): ConditionEvaluation => {
  const base = {name: condition.name, expression: condition.expression}
  const compiled = compile(condition.expression)
  // A stored webhook's expressions passed the API server's compiler, so a parse failure here is our parser's gap.
  if (!compiled.ok)
    return {...base, result: 'Unknown', message: `the offline CEL parser cannot read it: ${compiled.message}`}
  if (compiled.usesAuthorizer)
    return {
      ...base,
      result: 'Unknown',
      message: 'it calls the authorizer, which is only known at request time',
    }
  if (compiled.unknownRequestFields.length > 0) {
    return {
      ...base,
      result: 'Unknown',
      message: `request.${compiled.unknownRequestFields.join(', request.')} depends on who sends the request`,
    }
  }
  if (compiled.unsupported.length > 0) {
    const names = compiled.unsupported.map((n) => `${n}()`).join(', ')
    const plural = compiled.unsupported.length > 1
    return {
      ...base,
      result: 'Unknown',
      message: `function${plural ? 's' : ''} ${names} ${plural ? 'are' : 'is'} not supported offline`,
    }
  }
  try {
    const value = compiled.run(context)
    if (value === true) return {...base, result: 'True'}
    if (value === false) return {...base, result: 'False'}
    return {
      ...base,
      result: 'Error',
      message: `expression evaluated to ${typeof value === 'bigint' ? value.toString() : JSON.stringify(value)}, not a bool`,
    }
  } catch (error) {
    const message = firstLine(error instanceof Error ? error.message : String(error))
    const overload = /no matching overload for '([^']+)'/.exec(message)
    if (overload)
      return {...base, result: 'Unknown', message: `overload ${overload[1]} is not supported offline`}
    if (partial && /No such key/.test(message)) {
      return {
        ...base,
        result: 'Unknown',
        message: `${message} (the pod object was rebuilt from collected facts and may lack the field)`,
      }
    }
    return {...base, result: 'Error', message}
  }
}

/**
 * Kubernetes semantics: any false → skip (whatever else errors); all true → call; an error and no false →
 * failurePolicy Fail rejects the request, Ignore skips the webhook. Unknown stays Unknown unless a false decides.
 * k8s: apiserver/pkg/admission/plugin/webhook/matchconditions/matcher.go Match
 */
export const evaluateMatchConditions = (
  conditions: readonly MatchCondition[] | undefined,
  vars: MatchConditionVariables,
  failurePolicy: string = 'Fail',
): MatchConditionsOutcome => {
  const context = {
    object: toCelValue(vars.object),
    oldObject: toCelValue(vars.oldObject),
    request: toCelValue(vars.request),
  }
  const evaluations = (conditions ?? []).map((condition) =>
    evaluateCondition(condition, context, vars.objectIsPartial),
  )
  const falseOne = evaluations.find((e) => e.result === 'False')
  if (falseOne) return {outcome: 'NoMatch', condition: falseOne.name, conditions: evaluations}
  const errorOne = evaluations.find((e) => e.result === 'Error')
  const unknownOne = evaluations.find((e) => e.result === 'Unknown')
  const ignore = failurePolicy === 'Ignore'
  // Under Ignore an error skips the webhook whether the unknown ones are true or false.
  if (errorOne && (ignore || !unknownOne)) {
    return {
      outcome: 'Error',
      condition: errorOne.name,
      message: errorOne.message ?? '',
      failurePolicy: ignore ? 'Ignore' : 'Fail',
      effect: ignore ? 'Skip' : 'Reject',
      conditions: evaluations,
    }
  }
  if (unknownOne)
    return {
      outcome: 'Unknown',
      condition: unknownOne.name,
      why: unknownOne.message ?? '',
      conditions: evaluations,
    }
  return {outcome: 'Match', conditions: evaluations}
}

/** A minimal pod object from facts, for CEL when the full object was not kept. */
export const podObjectFromFacts = (pod: PodFacts): Record<string, unknown> => {
  const container = (c: PodFacts['containers'][number]) => ({
    name: c.name,
    ...(c.image === undefined ? {} : {image: c.image}),
    ...(c.restartPolicy === undefined ? {} : {restartPolicy: c.restartPolicy}),
  })
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      // With generateName the API server names the pod after admission, so webhooks see no name.
      ...(pod.generateName ? {generateName: pod.generateName} : {name: pod.name}),
      namespace: pod.namespace,
      labels: {...pod.labels},
      annotations: {...pod.annotations},
    },
    spec: {
      ...(pod.hostNetwork ? {hostNetwork: true} : {}),
      ...(pod.nodeName === undefined ? {} : {nodeName: pod.nodeName}),
      containers: pod.containers.map(container),
      ...(pod.initContainers.length > 0 ? {initContainers: pod.initContainers.map(container)} : {}),
    },
  }
}

/** The `request` variable for a request with these attributes on this pod. */
export const admissionRequestFor = (attrs: AdmissionAttributes, pod: PodFacts): AdmissionRequestVariable => {
  const kind = attrs.kind ?? {group: attrs.group, version: attrs.version, kind: ''}
  const resource = {group: attrs.group, version: attrs.version, resource: attrs.resource}
  return {
    kind,
    resource,
    subResource: attrs.subresource,
    requestKind: kind,
    requestResource: resource,
    requestSubResource: attrs.subresource,
    name: attrs.operation === 'CREATE' && pod.generateName ? '' : pod.name,
    namespace: attrs.namespaced ? pod.namespace : '',
    operation: attrs.operation,
    dryRun: attrs.dryRun ?? false,
  }
}

/** `name: result (message)` for every condition, in order. */
export const formatConditionEvaluations = (conditions: readonly ConditionEvaluation[]): string =>
  conditions
    .map((c) => `${c.name} (${c.expression}): ${c.result.toLowerCase()}${c.message ? ` (${c.message})` : ''}`)
    .join('; ')
