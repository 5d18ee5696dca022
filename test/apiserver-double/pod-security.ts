// The PodSecurity admission plugin as the double runs it on pod creates (enforce only): the baseline capability,
// privileged and host-namespace checks and the restricted capability/user/escalation/seccomp checks, written from
// kubernetes staging/src/k8s.io/pod-security-admission/policy/check_*.go and admission/response.go. Independent of src/.
import type {StatusBody} from './status-bodies.js'
import {statusBody} from './status-bodies.js'

type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any -- pod JSON of any shape

const allowedBaseline = new Set([
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
])

const quoted = (names: string[]) => names.map((n) => `"${n}"`).join(', ')
const which = (names: string[]) => `${names.length === 1 ? 'container' : 'containers'} ${quoted(names)}`

const containersOf = (pod: Json): Json[] => [
  ...(pod.spec?.initContainers ?? []),
  ...(pod.spec?.containers ?? []),
]

const baseline = (pod: Json): string[] => {
  const all = containersOf(pod)
  const out: string[] = []
  // In field order, as check_hostNamespaces.go lists them.
  const hostNs = ['hostNetwork', 'hostPID', 'hostIPC']
    .filter((k) => pod.spec?.[k] === true)
    .map((k) => `${k}=true`)
  if (hostNs.length > 0) out.push(`host namespaces (${hostNs.join(', ')})`)
  const privileged = all.filter((c) => c.securityContext?.privileged === true).map((c) => c.name as string)
  if (privileged.length > 0)
    out.push(`privileged (${which(privileged)} must not set securityContext.privileged=true)`)
  return out
}

const baselineCapabilities = (pod: Json): string[] => {
  const caps = new Set<string>()
  const bad = containersOf(pod).filter((c) => {
    const extra = ((c.securityContext?.capabilities?.add ?? []) as string[]).filter(
      (x) => !allowedBaseline.has(x),
    )
    extra.forEach((x) => caps.add(x))
    return extra.length > 0
  })
  return bad.length === 0
    ? []
    : [
        `non-default capabilities (${which(bad.map((c) => c.name))} must not include ${quoted([...caps].sort())} in securityContext.capabilities.add)`,
      ]
}

const restricted = (pod: Json): string[] => {
  const all = containersOf(pod)
  const out: string[] = []
  const escalate = all.filter((c) => c.securityContext?.allowPrivilegeEscalation !== false).map((c) => c.name)
  if (escalate.length > 0)
    out.push(
      `allowPrivilegeEscalation != false (${which(escalate)} must set securityContext.allowPrivilegeEscalation=false)`,
    )
  const noDrop = all
    .filter((c) => !(c.securityContext?.capabilities?.drop ?? []).includes('ALL'))
    .map((c) => c.name)
  const caps = new Set<string>()
  const adding = all
    .filter((c) => {
      const extra = ((c.securityContext?.capabilities?.add ?? []) as string[]).filter(
        (x) => x !== 'NET_BIND_SERVICE',
      )
      extra.forEach((x) => caps.add(x))
      return extra.length > 0
    })
    .map((c) => c.name)
  const capDetails = [
    ...(noDrop.length > 0 ? [`${which(noDrop)} must set securityContext.capabilities.drop=["ALL"]`] : []),
    ...(adding.length > 0
      ? [`${which(adding)} must not include ${quoted([...caps].sort())} in securityContext.capabilities.add`]
      : []),
  ]
  if (capDetails.length > 0) out.push(`unrestricted capabilities (${capDetails.join('; ')})`)
  const podNonRoot = pod.spec?.securityContext?.runAsNonRoot
  const explicitRoot = all.filter((c) => c.securityContext?.runAsNonRoot === false).map((c) => c.name)
  const implicitRoot =
    podNonRoot === true
      ? []
      : all.filter((c) => c.securityContext?.runAsNonRoot === undefined).map((c) => c.name)
  const rootSetters = [
    ...(podNonRoot === false ? ['pod'] : []),
    ...(explicitRoot.length > 0 ? [which(explicitRoot)] : []),
  ]
  if (rootSetters.length > 0)
    out.push(
      `runAsNonRoot != true (${rootSetters.join(' and ')} must not set securityContext.runAsNonRoot=false)`,
    )
  else if (implicitRoot.length > 0)
    out.push(
      `runAsNonRoot != true (pod or ${which(implicitRoot)} must set securityContext.runAsNonRoot=true)`,
    )
  const uid0 = all.filter((c) => c.securityContext?.runAsUser === 0).map((c) => c.name)
  const uidSetters = [
    ...(pod.spec?.securityContext?.runAsUser === 0 ? ['pod'] : []),
    ...(uid0.length > 0 ? [which(uid0)] : []),
  ]
  if (uidSetters.length > 0) out.push(`runAsUser=0 (${uidSetters.join(' and ')} must not set runAsUser=0)`)
  const podSeccomp = ['RuntimeDefault', 'Localhost'].includes(pod.spec?.securityContext?.seccompProfile?.type)
  const noSeccomp = podSeccomp
    ? []
    : all.filter((c) => c.securityContext?.seccompProfile === undefined).map((c) => c.name)
  if (noSeccomp.length > 0)
    out.push(
      `seccompProfile (pod or ${which(noSeccomp)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")`,
    )
  return out
}

/** The enforce level's 403, or undefined when the pod is admitted (or the namespace enforces privileged / nothing). */
export function enforcePodSecurity(
  pod: Json,
  namespaceLabels: Record<string, string>,
): StatusBody | undefined {
  const level = namespaceLabels['pod-security.kubernetes.io/enforce']
  if (level !== 'baseline' && level !== 'restricted') return undefined
  const version = namespaceLabels['pod-security.kubernetes.io/enforce-version'] ?? 'latest'
  const reasons =
    level === 'baseline'
      ? [...baselineCapabilities(pod), ...baseline(pod)] // registry.go: check IDs sorted (capabilities_baseline first)
      : [...baseline(pod), ...restricted(pod)]
  if (reasons.length === 0) return undefined
  const name = pod.metadata?.name ?? pod.metadata?.generateName ?? ''
  return statusBody(
    403,
    'Forbidden',
    `pods "${name}" is forbidden: violates PodSecurity "${level}:${version}": ${reasons.join(', ')}`,
    {
      kind: 'pods',
      name,
    },
  )
}
