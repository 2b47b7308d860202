/**
 * API keys held in the gateway's memory never outlive their changes: a key
 * revoked, rescoped or deleted by any writer (not only the key API), or a
 * tenant's budget changed, takes effect on the next call, because
 * PostgreSQL notifies the gateway (credentials_changed triggers). While the
 * gateway cannot hear those notifications it reads every key from the
 * database, and it listens again by itself.
 */
import { Client, Pool } from 'pg';
import { CredentialsRead } from '../gateway/auth/credentials-read';
import { KeyCache } from '../gateway/auth/key-cache';
import { poolConfigFromUrl } from '../lib/database-url';
import { createLogger } from '../lib/logger';
import type { RunningSystem } from '../system/start-system';
import { createScratchTenant, type ScratchTenant } from './helpers/scratch-tenant';
import { postGraphQL, sql, startTestSystem, testDatabaseUrl } from './helpers/system';

let system: RunningSystem;
let tenant: ScratchTenant;
beforeAll(async () => {
  system = await startTestSystem();
});
afterAll(() => system.close());
beforeEach(async () => {
  tenant = await createScratchTenant({ features: ['kyc.adaptive'], scopeSets: [['read'], ['read', 'admin']] });
});

const ask = (key: string, query = '{ tenants { slug } }') => postGraphQL(system.gateway.url, query, undefined, { 'x-api-key': key });

async function listening(): Promise<boolean> {
  const rows = await sql<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE query = 'LISTEN credentials_changed'");
  return rows[0]!.n > 0;
}

async function untilListening(): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!(await listening()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  expect(await listening()).toBe(true);
}

/** Calls once the gateway listens, so the key is then served from its memory. */
async function warm(key: string): Promise<void> {
  await untilListening();
  // Its probe (a notification of its own) takes a moment more to come back.
  await new Promise((r) => setTimeout(r, 300));
  for (let i = 0; i < 3; i++) expect((await ask(key)).status).toBe(200);
}

describe('KeyCache', () => {
  const logger = createLogger('silent');
  const pool = () => new Pool(poolConfigFromUrl(testDatabaseUrl(), { max: 2 }));

  it('serves from memory only once a notification of its own came back, and never when notifications do not arrive', async () => {
    const db = pool();
    const connect = () => new Client(poolConfigFromUrl(testDatabaseUrl()));
    const deaf = new KeyCache(new CredentialsRead(db), connect, (payload) => db.query("SELECT pg_notify('some_other_channel', $1)", [payload]), logger);
    const hearing = new KeyCache(new CredentialsRead(db), connect, (payload) => db.query("SELECT pg_notify('credentials_changed', $1)", [payload]), logger);
    try {
      deaf.start();
      hearing.start();
      const deadline = Date.now() + 3_000;
      while (!hearing.active && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(hearing.active).toBe(true);
      await new Promise((r) => setTimeout(r, 2_500));
      expect(deaf.active).toBe(false);
    } finally {
      await Promise.all([deaf.stop(), hearing.stop()]);
      await db.end();
    }
  });
});

describe('the gateway key cache', () => {
  it('refuses a key revoked by a direct SQL write on the next call', async () => {
    const key = tenant.keys.read!;
    await warm(key);
    await sql('UPDATE api_keys SET revoked_at = now() WHERE tenant_id = $1 AND name = $2', [tenant.id, 'read']);
    const started = Date.now();
    let answer = await ask(key);
    while (answer.status === 200 && Date.now() - started < 1_000) answer = await ask(key);
    expect(answer.status).toBe(401);
    expect(answer.errors?.[0]?.extensions?.reason).toBe('revoked');
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('applies scopes taken away by SQL and a deleted key at once', async () => {
    const admin = tenant.keys['read,admin']!;
    await warm(admin);
    expect((await ask(admin, '{ apiKeys { name } }')).errors).toBeUndefined();
    await sql("UPDATE api_keys SET scopes = ARRAY['read'] WHERE tenant_id = $1 AND name = $2", [tenant.id, 'read,admin']);
    const started = Date.now();
    let answer = await ask(admin, '{ apiKeys { name } }');
    while (!answer.errors && Date.now() - started < 1_000) answer = await ask(admin, '{ apiKeys { name } }');
    expect(answer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    await sql('DELETE FROM api_keys WHERE tenant_id = $1 AND name = $2', [tenant.id, 'read,admin']);
    let gone = await ask(admin);
    while (gone.status === 200 && Date.now() - started < 2_000) gone = await ask(admin);
    expect(gone.status).toBe(401);
  });

  it("applies a tenant's new budget to its cached keys", async () => {
    const key = tenant.keys.read!;
    await warm(key);
    await sql('UPDATE tenants SET rate_limit_per_minute = 7 WHERE id = $1', [tenant.id]);
    const started = Date.now();
    let answer = await ask(key);
    while (answer.headers.get('x-ratelimit-limit') !== '7' && Date.now() - started < 1_000) answer = await ask(key);
    expect(answer.headers.get('x-ratelimit-limit')).toBe('7');
  });

  it('reads every key from the database while its listener is cut, and listens again by itself', async () => {
    const key = tenant.keys.read!;
    await warm(key);
    await sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = 'LISTEN credentials_changed'");
    // Revoked while nobody listens: no notification will ever say so, yet the next call is refused.
    await sql('UPDATE api_keys SET revoked_at = now() WHERE tenant_id = $1 AND name = $2', [tenant.id, 'read']);
    const answer = await ask(key);
    expect(answer.status).toBe(401);
    expect(answer.errors?.[0]?.extensions?.reason).toBe('revoked');
    await untilListening();
  });
});
