// When the suites that need Istio's own injector run: the injector cached, CI (which builds it: ~13 min cold on
// 2 cores) or ISTIO_DECISION=1; a developer's first `npm test` is not made to wait for the cold build.
import {existsSync} from 'node:fs'
import {
  istioInjectorAvailable,
  plannedIstioInjector,
} from '../../scripts/real-cluster/build-istio-injector.js'
import {realClusterAvailable} from './cluster.js'

/** Why the suite is skipped, or false when it runs (logged once under the suite's name). */
export const istioSuiteSkip = (suite: string): string | false => {
  const cached = existsSync(plannedIstioInjector().path)
  const optedIn = process.env.ISTIO_DECISION === '1' || process.env.CI === 'true' || cached
  const cluster = realClusterAvailable()
  const injector = istioInjectorAvailable()
  const skip = !optedIn
    ? 'set ISTIO_DECISION=1 to run (builds istio.io/istio pkg/kube/inject on first run; CI always runs it)'
    : !cluster.available
      ? cluster.reason
      : !injector.available
        ? injector.reason
        : false
  if (skip) console.log(`${suite} suite SKIPPED: ${skip}`)
  return skip
}
