'use strict';
const { describe, it, before, after, beforeEach } = require('node:test');
const assert = require('node:assert/strict');
const { startPeer, patient, conditionalCreate, put, bundle, ids } = require('../testing/helpers');

const CAP_TEXT = 'Transaction requires strict isolation but has too many entries';

function observation(id, subject, extra = {}) {
  return { resourceType: 'Observation', id, status: 'final', code: { text: 'pain' }, ...(subject ? { subject: { reference: subject } } : {}), ...extra };
}

describe('transactions', () => {
  let peer;
  before(async () => (peer = await startPeer()));
  after(() => peer.close());
  beforeEach(() => peer.admin('POST', 'reset'));

  it('applies every entry and rewrites urn:uuid references to the created ids', async () => {
    const patientUrn = 'urn:uuid:0f0e0d0c-0b0a-4909-8807-060504030201';
    const r = await peer.fhir('POST', '', bundle('transaction', [
      conditionalCreate(patient('urn:s', 'P1'), patientUrn),
      put(observation('obs-1', patientUrn)),
    ]));
    assert.equal(r.status, 200);
    assert.equal(r.body.type, 'transaction-response');
    assert.deepEqual(r.body.entry.map((e) => e.response.status), ['201', '201']);
    const patientId = r.body.entry[0].resource.id;
    assert.equal(r.body.entry[1].resource.subject.reference, `Patient/${patientId}`);
    assert.match(r.body.entry[1].response.etag, /^W\/"/);
  });

  it('leaves nothing behind when a later entry fails validation', async () => {
    const r = await peer.fhir('POST', '', bundle('transaction', [
      conditionalCreate(patient('urn:s', 'P2'), 'urn:uuid:1f0e0d0c-0b0a-4909-8807-060504030201'),
      put(observation('obs-2', undefined)),
      put({ ...observation('obs-3'), notAnElement: true }),
    ]));
    assert.equal(r.status, 400);
    assert.equal(r.body.resourceType, 'OperationOutcome');
    assert.deepEqual(ids((await peer.fhir('GET', 'Patient?identifier=urn:s|P2')).body), []);
    assert.equal((await peer.fhir('GET', 'Observation/obs-2')).status, 404);
    const stats = (await peer.admin('GET', 'stats')).body;
    assert.deepEqual(stats.resources, {});
    assert.equal(stats.transactions.transactionsRolledBack, 1);
  });

  it('restores the previous version of a resource that a failed transaction had updated', async () => {
    const v1 = (await peer.fhir('PUT', 'Observation/obs-4', observation('obs-4', undefined, { valueInteger: 1 }))).body;
    const r = await peer.fhir('POST', '', bundle('transaction', [
      put(observation('obs-4', undefined, { valueInteger: 2 })),
      put({ ...observation('obs-4b'), notAnElement: true }), // updates run in entry order: this one fails last
    ]));
    assert.equal(r.status, 400);
    const now = (await peer.fhir('GET', 'Observation/obs-4')).body;
    assert.equal(now.valueInteger, 1);
    assert.equal(now.meta.versionId, v1.meta.versionId);
    assert.equal((await peer.fhir('GET', 'Observation/obs-4/_history')).body.total, 1);
  });

  it('restores a resource that a failed transaction had deleted, and its identifier stays searchable', async () => {
    const created = (await peer.fhir('POST', 'Patient', patient('urn:s', 'P5'))).body;
    const r = await peer.fhir('POST', '', bundle('transaction', [
      { request: { method: 'DELETE', url: `Patient/${created.id}` } },
      put({ ...observation('obs-5'), bad: 1 }),
    ]));
    assert.equal(r.status, 400);
    assert.equal((await peer.fhir('GET', `Patient/${created.id}`)).status, 200);
    assert.deepEqual(ids((await peer.fhir('GET', 'Patient?identifier=urn:s|P5')).body), [created.id]);
  });

  it('answers a re-sent transaction with the existing resources and keeps unchanged versions', async () => {
    const tx = bundle('transaction', [
      conditionalCreate(patient('urn:s', 'P6'), 'urn:uuid:2f0e0d0c-0b0a-4909-8807-060504030201'),
      put(observation('obs-6', 'urn:uuid:2f0e0d0c-0b0a-4909-8807-060504030201')),
    ]);
    const first = (await peer.fhir('POST', '', tx)).body;
    const second = (await peer.fhir('POST', '', tx)).body;
    assert.deepEqual(second.entry.map((e) => e.response.status), ['200', '200']);
    assert.equal(second.entry[0].resource.id, first.entry[0].resource.id);
    assert.equal(second.entry[1].resource.meta.versionId, first.entry[1].resource.meta.versionId);
    assert.equal((await peer.fhir('GET', 'Patient?identifier=urn:s|P6')).body.entry.length, 1);
  });

  it('caps a transaction with a conditional entry at 8 entries with real Medplum\'s 400, and applies nothing', async () => {
    const entries = (n) => [
      conditionalCreate(patient('urn:s', `cap-${n}`), `urn:uuid:3f0e0d0c-0b0a-4909-8807-0605040302${String(n).padStart(2, '0')}`),
      ...Array.from({ length: n - 1 }, (_, i) => put(observation(`cap-${n}-${i}`))),
    ];
    const nine = await peer.fhir('POST', '', bundle('transaction', entries(9)));
    assert.equal(nine.status, 400);
    assert.equal(nine.body.issue[0].code, 'invalid');
    assert.equal(nine.body.issue[0].details.text, CAP_TEXT);
    assert.deepEqual((await peer.admin('GET', 'stats')).body.resources, {});

    const eight = await peer.fhir('POST', '', bundle('transaction', entries(8)));
    assert.equal(eight.status, 200);
    assert.equal(eight.body.entry.length, 8);
  });

  it('counts conditional updates and deletes as conditional entries for the cap, but not plain PUTs', async () => {
    const conditionalPut = { resource: patient('urn:s', 'cu'), request: { method: 'PUT', url: 'Patient?identifier=urn:s|cu' } };
    const withConditionalPut = await peer.fhir('POST', '', bundle('transaction', [conditionalPut, ...Array.from({ length: 8 }, (_, i) => put(observation(`cu-${i}`)))]));
    assert.equal(withConditionalPut.body.issue?.[0].details.text, CAP_TEXT);
    const plain = await peer.fhir('POST', '', bundle('transaction', Array.from({ length: 30 }, (_, i) => put(observation(`plain-${i}`)))));
    assert.equal(plain.status, 200);
  });

  it('rejects a transaction with more than 50 updates', async () => {
    const r = await peer.fhir('POST', '', bundle('transaction', Array.from({ length: 51 }, (_, i) => put(observation(`many-${i}`)))));
    assert.equal(r.status, 400);
    assert.equal(r.body.issue[0].details.text, 'Transaction contains more update operations than allowed');
  });

  it('runs a batch entry by entry: a failing entry does not stop the others, and batches have no cap', async () => {
    const entries = [
      conditionalCreate(patient('urn:s', 'B1'), 'urn:uuid:4f0e0d0c-0b0a-4909-8807-060504030201'),
      put({ ...observation('batch-bad'), nope: 1 }),
      ...Array.from({ length: 10 }, (_, i) => put(observation(`batch-${i}`))),
    ];
    const r = await peer.fhir('POST', '', bundle('batch', entries));
    assert.equal(r.status, 200);
    assert.equal(r.body.type, 'batch-response');
    assert.equal(r.body.entry[1].response.status, '400');
    assert.equal(r.body.entry.filter((e) => e.response.status === '201').length, 11);
  });
});
