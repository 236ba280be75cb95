// The validator page's locating helpers, without a browser. Run: node --test tests/StmFhir.Gateway.Tests/ValidatorPage/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isStmSession, jsonPaths, offsetOf, lineOf, lineRange, nameEntries, shortMessage, distinct } from '../../../src/StmFhir.Gateway/ValidatorPage/locate.mjs';

const bundle = `{
  "resourceType": "Bundle",
  "entry": [
    { "resource": { "resourceType": "Patient", "id": "p1" } },
    {
      "resource": {
        "resourceType": "Procedure",
        "id": "abc",
        "status": "bogus",
        "code": { "coding": [ { "code": "97140" } ] }
      }
    }
  ]
}`;

test('an STM session record is told apart from FHIR and from text that is not JSON', () => {
  assert.equal(isStmSession('{"sourceSystem": "x", "sessionId": "1"}'), true);
  assert.equal(isStmSession('{"resourceType": "Bundle", "sessionId": "1"}'), false);
  assert.equal(isStmSession('<Bundle/>'), false);
  assert.equal(isStmSession('[1]'), false);
});

test('an issue\'s FHIRPath finds the line naming the element, indexed or not, through ofType and functions', () => {
  const paths = jsonPaths(bundle);
  const line = expression => lineOf(bundle, offsetOf(paths, expression));
  assert.equal(line('Bundle.entry[1].resource.status'), 9);
  assert.equal(line('Bundle.entry[1].resource.ofType(Procedure).code.coding[0].code'), 10);
  assert.equal(line('Bundle.entry[1].resource.code.coding.code'), 10);
  assert.equal(line('Bundle.entry[1].resource.extension.where(url = \'x\')'), 6);
  assert.equal(line('Bundle.entry[0]'), 4);
});

test('an STM field path finds its line in a session record', () => {
  const session = '{\n  "sessionId": "s",\n  "painScores": [\n    { "score": 4 },\n    {\n      "score": 12\n    }\n  ]\n}';
  assert.equal(lineOf(session, offsetOf(jsonPaths(session), 'Bundle.entry[3].resource.valueInteger', '$.painScores[1].score')), 6);
});

test('broken JSON still locates what comes before the break', () => {
  const paths = jsonPaths('{\n "a": {\n  "b": 1,\n  "c": [tru');
  assert.equal(paths.has('a.b'), true);
});

test('a line\'s range covers exactly that line', () => {
  assert.deepEqual(lineRange('one\ntwo\nthree', 2), [4, 7]);
  assert.deepEqual(lineRange('one\ntwo', 5), [4, 7]);
});

test('Bundle entries are named by type and id, or by type and index when they have no id', () => {
  const parsed = JSON.parse(bundle);
  assert.equal(nameEntries('Bundle.entry[1].resource.status', parsed), 'Procedure/abc.status');
  assert.equal(nameEntries('Bundle.entry[0].resource', parsed), 'Patient/p1');
  assert.equal(nameEntries('Bundle.entry[1].resource.ofType(Procedure).code', parsed), 'Procedure/abc.code');
  assert.equal(nameEntries('Bundle.entry[0].resource', { entry: [{ resource: { resourceType: 'Patient' } }] }), 'Patient (entry 0)');
  assert.equal(nameEntries('Patient.name', null), 'Patient.name');
});

test('long regular expressions are cut, and every message is at most 160 characters', () => {
  const regex = '([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1]))?)?';
  const short = shortMessage(`Value '1984-13-45' does not match regex '${regex}'`);
  assert.equal(short, "Value '1984-13-45' does not match regex '([0-9]([0-9]([0-9][1-9]|…'");
  assert.equal(shortMessage('x'.repeat(400)).length, 160);
  assert.equal(shortMessage('Petechiae reported'), 'Petechiae reported');
});

test('the same issue is listed once', () => {
  const row = { severity: 'error', code: 'FIRELY-1', expression: 'Patient.id', location: '', message: 'bad' };
  assert.equal(distinct([row, { ...row }, { ...row, message: 'other' }]).length, 2);
});
