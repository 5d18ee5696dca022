// Throwaway PKI and static tokens for one real control plane: a CA, the API server's serving certificate, the
// service-account signing key pair, and a token file (kube-apiserver --token-auth-file: token,user,uid,"groups").
import {execFileSync} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

export interface Identity {
  user: string
  groups: string[]
  token: string
}

export interface Pki {
  dir: string
  caCert: string
  caPem: string
  serverCert: string
  serverKey: string
  saKey: string
  saPub: string
  tokenFile: string
  identities: Record<'admin' | 'limited' | 'inspector' | 'controllerManager', Identity>
}

const openssl = (dir: string, args: string[]): void => {
  execFileSync('openssl', args, {cwd: dir, stdio: ['ignore', 'ignore', 'pipe']})
}

const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes']

const identity = (user: string, groups: string[] = []): Identity => ({
  user,
  groups,
  token: randomBytes(24).toString('hex'),
})

export function generatePki(dir: string): Pki {
  mkdirSync(dir, {recursive: true})
  openssl(dir, [
    'req',
    '-x509',
    ...ec,
    '-days',
    '30',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-subj',
    '/CN=real-cluster-ca',
  ])
  openssl(dir, [
    'req',
    ...ec,
    '-keyout',
    'apiserver.key',
    '-out',
    'apiserver.csr',
    '-subj',
    '/CN=kube-apiserver',
  ])
  writeFileSync(
    join(dir, 'apiserver.ext'),
    'subjectAltName=DNS:localhost,IP:127.0.0.1,DNS:kubernetes.default.svc,IP:10.0.0.1\nextendedKeyUsage=serverAuth\n',
  )
  openssl(dir, [
    'x509', '-req', '-in', 'apiserver.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial',
    '-days', '30', '-extfile', 'apiserver.ext', '-out', 'apiserver.crt',
  ]) // prettier-ignore
  openssl(dir, ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'sa.key'])
  openssl(dir, ['pkey', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'])
  const identities = {
    admin: identity('admin', ['system:masters']),
    limited: identity('limited-user'),
    inspector: identity('inspector', ['system:masters']),
    controllerManager: identity('system:kube-controller-manager', ['system:masters']),
  }
  const tokenFile = join(dir, 'tokens.csv')
  const line = (i: Identity): string =>
    `${i.token},${i.user},${i.user}-uid${i.groups.length ? `,"${i.groups.join(',')}"` : ''}`
  writeFileSync(tokenFile, Object.values(identities).map(line).join('\n') + '\n', {mode: 0o600})
  return {
    dir,
    caCert: join(dir, 'ca.crt'),
    caPem: readFileSync(join(dir, 'ca.crt'), 'utf8'),
    serverCert: join(dir, 'apiserver.crt'),
    serverKey: join(dir, 'apiserver.key'),
    saKey: join(dir, 'sa.key'),
    saPub: join(dir, 'sa.pub'),
    tokenFile,
    identities,
  }
}
