// Test-only certificates committed under test/fixtures/tls (see its README for how they were made).
import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

const tlsDir = fileURLToPath(new URL('../fixtures/tls/', import.meta.url))

const read = (name: string): string => readFileSync(tlsDir + name, 'utf8')

export interface TlsMaterial {
  caPem: string
  serverCertPem: string
  serverKeyPem: string
  webhookCertPem: string
  webhookKeyPem: string
  wrongCaPem: string
}

let cached: TlsMaterial | undefined

export function loadTlsMaterial(): TlsMaterial {
  cached ??= {
    caPem: read('ca.pem'),
    serverCertPem: read('server.pem'),
    serverKeyPem: read('server-key.pem'),
    webhookCertPem: read('webhook.pem'),
    webhookKeyPem: read('webhook-key.pem'),
    wrongCaPem: read('wrong-ca.pem'),
  }
  return cached
}

export const tlsFixturePath = (name: string): string => tlsDir + name
