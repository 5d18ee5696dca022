// `npm run cluster:down`: stops what cluster:up started, by the pids in .tmp/real-cluster, and removes its state.
import {rmSync} from 'node:fs'
import {runningComponents, stateDir} from './state-dir.js'

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

const order = ['kube-controller-manager', 'kube-apiserver', 'etcd']
const running = runningComponents().sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name))
for (const {name, pid} of running) {
  process.kill(pid, 'SIGTERM')
  const deadline = Date.now() + 10_000
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
  if (alive(pid)) process.kill(pid, 'SIGKILL')
  console.log(`${name}: stopped (pid ${pid})`)
}
if (running.length === 0) console.log('cluster:down: nothing running')
rmSync(stateDir, {recursive: true, force: true})
