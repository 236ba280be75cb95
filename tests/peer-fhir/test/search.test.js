'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startPeer, patient, conditionalCreate, bundle, ids } = require('../testing/helpers');

const SYSTEM = 'https://pt.example-clinic.org/stm';

async function followNext(peer, firstPath) {
  const seen = [];
  let url = `${peer.baseUrl}/${firstPath}`;
  let pages = 0;
  while (url) {
    const page = await (await fetch(url)).json();
    pages++;
    seen.push(...ids(page));
    url = page.link?.find((l) => l.relation === 'next')?.url;
  }
  return { seen, pages };
}

describe('search', () => {
  let peer;
  before(async () => {
    peer = await startPeer();
    const entries = Array.from({ length: 45 }, (_, i) => ({
      request: { method: 'POST', url: 'Procedure' },
      resource: { resourceType: 'Procedure', status: 'completed', subject: { reference: 'Patient/p1' }, identifier: [{ system: SYSTEM, value: `S-${i}` }] },
    }));
    assert.equal((await peer.fhir('POST', '', bundle('batch', entries))).status, 200);
  });
  after(() => peer.close());

  it('answers an unknown search parameter with 400 instead of matching nothing', async () => {
    const r = await peer.fhir('GET', 'Procedure?identfier=x');
    assert.equal(r.status, 400);
    assert.equal(r.body.issue[0].details.text, 'Unknown search parameter: identfier');
  });

  it('answers an unknown parameter in If-None-Exist with 400 instead of creating a duplicate', async () => {
    const r = await peer.fhir('POST', 'Patient', patient('urn:s', 'x'), { 'if-none-exist': 'identifer=urn:s|x' });
    assert.equal(r.status, 400);
    const tx = await peer.fhir('POST', '', bundle('transaction', [{ ...conditionalCreate(patient('urn:s', 'y')), request: { method: 'POST', url: 'Patient', ifNoneExist: 'identifer=urn:s|y' } }]));
    assert.equal(tx.status, 400);
    assert.equal(tx.body.issue[0].details.text, 'Unknown search parameter: identifer');
  });

  it('answers chains, unsupported modifiers and parameter types with 400', async () => {
    for (const query of ['Procedure?subject.identifier=a|b', 'Procedure?code:text=x', 'Observation?value-quantity=5', 'Procedure?subject:identifier=a|b', 'Procedure?_summary=true']) {
      assert.equal((await peer.fhir('GET', query)).status, 400, query);
    }
  });

  it('finds by identifier with system|value, value alone, case-insensitively, and comma as OR', async () => {
    const one = (await peer.fhir('GET', `Procedure?identifier=${encodeURIComponent(`${SYSTEM}|S-7`)}`)).body;
    assert.equal(one.entry.length, 1);
    assert.equal(one.entry[0].resource.identifier[0].value, 'S-7');
    assert.equal(ids((await peer.fhir('GET', 'Procedure?identifier=S-7')).body).length, 1);
    assert.equal(ids((await peer.fhir('GET', 'Procedure?identifier=s-7')).body).length, 1);
    assert.equal(ids((await peer.fhir('GET', 'Procedure?identifier=other|S-7')).body).length, 0);
    assert.equal(ids((await peer.fhir('GET', 'Procedure?identifier=|S-7')).body).length, 0);
    assert.equal(ids((await peer.fhir('GET', `Procedure?identifier=S-1,S-2,${encodeURIComponent(SYSTEM)}|S-3`)).body).length, 3);
    assert.equal((await peer.fhir('GET', `Procedure?identifier=${encodeURIComponent(SYSTEM + '|')}&_total=accurate&_count=0`)).body.total, 45);
  });

  it('pages with _count and next links until every match was seen once', async () => {
    const { seen, pages } = await followNext(peer, 'Procedure?_count=10');
    assert.equal(pages, 5);
    assert.equal(seen.length, 45);
    assert.equal(new Set(seen).size, 45);
    const first = (await peer.fhir('GET', 'Procedure')).body;
    assert.equal(first.entry.length, 20, 'default page size is 20, as real Medplum');
    assert.equal(first.total, undefined, 'no total unless _total is asked for, as real Medplum');
  });

  it('filters _lastUpdated by instant, to the millisecond', async () => {
    const all = (await peer.fhir('GET', 'Procedure?_sort=_lastUpdated&_count=100')).body.entry.map((e) => e.resource);
    const stamps = all.map((r) => r.meta.lastUpdated);
    assert.deepEqual([...stamps].sort(), stamps);
    assert.equal(new Set(stamps).size, stamps.length, 'lastUpdated is strictly increasing');
    const pivot = stamps[20];
    const count = async (q) => ids((await peer.fhir('GET', `Procedure?_lastUpdated=${q}&_count=100`)).body).length;
    assert.equal(await count(`gt${pivot}`), 24);
    assert.equal(await count(`ge${pivot}`), 25);
    assert.equal(await count(`lt${pivot}`), 20);
    assert.equal(await count(`le${pivot}`), 21);
    assert.equal(await count(encodeURIComponent(`ge${pivot.replace('Z', '+00:00')}`)), 25);
    assert.equal(await count('gt2000-01-01'), 45);
    assert.equal((await peer.fhir('GET', 'Procedure?_lastUpdated=gtyesterday')).status, 400);
  });

  it('pages by cursor when sorted by _lastUpdated, so updates during a pull skip nothing', async () => {
    let url = `${peer.baseUrl}/Procedure?_sort=_lastUpdated&_count=20`;
    const seen = new Set();
    let touched = false;
    while (url) {
      const page = await (await fetch(url)).json();
      ids(page).forEach((id) => seen.add(id));
      const next = page.link.find((l) => l.relation === 'next')?.url;
      if (next) {
        assert.match(next, /_cursor=/);
      }
      if (!touched) {
        // Update the first resource of the page just read: with offset paging every later row would shift by one.
        const resource = page.entry[0].resource;
        await peer.fhir('PUT', `Procedure/${resource.id}`, { ...resource, status: 'stopped' });
        touched = true;
      }
      url = next;
    }
    assert.equal(seen.size, 45);
  });

  it('finds _id, and includes and reverse-includes referenced resources', async () => {
    const p = (await peer.fhir('POST', 'Patient', patient('urn:s', 'inc'))).body;
    const proc = (await peer.fhir('POST', 'Procedure', { resourceType: 'Procedure', status: 'completed', subject: { reference: `Patient/${p.id}` } })).body;
    await peer.fhir('POST', 'Observation', { resourceType: 'Observation', status: 'final', code: { text: 'x' }, partOf: [{ reference: `Procedure/${proc.id}` }] });
    const r = (await peer.fhir('GET', `Procedure?_id=${proc.id}&_include=Procedure:subject&_revinclude=Observation:part-of`)).body;
    assert.deepEqual(r.entry.map((e) => [e.resource.resourceType, e.search.mode]), [['Procedure', 'match'], ['Patient', 'include'], ['Observation', 'include']]);
  });

  it('finds one identifier among 5,000 resources quickly', async () => {
    const big = await startPeer({ validate: false });
    try {
      for (let chunk = 0; chunk < 5; chunk++) {
        const entries = Array.from({ length: 1000 }, (_, i) => ({
          request: { method: 'POST', url: 'Procedure' },
          resource: { resourceType: 'Procedure', status: 'completed', subject: { reference: 'Patient/p' }, identifier: [{ system: SYSTEM, value: `B-${chunk * 1000 + i}` }] },
        }));
        assert.equal((await big.fhir('POST', '', bundle('batch', entries))).status, 200);
      }
      const started = process.hrtime.bigint();
      for (let i = 0; i < 100; i++) {
        const found = ids((await big.fhir('GET', `Procedure?identifier=${encodeURIComponent(`${SYSTEM}|B-${i * 50}`)}`)).body);
        assert.equal(found.length, 1);
      }
      const perSearchMs = Number(process.hrtime.bigint() - started) / 1e6 / 100;
      assert.ok(perSearchMs < 20, `identifier search took ${perSearchMs.toFixed(1)} ms`);
    } finally {
      await big.close();
    }
  });
});
