import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import type { Caller } from '../caller';
import { generateInternalKeyPair } from '../internal-keys';
import { CallerSigner, CallerVerifier, INTERNAL_TOKEN_CLOCK_SKEW_SECONDS, INTERNAL_TOKEN_TTL_SECONDS } from '../internal-token';
import { ReplayGuard } from '../subgraph/replay-guard';

const keys = generateInternalKeyPair();
const signer = new CallerSigner(keys.privateKey);
const caller: Caller = { requestId: 'req_1', actor: 'key_1', tenantId: '3f0b2c1e-1111-4222-8333-444455556666', scopes: new Set(['read', 'write']), surface: 'REST' };
const NOW = Date.UTC(2026, 11, 2, 12, 0, 0);
const TP = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const TTL = INTERNAL_TOKEN_TTL_SECONDS * 1000;
const SKEW = INTERNAL_TOKEN_CLOCK_SKEW_SECONDS * 1000;

const verifierFor = (audience = 'decisions', replayGuard?: ReplayGuard) => new CallerVerifier({ publicKey: keys.publicKey, audience, replayGuard });
const reason = (verdict: ReturnType<CallerVerifier['verify']>) => (verdict.ok ? 'accepted' : verdict.reason);

/** What only a holder of the gateway's private key could make: any payload, properly signed (to test what the verifier does with it). */
function signRaw(payload: unknown, key = keys.privateKey, version = 'v2'): string {
  const input = `${version}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  return `${input}.${sign(null, Buffer.from(input), key).toString('base64url')}`;
}

function flipBit(base64url: string): string {
  const bytes = Buffer.from(base64url, 'base64url');
  bytes[10] ^= 1;
  return bytes.toString('base64url');
}

function payloadOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
}

describe('the internal caller token', () => {
  it('carries the caller to the one subgraph it names, once', () => {
    const token = signer.sign(caller, 'decisions', NOW);
    const verdict = verifierFor().verify(token, NOW);
    expect(verdict).toEqual({ ok: true, caller });
    const payload = payloadOf(token);
    expect(payload).toMatchObject({ aud: 'decisions', iat: NOW / 1000, exp: NOW / 1000 + INTERNAL_TOKEN_TTL_SECONDS });
    expect(payload.jti).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('carries the gateway\'s traceparent when given one, and hands it to the subgraph only with the caller it was signed with', () => {
    const token = signer.sign(caller, 'decisions', NOW, TP);
    expect(payloadOf(token).tp).toBe(TP);
    expect(verifierFor().verify(token, NOW)).toEqual({ ok: true, caller, traceparent: TP });
    // Without one the payload has no `tp` at all, and the verdict no traceparent.
    const plain = signer.sign(caller, 'decisions', NOW);
    expect('tp' in payloadOf(plain)).toBe(false);
    expect('traceparent' in verifierFor().verify(plain, NOW)).toBe(false);
  });

  it('gets a fresh random id every time, even for the same caller in the same millisecond', () => {
    const ids = new Set(Array.from({ length: 5000 }, () => payloadOf(signer.sign(caller, 'decisions', NOW)).jti));
    expect(ids.size).toBe(5000);
  });

  it('is refused by every subgraph it does not name', () => {
    const token = signer.sign(caller, 'decisions', NOW);
    for (const other of ['audit', 'packages', 'tenants', 'Decisions', 'decisions ', '']) {
      expect(reason(verifierFor(other).verify(token, NOW))).toBe('wrong_audience');
    }
  });

  it('is refused a second time by the subgraph it names, whoever presents it', () => {
    const verifier = verifierFor();
    const token = signer.sign(caller, 'decisions', NOW);
    expect(reason(verifier.verify(token, NOW))).toBe('accepted');
    expect(reason(verifier.verify(token, NOW + 1))).toBe('replayed');
    expect(reason(verifier.verify(token, NOW + TTL))).toBe('replayed');
    // Past its life it is refused as expired: the guard's memory may end with it.
    expect(reason(verifier.verify(token, NOW + TTL + SKEW + 1))).toBe('expired');
    // A re-spelt signature is not a new token: the id is what the guard remembers.
    expect(reason(verifier.verify(token.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')), NOW + 2))).not.toBe('accepted');
  });

  it('is refused when signed with any key but the gateway\'s: another Ed25519 key, or an HMAC keyed with the public key', () => {
    const verifier = verifierFor();
    // A compromised subgraph holds only the public key; the best it can do is a key of its own.
    const own = new CallerSigner(generateInternalKeyPair().privateKey).sign({ ...caller, scopes: new Set(['read', 'write', 'admin']) }, 'decisions', NOW);
    expect(reason(verifier.verify(own, NOW))).toBe('bad_signature');
    const publicDer = keys.publicKey.export({ format: 'der', type: 'spki' });
    const input = `v2.${Buffer.from(JSON.stringify(payloadOf(signer.sign(caller, 'decisions', NOW)))).toString('base64url')}`;
    const hmac = createHmac('sha256', publicDer).update(input).digest();
    expect(reason(verifier.verify(`${input}.${Buffer.concat([hmac, hmac]).toString('base64url')}`, NOW))).toBe('bad_signature');
    expect(() => new CallerSigner(keys.publicKey)).toThrow(/private key/);
    expect(() => new CallerSigner(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey)).toThrow(/Ed25519/);
    expect(() => new CallerVerifier({ publicKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey, audience: 'decisions' })).toThrow(/Ed25519/);
  });

  it('is refused when any part was changed after signing', () => {
    const token = signer.sign(caller, 'decisions', NOW, TP);
    const [version, body, signature] = token.split('.') as [string, string, string];
    const forge = (change: (p: Record<string, unknown>) => void) => {
      const payload = payloadOf(token);
      change(payload);
      return `${version}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${signature}`;
    };
    const tampered: Array<[string, string]> = [
      ['admin scope added', forge((p) => (p.scp = ['read', 'write', 'admin']))],
      ['tenant dropped (every tenant)', forge((p) => (p.tid = null))],
      ['another tenant', forge((p) => (p.tid = '00000000-0000-4000-8000-000000000000'))],
      ['audience moved', forge((p) => (p.aud = 'audit'))],
      ['life extended', forge((p) => (p.exp = (p.exp as number) + 3600))],
      ['id changed (to dodge the replay guard)', forge((p) => (p.jti = 'A'.repeat(22)))],
      ['grafted onto another trace', forge((p) => (p.tp = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'))],
      ['trace context removed', forge((p) => (p.tp = undefined))],
      ['signature bit flipped', `${version}.${body}.${flipBit(signature)}`],
      ['signature of another token', `${version}.${body}.${signer.sign(caller, 'decisions', NOW).split('.')[2]}`],
    ];
    const verifier = verifierFor();
    for (const [, forged] of tampered) expect(reason(verifier.verify(forged, NOW))).toBe('bad_signature');
    // The untouched token still works: the refusals above were for the changes.
    expect(reason(verifier.verify(token, NOW))).toBe('accepted');
  });

  it.each([
    ['nothing', undefined],
    ['an empty header', ''],
  ])('is refused as missing when the header carries %s', (_name, token) => {
    expect(reason(verifierFor().verify(token, NOW))).toBe('missing');
  });

  it('is refused as malformed in every shape it was not minted in', () => {
    const token = signer.sign(caller, 'decisions', NOW);
    const [, body, signature] = token.split('.') as [string, string, string];
    const last = signature.at(-1)!;
    const shapes = [
      'garbage',
      'v2',
      'v2..',
      `v2.${body}`,
      `v2.${body}.`,
      `${token}.extra`,
      `v1.${body}.${signature}`,
      `V2.${body}.${signature}`,
      `v3.${body}.${signature}`,
      `v2.${body}.${signature}=`,
      `v2.${body}.${signature.slice(0, -2)}`,
      `v2.${body}.${signature}AA`,
      `v2.${body}!.${signature}`,
      `v2.${body}.${signature.replace(/^./, '+')}`,
      `v2.${'A'.repeat(4000)}.${signature}`,
      ` ${token}`,
    ];
    const verifier = verifierFor();
    for (const shape of shapes) {
      expect([shape, reason(verifier.verify(shape, NOW))]).toEqual([shape, expect.stringMatching(/^(malformed|bad_signature)$/)]);
    }
    // Same bytes, another spelling (a spare low bit of the last character set): refused before the signature is checked.
    const respelt = `v2.${body}.${signature.slice(0, -1)}${String.fromCharCode(last.charCodeAt(0) + 1)}`;
    expect(Buffer.from(respelt.split('.')[2]!, 'base64url').equals(Buffer.from(signature, 'base64url'))).toBe(true);
    expect(reason(verifier.verify(respelt, NOW))).toBe('malformed');
  });

  it('is refused, even under the gateway\'s own signature, when its payload is not what the gateway mints', () => {
    const good = payloadOf(signer.sign(caller, 'decisions', NOW));
    const cases: unknown[] = [
      null,
      [good],
      'a string',
      { ...good, jti: undefined },
      { ...good, jti: 'short' },
      { ...good, jti: 'x'.repeat(200) },
      { ...good, aud: ['decisions'] },
      { ...good, iat: String(good.iat) },
      { ...good, exp: (good.exp as number) + 0.5 },
      // A lifetime longer than the gateway gives, or none at all.
      { ...good, exp: (good.iat as number) + INTERNAL_TOKEN_TTL_SECONDS + 1 },
      { ...good, exp: good.iat },
      { ...good, scp: ['read', 'root'] },
      { ...good, scp: 'admin' },
      { ...good, tid: 42 },
      { ...good, srf: 'INTERNAL' },
      { ...good, rid: undefined },
      // A traceparent in any shape but W3C version 00's, lower-case hex, with ids that are not all zeros.
      { ...good, tp: '' },
      { ...good, tp: 42 },
      { ...good, tp: null },
      { ...good, tp: TP.toUpperCase() },
      { ...good, tp: TP.replace(/^00/, 'ff') },
      { ...good, tp: `00-${'0'.repeat(32)}-00f067aa0ba902b7-01` },
      { ...good, tp: `00-4bf92f3577b34da6a3ce929d0e0e4736-${'0'.repeat(16)}-01` },
      { ...good, tp: `${TP}-extra` },
      { ...good, tp: ` ${TP}` },
    ];
    const verifier = verifierFor();
    for (const payload of cases) expect([payload, reason(verifier.verify(signRaw(payload), NOW))]).toEqual([payload, 'malformed']);
    expect(reason(verifier.verify(signRaw(good, keys.privateKey, 'v1'), NOW))).toBe('malformed');
    expect(reason(verifier.verify(signRaw(good), NOW))).toBe('accepted');
  });

  describe('lives seconds, with a little clock skew either way', () => {
    it(`is accepted until ${INTERNAL_TOKEN_TTL_SECONDS} s + ${INTERNAL_TOKEN_CLOCK_SKEW_SECONDS} s after issue, and not a millisecond later`, () => {
      const verifier = verifierFor();
      expect(reason(verifier.verify(signer.sign(caller, 'decisions', NOW), NOW + TTL + SKEW))).toBe('accepted');
      expect(reason(verifier.verify(signer.sign(caller, 'decisions', NOW), NOW + TTL + SKEW + 1))).toBe('expired');
      expect(reason(verifier.verify(signer.sign(caller, 'decisions', NOW - 3_600_000), NOW))).toBe('expired');
    });

    it(`is accepted from a gateway up to ${INTERNAL_TOKEN_CLOCK_SKEW_SECONDS} s ahead, and refused as future-dated beyond`, () => {
      const verifier = verifierFor();
      expect(reason(verifier.verify(signer.sign(caller, 'decisions', NOW + SKEW), NOW))).toBe('accepted');
      expect(reason(verifier.verify(signer.sign(caller, 'decisions', NOW + SKEW + 1000), NOW))).toBe('not_yet_valid');
      expect(reason(verifier.verify(signer.sign(caller, 'decisions', NOW + 3_600_000), NOW))).toBe('not_yet_valid');
    });
  });

  describe('with a full replay guard', () => {
    it('refuses new tokens (the subgraph answers 503) rather than forgetting live ones, and takes them again once old ones expire', () => {
      const guard = new ReplayGuard(3);
      const verifier = verifierFor('decisions', guard);
      const first = Array.from({ length: 3 }, () => signer.sign(caller, 'decisions', NOW));
      for (const token of first) expect(reason(verifier.verify(token, NOW))).toBe('accepted');
      expect(reason(verifier.verify(signer.sign(caller, 'decisions', NOW), NOW))).toBe('replay_guard_full');
      // The live ids are still known: a replay is still a replay, not a fresh token.
      expect(reason(verifier.verify(first[0], NOW + 1))).toBe('replayed');
      expect(guard.size).toBe(3);
      const later = NOW + TTL + SKEW + 1;
      expect(reason(verifier.verify(signer.sign(caller, 'decisions', later), later))).toBe('accepted');
      expect(guard.size).toBe(1);
    });

    it('is not filled by tokens nobody signed', () => {
      const guard = new ReplayGuard(2);
      const verifier = verifierFor('decisions', guard);
      const stranger = new CallerSigner(generateInternalKeyPair().privateKey);
      for (let i = 0; i < 50; i++) verifier.verify(stranger.sign(caller, 'decisions', NOW), NOW);
      for (let i = 0; i < 50; i++) verifier.verify(signer.sign(caller, 'audit', NOW), NOW);
      expect(guard.size).toBe(0);
      expect(reason(verifier.verify(signer.sign(caller, 'decisions', NOW), NOW))).toBe('accepted');
    });
  });
});
