'use strict';

/** Writes a JSON response (FHIR JSON unless told otherwise); no body when `body` is undefined. */
function send(res, { status, headers = {}, body }, contentType = 'application/fhir+json; charset=utf-8') {
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body), 'utf8');
  res.writeHead(status, {
    ...headers,
    ...(payload ? { 'Content-Type': contentType, 'Content-Length': payload.length } : { 'Content-Length': 0 }),
  });
  res.end(payload);
}

module.exports = { send };
