/**
 * Identical subgraph reads in flight at once are sent once, and shared only
 * where the answer cannot differ: the same tenant and scopes, the same
 * subgraph, document and variables. Against a real HTTP server that counts
 * what reaches it, then through the real gateway: two tenants' identical
 * queries never get each other's answer, and a caller without the scope
 * never hands its FORBIDDEN to one with it (nor gets its data).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunningSystem } from '../system/start-system';
import { SHARE_KEY_HEADER, SubgraphFetcher } from '../gateway/graphql/subgraph-fetcher';
import { createScratchTenant } from './helpers/scratch-tenant';
import { graphql, startTestSystem } from './helpers/system';

describe('SubgraphFetcher', () => {
  let server: http.Server;
  let url: string;
  const seen: Array<{ caller: string; body: string; share: unknown }> = [];
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const caller = String(req.headers['x-caller']);
        seen.push({ caller, body, share: req.headers[SHARE_KEY_HEADER] });
        // Slow enough that concurrent calls overlap; the answer names who asked, and a reader without admin is refused.
        setTimeout(() => {
          const answer = caller.endsWith('read') ? { errors: [{ message: 'forbidden', extensions: { code: 'FORBIDDEN' } }] } : { data: { caller } };
          const text = JSON.stringify(answer);
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
          res.end(text);
        }, 100);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => void (seen.length = 0));

  const call = (fetcher: SubgraphFetcher, who: string, share: boolean, body = '{"query":"{ x }"}') =>
    fetcher.fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-caller': who, ...(share && { [SHARE_KEY_HEADER]: who }) }, body }).then((r) => r.json() as Promise<any>);

  it('sends identical reads of one share key once, and each caller reads its own copy of the answer', async () => {
    const fetcher = new SubgraphFetcher({ timeoutMs: 5_000, maxResponseBytes: 1_000_000 });
    const answers = await Promise.all(Array.from({ length: 10 }, () => call(fetcher, 'tenant-a|admin', true)));
    expect(seen).toHaveLength(1);
    expect(fetcher.counts).toEqual({ sent: 1, shared: 9 });
    for (const a of answers) expect(a).toEqual({ data: { caller: 'tenant-a|admin' } });
    answers[0].data.caller = 'changed';
    expect(answers[1].data.caller).toBe('tenant-a|admin');
    // The share key itself never leaves the gateway.
    expect(seen[0]!.share).toBeUndefined();
    await fetcher.close();
  });

  it('makes the sent-only headers (the signed caller token) once per request sent, never for a call that rides on it', async () => {
    const fetcher = new SubgraphFetcher({ timeoutMs: 5_000, maxResponseBytes: 1_000_000 });
    let made = 0;
    const sentHeaders = () => ({ 'x-caller': `token-${++made}` });
    const headers = { 'content-type': 'application/json', [SHARE_KEY_HEADER]: 'tenant-a|admin' };
    const answers = await Promise.all(Array.from({ length: 5 }, () => fetcher.fetch(url, { method: 'POST', headers, body: '{"query":"{ y }"}', sentHeaders }).then((r) => r.json())));
    expect(made).toBe(1);
    expect(seen.map((s) => s.caller)).toEqual(['token-1']);
    expect(answers).toEqual(Array(5).fill({ data: { caller: 'token-1' } }));
    // Not in flight any more: the next read sends, and makes its own.
    await fetcher.fetch(url, { method: 'POST', headers, body: '{"query":"{ y }"}', sentHeaders });
    expect(seen.map((s) => s.caller)).toEqual(['token-1', 'token-2']);
    await fetcher.close();
  });

  it('never shares across share keys (tenants, scopes), bodies, or with a call that asks for no sharing', async () => {
    const fetcher = new SubgraphFetcher({ timeoutMs: 5_000, maxResponseBytes: 1_000_000 });
    const [a, b, reader, other, unshared1, unshared2] = await Promise.all([
      call(fetcher, 'tenant-a|admin', true),
      call(fetcher, 'tenant-b|admin', true),
      call(fetcher, 'tenant-a|read', true),
      call(fetcher, 'tenant-a|admin', true, '{"query":"{ y }"}'),
      call(fetcher, 'tenant-c|admin', false),
      call(fetcher, 'tenant-c|admin', false),
    ]);
    expect(seen).toHaveLength(6);
    expect(a).toEqual({ data: { caller: 'tenant-a|admin' } });
    expect(b).toEqual({ data: { caller: 'tenant-b|admin' } });
    expect(reader.errors[0].extensions.code).toBe('FORBIDDEN');
    expect(other).toEqual({ data: { caller: 'tenant-a|admin' } });
    expect(unshared1).toEqual(unshared2);
    expect(fetcher.counts.shared).toBe(0);
    await fetcher.close();
  });

  it('shares nothing once the first request is answered: no answer is kept', async () => {
    const fetcher = new SubgraphFetcher({ timeoutMs: 5_000, maxResponseBytes: 1_000_000 });
    await call(fetcher, 'tenant-a|admin', true);
    await call(fetcher, 'tenant-a|admin', true);
    expect(seen).toHaveLength(2);
    await fetcher.close();
  });
});

describe('shared subgraph reads through the gateway', () => {
  let system: RunningSystem;
  beforeAll(async () => {
    system = await startTestSystem();
  });
  afterAll(() => system.close());

  it("gives two tenants asking the same query at once their own tenant, never each other's", async () => {
    const [a, b] = await Promise.all([0, 1].map(() => createScratchTenant({ features: ['kyc.adaptive'], scopeSets: [['read']] })));
    const query = '{ tenants { id slug } }';
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => {
      const tenant = i % 2 ? a! : b!;
      return graphql(system.gateway.url, query, undefined, { 'x-api-key': tenant.keys.read! }).then((res) => ({ tenant, res }));
    }));
    for (const { tenant, res } of answers) expect(res.data).toEqual({ tenants: [{ id: tenant.id, slug: tenant.slug }] });
  });

  it('does not hand a reader the data of an admin asking the same at once, nor the admin the reader\'s FORBIDDEN', async () => {
    const tenant = await createScratchTenant({ features: ['kyc.adaptive'], scopeSets: [['read'], ['read', 'admin']] });
    const query = '{ apiKeys { name } }';
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => {
      const key = i % 2 ? tenant.keys['read,admin']! : tenant.keys.read!;
      return graphql(system.gateway.url, query, undefined, { 'x-api-key': key }).then((res) => ({ admin: i % 2 === 1, res }));
    }));
    for (const { admin, res } of answers) {
      if (admin) {
        expect(res.errors).toBeUndefined();
        expect(res.data.apiKeys.map((k: { name: string }) => k.name).sort()).toEqual(['read', 'read,admin']);
      } else {
        expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      }
    }
  });
});
