'use strict';
// FHIR search over the in-memory store, replacing MemoryRepository.search. What it adds, and why:
// - unknown search parameters, chains, unsupported parameter types and modifiers fail with 400 (MemoryRepository
//   matches nothing, which silently turns a mistyped conditional create into a duplicate);
// - `_id` and `identifier` narrow candidates through lookups instead of a scan;
// - `_lastUpdated` compares instants (as real Medplum does in SQL), string and uri follow FHIR (starts-with / exact);
// - Medplum's paging: default _count 20, max 1000, `next`/`previous`/`first` links with _offset, and cursor links
//   (`_cursor`) when sorted by `_lastUpdated` ascending, so a pull does not skip rows that are updated meanwhile;
// - `_total`, `_include`, `_revinclude` (not `:iterate`).

const core = require('@medplum/core');

const { Operator, OperationOutcomeError, badRequest } = core;

const PAGE_DEFAULT = core.DEFAULT_SEARCH_COUNT; // 20, as real Medplum
const PAGE_MAX = core.DEFAULT_MAX_SEARCH_COUNT; // 1000, as real Medplum

const NEGATING = new Set([Operator.NOT_EQUALS, Operator.NOT]);
const PRESENCE = new Set([Operator.MISSING, Operator.PRESENT]);
const SUPPORTED_OPERATORS = {
  token: new Set([Operator.EQUALS, Operator.NOT_EQUALS, Operator.NOT]),
  reference: new Set([Operator.EQUALS, Operator.NOT_EQUALS, Operator.NOT]),
  string: new Set([Operator.EQUALS, Operator.CONTAINS, Operator.EXACT]),
  uri: new Set([Operator.EQUALS]),
  date: new Set([
    Operator.EQUALS, Operator.NOT_EQUALS, Operator.GREATER_THAN, Operator.LESS_THAN, Operator.GREATER_THAN_OR_EQUALS,
    Operator.LESS_THAN_OR_EQUALS, Operator.STARTS_AFTER, Operator.ENDS_BEFORE, Operator.APPROXIMATELY,
  ]),
};
const UNSUPPORTED_SUMMARY = new Set(['true', 'text', 'data']);

const parsedExpressions = new Map();
const referenceCache = new WeakMap(); // stored resource object (never mutated) -> Map<expression, string[]>

function fail(text) {
  return new OperationOutcomeError(badRequest(text));
}

/** The search parameters of `type` this server can evaluate (for the CapabilityStatement). */
function supportedSearchParameters(type) {
  const params = core.globalSchema.types[type]?.searchParams ?? {};
  return Object.values(params).filter((p) => p.expression && SUPPORTED_OPERATORS[p.type]);
}

/**
 * Runs a search request against `store` (resource type -> id -> resource).
 * @returns A searchset Bundle; `links` is false for internal searches (conditional create) that need none.
 */
function runSearch(store, request, baseUrl) {
  const type = request.resourceType;
  if (request.types) {
    throw fail('System-level search (_type) is not supported by this test peer');
  }
  core.validateResourceType(type);
  if (request.summary && UNSUPPORTED_SUMMARY.has(request.summary)) {
    throw fail(`_summary=${request.summary} is not supported by this test peer`);
  }
  if (request.fields) {
    throw fail('_elements is not supported by this test peer');
  }
  const count = pageSize(request.count);
  const offset = request.offset ?? 0;
  if (!Number.isInteger(offset) || offset < 0) {
    throw fail('Invalid _offset');
  }
  const predicates = (request.filters ?? []).map((f) => compileFilter(type, f));
  const comparator = compileSort(type, request.sortRules);
  const includes = compileIncludes(type, request.include, false);
  const revIncludes = compileIncludes(type, request.revInclude, true);

  const byId = store.get(type) ?? new Map();
  let matches = candidates(type, byId, request.filters ?? [], store.identifiers)
    .filter((r) => predicates.every((p) => p(r)));
  if (comparator) {
    matches.sort(comparator);
  }
  const total = request.total === 'accurate' || request.total === 'estimate' ? matches.length : undefined;

  if (request.cursor) {
    if (offset > 0) {
      throw fail('Cannot use both offset and cursor');
    }
    const cursor = parseCursor(request.cursor);
    const excluded = new Set(cursor.excludedIds);
    matches = matches
      .filter((r) => instant(r.meta.lastUpdated) >= cursor.nextInstant && !excluded.has(r.id))
      .sort(byLastUpdated);
  }

  const page = matches.slice(offset, offset + count);
  const next = matches[offset + count];
  const entry = page.map((r) => ({ fullUrl: `${baseUrl}/${type}/${r.id}`, search: { mode: 'match' }, resource: core.deepClone(r) }));
  const seen = new Set(page.map((r) => `${type}/${r.id}`));
  for (const include of includes) {
    addIncluded(entry, seen, include.resolve(store, page), baseUrl);
  }
  for (const revInclude of revIncludes) {
    addIncluded(entry, seen, revInclude.resolve(store, page), baseUrl);
  }
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    ...(total === undefined ? undefined : { total }),
    link: links({ ...request, count, offset }, page, next, baseUrl),
    ...(entry.length ? { entry } : undefined),
  };
}

function pageSize(count) {
  if (count === undefined) {
    return PAGE_DEFAULT;
  }
  if (!Number.isInteger(count) || count < 0) {
    throw fail('Invalid _count');
  }
  return Math.min(count, PAGE_MAX);
}

function candidates(type, byId, filters, identifiers) {
  for (const filter of filters) {
    if (filter.code === '_id' && filter.operator === Operator.EQUALS) {
      return core.splitSearchOnComma(filter.value).map((id) => byId.get(id)).filter(Boolean);
    }
  }
  const identifierParam = core.getSearchParameter(type, 'identifier');
  if (identifierParam?.expression === `${type}.identifier`) {
    for (const filter of filters) {
      if (filter.code === 'identifier' && filter.operator === Operator.EQUALS) {
        const ids = new Set(core.splitSearchOnComma(filter.value).flatMap((v) => identifiers.candidates(type, v)));
        return [...ids].map((id) => byId.get(id)).filter(Boolean);
      }
    }
  }
  return [...byId.values()];
}

function compileFilter(type, filter) {
  const { code, operator, value } = filter;
  if (typeof value !== 'string' || value.includes('\0')) {
    throw fail('Search filter value must be a string without null bytes');
  }
  if (code.startsWith('_has') || code.includes('.')) {
    throw fail(`Chained search is not supported by this test peer: ${code}`);
  }
  if (code === '_id') {
    return idPredicate(operator, value);
  }
  if (code === '_lastUpdated') {
    return lastUpdatedPredicate(operator, value);
  }
  const param = core.getSearchParameter(type, code);
  if (!param) {
    throw fail(`Unknown search parameter: ${code}`);
  }
  if (!SUPPORTED_OPERATORS[param.type] || !param.expression) {
    throw fail(`Search parameter type ${param.type} is not supported by this test peer: ${code}`);
  }
  if (!PRESENCE.has(operator) && !SUPPORTED_OPERATORS[param.type].has(operator)) {
    throw fail(`Search modifier or prefix "${operator}" is not supported by this test peer for ${param.type} parameter ${code}`);
  }
  if (!PRESENCE.has(operator) && (param.type === 'string' || param.type === 'uri')) {
    return textPredicate(type, param, operator, value);
  }
  const single = { resourceType: type, filters: [filter] };
  return (resource) => core.matchesSearchRequest(resource, single);
}

function idPredicate(operator, value) {
  if (!SUPPORTED_OPERATORS.token.has(operator)) {
    throw fail(`Search modifier "${operator}" is not supported by this test peer for _id`);
  }
  const ids = new Set(core.splitSearchOnComma(value));
  const negated = NEGATING.has(operator);
  return (resource) => ids.has(resource.id) !== negated;
}

// Real Medplum compares `_lastUpdated` as timestamps in SQL: gt/ge/lt/le/sa/eb against the instant given
// (a date alone is midnight UTC; a time without offset is UTC). eq/ne/ap match the value's precision range.
function lastUpdatedPredicate(operator, value) {
  const at = instant(value);
  if (Number.isNaN(at)) {
    throw fail(`Invalid date value: ${value}`);
  }
  const period = core.toPeriod(value);
  const start = instant(period?.start ?? value);
  const end = instant(period?.end ?? value);
  const test = {
    [Operator.EQUALS]: (t) => t >= start && t <= end,
    [Operator.APPROXIMATELY]: (t) => t >= start && t <= end,
    [Operator.NOT_EQUALS]: (t) => t < start || t > end,
    [Operator.GREATER_THAN]: (t) => t > at,
    [Operator.STARTS_AFTER]: (t) => t > at,
    [Operator.GREATER_THAN_OR_EQUALS]: (t) => t >= at,
    [Operator.LESS_THAN]: (t) => t < at,
    [Operator.ENDS_BEFORE]: (t) => t < at,
    [Operator.LESS_THAN_OR_EQUALS]: (t) => t <= at,
  }[operator];
  if (!test) {
    throw fail(`Search modifier or prefix "${operator}" is not supported by this test peer for _lastUpdated`);
  }
  return (resource) => test(instant(resource.meta?.lastUpdated));
}

function textPredicate(type, param, operator, value) {
  const wanted = core.splitSearchOnComma(value);
  const lower = wanted.map((w) => w.toLowerCase());
  const convert = param.type === 'uri' ? core.convertToSearchableUris : core.convertToSearchableStrings;
  const test = {
    [Operator.EQUALS]: param.type === 'uri' ? (s) => wanted.includes(s) : (s) => lower.some((w) => s.toLowerCase().startsWith(w)),
    [Operator.CONTAINS]: (s) => lower.some((w) => s.toLowerCase().includes(w)),
    [Operator.EXACT]: (s) => wanted.includes(s),
  }[operator];
  const ast = parsed(type, param);
  return (resource) => convert(core.evalFhirPathTyped(ast, [core.toTypedValue(resource)])).some((s) => s && test(String(s)));
}

function compileSort(type, sortRules) {
  if (!sortRules?.length) {
    return undefined;
  }
  const keys = sortRules.map((rule) => {
    if (rule.code === '_lastUpdated') {
      return { descending: rule.descending, key: (r) => r.meta?.lastUpdated ?? '' };
    }
    if (rule.code === '_id') {
      return { descending: rule.descending, key: (r) => r.id };
    }
    const param = core.getSearchParameter(type, rule.code);
    if (!param?.expression) {
      throw fail(`Unknown sort parameter: ${rule.code}`);
    }
    const ast = parsed(type, param);
    return { descending: rule.descending, key: (r) => JSON.stringify(core.evalFhirPathTyped(ast, [core.toTypedValue(r)]).map((v) => v.value)) };
  });
  return (a, b) => {
    for (const { descending, key } of keys) {
      const ka = key(a);
      const kb = key(b);
      if (ka !== kb) {
        return (ka < kb ? -1 : 1) * (descending ? -1 : 1);
      }
    }
    return 0;
  };
}

function compileIncludes(type, targets, reverse) {
  return (targets ?? []).map((target) => {
    const name = `${target.resourceType}:${target.searchParam}`;
    if (target.modifier === Operator.ITERATE) {
      throw fail(`_include:iterate and _revinclude:iterate are not supported by this test peer: ${name}`);
    }
    const param = core.getSearchParameter(target.resourceType, target.searchParam);
    if (param?.type !== 'reference' || !param.expression || (!reverse && target.resourceType !== type)) {
      throw fail(`Invalid include parameter: ${name}`);
    }
    const refs = (resource) => referencesOf(target.resourceType, param, resource);
    if (!reverse) {
      return {
        resolve: (store, page) => page.flatMap(refs).map(readReference(store)).filter((r) => r && (!target.targetType || r.resourceType === target.targetType)),
      };
    }
    return {
      resolve: (store, page) => {
        const wanted = new Set(page.map((r) => `${r.resourceType}/${r.id}`));
        return [...(store.get(target.resourceType)?.values() ?? [])].filter((r) => refs(r).some((ref) => wanted.has(ref)));
      },
    };
  });
}

function referencesOf(type, param, resource) {
  let byExpression = referenceCache.get(resource);
  if (!byExpression) {
    byExpression = new Map();
    referenceCache.set(resource, byExpression);
  }
  let refs = byExpression.get(param.expression);
  if (!refs) {
    const values = core.evalFhirPathTyped(parsed(type, param), [core.toTypedValue(resource)]);
    refs = core.convertToSearchableReferences(values).filter(Boolean);
    byExpression.set(param.expression, refs);
  }
  return refs;
}

function readReference(store) {
  return (reference) => {
    const [refType, id] = reference.split('/');
    return store.get(refType)?.get(id);
  };
}

function addIncluded(entry, seen, resources, baseUrl) {
  for (const resource of resources) {
    const key = `${resource.resourceType}/${resource.id}`;
    if (!seen.has(key)) {
      seen.add(key);
      entry.push({ fullUrl: `${baseUrl}/${key}`, search: { mode: 'include' }, resource: core.deepClone(resource) });
    }
  }
}

function parsed(type, param) {
  const key = type + '\u0000' + param.code + '\u0000' + param.expression;
  let ast = parsedExpressions.get(key);
  if (!ast) {
    ast = core.parseFhirPath(param.expression);
    parsedExpressions.set(key, ast);
  }
  return ast;
}

// Links as real Medplum builds them (packages/server/src/fhir/search.ts): self always; first/next/previous
// with _offset; cursor links when the only sort is _lastUpdated ascending, offset is 0 and _count >= 20.
function links(request, page, next, baseUrl) {
  const url = (r) => `${baseUrl}/${r.resourceType}${core.formatSearchQuery(r)}`;
  const result = [{ relation: 'self', url: url(request) }];
  if (request.count === 0 || page.length === 0) {
    return result;
  }
  const cursorPaging = request.offset === 0 && request.count >= 20 && request.sortRules?.length === 1 &&
    request.sortRules[0].code === '_lastUpdated' && !request.sortRules[0].descending;
  if (cursorPaging) {
    result.push({ relation: 'first', url: url({ ...request, cursor: undefined, offset: undefined }) });
    if (next) {
      if (page[0].meta.lastUpdated === next.meta.lastUpdated) {
        throw new OperationOutcomeError(core.serverError(new Error('Cursor fails to make progress')));
      }
      const excludedIds = page.filter((r) => r.meta.lastUpdated === next.meta.lastUpdated).map((r) => r.id);
      const cursor = `2-${instant(next.meta.lastUpdated)}` + (excludedIds.length ? '-' + excludedIds.join(',') : '');
      result.push({ relation: 'next', url: url({ ...request, cursor, offset: undefined }) });
    }
    return result;
  }
  result.push({ relation: 'first', url: url({ ...request, cursor: undefined, offset: 0 }) });
  if (next) {
    result.push({ relation: 'next', url: url({ ...request, cursor: undefined, offset: request.offset + request.count }) });
  }
  if (request.offset > 0) {
    result.push({ relation: 'previous', url: url({ ...request, cursor: undefined, offset: Math.max(0, request.offset - request.count) }) });
  }
  return result;
}

function parseCursor(cursor) {
  const match = /^2-(\d+)(?:-(.*))?$/.exec(cursor);
  if (!match) {
    throw fail(`Invalid _cursor: ${cursor}`);
  }
  return { nextInstant: Number(match[1]), excludedIds: match[2] ? match[2].split(',') : [] };
}

// Milliseconds since the epoch; date-times without an offset are read as UTC, not as local time.
function instant(value) {
  if (typeof value !== 'string') {
    return NaN;
  }
  const hasZone = /T.*(Z|[+-]\d{2}:?\d{2})$/.test(value);
  return Date.parse(value.includes('T') && !hasZone ? value + 'Z' : value);
}

function byLastUpdated(a, b) {
  return a.meta.lastUpdated < b.meta.lastUpdated ? -1 : a.meta.lastUpdated > b.meta.lastUpdated ? 1 : 0;
}

module.exports = { runSearch, supportedSearchParameters };
