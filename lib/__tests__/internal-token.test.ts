import type { Caller } from '../caller';
import { signCaller, verifyCaller, INTERNAL_TOKEN_TTL_SECONDS } from '../internal-token';

const SECRET = 'k'.repeat(32);
const caller: Caller = { requestId: 'req_1', actor: 'key_1', tenantId: '3f0b2c1e-1111-4222-8333-444455556666', scopes: new Set(['read', 'write']), surface: 'REST' };

describe('the internal caller token', () => {
  it('round-trips a caller signed with the shared secret', () => {
    const verified = verifyCaller(signCaller(caller, SECRET), SECRET);
    expect(verified).toEqual(caller);
  });

  it('refuses a token signed with another secret', () => {
    expect(verifyCaller(signCaller(caller, 'x'.repeat(32)), SECRET)).toBeNull();
  });

  it('refuses a token whose payload was changed after signing', () => {
    const [v, body, sig] = signCaller(caller, SECRET).split('.');
    const forged = JSON.parse(Buffer.from(body, 'base64url').toString());
    forged.scp = ['read', 'write', 'admin'];
    forged.tid = null;
    expect(verifyCaller(`${v}.${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${sig}`, SECRET)).toBeNull();
  });

  it('refuses an expired token', () => {
    const issued = Date.now() - (INTERNAL_TOKEN_TTL_SECONDS + 5) * 1000;
    expect(verifyCaller(signCaller(caller, SECRET, issued), SECRET)).toBeNull();
  });

  it.each([undefined, '', 'v1', 'v1.a.b', 'v2.a.b', 'v1.a.b.c', 'garbage'])('refuses the malformed token %p', (token) => {
    expect(verifyCaller(token, SECRET)).toBeNull();
  });
});
