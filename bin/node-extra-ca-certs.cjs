// The bins' sh line moved NODE_EXTRA_CA_CERTS aside so that node did not parse it at start (Node 20 reads it while the
// process starts, src/node.cc → src/crypto/crypto_context.cc UseExtraCaCerts: 25–80 ms for a system bundle). It goes
// back into the environment at once (child processes such as credential plugins see it as set), and the marker tells
// the tool that node's default roots lack it: src/cluster/node-extra-ca-certs.ts adds it where they are used.
'use strict'
const moved = process.env.KUBECTL_INJECT_NODE_EXTRA_CA_CERTS
if (moved !== undefined) {
  delete process.env.KUBECTL_INJECT_NODE_EXTRA_CA_CERTS
  process.env.NODE_EXTRA_CA_CERTS = moved
  globalThis[Symbol.for('kubectl-inject.nodeExtraCaCertsNotLoaded')] = true
  // node warns at start about a file it cannot read; so does this, in node's words.
  if (moved !== '') {
    try {
      require('node:fs').accessSync(moved, require('node:fs').constants.R_OK)
    } catch (error) {
      process.stderr.write(`Warning: Ignoring extra certs from \`${moved}\`, load failed: ${error.message}\n`)
    }
  }
}
