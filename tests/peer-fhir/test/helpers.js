'use strict';
// Starts a peer in this process on a free port and gives tests a small FHIR client for it.

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

module.exports = { startPeer, patient, conditionalCreate, put, bundle, ids };
