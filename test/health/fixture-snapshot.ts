// Builds ClusterSnapshots for health tests from real-shaped YAML files (shared istio fixtures and local ones).
import {readFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseAllDocuments} from 'yaml'
import {buildSnapshot} from '../../src/cluster/projection.js'
import type {ClusterSnapshot, Gap, MutatingWebhook} from '../../src/core/snapshot.js'

const here = dirname(fileURLToPath(import.meta.url))
export const istioFixture = (name: string): string => join(here, '..', 'fixtures', 'istio', name)
export const clusterFixture = (name: string): string => join(here, '..', 'fixtures', 'clusters', name)
export const localFixture = (name: string): string => join(here, 'fixtures', name)

export const readObjects = (path: string): unknown[] =>
  parseAllDocuments(readFileSync(path, 'utf8'))
    .map((doc) => doc.toJS() as unknown)
    .filter((object) => object !== null && object !== undefined)

/** Objects from files minus `without` (`Kind/namespace/name`), plus extra objects (YAML text) layered on top; later objects replace same kind/namespace/name. */
export const snapshotFrom = (
  paths: readonly string[],
  extraYaml = '',
  gaps: readonly Gap[] = [],
  without: readonly string[] = [],
): ClusterSnapshot => {
  const entries = paths.flatMap((path) =>
    readObjects(path).map((object) => ({object, source: path.slice(path.indexOf('test/'))})),
  )
  const extra = parseAllDocuments(extraYaml)
    .map((doc) => doc.toJS() as unknown)
    .filter((object) => object !== null && object !== undefined)
    .map((object) => ({object, source: 'inline'}))
  const key = (o: unknown): string => {
    const r = o as {kind?: string; metadata?: {name?: string; namespace?: string}}
    return `${r.kind}/${r.metadata?.namespace ?? ''}/${r.metadata?.name ?? ''}`
  }
  const replaced = new Set(extra.map((e) => key(e.object)))
  const kept = entries.filter((e) => !replaced.has(key(e.object)) && !without.includes(key(e.object)))
  return buildSnapshot(
    [...kept, ...extra],
    {kind: 'files', paths: paths.map((path) => path.slice(path.indexOf('test/')))},
    gaps,
  )
}

export const readPem = (name: string): string => readFileSync(localFixture(join('certs', name)), 'utf8')
export const base64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64')

/** Rewrites every Istio injector webhook of the snapshot (a test edits what a cluster operator would). */
export const editInjectorWebhooks = (
  snapshot: ClusterSnapshot,
  edit: (webhook: MutatingWebhook) => MutatingWebhook,
): ClusterSnapshot => ({
  ...snapshot,
  webhookConfigurations: snapshot.webhookConfigurations.map((config) => ({
    ...config,
    webhooks: (config.webhooks ?? []).map((w) =>
      w.name.endsWith('sidecar-injector.istio.io') ? edit(w) : w,
    ),
  })),
})
