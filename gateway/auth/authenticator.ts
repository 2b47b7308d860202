import type { IncomingHttpHeaders } from 'node:http';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { apiKeyMatches, apiKeyPrefix } from '../../lib/api-key';
import type { Caller } from '../../lib/caller';
import { SCOPES, type CallSurface, type Scope } from '../../lib/vocabulary';
import { ErrorCode, HTTP_STATUS } from '../../lib/errors';
import { isUuid } from '../../lib/ids';
import type { Logger } from '../../lib/logger';
import type { CredentialsRead, StoredKey } from './credentials-read';
import type { KeyCache } from './key-cache';

export interface JwtSettings {
  secret?: string;
  jwksUrl?: string;
  issuer: string;
  audience: string;
  tenantClaim: string;
}

/** Why a request was refused; `reason` is stable for clients and tests, the message is for people. */
export interface AuthFailure {
  reason: 'missing' | 'ambiguous' | 'malformed' | 'unknown_key' | 'revoked' | 'expired' | 'invalid_token' | 'unavailable';
  message: string;
}

/**
 * A verified caller, the per-minute budget its calls spend (its tenant's, or
 * the operator's), and when its credential stops being valid (a key's
 * expiry, a token's `exp`), which a live stream is closed at.
 */
export type AuthResult = { caller: Caller; rateLimitPerMinute: number; expiresAt: Date | null } | { failure: AuthFailure };

/** How a refused credential reads over HTTP, the same on every surface. */
export function failureStatus(failure: AuthFailure): { status: number; code: ErrorCode; headers: Record<string, string> } {
  return failure.reason === 'unavailable'
    ? { status: HTTP_STATUS.DATABASE_UNAVAILABLE, code: ErrorCode.DATABASE_UNAVAILABLE, headers: { 'retry-after': '1' } }
    : { status: HTTP_STATUS.UNAUTHENTICATED, code: ErrorCode.UNAUTHENTICATED, headers: { 'www-authenticate': 'Bearer realm="micro-ai"' } };
}

// Recording every use would write on every request; a minute's precision is what key lists show.
const LAST_USED_PRECISION_MS = 60_000;

function knownScopes(values: unknown): Scope[] {
  const list = typeof values === 'string' ? values.split(' ') : Array.isArray(values) ? values : [];
  return SCOPES.filter((scope) => list.includes(scope));
}

/**
 * Turns the credentials of a request into a verified caller: an API key
 * (`X-API-Key: <key>` or `Authorization: Bearer <key>`) or a JWT
 * (`Authorization: Bearer <jwt>`). One implementation for every surface.
 */
export class Authenticator {
  private readonly jwtKey: Uint8Array | JWTVerifyGetKey | null;

  constructor(
    private readonly credentials: CredentialsRead,
    private readonly jwt: JwtSettings | null,
    private readonly logger: Logger,
    /** The budget of a platform operator's key, which names no tenant. */
    private readonly operatorRateLimitPerMinute = 10_000,
    /** Keys held in memory while their changes are heard; absent, every call reads the database. */
    private readonly keys?: KeyCache,
  ) {
    this.jwtKey = !jwt ? null : jwt.jwksUrl ? createRemoteJWKSet(new URL(jwt.jwksUrl)) : new TextEncoder().encode(jwt.secret);
  }

  async authenticate(headers: IncomingHttpHeaders, requestId: string, surface: CallSurface): Promise<AuthResult> {
    // An empty header is no credential: it must not hide one sent in the other header.
    const apiKeyHeader = presentHeader(headers['x-api-key']);
    const authorization = presentHeader(headers.authorization);
    let bearer: string | undefined;
    if (authorization) {
      const match = /^Bearer\s+(\S+)$/i.exec(authorization);
      if (!match) return fail('malformed', 'Authorization must be "Bearer <API key or token>"');
      bearer = match[1];
    }
    if (apiKeyHeader && bearer && apiKeyHeader !== bearer) return fail('ambiguous', 'send one credential, not an X-API-Key and a different bearer token');
    const credential = apiKeyHeader ?? bearer;
    if (!credential) return fail('missing', 'credentials required: send X-API-Key or Authorization: Bearer');
    if (credential.startsWith('mai_')) return this.fromApiKey(credential, requestId, surface);
    if (credential.split('.').length === 3) return this.fromJwt(credential, requestId, surface);
    return fail('malformed', 'the credential is neither an API key nor a JWT');
  }

  private async fromApiKey(key: string, requestId: string, surface: CallSurface): Promise<AuthResult> {
    const prefix = apiKeyPrefix(key);
    if (!prefix) return fail('malformed', 'the API key is malformed');
    let row: StoredKey | null;
    try {
      row = await (this.keys ?? this.credentials).byPrefix(prefix);
    } catch (err) {
      this.logger.warn('credential store unavailable', { err, requestId });
      return fail('unavailable', 'credentials cannot be checked right now; retry shortly');
    }
    // The same answer for an unknown prefix and a wrong secret: no oracle for valid prefixes.
    if (!row || !apiKeyMatches(key, row.secretHash)) return fail('unknown_key', 'the API key is not valid');
    if (row.revokedAt) return fail('revoked', 'the API key has been revoked');
    if (row.expiresAt && row.expiresAt.getTime() <= Date.now()) return fail('expired', 'the API key has expired');
    if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > LAST_USED_PRECISION_MS) {
      this.credentials.touch(row.id).catch((err) => this.logger.warn('could not record key use', { err, requestId }));
      this.keys?.touched(prefix, new Date());
    }
    return {
      caller: { requestId, actor: `key:${row.id}`, tenantId: row.tenantId, scopes: new Set(knownScopes(row.scopes)), surface },
      // An operator key names no tenant, so it spends the operator's budget.
      rateLimitPerMinute: row.rateLimitPerMinute ?? this.operatorRateLimitPerMinute,
      expiresAt: row.expiresAt,
    };
  }

  private async fromJwt(token: string, requestId: string, surface: CallSurface): Promise<AuthResult> {
    if (!this.jwt || !this.jwtKey) return fail('invalid_token', 'bearer tokens are not accepted here; use an API key');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.jwtKey as Uint8Array, {
        issuer: this.jwt.issuer,
        audience: this.jwt.audience,
        requiredClaims: ['exp', 'sub'],
        algorithms: this.jwt.secret ? ['HS256', 'HS384', 'HS512'] : ['RS256', 'PS256', 'ES256', 'EdDSA'],
      }));
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) return fail('expired', 'the token has expired');
      if (!(err instanceof joseErrors.JOSEError)) this.logger.warn('token verification failed', { err, requestId });
      return fail('invalid_token', 'the token is not valid');
    }
    const tenant = payload[this.jwt.tenantClaim];
    const scopes = knownScopes(payload.scope ?? payload.scopes);
    if (tenant !== undefined && (typeof tenant !== 'string' || !isUuid(tenant))) {
      return fail('invalid_token', `the token's ${this.jwt.tenantClaim} claim must be a tenant id`);
    }
    // A tenantless caller is the platform operator, and only the CLI makes
    // those: an identity provider's token cannot grant cross-tenant reach.
    if (tenant === undefined) {
      return fail('invalid_token', `the token names no tenant (${this.jwt.tenantClaim} claim); platform operators use an operator key`);
    }
    let budget: number | null;
    try {
      budget = await this.credentials.tenantBudget(tenant as string);
    } catch (err) {
      this.logger.warn('credential store unavailable', { err, requestId });
      return fail('unavailable', 'credentials cannot be checked right now; retry shortly');
    }
    // A token for a tenant that does not exist names nobody: refused, not given a default budget.
    if (budget === null) return fail('invalid_token', `the token's ${this.jwt.tenantClaim} names no tenant`);
    return {
      caller: { requestId, actor: `jwt:${payload.sub}`, tenantId: tenant as string, scopes: new Set(scopes), surface },
      rateLimitPerMinute: budget,
      expiresAt: new Date(payload.exp! * 1000),
    };
  }
}

function presentHeader(value: string | string[] | undefined): string | undefined {
  const trimmed = typeof value === 'string' ? value.trim() : undefined;
  return trimmed ? trimmed : undefined;
}

function fail(reason: AuthFailure['reason'], message: string): AuthResult {
  return { failure: { reason, message } };
}
