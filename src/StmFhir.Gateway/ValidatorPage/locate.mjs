// Where an issue is, for people: Bundle entries named by type and id, the line of the pasted text an issue points
// at (JSON only), short messages, one row per distinct issue. Pure functions, tested with Node and in the browser.

/** True when the text is an STM session record: a JSON object with a sessionId or sourceSystem and no resourceType. */
export function isStmSession(text) {
  try {
    const value = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) && !('resourceType' in value)
      && ('sessionId' in value || 'sourceSystem' in value);
  } catch {
    return false;
  }
}

/**
 * The offset in the text of every JSON node, by path: 'entry[5].resource.code', 'painScores[1].score'. A member's
 * offset is that of its name, so its line is the line that names it. Stops quietly where the text stops being JSON.
 */
export function jsonPaths(text) {
  const offsets = new Map();
  let i = 0;
  const space = () => { while (i < text.length && ' \t\r\n'.includes(text[i])) i++; };
  const string = () => {
    const start = i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i));
  };
  const value = (path, at) => {
    space();
    if (path && !offsets.has(path)) offsets.set(path, at ?? i);
    const c = text[i];
    if (c === '{' || c === '[') {
      i++;
      space();
      if (text[i] === (c === '{' ? '}' : ']')) { i++; return; }
      for (let n = 0; i < text.length; n++) {
        space();
        if (c === '{') {
          const keyAt = i;
          const key = string();
          space();
          i++; // the colon
          value(path ? `${path}.${key}` : key, keyAt);
        } else {
          value(`${path}[${n}]`);
        }
        space();
        if (text[i++] !== ',') return;
      }
    } else if (c === '"') {
      string();
    } else {
      while (i < text.length && !',]} \t\r\n'.includes(text[i])) i++;
    }
  };
  try {
    value('');
  } catch {
    // Not JSON from here on: the paths read so far still locate what they can.
  }
  return offsets;
}

/**
 * The offset of the node an issue points at: its STM field path ($.painScores[1].score) or its FHIRPath
 * (Bundle.entry[5].resource.code.coding[0]); the nearest enclosing node found when the exact one is not.
 */
export function offsetOf(paths, expression, location) {
  const stm = (location ?? '').startsWith('$') ? location.replace(/^\$\.?/, '') : null;
  // A function call (where(...), resolve()) ends the path: the node before it is the one to show.
  const fhir = (expression ?? '').replace(/\.ofType\([^)]*\)/g, '').split('(')[0];
  const segments = (stm ?? fhir.split('.').slice(1).join('.')).split('.').filter(Boolean);
  let path = '';
  let found;
  for (const segment of segments) {
    const [, name, index] = /^([^[]*)(?:\[(\d+)\])?$/.exec(segment) ?? [];
    const base = path ? `${path}.${name}` : name;
    const candidates = index === undefined ? [base, `${base}[0]`] : [`${base}[${index}]`, base];
    const next = candidates.find(c => paths.has(c));
    if (next === undefined) break;
    path = next;
    found = paths.get(next);
  }
  return found;
}

/** The 1-based line of an offset. */
export function lineOf(text, offset) {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text[i] === '\n') line++;
  return line;
}

/** The start and end offsets of a 1-based line. */
export function lineRange(text, line) {
  let start = 0;
  for (let n = 1; n < line; n++) {
    const next = text.indexOf('\n', start);
    if (next < 0) break;
    start = next + 1;
  }
  const end = text.indexOf('\n', start);
  return [start, end < 0 ? text.length : end];
}

/** A FHIRPath with its Bundle entry named by type and id: Bundle.entry[5].resource.code -> Procedure/abc.code. */
export function nameEntries(expression, bundle) {
  return (expression ?? '').replace(/^Bundle\.entry\[(\d+)\]\.resource(?:\[0\])?(?:\.ofType\(\w+\))?/, (whole, index) => {
    const resource = bundle?.entry?.[Number(index)]?.resource;
    if (!resource?.resourceType) return whole;
    return resource.id ? `${resource.resourceType}/${resource.id}` : `${resource.resourceType} (entry ${index})`;
  });
}

/** A message short enough to read: long regular expressions cut to their start, then the whole at most max characters. */
export function shortMessage(message, max = 160) {
  let short = (message ?? '').replace(/((?:regex|pattern)\s*)'([^']{30,})'/gi, (m, lead, re) => `${lead}'${re.slice(0, 24)}…'`);
  if (short.length > max) short = `${short.slice(0, max - 1)}…`;
  return short;
}

/**
 * The rows without repeats: one per severity, code, location and message. The location is what the page shows when it
 * has been worked out (the same resource twice in a Bundle gives the same issue at two entry indexes: one issue).
 */
export function distinct(rows) {
  const seen = new Set();
  return rows.filter(row => {
    const key = [row.severity, row.code, row.where ?? (row.location || row.expression), row.message].join('\u0000');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
