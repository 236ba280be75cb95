'use strict';
// The peer's SMART Backend Services token endpoint, with a client whose JWKS a small server in this test publishes.
const { describe, it, before, after, beforeEach } = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const crypto = require('node:crypto');
const jose = require('jose');
const { startPeer } = require('../testing/helpers');

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

describe('SMART Backend Services', () => {
  let peer;
  let jwksServer;
  let jwksUrl;
  let published = [];
  let rsa;
  let ec;
  let tokenUrl;

  before(async () => {
    peer = await startPeer();
    rsa = { ...(await jose.generateKeyPair('RS384', { extractable: true })), kid: 'rsa-1', alg: 'RS384' };
    ec = { ...(await jose.generateKeyPair('ES384', { extractable: true })), kid: 'ec-1', alg: 'ES384' };
    jwksServer = http.createServer(async (req, res) => {
      const keys = await Promise.all(published.map(async (k) => ({ ...(await jose.exportJWK(k.publicKey)), kid: k.kid, alg: k.alg, use: 'sig' })));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
    });
    await new Promise((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${jwksServer.address().port}/.well-known/jwks.json`;
    tokenUrl = peer.baseUrl.replace('/fhir/R4', '') + '/auth/token';
  });
  after(async () => {
    await peer.close();
    jwksServer.closeAllConnections();
    await new Promise((resolve) => jwksServer.close(resolve));
  });
  beforeEach(async () => {
    await peer.admin('POST', 'reset');
    published = [rsa];
    const on = await peer.admin('POST', 'smart', { enabled: true, tokenLifetimeSeconds: 2, clients: [{ clientId: 'gw', jwksUrl }] });
    assert.equal(on.status, 200);
  });

  const assertion = (key, claims = {}, header = {}) => new jose.SignJWT({ jti: crypto.randomUUID(), ...claims })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT', ...header })
    .setIssuer(claims.iss ?? 'gw').setSubject(claims.sub ?? 'gw').setAudience(claims.aud ?? tokenUrl)
    .setIssuedAt().setExpirationTime(claims.exp ?? '4m')
    .sign(key.privateKey);
  const token = async (jwt, scope = 'system/Patient.rs') => {
    const response = await fetch(tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope, client_assertion_type: ASSERTION_TYPE, client_assertion: jwt }),
    });
    return { status: response.status, body: await response.json() };
  };
  const bearer = (accessToken) => ({ authorization: `Bearer ${accessToken}` });

  it('publishes a smart-configuration only while on', async () => {
    const on = await peer.fhir('GET', '.well-known/smart-configuration');
    assert.equal(on.status, 200);
    assert.equal(on.body.token_endpoint, tokenUrl);
    assert.ok(on.body.capabilities.includes('permission-v2'));
    await peer.admin('POST', 'smart', { enabled: false });
    assert.equal((await peer.fhir('GET', '.well-known/smart-configuration')).status, 404);
  });

  it('issues a short-lived token for a valid RS384 or ES384 assertion, which the FHIR API then requires', async () => {
    assert.equal((await peer.fhir('GET', 'Patient')).status, 401);
    assert.equal((await peer.fhir('GET', 'metadata')).status, 200);
    const issued = await token(await assertion(rsa));
    assert.equal(issued.status, 200, JSON.stringify(issued.body));
    assert.equal(issued.body.expires_in, 2);
    assert.equal((await peer.fhir('GET', 'Patient', undefined, bearer(issued.body.access_token))).status, 200);
    published = [ec];
    await new Promise((resolve) => setTimeout(resolve, 250)); // past the JWKS refetch cooldown
    assert.equal((await token(await assertion(ec))).status, 200);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    assert.equal((await peer.fhir('GET', 'Patient', undefined, bearer(issued.body.access_token))).status, 401);
  });

  it('refuses a replayed jti, a wrong audience, a late exp, an unknown client and an unknown key', async () => {
    const jwt = await assertion(rsa);
    assert.equal((await token(jwt)).status, 200);
    const replay = await token(jwt);
    assert.deepEqual([replay.status, replay.body.error], [400, 'invalid_client']);
    assert.match(replay.body.error_description, /replay/);
    const audience = await token(await assertion(rsa, { aud: 'https://elsewhere.example/token' }));
    assert.deepEqual([audience.status, audience.body.error], [400, 'invalid_client']);
    assert.match(audience.body.error_description, /aud/);
    const late = await token(await assertion(rsa, { exp: '10m' }));
    assert.match(late.body.error_description, /five minutes/);
    const expired = await token(await assertion(rsa, { exp: Math.floor(Date.now() / 1000) - 60 }));
    assert.match(expired.body.error_description, /exp/);
    assert.equal((await token(await assertion(rsa, { iss: 'stranger', sub: 'stranger' }))).body.error, 'invalid_client');
    const unknownKey = await token(await assertion(ec));
    assert.match(unknownKey.body.error_description, /kid/);
    const stats = (await peer.admin('GET', 'smart')).body.stats;
    assert.equal(stats.tokensIssued, 1);
    assert.equal(stats.refused.invalid_client, 6);
  });

  it('refuses scopes the client is not allowed, and revoked tokens', async () => {
    await peer.admin('POST', 'smart', { clients: [{ clientId: 'gw', jwksUrl, scopes: ['system/Patient.rs'] }] });
    assert.equal((await token(await assertion(rsa), 'system/Patient.cruds')).body.error, 'invalid_scope');
    const issued = await token(await assertion(rsa), 'system/Patient.rs');
    assert.equal(issued.status, 200);
    assert.equal((await peer.admin('POST', 'smart/revoke')).body.revoked, 1);
    assert.equal((await peer.fhir('GET', 'Patient', undefined, bearer(issued.body.access_token))).status, 401);
  });

  it('answers with its own clock in Date, so a client can tell a clock problem from a bad client', async () => {
    await peer.admin('POST', 'smart', { clockOffsetSeconds: 600 });
    const refused = await token(await assertion(rsa));
    assert.match(refused.body.error_description, /exp/);
    const response = await fetch(tokenUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=x' });
    const skew = new Date(response.headers.get('date')).getTime() - Date.now();
    assert.ok(skew > 590_000 && skew < 610_000, `skew ${skew} ms`);
  });
});
