import { randomUUID } from 'node:crypto';
import type { RunningSystem } from '../system/start-system';
import { graphql, sql, startTestSystem } from './helpers/system';

let system: RunningSystem;
let url: string;
let tenant: { id: string; slug: string; count: number };

beforeAll(async () => {
  system = await startTestSystem();
  url = system.gateway.url;
  [tenant] = await sql(
    `SELECT t.id, t.slug, count(d.id)::int AS count FROM tenants t JOIN decisions d ON d.tenant_id = t.id
      GROUP BY t.id HAVING count(d.id) >= 150 ORDER BY count(d.id) ASC LIMIT 1`,
  );
});
afterAll(() => system.close());

const PAGE = `query($first: Int, $after: String, $filter: DecisionFilter, $orderBy: DecisionOrder) {
  decisions(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id createdAt confidence latencyMs outcome feature tenant { id } } } } }`;

async function walk(variables: Record<string, unknown>): Promise<any[]> {
  const nodes: any[] = [];
  let after = (variables.after as string | undefined) ?? null;
  for (let pages = 0; pages < 1000; pages++) {
    const { data, errors } = await graphql(url, PAGE, { ...variables, after });
    expect(errors).toBeUndefined();
    const { edges, pageInfo } = data.decisions;
    nodes.push(...edges.map((e: any) => e.node));
    if (edges.length) expect(pageInfo.endCursor).toBe(edges[edges.length - 1].cursor);
    if (!pageInfo.hasNextPage) return nodes;
    after = pageInfo.endCursor;
  }
  throw new Error('pagination did not end');
}

describe('the decisions connection', () => {
  it('walks every decision of a filter exactly once, in order, matching totalCount', async () => {
    const nodes = await walk({ first: 100, filter: { tenantId: tenant.id } });
    expect(nodes).toHaveLength(tenant.count);
    expect(new Set(nodes.map((n) => n.id)).size).toBe(tenant.count);
    const keys = nodes.map((n) => n.createdAt + n.id);
    expect(keys).toEqual([...keys].sort().reverse());
    expect(nodes.every((n) => n.tenant.id === tenant.id)).toBe(true);
  });

  it.each([
    ['CREATED_AT_ASC', (a: any, b: any) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id)],
    ['CONFIDENCE_ASC', (a: any, b: any) => a.confidence - b.confidence || a.id.localeCompare(b.id)],
    ['LATENCY_MS_DESC', (a: any, b: any) => b.latencyMs - a.latencyMs || b.id.localeCompare(a.id)],
  ])('orders %s totally, ties broken by id, across pages', async (orderBy, compare) => {
    const nodes = await walk({ first: 37, orderBy, filter: { tenantId: tenant.id } });
    expect(nodes).toHaveLength(tenant.count);
    expect(nodes).toEqual([...nodes].sort(compare));
  });

  it('combines feature, outcome and time-window filters as SQL would', async () => {
    const [{ feature_key: feature }] = await sql(`SELECT feature_key FROM decisions GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`);
    const from = '2026-10-01T00:00:00.000Z';
    const to = '2026-10-15T00:00:00.000Z';
    const [{ count }] = await sql(
      `SELECT count(*)::int AS count FROM decisions WHERE feature_key = $1 AND outcome IN ('APPROVE','REVIEW')
          AND created_at >= $2 AND created_at < $3`,
      [feature, from, to],
    );
    const filter = { feature, outcome: ['APPROVE', 'REVIEW'], createdAfter: from, createdBefore: to };
    const nodes = await walk({ first: 100, filter });
    expect(count).toBeGreaterThan(0);
    expect(nodes).toHaveLength(count);
    expect(nodes.every((n) => n.feature === feature && ['APPROVE', 'REVIEW'].includes(n.outcome) && n.createdAt >= from && n.createdAt < to)).toBe(true);
    const { data } = await graphql(url, PAGE, { first: 0, filter });
    expect(data.decisions).toEqual({ totalCount: count, pageInfo: { hasNextPage: true, endCursor: null }, edges: [] });
  });

  it('ends with hasNextPage false on a page that exactly fills, and an empty page after it', async () => {
    const filter = { tenantId: tenant.id, createdBefore: '2026-10-20T00:00:00.000Z' };
    const everything = await walk({ first: 100, filter });
    const size = Math.min(everything.length, 100);
    const exact = { ...filter, createdAfter: everything[size - 1].createdAt };
    const [{ count }] = await sql(`SELECT count(*)::int AS count FROM decisions WHERE tenant_id = $1 AND created_at >= $2 AND created_at < $3`, [
      tenant.id, exact.createdAfter, exact.createdBefore,
    ]);
    const full = await graphql(url, PAGE, { first: count, filter: exact });
    expect(full.data.decisions.edges).toHaveLength(count);
    expect(full.data.decisions.pageInfo.hasNextPage).toBe(false);
    const after = await graphql(url, PAGE, { first: 10, after: full.data.decisions.pageInfo.endCursor, filter: exact });
    expect(after.data.decisions).toMatchObject({ totalCount: count, edges: [], pageInfo: { hasNextPage: false, endCursor: null } });
    const none = await graphql(url, PAGE, { first: 10, filter: { tenantId: '00000000-0000-4000-8000-000000000000' } });
    expect(none.data.decisions).toEqual({ totalCount: 0, edges: [], pageInfo: { hasNextPage: false, endCursor: null } });
  });

  it('keeps pages stable while new decisions are inserted', async () => {
    const filter = { tenantId: tenant.id };
    const first = await graphql(url, PAGE, { first: 50, filter });
    const seen = first.data.decisions.edges.map((e: any) => e.node.id);
    const [template] = await sql(`SELECT * FROM decisions WHERE tenant_id = $1 LIMIT 1`, [tenant.id]);
    const inserted: string[] = [];
    try {
      // Newer than everything, and one squarely inside the pages still to come.
      for (const createdAt of [new Date(), new Date(first.data.decisions.edges[49].node.createdAt).getTime() - 1]) {
        const id = randomUUID();
        inserted.push(id);
        await sql(
          `INSERT INTO decisions (id, tenant_id, feature_key, package_version_id, subject_type, subject_reference, outcome,
             confidence, reasons, latency_ms, request_id, input_hash, policy_hash, created_at)
           VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)`,
          [id, template.tenant_id, template.feature_key, template.package_version_id, template.subject_type, 'cus_pagination',
           template.outcome, 0.5, ['test.inserted'], 10, `req_pagination_${id}`, template.input_hash, template.policy_hash, new Date(createdAt)],
        );
      }
      const rest = await walk({ first: 100, after: first.data.decisions.pageInfo.endCursor, filter });
      const all = [...seen, ...rest.map((n) => n.id)];
      expect(new Set(all).size).toBe(all.length);
      expect(all).not.toContain(inserted[0]);
      expect(all).toContain(inserted[1]);
      expect(all).toHaveLength(tenant.count + 1);
    } finally {
      await sql(`DELETE FROM decisions WHERE id = ANY($1::uuid[])`, [inserted]);
    }
  });
});

describe('bad pagination input', () => {
  it.each([
    ['a negative page size', { first: -1 }],
    ['a page size above the maximum of 100', { first: 101 }],
    ['a malformed cursor', { after: 'not a cursor!' }],
    ['a cursor that is not base64 JSON', { after: 'bm90LWpzb24' }],
    ['a tampered cursor', { after: Buffer.from(JSON.stringify(['CREATED_AT_DESC', 'yesterday', 'x'])).toString('base64url') }],
  ])('rejects %s with BAD_USER_INPUT and no page', async (_name, variables) => {
    const { data, errors } = await graphql(url, PAGE, variables);
    expect(errors).toHaveLength(1);
    expect(errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(errors![0].extensions).not.toHaveProperty('stacktrace');
    expect(data).toEqual({ decisions: null });
  });

  it('rejects a cursor from another order', async () => {
    const { data } = await graphql(url, PAGE, { first: 1, orderBy: 'CONFIDENCE_ASC' });
    const { errors } = await graphql(url, PAGE, { first: 1, after: data.decisions.pageInfo.endCursor, orderBy: 'CREATED_AT_DESC' });
    expect(errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('rejects an unknown enum value, inline or in variables, and a bad DateTime', async () => {
    const inline = await graphql(url, '{ decisions(orderBy: NEWEST) { totalCount } }');
    const variable = await graphql(url, PAGE, { filter: { outcome: ['MAYBE'] } });
    const date = await graphql(url, PAGE, { filter: { createdAfter: 'last tuesday' } });
    const inlineDate = await graphql(url, '{ decisions(filter: { createdAfter: "2026-13-45" }) { totalCount } }');
    for (const res of [inline, variable, date, inlineDate]) {
      expect(res.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(res.errors?.[0].extensions?.requestId).toEqual(res.headers.get('x-request-id'));
    }
  });

  it('keeps other validation failures distinct', async () => {
    const { errors } = await graphql(url, '{ decisions { nope } }');
    expect(errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});
