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
    // A checkout with CRLF line ends has `#!/bin/sh\r\n`.
    const shebang = /^#!\/bin\/sh(\r?\n)/.exec(text)
    if (shebang !== null)
      writeFileSync(file, `#!/usr/bin/env node${shebang[1]}${text.slice(shebang[0].length)}`)
  }
}
