#!/usr/bin/env node
// kubectl maps `kubectl inject-diff ARGS` to this executable (`-` in the plugin name becomes `_`).
import {execute} from '@oclif/core'

await execute({dir: import.meta.url, args: ['inject-diff', ...process.argv.slice(2)]})
