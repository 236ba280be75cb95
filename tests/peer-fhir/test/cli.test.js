'use strict';
const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const path = require('node:path');
const readline = require('node:readline');

const SERVER = path.join(__dirname, '..', 'server.js');

function start(args = [], env = {}) {
  const child = spawn(process.execPath, [SERVER, ...args], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  const ready = new Promise((resolve, reject) => {
    readline.createInterface({ input: child.stdout }).once('line', (line) => resolve(JSON.parse(line)));
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  ready.catch(() => {}); // awaited by the tests that expect a start; others only watch the exit
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, ready, exited };
}

describe('server.js', () => {
  it('prints one ready line with the base URL of a free port, serves FHIR, and stops on SIGTERM', async () => {
    const { child, ready, exited } = start(['--port', '0']);
    const line = await ready;
    assert.match(line.listening, /^http:\/\/127\.0\.0\.1:\d+\/fhir\/R4$/);
    assert.equal(line.pid, child.pid);
    const metadata = await (await fetch(`${line.listening}/metadata`)).json();
    assert.equal(metadata.resourceType, 'CapabilityStatement');
    assert.equal((await fetch(`${line.admin}/stats`)).status, 200);
    child.kill('SIGTERM');
    assert.equal((await exited).code, 0);
  });

  it('takes the port from PEER_FHIR_PORT and refuses client ids with --no-client-ids', async () => {
    const probe = start();
    const port = Number(new URL((await probe.ready).listening).port);
    probe.child.kill('SIGTERM');
    await probe.exited;
    const { child, ready, exited } = start(['--no-client-ids'], { PEER_FHIR_PORT: String(port) });
    const line = await ready;
    assert.equal(Number(new URL(line.listening).port), port);
    const put = await fetch(`${line.listening}/Patient/x`, { method: 'PUT', headers: { 'content-type': 'application/fhir+json' }, body: '{"resourceType":"Patient","id":"x"}' });
    assert.equal(put.status, 404);
    child.kill('SIGTERM');
    await exited;
  });

  it('exits when its stdin closes, so a killed test host leaves no server behind', async () => {
    const { child, ready, exited } = start(['--exit-on-stdin-close']);
    await ready;
    child.stdin.end();
    assert.equal((await exited).code, 0);
  });

  it('fails fast on an unknown option', async () => {
    const { exited } = start(['--bogus']);
    assert.equal((await exited).code, 1);
  });
});
