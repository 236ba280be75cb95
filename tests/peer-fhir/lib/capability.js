'use strict';
// The CapabilityStatement at [base]/metadata: what this server really supports, so that a client can adapt
// (client ids, conditional interactions, the search parameters it can evaluate). Limits that a
// CapabilityStatement has no element for are stated in rest.documentation, in words; a client should still
// learn them from the errors (see README.md, "FHIR API").

const fs = require('node:fs');
const path = require('node:path');
const { getResourceTypes } = require('./definitions');
const { supportedSearchParameters } = require('./search');

const routerVersion = JSON.parse(
  fs.readFileSync(path.join(path.dirname(require.resolve('@medplum/fhir-router')), '..', '..', 'package.json'), 'utf8')
).version;

const LIMITS =
  'StmFhir test peer: @medplum/fhir-router ' + routerVersion + ' with an in-memory repository. ' +
  'Transactions are all-or-nothing. A transaction that contains a conditional entry (If-None-Exist, conditional ' +
  'PUT or DELETE) may have at most 8 entries (400 "Transaction requires strict isolation but has too many entries"); ' +
  'a transaction may have at most 50 update entries (400 "Transaction contains more update operations than allowed"). ' +
  'Requests are processed one at a time. Unknown search parameters answer 400. Only JSON is supported.';

/** Builds the CapabilityStatement for the current settings. */
function capabilityStatement(settings, startedAt) {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: startedAt,
    publisher: 'StmFhir',
    kind: 'instance',
    software: { name: 'StmFhir peer-fhir (@medplum/fhir-router MemoryRepository)', version: routerVersion },
    implementation: { description: 'StmFhir exchange test peer', url: settings.baseUrl },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [
      {
        mode: 'server',
        documentation: LIMITS,
        resource: getResourceTypes().map((type) => resourceCapability(type, settings)),
        interaction: [{ code: 'transaction' }, { code: 'batch' }],
        searchParam: [
          { name: '_id', type: 'token', definition: 'http://hl7.org/fhir/SearchParameter/Resource-id' },
          { name: '_lastUpdated', type: 'date', definition: 'http://hl7.org/fhir/SearchParameter/Resource-lastUpdated' },
        ],
      },
    ],
  };
}

function resourceCapability(type, settings) {
  const params = supportedSearchParameters(type)
    .filter((p) => p.code !== '_id' && p.code !== '_lastUpdated')
    .map((p) => ({ name: p.code, ...(p.url ? { definition: p.url } : undefined), type: p.type }));
  return {
    type,
    profile: `http://hl7.org/fhir/StructureDefinition/${type}`,
    interaction: ['read', 'vread', 'update', 'patch', 'delete', 'history-instance', 'create', 'search-type'].map((code) => ({ code })),
    // The repository honours If-Match on update (412 when the version differs): version-aware updates.
    versioning: settings.versionedUpdate === false ? 'versioned' : 'versioned-update',
    readHistory: true,
    updateCreate: settings.updateCreate,
    conditionalCreate: true,
    conditionalRead: 'not-supported',
    conditionalUpdate: true,
    conditionalDelete: 'single',
    referencePolicy: ['literal', 'local'],
    ...nonEmpty('searchInclude', params.filter((p) => p.type === 'reference').map((p) => `${type}:${p.name}`)),
    searchParam: [
      { name: '_id', type: 'token' },
      { name: '_lastUpdated', type: 'date' },
      ...params,
    ],
  };
}

// FHIR JSON forbids empty arrays: leave the element out instead.
function nonEmpty(name, values) {
  return values.length ? { [name]: values } : {};
}

module.exports = { capabilityStatement, routerVersion };
