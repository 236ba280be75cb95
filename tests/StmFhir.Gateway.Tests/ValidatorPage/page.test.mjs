// The validator page's script, without a browser: what it sends and how it reads an OperationOutcome.
// Run: node --test tests/StmFhir.Gateway.Tests/ValidatorPage/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contentTypeOf, validateUrl, issueRows, summaryOf, profileChoices } from '../../../src/StmFhir.Gateway/ValidatorPage/page.mjs';

const issueSystem = 'http://stmfhir.org/fhir/CodeSystem/stm-validation-issue';
const issue = (severity, code, expression, message) => ({
  severity, code: 'invalid', details: { coding: [{ system: issueSystem, code, display: message }], text: message },
  diagnostics: message, expression: [expression],
});

test('XML is recognised by its first character, after white space and a byte order mark', () => {
  assert.equal(contentTypeOf('\uFEFF  <Patient xmlns="http://hl7.org/fhir"/>'), 'application/fhir+xml');
  assert.equal(contentTypeOf('{"resourceType":"Patient"}'), 'application/fhir+json');
  assert.equal(contentTypeOf(''), 'application/fhir+json');
});

test('the profile is sent escaped as a query parameter, and left out when none is chosen', () => {
  assert.equal(validateUrl(''), '/fhir/$validate');
  assert.equal(validateUrl('http://stmfhir.org/fhir/StructureDefinition/stm-procedure'),
    '/fhir/$validate?profile=http%3A%2F%2Fstmfhir.org%2Ffhir%2FStructureDefinition%2Fstm-procedure');
});

test('issues are listed errors first, with their stable code, expression and message', () => {
  const rows = issueRows({ resourceType: 'OperationOutcome', issue: [
    issue('warning', 'STM-CLIN-008', 'Bundle.entry[2].resource.complication[0]', 'Petechiae reported'),
    issue('error', 'FIRELY-1028', 'Bundle.entry[1].resource.status', 'Code not in value set'),
  ] });
  assert.deepEqual(rows.map(r => [r.severity, r.code, r.expression]), [
    ['error', 'FIRELY-1028', 'Bundle.entry[1].resource.status'],
    ['warning', 'STM-CLIN-008', 'Bundle.entry[2].resource.complication[0]'],
  ]);
  assert.equal(rows[0].message, 'Code not in value set');
});

test('the "no issues" note of a clean verdict is not listed, and the verdict says valid', () => {
  const rows = issueRows({ resourceType: 'OperationOutcome', issue: [{ severity: 'information', code: 'informational', diagnostics: 'No issues found.' }] });
  assert.deepEqual(rows, []);
  assert.deepEqual(summaryOf(rows, 200), { ok: true, text: 'Valid: 0 errors, 0 warnings' });
});

test('warnings alone keep a resource valid; one error does not', () => {
  assert.equal(summaryOf([{ severity: 'warning' }], 200).ok, true);
  assert.deepEqual(summaryOf([{ severity: 'error' }, { severity: 'warning' }, { severity: 'warning' }], 200),
    { ok: false, text: 'Not valid: 1 error, 2 warnings' });
});

test('an answer other than 200 (no key, too large, unreadable) is never shown as valid', () => {
  const rows = issueRows({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'login', diagnostics: 'A credential is required' }] });
  assert.deepEqual(summaryOf(rows, 401), { ok: false, text: 'Not validated (HTTP 401): 1 error, 0 warnings' });
  assert.equal(summaryOf([], 413).ok, false);
  assert.deepEqual(issueRows(null), []);
});

test('profiles are offered before extensions, by title', () => {
  const sd = (url, title, type) => ({ resource: { resourceType: 'StructureDefinition', url, title, type } });
  const choices = profileChoices({ entry: [
    sd('http://x/ext', 'Pressure', 'Extension'), sd('http://x/proc', 'STM session', 'Procedure'), sd('http://x/obs', 'Pain score', 'Observation'),
  ] });
  assert.deepEqual(choices.map(c => c.url), ['http://x/obs', 'http://x/proc', 'http://x/ext']);
  assert.equal(choices[1].label, 'STM session (Procedure)');
});
