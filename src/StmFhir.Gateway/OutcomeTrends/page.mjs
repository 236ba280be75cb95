// The outcomes page: fetches GET /fhir/Patient/{id}/$stm-outcomes with the user's API key (kept in sessionStorage for
// the tab only) and charts pain and range of motion per session with uPlot, served from the gateway itself.
// Everything from the server is shown with textContent, never as HTML. The pure functions are exported for tests.
import uPlot from '/outcomes/uPlot.esm.js';

export const timings = ['pre', 'post', 'follow-up'];
const timingStyle = {
  pre: { label: 'Pre', stroke: '#1f5fa8', dash: [] },
  post: { label: 'Post', stroke: '#1b8a3a', dash: [6, 4] },
  'follow-up': { label: 'Follow-up', stroke: '#b35c00', dash: [2, 3] },
};

/** The patient id of a /patients/{id}/outcomes path, or null. */
export function patientIdFromPath(path) {
  const match = /^\/patients\/([^/]+)\/outcomes\/?$/.exec(path);
  return match ? decodeURIComponent(match[1]) : null;
}

function value(part) {
  if (!part) return undefined;
  for (const [name, v] of Object.entries(part)) {
    if (name.startsWith('value')) return name === 'valueQuantity' ? v.value : name === 'valueReference' ? v.reference : v;
  }
  return undefined;
}

function parts(parameter) {
  const result = {};
  for (const part of parameter.part ?? []) {
    if (part.part) (result[part.name] ??= []).push(part);
    else result[part.name] = value(part);
  }
  return result;
}

/** The $stm-outcomes Parameters as plain objects: sessions, series (with their points) and durability rows. */
export function readOutcomes(parameters) {
  const all = parameters?.parameter ?? [];
  const sessions = all.filter(p => p.name === 'session').map(parts);
  const series = all.filter(p => p.name === 'series').map(p => {
    const s = parts(p);
    return { ...s, points: (s.point ?? []).map(parts) };
  });
  const durability = all.filter(p => p.name === 'durability').map(parts);
  return { sessions, series, durability };
}

/** Series grouped by measure (pain first), each group with its series per timing. */
export function chartGroups(series) {
  const groups = new Map();
  for (const s of series) {
    if (!groups.has(s.measure)) groups.set(s.measure, { measure: s.measure, series: [] });
    groups.get(s.measure).series.push(s);
  }
  return [...groups.values()].sort((a, b) => (a.measure !== 'pain') - (b.measure !== 'pain'));
}

/** uPlot's aligned data: x = session numbers, one y array per timing with null where a session has no value. */
export function alignedData(group, sessions) {
  const xs = sessions.map(s => s.number);
  const ys = timings.map(t => {
    const s = group.series.find(x => x.timing === t);
    return xs.map(n => s?.points.find(p => p.session === n)?.value ?? null);
  });
  return [xs, ...ys];
}

/** How many values a chart plots. */
export function pointCount(group) {
  return group.series.reduce((sum, s) => sum + s.points.length, 0);
}

/** A readable title for a measure code, e.g. "Knee flexion, left, active". */
export function measureTitle(measure) {
  if (measure === 'pain') return 'Pain';
  const words = measure.split('-');
  const [mode, side] = [words.pop(), words.pop()];
  const text = words.join(' ');
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}, ${side}, ${mode}`;
}

function normalBand(range) {
  return u => {
    if (!range) return;
    const { ctx, bbox } = u;
    const top = u.valToPos(range.high, 'y', true);
    const bottom = u.valToPos(range.low, 'y', true);
    ctx.save();
    ctx.fillStyle = 'rgba(27, 138, 58, 0.12)';
    ctx.fillRect(bbox.left, Math.min(top, bottom), bbox.width, Math.abs(bottom - top));
    ctx.restore();
  };
}

function chart(target, group, sessions, yLabel, range) {
  const dates = new Map(sessions.map(s => [s.number, (s.start ?? '').slice(0, 10)]));
  const presentTimings = timings.filter(t => group.series.some(s => s.timing === t));
  const data = alignedData(group, sessions);
  const options = {
    width: Math.max(320, Math.min(900, target.clientWidth || 900)),
    height: 280,
    scales: { x: { time: false, range: (u, min, max) => [min - 0.5, max + 0.5] }, y: { range: (u, min, max) => [Math.min(0, min ?? 0, range?.low ?? 0), Math.max(max ?? 0, range?.high ?? 0, yLabel === 'NRS' ? 10 : 0) * 1.05] } },
    axes: [
      { label: 'Session', values: (u, ticks) => ticks.map(t => (Number.isInteger(t) && dates.has(t) ? `${t} (${dates.get(t)})` : '')) },
      { label: yLabel },
    ],
    series: [{ label: 'Session' }, ...timings.map(t => ({
      label: timingStyle[t].label, stroke: timingStyle[t].stroke, dash: timingStyle[t].dash, width: 2, spanGaps: true,
      show: presentTimings.includes(t), points: { show: true, size: 8 },
    }))],
    hooks: { drawClear: [normalBand(range)] },
  };
  target.dataset.points = String(pointCount(group));
  target.dataset.sessions = String(sessions.length);
  return new uPlot(options, data, target);
}

function cell(row, text, className) {
  const td = document.createElement('td');
  td.textContent = text ?? '';
  if (className) td.className = className;
  row.append(td);
}

function pointRows(body, group, sessions) {
  const dates = new Map(sessions.map(s => [s.number, (s.start ?? '').slice(0, 10)]));
  for (const s of group.series) {
    for (const p of s.points) {
      const tr = document.createElement('tr');
      cell(tr, String(p.session));
      cell(tr, dates.get(p.session));
      cell(tr, s.timing);
      cell(tr, String(p.value));
      cell(tr, p.change === undefined ? '' : (p.change > 0 ? `+${p.change}` : String(p.change)));
      cell(tr, p.assessment ?? 'first session', p.assessment);
      body.append(tr);
    }
  }
}

function romFigure(group, sessions) {
  const first = group.series[0];
  const figure = document.createElement('figure');
  figure.className = 'rom';
  figure.dataset.measure = group.measure;
  const caption = document.createElement('h3');
  caption.textContent = `${measureTitle(group.measure)} (normal ${first.normalLow ?? '?'}-${first.normalHigh ?? '?'} deg)`;
  const target = document.createElement('div');
  target.className = 'chart';
  target.setAttribute('role', 'img');
  target.setAttribute('aria-label', `${measureTitle(group.measure)} over sessions`);
  const table = document.createElement('table');
  table.className = 'points';
  table.createTHead().insertRow().append(...['Session', 'Date', 'Timing', 'Degrees', 'Change from first', 'Assessment'].map(h => {
    const th = document.createElement('th');
    th.textContent = h;
    return th;
  }));
  pointRows(table.createTBody(), group, sessions);
  const threshold = document.createElement('p');
  threshold.className = 'threshold';
  threshold.textContent = first.threshold ?? '';
  figure.append(caption, target, table, threshold);
  document.getElementById('rom-charts').append(figure);
  const range = first.normalHigh === undefined ? null : { low: first.normalLow ?? 0, high: first.normalHigh };
  chart(target, group, sessions, 'deg', range);
}

function durabilityRows(rows) {
  const body = document.querySelector('#durability tbody');
  body.replaceChildren();
  for (const row of rows) {
    const tr = document.createElement('tr');
    cell(tr, measureTitle(row.measure));
    cell(tr, String(row.session));
    for (const v of [row.pre, row.post, row.followUp]) cell(tr, String(v));
    cell(tr, row.postGain, row.postGain);
    cell(tr, row.held === undefined ? 'no gain to hold' : row.held ? 'yes' : 'no', row.held === undefined ? '' : row.held ? 'improved' : 'worsened');
    body.append(tr);
  }
  document.getElementById('durability').hidden = rows.length === 0;
}

function show(outcomes) {
  const groups = chartGroups(outcomes.series);
  const pain = groups.find(g => g.measure === 'pain');
  document.getElementById('pain').hidden = !pain;
  document.getElementById('pain-chart').replaceChildren();
  document.querySelector('#pain-table tbody').replaceChildren();
  if (pain) {
    chart(document.getElementById('pain-chart'), pain, outcomes.sessions, 'NRS', null);
    pointRows(document.querySelector('#pain-table tbody'), pain, outcomes.sessions);
    document.getElementById('pain-threshold').textContent = pain.series[0].threshold ?? '';
  }
  document.getElementById('rom-charts').replaceChildren();
  const rom = groups.filter(g => g.measure !== 'pain');
  rom.forEach(group => romFigure(group, outcomes.sessions));
  document.getElementById('rom').hidden = rom.length === 0;
  durabilityRows(outcomes.durability);
  const summary = document.getElementById('summary');
  summary.className = 'ok';
  summary.textContent = `${outcomes.sessions.length} session${outcomes.sessions.length === 1 ? '' : 's'}`;
}

async function load(patientId) {
  const key = sessionStorage.getItem('stmfhir-api-key') ?? '';
  const summary = document.getElementById('summary');
  summary.className = '';
  summary.textContent = 'Loading…';
  try {
    const response = await fetch(`/fhir/Patient/${encodeURIComponent(patientId)}/$stm-outcomes`, {
      headers: { Accept: 'application/fhir+json', ...(key ? { 'X-Api-Key': key } : {}) },
    });
    const body = (response.headers.get('Content-Type') ?? '').includes('json') ? await response.json() : null;
    if (!response.ok) {
      summary.className = 'failed';
      summary.textContent = `Not shown (HTTP ${response.status}): ${body?.issue?.[0]?.diagnostics ?? response.statusText}`;
      return;
    }
    show(readOutcomes(body));
    document.body.dataset.loaded = 'true';
  } catch (error) {
    summary.className = 'failed';
    summary.textContent = `The gateway did not answer: ${error.message}`;
  }
}

if (typeof document !== 'undefined') {
  document.addEventListener('DOMContentLoaded', () => {
    const patientId = patientIdFromPath(location.pathname);
    document.getElementById('patient').textContent = patientId ?? '(no patient in the address)';
    const key = document.getElementById('key');
    key.value = sessionStorage.getItem('stmfhir-api-key') ?? '';
    document.getElementById('form').addEventListener('submit', event => {
      event.preventDefault();
      sessionStorage.setItem('stmfhir-api-key', key.value.trim());
      if (patientId) load(patientId);
    });
    if (patientId && key.value) load(patientId);
  });
}
