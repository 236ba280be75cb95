'use strict';
const { describe, it, before, after, beforeEach } = require('node:test');
const assert = require('node:assert/strict');
const { startPeer, patient, ids } = require('../testing/helpers');

describe('read, write and history', () => {
  let peer;
  before(async () => (peer = await startPeer()));
  after(() => peer.close());
  beforeEach(() => peer.admin('POST', 'reset'));

  it('serves a CapabilityStatement that states transactions, conditional interactions and client ids', async () => {
    const r = await peer.fhir('GET', 'metadata');
    assert.equal(r.status, 200);
    assert.equal(r.body.fhirVersion, '4.0.1');
    const rest = r.body.rest[0];
    assert.deepEqual(rest.interaction.map((i) => i.code), ['transaction', 'batch']);
    const procedure = rest.resource.find((x) => x.type === 'Procedure');
    assert.equal(procedure.updateCreate, true);
    assert.equal(procedure.conditionalCreate, true);
    assert.ok(procedure.searchParam.some((p) => p.name === 'identifier'));
    assert.ok(!procedure.searchParam.some((p) => p.type === 'quantity' || p.type === 'number'), 'only parameters it can evaluate');
    assert.equal(procedure.versioning, 'versioned-update');
    await peer.admin('POST', 'config', { updateCreate: false, versionedUpdate: false });
    const changed = (await peer.fhir('GET', 'metadata')).body.rest[0].resource[0];
    assert.deepEqual([changed.updateCreate, changed.versioning], [false, 'versioned']);
  });

  it('never sends an empty array, which FHIR JSON forbids (strict parsers such as Firely\'s refuse it)', async () => {
    const empty = [];
    (function walk(value, path) {
      if (Array.isArray(value)) {
        if (value.length === 0) {
          empty.push(path);
        }
        value.forEach((v, i) => walk(v, `${path}[${i}]`));
      } else if (value && typeof value === 'object') {
        Object.entries(value).forEach(([k, v]) => walk(v, `${path}.${k}`));
      }
    })((await peer.fhir('GET', 'metadata')).body, 'CapabilityStatement');
    assert.deepEqual(empty, []);
  });

  it('assigns its own id on POST, ignoring the client\'s, and answers 201 with Location and ETag', async () => {
    const r = await peer.fhir('POST', 'Patient', { ...patient('urn:s', '1'), id: 'client-chosen' });
    assert.equal(r.status, 201);
    assert.notEqual(r.body.id, 'client-chosen');
    assert.equal(r.headers.get('location'), `${peer.baseUrl}/Patient/${r.body.id}/_history/${r.body.meta.versionId}`);
    assert.equal(r.headers.get('etag'), `W/"${r.body.meta.versionId}"`);
    assert.match(r.body.meta.lastUpdated, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it('creates with a client id by PUT (201), updates (200), and keeps the version when nothing changed', async () => {
    const body = { resourceType: 'Patient', id: 'p-put', gender: 'female' };
    const created = await peer.fhir('PUT', 'Patient/p-put', body);
    const same = await peer.fhir('PUT', 'Patient/p-put', body);
    const changed = await peer.fhir('PUT', 'Patient/p-put', { ...body, gender: 'male' });
    assert.deepEqual([created.status, same.status, changed.status], [201, 200, 200]);
    assert.equal(same.body.meta.versionId, created.body.meta.versionId);
    assert.notEqual(changed.body.meta.versionId, created.body.meta.versionId);
    const history = (await peer.fhir('GET', 'Patient/p-put/_history')).body;
    assert.equal(history.total, 2);
    assert.equal(history.entry[0].resource.gender, 'male', 'newest first');
    assert.equal((await peer.fhir('GET', 'Patient/p-put/_history')).body.entry[0].resource.gender, 'male', 'reading history twice does not reverse it');
    const old = await peer.fhir('GET', `Patient/p-put/_history/${created.body.meta.versionId}`);
    assert.equal(old.body.gender, 'female');
  });

  it('refuses PUT to an unknown id with 404 when client ids are switched off, as Medplum does without canSetId', async () => {
    await peer.admin('POST', 'config', { updateCreate: false });
    assert.equal((await peer.fhir('PUT', 'Patient/nope', { resourceType: 'Patient', id: 'nope' })).status, 404);
    const posted = (await peer.fhir('POST', 'Patient', patient('urn:s', '2'))).body;
    assert.equal((await peer.fhir('PUT', `Patient/${posted.id}`, { ...posted, gender: 'other' })).status, 200);
  });

  it('checks If-Match and answers 412 on a version conflict', async () => {
    const v1 = (await peer.fhir('PUT', 'Patient/p-if', { resourceType: 'Patient', id: 'p-if' })).body;
    await peer.fhir('PUT', 'Patient/p-if', { resourceType: 'Patient', id: 'p-if', gender: 'male' });
    const stale = await peer.fhir('PUT', 'Patient/p-if', { resourceType: 'Patient', id: 'p-if', gender: 'female' }, { 'if-match': `W/"${v1.meta.versionId}"` });
    assert.equal(stale.status, 412);
  });

  it('checks ifMatch in a transaction entry: a stale one fails the whole transaction with 412 and applies nothing', async () => {
    const v1 = (await peer.fhir('PUT', 'Patient/p-tx', { resourceType: 'Patient', id: 'p-tx' })).body;
    const v2 = (await peer.fhir('PUT', 'Patient/p-tx', { resourceType: 'Patient', id: 'p-tx', gender: 'male' })).body;
    const transaction = (version) => ({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: { resourceType: 'Patient', id: 'p-other' }, request: { method: 'PUT', url: 'Patient/p-other' } },
        { resource: { resourceType: 'Patient', id: 'p-tx', gender: 'female' }, request: { method: 'PUT', url: 'Patient/p-tx', ifMatch: `W/"${version}"` } },
      ],
    });
    const stale = await peer.fhir('POST', '', transaction(v1.meta.versionId));
    assert.equal(stale.status, 412);
    assert.equal((await peer.fhir('GET', 'Patient/p-other')).status, 404);
    assert.equal((await peer.fhir('POST', '', transaction(v2.meta.versionId))).status, 200);
    assert.equal((await peer.fhir('GET', 'Patient/p-tx')).body.gender, 'female');
  });

  it('updates conditionally: creates when nothing matches, updates the one match', async () => {
    const url = 'Patient?identifier=urn:s|cond';
    const first = await peer.fhir('PUT', url, patient('urn:s', 'cond'));
    const second = await peer.fhir('PUT', url, patient('urn:s', 'cond', { gender: 'male' }));
    assert.deepEqual([first.status, second.status], [201, 200]);
    assert.equal(second.body.id, first.body.id);
  });

  it('deletes: read then answers 410 Gone, search no longer finds it', async () => {
    const p = (await peer.fhir('POST', 'Patient', patient('urn:s', 'del'))).body;
    assert.equal((await peer.fhir('DELETE', `Patient/${p.id}`)).status, 200);
    assert.equal((await peer.fhir('GET', `Patient/${p.id}`)).status, 410);
    assert.deepEqual(ids((await peer.fhir('GET', 'Patient?identifier=urn:s|del')).body), []);
    assert.equal((await peer.fhir('GET', 'Patient/never')).status, 404);
  });

  it('rejects invalid resources with 400 and the validator\'s issues, as real Medplum does', async () => {
    const r = await peer.fhir('POST', 'Observation', { resourceType: 'Observation', status: 'final', valueQuantity: { value: 'x' } });
    assert.equal(r.status, 400);
    assert.ok(r.body.issue.some((i) => /code/.test(i.expression?.[0] ?? '')), JSON.stringify(r.body));
  });

  it('speaks JSON only: 406 for an XML Accept or _format, 415 for an XML body, 400 for broken JSON', async () => {
    assert.equal((await peer.fhir('GET', 'metadata', undefined, { accept: 'application/fhir+xml' })).status, 406);
    assert.equal((await peer.fhir('GET', 'Patient?_format=xml')).status, 406);
    const xml = await fetch(`${peer.baseUrl}/Patient`, { method: 'POST', headers: { 'content-type': 'application/fhir+xml' }, body: '<Patient/>' });
    assert.equal(xml.status, 415);
    const broken = await fetch(`${peer.baseUrl}/Patient`, { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: '{' });
    assert.equal(broken.status, 400);
  });

  it('answers unknown resource types with 404 and unsupported history levels with 400', async () => {
    assert.equal((await peer.fhir('GET', 'Nonsense/1')).status, 404);
    assert.equal((await peer.fhir('GET', 'Patient/_history')).status, 400);
    assert.equal((await peer.fhir('GET', '_history')).status, 400);
  });

  it('honours Prefer: return=minimal', async () => {
    const r = await peer.fhir('POST', 'Patient', patient('urn:s', 'min'), { prefer: 'return=minimal' });
    assert.equal(r.status, 201);
    assert.equal(r.body, undefined);
    assert.ok(r.headers.get('location'));
  });
});
