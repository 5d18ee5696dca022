// The benchmark's API server: the HTTPS double in its own process, so it gets its own core and is not what is measured.
// Protocol (IPC): parent sends {type:'start', files}; child answers {type:'ready', kubeconfig, url}; then
// {type:'mark'} → {type:'mark', index} and {type:'since', index} → {type:'since', requests}; {type:'stop'} exits.
import {readFileSync} from 'node:fs'
import {startApiServer} from '../test/apiserver-double/index.js'
import type {ApiServerDouble} from '../test/apiserver-double/index.js'

export interface RequestSummary {
  readonly method: string
  readonly path: string
  readonly status: number
  readonly userAgent: string
  readonly continued: boolean
}

export type ParentMessage =
  | {type: 'start'; files: string[]; kubeconfigDir: string}
  | {type: 'mark'}
  | {type: 'since'; index: number}
  | {type: 'stop'}
export type ChildMessage =
  | {type: 'ready'; kubeconfig: string; url: string; objects: number}
  | {type: 'mark'; index: number}
  | {type: 'since'; requests: RequestSummary[]}
  | {type: 'error'; message: string}

let double: ApiServerDouble | undefined

const send = (message: ChildMessage): void => {
  process.send?.(message)
}

process.on('message', (message: ParentMessage) => {
  void handle(message).catch((error: unknown) =>
    send({type: 'error', message: error instanceof Error ? error.message : String(error)}),
  )
})

async function handle(message: ParentMessage): Promise<void> {
  switch (message.type) {
    case 'start': {
      const objects: object[] = []
      for (const file of message.files) {
        const parsed = JSON.parse(readFileSync(file, 'utf8')) as {items?: object[]}
        for (const item of parsed.items ?? []) objects.push(item)
      }
      double = await startApiServer({objects})
      const kubeconfig = double.writeKubeconfig({dir: message.kubeconfigDir})
      send({type: 'ready', kubeconfig, url: double.url, objects: objects.length})
      return
    }
    case 'mark':
      send({type: 'mark', index: double?.requests.length ?? 0})
      return
    case 'since':
      send({
        type: 'since',
        requests: (double?.requests ?? []).slice(message.index).map((r) => ({
          method: r.method,
          path: r.path,
          status: r.status,
          userAgent: r.userAgent,
          continued: r.query.continue !== undefined,
        })),
      })
      return
    case 'stop':
      await double?.close()
      process.exit(0)
  }
}

process.on('disconnect', () => process.exit(0))
