// postject 1.0.0-alpha.6 ships no types: the one function `npm run dist` calls.
declare module 'postject' {
  export function inject(
    filename: string,
    resourceName: string,
    resourceData: Buffer,
    options?: {sentinelFuse?: string; machoSegmentName?: string; overwrite?: boolean},
  ): Promise<void>
}
