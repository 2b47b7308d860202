import { randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import type { Caller } from './caller';
import { parseTraceparent } from './tracing';
import { ReplayGuard } from './subgraph/replay-guard';
import { CALL_SURFACES, SCOPES, type CallSurface, type Scope } from './vocabulary';

/** The header in which the gateway hands the verified caller to a subgraph. */
export const INTERNAL_CALLER_HEADER = 'x-internal-caller';

/**
 * A token is signed for one subgraph fetch and sent at once: seconds are
 * plenty, and a header that leaks (a log, a proxy) is soon useless.
 */
export const INTERNAL_TOKEN_TTL_SECONDS = 10;

/** How far the gateway's clock and a subgraph's may disagree. */
export const INTERNAL_TOKEN_CLOCK_SKEW_SECONDS = 2;

const VERSION = 'v2';
// A caller token is a few hundred characters; anything far longer was not minted by the gateway.
const MAX_TOKEN_CHARS = 2048;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const TOKEN_ID = /^[A-Za-z0-9_-]{22}$/;

/**
 * `v2.<payload>.<signature>`, both base64url; the signature is Ed25519 over
 * `v2.<payload>`. The payload names the one subgraph the token is for (`aud`),
 * a random id (`jti`, for the replay guard), when it was issued and when it
 * expires (epoch seconds), the caller, and the W3C traceparent of the
 * gateway's fetch (`tp`, absent when the gateway traces nothing). The trace
 * context rides here, signed, rather than in a `traceparent` header: a
 * subgraph takes its parent span from the gateway alone, so a caller that
 * reaches a subgraph cannot hang its spans on somebody else's trace.
 *
 * Not a JWT through jose, on purpose: the token never leaves our own
 * processes, so a JOSE header and algorithm negotiation buy nothing (and an
 * `alg` field is one more thing to get wrong); the format here admits exactly
 * one algorithm and one key. It also sits on the hot path, one signature in
 * the gateway and one check in a subgraph per subgraph fetch, and
 * node:crypto's synchronous Ed25519 with a prepared KeyObject is the cheaper
 * of the two: bench/internal-token.ts on the project's 2-core machine, under
 * load, fastest of 7 rounds: the whole check here (signature, claims and
 * replay guard) 94 µs, jose's compactVerify 119 µs (signature and header
 * only) and jwtVerify 131 µs; signing 48 µs against jose's 77 µs. jose goes
 * through WebCrypto, a promise and a key lookup per call.
 */
interface Payload {
  aud: string;
  jti: string;
  iat: number;
  exp: number;
  // The caller, in short keys.
  rid: string;
  act: string;
  tid: string | null;
  scp: Scope[];
  srf: CallSurface;
  tp?: string;
}

function encodeCaller(caller: Caller): Pick<Payload, 'rid' | 'act' | 'tid' | 'scp' | 'srf'> {
  return { rid: caller.requestId, act: caller.actor, tid: caller.tenantId, scp: [...caller.scopes], srf: caller.surface };
}

/** The caller a payload names, or null when any member is missing or of the wrong kind. */
function decodeCaller(payload: Record<string, unknown>): Caller | null {
  const { rid, act, tid, scp, srf } = payload;
  if (typeof rid !== 'string' || typeof act !== 'string') return null;
  if (tid !== null && typeof tid !== 'string') return null;
  if (!Array.isArray(scp) || !scp.every((s) => (SCOPES as readonly unknown[]).includes(s))) return null;
  if (!(CALL_SURFACES as readonly unknown[]).includes(srf)) return null;
  return { requestId: rid, actor: act, tenantId: tid, scopes: new Set(scp as Scope[]), surface: srf as CallSurface };
}

/** The gateway's half: signs the verified caller once per subgraph fetch, for that subgraph only. */
export class CallerSigner {
  constructor(private readonly privateKey: KeyObject) {
    if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ed25519') throw new TypeError('CallerSigner needs an Ed25519 private key');
  }

  sign(caller: Caller, audience: string, now = Date.now(), traceparent?: string): string {
    const iat = Math.floor(now / 1000);
    const payload: Payload = { aud: audience, jti: randomBytes(16).toString('base64url'), iat, exp: iat + INTERNAL_TOKEN_TTL_SECONDS, ...encodeCaller(caller), ...(traceparent && { tp: traceparent }) };
    const signingInput = `${VERSION}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
    return `${signingInput}.${sign(null, Buffer.from(signingInput), this.privateKey).toString('base64url')}`;
  }
}

/** Why a token was refused: stable, so logs and tests can tell the cases apart. */
export type Refusal = 'missing' | 'malformed' | 'bad_signature' | 'wrong_audience' | 'expired' | 'not_yet_valid' | 'replayed' | 'replay_guard_full';

/** An accepted token's caller, and the gateway's traceparent when it sent one (the subgraph's parent span). */
export type Verification = { ok: true; caller: Caller; traceparent?: string } | { ok: false; reason: Refusal };

const refuse = (reason: Refusal): Verification => ({ ok: false, reason });

/**
 * A subgraph's half: accepts a token only when the gateway's key signed it,
 * it names this subgraph, it is inside its few seconds, and its id has not
 * been seen before. Holds only the public key, so it cannot mint.
 */
export class CallerVerifier {
  readonly audience: string;
  private readonly publicKey: KeyObject;
  private readonly guard: ReplayGuard;

  constructor(options: { publicKey: KeyObject; audience: string; replayGuard?: ReplayGuard }) {
    if (options.publicKey.type !== 'public' || options.publicKey.asymmetricKeyType !== 'ed25519') throw new TypeError('CallerVerifier needs an Ed25519 public key');
    this.publicKey = options.publicKey;
    this.audience = options.audience;
    this.guard = options.replayGuard ?? new ReplayGuard();
  }

  verify(token: string | undefined, now = Date.now()): Verification {
    if (!token) return refuse('missing');
    if (token.length > MAX_TOKEN_CHARS) return refuse('malformed');
    const parts = token.split('.');
    if (parts.length !== 3 || parts[0] !== VERSION) return refuse('malformed');
    const [, body, signature] = parts as [string, string, string];
    if (!BASE64URL.test(body) || !BASE64URL.test(signature)) return refuse('malformed');
    const sig = Buffer.from(signature, 'base64url');
    // Base64 leaves spare bits in the last character: insist on the one spelling we mint.
    if (sig.length !== 64 || sig.toString('base64url') !== signature) return refuse('malformed');
    if (!verify(null, Buffer.from(`${VERSION}.${body}`), this.publicKey, sig)) return refuse('bad_signature');

    // Signed by the gateway from here on; still checked member by member, fail closed.
    let payload: Record<string, unknown>;
    try {
      payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      return refuse('malformed');
    }
    if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return refuse('malformed');
    const { aud, jti, iat, exp } = payload;
    if (typeof aud !== 'string' || typeof jti !== 'string' || !TOKEN_ID.test(jti) || !Number.isInteger(iat) || !Number.isInteger(exp)) return refuse('malformed');
    const caller = decodeCaller(payload);
    if (!caller) return refuse('malformed');
    const { tp } = payload;
    if (tp !== undefined && !parseTraceparent(tp)) return refuse('malformed');
    if (aud !== this.audience) return refuse('wrong_audience');
    const skew = INTERNAL_TOKEN_CLOCK_SKEW_SECONDS * 1000;
    const issuedAt = (iat as number) * 1000;
    const expiresAt = (exp as number) * 1000;
    if (issuedAt > now + skew) return refuse('not_yet_valid');
    // A lifetime longer than the gateway ever gives is not the gateway's token.
    if (expiresAt <= issuedAt || expiresAt - issuedAt > INTERNAL_TOKEN_TTL_SECONDS * 1000) return refuse('malformed');
    if (now > expiresAt + skew) return refuse('expired');
    switch (this.guard.admit(jti, expiresAt + skew, now)) {
      case 'replayed':
        return refuse('replayed');
      case 'full':
        return refuse('replay_guard_full');
      case 'fresh':
        return tp === undefined ? { ok: true, caller } : { ok: true, caller, traceparent: tp as string };
    }
  }
}
