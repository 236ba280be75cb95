'use strict';
const { describe, it, before, after, beforeEach } = require('node:test');
const assert = require('node:assert/strict');
const { startPeer, burst, patient, conditionalCreate, put, bundle, ids } = require('../testing/helpers');

describe('concurrent requests', () => {
  let peer;
  before(async () => (peer = await startPeer()));
  after(() => peer.close());
  beforeEach(() => peer.admin('POST', 'reset'));

  it('20 parallel identical conditional creates make one resource', async () => {
    const body = patient('https://clinic.example/mrn', 'MRN-20');
    // A search as slow as a database's leaves a window between "no match" and "create": only the request queue closes it.
    await peer.admin('POST', 'config', { searchLatencyMs: 5 });
    const responses = await burst(peer.baseUrl, 20, 'POST', 'Patient', body, { 'If-None-Exist': 'identifier=https://clinic.example/mrn|MRN-20' });
    assert.deepEqual(responses.map((r) => r.status).sort(), [...Array(19).fill(200), 201]);
    assert.equal(new Set(responses.map((r) => r.body.id)).size, 1);
    assert.equal(ids((await peer.fhir('GET', 'Patient?identifier=https://clinic.example/mrn|MRN-20')).body).length, 1);
  });

  it('20 parallel identical transactions make one Patient and one Observation', async () => {
    await peer.admin('POST', 'config', { searchLatencyMs: 5 });
    const urn = 'urn:uuid:5f0e0d0c-0b0a-4909-8807-060504030201';
    const tx = bundle('transaction', [
      conditionalCreate(patient('https://clinic.example/mrn', 'MRN-TX'), urn),
      put({ resourceType: 'Observation', id: 'obs-tx', status: 'final', code: { text: 'x' }, subject: { reference: urn } }),
    ]);
    const responses = await burst(peer.baseUrl, 20, 'POST', '', tx);
    assert.ok(responses.every((r) => r.status === 200));
    assert.equal(ids((await peer.fhir('GET', 'Patient?identifier=https://clinic.example/mrn|MRN-TX')).body).length, 1);
    assert.equal((await peer.fhir('GET', 'Observation/obs-tx/_history')).body.total, 1);
  });
});
