// Starts test/real-cluster/istio-injector (Istio's own /inject) on the webhook fixture's TLS pair and waits until it answers.
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {request} from 'node:https'
import {loadTlsMaterial, tlsFixturePath} from '../apiserver-double/index.js'
import {launch} from './processes.js'
import type {Proc} from './processes.js'

const answers = (url: string): Promise<boolean> =>
  new Promise((resolve) => {
    const req = request(url, {ca: loadTlsMaterial().caPem, timeout: 2000}, (res) => {
      res.resume()
      resolve(true)
    })
    req.on('error', () => resolve(false))
    req.on('timeout', () => req.destroy())
    req.end()
  })

/** `-chart-templates`: Istio renders its own chart's templates (the fixtures' are abbreviated). */
export const launchIstioInjector = async (options: {
  readonly bin: string
  readonly dir: string
  readonly port: number
  readonly injectorConfigMapFile: string
  readonly meshConfigMapFile: string
}): Promise<Proc> => {
  const {bin, dir, port} = options
  const injector = launch(
    'istio-injector',
    bin,
    [
      `-addr=127.0.0.1:${port}`,
      `-cert=${tlsFixturePath('webhook.pem')}`,
      `-key=${tlsFixturePath('webhook-key.pem')}`,
      `-injector-configmap=${options.injectorConfigMapFile}`,
      `-mesh-configmap=${options.meshConfigMapFile}`,
      '-chart-templates',
    ],
    dir,
    false,
  )
  const deadline = Date.now() + 30_000
  while (!(await answers(`https://127.0.0.1:${port}/inject`))) {
    assert.equal(
      injector.exited,
      undefined,
      `istio-injector exited: ${readFileSync(injector.logPath, 'utf8')}`,
    )
    assert.ok(Date.now() < deadline, 'istio-injector did not listen within 30 s')
    await new Promise((r) => setTimeout(r, 200))
  }
  return injector
}
