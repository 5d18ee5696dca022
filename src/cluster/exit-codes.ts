// Exit codes of kubectl inject-check/inject-diff, after BSD sysexits (as istioctl/cmd/sysexits.go uses them).
// A verdict about the cluster is never an error: a pod that will not be injected exits 0 unless --fail-on asks otherwise.

export const ExitCode = {
  /** The command ran; verdicts (including "not injected") are on stdout. */
  Ok: 0,
  /** A bug or an unexpected failure inside the tool. */
  Unexpected: 1,
  /** Bad usage: unknown flag, bad flag value, a flag combination that makes no sense (EX_USAGE). */
  Usage: 64,
  /** An input file or directory (--from, -f) is missing, unreadable or not Kubernetes YAML/JSON (EX_DATAERR). */
  InputFile: 65,
  /** The target (pod, workload, namespace) does not exist: the API server answered 404 (EX_NOINPUT). */
  TargetNotFound: 66,
  /** The cluster could not be reached or failed: DNS, TCP, TLS, timeout, 5xx (EX_UNAVAILABLE). */
  ClusterUnreachable: 69,
  /** The cluster refused the credentials: 401 Unauthorized, or a needed read was forbidden outright (EX_NOPERM). */
  ClusterUnauthorized: 77,
  /** A --fail-on condition matched at least one target (istioctl's 79: "analyzer found issues"). */
  FailOnMatched: 79,
} as const

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode]
