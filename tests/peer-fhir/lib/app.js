'use strict';
// The peer as a node:http server: the FHIR API under /fhir/R4 (one request at a time, through the fault plan)
// and the test-only admin API under /admin.

const http = require('node:http');
const { loadDefinitions } = require('./definitions');
const { PeerRepository } = require('./repository');
const { FhirEndpoint } = require('./fhir-endpoint');
const { FaultPlan } = require('./faults');
const { SerialQueue } = require('./serial-queue');
const { outcome, faultOutcome } = require('./outcomes');
const { handleAdmin } = require('./admin');
const { send } = require('./send');
const { SmartAuth } = require('./smart');

const FHIR_BASE = '/fhir/R4';
const TOKEN_PATH = '/auth/token';
const SMART_CONFIGURATION = FHIR_BASE + '/.well-known/smart-configuration';
const MAX_BODY_BYTES = 64 * 1024 * 1024;

/**
 * Creates (does not start) a peer.
 * @param {{ updateCreate?: boolean, validate?: boolean, log?: boolean }} options - updateCreate: PUT may create
 *   resources with client ids (default true); validate: reject invalid resources with 400 as real Medplum does
 *   (default true); log: one line per request on stderr.
 */
function createPeer(options = {}) {
  loadDefinitions();
  const defaults = { updateCreate: options.updateCreate ?? true, validate: options.validate ?? true, searchLatencyMs: 0, versionedUpdate: true };
  const settings = { ...defaults, baseUrl: '' };
  const repo = new PeerRepository(settings);
  const faults = new FaultPlan();
  const queue = new SerialQueue();
  const stats = { total: 0, byMethod: {}, byStatus: {} };
  const endpoint = new FhirEndpoint({ repo, faults, settings, startedAt: new Date().toISOString() });
  const smart = new SmartAuth();
  const peer = { settings, defaults, repo, faults, queue, stats, endpoint, smart };

  const server = http.createServer((req, res) => {
    const started = Date.now();
    if (options.log) {
      res.on('close', () => process.stderr.write(`${req.method} ${req.url} ${res.statusCode} ${Date.now() - started}ms\n`));
    }
    handle(peer, req, res).catch((err) => {
      if (!res.headersSent && !res.destroyed) {
        send(res, { status: err.status ?? 500, body: outcome('exception', err.message) });
      }
    });
  });
  // Longer than .NET's pooled-connection idle timeout (60 s), so the client, not the server, closes idle connections.
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 121_000;

  return {
    server,
    repo,
    faults,
    /** Starts listening; port 0 picks a free port. */
    listen(port = 0, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          const address = server.address();
          const origin = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
          settings.baseUrl = origin + FHIR_BASE;
          resolve({ baseUrl: settings.baseUrl, adminUrl: origin + '/admin', port: address.port });
        });
      });
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

async function handle(peer, req, res) {
  const url = new URL(req.url, 'http://peer.invalid');
  if (url.pathname === '/admin' || url.pathname.startsWith('/admin/')) {
    return handleAdmin(peer, req, res, url, await readBody(req));
  }
  if (url.pathname === TOKEN_PATH || url.pathname === SMART_CONFIGURATION) {
    return handleSmart(peer, req, res, url);
  }
  if (url.pathname !== FHIR_BASE && !url.pathname.startsWith(FHIR_BASE + '/')) {
    return send(res, { status: 404, body: outcome('not-found', `Not found: ${url.pathname} (the FHIR base is ${FHIR_BASE})`) });
  }
  const { stats, faults, queue, endpoint } = peer;
  stats.total++;
  stats.byMethod[req.method] = (stats.byMethod[req.method] ?? 0) + 1;
  const rawBody = await readBody(req);
  // With SMART on, every FHIR interaction but the CapabilityStatement needs a current token (as real servers do).
  const refusal = peer.smart.config.enabled && !(req.method === 'GET' && url.pathname === FHIR_BASE + '/metadata') && peer.smart.check(req.headers.authorization);
  if (refusal) {
    stats.byStatus[refusal.status] = (stats.byStatus[refusal.status] ?? 0) + 1;
    return send(res, { status: refusal.status, headers: refusal.headers, body: outcome('login', refusal.text) });
  }

  const fault = faults.take(req.method);
  if (fault?.kind === 'delay') {
    await new Promise((resolve) => setTimeout(resolve, fault.ms));
  } else if (fault?.phase === 'before') {
    return inject(fault, res, stats);
  }
  const response = await queue.run(() =>
    endpoint.handle({
      method: req.method,
      relativePath: url.pathname.slice(FHIR_BASE.length).replace(/^\/+/, ''),
      search: url.search,
      headers: req.headers,
      rawBody,
    })
  );
  if (fault?.phase === 'after') {
    return inject(fault, res, stats); // the request was applied; the client never learns it
  }
  stats.byStatus[response.status] = (stats.byStatus[response.status] ?? 0) + 1;
  return send(res, response);
}

// The token endpoint and the discovery document: outside the FHIR stats and the fault plan; 404 while SMART is off.
async function handleSmart(peer, req, res, url) {
  const json = (status, body, headers = {}) => send(res, { status, body, headers }, 'application/json; charset=utf-8');
  const rawBody = await readBody(req);
  const origin = peer.settings.baseUrl.slice(0, -FHIR_BASE.length);
  if (!peer.smart.config.enabled) {
    return json(404, { error: 'not_found', error_description: 'SMART Backend Services is off (POST /admin/smart)' });
  }
  if (url.pathname === SMART_CONFIGURATION) {
    return req.method === 'GET' ? json(200, peer.smart.discovery(origin)) : json(405, { error: 'method_not_allowed' });
  }
  if (req.method !== 'POST' || !/^application\/x-www-form-urlencoded/i.test(req.headers['content-type'] ?? '')) {
    return json(400, { error: 'invalid_request', error_description: 'POST a form (application/x-www-form-urlencoded)' });
  }
  const answer = await peer.smart.token(new URLSearchParams(rawBody.toString('utf8')), origin + TOKEN_PATH);
  // The Date header follows the peer's (possibly offset) clock, as a server with a wrong clock would send it.
  return json(answer.status, answer.body, { 'Cache-Control': 'no-store', Date: new Date(peer.smart.now()).toUTCString() });
}

function inject(fault, res, stats) {
  if (fault.kind === 'reset') {
    const socket = res.socket;
    if (typeof socket?.resetAndDestroy === 'function') {
      socket.resetAndDestroy(); // TCP RST, as a crashing server or a middlebox gives
    } else {
      socket?.destroy();
    }
    return;
  }
  stats.byStatus[fault.status] = (stats.byStatus[fault.status] ?? 0) + 1;
  const headers = fault.retryAfter === undefined ? {} : { 'Retry-After': String(fault.retryAfter) };
  send(res, { status: fault.status, headers, body: faultOutcome(fault.status) });
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(Object.assign(new Error(`Request body larger than ${MAX_BODY_BYTES} bytes`), { status: 413 }));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

module.exports = { createPeer, FHIR_BASE, TOKEN_PATH };
