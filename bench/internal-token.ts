/**
 * What one internal caller token costs on the hot path (one sign in the
 * gateway and one verify in a subgraph per subgraph fetch): our Ed25519
 * token over node:crypto against the same check done as an EdDSA JWS with
 * jose, and the old HMAC token's cost for scale. No database needed.
 *
 *   npx tsx bench/internal-token.ts [--iterations 21000]
 */
import { createHmac, timingSafeEqual, verify } from 'node:crypto';
import { parseArgs } from 'node:util';
import { CompactSign, compactVerify, jwtVerify, SignJWT } from 'jose';
import { CallerSigner, CallerVerifier } from '../lib/internal-token';
import { generateInternalKeyPair } from '../lib/internal-keys';
import { ReplayGuard } from '../lib/subgraph/replay-guard';
import type { Caller } from '../lib/caller';

const caller: Caller = { requestId: 'req_0123456789abcdef0123456789abcdef', actor: 'key:0195c6a8-1f2e-7c3d-8e4f-a1b2c3d4e5f6', tenantId: '3f0b2c1e-1111-4222-8333-444455556666', scopes: new Set(['read', 'write']), surface: 'GRAPHQL' };

/**
 * Each case runs in short rounds, the cases interleaved, and the fastest
 * round counts: on a shared machine the minimum is what the code costs, the
 * rest is other processes' load.
 */
const ROUNDS = 7;

interface Case {
  label: string;
  /** Called once before each round; the returned function is timed `calls` times. */
  prepare(calls: number): (i: number) => unknown;
}

async function main() {
  const { values } = parseArgs({ options: { iterations: { type: 'string', default: '21000' } } });
  const perRound = Math.ceil(Number(values.iterations) / ROUNDS);
  const keys = generateInternalKeyPair();
  const signer = new CallerSigner(keys.privateKey);
  // A guard big enough never to fill: this measures the check, not the cap.
  const verifier = new CallerVerifier({ publicKey: keys.publicKey, audience: 'decisions', replayGuard: new ReplayGuard(10_000_000) });
  const payload = new TextEncoder().encode(JSON.stringify({ aud: 'decisions', rid: caller.requestId }));
  const jws = await new CompactSign(payload).setProtectedHeader({ alg: 'EdDSA' }).sign(keys.privateKey);
  const jwt = await new SignJWT({ rid: caller.requestId }).setProtectedHeader({ alg: 'EdDSA' }).setAudience('decisions').setIssuedAt().setExpirationTime('10m').sign(keys.privateKey);
  const one = signer.sign(caller, 'decisions');
  const input = Buffer.from(one.slice(0, one.lastIndexOf('.')));
  const sig = Buffer.from(one.split('.')[2]!, 'base64url');
  const secret = 'k'.repeat(64);
  const hmacBody = Buffer.from(JSON.stringify({ rid: caller.requestId })).toString('base64url');
  const hmac = createHmac('sha256', secret).update(hmacBody).digest();

  const cases: Case[] = [
    { label: 'sign: CallerSigner (node:crypto Ed25519)', prepare: () => () => signer.sign(caller, 'decisions') },
    { label: 'sign: jose SignJWT EdDSA', prepare: () => () => new SignJWT({ rid: caller.requestId }).setProtectedHeader({ alg: 'EdDSA' }).setAudience('decisions').setExpirationTime('10s').sign(keys.privateKey) },
    {
      label: 'verify: CallerVerifier (whole check + replay guard)',
      prepare: (calls) => {
        // Fresh tokens per round: each is accepted once, and lives 10 s.
        const tokens = Array.from({ length: calls }, () => signer.sign(caller, 'decisions'));
        return (i) => {
          if (!verifier.verify(tokens[i]).ok) throw new Error('refused a good token');
        };
      },
    },
    { label: 'verify: node:crypto Ed25519 signature alone', prepare: () => () => verify(null, input, keys.publicKey, sig) },
    { label: 'verify: jose compactVerify EdDSA', prepare: () => () => compactVerify(jws, keys.publicKey) },
    { label: 'verify: jose jwtVerify EdDSA (claims checked)', prepare: () => () => jwtVerify(jwt, keys.publicKey, { audience: 'decisions' }) },
    { label: 'verify: old HMAC-SHA256 token (for scale)', prepare: () => () => timingSafeEqual(hmac, createHmac('sha256', secret).update(hmacBody).digest()) },
  ];

  const best = new Map<string, number>();
  for (let round = 0; round <= ROUNDS; round++) {
    for (const c of cases) {
      const run = c.prepare(perRound);
      const started = process.hrtime.bigint();
      for (let i = 0; i < perRound; i++) await run(i);
      const micros = Number(process.hrtime.bigint() - started) / 1000 / perRound;
      // Round 0 warms the JIT up and is not counted.
      if (round > 0) best.set(c.label, Math.min(best.get(c.label) ?? Infinity, micros));
    }
  }
  console.log(`node ${process.version}, ${ROUNDS} rounds of ${perRound} calls per case, fastest round's mean per call`);
  for (const [label, micros] of best) console.log(`${label.padEnd(54)} ${micros.toFixed(1).padStart(7)} µs`);
  const ours = best.get(cases[2]!.label)!;
  console.log(`jose compactVerify / CallerVerifier: ${(best.get(cases[4]!.label)! / ours).toFixed(2)}x; jose jwtVerify / CallerVerifier: ${(best.get(cases[5]!.label)! / ours).toFixed(2)}x`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
