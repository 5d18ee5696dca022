// At most N requests in flight per API server. node's https.Agent bounds its sockets (maxSockets) only when they are
// made synchronously; the TLS fast path and proxy tunnels make them asynchronously, and then every request that starts
// during the first handshakes opens a connection of its own (a one-pod check opened 13, ~15 ms slower than 8).

export class RequestSlots {
  private inFlight = 0
  private readonly waiting: (() => void)[] = []

  constructor(private readonly limit: number) {}

  /** Resolves when a slot is free; call the returned function exactly once when the request has settled. */
  async acquire(): Promise<() => void> {
    if (this.inFlight >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve))
    else this.inFlight++
    let released = false
    return () => {
      if (released) return
      released = true
      const next = this.waiting.shift()
      // The slot passes straight to the next request, so inFlight never undercounts.
      if (next !== undefined) next()
      else this.inFlight--
    }
  }
}
