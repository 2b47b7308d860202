import { readFileSync } from 'node:fs';
import { decodeKeyPair } from '../lib/internal-keys';
import { CallerSigner } from '../lib/internal-token';
import { createLogger } from '../lib/logger';
import { SUBGRAPHS, SUPERGRAPH_PATH } from '../lib/supergraph';
import { buildGateway } from '../gateway/server';
import type { RunningServer } from '../lib/subgraph/server';
import type { RunningSystem } from '../system/start-system';
import { testCredentials } from './helpers/credentials';
import { createScratchTenant, type ScratchTenant } from './helpers/scratch-tenant';
import { postGraphQL, sql, startTestSystem, testDatabaseUrl } from './helpers/system';
import { TcpProxy } from './helpers/tcp-proxy';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

let system: RunningSystem;
const extraGateways: RunningServer[] = [];

/** Another gateway in front of the same subgraphs, as a second instance behind a load balancer would be. */
async function secondGateway(redisUrl: string | undefined): Promise<RunningServer> {
  const gateway = await buildGateway({
    supergraphSdl: readFileSync(SUPERGRAPH_PATH, 'utf8'),
    subgraphUrls: Object.fromEntries(SUBGRAPHS.map(({ name }) => [name, system.subgraphs[name].url])),
    databaseUrl: testDatabaseUrl(),
    callerSigner: new CallerSigner(decodeKeyPair(testCredentials().callerKeys).privateKey),
    jwt: null,
    redisUrl,
    logger: createLogger('silent'),
  }).listen(0);
  extraGateways.push(gateway);
  return gateway;
}

async function tenantWithBudget(perMinute: number): Promise<ScratchTenant> {
  const tenant = await createScratchTenant({ features: ['kyc.adaptive'], scopeSets: [['read']] });
  await sql('UPDATE tenants SET rate_limit_per_minute = $2 WHERE id = $1', [tenant.id, perMinute]);
  return tenant;
}

const TINY = '{ tenants { slug } }';

beforeAll(async () => {
  system = await startTestSystem(undefined, undefined, { redisUrl: REDIS_URL });
});
afterAll(async () => {
  await Promise.all(extraGateways.map((g) => g.close()));
  await system?.close();
});

describe('rate limits', () => {
  it('two gateways on one Redis spend one budget per tenant, GraphQL and REST alike', async () => {
    const tenant = await tenantWithBudget(6);
    const key = { 'x-api-key': tenant.keys.read };
    const other = await secondGateway(REDIS_URL);
    const restUrl = system.gateway.url.replace(/\/graphql$/, '/v1/decisions?limit=1');
    const answers: Array<{ status: number; headers: Headers }> = [];
    for (let i = 0; i < 6; i++) {
      if (i % 3 === 2) {
        const res = await fetch(restUrl, { headers: key });
        await res.arrayBuffer();
        answers.push({ status: res.status, headers: res.headers });
      } else {
        answers.push(await postGraphQL(i % 2 ? other.url : system.gateway.url, TINY, undefined, key));
      }
    }
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(answers.map((a) => Number(a.headers.get('x-ratelimit-remaining')))).toEqual([5, 4, 3, 2, 1, 0]);
    expect(answers[0]!.headers.get('ratelimit-policy')).toBe('"tenant";q=6;w=60');
    expect(answers[0]!.headers.get('ratelimit')).toMatch(/^"tenant";r=5;t=\d+$/);
    expect(Number(answers[0]!.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);

    const requestId = `rate-limited-${Date.now()}`;
    const limited = await postGraphQL(other.url, TINY, undefined, { ...key, 'x-request-id': requestId });
    expect(limited.status).toBe(429);
    expect(limited.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', limit: 6, requestId: limited.headers.get('x-request-id') });
    expect(limited.headers.get('x-correlation-id')).toBe(requestId);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    const rest = await fetch(restUrl, { headers: key });
    expect(rest.status).toBe(429);
    expect(((await rest.json()) as any).error.code).toBe('RATE_LIMITED');
    expect(rest.headers.get('retry-after')).toMatch(/^\d+$/);
    // A limited call is still a call: recorded with its status.
    expect(await sql('SELECT status FROM audit_events WHERE correlation_id = $1', [requestId])).toEqual([{ status: '429 RATE_LIMITED' }]);
    // Other tenants are untouched.
    expect((await postGraphQL(other.url, TINY, undefined, { 'x-api-key': testCredentials().keys.readA })).status).toBe(200);
  });

  it('weigh an operation by its estimated cost', async () => {
    const tenant = await tenantWithBudget(10);
    const key = { 'x-api-key': tenant.keys.read };
    // first: 100 with a tenant each costs about 400: weight 5 of the 10 units.
    const heavy = '{ decisions(first: 100) { edges { node { id tenant { slug } } } } }';
    const first = await postGraphQL(system.gateway.url, heavy, undefined, key);
    expect(first.status).toBe(200);
    expect(Number(first.headers.get('x-ratelimit-remaining'))).toBeLessThanOrEqual(6);
    await postGraphQL(system.gateway.url, heavy, undefined, key);
    const third = await postGraphQL(system.gateway.url, heavy, undefined, key);
    expect(third.status).toBe(429);
  });

  it('refuse an operation that weighs more than the whole budget, saying so', async () => {
    const tenant = await tenantWithBudget(2);
    const r = await postGraphQL(system.gateway.url, '{ decisions(first: 100) { edges { node { id tenant { slug } } } } }', undefined, { 'x-api-key': tenant.keys.read });
    expect(r.status).toBe(429);
    expect(r.errors?.[0]?.message).toMatch(/more than the 2 per minute/);
  });

  it('keep limiting, per process, while Redis is down, answer at once, and share the budget again when it returns', async () => {
    const proxy = new TcpProxy('127.0.0.1', Number(new URL(REDIS_URL).port || 6379));
    await proxy.start();
    const gateway = await secondGateway(`redis://127.0.0.1:${proxy.port}`);
    const tenant = await tenantWithBudget(4);
    const key = { 'x-api-key': tenant.keys.read };
    expect((await postGraphQL(gateway.url, TINY, undefined, key)).headers.get('x-ratelimit-remaining')).toBe('3');

    await proxy.cut();
    const started = performance.now();
    const during = [];
    for (let i = 0; i < 5; i++) during.push(await postGraphQL(gateway.url, TINY, undefined, key));
    // Neither hung nor crashed, and still limited: the in-memory budget of 4 is spent by the fifth call.
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(during.map((r) => r.status)).toEqual([200, 200, 200, 200, 429]);

    await proxy.restore();
    // Back on Redis, where this tenant has spent one unit: the shared count resumes by itself.
    let remaining: string | null = null;
    for (let attempt = 0; attempt < 50 && remaining !== '2'; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const r = await postGraphQL(gateway.url, '{ __typename }', undefined, key);
      remaining = r.headers.get('x-ratelimit-remaining');
    }
    expect(remaining).toBe('2');
    await proxy.cut();
  });

  it('count in process memory when no Redis is configured (the embedded default)', async () => {
    const gateway = await secondGateway(undefined);
    const tenant = await tenantWithBudget(2);
    const key = { 'x-api-key': tenant.keys.read };
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await postGraphQL(gateway.url, TINY, undefined, key)).status);
    expect(statuses).toEqual([200, 200, 429]);
  });
});

describe('refused operations', () => {
  it('spend one unit each, so refusals are no unlimited way in', async () => {
    const tenant = await tenantWithBudget(3);
    const key = { 'x-api-key': tenant.keys.read };
    let deep = 'id';
    for (let i = 0; i < 20; i++) deep = `decisions(first: 2) { edges { node { tenant { ${deep} } } } }`;
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await postGraphQL(system.gateway.url, `{ ${deep} }`, undefined, key)).status);
    expect(statuses).toEqual([400, 400, 400, 429]);
  });
});
