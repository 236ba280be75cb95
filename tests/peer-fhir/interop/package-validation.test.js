'use strict';
// The StmFhir package as another system uses it: the StructureDefinitions `stmfhir package` writes (and nothing
// else: no snapshot made here) loaded into Medplum's validator, which trusts the published snapshots. Every sample
// session Bundle must pass, every invalid sample must fail where its .expected.json says (for the rules Medplum
// checks), and Medplum's ras-2 (R4's expression applied as written) must refuse exactly the predictions the engine
// warns about (STM-INTEROP-001) or rejects (STM-CORE-001).
// Run: node --test tests/peer-fhir/interop/   (builds src/StmFhir.Cli; needs the .NET SDK)

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { REPO, writePackage, validate } = require('./stmfhir-cli');
const { loadPackage, errorsOf, isRas2, related } = require('./medplum-validator');

const BUNDLES = path.join(REPO, 'samples', 'bundles');
const INVALID = path.join(REPO, 'samples', 'invalid');
const BINDINGS = 'a binding: Medplum 4.5.2 does not check codes against ValueSets';
const BUNDLE_RULES = 'a rule of the Bundle page beyond its invariants (full URLs, links, references within the Bundle): Medplum 4.5.2\'s validator checks each entry, not the Bundle as a whole';

// The invalid samples whose rule Medplum 4.5.2 does not check, and why. Medplum must report no error for them (if
// it starts to, the sample belongs with the others); every other sample is checked against its .expected.json.
const NOT_CHECKED_BY_MEDPLUM = {
  'clinical-no-screening.json': 'an STM clinical rule (StmFhir\'s own, not FHIR\'s)',
  'clinical-pain-increase.json': 'an STM clinical rule',
  'clinical-performed-although-contraindicated.json': 'an STM clinical rule',
  'clinical-petechiae.json': 'an STM clinical rule',
  'clinical-rom-implausible.json': 'an STM clinical rule',
  'clinical-rom-outside-normal-range.json': 'an STM clinical rule',
  'clinical-screening-after-start.json': 'an STM clinical rule',
  'clinical-screening-cleared-with-contraindication.json': 'an STM clinical rule',
  'clinical-screening-contraindicated-without-contraindication.json': 'an STM clinical rule',
  'clinical-measurement-post-before-session.json': 'an STM clinical rule',
  'clinical-measurement-follow-up-during-session.json': 'an STM clinical rule',
  'clinical-bleeding-risk-instrument.json': 'an STM clinical rule',
  'clinical-measured-site-not-treated.json': 'an STM clinical rule',
  'core-invariant-period-end-before-start.json': 'per-1 belongs to the Period datatype: Medplum 4.5.2 evaluates the invariants of the resource and of each element, not those of an element\'s datatype',
  'core-required-binding-status.json': BINDINGS,
  'terminology-body-site-not-in-valueset.json': BINDINGS,
  'terminology-pressure-not-in-valueset.json': BINDINGS,
  'terminology-rom-loinc-not-in-valueset.json': BINDINGS,
  'profile-pain-score-without-timing.json': 'a required extension slice of a resource with no extension at all: Medplum 4.5.2 counts slices only of an element that is there (with other extensions present it does: "a Procedure without its pressure")',
  'profile-screening-without-result.json': 'as profile-pain-score-without-timing.json: no extension at all',
  'bundle-document-reference-not-in-bundle.json': BUNDLE_RULES,
  'bundle-fullurl-disagrees-with-resource.json': BUNDLE_RULES,
  'bundle-fullurl-not-absolute.json': BUNDLE_RULES,
  'bundle-link-relation-repeated.json': BUNDLE_RULES,
  'bundle-reference-not-in-transaction.json': BUNDLE_RULES,
  'bundle-transaction-same-resource-twice.json': BUNDLE_RULES,
  'input-xml-with-dtd.xml': 'XML: Medplum reads FHIR JSON only',
  'xml-patient-gender-not-in-valueset.xml': 'XML: Medplum reads FHIR JSON only',
};

// Predictions with every kind of probability; Medplum's ras-2 refuses those with none, a decimal above 100, or a
// decimal without a value, and accepts the rest, the literal-ras-2 form (the last) included.
const PREDICTIONS = [
  { qualitativeRisk: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/risk-probability', code: 'low' }] } },
  { outcome: { text: 'bruising' } },
  { outcome: { text: 'bruising' }, probabilityDecimal: 0 },
  { outcome: { text: 'bruising' }, probabilityDecimal: 37.5 },
  { outcome: { text: 'bruising' }, probabilityDecimal: 100 },
  { outcome: { text: 'bruising' }, probabilityDecimal: 150 },
  { outcome: { text: 'bruising' }, probabilityRange: { low: { value: 5, unit: '%', system: 'http://unitsofmeasure.org', code: '%' } } },
  { outcome: { text: 'bruising' }, _probabilityDecimal: { extension: [{ url: 'http://example.org/why', valueString: 'not known' }] } },
  // The literal-ras-2 form StmFhir sends strict targets: a Range holding only a data-absent reason, no number.
  {
    outcome: { text: 'bruising' },
    probabilityRange: { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'unsupported' }] },
    qualitativeRisk: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/risk-probability', code: 'low' }] },
  },
];

const jsonFiles = (dir) => fs.readdirSync(dir).filter((f) => f.endsWith('.json') && !f.endsWith('.expected.json')).sort();
const readJson = (file) => JSON.parse(fs.readFileSync(file, 'utf8'));

/** Where the engine says a strict R4 server refuses a prediction: its STM-INTEROP-001 warnings and STM-CORE-001 errors. */
function engineRas2(report) {
  return new Set(report
    .filter((i) => i.code === 'STM-INTEROP-001' || i.code === 'STM-CORE-001')
    .map((i) => i.expression.replace(/\.probabilityDecimal$/, '')));
}

const medplumRas2 = (errors) => new Set(errors.filter(isRas2).map((e) => e.expression));

describe('the StmFhir package in Medplum 4.5.2\'s validator', () => {
  let work;
  let profiles;
  let engine;
  let edgeCases;

  before(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'stmfhir-interop-'));
    profiles = loadPackage(writePackage(path.join(work, 'stmfhir.tgz')));
    const bundle = readJson(path.join(INVALID, 'interop-prediction-without-probability.json'));
    bundle.entry[6].resource.prediction = PREDICTIONS;
    edgeCases = path.join(work, 'ras2-edge-cases.json');
    fs.writeFileSync(edgeCases, JSON.stringify(bundle));
    engine = validate([BUNDLES, INVALID, edgeCases]);
  });

  after(() => fs.rmSync(work, { recursive: true, force: true }));

  it('loads every StmFhir StructureDefinition of the package, each with a snapshot', () => {
    const files = fs.readdirSync(path.join(REPO, 'profiles')).filter((f) => f.startsWith('StructureDefinition-'));
    assert.equal(profiles.size, files.length);
    for (const sd of profiles.values()) {
      assert.ok(sd.snapshot?.element?.length > sd.differential.element.length, `${sd.url} has no snapshot`);
    }
  });

  for (const name of jsonFiles(BUNDLES)) {
    it(`accepts samples/bundles/${name} but for ras-2, which refuses exactly the predictions the engine warns about`, () => {
      const file = path.join(BUNDLES, name);
      const errors = errorsOf(readJson(file), profiles);
      assert.deepEqual(errors.filter((e) => !isRas2(e)), []);
      assert.deepEqual(medplumRas2(errors), engineRas2(engine.get(file)));
    });
  }

  it('refuses a Procedure without its pressure (its slices are matched, not ignored)', () => {
    const bundle = readJson(path.join(BUNDLES, '03-achilles-tendinitis-manual.json'));
    const procedure = bundle.entry.map((e) => e.resource).find((r) => r.resourceType === 'Procedure');
    procedure.extension = procedure.extension.filter((e) => !e.url.endsWith('/stm-pressure'));
    const errors = errorsOf(bundle, profiles);
    assert.equal(errors.length, 1, JSON.stringify(errors));
    assert.match(errors[0].text, /slice 'pressure': expected 1\.\.1, but found 0/);
  });

  it('refuses by ras-2 a prediction with no probability, a decimal above 100 or without a value, as the engine says, and accepts the literal-ras-2 form', () => {
    const errors = errorsOf(readJson(edgeCases), profiles);
    const at = (i) => `Bundle.entry[6].resource.prediction[${i}]`;
    assert.deepEqual(medplumRas2(errors), new Set([at(0), at(1), at(5), at(7)]));
    assert.deepEqual(engineRas2(engine.get(edgeCases)), medplumRas2(errors));
  });

  for (const name of fs.readdirSync(INVALID).filter((f) => !f.endsWith('.expected.json') && !f.endsWith('.md')).sort()) {
    const reason = NOT_CHECKED_BY_MEDPLUM[name];
    it(`${reason ? 'finds nothing wrong with' : 'refuses'} samples/invalid/${name}${reason ? ` (${reason})` : ' where its .expected.json says'}`, () => {
      const file = path.join(INVALID, name);
      const expected = readJson(file.replace(/\.(json|xml)$/, '.expected.json')).issues;
      if (name.endsWith('.xml')) {
        assert.ok(reason);
        return;
      }
      const text = fs.readFileSync(file, 'utf8');
      if (expected.some((i) => i.code === 'STM-INPUT-001')) {
        // Unreadable JSON: no FHIR server gets as far as validating it.
        assert.throws(() => JSON.parse(text), SyntaxError);
        return;
      }
      const errors = errorsOf(JSON.parse(text), profiles);
      assert.deepEqual(medplumRas2(errors), engineRas2(engine.get(file)));
      if (reason) {
        assert.deepEqual(errors, []);
        return;
      }
      // What a strict server refuses: the engine's errors, and its warning that such a server refuses (STM-INTEROP-001).
      // A claimed profile that the package lacks (FIRELY-4000, STM-PROF-001) is found missing in the package.
      const refused = expected.filter((i) => i.severity === 'error' || i.severity === 'fatal' || i.code === 'STM-INTEROP-001');
      assert.ok(refused.length > 0);
      for (const issue of refused) {
        assert.ok(errors.some((e) => related(e.expression, issue.expression)), `no Medplum error at ${issue.expression} (${issue.code}): ${JSON.stringify(errors)}`);
      }
      for (const error of errors) {
        assert.ok(refused.some((i) => related(error.expression, i.expression)), `Medplum error at ${error.expression} not expected: ${error.text}`);
      }
    });
  }
});
