'use strict';
// OperationOutcomes that @medplum/core has no helper for.

const ISSUE_CODE_BY_STATUS = { 408: 'timeout', 429: 'throttled', 500: 'exception', 502: 'transient', 503: 'transient', 504: 'timeout' };

function outcome(code, text, expression) {
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code, details: { text }, ...(expression ? { expression: [expression] } : undefined) }],
  };
}

/** The body of an injected status fault. */
function faultOutcome(status) {
  return outcome(ISSUE_CODE_BY_STATUS[status] ?? (status >= 500 ? 'exception' : 'processing'), `Injected fault: HTTP ${status}`);
}

module.exports = { outcome, faultOutcome };
