'use strict';
const { describe, it, before, after, beforeEach } = require('node:test');
const assert = require('node:assert/strict');
const { startPeer, patient, put, bundle, ids } = require('../testing/helpers');

describe('fault injection', () => {
  let peer;
  before(async () => (peer = await startPeer()));
  after(() => peer.close());
  beforeEach(() => peer.admin('POST', 'reset'));

  const plan = (body) => peer.admin('POST', 'faults', body);
  const statuses = async (n, method = 'GET', path = 'metadata', body) => {
    const result = [];
    for (let i = 0; i < n; i++) {
      result.push((await peer.fhir(method, path, body)).status);
    }
    return result;
  };

  it('is off by default', async () => {
    assert.deepEqual(await statuses(3), [200, 200, 200]);
    assert.deepEqual((await peer.admin('GET', 'stats')).body.faultsInjected, {});
  });

  it('answers the next N requests with 429 and Retry-After, then normally', async () => {
    assert.equal((await plan({ steps: [{ kind: 'status', status: 429, retryAfter: 2, times: 2 }] })).status, 200);
    const first = await peer.fhir('GET', 'metadata');
    assert.equal(first.status, 429);
    assert.equal(first.headers.get('retry-after'), '2');
    assert.equal(first.body.issue[0].code, 'throttled');
    assert.deepEqual(await statuses(2), [429, 200]);
  });

  it('runs steps in order: a 429, then a burst of 503s, then normal service', async () => {
    await plan({ steps: [{ kind: 'status', status: 429, retryAfter: 1, times: 1 }, { kind: 'status', status: 503, times: 3 }] });
    assert.deepEqual(await statuses(6), [429, 503, 503, 503, 200, 200]);
    assert.deepEqual((await peer.admin('GET', 'stats')).body.faultsInjected, { 'status:429': 1, 'status:503': 3 });
  });

  it('faults only the methods named, and every k-th matching request when asked', async () => {
    await plan({ steps: [{ kind: 'status', status: 503, times: 2, every: 3, methods: ['POST'] }] });
    const posts = await statuses(7, 'POST', 'Patient', patient('urn:s', 'every'));
    assert.deepEqual(posts, [201, 201, 503, 201, 201, 503, 201]);
    assert.deepEqual(await statuses(2), [200, 200], 'GETs are not counted by a POST-only step');
  });

  it('resets the connection before applying the request: nothing is stored', async () => {
    await plan({ steps: [{ kind: 'reset', times: 1 }] });
    await assert.rejects(peer.fhir('POST', 'Patient', patient('urn:s', 'reset-before')));
    assert.deepEqual(ids((await peer.fhir('GET', 'Patient?identifier=urn:s|reset-before')).body), []);
  });

  it('resets the connection after applying the request: stored, but the client never hears', async () => {
    await plan({ steps: [{ kind: 'reset', times: 1, phase: 'after' }] });
    await assert.rejects(peer.fhir('POST', '', bundle('transaction', [put({ resourceType: 'Patient', id: 'after-1', identifier: [{ system: 'urn:s', value: 'reset-after' }] })])));
    assert.deepEqual(ids((await peer.fhir('GET', 'Patient?identifier=urn:s|reset-after')).body), ['after-1']);
  });

  it('answers 503 after applying the request when the step says so', async () => {
    await plan({ steps: [{ kind: 'status', status: 503, times: 1, phase: 'after' }] });
    assert.equal((await peer.fhir('PUT', 'Patient/s-after', { resourceType: 'Patient', id: 's-after' })).status, 503);
    assert.equal((await peer.fhir('GET', 'Patient/s-after')).status, 200);
  });

  it('delays a response by the given time', async () => {
    await plan({ steps: [{ kind: 'delay', ms: 300, times: 1 }] });
    const started = Date.now();
    assert.equal((await peer.fhir('GET', 'metadata')).status, 200);
    assert.ok(Date.now() - started >= 290);
  });

  it('rejects a resource by identifier with a fixed 422 OperationOutcome until the plan is cleared', async () => {
    await plan({ rejects: [{ identifier: 'urn:s|bad', text: 'Target refuses this patient' }] });
    for (let i = 0; i < 2; i++) {
      const r = await peer.fhir('POST', 'Patient', patient('urn:s', 'bad'));
      assert.equal(r.status, 422);
      assert.deepEqual(r.body.issue[0], { severity: 'error', code: 'business-rule', details: { text: 'Target refuses this patient' }, expression: ['Patient.identifier'] });
    }
    assert.equal((await peer.fhir('POST', 'Patient', patient('urn:s', 'good'))).status, 201);
    const tx = await peer.fhir('POST', '', bundle('transaction', [put({ resourceType: 'Patient', id: 'ok-1' }), put({ ...patient('urn:s', 'bad'), id: 'bad-1' })]));
    assert.equal(tx.status, 422);
    assert.equal(tx.body.issue[0].expression[0], 'Bundle.entry[1].resource.identifier');
    assert.equal((await peer.fhir('GET', 'Patient/ok-1')).status, 404, 'a rejected transaction applies nothing');

    await peer.admin('DELETE', 'faults');
    assert.equal((await peer.fhir('POST', 'Patient', patient('urn:s', 'bad'))).status, 201, 'replay after the fix');
  });

  it('rejects only the matching entries of a batch', async () => {
    await plan({ rejects: [{ identifier: 'bad-value' }] });
    const r = await peer.fhir('POST', '', bundle('batch', [put({ resourceType: 'Patient', id: 'b-1' }), put({ ...patient('any-system', 'bad-value'), id: 'b-2' }), put({ resourceType: 'Patient', id: 'b-3' })]));
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.entry.map((e) => e.response.status), ['201', '422', '201']);
    assert.equal((await peer.fhir('GET', 'Patient/b-2')).status, 404);
  });

  it('refuses an invalid plan with 400 and keeps the old one', async () => {
    await plan({ steps: [{ kind: 'status', status: 503, times: 1 }] });
    for (const bad of [{ steps: [{ kind: 'explode', times: 1 }] }, { steps: [{ kind: 'status', times: 0 }] }, { steps: [{ kind: 'delay', ms: 999999, times: 1 }] }, { nonsense: 1 }, [1]]) {
      const r = await plan(bad);
      assert.equal(r.status, 400, JSON.stringify(bad));
      assert.ok(r.body.error);
    }
    assert.equal((await peer.fhir('GET', 'metadata')).status, 503);
  });

  it('counts FHIR requests by method and status, and reset clears data, plan and counts', async () => {
    await peer.fhir('GET', 'metadata');
    await peer.fhir('POST', 'Patient', patient('urn:s', 'count'));
    await plan({ steps: [{ kind: 'status', status: 429, times: 1 }] });
    await peer.fhir('GET', 'metadata');
    const stats = (await peer.admin('GET', 'stats')).body;
    assert.deepEqual(stats.requests.byMethod, { GET: 2, POST: 1 });
    assert.deepEqual(stats.requests.byStatus, { 200: 1, 201: 1, 429: 1 });
    assert.deepEqual(stats.resources, { Patient: 1 });
    await peer.admin('POST', 'reset');
    const cleared = (await peer.admin('GET', 'stats')).body;
    assert.equal(cleared.requests.total, 0);
    assert.deepEqual(cleared.resources, {});
    assert.deepEqual((await peer.admin('GET', 'faults')).body.steps, []);
  });
});
