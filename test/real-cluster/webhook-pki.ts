// A throwaway CA and a webhook serving certificate for the given DNS names (openssl), so the real API server can
// verify one local injector under every `<service>.<namespace>.svc` a fixture's webhook configurations name.
import {execFileSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

export interface WebhookPki {
  caPem: string
  certPem: string
  keyPem: string
}

const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes']

export function webhookPki(dnsNames: string[]): WebhookPki {
  const dir = mkdtempSync(join(tmpdir(), 'webhook-pki-'))
  const openssl = (args: string[]): void => {
    execFileSync('openssl', args, {cwd: dir, stdio: ['ignore', 'ignore', 'pipe']})
  }
  try {
    openssl([
      'req',
      '-x509',
      ...ec,
      '-days',
      '2',
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-subj',
      '/CN=injector-ca',
    ])
    openssl([
      'req',
      ...ec,
      '-keyout',
      'tls.key',
      '-out',
      'tls.csr',
      '-subj',
      `/CN=${dnsNames[0] ?? 'localhost'}`,
    ])
    const sans = [...dnsNames, 'localhost'].map((n) => `DNS:${n}`).join(',')
    writeFileSync(join(dir, 'ext.cnf'), `subjectAltName=${sans},IP:127.0.0.1\nextendedKeyUsage=serverAuth\n`)
    openssl(
      ['x509', '-req', '-in', 'tls.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial'].concat([
        '-days',
        '2',
        '-out',
        'tls.crt',
        '-extfile',
        'ext.cnf',
      ]),
    )
    const read = (name: string): string => readFileSync(join(dir, name), 'utf8')
    return {caPem: read('ca.crt'), certPem: read('tls.crt'), keyPem: read('tls.key')}
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}
