import type {Plugin} from 'esbuild'

export declare const oclifStartup: Plugin
export declare function applyEdits(
  path: string,
  text: string,
  edits: readonly {from: string; to: string}[],
): string
export declare function asciiOnly(text: string): string
export declare const deferredPackages: readonly string[]
export declare const deferredImports: Plugin
export declare function deferredImportsOf(names: readonly string[]): Plugin
