// Certificates for the TLS fast-path tests, made with the openssl CLI in a temp dir (`openssl ca` sets any validity dates).
import {execFileSync} from 'node:child_process'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {scratchDir} from './connection-fixtures.js'

export interface Issued {
  readonly cert: string
  readonly key: string
}

export interface IssueOptions {
  readonly cn: string
  /** openssl x509v3 config lines (basicConstraints=…, subjectAltName=…). */
  readonly extensions: readonly string[]
  /** Another certificate's name, or undefined for a self-signed one. */
  readonly issuer?: string
  /** Validity in days from now; defaults to -1 … 30. */
  readonly fromDays?: number
  readonly toDays?: number
}

export const caExtensions = [
  'basicConstraints=critical,CA:TRUE',
  'keyUsage=critical,keyCertSign,cRLSign',
  'subjectKeyIdentifier=hash',
  'authorityKeyIdentifier=keyid',
]

export const serverExtensions = (san: string, extra: readonly string[] = []): string[] => [
  'basicConstraints=CA:FALSE',
  'keyUsage=critical,digitalSignature',
  'extendedKeyUsage=serverAuth',
  `subjectAltName=${san}`,
  'subjectKeyIdentifier=hash',
  'authorityKeyIdentifier=keyid',
  ...extra,
]

const caConfig = (dir: string) => `[ca]
default_ca = test
[test]
database = ${dir}/index.txt
new_certs_dir = ${dir}
serial = ${dir}/serial
default_md = sha256
policy = anything
unique_subject = no
email_in_dn = no
[anything]
commonName = supplied
`

// GeneralizedTime YYYYMMDDHHMMSSZ, as `openssl ca -startdate/-enddate` takes it.
const stamp = (days: number): string =>
  `${new Date(Date.now() + days * 86_400_000).toISOString().replace(/[-:T]|\.\d+/g, '')}`

/** A certificate factory over one temp dir; certificates are named so later ones can name their issuer. */
export function certificateFactory(): (name: string, options: IssueOptions) => Issued {
  const dir = scratchDir('tls-fast-path')
  writeFileSync(join(dir, 'index.txt'), '')
  writeFileSync(join(dir, 'serial'), '1000\n')
  writeFileSync(join(dir, 'ca.cnf'), caConfig(dir))
  const run = (args: string[]) =>
    execFileSync('openssl', args, {cwd: dir, stdio: ['ignore', 'ignore', 'pipe']})
  return (name, options) => {
    run(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`])
    run(['req', '-new', '-key', `${name}.key`, '-subj', `/CN=${options.cn}`, '-out', `${name}.csr`])
    writeFileSync(join(dir, `${name}.ext`), `${options.extensions.join('\n')}\n`)
    const signer =
      options.issuer === undefined
        ? ['-selfsign', '-keyfile', `${name}.key`]
        : ['-cert', `${options.issuer}.pem`, '-keyfile', `${options.issuer}.key`]
    run([
      'ca',
      '-batch',
      '-notext',
      '-config',
      'ca.cnf',
      '-in',
      `${name}.csr`,
      '-out',
      `${name}.pem`,
      '-extfile',
      `${name}.ext`,
      '-startdate',
      stamp(options.fromDays ?? -1),
      '-enddate',
      stamp(options.toDays ?? 30),
      ...signer,
    ])
    return {
      cert: readFileSync(join(dir, `${name}.pem`), 'utf8'),
      key: readFileSync(join(dir, `${name}.key`), 'utf8'),
    }
  }
}
