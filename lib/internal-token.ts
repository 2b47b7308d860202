import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Caller } from './caller';
import { CALL_SURFACES, SCOPES, type CallSurface, type Scope } from './vocabulary';

/** The header in which the gateway hands the verified caller to a subgraph. */
export const INTERNAL_CALLER_HEADER = 'x-internal-caller';

/** Long enough for a slow query plan, short enough that a leaked header is soon useless. */
export const INTERNAL_TOKEN_TTL_SECONDS = 60;

const VERSION = 'v1';

interface Payload {
  rid: string;
  act: string;
  tid: string | null;
  scp: Scope[];
  srf: CallSurface;
  exp: number;
}

function mac(secret: string, body: string): Buffer {
  return createHmac('sha256', secret).update(`${VERSION}.${body}`).digest();
}

/**
 * Signs a caller for one subgraph call: `v1.<payload>.<hmac>`, base64url.
 * HMAC-SHA256 with a secret only the gateway and the subgraphs hold, so a
 * client that reaches a subgraph port directly cannot forge a caller.
 */
export function signCaller(caller: Caller, secret: string, now = Date.now()): string {
  const payload: Payload = {
    rid: caller.requestId,
    act: caller.actor,
    tid: caller.tenantId,
    scp: [...caller.scopes],
    srf: caller.surface,
    exp: Math.floor(now / 1000) + INTERNAL_TOKEN_TTL_SECONDS,
  };
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${VERSION}.${body}.${mac(secret, body).toString('base64url')}`;
}

/** The caller a valid token names, or null for anything missing, malformed, forged or expired. */
export function verifyCaller(token: string | undefined, secret: string, now = Date.now()): Caller | null {
  if (!token) return null;
  const [version, body, signature, extra] = token.split('.');
  if (version !== VERSION || !body || !signature || extra !== undefined) return null;
  const expected = mac(secret, body);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  let payload: Payload;
  try {
    payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (typeof payload.exp !== 'number' || payload.exp < Math.floor(now / 1000)) return null;
  if (typeof payload.rid !== 'string' || typeof payload.act !== 'string') return null;
  if (payload.tid !== null && typeof payload.tid !== 'string') return null;
  if (!Array.isArray(payload.scp) || !payload.scp.every((s) => (SCOPES as readonly string[]).includes(s))) return null;
  if (!CALL_SURFACES.includes(payload.srf)) return null;
  return { requestId: payload.rid, actor: payload.act, tenantId: payload.tid, scopes: new Set(payload.scp), surface: payload.srf };
}
