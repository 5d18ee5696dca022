import type {Plugin} from 'esbuild'

export declare const oclifCommandOrder: Plugin
export declare function asciiOnly(text: string): string
