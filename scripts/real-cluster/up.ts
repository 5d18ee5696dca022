// `npm run cluster:up`: builds the binaries if needed, starts etcd, kube-apiserver and kube-controller-manager in
// the background (state in .tmp/real-cluster), and prints the KUBECONFIG to use. `npm run cluster:down` stops them.
import {rmSync} from 'node:fs'
import {startRealCluster} from '../../test/real-cluster/cluster.js'
import {runningComponents, stateDir} from './state-dir.js'

const running = runningComponents()
if (running.length > 0) {
  console.error(
    `cluster:up: already running (${running.map((r) => `${r.name} pid ${r.pid}`).join(', ')}); run npm run cluster:down first`,
  )
  process.exit(1)
}
rmSync(stateDir, {recursive: true, force: true})
const start = Date.now()
try {
  const cluster = await startRealCluster({stateDir, detached: true, log: (line) => console.log(line)})
  console.log(`control plane ready in ${((Date.now() - start) / 1000).toFixed(1)} s: ${cluster.server}`)
  console.log(
    `contexts: admin (system:masters), limited (get/list pods in ${cluster.limitedNamespace} only), inspector`,
  )
  console.log(`audit log: ${cluster.auditLogPath}`)
  console.log(`export KUBECONFIG=${cluster.kubeconfigPath}`)
  process.exit(0)
} catch (error) {
  console.error(`cluster:up failed: ${(error as Error).message}`)
  process.exit(1)
}
