/**
 * What one internal caller token costs on the hot path (one sign in the
 * gateway and one verify in a subgraph per subgraph fetch): our Ed25519
 * token over node:crypto against the same check done as an EdDSA JWS with
 * jose, and the old HMAC token's cost for scale. No database needed.
 *
 *   npx tsx bench/internal-token.ts [--iterations 20000]
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { parseArgs } from 'node:util';
import { CompactSign, compactVerify, jwtVerify, SignJWT } from 'jose';
import { CallerSigner, CallerVerifier } from '../lib/internal-token';
import { generateInternalKeyPair } from '../lib/internal-keys';
import { ReplayGuard } from '../lib/subgraph/replay-guard';
import type { Caller } from '../lib/caller';

const caller: Caller = { requestId: 'req_0123456789abcdef0123456789abcdef', actor: 'key:0195c6a8-1f2e-7c3d-8e4f-a1b2c3d4e5f6', tenantId: '3f0b2c1e-1111-4222-8333-444455556666', scopes: new Set(['read', 'write']), surface: 'GRAPHQL' };

const WARM_UP = 1000;

/** Mean µs per call; `run` gets a call number unique across the warm-up and the timed calls. */
async function time(label: string, iterations: number, run: (i: number) => unknown): Promise<number> {
  for (let i = 0; i < WARM_UP; i++) await run(iterations + i);
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) await run(i);
  const micros = Number(process.hrtime.bigint() - started) / 1000 / iterations;
  console.log(`${label.padEnd(54)} ${micros.toFixed(1).padStart(7)} µs`);
  return micros;
}

async function main() {
  const { values } = parseArgs({ options: { iterations: { type: 'string', default: '20000' } } });
  const n = Number(values.iterations);
  const keys = generateInternalKeyPair();
  const signer = new CallerSigner(keys.privateKey);
  // A guard big enough never to fill: this measures the check, not the cap.
  const verifier = new CallerVerifier({ publicKey: keys.publicKey, audience: 'decisions', replayGuard: new ReplayGuard(10_000_000) });
  const tokens = Array.from({ length: n + WARM_UP }, () => signer.sign(caller, 'decisions'));
  const payload = new TextEncoder().encode(JSON.stringify({ aud: 'decisions', rid: caller.requestId }));
  const jws = await new CompactSign(payload).setProtectedHeader({ alg: 'EdDSA' }).sign(keys.privateKey);
  const jwt = await new SignJWT({ rid: caller.requestId }).setProtectedHeader({ alg: 'EdDSA' }).setAudience('decisions').setIssuedAt().setExpirationTime('10s').sign(keys.privateKey);
  const secret = 'k'.repeat(64);
  const hmacBody = Buffer.from(JSON.stringify({ rid: caller.requestId })).toString('base64url');
  const hmac = createHmac('sha256', secret).update(hmacBody).digest();

  console.log(`node ${process.version}, ${n} iterations each, mean per call`);
  await time('sign: CallerSigner (node:crypto Ed25519)', n, () => signer.sign(caller, 'decisions'));
  await time('sign: jose SignJWT EdDSA', n, () => new SignJWT({ rid: caller.requestId }).setProtectedHeader({ alg: 'EdDSA' }).setAudience('decisions').setExpirationTime('10s').sign(keys.privateKey));
  const ours = await time('verify: CallerVerifier (node:crypto, + replay guard)', n, (i) => {
    if (!verifier.verify(tokens[i]).ok) throw new Error('refused a good token');
  });
  const joseJws = await time('verify: jose compactVerify EdDSA', n, () => compactVerify(jws, keys.publicKey));
  await time('verify: jose jwtVerify EdDSA (claims checked)', n, () => jwtVerify(jwt, keys.publicKey, { audience: 'decisions' }));
  await time('verify: old HMAC-SHA256 token (for scale)', n, () => timingSafeEqual(hmac, createHmac('sha256', secret).update(hmacBody).digest()));
  console.log(`jose compactVerify / ours: ${(joseJws / ours).toFixed(1)}x`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
