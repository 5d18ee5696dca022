#!/usr/bin/env node
// kubectl maps `kubectl inject-check ARGS` to this executable (`-` in the plugin name becomes `_`).
import {runBundle} from './run-bundle.js'

await runBundle('kubectl-inject_check', 'inject-check')
