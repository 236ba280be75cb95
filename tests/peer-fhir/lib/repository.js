'use strict';
// @medplum/fhir-router's MemoryRepository, with the gaps that matter to a client under test closed
// (docs/ARCHITECTURE.md, "The test peer"). It keeps MemoryRepository's storage (`resources`, `history` maps) and the
// conditional create/update/delete logic of FhirRepository, and overrides:
// - withTransaction: an undo log, so a failed transaction (or a failed conditional write) leaves nothing behind;
// - createResource: POST gets a server-assigned id (MemoryRepository kept the client's), resources are
//   validated as real Medplum validates them, lastUpdated is strictly increasing;
// - updateResource: an unchanged resource keeps its version (real Medplum's isNotModified), PUT to an unknown
//   id creates only when client ids are allowed (otherwise 404, as Medplum without canSetId);
// - deleteResource/readResource: deleted resources answer 410 Gone, like real Medplum;
// - readHistory: newest first without reversing the stored history in place (MemoryRepository did), paged;
// - search: see search.js (400 on unknown parameters, indexes, paging links).

const core = require('@medplum/core');
const { MemoryRepository } = require('@medplum/fhir-router');
const { IdentifierIndex } = require('./identifier-index');
const { runSearch } = require('./search');

const { OperationOutcomeError, badRequest } = core;
const ID_PATTERN = /^[A-Za-z0-9\-.]{1,64}$/;

class PeerRepository extends MemoryRepository {
  /**
   * @param {{ baseUrl: string, updateCreate: boolean, validate: boolean, searchLatencyMs: number }} settings -
   *   read on every call, so the admin API can change them at run time.
   */
  constructor(settings) {
    super();
    this.settings = settings;
    this.identifiers = new IdentifierIndex();
    this.deleted = new Set();
    this.counters = { transactionsCommitted: 0, transactionsRolledBack: 0 };
    this.lastInstant = 0;
    this.undo = undefined;
    this.store = { get: (type) => this.resources.get(type), identifiers: this.identifiers };
  }

  clear() {
    super.clear();
    this.identifiers.clear();
    this.deleted.clear();
    this.counters.transactionsCommitted = 0;
    this.counters.transactionsRolledBack = 0;
  }

  /** Number of current (not deleted) resources per type. */
  countByType() {
    const counts = {};
    for (const [type, byId] of this.resources) {
      if (byId.size > 0) {
        counts[type] = byId.size;
      }
    }
    return counts;
  }

  exists(resourceType, id) {
    return Boolean(this.resources.get(resourceType)?.get(id));
  }

  async withTransaction(callback) {
    const outermost = this.undo === undefined;
    if (outermost) {
      this.undo = [];
    }
    const mark = this.undo.length;
    try {
      const result = await callback(undefined);
      if (outermost) {
        this.undo = undefined;
        this.counters.transactionsCommitted++;
      }
      return result;
    } catch (err) {
      this.rollbackTo(mark);
      if (outermost) {
        this.undo = undefined;
        this.counters.transactionsRolledBack++;
      }
      throw err;
    }
  }

  async createResource(resource, options) {
    const candidate = core.deepClone(resource);
    if (!options?.assignedId || !candidate.id) {
      // A plain POST gets a server id; batch/transaction entries arrive with the id the router assigned.
      candidate.id = this.generateId();
    }
    return this.store_(candidate);
  }

  async updateResource(resource, options) {
    if (!resource.id) {
      throw new OperationOutcomeError(badRequest('Missing id'));
    }
    if (!ID_PATTERN.test(resource.id)) {
      throw new OperationOutcomeError(badRequest('Invalid id', resource.resourceType + '.id'));
    }
    const existing = this.resources.get(resource.resourceType)?.get(resource.id);
    if (options?.ifMatch !== undefined) {
      if (!existing) {
        throw new OperationOutcomeError(core.notFound);
      }
      if (existing.meta?.versionId !== options.ifMatch) {
        throw new OperationOutcomeError(core.preconditionFailed);
      }
    }
    if (!existing && !this.settings.updateCreate && !this.deleted.has(key(resource))) {
      throw new OperationOutcomeError(core.notFound);
    }
    const candidate = core.deepClone(resource);
    // Real Medplum merges meta (so a PUT without meta keeps e.g. meta.profile) and then skips unchanged writes.
    candidate.meta = { ...existing?.meta, ...candidate.meta };
    if (existing && core.deepEquals(withoutVersion(existing), withoutVersion(candidate))) {
      return core.deepClone(existing);
    }
    return this.store_(candidate);
  }

  async readResource(resourceType, id) {
    const resource = this.resources.get(resourceType)?.get(id);
    if (!resource) {
      throw new OperationOutcomeError(this.deleted.has(`${resourceType}/${id}`) ? core.gone : core.notFound);
    }
    return core.deepClone(resource);
  }

  async readHistory(resourceType, id, options) {
    const versions = this.history.get(resourceType)?.get(id);
    if (!versions?.length) {
      throw new OperationOutcomeError(core.notFound);
    }
    const offset = Math.max(0, options?.offset ?? 0);
    const limit = Math.max(0, options?.limit ?? 100);
    const newestFirst = [...versions].reverse();
    const entry = newestFirst.slice(offset, offset + limit).map((version) => ({
      fullUrl: `${this.settings.baseUrl}/${resourceType}/${id}`,
      resource: core.deepClone(version),
      request: { method: version === versions[0] ? 'POST' : 'PUT', url: version === versions[0] ? resourceType : `${resourceType}/${id}` },
      response: { status: version === versions[0] ? '201' : '200', etag: `W/"${version.meta.versionId}"`, lastModified: version.meta.lastUpdated },
    }));
    return { resourceType: 'Bundle', type: 'history', total: versions.length, ...(entry.length ? { entry } : undefined) };
  }

  async search(searchRequest) {
    // A real server's search is a database round trip: other requests run between reading the matches and
    // acting on them. Yielding to the event loop after the read keeps that true in memory, so the request queue
    // (not luck) is what keeps conditional creates from racing, and the concurrency tests can tell.
    const result = runSearch(this.store, searchRequest, this.settings.baseUrl);
    const latency = this.settings.searchLatencyMs;
    await new Promise((resolve) => (latency > 0 ? setTimeout(resolve, latency) : setImmediate(resolve)));
    return result;
  }

  async deleteResource(resourceType, id) {
    const existing = this.resources.get(resourceType)?.get(id);
    if (!existing) {
      throw new OperationOutcomeError(this.deleted.has(`${resourceType}/${id}`) ? core.gone : core.notFound);
    }
    this.record(resourceType, id, existing);
    this.resources.get(resourceType).delete(id);
    this.deleted.add(`${resourceType}/${id}`);
    this.identifiers.replace(resourceType, id, existing, undefined);
  }

  // Validates, stamps a new version and writes; every write goes through here or deleteResource.
  store_(candidate) {
    core.validateResourceType(candidate.resourceType);
    candidate.meta = { ...candidate.meta, versionId: core.generateId(), lastUpdated: this.nextLastUpdated() };
    if (this.settings.validate) {
      core.validateResource(candidate); // throws an OperationOutcomeError (400) listing the issues
    }
    const { resourceType: type, id } = candidate;
    const byId = mapIn(this.resources, type);
    const previous = byId.get(id);
    this.record(type, id, previous);
    byId.set(id, candidate);
    let versions = mapIn(this.history, type).get(id);
    if (!versions) {
      versions = [];
      this.history.get(type).set(id, versions);
    }
    versions.push(candidate);
    this.deleted.delete(`${type}/${id}`);
    this.identifiers.replace(type, id, previous, candidate);
    return core.deepClone(candidate);
  }

  // Strictly increasing, millisecond precision: a cursor page can always make progress, and no two writes share
  // a timestamp. Under bursts (> 1 write/ms) the stamps run ahead of the wall clock by up to 1 ms per write.
  nextLastUpdated() {
    this.lastInstant = Math.max(Date.now(), this.lastInstant + 1);
    return new Date(this.lastInstant).toISOString();
  }

  record(type, id, previous) {
    if (this.undo) {
      this.undo.push({
        type,
        id,
        previous,
        versions: this.history.get(type)?.get(id)?.length ?? 0,
        wasDeleted: this.deleted.has(`${type}/${id}`),
      });
    }
  }

  rollbackTo(mark) {
    while (this.undo.length > mark) {
      const { type, id, previous, versions, wasDeleted } = this.undo.pop();
      const byId = this.resources.get(type);
      const current = byId?.get(id);
      if (previous) {
        mapIn(this.resources, type).set(id, previous);
      } else {
        byId?.delete(id);
      }
      const history = this.history.get(type);
      const list = history?.get(id);
      if (list) {
        list.length = versions;
        if (versions === 0) {
          history.delete(id);
        }
      }
      if (wasDeleted) {
        this.deleted.add(`${type}/${id}`);
      } else {
        this.deleted.delete(`${type}/${id}`);
      }
      this.identifiers.replace(type, id, current, previous);
    }
  }
}

function key(resource) {
  return `${resource.resourceType}/${resource.id}`;
}

function withoutVersion(resource) {
  const { versionId: _v, lastUpdated: _l, ...meta } = resource.meta ?? {};
  return { ...resource, meta };
}

function mapIn(outer, type) {
  let inner = outer.get(type);
  if (!inner) {
    inner = new Map();
    outer.set(type, inner);
  }
  return inner;
}

module.exports = { PeerRepository };
