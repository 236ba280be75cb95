// The operator console: reads GET /exchange/status with the operator's API key (kept in sessionStorage for the tab only)
// every few seconds and shows the targets, the dead letters and the pulls; replays and purges through the gateway's
// POST /exchange/... actions when the key may act (GET /exchange/access). Everything from the server is shown with
// textContent, never as HTML. The pure functions are exported for tests.

/** The refresh period in milliseconds: ?every=N seconds (1-60), else 5 s. */
export function refreshPeriod(search) {
  const every = Number(new URLSearchParams(search).get('every'));
  return Number.isFinite(every) && every >= 1 && every <= 60 ? every * 1000 : 5000;
}

/** "45 s", "3 min 5 s", "2 h 10 min", "3 d 4 h" for a number of seconds. */
export function ageText(seconds) {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

/** The issues of an OperationOutcome as one line each: severity, code, diagnostics or text, location. */
export function outcomeLines(outcome) {
  return (outcome?.issue ?? []).map(issue => [
    `${issue.severity ?? '?'} ${issue.code ?? '?'}`,
    issue.diagnostics ?? issue.details?.text ?? '',
    (issue.expression ?? issue.location ?? []).join(', '),
  ].filter(Boolean).join(': '));
}

/** Whether a dead row matches the filter text (case-insensitive, over every field shown). */
export function matches(row, filter) {
  const text = filter.trim().toLowerCase();
  if (!text) return true;
  const fields = [String(row.outboxId), row.target, row.source, String(row.httpStatus ?? ''), row.message ?? '', ...outcomeLines(row.outcome)];
  return fields.some(f => (f ?? '').toLowerCase().includes(text));
}

/** A target's token status in a few words. */
export function tokenText(auth) {
  if (!auth || auth.kind === 'None') return 'no authentication';
  if (auth.lastError) return `${auth.lastError.code}: ${auth.lastError.transient ? 'waiting, tried again' : 'refused, rows dead-lettered'}`;
  if (auth.tokensFetched > 0) return auth.tokenExpiresAt ? `ok, expires ${time(auth.tokenExpiresAt)}` : 'ok';
  return auth.kind === 'Bearer' ? 'static token' : `${auth.kind}, no token yet`;
}

function time(iso) {
  return iso ? new Date(iso).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '';
}

function cell(text, className) {
  const td = document.createElement('td');
  td.textContent = text ?? '';
  if (className) td.className = className;
  return td;
}

function row(cells) {
  const tr = document.createElement('tr');
  tr.append(...cells);
  return tr;
}

function button(text, className, onClick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = text;
  b.className = className;
  b.addEventListener('click', onClick);
  return b;
}

const state = { key: '', canOperate: false, status: null, timer: 0, refreshes: 0 };

function headers(extra = {}) {
  return { Accept: 'application/json', ...(state.key ? { 'X-Api-Key': state.key } : {}), ...extra };
}

async function call(method, url) {
  const response = await fetch(url, { method, headers: headers() });
  const body = (response.headers.get('Content-Type') ?? '').includes('json') ? await response.json() : null;
  return { response, body };
}

function say(text, failed = false) {
  const summary = document.getElementById('summary');
  summary.className = failed ? 'failed' : 'ok';
  summary.textContent = text;
}

function refusal(response, body) {
  return `HTTP ${response.status}: ${body?.issue?.[0]?.diagnostics ?? response.statusText}`;
}

function targetRows(status) {
  const configured = new Set((status.circuits ?? []).map(c => c.target));
  const asOf = Date.parse(status.asOf);
  return (status.targets ?? []).map(t => {
    const auth = (status.authentication ?? []).find(a => a.target === t.target);
    const circuit = (status.circuits ?? []).find(c => c.target === t.target);
    const stateText = t.orphaned ? 'orphaned (removed from the configuration)' : configured.has(t.target) ? 'active' : 'not configured';
    const error = t.lastError;
    const actions = cell('');
    if (t.orphaned && state.canOperate && t.pending + t.inFlight + t.dead + t.conflict > 0) {
      actions.append(button('Purge open rows', 'purge', () => act('POST', `/exchange/targets/${encodeURIComponent(t.target)}/$purge`,
        r => `${r.moved} open row(s) of ${t.target} purged`)));
    }
    const tr = row([
      cell(t.target), cell(stateText, t.orphaned ? 'orphaned' : ''), cell(String(t.pending)), cell(String(t.inFlight)), cell(String(t.dead)),
      cell(String(t.conflict)), cell(String(t.delivered)),
      cell(t.oldestPendingAt ? ageText((asOf - Date.parse(t.oldestPendingAt)) / 1000) : ''),
      cell(circuit?.state ?? (configured.has(t.target) ? 'not used yet' : ''), circuit?.state ?? ''),
      cell(configured.has(t.target) ? tokenText(auth) : ''),
      cell(error ? `${error.httpStatus ? `HTTP ${error.httpStatus}: ` : ''}${error.message} (row ${error.outboxId}, ${error.state}, ${time(error.at)})` : ''),
      actions,
    ]);
    tr.dataset.target = t.target;
    return tr;
  });
}

function deadRows(status, filter) {
  return (status.dead ?? []).filter(d => matches(d, filter)).map(d => {
    const issues = document.createElement('ul');
    issues.className = 'issues';
    for (const line of outcomeLines(d.outcome)) {
      const li = document.createElement('li');
      li.textContent = line;
      issues.append(li);
    }
    const outcome = cell('');
    outcome.append(issues);
    const actions = cell('');
    if (state.canOperate) {
      actions.append(button('Replay', 'replay', () => act('POST', `/exchange/outbox/${d.outboxId}/$replay?target=${encodeURIComponent(d.target)}`,
        r => `Row ${d.outboxId} to ${d.target}: ${r.moved} delivery moved back to pending`)));
    }
    const tr = row([cell(String(d.outboxId)), cell(d.target), cell(d.source), cell(String(d.attempts)), cell(time(d.at)),
      cell(d.httpStatus ? String(d.httpStatus) : ''), cell(d.message), outcome, actions]);
    tr.dataset.outboxId = String(d.outboxId);
    tr.dataset.target = d.target;
    return tr;
  });
}

function pullRows(status) {
  return (status.pulls ?? []).map(p => {
    const c = p.lastCounts ?? {};
    const n = v => (p.lastCounts ? String(v ?? 0) : '');
    const tr = row([cell(p.target), cell(p.scheduled ? 'yes' : 'no'), cell(time(p.lastPullAt)), cell(n(c.fetched)), cell(n(c.created)),
      cell(n(c.updated)), cell(n(c.unchanged)), cell(n(c.skipped)), cell(n(c.failed)), cell(String(p.failureCount ?? 0)),
      cell(p.watermark ?? ''), cell(p.lastError ?? '')]);
    tr.dataset.target = p.target;
    return tr;
  });
}

function render() {
  const status = state.status;
  if (!status) return;
  const filter = document.getElementById('filter').value;
  document.querySelector('#targets tbody').replaceChildren(...targetRows(status));
  document.querySelector('#dead tbody').replaceChildren(...deadRows(status, filter));
  document.querySelector('#pulls tbody').replaceChildren(...pullRows(status));
  const dead = status.dead ?? [];
  document.getElementById('dead-count').textContent = `(${dead.length})`;
  document.getElementById('replay-all').hidden = !state.canOperate || dead.length === 0;
  document.getElementById('targets-section').hidden = false;
  document.getElementById('dead-section').hidden = false;
  document.getElementById('pulls-section').hidden = (status.pulls ?? []).length === 0;
}

async function refresh() {
  clearTimeout(state.timer);
  try {
    const { response, body } = await call('GET', '/exchange/status');
    if (!response.ok) {
      say(`Not shown (${refusal(response, body)})`, true);
      return;
    }
    state.status = body;
    render();
    state.refreshes += 1;
    document.body.dataset.refreshes = String(state.refreshes);
    document.getElementById('refreshed').textContent = `Refreshed ${time(body.asOf)}`;
  } catch (error) {
    say(`The gateway did not answer: ${error.message}`, true);
  } finally {
    state.timer = setTimeout(refresh, refreshPeriod(location.search));
  }
}

async function act(method, url, describe) {
  try {
    const { response, body } = await call(method, url);
    if (response.ok) say(describe(body));
    else say(`Not done (${refusal(response, body)})`, true);
  } catch (error) {
    say(`The gateway did not answer: ${error.message}`, true);
  }
  await refresh();
}

async function open() {
  try {
    const { response, body } = await call('GET', '/exchange/access');
    if (!response.ok) {
      say(`Not shown (${refusal(response, body)})`, true);
      return;
    }
    state.canOperate = body.canOperate === true;
    document.body.dataset.canOperate = String(state.canOperate);
    say(state.canOperate ? 'Connected; this key may replay and purge.' : 'Connected read-only; this key may not replay or purge.');
    await refresh();
  } catch (error) {
    say(`The gateway did not answer: ${error.message}`, true);
  }
}

if (typeof document !== 'undefined') {
  document.addEventListener('DOMContentLoaded', () => {
    const key = document.getElementById('key');
    key.value = sessionStorage.getItem('stmfhir-api-key') ?? '';
    document.getElementById('form').addEventListener('submit', event => {
      event.preventDefault();
      state.key = key.value.trim();
      sessionStorage.setItem('stmfhir-api-key', state.key);
      open();
    });
    document.getElementById('filter').addEventListener('input', render);
    document.getElementById('replay-all').addEventListener('click', () =>
      act('POST', '/exchange/outbox/$replay', r => `${r.moved} dead delivery row(s) moved back to pending`));
    if (key.value) {
      state.key = key.value;
      open();
    }
  });
}
