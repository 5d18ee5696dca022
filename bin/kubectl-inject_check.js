#!/usr/bin/env node
// kubectl maps `kubectl inject-check ARGS` to this executable (`-` in the plugin name becomes `_`).
import {execute} from '@oclif/core'

await execute({dir: import.meta.url, args: ['inject-check', ...process.argv.slice(2)]})
