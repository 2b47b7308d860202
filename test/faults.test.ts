import { buildTenantsSubgraph } from '../subgraphs/tenants/server';
import { openDatabase } from '../lib/database';
import type { RunningSystem } from '../system/start-system';
import { graphql, sql, startTestSystem, testDatabaseUrl } from './helpers/system';
import { TcpProxy } from './helpers/tcp-proxy';
import { testSubgraphDeps } from './helpers/subgraph';

async function readyz(gatewayUrl: string) {
  const res = await fetch(gatewayUrl.replace(/\/graphql$/, '/readyz'));
  return { status: res.status, body: (await res.json()) as any };
}

async function eventually<T>(probe: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('health endpoints', () => {
  let system: RunningSystem;
  beforeAll(async () => {
    system = await startTestSystem();
  });
  afterAll(() => system.close());

  it('/healthz answers while the process is up and /readyz reports every dependency', async () => {
    const health = await fetch(system.gateway.url.replace(/\/graphql$/, '/healthz'));
    expect(health.status).toBe(200);
    expect(health.headers.get('x-request-id')).toMatch(/^req_/);
    const ready = await readyz(system.gateway.url);
    expect(ready.status).toBe(200);
    expect(ready.body.ready).toBe(true);
    expect(Object.keys(ready.body.subgraphs).sort()).toEqual(['audit', 'decisions', 'packages', 'tenants']);
  });

  it('answers an unknown route with a JSON 404', async () => {
    const res = await fetch(system.gateway.url.replace(/\/graphql$/, '/nope'));
    expect(res.status).toBe(404);
    expect(((await res.json()) as any).errors[0].extensions.code).toBe('NOT_FOUND');
  });
});

describe('a subgraph that goes down', () => {
  let system: RunningSystem;
  beforeAll(async () => {
    system = await startTestSystem();
  });
  afterAll(() => system.close());

  it('yields partial data with a SUBGRAPH_UNAVAILABLE error, and the graph heals when it returns', async () => {
    const [d] = await sql(`SELECT id FROM decisions ORDER BY created_at DESC LIMIT 1`);
    const query = `query($id: ID!) { decision(id: $id) { id outcome tenant { slug } } tenants { slug } }`;
    const tenants = system.subgraphs.tenants;
    await tenants.close();

    const down = await graphql(system.gateway.url, query, { id: d.id });
    expect(down.status).toBe(200);
    expect(down.data?.decision).toMatchObject({ id: d.id, tenant: null });
    expect(down.data?.decision.outcome).toBeTruthy();
    expect(down.data?.tenants).toBeNull();
    const codes = down.errors!.map((e) => e.extensions?.code);
    expect(codes).toContain('SUBGRAPH_UNAVAILABLE');
    expect(down.errors!.find((e) => e.extensions?.code === 'SUBGRAPH_UNAVAILABLE')!.message).toMatch(/tenants service is unavailable/);
    expect(JSON.stringify(down.errors)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|stack/);
    const notReady = await readyz(system.gateway.url);
    expect(notReady.status).toBe(503);
    expect(notReady.body.subgraphs.tenants.ok).toBe(false);
    expect(notReady.body.subgraphs.decisions.ok).toBe(true);

    // The same service comes back on the same address; nothing is restarted on the gateway.
    const db = openDatabase(testDatabaseUrl(), { poolSize: 2 });
    const revived = await buildTenantsSubgraph(testSubgraphDeps('tenants', db)).listen(tenants.port);
    try {
      const healed = await graphql(system.gateway.url, query, { id: d.id });
      expect(healed.errors).toBeUndefined();
      expect(healed.data?.decision.tenant.slug).toBeTruthy();
      expect((await readyz(system.gateway.url)).status).toBe(200);
    } finally {
      await revived.close();
      await db.close();
    }
  });
});

describe('a database that goes away', () => {
  let proxy: TcpProxy;
  let viaProxy: string;
  beforeAll(async () => {
    const target = new URL(testDatabaseUrl());
    proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
    await proxy.start();
    target.port = String(proxy.port);
    viaProxy = target.toString();
  });
  beforeEach(() => proxy.restore());
  afterAll(() => proxy.cut());

  it('under the subgraphs gives DATABASE_UNAVAILABLE errors and not-ready, then recovers by itself', async () => {
    // The gateway keeps its own connection, so credentials still check out and the subgraphs' fault shows.
    const system = await startTestSystem(viaProxy, testDatabaseUrl());
    try {
      const query = '{ tenants { slug } decisions(first: 1) { totalCount } }';
      expect((await graphql(system.gateway.url, query)).errors).toBeUndefined();

      await proxy.cut();
      const down = await graphql(system.gateway.url, query);
      expect(down.status).toBe(200);
      expect(down.errors?.length).toBeGreaterThan(0);
      for (const error of down.errors!) {
        expect(error.extensions?.code).toBe('DATABASE_UNAVAILABLE');
        expect(error.message).not.toMatch(/ECONN|postgres|password|127\.0\.0\.1/i);
      }
      const notReady = await readyz(system.gateway.url);
      expect(notReady.status).toBe(503);

      await proxy.restore();
      const healed = await eventually(() => graphql(system.gateway.url, query), (r) => !r.errors);
      expect(healed.errors).toBeUndefined();
      expect(healed.data?.tenants.length).toBeGreaterThan(0);
      expect((await eventually(() => readyz(system.gateway.url), (r) => r.status === 200)).status).toBe(200);
    } finally {
      await system.close();
    }
  });

  it('under the gateway answers 503 DATABASE_UNAVAILABLE (credentials cannot be checked), then recovers', async () => {
    const system = await startTestSystem(viaProxy);
    try {
      const query = '{ tenants { slug } }';
      expect((await graphql(system.gateway.url, query)).errors).toBeUndefined();
      await proxy.cut();
      const down = await graphql(system.gateway.url, query, undefined, { 'x-request-id': 'fault-0001' });
      expect(down.status).toBe(503);
      expect(down.headers.get('retry-after')).toBe('1');
      expect(down.errors?.[0].extensions).toMatchObject({ code: 'DATABASE_UNAVAILABLE', requestId: down.headers.get('x-request-id') });
      expect(down.headers.get('x-correlation-id')).toBe('fault-0001');
      await proxy.restore();
      const healed = await eventually(() => graphql(system.gateway.url, query), (r) => r.status === 200 && !r.errors);
      expect(healed.status).toBe(200);
    } finally {
      await system.close();
    }
  });
});
