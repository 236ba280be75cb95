'use strict';
// Starts a peer in this process on a free port and gives tests a small FHIR client for it.

const net = require('node:net');
const { createPeer } = require('../lib/app');

async function startPeer(options) {
  const peer = createPeer(options);
  const { baseUrl, adminUrl } = await peer.listen(0);

  async function call(url, method, body, headers = {}) {
    const response = await fetch(url, {
      method,
      headers: { accept: 'application/fhir+json', ...(body === undefined ? {} : { 'content-type': 'application/fhir+json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  }

  return {
    baseUrl,
    adminUrl,
    repo: peer.repo,
    /** A FHIR interaction: path relative to the base, e.g. "Patient?identifier=a|b". */
    fhir: (method, path, body, headers) => call(`${baseUrl}/${path}`, method, body, headers),
    admin: (method, path, body) => call(`${adminUrl}/${path}`, method, body),
    close: () => peer.close(),
  };
}

/**
 * Sends the same request on `n` connections opened beforehand and written in one go, so that the server reads
 * them in the same event-loop turn (fetch spreads parallel requests out too much to race reliably).
 * @returns {Promise<{ status: number, body: any }[]>}
 */
async function burst(baseUrl, n, method, path, body, headers = {}) {
  const url = new URL(`${baseUrl}/${path}`);
  const payload = Buffer.from(JSON.stringify(body));
  const head = [
    `${method} ${url.pathname}${url.search} HTTP/1.1`,
    `Host: ${url.host}`,
    'Content-Type: application/fhir+json',
    `Content-Length: ${payload.length}`,
    'Connection: close',
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    '',
    '',
  ].join('\r\n');
  const sockets = await Promise.all(
    Array.from({ length: n }, () => new Promise((resolve, reject) => {
      const socket = net.connect(Number(url.port), url.hostname, () => resolve(socket));
      socket.on('error', reject);
    }))
  );
  const responses = sockets.map((socket) => new Promise((resolve) => {
    const chunks = [];
    socket.on('data', (c) => chunks.push(c));
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [headText, bodyText] = text.split('\r\n\r\n');
      resolve({ status: Number(headText.split(' ')[1]), body: bodyText ? JSON.parse(bodyText) : undefined });
    });
  }));
  for (const socket of sockets) {
    socket.write(head);
    socket.write(payload);
  }
  return Promise.all(responses);
}

function patient(system, value, extra = {}) {
  return { resourceType: 'Patient', identifier: [{ system, value }], ...extra };
}

/** A transaction entry that creates `resource` unless one with its first identifier exists. */
function conditionalCreate(resource, fullUrl) {
  const { system, value } = resource.identifier[0];
  return {
    fullUrl,
    resource,
    request: { method: 'POST', url: resource.resourceType, ifNoneExist: `identifier=${encodeURIComponent(system)}|${encodeURIComponent(value)}` },
  };
}

function put(resource) {
  return { fullUrl: `urn:uuid:${resource.id}`, resource, request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` } };
}

function bundle(type, entry) {
  return { resourceType: 'Bundle', type, entry };
}

function ids(searchset) {
  return (searchset.entry ?? []).map((e) => e.resource.id);
}

module.exports = { startPeer, burst, patient, conditionalCreate, put, bundle, ids };
