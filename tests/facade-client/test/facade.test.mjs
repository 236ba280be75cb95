// The FHIR facade driven by fhir-kit-client, a FHIR client library this project did not write, as an EHR vendor's
// integration would be: each interaction checks the status codes and headers the FHIR http page requires.
// Builds and starts the gateway itself (SQLite in a temp folder, one API key), on a free loopback port.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import { Client, RESPONSE_KEY } from 'fhir-kit-client';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const key = 'facade-client-test-key-0001';
const mrn = 'https://example-hospital.org/mrn';
let gateway;
let work;
let client;

const freePort = () => new Promise((resolve) => {
  const server = net.createServer().listen(0, '127.0.0.1', () => {
    const { port } = server.address();
    server.close(() => resolve(port));
  });
});

const headers = (result) => result[RESPONSE_KEY].headers;
const status = (result) => result[RESPONSE_KEY].status;

async function failure(promise) {
  try {
    await promise;
  } catch (error) {
    return error.response;
  }
  assert.fail('expected an error answer');
}

const patient = (value, family = 'Lovelace') => ({
  resourceType: 'Patient',
  identifier: [{ system: mrn, value }],
  name: [{ family, given: ['Ada'] }],
  gender: 'female',
  birthDate: '1980-01-01',
});

before(async () => {
  execFileSync('dotnet', ['build', join(repo, 'src', 'StmFhir.Gateway'), '-c', 'Release', '-v', 'q', '-nologo'], { stdio: 'inherit' });
  work = mkdtempSync(join(tmpdir(), 'stmfhir-facade-client-'));
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  gateway = spawn('dotnet', [join(repo, 'src', 'StmFhir.Gateway', 'bin', 'Release', 'net10.0', 'StmFhir.Gateway.dll')], {
    cwd: work,
    env: { ...process.env, STMFHIR_DATA_DIR: join(work, 'data'), STMFHIR_API_KEY: key, ASPNETCORE_URLS: baseUrl },
    stdio: 'ignore',
  });
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      if ((await fetch(`${baseUrl}/readyz`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('the gateway did not get ready in 3 minutes');
    await new Promise((r) => setTimeout(r, 250));
  }
  client = new Client({ baseUrl: `${baseUrl}/fhir`, customHeaders: { 'X-Api-Key': key } });
});

after(() => {
  gateway?.kill();
  if (work) rmSync(work, { recursive: true, force: true });
});

test('create, read, conditional create, update with If-Match, 304', async () => {
  const created = await client.create({ resourceType: 'Patient', body: patient('FKC-1') });
  assert.equal(status(created), 201);
  assert.match(headers(created).get('location'), new RegExp(`/fhir/Patient/${created.id}/_history/1$`));
  assert.equal(headers(created).get('etag'), 'W/"1"');
  assert.ok(headers(created).get('last-modified'));

  const read = await client.read({ resourceType: 'Patient', id: created.id });
  assert.equal(read.meta.versionId, '1');
  assert.equal(headers(read).get('etag'), 'W/"1"');

  const again = await client.create({ resourceType: 'Patient', body: patient('FKC-1'), options: { headers: { 'If-None-Exist': `identifier=${mrn}|FKC-1` } } });
  assert.equal(status(again), 200);
  assert.equal(again.id, created.id);

  const changed = { ...read, name: [{ family: 'Byron', given: ['Ada'] }] };
  const updated = await client.update({ resourceType: 'Patient', id: created.id, body: changed, options: { headers: { 'If-Match': 'W/"1"' } } });
  assert.equal(status(updated), 200);
  assert.equal(headers(updated).get('etag'), 'W/"2"');
  const stale = await failure(client.update({ resourceType: 'Patient', id: created.id, body: changed, options: { headers: { 'If-Match': 'W/"1"' } } }));
  assert.equal(stale.status, 412);

  const notModified = await failure(client.read({ resourceType: 'Patient', id: created.id, options: { headers: { 'If-None-Match': 'W/"2"' } } }));
  assert.equal(notModified.status, 304);
});

test('conditional update and JSON Patch', async () => {
  const upserted = await client.update({ resourceType: 'Patient', searchParams: { identifier: `${mrn}|FKC-2` }, body: patient('FKC-2') });
  assert.equal(status(upserted), 201);
  const patched = await client.patch({ resourceType: 'Patient', id: upserted.id, jsonPatch: [{ op: 'replace', path: '/gender', value: 'other' }] });
  assert.equal(patched.gender, 'other');
  assert.equal(headers(patched).get('etag'), 'W/"2"');
  const refused = await failure(client.patch({ resourceType: 'Patient', id: upserted.id, jsonPatch: [{ op: 'test', path: '/gender', value: 'female' }] }));
  assert.equal(refused.status, 422);
  assert.equal(refused.data.resourceType, 'OperationOutcome');
});

test('transaction, then search with _include, _revinclude, _sort and paging', async () => {
  const bundle = {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      { fullUrl: 'urn:uuid:8c2f5b1e-0000-4000-8000-000000000001', resource: patient('FKC-3', 'Turing'), request: { method: 'POST', url: 'Patient' } },
      ...['2026-03-02', '2026-03-09', '2026-03-05'].map((day, i) => ({
        resource: {
          resourceType: 'Observation',
          status: 'final',
          code: { coding: [{ system: 'http://loinc.org', code: '72514-3' }] },
          subject: { reference: 'urn:uuid:8c2f5b1e-0000-4000-8000-000000000001' },
          effectiveDateTime: `${day}T09:30:00+01:00`,
          valueQuantity: { value: i + 2, unit: '{score}', system: 'http://unitsofmeasure.org', code: '{score}' },
        },
        request: { method: 'POST', url: 'Observation' },
      })),
    ],
  };
  const response = await client.transaction({ body: bundle });
  assert.equal(response.type, 'transaction-response');
  assert.deepEqual(response.entry.map((e) => e.response.status.slice(0, 3)), ['201', '201', '201', '201']);
  const patientId = response.entry[0].response.location.split('/')[1];

  const page = await client.search({ resourceType: 'Observation', searchParams: { patient: patientId, _sort: '-date', _include: 'Observation:patient', _count: 2 } });
  assert.equal(page.total, 3);
  assert.deepEqual(page.entry.map((e) => e.search.mode), ['match', 'match', 'include']);
  assert.deepEqual(page.entry.slice(0, 2).map((e) => e.resource.effectiveDateTime.slice(0, 10)), ['2026-03-09', '2026-03-05']);
  const next = await client.nextPage({ bundle: page });
  assert.deepEqual(next.entry.filter((e) => e.search.mode === 'match').map((e) => e.resource.effectiveDateTime.slice(0, 10)), ['2026-03-02']);

  const withObservations = await client.search({ resourceType: 'Patient', searchParams: { _id: patientId, _revinclude: 'Observation:patient' } });
  assert.equal(withObservations.total, 1);
  assert.equal(withObservations.entry.filter((e) => e.search.mode === 'include').length, 3);
});

test('history of an instance, a type and the system', async () => {
  const instance = await client.search({ resourceType: 'Patient', searchParams: { identifier: `${mrn}|FKC-1` } });
  const id = instance.entry[0].resource.id;
  const history = await client.history({ resourceType: 'Patient', id });
  assert.equal(history.type, 'history');
  assert.deepEqual(history.entry.map((e) => e.resource.meta.versionId), ['2', '1']);
  const typeHistory = await client.typeHistory({ resourceType: 'Patient' });
  assert.ok(typeHistory.total >= 4);
  const systemHistory = await client.systemHistory();
  assert.ok(systemHistory.total > typeHistory.total);
});

test('$validate answers an OperationOutcome, and unsupported search parameters are a 400', async () => {
  const outcome = await client.operation({ name: '$validate', resourceType: 'Patient', input: patient('FKC-V') });
  assert.equal(outcome.resourceType, 'OperationOutcome');
  const refused = await failure(client.search({ resourceType: 'Patient', searchParams: { colour: 'blue' } }));
  assert.equal(refused.status, 400);
  assert.match(refused.data.issue[0].diagnostics, /colour/);
});

test('delete and conditional delete: 204, then 410 Gone, history shows the delete, 409 for a referenced patient, 412 for several matches', async () => {
  const created = await client.create({ resourceType: 'Patient', body: patient('FKC-D1') });
  const deleted = await client.delete({ resourceType: 'Patient', id: created.id });
  assert.equal(status(deleted), 204);
  assert.equal(headers(deleted).get('etag'), 'W/"2"');
  const gone = await failure(client.read({ resourceType: 'Patient', id: created.id }));
  assert.equal(gone.status, 410);
  assert.equal(gone.data.resourceType, 'OperationOutcome');
  const older = await client.vread({ resourceType: 'Patient', id: created.id, version: '1' });
  assert.equal(older.meta.versionId, '1');
  const history = await client.history({ resourceType: 'Patient', id: created.id });
  assert.deepEqual(history.entry.map((e) => e.request.method), ['DELETE', 'POST']);
  assert.equal(history.entry[0].resource, undefined);
  const again = await client.delete({ resourceType: 'Patient', id: created.id });
  assert.equal(status(again), 204);
  const unknown = await failure(client.delete({ resourceType: 'Patient', id: 'never-stored' }));
  assert.equal(unknown.status, 404);

  const referenced = await client.search({ resourceType: 'Patient', searchParams: { identifier: `${mrn}|FKC-3` } });
  const conflict = await failure(client.delete({ resourceType: 'Patient', id: referenced.entry[0].resource.id }));
  assert.equal(conflict.status, 409);
  assert.equal(conflict.data.resourceType, 'OperationOutcome');

  // fhir-kit-client has no conditional delete call of its own: its HTTP client sends DELETE Type?criteria.
  const subject = `Patient/${referenced.entry[0].resource.id}`;
  const several = await failure(client.httpClient.delete(`Observation?subject=${encodeURIComponent(subject)}`));
  assert.equal(several.status, 412);
  assert.equal(several.data.resourceType, 'OperationOutcome');
  const none = await client.httpClient.delete('Observation?subject=Patient%2Fnobody');
  assert.equal(status(none), 204);
  await client.create({ resourceType: 'Patient', body: patient('FKC-D2') });
  const one = await client.httpClient.delete(`Patient?identifier=${encodeURIComponent(`${mrn}|FKC-D2`)}`);
  assert.equal(status(one), 204);
  const left = await client.search({ resourceType: 'Patient', searchParams: { identifier: `${mrn}|FKC-D2` } });
  assert.equal(left.total, 0);
});
