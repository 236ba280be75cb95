// The validator page: sends what the user pasted or picked to POST /fhir/$validate and shows the OperationOutcome.
// The pure functions are exported so tests can check them without a browser; the page wiring runs only in one.
// Everything from the server or the file is shown with textContent, never as HTML.

const severityOrder = { fatal: 0, error: 1, warning: 2, information: 3 };

/** The media type to send: XML if the text starts with '<' (after white space and a byte order mark), else FHIR JSON. */
export function contentTypeOf(text) {
  return /^[\s\uFEFF]*</.test(text) ? 'application/fhir+xml' : 'application/fhir+json';
}

/** The $validate URL, with the chosen profile as a query parameter. */
export function validateUrl(profile) {
  return profile ? `/fhir/$validate?profile=${encodeURIComponent(profile)}` : '/fhir/$validate';
}

/** One row per issue of an OperationOutcome, most severe first; the "all OK" note of a clean verdict is dropped. */
export function issueRows(outcome) {
  const issues = Array.isArray(outcome?.issue) ? outcome.issue : [];
  return issues
    .filter(issue => !(issue.severity === 'information' && issue.code === 'informational' && !issue.details?.coding))
    .map(issue => ({
      severity: issue.severity ?? 'error',
      code: issue.details?.coding?.[0]?.code ?? issue.code ?? '',
      expression: (issue.expression ?? issue.location ?? []).join(', '),
      message: issue.diagnostics ?? issue.details?.text ?? '',
    }))
    .sort((a, b) => (severityOrder[a.severity] ?? 9) - (severityOrder[b.severity] ?? 9));
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

function show(rows, status) {
  const summary = summaryOf(rows, status);
  const line = document.getElementById('summary');
  line.textContent = summary.text;
  line.className = summary.ok ? 'ok' : 'failed';
  const table = document.getElementById('issues');
  const body = table.tBodies[0];
  body.replaceChildren(...rows.map(row => {
    const tr = document.createElement('tr');
    tr.className = row.severity;
    for (const [name, value] of [['severity', row.severity], ['code', row.code], ['expression', row.expression], ['message', row.message]]) {
      const td = document.createElement('td');
      td.className = name;
      td.textContent = value;
      tr.append(td);
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
    const response = await fetch(validateUrl(document.getElementById('profile').value), {
      method: 'POST',
      headers: { 'Content-Type': contentTypeOf(text), Accept: 'application/fhir+json', ...(key ? { 'X-Api-Key': key } : {}) },
      body: text,
    });
    const outcome = (response.headers.get('Content-Type') ?? '').includes('json') ? await response.json() : null;
    show(issueRows(outcome), response.status);
  } catch (error) {
    show([{ severity: 'error', code: '', expression: '', message: `The gateway did not answer: ${error.message}` }], 0);
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
