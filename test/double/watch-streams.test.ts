// The double's watch API, checked on the wire and with real kubectl (`get -w`): newline-delimited {type, object}
// events from a resourceVersion on, BOOKMARKs on request, 410 as an ERROR event after a compaction.
import {after, before, describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {request} from 'node:https'
import {startApiServer} from '../apiserver-double/index.js'
import type {ApiServerDouble} from '../apiserver-double/index.js'

let double: ApiServerDouble

const pod = (name: string, labels: Record<string, string> = {}): object => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {name, namespace: 'shop', labels},
  spec: {containers: [{name: 'app', image: 'nginx:1.27'}], nodeName: 'node-1'},
  status: {phase: 'Running'},
})

before(async () => {
  double = await startApiServer({
    objects: [{apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'shop'}}, pod('first')],
  })
})
after(async () => {
  await double.close()
})

const get = (path: string): Promise<{status: number; body: string}> =>
  new Promise((resolve, reject) => {
    const req = request(
      `${double.url}${path}`,
      {ca: double.caData, headers: {Authorization: `Bearer ${double.token}`}},
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () =>
          resolve({status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8')}),
        )
      },
    )
    req.on('error', reject)
    req.end()
  })

/** Opens a watch and collects its events until the stream ends. */
const openWatch = (path: string) => {
  const events: {
    type: string
    object: {metadata?: {name?: string; resourceVersion?: string}; code?: number}
  }[] = []
  let buffer = ''
  let status = 0
  const ended = new Promise<void>((resolve, reject) => {
    const req = request(
      `${double.url}${path}`,
      {ca: double.caData, headers: {Authorization: `Bearer ${double.token}`}},
      (res) => {
        status = res.statusCode ?? 0
        res.on('data', (chunk: Buffer) => {
          buffer += chunk.toString('utf8')
          const parts = buffer.split('\n')
          buffer = parts.pop() ?? ''
          for (const line of parts)
            if (line.trim() !== '') events.push(JSON.parse(line) as (typeof events)[number])
        })
        res.on('end', () => resolve())
      },
    )
    req.on('error', reject)
    req.end()
  })
  return {events, ended, status: () => status}
}

const until = async (condition: () => boolean, what: string): Promise<void> => {
  const deadline = Date.now() + 5000
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('watch=true on the API-server double', () => {
  it('streams ADDED, MODIFIED, DELETED and BOOKMARK events after the list resourceVersion, and ends when closed', async () => {
    const list = JSON.parse((await get('/api/v1/namespaces/shop/pods')).body) as {
      metadata: {resourceVersion: string}
    }
    const watch = openWatch(
      `/api/v1/namespaces/shop/pods?watch=true&allowWatchBookmarks=true&resourceVersion=${list.metadata.resourceVersion}`,
    )
    await until(() => double.openWatches() === 1, 'the watch to open')
    double.addObjects([pod('second')])
    double.addObjects([pod('second', {changed: 'yes'})])
    double.removeObject('Pod', 'shop', 'second')
    double.bookmarkWatches()
    await until(() => watch.events.length === 4, 'four events')
    assert.equal(watch.status(), 200)
    assert.deepEqual(
      watch.events.map((e) => `${e.type} ${e.object.metadata?.name ?? ''}`),
      ['ADDED second', 'MODIFIED second', 'DELETED second', 'BOOKMARK '],
    )
    const versions = watch.events.map((e) => Number(e.object.metadata?.resourceVersion))
    assert.deepEqual(
      versions,
      [...versions].sort((a, b) => a - b),
      'resourceVersions increase',
    )
    assert.equal(double.closeWatches(), 1)
    await watch.ended
  })

  it('replays what changed since an older resourceVersion, filtered by the label selector', async () => {
    const list = JSON.parse((await get('/api/v1/namespaces/shop/pods')).body) as {
      metadata: {resourceVersion: string}
    }
    double.addObjects([pod('third', {app: 'web'}), pod('fourth', {app: 'db'})])
    const watch = openWatch(
      `/api/v1/namespaces/shop/pods?watch=1&labelSelector=app%3Dweb&resourceVersion=${list.metadata.resourceVersion}`,
    )
    await until(() => watch.events.length === 1, 'the replayed event')
    assert.deepEqual(
      watch.events.map((e) => `${e.type} ${e.object.metadata?.name ?? ''}`),
      ['ADDED third'],
    )
    double.closeWatches()
    await watch.ended
  })

  it('answers a resourceVersion older than the compaction with an ERROR event carrying 410', async () => {
    const list = JSON.parse((await get('/api/v1/namespaces/shop/pods')).body) as {
      metadata: {resourceVersion: string}
    }
    double.compact()
    const watch = openWatch(
      `/api/v1/namespaces/shop/pods?watch=true&resourceVersion=${list.metadata.resourceVersion}`,
    )
    await watch.ended
    assert.equal(watch.status(), 200)
    assert.equal(watch.events.length, 1)
    assert.equal(watch.events[0]!.type, 'ERROR')
    assert.equal(watch.events[0]!.object.code, 410)
  })

  it('kubectl get pods -w reads the stream (real client)', async () => {
    const kubeconfig = double.writeKubeconfig()
    const child = spawn(
      'kubectl',
      ['--kubeconfig', kubeconfig, 'get', 'pods', '-n', 'shop', '-w', '--output-watch-events'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let out = ''
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')))
    child.stderr.on('data', (c: Buffer) => (out += c.toString('utf8')))
    try {
      await until(() => out.includes('first'), 'the initial list')
      await until(() => double.openWatches() > 0, 'kubectl to watch')
      double.addObjects([pod('watched-by-kubectl')])
      await until(() => /ADDED\s+watched-by-kubectl/.test(out), 'kubectl to print the ADDED event')
    } finally {
      child.kill('SIGINT')
    }
  })
})
