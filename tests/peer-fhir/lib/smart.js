'use strict';
// SMART Backend Services (SMART App Launch 2.x) for the peer, off by default: a token endpoint that checks each
// client's signed assertion with `jose` against the client's registered JWKS URL, and the bearer check that the FHIR
// endpoints then need. Configured through POST /admin/smart; see README.md.

const crypto = require('node:crypto');
const jose = require('jose');

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const ALGORITHMS = ['RS384', 'ES384'];
const MAX_ASSERTION_LIFETIME_S = 300; // the spec: exp no more than five minutes in the future
const CLOCK_TOLERANCE_S = 5;

class SmartAuth {
  constructor() {
    this.reset();
  }

  /** Back to off, with no clients, tokens or counts. */
  reset() {
    this.config = { enabled: false, tokenLifetimeSeconds: 300, scopeSyntax: 'v2', clockOffsetSeconds: 0, clients: [] };
    this.jwks = new Map(); // clientId -> jose remote JWK set
    this.tokens = new Map(); // access token -> { clientId, scope, expiresAt (ms) }
    this.seenJti = new Map(); // `${clientId} ${jti}` -> exp (ms), kept until the assertion expires
    this.stats = { tokensIssued: 0, byClient: {}, refused: {}, fhirUnauthorized: 0 };
  }

  /** Replaces the configuration; throws with a message for an invalid one. */
  configure(body) {
    if (!body || typeof body !== 'object') throw new Error('Expected an object');
    const next = { ...this.config, ...body };
    if (typeof next.enabled !== 'boolean') throw new Error('enabled must be a boolean');
    if (!Number.isInteger(next.tokenLifetimeSeconds) || next.tokenLifetimeSeconds < 1 || next.tokenLifetimeSeconds > 3600) {
      throw new Error('tokenLifetimeSeconds must be an integer from 1 to 3600');
    }
    if (!['v1', 'v2'].includes(next.scopeSyntax)) throw new Error("scopeSyntax must be 'v1' or 'v2'");
    if (!Number.isInteger(next.clockOffsetSeconds) || Math.abs(next.clockOffsetSeconds) > 86400) {
      throw new Error('clockOffsetSeconds must be an integer within a day');
    }
    if (!Array.isArray(next.clients) || next.clients.some((c) => typeof c?.clientId !== 'string' || !isHttpUrl(c.jwksUrl))) {
      throw new Error('clients must be [{"clientId": string, "jwksUrl": http(s) URL, "scopes"?: [string]}]');
    }
    this.config = next;
    // A short cooldown, so a key added for a rotation is fetched on its first use rather than 30 s later.
    this.jwks = new Map(next.clients.map((c) => [c.clientId, jose.createRemoteJWKSet(new URL(c.jwksUrl), { cooldownDuration: 200, cacheMaxAge: 60_000 })]));
  }

  /** Drops every issued token: the next FHIR request with one answers 401. */
  revoke() {
    const count = this.tokens.size;
    this.tokens.clear();
    return count;
  }

  now() {
    return Date.now() + this.config.clockOffsetSeconds * 1000;
  }

  snapshot() {
    return { ...this.config, activeTokens: this.tokens.size, stats: this.stats };
  }

  /** The smart-configuration document for a peer at `origin`. */
  discovery(origin) {
    return {
      token_endpoint: `${origin}/auth/token`,
      grant_types_supported: ['client_credentials'],
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: ALGORITHMS,
      scopes_supported: this.config.scopeSyntax === 'v2' ? ['system/*.cruds', 'system/*.rs'] : ['system/*.read', 'system/*.write', 'system/*.*'],
      capabilities: ['client-confidential-asymmetric', ...(this.config.scopeSyntax === 'v2' ? ['permission-v2'] : ['permission-v1'])],
    };
  }

  /**
   * The token endpoint: an answer { status, body } for the form in `params` (URLSearchParams), posted to `tokenUrl`.
   */
  async token(params, tokenUrl) {
    if (params.get('grant_type') !== 'client_credentials') return this.refuse(400, 'unsupported_grant_type', 'grant_type must be client_credentials');
    if (params.get('client_assertion_type') !== ASSERTION_TYPE || !params.get('client_assertion')) {
      return this.refuse(400, 'invalid_request', `client_assertion_type must be ${ASSERTION_TYPE} with a client_assertion`);
    }
    const assertion = params.get('client_assertion');
    let claims;
    try {
      claims = jose.decodeJwt(assertion);
    } catch {
      return this.refuse(400, 'invalid_client', 'client_assertion is not a JWT');
    }
    const client = this.config.clients.find((c) => c.clientId === claims.iss);
    if (!client) return this.refuse(400, 'invalid_client', 'unknown client (iss)');
    let payload;
    try {
      ({ payload } = await jose.jwtVerify(assertion, this.jwks.get(client.clientId), {
        algorithms: ALGORITHMS,
        issuer: client.clientId,
        subject: client.clientId,
        audience: tokenUrl,
        requiredClaims: ['exp', 'jti'],
        clockTolerance: CLOCK_TOLERANCE_S,
        currentDate: new Date(this.now()),
      }));
    } catch (err) {
      return this.refuse(400, 'invalid_client', describe(err));
    }
    const nowS = Math.floor(this.now() / 1000);
    if (payload.exp > nowS + MAX_ASSERTION_LIFETIME_S + CLOCK_TOLERANCE_S) {
      return this.refuse(400, 'invalid_client', 'the assertion\'s "exp" is more than five minutes ahead');
    }
    this.forgetExpiredJti();
    const jtiKey = `${client.clientId} ${payload.jti}`;
    if (this.seenJti.has(jtiKey)) return this.refuse(400, 'invalid_client', 'the assertion\'s jti was used before (replay)');
    this.seenJti.set(jtiKey, payload.exp * 1000);
    const scope = (params.get('scope') ?? '').trim();
    const refused = scope.split(/\s+/).filter((s) => s && client.scopes && !client.scopes.includes(s));
    if (!scope || refused.length) return this.refuse(400, 'invalid_scope', refused.length ? `not allowed: ${refused.slice(0, 3).join(' ')}` : 'scope is required');

    const accessToken = 'peer-at-' + crypto.randomBytes(24).toString('base64url');
    this.tokens.set(accessToken, { clientId: client.clientId, scope, expiresAt: this.now() + this.config.tokenLifetimeSeconds * 1000 });
    this.stats.tokensIssued++;
    this.stats.byClient[client.clientId] = (this.stats.byClient[client.clientId] ?? 0) + 1;
    return { status: 200, body: { access_token: accessToken, token_type: 'bearer', expires_in: this.config.tokenLifetimeSeconds, scope } };
  }

  /** Null when the request's bearer token is current; else the 401 answer. */
  check(authorization) {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    const token = match && this.tokens.get(match[1]);
    if (token && token.expiresAt > this.now()) return null;
    if (token) this.tokens.delete(match[1]);
    this.stats.fhirUnauthorized++;
    return {
      status: 401,
      headers: { 'WWW-Authenticate': `Bearer error="invalid_token"` },
      text: match ? 'The access token is unknown or expired' : 'An access token is required',
    };
  }

  refuse(status, error, description) {
    this.stats.refused[error] = (this.stats.refused[error] ?? 0) + 1;
    return { status, body: { error, error_description: description } };
  }

  forgetExpiredJti() {
    const now = this.now();
    for (const [key, exp] of this.seenJti) if (exp + CLOCK_TOLERANCE_S * 1000 < now) this.seenJti.delete(key);
  }
}

// jose's messages name the failing check ('unexpected "aud" claim value', '"exp" claim timestamp check failed', ...).
function describe(err) {
  if (err?.code === 'ERR_JWKS_NO_MATCHING_KEY') return 'no key in the client\'s JWKS matches the assertion\'s kid';
  if (err?.code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED') return 'the assertion\'s signature does not verify';
  return String(err?.message ?? err);
}

function isHttpUrl(value) {
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

module.exports = { SmartAuth, ASSERTION_TYPE };
