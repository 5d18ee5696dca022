// Reads a one-pod check starts before it knows it needs them, so the check takes one round trip to the API server where it
// took two: the Istio objects in istio-system (known only from the webhook configurations) and the Deployment the pod's
// name points at (known only from the pod). A read ahead is kept aside; it counts only when the reader asks for exactly
// that request, and one nobody asks for is dropped (its objects never reach the snapshot, its failure is no gap).
import type {JsonObject, Transport} from './transport.js'

/** A finished read ahead: what the request returned, or how it failed. */
export type Ahead<T> = {readonly ok: true; readonly value: T} | {readonly ok: false; readonly error: unknown}

/** Where istiod runs in every install that does not say otherwise (istioctl's and the charts' default). */
export const defaultIstioNamespace = 'istio-system'

// k8s: pkg/util/hash and apimachinery's rand.SafeEncodeString: pod-template-hash and the random suffix use this alphabet.
const safeEncoded = '[bcdfghjklmnpqrstvwxz2456789]'
const deploymentPodName = new RegExp(`^(.+)-${safeEncoded}{6,10}-${safeEncoded}{5}$`)

/** The Deployment a pod's name points at (`web-5d8f7c9b4-x7k2p` → `web`); a guess, checked against the pod's owner. */
export function deploymentOfPodName(pod: string): string | undefined {
  return deploymentPodName.exec(pod)?.[1]
}

export class ReadAhead {
  private readonly pending = new Map<string, Promise<Ahead<unknown>>>()
  private readonly all: Promise<unknown>[] = []

  constructor(
    private readonly t: Transport,
    private readonly pageSize: number | undefined,
  ) {}

  /** Starts listing `path` (every page) under `key`. */
  list(key: string, path: string): void {
    this.start(key, async () => {
      const items: JsonObject[] = []
      const pageSize = this.pageSize
      await this.t.list(path, {}, (item) => items.push(item), pageSize === undefined ? {} : {pageSize})
      return items
    })
  }

  /** Starts a GET of `path` under `key`. */
  get(key: string, path: string): void {
    this.start(key, () => this.t.getJson(path))
  }

  /** The read ahead under `key`, once: a second reader asking for it makes its own request. */
  take<T>(key: string): Promise<Ahead<T>> | undefined {
    const ahead = this.pending.get(key)
    this.pending.delete(key)
    return ahead as Promise<Ahead<T>> | undefined
  }

  /** Settles when every read ahead has (none outlives the read that started it); never rejects. */
  settled(): Promise<unknown> {
    return Promise.all(this.all)
  }

  private start(key: string, run: () => Promise<unknown>): void {
    const ahead = run().then(
      (value): Ahead<unknown> => ({ok: true, value}),
      (error: unknown): Ahead<unknown> => ({ok: false, error}),
    )
    this.pending.set(key, ahead)
    this.all.push(ahead)
  }
}

/** The value of a read ahead, or its failure thrown again, as the request itself would have. */
export async function resultOf<T>(ahead: Promise<Ahead<T>>): Promise<T> {
  const done = await ahead
  if (!done.ok) throw done.error
  return done.value
}
