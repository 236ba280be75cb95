'use strict';
// An index of business identifiers per resource type, so that `identifier=system|value` (used by every
// conditional create and by the exchange tests' exactly-once checks) costs a map lookup instead of a scan.
//
// Keys are lower-cased, as @medplum/core's token matcher compares case-insensitively. The index only narrows
// the candidates: every candidate is still checked by the matcher, so results are exactly what a scan gives.

const SEP = '\u0000';

class IdentifierIndex {
  /** @type {Map<string, Map<string, Set<string>>>} resource type -> key -> ids */
  #byType = new Map();

  clear() {
    this.#byType.clear();
  }

  /** Re-indexes one resource: `before` is the stored version being replaced (or undefined), `after` the new one (or undefined on delete). */
  replace(type, id, before, after) {
    const keys = this.#keysFor(type);
    for (const key of keysOf(before)) {
      const ids = keys.get(key);
      ids?.delete(id);
      if (ids?.size === 0) {
        keys.delete(key);
      }
    }
    for (const key of keysOf(after)) {
      let ids = keys.get(key);
      if (!ids) {
        ids = new Set();
        keys.set(key, ids);
      }
      ids.add(id);
    }
  }

  /**
   * The ids of `type` that may match one token search value (`system|value`, `value`, `|value`, `system|`).
   * A superset of the matches; the caller verifies each.
   */
  candidates(type, tokenValue) {
    const keys = this.#byType.get(type);
    const ids = keys?.get(searchKey(tokenValue));
    return ids ? [...ids] : [];
  }

  #keysFor(type) {
    let keys = this.#byType.get(type);
    if (!keys) {
      keys = new Map();
      this.#byType.set(type, keys);
    }
    return keys;
  }
}

function keysOf(resource) {
  const identifiers = resource?.identifier;
  const list = Array.isArray(identifiers) ? identifiers : identifiers ? [identifiers] : [];
  const keys = new Set();
  for (const identifier of list) {
    const system = identifier?.system?.toLowerCase();
    const value = identifier?.value?.toLowerCase();
    if (value) {
      keys.add('v' + SEP + value);
    }
    if (system) {
      keys.add('S' + SEP + system);
      if (value) {
        keys.add('s' + SEP + system + SEP + value);
      }
    }
  }
  return keys;
}

// Mirrors @medplum/core's matchesTokenValue: "a|b" splits into system and value (a third part is ignored).
function searchKey(tokenValue) {
  if (!tokenValue.includes('|')) {
    return 'v' + SEP + tokenValue.toLowerCase();
  }
  const [system, value] = tokenValue.split('|').map((s) => s.toLowerCase());
  if (!system && !value) {
    return '';
  }
  if (!system) {
    return 'v' + SEP + value; // |value: no system; the matcher drops candidates that have one
  }
  if (!value) {
    return 'S' + SEP + system;
  }
  return 's' + SEP + system + SEP + value;
}

module.exports = { IdentifierIndex };
