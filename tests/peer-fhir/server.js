#!/usr/bin/env node
'use strict';
// StmFhir's test peer: a real third-party FHIR R4 server (@medplum/fhir-router 4.5.2 over its in-memory
// repository) behind node:http. See README.md.
//
//   node server.js [--port N] [--host 127.0.0.1] [--no-client-ids] [--no-validate] [--log] [--exit-on-stdin-close]
//
// Port: --port, else PEER_FHIR_PORT, else 0 (a free port). When ready it prints exactly one line on stdout:
//   {"listening":"http://127.0.0.1:PORT/fhir/R4","admin":"http://127.0.0.1:PORT/admin","pid":PID}
// Everything else goes to stderr.

const { createPeer } = require('./lib/app');

function parseArgs(argv) {
  const options = { port: Number(process.env.PEER_FHIR_PORT ?? 0), host: '127.0.0.1' };
  for (let i = 0; i < argv.length; i++) {
    const [name, inline] = argv[i].split('=', 2);
    const value = () => inline ?? argv[++i];
    switch (name) {
      case '--port':
        options.port = Number(value());
        break;
      case '--host':
        options.host = value();
        break;
      case '--no-client-ids':
        options.updateCreate = false;
        break;
      case '--no-validate':
        options.validate = false;
        break;
      case '--log':
        options.log = true;
        break;
      case '--exit-on-stdin-close':
        options.exitOnStdinClose = true;
        break;
      default:
        throw new Error(`Unknown option ${argv[i]}`);
    }
  }
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
    throw new Error('--port must be an integer from 0 to 65535');
  }
  return options;
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const peer = createPeer(options);
  const { baseUrl, adminUrl } = await peer.listen(options.port, options.host);
  process.stdout.write(JSON.stringify({ listening: baseUrl, admin: adminUrl, pid: process.pid }) + '\n');

  const stop = () => peer.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  if (options.exitOnStdinClose) {
    // The parent holds our stdin open; when it dies (even by kill -9) the pipe closes and we follow.
    process.stdin.on('end', stop);
    process.stdin.on('close', stop);
    process.stdin.resume();
  }
}

main().catch((err) => {
  process.stderr.write(`peer-fhir: ${err.stack ?? err}\n`);
  process.exit(1);
});
