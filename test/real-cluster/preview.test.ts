// Preview = reality: `kubectl inject-diff -f … -o json` previews a pod (a server-side dry run through the real
// admission chain), then the pod is created for real; the previewed pod must equal the created one once generated
// names, uids, timestamps, resourceVersion and the service-account token volume's random suffix are set aside.
import assert from 'node:assert/strict'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {realClusterAvailable} from './cluster.js'
import {fixtureObjects} from './fixture-install.js'
import {eventually, sidecarOf, startLab} from './real-scenarios.js'
import type {Json, Lab} from './real-scenarios.js'

const availability = realClusterAvailable()
if (!availability.available) console.log(`real-cluster preview suite SKIPPED: ${availability.reason}`)

const tokenVolume = /^kube-api-access-[a-z0-9]{5}$/

// What differs between two creations of the same pod by construction, not by admission.
function comparable(pod: Json): Json {
  const copy = structuredClone(pod)
  const m = copy.metadata ?? {}
  for (const k of ['name', 'generateName', 'uid', 'creationTimestamp', 'resourceVersion', 'managedFields'])
    delete m[k]
  delete copy.status
  const rename = (name: string): string => (tokenVolume.test(name) ? 'kube-api-access-<random>' : name)
  for (const v of copy.spec?.volumes ?? []) v.name = rename(v.name)
  for (const c of [...(copy.spec?.initContainers ?? []), ...(copy.spec?.containers ?? [])])
    for (const mount of c.volumeMounts ?? []) mount.name = rename(mount.name)
  return copy
}

// Leaf paths where two documents differ, e.g. `spec.tolerations: [..] ≠ absent` (readable where assert's diff is not).
function differences(a: unknown, b: unknown, path = ''): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return []
  const bothObjects = a !== null && b !== null && typeof a === 'object' && typeof b === 'object'
  if (!bothObjects || Array.isArray(a) !== Array.isArray(b)) {
    const show = (v: unknown): string => (v === undefined ? 'absent' : JSON.stringify(v).slice(0, 160))
    return [`${path || '.'}: preview ${show(a)} ≠ created ${show(b)}`]
  }
  const ao = a as Record<string, unknown>
  const bo = b as Record<string, unknown>
  return [...new Set([...Object.keys(ao), ...Object.keys(bo)])].flatMap((k) =>
    differences(ao[k], bo[k], path ? `${path}.${k}` : k),
  )
}

// Fields of `part` that `whole` lacks or holds differently; arrays of named items are matched by name.
function missing(part: unknown, whole: unknown, path = ''): string[] {
  if (JSON.stringify(part) === JSON.stringify(whole)) return []
  const named = (v: unknown): v is Json[] =>
    Array.isArray(v) && v.every((x) => typeof (x as Json | null)?.name === 'string')
  if (named(part) && named(whole))
    return part.flatMap((item) =>
      missing(
        item,
        whole.find((w) => w.name === item.name),
        `${path}[${String(item.name)}]`,
      ),
    )
  if (Array.isArray(part) && Array.isArray(whole) && part.length === whole.length)
    return part.flatMap((item, i) => missing(item, whole[i], `${path}[${i}]`))
  const objects = [part, whole].every((v) => v !== null && typeof v === 'object' && !Array.isArray(v))
  if (!objects) return differences(part, whole, path)
  return Object.keys(part as Json).flatMap((k) =>
    missing((part as Json)[k], (whole as Json)[k], path ? `${path}.${k}` : k),
  )
}

interface PreviewCase {
  says: string
  install: string
  namespaceLabels: Record<string, string>
  labels?: Record<string, string>
  injected: boolean
}

const cases: PreviewCase[] = [
  {
    says: 'default install, namespace istio-injection=enabled',
    install: 'default-1.28',
    namespaceLabels: {'istio-injection': 'enabled'},
    injected: true,
  },
  {
    says: 'default install, pod opted out with sidecar.istio.io/inject=false',
    install: 'default-1.28',
    namespaceLabels: {'istio-injection': 'enabled'},
    labels: {'sidecar.istio.io/inject': 'false'},
    injected: false,
  },
  {
    says: 'revision 1-28 with tags, namespace istio.io/rev=prod',
    install: 'revision-1-28-with-tags',
    namespaceLabels: {'istio.io/rev': 'prod'},
    injected: true,
  },
  {
    says: 'revision 1-28 with tags, pod label istio.io/rev=1-28 in an unlabelled namespace',
    install: 'revision-1-28-with-tags',
    namespaceLabels: {},
    labels: {'istio.io/rev': '1-28'},
    injected: true,
  },
  {
    says: 'named revision 1-27, namespace istio.io/rev=1-27',
    install: 'revision-1-27',
    namespaceLabels: {'istio.io/rev': '1-27'},
    injected: true,
  },
]

describe(
  'preview = reality on a real API server',
  {skip: availability.available ? false : availability.reason},
  () => {
    let lab: Lab
    const workDir = mkdtempSync(join(tmpdir(), 'real-preview-'))
    let installed = ''

    before(async () => {
      lab = await startLab()
    })
    after(async () => {
      await lab?.stop()
    })

    for (const [index, c] of cases.entries()) {
      it(`${c.says}: inject-diff's pod is the pod the API server creates`, async () => {
        if (installed !== c.install) {
          await lab.install(fixtureObjects(c.install))
          installed = c.install
        }
        const namespace = `p${index}`
        await lab.namespace(namespace, c.namespaceLabels)
        const pod = {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: {name: 'web', namespace, labels: {app: 'web', ...c.labels}},
          spec: {containers: [{name: 'app', image: 'nginx:1.27', ports: [{containerPort: 8080}]}]},
        }
        const file = join(workDir, `${namespace}.json`)
        writeFileSync(file, JSON.stringify(pod))
        const previewOf = async (extra: string[]): Promise<Json> => {
          const diff = await lab.plugin(['inject-diff', '-f', file, '-o', 'json', ...extra])
          assert.ok(
            diff.stdout.startsWith('{'),
            `inject-diff printed no document (exit ${diff.code}): ${diff.stderr}`,
          )
          // -o json prints the resulting pod; a failed preview prints its InjectionDiff with `failure`.
          const doc = JSON.parse(diff.stdout) as Json
          assert.equal(doc.kind, 'Pod', JSON.stringify(doc.failure))
          return doc
        }
        const raw = await previewOf(['--raw'])
        const preview = await previewOf([])
        const made = await lab.create([pod])
        assert.equal(made.code, 0, made.stderr)
        const created = await eventually('the created pod', async () => {
          const r = await lab.kubectl(['get', 'pod', 'web', '-n', namespace, '-o', 'json'])
          return r.code === 0 ? (JSON.parse(r.stdout) as Json) : undefined
        })
        assert.equal(
          Boolean(sidecarOf(created)),
          c.injected,
          'the created pod has the expected sidecar state',
        )
        assert.equal(Boolean(sidecarOf(preview)), c.injected, 'the preview has the expected sidecar state')
        // --raw: the dry run's whole result, API-server defaults included, is the created pod.
        assert.deepEqual(differences(comparable(raw), comparable(created)), [])
        // Default: the pod as sent plus the injection; every field it shows is the created pod's.
        assert.deepEqual(missing(comparable(preview), comparable(created)), [])
      })
    }
  },
)
