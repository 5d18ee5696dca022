// What `npm install -g` puts on PATH: package.json's bin names (kubectl-inject_check, …) linked to bin/*.js, so
// kubectl finds the plugins the way a user's kubectl does.
import {mkdtempSync, readFileSync, symlinkSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {delimiter, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import type {KubectlOptions, RealCluster, Run} from './cluster.js'
import {schemaChecked} from '../schemas/validate-output.js'

let plugins: string | undefined
export function pluginPath(): string {
  if (plugins) return plugins
  const root = fileURLToPath(new URL('../../', import.meta.url))
  const bins = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {bin: Record<string, string>})
    .bin
  const dir = mkdtempSync(join(tmpdir(), 'kubectl-plugins-'))
  for (const [name, target] of Object.entries(bins)) symlinkSync(join(root, target), join(dir, name))
  return (plugins = dir)
}

// `kubectl <plugin args>` as the inspector, plugins on PATH, no colour; `env` may swap KUBECONFIG.
export const runPlugin = (cluster: RealCluster, args: string[], options: KubectlOptions = {}): Promise<Run> =>
  cluster
    .kubectl(args, {
      context: 'inspector',
      timeoutMs: 120_000,
      ...options,
      env: {PATH: `${pluginPath()}${delimiter}${process.env.PATH ?? ''}`, NO_COLOR: '1', ...options.env},
    })
    .then(schemaChecked)
