#!/usr/bin/env node
// Fails when the committed oclif.manifest.json differs from what the build generates (run after `npm run build`).
import {execFileSync} from 'node:child_process'

const diff = execFileSync('git', ['status', '--porcelain', '--', 'oclif.manifest.json'], {encoding: 'utf8'})
if (diff.trim() !== '') {
  process.stderr.write('error: oclif.manifest.json is stale: run `npm run build` and commit the result\n')
  process.exit(1)
}
process.stdout.write('oclif.manifest.json is fresh\n')
