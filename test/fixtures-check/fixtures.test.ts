// Every fixture and demo file parses, has well-formed objects and is internally consistent.
import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {X509Certificate} from 'node:crypto'
import {existsSync, readFileSync, readdirSync, statSync} from 'node:fs'
import {join, relative} from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseAllDocuments, parse as parseYaml} from 'yaml'

type Obj = {
  apiVersion?: string
  kind?: string
  metadata?: {
    name?: string
    namespace?: string
    uid?: string
    labels?: Record<string, string>
    annotations?: Record<string, string>
    ownerReferences?: {kind: string; name: string; uid?: string; apiVersion?: string}[]
  }
  [key: string]: unknown
}
type Loaded = {file: string; object: Obj}

const root = fileURLToPath(new URL('../..', import.meta.url))
// Time the demo and scenario snapshots were taken; certificates must be valid then.
const SNAPSHOT_TIME = new Date('2026-11-26T12:30:00Z')

const CLUSTER_SCOPED = new Set([
  'Namespace',
  'Node',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
  'ClusterRole',
  'ClusterRoleBinding',
])

const yamlFilesUnder = (dir: string): string[] =>
  readdirSync(dir)
    .flatMap((entry) => {
      const path = join(dir, entry)
      if (statSync(path).isDirectory()) return yamlFilesUnder(path)
      return /\.ya?ml$/.test(entry) ? [path] : []
    })
    .sort()

const load = (file: string): Loaded[] => {
  const text = readFileSync(file, 'utf8')
  const out: Loaded[] = []
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`${relative(root, file)}: ${doc.errors[0]?.message}`)
    const value = doc.toJS() as Obj | null
    if (value === null) continue
    if (value.kind === 'List') for (const item of (value.items as Obj[]) ?? []) out.push({file, object: item})
    else out.push({file, object: value})
  }
  return out
}

const key = (o: Obj): string => `${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name}`
const rel = (file: string): string => relative(root, file)

const istioFiles = yamlFilesUnder(join(root, 'test/fixtures/istio'))
const clusterFiles = yamlFilesUnder(join(root, 'test/fixtures/clusters'))
const demoFiles = yamlFilesUnder(join(root, 'examples/demo-cluster'))
const manifestFiles = yamlFilesUnder(join(root, 'examples/manifests'))
const allFiles = [...istioFiles, ...clusterFiles, ...demoFiles, ...manifestFiles]

const pairOf = (file: string): string => {
  const match = /^# pairs-with: (\S+)$/m.exec(readFileSync(file, 'utf8'))
  if (!match?.[1]) throw new Error(`${rel(file)} has no "# pairs-with:" header`)
  return join(root, match[1])
}

/** File sets that together describe one cluster (a snapshot a source would read as a whole). */
const liveSets: {name: string; files: string[]}[] = [
  ...istioFiles.map((f) => ({name: rel(f), files: [f]})),
  ...clusterFiles.map((f) => ({name: `${rel(f)} + ${rel(pairOf(f))}`, files: [f, pairOf(f)]})),
  {name: 'examples/demo-cluster', files: demoFiles},
]

const objectsOf = (files: string[]): Loaded[] => files.flatMap(load)

const webhooksOf = (o: Obj): Record<string, unknown>[] =>
  (o.webhooks as Record<string, unknown>[] | undefined) ?? []

describe('fixture files', () => {
  it('finds the fixture directories populated', () => {
    assert.ok(istioFiles.length >= 9, `istio fixtures: ${istioFiles.length}`)
    assert.ok(clusterFiles.length >= 10, `cluster fixtures: ${clusterFiles.length}`)
    assert.ok(demoFiles.length >= 8, `demo files: ${demoFiles.length}`)
    assert.ok(manifestFiles.length >= 2, `manifests: ${manifestFiles.length}`)
  })

  for (const file of allFiles) {
    it(`${rel(file)} parses and every object has apiVersion, kind, metadata.name (and namespace when namespaced)`, () => {
      const objects = load(file)
      // An empty `kind: List` named after its resource records "collected, none exist" (admission after injection).
      const attestsNone =
        /(resourcequotas|limitranges|validating\w+)\.yaml$/.test(file) &&
        /^items: \[\]$/m.test(readFileSync(file, 'utf8'))
      assert.ok(objects.length > 0 || attestsNone, 'no objects')
      for (const {object} of objects) {
        const where = `${rel(file)}: ${key(object)}`
        assert.equal(typeof object.apiVersion, 'string', `${where}: apiVersion`)
        assert.equal(typeof object.kind, 'string', `${where}: kind`)
        assert.equal(typeof object.metadata?.name, 'string', `${where}: metadata.name`)
        if (!CLUSTER_SCOPED.has(object.kind ?? ''))
          assert.equal(typeof object.metadata?.namespace, 'string', `${where}: metadata.namespace`)
        else
          assert.equal(
            object.metadata?.namespace,
            undefined,
            `${where}: cluster-scoped object with a namespace`,
          )
      }
    })
  }

  for (const file of clusterFiles) {
    it(`${rel(file)} names an existing istio fixture to pair with`, () => {
      const pair = pairOf(file)
      assert.ok(existsSync(pair), `missing ${rel(pair)}`)
      assert.ok(pair.includes('/test/fixtures/istio/'), `${rel(pair)} is not an istio fixture`)
    })
  }
})

describe('file sets', () => {
  for (const set of liveSets) {
    describe(set.name, () => {
      const objects = objectsOf(set.files)
      const byKey = new Map(objects.map(({object}) => [key(object), object]))

      it('has no duplicate (kind, namespace, name)', () => {
        const seen = new Set<string>()
        for (const {object, file} of objects) {
          assert.ok(!seen.has(key(object)), `duplicate ${key(object)} (${rel(file)})`)
          seen.add(key(object))
        }
      })

      it('has every ownerReference pointing at an object present, with the same uid', () => {
        for (const {object} of objects) {
          for (const ref of object.metadata?.ownerReferences ?? []) {
            const ns = CLUSTER_SCOPED.has(ref.kind) ? '' : (object.metadata?.namespace ?? '')
            const owner = byKey.get(`${ref.kind}/${ns}/${ref.name}`)
            assert.ok(owner, `${key(object)} -> missing owner ${ref.kind}/${ref.name}`)
            assert.equal(ref.uid, owner.metadata?.uid, `${key(object)} -> ${ref.kind}/${ref.name} uid`)
          }
        }
      })

      it('has namespaces for every namespaced object and the kubernetes.io/metadata.name label on each', () => {
        for (const {object} of objects) {
          if (object.kind === 'Namespace')
            assert.equal(
              object.metadata?.labels?.['kubernetes.io/metadata.name'],
              object.metadata?.name,
              key(object),
            )
          const ns = object.metadata?.namespace
          if (ns !== undefined)
            assert.ok(byKey.has(`Namespace//${ns}`), `${key(object)}: namespace ${ns} not in the set`)
        }
      })

      it('has pods with pod-template-hash labels matching their ReplicaSet', () => {
        for (const {object} of objects) {
          if (object.kind !== 'Pod') continue
          const rs = object.metadata?.ownerReferences?.find((r) => r.kind === 'ReplicaSet')
          if (!rs) continue
          const hash = object.metadata?.labels?.['pod-template-hash']
          assert.ok(
            hash && rs.name.endsWith(`-${hash}`),
            `${key(object)}: pod-template-hash ${hash} vs ${rs.name}`,
          )
        }
      })

      it('has webhook services and EndpointSlices that resolve to Services in the set', () => {
        for (const {object} of objects) {
          if (
            object.kind === 'MutatingWebhookConfiguration' &&
            object.metadata?.labels?.app === 'sidecar-injector'
          ) {
            for (const wh of webhooksOf(object)) {
              const svc = (wh.clientConfig as {service?: {name: string; namespace: string; port?: number}})
                .service
              assert.ok(svc, `${key(object)} ${String(wh.name)}: no service`)
              const service = byKey.get(`Service/${svc.namespace}/${svc.name}`) as
                {spec?: {ports?: {port: number; targetPort?: number}[]}} | undefined
              assert.ok(
                service,
                `${key(object)} ${String(wh.name)}: Service ${svc.namespace}/${svc.name} missing`,
              )
              assert.ok(
                service.spec?.ports?.some((p) => p.port === svc.port && p.targetPort === 15017),
                `${svc.name}: no ${svc.port}->15017 port`,
              )
            }
          }
          if (object.kind === 'EndpointSlice') {
            const svcName = object.metadata?.labels?.['kubernetes.io/service-name']
            assert.ok(
              byKey.has(`Service/${object.metadata?.namespace}/${svcName}`),
              `${key(object)}: Service ${svcName} missing`,
            )
            for (const ep of (object.endpoints as {
              targetRef?: {kind: string; name: string; namespace: string; uid: string}
            }[]) ?? []) {
              if (!ep.targetRef) continue
              const pod = byKey.get(`Pod/${ep.targetRef.namespace}/${ep.targetRef.name}`)
              assert.ok(pod, `${key(object)}: endpoint pod ${ep.targetRef.name} missing`)
              assert.equal(pod.metadata?.uid, ep.targetRef.uid, `${key(object)}: endpoint pod uid`)
            }
          }
        }
      })

      it('has Events whose involvedObject exists', () => {
        for (const {object} of objects) {
          if (object.kind !== 'Event') continue
          const inv = object.involvedObject as {kind: string; name: string; namespace: string; uid: string}
          const target = byKey.get(`${inv.kind}/${inv.namespace}/${inv.name}`)
          assert.ok(target, `${key(object)}: involvedObject ${inv.kind}/${inv.name} missing`)
          assert.equal(target.metadata?.uid, inv.uid, `${key(object)}: involvedObject uid`)
        }
      })
    })
  }
})

describe('mutating webhook configurations as the API server stores them', () => {
  const configs = objectsOf([...istioFiles, ...demoFiles]).filter(
    ({object}) => object.kind === 'MutatingWebhookConfiguration',
  )

  it('finds configurations to check', () => assert.ok(configs.length >= 10))

  for (const {file, object} of configs) {
    it(`${rel(file)} ${object.metadata?.name}: every webhook has the defaulted fields and a caBundle valid at snapshot time`, () => {
      const webhooks = webhooksOf(object)
      assert.ok(webhooks.length > 0)
      for (const wh of webhooks) {
        const where = `${object.metadata?.name}/${String(wh.name)}`
        assert.ok(['Fail', 'Ignore'].includes(wh.failurePolicy as string), `${where}: failurePolicy`)
        assert.ok(['Exact', 'Equivalent'].includes(wh.matchPolicy as string), `${where}: matchPolicy`)
        assert.ok(
          ['Never', 'IfNeeded'].includes(wh.reinvocationPolicy as string),
          `${where}: reinvocationPolicy`,
        )
        assert.ok(['None', 'NoneOnDryRun'].includes(wh.sideEffects as string), `${where}: sideEffects`)
        assert.equal(typeof wh.timeoutSeconds, 'number', `${where}: timeoutSeconds`)
        assert.ok(
          Array.isArray(wh.admissionReviewVersions) && wh.admissionReviewVersions.includes('v1'),
          `${where}: admissionReviewVersions`,
        )
        assert.ok(
          wh.namespaceSelector && typeof wh.namespaceSelector === 'object',
          `${where}: namespaceSelector`,
        )
        assert.ok(wh.objectSelector && typeof wh.objectSelector === 'object', `${where}: objectSelector`)
        const rules = wh.rules as {scope?: string; operations?: string[]}[]
        assert.ok(
          rules.length > 0 && rules.every((r) => typeof r.scope === 'string'),
          `${where}: rules[].scope`,
        )
        const cc = wh.clientConfig as {caBundle?: string; service?: {port?: number}}
        if (cc.service) assert.equal(typeof cc.service.port, 'number', `${where}: service.port`)
        assert.equal(typeof cc.caBundle, 'string', `${where}: caBundle`)
        const pem = Buffer.from(cc.caBundle ?? '', 'base64').toString('utf8')
        assert.match(pem, /^-----BEGIN CERTIFICATE-----\n/, `${where}: caBundle is not a PEM certificate`)
        const cert = new X509Certificate(pem)
        assert.ok(
          new Date(cert.validFrom) <= SNAPSHOT_TIME && SNAPSHOT_TIME <= new Date(cert.validTo),
          `${where}: certificate not valid at snapshot time`,
        )
      }
    })

    if (object.metadata?.labels?.app === 'sidecar-injector') {
      it(`${rel(file)} ${object.metadata?.name}: Istio webhooks follow the chart (CREATE pods, /inject, Fail, unique names)`, () => {
        const names = webhooksOf(object).map((w) => w.name as string)
        assert.equal(new Set(names).size, names.length, 'duplicate webhook names')
        for (const wh of webhooksOf(object)) {
          assert.match(
            wh.name as string,
            /^(rev\.namespace|rev\.object|namespace|object|auto)\.sidecar-injector\.istio\.io$/,
          )
          assert.equal(wh.failurePolicy, 'Fail')
          assert.equal((wh.clientConfig as {service: {path: string}}).service.path, '/inject')
          assert.deepEqual(wh.rules, [
            {apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'], scope: '*'},
          ])
        }
      })
    }
  }
})

describe('Istio ConfigMaps', () => {
  const sets = [...istioFiles.map((f) => [f]), demoFiles]
  const CHART_TEMPLATES = ['sidecar', 'gateway', 'grpc-simple', 'grpc-agent', 'waypoint', 'kube-gateway']

  for (const files of sets) {
    const objects = objectsOf(files)
    const injectors = objects.filter(
      ({object}) =>
        object.kind === 'ConfigMap' && object.metadata?.name?.startsWith('istio-sidecar-injector'),
    )
    const label = files.length === 1 && files[0] ? rel(files[0]) : 'examples/demo-cluster'

    it(`${label}: every MWC revision has its injector ConfigMap, mesh ConfigMap and istiod Deployment`, () => {
      const revisions = new Set(
        objects
          .filter(
            ({object}) =>
              object.kind === 'MutatingWebhookConfiguration' &&
              object.metadata?.labels?.app === 'sidecar-injector',
          )
          .map(({object}) => object.metadata?.labels?.['istio.io/rev']),
      )
      assert.ok(revisions.size > 0)
      const names = new Set(objects.map(({object}) => key(object)))
      for (const rev of revisions) {
        const suffix = rev === 'default' ? '' : `-${rev}`
        assert.ok(
          names.has(`ConfigMap/istio-system/istio-sidecar-injector${suffix}`),
          `injector ConfigMap for ${rev}`,
        )
        assert.ok(names.has(`ConfigMap/istio-system/istio${suffix}`), `mesh ConfigMap for ${rev}`)
        assert.ok(names.has(`Deployment/istio-system/istiod${suffix}`), `istiod Deployment for ${rev}`)
      }
    })

    for (const {object} of injectors) {
      it(`${label} ${object.metadata?.name}: data.config has the rendered shape and data.values the chart values`, () => {
        const data = object.data as {config: string; values: string}
        const config = parseYaml(data.config) as Record<string, unknown>
        assert.deepEqual(config.defaultTemplates, ['sidecar'])
        assert.ok(['enabled', 'disabled'].includes(config.policy as string))
        assert.ok(Array.isArray(config.alwaysInjectSelector) && Array.isArray(config.neverInjectSelector))
        assert.ok('injectedAnnotations' in config)
        assert.deepEqual(Object.keys(config.templates as object), CHART_TEMPLATES)
        const values = JSON.parse(data.values) as {
          global: {hub: string; tag: string; proxy: {image: string; autoInject: string}}
          revision: string
          sidecarInjectorWebhook: {enableNamespacesByDefault: boolean}
        }
        assert.equal(values.global.hub, 'docker.io/istio')
        assert.match(values.global.tag, /^1\.\d+\.\d+$/)
        assert.equal(values.global.proxy.image, 'proxyv2')
        assert.equal(values.global.proxy.autoInject, config.policy, 'values autoInject vs config policy')
        assert.equal(typeof values.sidecarInjectorWebhook.enableNamespacesByDefault, 'boolean')
        const rev = object.metadata?.labels?.['istio.io/rev']
        assert.equal(values.revision === '' ? 'default' : values.revision, rev)
        const deployment = objects.find(
          ({object: o}) =>
            o.kind === 'Deployment' && o.metadata?.name === (rev === 'default' ? 'istiod' : `istiod-${rev}`),
        )
        const image = JSON.stringify(deployment?.object.spec)
        assert.ok(
          image.includes(`docker.io/istio/pilot:${values.global.tag}`),
          `istiod image tag matches values.global.tag ${values.global.tag}`,
        )
      })
    }
  }
})

describe('injected pods', () => {
  const pods = objectsOf([...clusterFiles, ...demoFiles]).filter(({object}) => object.kind === 'Pod')

  it('finds injected pods', () =>
    assert.ok(pods.some(({object}) => object.metadata?.annotations?.['sidecar.istio.io/status'])))

  for (const {file, object} of pods) {
    const status = object.metadata?.annotations?.['sidecar.istio.io/status']
    if (!status) continue
    it(`${rel(file)} ${object.metadata?.name}: status annotation names the proxy where the spec has it`, () => {
      const parsed = JSON.parse(status) as {
        initContainers: string[] | null
        containers: string[] | null
        revision: string
      }
      assert.equal(typeof parsed.revision, 'string')
      assert.equal(object.metadata?.annotations?.['istio.io/rev'], parsed.revision)
      const spec = object.spec as {
        containers: {name: string; image: string}[]
        initContainers?: {name: string; restartPolicy?: string; image: string}[]
      }
      const nativeProxy = spec.initContainers?.find((c) => c.name === 'istio-proxy')
      const classicProxy = spec.containers.find((c) => c.name === 'istio-proxy')
      if (parsed.initContainers?.includes('istio-proxy')) assert.equal(nativeProxy?.restartPolicy, 'Always')
      else assert.ok(parsed.containers?.includes('istio-proxy') && classicProxy)
      const image = (nativeProxy ?? classicProxy)?.image ?? ''
      assert.match(image, /^docker\.io\/istio\/proxyv2:1\.\d+\.\d+$/)
    })
  }
})
