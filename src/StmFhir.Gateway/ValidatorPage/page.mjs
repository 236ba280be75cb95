// The validator page: sends what the user pasted or picked to POST /fhir/$validate and shows the OperationOutcome.
// The pure functions are exported so tests can check them without a browser; the page wiring runs only in one.
// Everything from the server or the file is shown with textContent, never as HTML.

import { isStmSession, jsonPaths, offsetOf, lineOf, lineRange, nameEntries, shortMessage, distinct } from './locate.mjs';

const severityOrder = { fatal: 0, error: 1, warning: 2, information: 3 };

/** The media type to send: XML if the text starts with '<' (after white space and a byte order mark), else FHIR JSON. */
export function contentTypeOf(text) {
  return /^[\s\uFEFF]*</.test(text) ? 'application/fhir+xml' : 'application/fhir+json';
}

/** The $validate URL, with the chosen profile as a query parameter. */
export function validateUrl(profile) {
  return profile ? `/fhir/$validate?profile=${encodeURIComponent(profile)}` : '/fhir/$validate';
}

/**
 * One row per distinct issue of an OperationOutcome, most severe first; the "all OK" note of a clean verdict is dropped.
 * location is the STM field path a session's issue carries.
 */
export function issueRows(outcome) {
  const issues = Array.isArray(outcome?.issue) ? outcome.issue : [];
  return distinct(issues
    .filter(issue => !(issue.severity === 'information' && issue.code === 'informational' && !issue.details?.coding))
    .map(issue => ({
      severity: issue.severity ?? 'error',
      code: issue.details?.coding?.[0]?.code ?? issue.code ?? '',
      expression: (issue.expression ?? issue.location ?? []).join(', '),
      location: (issue.location ?? []).join(', '),
      message: issue.diagnostics ?? issue.details?.text ?? '',
    })))
    .sort((a, b) => (severityOrder[a.severity] ?? 9) - (severityOrder[b.severity] ?? 9));
}

/**
 * What the page shows of each row: where (an STM field path, or the FHIRPath with its Bundle entry named by type and
 * id), the line of the pasted JSON it points at (null if none), and the message cut short (the full one kept).
 */
export function displayRows(rows, text, session) {
  let parsed = null;
  try { parsed = JSON.parse(text); } catch { /* XML or broken JSON: no names, no lines */ }
  const paths = parsed ? jsonPaths(text) : new Map();
  return distinct(rows.map(row => {
    const stm = session && row.location.startsWith('$') ? row.location : null;
    const offset = offsetOf(paths, row.expression, stm);
    return {
      ...row,
      where: stm ?? nameEntries(row.expression, parsed),
      line: offset === undefined ? null : lineOf(text, offset),
      short: shortMessage(row.message),
    };
  }));
}

/** Where to send the text: an STM session record is mapped and validated by the sessions endpoint, storing nothing. */
export function targetOf(text, profile) {
  return isStmSession(text)
    ? { url: '/stm/sessions/$validate', contentType: 'application/json', session: true }
    : { url: validateUrl(profile), contentType: contentTypeOf(text), session: false };
}

/** A one-line verdict: valid or not, and the count of each severity. */
export function summaryOf(rows, status) {
  const count = severity => rows.filter(row => row.severity === severity).length;
  const errors = count('fatal') + count('error');
  const warnings = count('warning');
  const parts = [`${errors} error${errors === 1 ? '' : 's'}`, `${warnings} warning${warnings === 1 ? '' : 's'}`];
  if (status !== 200) {
    return { ok: false, text: `Not validated (HTTP ${status}): ${parts.join(', ')}` };
  }
  return { ok: errors === 0, text: `${errors === 0 ? 'Valid' : 'Not valid'}: ${parts.join(', ')}` };
}

/** The canonical URL and title of each StructureDefinition of a search-set Bundle, profiles (not extensions) first. */
export function profileChoices(bundle) {
  return (bundle?.entry ?? [])
    .map(entry => entry.resource)
    .filter(sd => sd?.resourceType === 'StructureDefinition' && sd.url)
    .sort((a, b) => (a.type === 'Extension') - (b.type === 'Extension') || (a.title ?? a.name).localeCompare(b.title ?? b.name))
    .map(sd => ({ url: sd.url, label: `${sd.title ?? sd.name} (${sd.type})` }));
}

async function loadProfiles(select) {
  const response = await fetch('/fhir/StructureDefinition', { headers: { Accept: 'application/fhir+json' } });
  if (!response.ok) return;
  for (const choice of profileChoices(await response.json())) {
    const option = document.createElement('option');
    option.value = choice.url;
    option.textContent = choice.label;
    select.append(option);
  }
}

function selectLine(line) {
  const textarea = document.getElementById('resource');
  const [start, end] = lineRange(textarea.value, line);
  textarea.focus();
  textarea.setSelectionRange(start, end);
  const height = parseFloat(getComputedStyle(textarea).lineHeight) || 16;
  textarea.scrollTop = Math.max(0, (line - 4) * height);
}

function show(rows, status, text, session) {
  const summary = summaryOf(rows, status);
  const line = document.getElementById('summary');
  line.textContent = session && status === 200 ? `STM session record, mapped to FHIR: ${summary.text}` : summary.text;
  line.className = summary.ok ? 'ok' : 'failed';
  const table = document.getElementById('issues');
  const body = table.tBodies[0];
  body.replaceChildren(...displayRows(rows, text, session).map(row => {
    const tr = document.createElement('tr');
    tr.className = row.severity;
    const cells = [['severity', row.severity], ['code', row.code], ['expression', row.where, row.expression],
      ['line', row.line === null ? '' : String(row.line)], ['message', row.short, row.message]];
    for (const [name, value, title] of cells) {
      const td = document.createElement('td');
      td.className = name;
      td.textContent = value;
      if (title && title !== value) td.title = title;
      tr.append(td);
    }
    if (row.line !== null) {
      tr.dataset.line = String(row.line);
      tr.tabIndex = 0;
      tr.classList.add('located');
      tr.addEventListener('click', () => selectLine(row.line));
      tr.addEventListener('keydown', event => { if (event.key === 'Enter') selectLine(row.line); });
    }
    return tr;
  }));
  table.hidden = rows.length === 0;
}

async function validate(event) {
  event.preventDefault();
  const text = document.getElementById('resource').value;
  const key = document.getElementById('key').value.trim();
  sessionStorage.setItem('stmfhir-api-key', key);
  const button = document.getElementById('validate');
  button.disabled = true;
  document.getElementById('summary').textContent = 'Validating…';
  try {
    const target = targetOf(text, document.getElementById('profile').value);
    const response = await fetch(target.url, {
      method: 'POST',
      headers: { 'Content-Type': target.contentType, Accept: 'application/fhir+json', ...(key ? { 'X-Api-Key': key } : {}) },
      body: text,
    });
    const outcome = (response.headers.get('Content-Type') ?? '').includes('json') ? await response.json() : null;
    show(issueRows(outcome), response.status, text, target.session);
  } catch (error) {
    show([{ severity: 'error', code: '', expression: '', location: '', message: `The gateway did not answer: ${error.message}` }], 0, '', false);
  } finally {
    button.disabled = false;
  }
}

async function readFile(event) {
  const file = event.target.files?.[0];
  if (file) document.getElementById('resource').value = await file.text();
}

if (typeof document !== 'undefined') {
  document.addEventListener('DOMContentLoaded', () => {
    document.getElementById('key').value = sessionStorage.getItem('stmfhir-api-key') ?? '';
    document.getElementById('form').addEventListener('submit', validate);
    document.getElementById('file').addEventListener('change', readFile);
    loadProfiles(document.getElementById('profile'));
  });
}
