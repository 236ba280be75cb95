'use strict';
// Fault injection for tests, driven by POST /admin/faults. Off by default, bounded and deterministic: no
// randomness, every step fires a fixed number of times, in order.
//
// Plan:
// {
//   "steps": [                       // consumed in order; a step ends after it has fired `times` times
//     { "kind": "status", "status": 429, "retryAfter": 1, "times": 2 },
//     { "kind": "status", "status": 503, "times": 3, "methods": ["POST"] },
//     { "kind": "reset", "times": 2, "phase": "after" },     // socket.destroy(); "after" = once the request was applied
//     { "kind": "delay", "ms": 1500, "times": 1 },            // answers normally, late
//     { "kind": "status", "status": 503, "every": 5, "times": 1000 }  // every 5th matching request (20 %)
//   ],
//   "rejects": [                     // permanent until cleared (or `times` used up), independent of the steps
//     { "identifier": "https://clinic.example/stm|S-17", "status": 422, "text": "Rejected for the test" }
//   ]
// }

const MAX_ITEMS = 100;
const KINDS = new Set(['status', 'reset', 'delay']);
const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

class FaultPlan {
  #steps = [];
  #rejects = [];
  #current = 0;
  injected = {};

  /** Replaces the plan; throws an Error with a message for the client when the plan is invalid. */
  set(plan) {
    if (!plan || typeof plan !== 'object' || Array.isArray(plan)) {
      throw new Error('The fault plan must be a JSON object with "steps" and/or "rejects"');
    }
    const unknown = Object.keys(plan).filter((k) => k !== 'steps' && k !== 'rejects');
    if (unknown.length) {
      throw new Error(`Unknown fault plan field(s): ${unknown.join(', ')}`);
    }
    const steps = list(plan.steps, 'steps').map(parseStep);
    const rejects = list(plan.rejects, 'rejects').map(parseReject);
    this.#steps = steps;
    this.#rejects = rejects;
    this.#current = 0;
  }

  clear() {
    this.#steps = [];
    this.#rejects = [];
    this.#current = 0;
  }

  /** Clears the plan and the injected-fault counters. */
  reset() {
    this.clear();
    this.injected = {};
  }

  /** The fault for the next FHIR request with this method, or undefined to answer it normally. */
  take(method) {
    while (this.#current < this.#steps.length && this.#steps[this.#current].fired >= this.#steps[this.#current].times) {
      this.#current++;
    }
    const step = this.#steps[this.#current];
    if (!step || (step.methods && !step.methods.includes(method))) {
      return undefined;
    }
    step.seen++;
    if (step.seen % step.every !== 0) {
      return undefined;
    }
    step.fired++;
    const name = step.kind === 'status' ? `status:${step.status}` : step.kind;
    this.injected[name] = (this.injected[name] ?? 0) + 1;
    return step;
  }

  /** The reject rule that applies to a resource (by its identifiers), consuming one use of it. */
  rejectFor(resource) {
    if (this.#rejects.length === 0 || !resource || typeof resource !== 'object') {
      return undefined;
    }
    const identifiers = Array.isArray(resource.identifier) ? resource.identifier : resource.identifier ? [resource.identifier] : [];
    const rule = this.#rejects.find((r) => r.used < r.times && identifiers.some((i) => r.matches(i)));
    if (rule) {
      rule.used++;
      this.injected.reject = (this.injected.reject ?? 0) + 1;
    }
    return rule;
  }

  snapshot() {
    return {
      steps: this.#steps.map(({ matches: _m, ...s }) => s),
      rejects: this.#rejects.map(({ matches: _m, ...r }) => ({ ...r, times: r.times === Infinity ? null : r.times })),
      currentStep: Math.min(this.#current, this.#steps.length),
    };
  }
}

function list(value, name) {
  if (value === undefined) {
    return [];
  }
  if (!Array.isArray(value) || value.length > MAX_ITEMS) {
    throw new Error(`"${name}" must be an array of at most ${MAX_ITEMS} items`);
  }
  return value;
}

function parseStep(step, index) {
  const where = `steps[${index}]`;
  if (!step || typeof step !== 'object' || !KINDS.has(step.kind)) {
    throw new Error(`${where}.kind must be one of: ${[...KINDS].join(', ')}`);
  }
  const allowed = { status: ['status', 'retryAfter', 'phase'], reset: ['phase'], delay: ['ms'] }[step.kind];
  const unknown = Object.keys(step).filter((k) => !['kind', 'times', 'every', 'methods', ...allowed].includes(k));
  if (unknown.length) {
    throw new Error(`${where}: unknown field(s) for kind "${step.kind}": ${unknown.join(', ')}`);
  }
  const parsed = {
    kind: step.kind,
    times: integer(step.times, `${where}.times`, 1, 10000),
    every: step.every === undefined ? 1 : integer(step.every, `${where}.every`, 1, 1000),
    methods: methods(step.methods, where),
    seen: 0,
    fired: 0,
  };
  if (step.kind === 'status') {
    parsed.status = step.status === undefined ? 503 : integer(step.status, `${where}.status`, 400, 599);
    if (step.retryAfter !== undefined) {
      parsed.retryAfter = typeof step.retryAfter === 'string' ? step.retryAfter : integer(step.retryAfter, `${where}.retryAfter`, 0, 3600);
    }
  }
  if (step.kind !== 'delay') {
    parsed.phase = step.phase ?? 'before';
    if (parsed.phase !== 'before' && parsed.phase !== 'after') {
      throw new Error(`${where}.phase must be "before" or "after"`);
    }
  } else {
    parsed.ms = integer(step.ms, `${where}.ms`, 1, 30000);
  }
  return parsed;
}

function parseReject(reject, index) {
  const where = `rejects[${index}]`;
  if (!reject || typeof reject.identifier !== 'string' || reject.identifier === '') {
    throw new Error(`${where}.identifier must be "system|value" or "value"`);
  }
  const unknown = Object.keys(reject).filter((k) => !['identifier', 'status', 'text', 'times'].includes(k));
  if (unknown.length) {
    throw new Error(`${where}: unknown field(s): ${unknown.join(', ')}`);
  }
  const bar = reject.identifier.indexOf('|');
  const system = bar >= 0 ? reject.identifier.slice(0, bar) : undefined;
  const value = bar >= 0 ? reject.identifier.slice(bar + 1) : reject.identifier;
  return {
    identifier: reject.identifier,
    status: reject.status === undefined ? 422 : integer(reject.status, `${where}.status`, 400, 499),
    text: reject.text === undefined ? `Rejected by the test peer's fault plan: identifier ${reject.identifier}` : String(reject.text),
    times: reject.times === undefined ? Infinity : integer(reject.times, `${where}.times`, 1, 10000),
    used: 0,
    matches: (i) => i?.value === value && (system === undefined || (i.system ?? '') === system),
  };
}

function integer(value, name, min, max) {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max}`);
  }
  return value;
}

function methods(value, where) {
  if (value === undefined) {
    return undefined;
  }
  if (!Array.isArray(value) || value.length === 0 || value.some((m) => !METHODS.has(m))) {
    throw new Error(`${where}.methods must be a non-empty array of ${[...METHODS].join(', ')}`);
  }
  return value;
}

module.exports = { FaultPlan };
