import { startMetricsServer } from '../lib/metrics-server';
import { createLogger } from '../lib/logger';
import { OPERATION_LABEL_LIMIT } from '../lib/metrics';
import type { RunningSystem } from '../system/start-system';
import { testCredentials } from './helpers/credentials';
import { createScratchTenant, type ScratchTenant } from './helpers/scratch-tenant';
import { connectWs, subscribe } from './helpers/stream-clients';
import { graphql, sql, startTestSystem } from './helpers/system';

/** Prometheus metrics: who may read them, that the exposition parses, and that each figure moves with what it counts. */
let system: RunningSystem;
let base: string;
let tenant: ScratchTenant;
const creds = testCredentials();

beforeAll(async () => {
  system = await startTestSystem();
  base = system.gateway.url.replace(/\/graphql$/, '');
  tenant = await createScratchTenant({ features: ['kyc.adaptive'], scopeSets: [['read', 'write']] });
});
afterAll(() => system.close());

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The text exposition format, parsed strictly enough to catch a malformed line or a family declared twice. */
function parse(text: string): Sample[] {
  const declared = new Map<string, Set<string>>();
  const samples: Sample[] = [];
  for (const line of text.split('\n').filter(Boolean)) {
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line);
    if (meta) {
      const seen = declared.get(meta[2]!) ?? new Set();
      if (seen.has(meta[1]!)) throw new Error(`${meta[1]} of ${meta[2]} declared twice`);
      declared.set(meta[2]!, seen.add(meta[1]!));
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.e+-]+|[Nn]a[Nn]|\+Inf|-Inf)$/.exec(line);
    if (!sample) throw new Error(`not a sample line: ${line}`);
    const labels = Object.fromEntries([...(sample[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]));
    samples.push({ name: sample[1]!, labels, value: Number(sample[3]) });
  }
  return samples;
}

async function scrape(key: string | null = creds.keys.operator): Promise<{ status: number; text: string; contentType: string | null }> {
  const res = await fetch(`${base}/metrics`, { headers: key ? { 'x-api-key': key } : {} });
  return { status: res.status, text: await res.text(), contentType: res.headers.get('content-type') };
}

const total = (samples: Sample[], name: string, match: Record<string, string> = {}) =>
  samples.filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v)).reduce((n, s) => n + s.value, 0);

describe('/metrics on the gateway', () => {
  it('answers the platform operator, refuses a tenant (403) and nobody (401), and takes only GET', async () => {
    const ok = await scrape();
    expect(ok.status).toBe(200);
    expect(ok.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(parse(ok.text).length).toBeGreaterThan(50);

    const tenantKey = await scrape(creds.keys.readA);
    expect(tenantKey.status).toBe(403);
    expect(JSON.parse(tenantKey.text).errors[0].extensions.code).toBe('FORBIDDEN');
    const none = await scrape(null);
    expect(none.status).toBe(401);
    expect(JSON.parse(none.text).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    const revoked = await scrape(creds.keys.revokedA);
    expect(revoked.status).toBe(401);
    const post = await fetch(`${base}/metrics`, { method: 'POST', headers: { 'x-api-key': creds.keys.operator } });
    expect(post.status).toBe(405);
  });

  it('counts calls by surface, operation and status, subgraph fetches by subgraph, and audit batches', async () => {
    const before = parse((await scrape()).text);
    // Tenant A has seeded decisions, so the query reaches the tenants and packages subgraphs too.
    const key = { 'x-api-key': creds.keys.readA };
    const query = 'query MetricsProbe { decisions(first: 2) { edges { node { id tenant { slug } packageVersion { version } } } } }';
    for (let i = 0; i < 3; i++) expect((await graphql(system.gateway.url, query, undefined, key)).status).toBe(200);
    expect((await graphql(system.gateway.url, '{ decisions(first: 1) { totalCount } }', undefined, { 'x-api-key': 'mai_test_nonsense' })).status).toBe(401);
    expect((await fetch(`${base}/v1/decisions?limit=1`, { headers: key })).status).toBe(200);
    const after = parse((await scrape()).text);
    const delta = (name: string, match: Record<string, string> = {}) => total(after, name, match) - total(before, name, match);

    expect(delta('gateway_calls_total', { surface: 'GRAPHQL', operation: 'MetricsProbe', status: '200' })).toBe(3);
    expect(delta('gateway_calls_total', { surface: 'GRAPHQL', status: '401 malformed' }) + delta('gateway_calls_total', { surface: 'GRAPHQL', status: '401 unknown' })).toBe(1);
    expect(delta('gateway_calls_total', { surface: 'REST', operation: 'GET /v1/decisions', status: '200' })).toBe(1);
    expect(delta('gateway_call_duration_seconds_count', { surface: 'GRAPHQL' })).toBe(4);
    for (const subgraph of ['decisions', 'tenants', 'packages']) {
      expect(delta('gateway_subgraph_fetches_total', { subgraph, outcome: 'ok' })).toBeGreaterThanOrEqual(3);
      expect(delta('subgraph_requests_total', { subgraph, status: '200' })).toBeGreaterThanOrEqual(3);
      expect(delta('gateway_subgraph_fetch_duration_seconds_count', { subgraph })).toBeGreaterThanOrEqual(3);
    }
    expect(delta('audit_writer_batches_total', { outcome: 'ok' })).toBeGreaterThanOrEqual(1);
    expect(delta('audit_writer_batch_events_sum')).toBeGreaterThanOrEqual(5);
    // Every call that got as far as a record is counted once per record.
    expect(delta('gateway_calls_total')).toBe(5);
  });

  it('counts rate-limit refusals', async () => {
    const tight = await createScratchTenant({ features: [], scopeSets: [['read']] });
    await sql('UPDATE tenants SET rate_limit_per_minute = 1 WHERE id = $1', [tight.id]);
    const before = total(parse((await scrape()).text), 'gateway_rate_limit_rejections_total');
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await graphql(system.gateway.url, '{ decisions(first: 1) { totalCount } }', undefined, { 'x-api-key': tight.keys.read! })).status);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(1);
    expect(total(parse((await scrape()).text), 'gateway_rate_limit_rejections_total') - before).toBe(statuses.filter((s) => s === 429).length);
  });

  it('shows live stream connections and subscriptions while they are open, and not after', async () => {
    const gauge = async () => {
      const s = parse((await scrape()).text);
      return { ws: total(s, 'gateway_stream_connections', { transport: 'WEBSOCKET' }), subscriptions: total(s, 'gateway_stream_subscriptions'), groups: total(s, 'gateway_stream_groups') };
    };
    const idle = await gauge();
    const { client, closed } = connectWs(system.gateway.url, { apiKey: tenant.keys['read,write'] });
    subscribe(client, 'subscription { decisionCreated { id } }');
    let open = idle;
    // The subscription is counted when admitted, its group a moment later when the hub takes it.
    for (let i = 0; i < 100 && (open.subscriptions === idle.subscriptions || open.groups === idle.groups); i++) {
      open = await gauge();
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(open).toEqual({ ws: idle.ws + 1, subscriptions: idle.subscriptions + 1, groups: idle.groups + 1 });
    await client.dispose();
    await closed;
    for (let i = 0; i < 50 && (await gauge()).ws !== idle.ws; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await gauge()).toEqual(idle);
  });

  it('shows the database pools of the gateway and of each subgraph', async () => {
    const samples = parse((await scrape()).text);
    for (const pool of ['gateway', 'decisions', 'audit', 'packages', 'tenants']) {
      expect(samples.some((s) => s.name === 'db_pool_connections' && s.labels.pool === pool && s.labels.state === 'open')).toBe(true);
    }
    expect(total(samples, 'db_pool_connections', { pool: 'gateway', state: 'open' })).toBeGreaterThanOrEqual(1);
  });

  it('keeps client-chosen operation names to a bounded set of label values', async () => {
    const key = { 'x-api-key': tenant.keys['read,write']! };
    for (let i = 0; i < OPERATION_LABEL_LIMIT + 20; i++) await graphql(system.gateway.url, `query Flood${i} { __typename }`, undefined, key);
    const operations = new Set(parse((await scrape()).text).filter((s) => s.name === 'gateway_calls_total').map((s) => s.labels.operation));
    // The kept names, `__other__`, and `anonymous` for calls that name no operation.
    expect(operations.size).toBeLessThanOrEqual(OPERATION_LABEL_LIMIT + 2);
    expect(operations.has('__other__')).toBe(true);
  });

  it('names no tenant, key or caller anywhere', async () => {
    const text = (await scrape()).text;
    for (const secretish of [tenant.id, tenant.slug, tenant.keys['read,write']!, creds.keys.operator, creds.tenantA.id, creds.tenantA.slug]) expect(text).not.toContain(secretish);
  });
});

describe('the metrics port', () => {
  it('serves the same registry without a credential, GET /metrics only', async () => {
    const server = await startMetricsServer(0, '127.0.0.1', createLogger('silent'));
    try {
      const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
      expect(res.status).toBe(200);
      const samples = parse(await res.text());
      expect(samples.some((s) => s.name === 'gateway_calls_total')).toBe(true);
      expect(samples.some((s) => s.name === 'process_cpu_seconds_total')).toBe(true);
      expect((await fetch(`http://127.0.0.1:${server.port}/graphql`)).status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${server.port}/metrics`, { method: 'POST', body: 'x' })).status).toBe(405);
    } finally {
      await server.close();
    }
  });
});
