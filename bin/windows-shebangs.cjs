// npm (cmd-shim) writes a Windows bin's .cmd shim from its first line: bin/'s `#!/bin/sh` (the NODE_EXTRA_CA_CERTS
// move, see kubectl-inject_check) would run /bin/sh there, so on Windows the line becomes `#!/usr/bin/env node`; line 2
// is a no-op for node. package.json runs this as preinstall, which npm runs before it links bins (arborist rebuild.js).
'use strict'
const {readFileSync, writeFileSync} = require('node:fs')
const {join} = require('node:path')

if (process.platform === 'win32') {
  const bins = require('../package.json').bin
  for (const path of Object.values(bins)) {
    const file = join(__dirname, '..', path)
    const text = readFileSync(file, 'utf8')
    if (text.startsWith('#!/bin/sh\n'))
      writeFileSync(file, `#!/usr/bin/env node\n${text.slice('#!/bin/sh\n'.length)}`)
  }
}
