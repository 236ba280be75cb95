'use strict';
// Runs async functions one at a time, in arrival order. The peer runs every FHIR interaction through one queue:
// MemoryRepository awaits between "search" and "create" inside a conditional create, so two concurrent
// identical conditional creates could both see no match and both create (docs/ARCHITECTURE.md, "The test peer").

class SerialQueue {
  #tail = Promise.resolve();
  #depth = 0;

  /** Number of calls waiting or running. */
  get depth() {
    return this.#depth;
  }

  run(fn) {
    this.#depth++;
    const result = this.#tail.then(() => fn());
    this.#tail = result.then(
      () => this.#depth--,
      () => this.#depth--
    );
    return result;
  }
}

module.exports = { SerialQueue };
