'use strict';
// The test-only admin API, outside the FHIR base. Not counted in the stats, never faulted.
//   GET    /admin/stats   requests by method and status, injected faults, resources by type, transactions
//   GET    /admin/faults  the fault plan and its progress
//   POST   /admin/faults  replace the fault plan (faults.js documents it); 400 with {"error": ...} if invalid
//   DELETE /admin/faults  clear the fault plan
//   POST   /admin/reset   clear all data, the fault plan, the stats and the settings (back to the start options)
//   GET    /admin/config  {"updateCreate": bool, "validate": bool, "searchLatencyMs": int, "versionedUpdate": bool}
//   POST   /admin/config  change them, e.g. {"updateCreate": false} to refuse client ids on PUT, or
//                         {"searchLatencyMs": 5} to make every search take as long as a slow database's
//   GET    /admin/smart   SMART Backend Services: its settings, clients, and counts (tokens issued, refusals, 401s)
//   POST   /admin/smart   change them (smart.js): {"enabled": true, "clients": [{"clientId", "jwksUrl"}], ...}
//   POST   /admin/smart/revoke  drop every issued token

const { send } = require('./send');

const SETTINGS = {
  updateCreate: (v) => typeof v === 'boolean',
  validate: (v) => typeof v === 'boolean',
  searchLatencyMs: (v) => Number.isInteger(v) && v >= 0 && v <= 1000,
  versionedUpdate: (v) => typeof v === 'boolean',
};
const SETTING_NAMES = Object.keys(SETTINGS);

async function handleAdmin(peer, req, res, url, rawBody) {
  const json = (status, body) => send(res, { status, body }, 'application/json; charset=utf-8');
  const route = `${req.method} ${url.pathname.replace(/\/+$/, '')}`;
  let body;
  try {
    body = rawBody.length ? JSON.parse(rawBody.toString('utf8')) : undefined;
  } catch (err) {
    return json(400, { error: `Invalid JSON: ${err.message}` });
  }
  switch (route) {
    case 'GET /admin/stats':
      return json(200, {
        requests: peer.stats,
        faultsInjected: peer.faults.injected,
        resources: peer.repo.countByType(),
        transactions: peer.repo.counters,
        queueDepth: peer.queue.depth,
      });
    case 'GET /admin/faults':
      return json(200, peer.faults.snapshot());
    case 'POST /admin/faults':
      try {
        peer.faults.set(body);
      } catch (err) {
        return json(400, { error: err.message });
      }
      return json(200, peer.faults.snapshot());
    case 'DELETE /admin/faults':
      peer.faults.clear();
      return json(200, peer.faults.snapshot());
    case 'POST /admin/reset':
      // Through the queue, so a reset never lands in the middle of a FHIR interaction.
      await peer.queue.run(async () => {
        peer.repo.clear();
        peer.faults.reset();
        peer.stats.total = 0;
        peer.stats.byMethod = {};
        peer.stats.byStatus = {};
        Object.assign(peer.settings, peer.defaults);
        peer.smart.reset();
      });
      return json(200, { reset: true });
    case 'GET /admin/config':
      return json(200, pick(peer.settings));
    case 'POST /admin/config': {
      const bad = Object.entries(body ?? {}).filter(([k, v]) => !SETTINGS[k]?.(v));
      if (!body || typeof body !== 'object' || bad.length) {
        return json(400, { error: 'Expected an object with updateCreate (boolean), validate (boolean), searchLatencyMs (0-1000), versionedUpdate (boolean)' });
      }
      Object.assign(peer.settings, body);
      return json(200, pick(peer.settings));
    }
    case 'GET /admin/smart':
      return json(200, peer.smart.snapshot());
    case 'POST /admin/smart':
      try {
        peer.smart.configure(body);
      } catch (err) {
        return json(400, { error: err.message });
      }
      return json(200, peer.smart.snapshot());
    case 'POST /admin/smart/revoke':
      return json(200, { revoked: peer.smart.revoke() });
    default:
      return json(404, { error: `No admin route ${route}` });
  }
}

function pick(settings) {
  return Object.fromEntries(SETTING_NAMES.map((k) => [k, settings[k]]));
}

module.exports = { handleAdmin };
