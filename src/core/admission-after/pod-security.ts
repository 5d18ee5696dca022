// Pod Security Admission baseline and restricted, versioned, as k8s.io/pod-security-admission/policy evaluates them.
// kubernetes: staging/src/k8s.io/pod-security-admission/policy/check_*.go (one function per check below),
// registry.go (baseline checks, then overlapping-baseline or restricted ones), checks.go (ForbiddenDetail shape),
// helpers.go (joinQuote, pluralize), api/helpers.go (PolicyToEvaluate: labels, fallbacks, `level:version`).
import type {ContainerFacts, Labels, PodFacts, SecurityContextFacts} from '../snapshot.js'

export type PsaLevel = 'privileged' | 'baseline' | 'restricted'

/** `latest` or a minor version of 1.x. */
export type PsaVersion = {readonly latest: true} | {readonly latest: false; readonly minor: number}

export interface PsaLevelVersion {
  readonly level: PsaLevel
  readonly version: PsaVersion
}

export type PsaMode = 'enforce' | 'warn' | 'audit'

export interface PsaModePolicy extends PsaLevelVersion {
  /** False when the namespace has no label for this mode: the cluster default applies and cannot be read. */
  readonly labelled: boolean
  /** A label that does not parse (PSA then uses restricted for enforce, privileged for warn/audit, latest for versions). */
  readonly errors: readonly string[]
}

/** One failed check: its forbidden reason and detail, and who it names (for "added by injection" vs "the app's own"). */
export interface PsaViolation {
  readonly check: string
  readonly reason: string
  readonly detail: string
  readonly containers: readonly string[]
  readonly pod: boolean
}

export interface PsaEvaluation {
  readonly violations: readonly PsaViolation[]
}

export const formatLevelVersion = (lv: PsaLevelVersion): string =>
  `${lv.level}:${lv.version.latest ? 'latest' : `v1.${lv.version.minor}`}`

const labelKey = (mode: PsaMode, suffix = '') => `pod-security.kubernetes.io/${mode}${suffix}`

/** Resolves one mode's level and version from namespace labels (api/helpers.go PolicyToEvaluate). */
export const psaPolicy = (labels: Labels, mode: PsaMode): PsaModePolicy => {
  const levelText = labels[labelKey(mode)]
  const versionText = labels[labelKey(mode, '-version')]
  const errors: string[] = []
  let level: PsaLevel = 'privileged'
  if (levelText !== undefined) {
    if (levelText === 'privileged' || levelText === 'baseline' || levelText === 'restricted')
      level = levelText
    else {
      errors.push(`${labelKey(mode)}=${levelText}: must be one of privileged, baseline, restricted`)
      level = mode === 'enforce' ? 'restricted' : 'privileged' // enforce fails closed, audit/warn fail open
    }
  }
  let version: PsaVersion = {latest: true}
  if (versionText !== undefined && versionText !== 'latest') {
    const m = /^v1\.(0|[1-9][0-9]*)$/.exec(versionText)
    if (m === null) errors.push(`${labelKey(mode, '-version')}=${versionText}: must be "latest" or "v1.x"`)
    else version = {latest: false, minor: Number(m[1])}
  }
  return {level, version, labelled: levelText !== undefined, errors}
}

// ---- helpers.go ----
const joinQuote = (items: readonly string[]): string => (items.length === 0 ? '' : `"${items.join('", "')}"`)
const pluralize = (singular: string, plural: string, n: number): string => (n === 1 ? singular : plural)
const sortedUnique = (items: Iterable<string>): string[] => [...new Set(items)].sort()

/** visitContainers order: init containers, then containers (ephemeral containers are not created with the pod). */
const visit = (pod: PodFacts): readonly ContainerFacts[] => [...pod.initContainers, ...pod.containers]

type Check = (pod: PodFacts) => Omit<PsaViolation, 'check'> | undefined

const containersWhere = (pod: PodFacts, bad: (sc: SecurityContextFacts | undefined) => boolean): string[] =>
  visit(pod)
    .filter((c) => bad(c.securityContext))
    .map((c) => c.name)

const named = (containers: readonly string[]) =>
  `${pluralize('container', 'containers', containers.length)} ${joinQuote(containers)}`

// check_hostNamespaces.go: in field order, `=true` each.
const hostNamespaces: Check = (pod) => {
  const found = [
    ...(pod.hostNetwork ? ['hostNetwork=true'] : []),
    ...(pod.spec?.hostPID === true ? ['hostPID=true'] : []),
    ...(pod.spec?.hostIPC === true ? ['hostIPC=true'] : []),
  ]
  return found.length === 0
    ? undefined
    : {reason: 'host namespaces', detail: found.join(', '), containers: [], pod: true}
}

// check_hostPorts.go
const hostPorts: Check = (pod) => {
  const bad = visit(pod).filter((c) => (c.hostPorts ?? []).some((p) => p !== 0))
  if (bad.length === 0) return undefined
  const ports = sortedUnique(bad.flatMap((c) => (c.hostPorts ?? []).filter((p) => p !== 0).map(String)))
  const names = bad.map((c) => c.name)
  return {
    reason: 'hostPort',
    detail: `${named(names)} ${pluralize('uses', 'use', names.length)} ${pluralize('hostPort', 'hostPorts', ports.length)} ${ports.join(', ')}`,
    containers: names,
    pod: false,
  }
}

// check_privileged.go
const privileged: Check = (pod) => {
  const bad = containersWhere(pod, (sc) => sc?.privileged === true)
  return bad.length === 0
    ? undefined
    : {
        reason: 'privileged',
        detail: `${named(bad)} must not set securityContext.privileged=true`,
        containers: bad,
        pod: false,
      }
}

// check_capabilities_baseline.go
const baselineCapabilities = new Set([
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
const capabilitiesBaseline: Check = (pod) => {
  const caps = new Set<string>()
  const bad = containersWhere(pod, (sc) => {
    const extra = (sc?.capabilities?.add ?? []).filter((c) => !baselineCapabilities.has(c))
    extra.forEach((c) => caps.add(c))
    return extra.length > 0
  })
  return bad.length === 0
    ? undefined
    : {
        reason: 'non-default capabilities',
        detail: `${named(bad)} must not include ${joinQuote(sortedUnique(caps))} in securityContext.capabilities.add`,
        containers: bad,
        pod: false,
      }
}

// check_hostPathVolumes.go
const hostPathVolumes: Check = (pod) => {
  const bad = (pod.spec?.volumes ?? []).filter((v) => v.type === 'hostPath').map((v) => v.name)
  return bad.length === 0
    ? undefined
    : {
        reason: 'hostPath volumes',
        detail: `${pluralize('volume', 'volumes', bad.length)} ${joinQuote(bad)}`,
        containers: [],
        pod: true,
      }
}

// check_allowPrivilegeEscalation.go (1.8+)
const allowPrivilegeEscalation: Check = (pod) => {
  const bad = containersWhere(pod, (sc) => sc?.allowPrivilegeEscalation !== false)
  return bad.length === 0
    ? undefined
    : {
        reason: 'allowPrivilegeEscalation != false',
        detail: `${named(bad)} must set securityContext.allowPrivilegeEscalation=false`,
        containers: bad,
        pod: false,
      }
}

// check_capabilities_restricted.go (1.22+)
const capabilitiesRestricted: Check = (pod) => {
  const caps = new Set<string>()
  const missingDrop = containersWhere(pod, (sc) => !(sc?.capabilities?.drop ?? []).includes('ALL'))
  const adding = containersWhere(pod, (sc) => {
    const extra = (sc?.capabilities?.add ?? []).filter((c) => c !== 'NET_BIND_SERVICE')
    extra.forEach((c) => caps.add(c))
    return extra.length > 0
  })
  const details = [
    ...(missingDrop.length > 0
      ? [`${named(missingDrop)} must set securityContext.capabilities.drop=["ALL"]`]
      : []),
    ...(adding.length > 0
      ? [
          `${named(adding)} must not include ${joinQuote(sortedUnique(caps))} in securityContext.capabilities.add`,
        ]
      : []),
  ]
  return details.length === 0
    ? undefined
    : {
        reason: 'unrestricted capabilities',
        detail: details.join('; '),
        containers: sortedUnique([...missingDrop, ...adding]),
        pod: false,
      }
}

// check_restrictedVolumes.go: Go's %q of a []string.
const allowedVolumeTypes = new Set([
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
])
const restrictedVolumes: Check = (pod) => {
  // Volumes in spec order, their types sorted (check_restrictedVolumes.go).
  const bad = (pod.spec?.volumes ?? []).filter((v) => !allowedVolumeTypes.has(v.type))
  const types = sortedUnique(bad.map((v) => v.type))
  return bad.length === 0
    ? undefined
    : {
        reason: 'restricted volume types',
        detail: `${pluralize('volume', 'volumes', bad.length)} ${joinQuote(bad.map((v) => v.name))} ${pluralize('uses', 'use', bad.length)} ${pluralize('restricted volume type', 'restricted volume types', types.length)} ${joinQuote(types)}`,
        containers: [],
        pod: true,
      }
}

/** runAsNonRoot/runAsUser from 1.35 allow pods in a user namespace (`hostUsers: false`). */
const userNamespace = (pod: PodFacts, minor: number): boolean => minor >= 35 && pod.spec?.hostUsers === false

// check_runAsNonRoot.go
const runAsNonRoot =
  (minor: number): Check =>
  (pod) => {
    if (userNamespace(pod, minor)) return undefined
    const podValue = pod.spec?.securityContext?.runAsNonRoot
    const setters = podValue === false ? ['pod'] : []
    const explicit = containersWhere(pod, (sc) => sc?.runAsNonRoot === false)
    const implicit = podValue === true ? [] : containersWhere(pod, (sc) => sc?.runAsNonRoot === undefined)
    if (explicit.length > 0) setters.push(named(explicit))
    if (setters.length > 0)
      return {
        reason: 'runAsNonRoot != true',
        detail: `${setters.join(' and ')} must not set securityContext.runAsNonRoot=false`,
        containers: explicit,
        pod: podValue === false,
      }
    return implicit.length === 0
      ? undefined
      : {
          reason: 'runAsNonRoot != true',
          detail: `pod or ${named(implicit)} must set securityContext.runAsNonRoot=true`,
          containers: implicit,
          pod: false,
        }
  }

// check_runAsUser.go (1.23+)
const runAsUser =
  (minor: number): Check =>
  (pod) => {
    if (userNamespace(pod, minor)) return undefined
    const podRoot = pod.spec?.securityContext?.runAsUser === 0
    const bad = containersWhere(pod, (sc) => sc?.runAsUser === 0)
    const setters = [...(podRoot ? ['pod'] : []), ...(bad.length > 0 ? [named(bad)] : [])]
    return setters.length === 0
      ? undefined
      : {
          reason: 'runAsUser=0',
          detail: `${setters.join(' and ')} must not set runAsUser=0`,
          containers: bad,
          pod: podRoot,
        }
  }

// check_seccompProfile_restricted.go (1.19+)
const validSeccomp = (type: string): boolean => type === 'RuntimeDefault' || type === 'Localhost'
/** Pod and containers that set seccompProfile.type to a value outside RuntimeDefault/Localhost (both checks share it). */
const badSeccompSetters = (pod: PodFacts) => {
  const podType = pod.spec?.securityContext?.seccompProfileType
  const badValues = new Set<string>()
  const setters: string[] = []
  if (podType !== undefined && !validSeccomp(podType)) {
    setters.push('pod')
    badValues.add(podType)
  }
  const explicit = containersWhere(pod, (sc) => {
    const t = sc?.seccompProfileType
    if (t === undefined || validSeccomp(t)) return false
    badValues.add(t)
    return true
  })
  if (explicit.length > 0) setters.push(named(explicit))
  const violation =
    setters.length === 0
      ? undefined
      : {
          reason: 'seccompProfile',
          detail: `${setters.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote(sortedUnique(badValues))}`,
          containers: explicit,
          pod: setters[0] === 'pod',
        }
  return {violation, podSet: podType !== undefined && validSeccomp(podType)}
}
const seccompRestricted: Check = (pod) => {
  const {violation, podSet} = badSeccompSetters(pod)
  if (violation !== undefined) return violation
  const implicit = podSet ? [] : containersWhere(pod, (sc) => sc?.seccompProfileType === undefined)
  return implicit.length === 0
    ? undefined
    : {
        reason: 'seccompProfile',
        detail: `pod or ${named(implicit)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`,
        containers: implicit,
        pod: false,
      }
}

// check_hostProbesAndhostLifecycle.go (1.34+): probe and lifecycle handlers must not name a host.
const hostProbes: Check = (pod) => {
  const bad = visit(pod).filter((c) => (c.probeHosts ?? []).length > 0)
  if (bad.length === 0) return undefined
  const names = sortedUnique(bad.map((c) => c.name))
  const hosts = sortedUnique(bad.flatMap((c) => c.probeHosts ?? []))
  return {
    reason: 'probe or lifecycle host',
    detail: `${named(names)} ${pluralize('uses', 'use', names.length)} ${pluralize('probe or lifecycle host', 'probe or lifecycle hosts', hosts.length)} ${joinQuote(hosts)}`,
    containers: names,
    pod: false,
  }
}

// check_seccompProfile_baseline.go: 1.19+ fields (set ⇒ RuntimeDefault or Localhost); 1.0–1.18 the alpha annotations.
const seccompBaselineFields: Check = (pod) => badSeccompSetters(pod).violation
const validSeccompAnnotation = (v: string): boolean =>
  v === 'runtime/default' || v === 'docker/default' || v.startsWith('localhost/')
const seccompBaselineAnnotations: Check = (pod) => {
  const keys = [
    'seccomp.security.alpha.kubernetes.io/pod',
    ...visit(pod).map((c) => `container.seccomp.security.alpha.kubernetes.io/${c.name}`),
  ]
  // Go's %q of the value; the set's List() is sorted.
  const forbidden = sortedUnique(
    keys.flatMap((k) => {
      const v = pod.annotations[k]
      return v === undefined || validSeccompAnnotation(v) ? [] : [`${k}=${JSON.stringify(v)}`]
    }),
  )
  return forbidden.length === 0
    ? undefined
    : {
        reason: 'seccompProfile',
        detail: `forbidden ${pluralize('annotation', 'annotations', forbidden.length)} ${forbidden.join(', ')}`,
        containers: [],
        pod: true,
      }
}
const seccompBaseline = (minor: number): Check =>
  minor >= 19 ? seccompBaselineFields : seccompBaselineAnnotations

// check_appArmorProfile.go (1.0): profile type RuntimeDefault or Localhost; legacy annotations runtime/default, localhost/*.
const appArmorTypes = new Set(['RuntimeDefault', 'Localhost'])
const appArmorAnnotation = 'container.apparmor.security.beta.kubernetes.io/'
const appArmorProfile: Check = (pod) => {
  const badValues = new Set<string>()
  const setters: string[] = []
  const podType = pod.spec?.securityContext?.appArmorProfileType
  if (podType !== undefined && !appArmorTypes.has(podType)) {
    setters.push('pod')
    badValues.add(podType)
  }
  const bad = containersWhere(pod, (sc) => {
    const t = sc?.appArmorProfileType
    if (t === undefined || appArmorTypes.has(t)) return false
    badValues.add(t)
    return true
  })
  if (bad.length > 0) setters.push(named(bad))
  // Go's %q of the value, inside joinQuote's plain quotes.
  const annotations = Object.entries(pod.annotations)
    .filter(
      ([k, v]) =>
        k.startsWith(appArmorAnnotation) &&
        v !== '' &&
        v !== 'runtime/default' &&
        !v.startsWith('localhost/'),
    )
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .sort()
  if (annotations.length > 0) setters.push(pluralize('annotation', 'annotations', annotations.length))
  const values = [...sortedUnique(badValues), ...annotations]
  return setters.length === 0
    ? undefined
    : {
        reason: pluralize('forbidden AppArmor profile', 'forbidden AppArmor profiles', values.length),
        detail: `${setters.join(' and ')} must not set AppArmor profile type to ${joinQuote(values)}`,
        containers: bad,
        pod: setters[0] === 'pod',
      }
}

// check_procMount.go: only "Default" (1.0); from 1.35 a pod in a user namespace may set any value (baseline only).
const procMount =
  (minor: number, level: PsaLevel): Check =>
  (pod) => {
    if (level === 'baseline' && userNamespace(pod, minor)) return undefined
    const types = new Set<string>()
    const bad = containersWhere(pod, (sc) => {
      if (sc?.procMount === undefined || sc.procMount === 'Default') return false
      types.add(sc.procMount)
      return true
    })
    return bad.length === 0
      ? undefined
      : {
          reason: 'procMount',
          detail: `${named(bad)} must not set securityContext.procMount to ${joinQuote(sortedUnique(types))}`,
          containers: bad,
          pod: false,
        }
  }

// check_seLinuxOptions.go: type "", container_t, container_init_t, container_kvm_t (+ container_engine_t from 1.31); no user, no role.
const seLinuxOptions =
  (minor: number): Check =>
  (pod) => {
    const allowed = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t'])
    if (minor >= 31) allowed.add('container_engine_t')
    const badTypes = new Set<string>()
    let user = false
    let role = false
    const invalid = (o: SecurityContextFacts['seLinuxOptions']): boolean => {
      if (o === undefined) return false
      if (!allowed.has(o.type)) badTypes.add(o.type)
      user ||= o.user !== ''
      role ||= o.role !== ''
      return !allowed.has(o.type) || o.user !== '' || o.role !== ''
    }
    const podBad = invalid(pod.spec?.securityContext?.seLinuxOptions)
    const bad = containersWhere(pod, (sc) => invalid(sc?.seLinuxOptions))
    const setters = [...(podBad ? ['pod'] : []), ...(bad.length > 0 ? [named(bad)] : [])]
    if (setters.length === 0) return undefined
    const types = sortedUnique(badTypes)
    const data = [
      ...(types.length > 0 ? [`${pluralize('type', 'types', types.length)} ${joinQuote(types)}`] : []),
      ...(user ? ['user may not be set'] : []),
      ...(role ? ['role may not be set'] : []),
    ]
    return {
      reason: 'seLinuxOptions',
      detail: `${setters.join(' and ')} set forbidden securityContext.seLinuxOptions: ${data.join('; ')}`,
      containers: bad,
      pod: podBad,
    }
  }

// check_sysctls.go: the safe set of 1.0, widened in 1.27, 1.29 and 1.32; names in spec order.
const safeSysctls = (minor: number): Set<string> =>
  new Set([
    'kernel.shm_rmid_forced',
    'net.ipv4.ip_local_port_range',
    'net.ipv4.tcp_syncookies',
    'net.ipv4.ping_group_range',
    'net.ipv4.ip_unprivileged_port_start',
    ...(minor >= 27 ? ['net.ipv4.ip_local_reserved_ports'] : []),
    ...(minor >= 29
      ? [
          'net.ipv4.tcp_keepalive_time',
          'net.ipv4.tcp_fin_timeout',
          'net.ipv4.tcp_keepalive_intvl',
          'net.ipv4.tcp_keepalive_probes',
        ]
      : []),
    ...(minor >= 32 ? ['net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem'] : []),
  ])
const sysctls =
  (minor: number): Check =>
  (pod) => {
    const safe = safeSysctls(minor)
    const bad = (pod.spec?.securityContext?.sysctls ?? []).filter((n) => !safe.has(n))
    return bad.length === 0
      ? undefined
      : {reason: 'forbidden sysctls', detail: bad.join(', '), containers: [], pod: true}
  }

// check_windowsHostProcess.go (1.0)
const windowsHostProcess: Check = (pod) => {
  const podSet = pod.spec?.securityContext?.windowsHostProcess === true
  const bad = containersWhere(pod, (sc) => sc?.windowsHostProcess === true)
  const setters = [...(podSet ? ['pod'] : []), ...(bad.length > 0 ? [named(bad)] : [])]
  return setters.length === 0
    ? undefined
    : {
        reason: 'hostProcess',
        detail: `${setters.join(' and ')} must not set securityContext.windowsOptions.hostProcess=true`,
        containers: bad,
        pod: podSet,
      }
}

interface RegisteredCheck {
  readonly id: string
  readonly since: number
  readonly run: (minor: number, level: PsaLevel) => Check
}

const always = (c: Check) => () => c

// Go's sort of the IDs (registry.go populate): byte order, baseline checks first, then restricted ones.
const byId = (a: RegisteredCheck, b: RegisteredCheck): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

/** Baseline checks; `overriddenFrom`: the minor from which a restricted check replaces it at restricted (OverrideCheckIDs). */
const baselineChecks: readonly (RegisteredCheck & {readonly overriddenFrom?: number})[] = [
  {id: 'appArmorProfile', since: 0, run: always(appArmorProfile)},
  {id: 'capabilities_baseline', since: 0, run: always(capabilitiesBaseline), overriddenFrom: 22},
  {id: 'hostNamespaces', since: 0, run: always(hostNamespaces)},
  {id: 'hostPathVolumes', since: 0, run: always(hostPathVolumes), overriddenFrom: 0},
  {id: 'hostPorts', since: 0, run: always(hostPorts)},
  {id: 'hostProbesAndHostLifecycle', since: 34, run: always(hostProbes)},
  {id: 'privileged', since: 0, run: always(privileged)},
  {id: 'procMount', since: 0, run: procMount},
  {id: 'seLinuxOptions', since: 0, run: seLinuxOptions},
  {id: 'seccompProfile_baseline', since: 0, run: seccompBaseline, overriddenFrom: 19},
  {id: 'sysctls', since: 0, run: sysctls},
  {id: 'windowsHostProcess', since: 0, run: always(windowsHostProcess)},
].sort(byId)
const restrictedChecks: readonly RegisteredCheck[] = [
  {id: 'allowPrivilegeEscalation', since: 8, run: always(allowPrivilegeEscalation)},
  {id: 'capabilities_restricted', since: 22, run: always(capabilitiesRestricted)},
  {id: 'restrictedVolumes', since: 0, run: always(restrictedVolumes)},
  {id: 'runAsNonRoot', since: 0, run: runAsNonRoot},
  {id: 'runAsUser', since: 23, run: runAsUser},
  {id: 'seccompProfile_restricted', since: 19, run: always(seccompRestricted)},
].sort(byId)

/** The checks a level and minor version run, in the API server's order. */
const checksFor = (level: 'baseline' | 'restricted', minor: number): readonly RegisteredCheck[] => {
  const baseline = baselineChecks.filter(
    (c) => level === 'baseline' || c.overriddenFrom === undefined || minor < c.overriddenFrom,
  )
  return [...baseline, ...(level === 'restricted' ? restrictedChecks : [])].filter((c) => c.since <= minor)
}

/** The newest policy version any check knows; `latest` and newer versions evaluate as it. */
export const newestPolicyMinor = 35

/** Evaluates one level and version against a pod (registry.go EvaluatePod), in the API server's check order. */
export const evaluatePodSecurity = (lv: PsaLevelVersion, pod: PodFacts): PsaEvaluation => {
  if (lv.level === 'privileged') return {violations: []}
  const minor = lv.version.latest ? newestPolicyMinor : Math.min(lv.version.minor, newestPolicyMinor)
  const violations = checksFor(lv.level, minor).flatMap((c) => {
    const result = c.run(minor, lv.level)(pod)
    return result === undefined ? [] : [{check: c.id, ...result}]
  })
  return {violations}
}

/** checks.go ForbiddenDetail: `reason (detail), reason (detail)`. */
export const forbiddenDetail = (violations: readonly PsaViolation[]): string =>
  violations.map((v) => (v.detail === '' ? v.reason : `${v.reason} (${v.detail})`)).join(', ')

/** The API server's text: enforce `violates PodSecurity "…": …`, warn `would violate PodSecurity "…": …`. */
export const podSecurityMessage = (
  mode: PsaMode,
  lv: PsaLevelVersion,
  violations: readonly PsaViolation[],
): string =>
  `${mode === 'enforce' ? 'violates' : 'would violate'} PodSecurity "${formatLevelVersion(lv)}": ${forbiddenDetail(violations)}`
