'use strict';
// Turns one HTTP request under the FHIR base into a FhirRequest for @medplum/fhir-router, and the router's
// [outcome, resource] back into status, headers and body. Also: [base]/metadata, JSON-only content
// negotiation, the fault plan's identifier rejects, and FHIR's 201 for a PUT that creates.

const core = require('@medplum/core');
const { FhirRouter, updateResourceImpl } = require('@medplum/fhir-router');
const { capabilityStatement } = require('./capability');
const { getResourceTypes } = require('./definitions');
const { outcome } = require('./outcomes');

class FhirEndpoint {
  /**
   * @param {object} deps - { repo: PeerRepository, faults: FaultPlan, settings, startedAt }
   */
  constructor({ repo, faults, settings, startedAt }) {
    this.repo = repo;
    this.faults = faults;
    this.settings = settings;
    this.startedAt = startedAt;
    this.knownTypes = new Set(getResourceTypes());
    this.router = new FhirRouter();
    this.#replaceUpdateHandler();
  }

  /**
   * @param {{ method: string, relativePath: string, search: string, headers: object, rawBody: Buffer }} request
   * @returns {Promise<{ status: number, headers?: object, body?: object }>}
   */
  async handle({ method, relativePath, search, headers, rawBody }) {
    if (/xml/i.test(new URLSearchParams(search).get('_format') ?? '') || acceptsOnlyNonJson(headers.accept)) {
      return { status: 406, body: outcome('not-supported', 'This server only supports JSON (application/fhir+json)') };
    }
    const parsed = parseBody(rawBody, headers['content-type']);
    if (parsed.error) {
      return parsed.error;
    }
    const body = parsed.body;
    const segments = relativePath.split('/').filter(Boolean);

    if (method === 'GET' && relativePath === 'metadata') {
      return { status: 200, body: capabilityStatement(this.settings, this.startedAt) };
    }
    if (segments[0] === '_history' || (segments.length === 2 && segments[1] === '_history')) {
      return { status: 400, body: outcome('not-supported', 'Type- and system-level history are not supported by this test peer; use instance history') };
    }
    if (segments.length === 0 && method === 'GET') {
      return { status: 400, body: outcome('not-supported', 'System-level search is not supported by this test peer; search one resource type') };
    }
    if (segments.length > 0 && !segments[0].startsWith('$') && !this.knownTypes.has(segments[0])) {
      return { status: 404, body: outcome('not-supported', `Unknown resource type: ${segments[0]}`) };
    }

    const rejected = this.#rejection(method, segments, body);
    if (rejected?.response) {
      return rejected.response;
    }
    const fhirRequest = {
      method,
      url: relativePath + search,
      pathname: '',
      body: rejected?.body ?? body,
      params: {},
      query: {},
      headers,
      config: { transactions: true }, // without it the router runs a transaction as a batch
    };
    const [result, resource] = await this.router.handleRequest(fhirRequest, this.repo);
    const merged = rejected?.merge ? rejected.merge(resource) : resource;
    return this.#toHttp(result, merged, headers.prefer);
  }

  // The router answers 200 to a PUT that created the resource; FHIR (and the gateway's created/updated
  // bookkeeping) needs 201. Only the status changes; the router's update logic is kept.
  #replaceUpdateHandler() {
    const route = this.router.router.routes.find((r) => r.method === 'PUT' && r.path.length === 2 && r.path.every((s) => s.param));
    route.handler = async (req, repo) => {
      const { resourceType, id } = req.params;
      const existed = repo.exists(resourceType, id);
      const match = /"([^"]+)"/.exec(req.headers?.['if-match'] ?? '');
      const [result, resource] = await updateResourceImpl(resourceType, id, req.body, repo, { ifMatch: match?.[1] });
      return [core.isOk(result) && !existed ? core.created : result, resource];
    };
  }

  // A fault-plan reject answers a whole request (single resource or transaction) with its status; in a batch
  // only the matching entries fail and the others are processed.
  #rejection(method, segments, body) {
    if (!body || typeof body !== 'object' || (method !== 'POST' && method !== 'PUT')) {
      return undefined;
    }
    const isBundleRequest = segments.length === 0 && body.resourceType === 'Bundle';
    if (!isBundleRequest) {
      const rule = this.faults.rejectFor(body);
      return rule ? { response: { status: rule.status, body: outcome(issueCode(rule.status), rule.text, `${body.resourceType}.identifier`) } } : undefined;
    }
    const entries = Array.isArray(body.entry) ? body.entry : [];
    const hits = new Map();
    entries.forEach((entry, i) => {
      const rule = this.faults.rejectFor(entry?.resource);
      if (rule) {
        hits.set(i, rule);
      }
    });
    if (hits.size === 0) {
      return undefined;
    }
    const [index, rule] = hits.entries().next().value;
    const failed = (r, i) => outcome(issueCode(r.status), r.text, `Bundle.entry[${i}].resource.identifier`);
    if (body.type !== 'batch') {
      return { response: { status: rule.status, body: failed(rule, index) } };
    }
    const rejectedEntry = (i) => ({ response: { status: String(hits.get(i).status), outcome: failed(hits.get(i), i) } });
    const remaining = entries.filter((_, i) => !hits.has(i));
    if (remaining.length === 0) {
      return { response: { status: 200, body: { resourceType: 'Bundle', type: 'batch-response', entry: entries.map((_, i) => rejectedEntry(i)) } } };
    }
    return {
      body: { ...body, entry: remaining },
      merge: (response) => {
        if (response?.resourceType !== 'Bundle') {
          return response;
        }
        const processed = [...(response.entry ?? [])];
        return { ...response, entry: entries.map((_, i) => (hits.has(i) ? rejectedEntry(i) : processed.shift())) };
      },
    };
  }

  #toHttp(result, resource, prefer) {
    const status = core.getStatus(result);
    if (!core.isOk(result)) {
      return { status, body: result };
    }
    const headers = {};
    const meta = resource?.meta;
    if (resource && resource.resourceType !== 'Bundle' && meta?.versionId) {
      headers.ETag = `W/"${meta.versionId}"`;
      headers['Last-Modified'] = new Date(meta.lastUpdated).toUTCString();
      if (status === 201) {
        headers.Location = `${this.settings.baseUrl}/${resource.resourceType}/${resource.id}/_history/${meta.versionId}`;
      }
    }
    if (resource?.resourceType === 'Bundle' && /-response$/.test(resource.type ?? '')) {
      for (const entry of resource.entry ?? []) {
        const m = entry?.resource?.meta;
        if (entry?.response && m?.versionId) {
          entry.response.etag = `W/"${m.versionId}"`;
          entry.response.lastModified = m.lastUpdated;
        }
      }
    }
    const wanted = /return=(minimal|representation|OperationOutcome)/i.exec(prefer ?? '')?.[1]?.toLowerCase();
    if (wanted === 'minimal') {
      return { status, headers };
    }
    return { status, headers, body: wanted === 'operationoutcome' || !resource ? result : resource };
  }
}

function issueCode(status) {
  return status === 422 ? 'business-rule' : 'processing';
}

function acceptsOnlyNonJson(accept) {
  if (!accept) {
    return false;
  }
  return !/json|\*\/\*|application\/\*/i.test(accept);
}

function parseBody(raw, contentType = '') {
  if (!raw || raw.length === 0) {
    return { body: undefined };
  }
  if (/xml/i.test(contentType)) {
    return { error: { status: 415, body: outcome('not-supported', 'This server only supports JSON (application/fhir+json)') } };
  }
  const text = raw.toString('utf8');
  if (/application\/x-www-form-urlencoded/i.test(contentType)) {
    const query = {};
    for (const [k, v] of new URLSearchParams(text)) {
      query[k] = k in query ? [].concat(query[k], v) : v;
    }
    return { body: query };
  }
  try {
    return { body: JSON.parse(text) };
  } catch (err) {
    return { error: { status: 400, body: outcome('invalid', `Invalid JSON: ${err.message}`) } };
  }
}

module.exports = { FhirEndpoint };
