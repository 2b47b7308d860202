import { randomUUID } from 'node:crypto';
import type { RunningSystem } from '../system/start-system';
import { testCredentials } from './helpers/credentials';
import { SEED } from './helpers/seed-constants';
import { graphql, sql, startTestSystem } from './helpers/system';

let system: RunningSystem;
let url: string;
let tenant: { id: string; slug: string; count: number };

beforeAll(async () => {
  system = await startTestSystem();
  url = system.gateway.url;
  [tenant] = await sql(
    // A seeded tenant: other test files make scratch tenants and write their decisions while this one runs.
    `SELECT t.id, t.slug, count(d.id)::int AS count FROM tenants t JOIN decisions d ON d.tenant_id = t.id
      WHERE t.slug NOT LIKE 'scratch-%' GROUP BY t.id HAVING count(d.id) >= 150 ORDER BY count(d.id) ASC LIMIT 1`,
  );
});
afterAll(() => system.close());

const PAGE = `query($first: Int, $after: String, $filter: DecisionFilter, $orderBy: DecisionOrder) {
  decisions(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id createdAt confidence latencyMs outcome feature tenant { id } } } } }`;

/** Every slicing argument and every PageInfo field: what a Relay or Apollo client paging both ways selects. */
const BOTH_WAYS = `query($first: Int, $after: String, $last: Int, $before: String, $filter: DecisionFilter, $orderBy: DecisionOrder) {
  decisions(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) {
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { id } } } }`;

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

/** Version 1, a MAC of zeros, a timestamp and an id: the shape of a real cursor, signed by nobody. */
function craftedCursor(ms: number): string {
  const value = Buffer.alloc(8);
  value.writeDoubleBE(ms);
  return Buffer.concat([Buffer.of(1), Buffer.alloc(16), value, Buffer.from(randomUUID().replace(/-/g, ''), 'hex')]).toString('base64url');
}

describe('bad pagination input', () => {
  it.each([
    ['a negative page size', { first: -1 }],
    ['a page size above the maximum of 100', { first: 101 }],
    ['a malformed cursor', { after: 'not a cursor!' }],
    ['a cursor that is not base64 JSON', { after: 'bm90LWpzb24' }],
    ['a tampered cursor', { after: Buffer.from(JSON.stringify(['CREATED_AT_DESC', 'yesterday', 'x'])).toString('base64url') }],
    ['a cursor of the old unsigned format holding year 0', { after: Buffer.from(JSON.stringify(['CREATED_AT_DESC', '0000-01-01T00:00:00.000Z', randomUUID()])).toString('base64url') }],
    ['a cursor of the old unsigned format holding year 275760', { after: Buffer.from(JSON.stringify(['CREATED_AT_DESC', '+275760-09-13T00:00:00.000Z', randomUUID()])).toString('base64url') }],
    ['a crafted cursor of the new format with a made-up MAC and year 0', { after: craftedCursor(Date.parse('0000-01-01T00:00:00.000Z')) }],
    ['a crafted cursor of the new format with a made-up MAC', { after: craftedCursor(Date.parse('2026-10-01T00:00:00.000Z')) }],
    ['a negative last', { last: -1 }],
    ['a last above the maximum of 100', { last: 101 }],
    ['first and last together', { first: 5, last: 5 }],
    ['a malformed before cursor', { last: 5, before: 'not a cursor!' }],
  ])('rejects %s with BAD_USER_INPUT and no page', async (_name, variables) => {
    const { status, data, errors } = await graphql(url, BOTH_WAYS, variables);
    expect(status).toBeLessThan(500);
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

/** The ids of one ORDER BY in SQL: what every walk must reproduce exactly. */
const ORDER_SQL: Record<string, string> = {
  CREATED_AT_DESC: 'created_at DESC, id DESC',
  CREATED_AT_ASC: 'created_at ASC, id ASC',
  CONFIDENCE_ASC: 'confidence ASC, id ASC',
  LATENCY_MS_DESC: 'latency_ms DESC, id DESC',
};

interface PageCheck {
  ids: string[];
  edges: Array<{ cursor: string; node: { id: string } }>;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

async function page(variables: Record<string, unknown>, headers?: Record<string, string>): Promise<PageCheck> {
  const { data, errors } = await graphql(url, BOTH_WAYS, variables, headers);
  expect(errors).toBeUndefined();
  const { edges, pageInfo } = data.decisions;
  // startCursor and endCursor are the cursors of the page's own first and last edges.
  expect(pageInfo.startCursor).toBe(edges[0]?.cursor ?? null);
  expect(pageInfo.endCursor).toBe(edges[edges.length - 1]?.cursor ?? null);
  return { ids: edges.map((e: any) => e.node.id), edges, pageInfo };
}

describe('paging both ways', () => {
  const filterOf = () => ({ tenantId: tenant.id });
  const expected = async (orderBy: string) =>
    (await sql(`SELECT id FROM decisions WHERE tenant_id = $1 ORDER BY ${ORDER_SQL[orderBy]}`, [tenant.id])).map((r) => r.id as string);

  it.each(Object.keys(ORDER_SQL))('%s: forwards with first/after and backwards with last/before give exactly the rows of the ORDER BY, with exact page flags', async (orderBy) => {
    const rows = await expected(orderBy);
    const n = 37;
    expect(rows.length % n).not.toBe(0);

    const forward: string[] = [];
    let after: string | null = null;
    do {
      const p = await page({ first: n, after, filter: filterOf(), orderBy });
      const at = forward.length;
      expect(p.ids).toEqual(rows.slice(at, at + n));
      expect(p.pageInfo.hasNextPage).toBe(at + n < rows.length);
      expect(p.pageInfo.hasPreviousPage).toBe(at > 0);
      forward.push(...p.ids);
      after = p.pageInfo.hasNextPage ? p.pageInfo.endCursor : null;
    } while (after);
    expect(forward).toEqual(rows);

    const backward: string[] = [];
    let before: string | null = null;
    do {
      const p = await page({ last: n, before, filter: filterOf(), orderBy });
      const end = rows.length - backward.length;
      expect(p.ids).toEqual(rows.slice(Math.max(0, end - n), end));
      expect(p.pageInfo.hasPreviousPage).toBe(end - n > 0);
      expect(p.pageInfo.hasNextPage).toBe(end < rows.length);
      backward.unshift(...p.ids);
      before = p.pageInfo.hasPreviousPage ? p.pageInfo.startCursor : null;
    } while (before);
    expect(backward).toEqual(rows);
  });

  it('mirrors first/after with last/before around any edge cursor, and bounds a page by both cursors', async () => {
    const rows = await expected('CREATED_AT_DESC');
    const all = await page({ first: 100, filter: filterOf() });
    const cursorAt = (i: number) => all.edges[i]!.cursor;
    for (const k of [0, 1, 40, 88]) {
      const n = 10;
      const forwards = await page({ first: n, after: cursorAt(k), filter: filterOf() });
      const backwards = await page({ last: n, before: cursorAt(k + n + 1), filter: filterOf() });
      expect(forwards.ids).toEqual(rows.slice(k + 1, k + 1 + n));
      expect(backwards.ids).toEqual(forwards.ids);
      expect(backwards.edges).toEqual(forwards.edges);
      // Each direction knows the far side exactly and the near side through its cursor: both find rows there.
      expect(forwards.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: true });
      expect(backwards.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: true });
      const before = await page({ last: n, before: cursorAt(k), filter: filterOf() });
      expect(before.ids).toEqual(rows.slice(Math.max(0, k - n), k));
      expect(before.pageInfo.hasPreviousPage).toBe(k - n > 0);
    }
    const between = await page({ first: 100, after: cursorAt(20), before: cursorAt(30), filter: filterOf() });
    expect(between.ids).toEqual(rows.slice(21, 30));
    expect(between.pageInfo.hasNextPage).toBe(false);
    const lastBetween = await page({ last: 3, after: cursorAt(20), before: cursorAt(30), filter: filterOf() });
    expect(lastBetween.ids).toEqual(rows.slice(27, 30));
    expect(lastBetween.pageInfo.hasPreviousPage).toBe(true);
  });

  it('sets the flags right at the ends: pages that exactly fill, pages one short, empty pages', async () => {
    // A window of the newest 60-odd decisions, so one page can hold it all.
    const [{ since }] = await sql(`SELECT created_at AS since FROM decisions WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC OFFSET 59 LIMIT 1`, [tenant.id]);
    const filter = { tenantId: tenant.id, createdAfter: since.toISOString() };
    const rows = (await sql(`SELECT id FROM decisions WHERE tenant_id = $1 AND created_at >= $2 ORDER BY created_at DESC, id DESC`, [tenant.id, since])).map((r) => r.id);
    const total = rows.length;
    expect(total).toBeGreaterThanOrEqual(60);
    expect(total).toBeLessThanOrEqual(100);
    const exactLast = await page({ last: total, filter });
    expect(exactLast.ids).toEqual(rows);
    expect(exactLast.pageInfo).toMatchObject({ hasPreviousPage: false, hasNextPage: false });
    expect((await page({ last: total - 1, filter })).pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: false });
    expect((await page({ first: total, filter })).pageInfo).toMatchObject({ hasPreviousPage: false, hasNextPage: false });
    expect((await page({ first: total - 1, filter })).pageInfo).toMatchObject({ hasPreviousPage: false, hasNextPage: true });
    expect((await page({ last: 1, filter })).ids).toEqual([rows[total - 1]]);
    const zero = await page({ last: 0, filter });
    expect(zero).toMatchObject({ ids: [], pageInfo: { hasPreviousPage: true, hasNextPage: false, startCursor: null, endCursor: null } });
    // Before the very first row there is nothing; the row itself sits "at or after" the cursor, so the next page exists.
    const first = await page({ first: 1, filter });
    const beforeFirst = await page({ last: 5, before: first.pageInfo.startCursor, filter });
    expect(beforeFirst).toMatchObject({ ids: [], pageInfo: { hasPreviousPage: false, hasNextPage: true } });
    // After the very last row, likewise, forwards.
    const lastRow = await page({ last: 1, filter });
    const afterLast = await page({ first: 5, after: lastRow.pageInfo.endCursor, filter });
    expect(afterLast).toMatchObject({ ids: [], pageInfo: { hasPreviousPage: true, hasNextPage: false } });
    const nothing = await page({ last: 5, filter: { tenantId: '00000000-0000-4000-8000-000000000000' } });
    expect(nothing).toMatchObject({ ids: [], pageInfo: { hasPreviousPage: false, hasNextPage: false } });
  });

  it('pages Tenant.decisions backwards too, with cursors of that tenant alone', async () => {
    const rows = await expected('CONFIDENCE_ASC');
    const query = `query($id: ID!, $last: Int, $before: String) { tenant(id: $id) {
      decisions(last: $last, before: $before, orderBy: CONFIDENCE_ASC) { pageInfo { hasPreviousPage startCursor } edges { node { id } } } } }`;
    const ids: string[] = [];
    let before: string | null = null;
    do {
      const { data, errors }: { data?: any; errors?: unknown } = await graphql(url, query, { id: tenant.id, last: 50, before });
      expect(errors).toBeUndefined();
      ids.unshift(...data.tenant.decisions.edges.map((e: any) => e.node.id));
      before = data.tenant.decisions.pageInfo.hasPreviousPage ? data.tenant.decisions.pageInfo.startCursor : null;
    } while (before);
    expect(ids).toEqual(rows);
  });
});

describe('a cursor belongs to its connection', () => {
  const creds = testCredentials();
  const asKey = (key: string) => ({ 'x-api-key': key });
  const seeded = SEED.now.toISOString();

  async function refused(query: string, variables: Record<string, unknown>, argument: 'after' | 'before', headers?: Record<string, string>) {
    const { status, errors } = await graphql(url, query, variables, headers);
    expect(status).toBeLessThan(500);
    expect(errors).toHaveLength(1);
    expect(errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument });
    expect(errors![0].message).toMatch(/not a cursor of this connection/);
  }

  it('refuses a cursor of auditEvents in decisions, as after and as before', async () => {
    const { data } = await graphql(url, `{ auditEvents(first: 1, filter: { createdBefore: "${seeded}" }) { pageInfo { endCursor } } }`);
    const cursor = data.auditEvents.pageInfo.endCursor;
    expect(cursor).toEqual(expect.any(String));
    await refused(BOTH_WAYS, { first: 5, after: cursor }, 'after');
    await refused(BOTH_WAYS, { last: 5, before: cursor }, 'before');
  });

  it('refuses a cursor of decisions in auditEvents and in Tenant.decisions, and one tenant\'s in another\'s', async () => {
    const cursor = (await page({ first: 1, filter: { tenantId: tenant.id } })).pageInfo.endCursor;
    await refused('query($c: String) { auditEvents(first: 1, after: $c) { totalCount } }', { c: cursor }, 'after');
    const TENANT = 'query($id: ID!, $c: String) { tenant(id: $id) { id decisions(first: 1, after: $c) { edges { cursor } } } }';
    await refused(TENANT, { id: tenant.id, c: cursor }, 'after');
    const own = await graphql(url, TENANT, { id: tenant.id, c: null });
    const ownCursor = own.data.tenant.decisions.edges[0].cursor;
    expect((await graphql(url, TENANT, { id: tenant.id, c: ownCursor })).errors).toBeUndefined();
    const [other] = await sql(`SELECT tenant_id AS id FROM decisions WHERE tenant_id <> $1 LIMIT 1`, [tenant.id]);
    const foreign = await graphql(url, TENANT, { id: other.id, c: ownCursor });
    expect(foreign.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'after' });
    // Only the refused connection is null: its tenant still comes back.
    expect(foreign.data.tenant).toEqual({ id: other.id, decisions: null });
  });

  it('refuses a cursor under another filter, but not under the same filter spelled differently', async () => {
    const filter = { tenantId: tenant.id, outcome: ['APPROVE'], createdAfter: '2026-09-01T00:00:00Z' };
    const cursor = (await page({ first: 3, filter })).pageInfo.endCursor;
    await refused(BOTH_WAYS, { first: 3, after: cursor, filter: { ...filter, outcome: ['DECLINE'] } }, 'after');
    await refused(BOTH_WAYS, { first: 3, after: cursor, filter: { tenantId: tenant.id, outcome: ['APPROVE'] } }, 'after');
    await refused(BOTH_WAYS, { first: 3, after: cursor, filter: { ...filter, feature: 'kyc.adaptive' } }, 'after');
    await refused(BOTH_WAYS, { first: 3, after: cursor, filter, orderBy: 'CREATED_AT_ASC' }, 'after');
    const same = { createdAfter: '2026-09-01T02:00:00+02:00', feature: null, outcome: ['APPROVE'], tenantId: tenant.id };
    const next = await page({ first: 3, after: cursor, filter: same });
    expect(next.ids).toHaveLength(3);
  });

  it("refuses tenant A's cursor with tenant B's key (and with the operator's), and keeps it valid for A across requests", async () => {
    const filter = { createdBefore: seeded };
    const asA = await page({ first: 2, filter }, asKey(creds.keys.readA));
    const cursor = asA.pageInfo.endCursor;
    await refused(BOTH_WAYS, { first: 2, after: cursor, filter }, 'after', asKey(creds.keys.readB));
    await refused(BOTH_WAYS, { first: 2, after: cursor, filter }, 'after', asKey(creds.keys.operator));
    const again = await page({ first: 2, after: cursor, filter }, asKey(creds.keys.readA));
    expect(again.ids).toHaveLength(2);
    expect(again.ids).not.toContain(asA.ids[1]);
  });

  it('refuses a cursor with one character flipped, wherever it is', async () => {
    const cursor = (await page({ first: 1, filter: { tenantId: tenant.id } })).pageInfo.endCursor!;
    const flip = (c: string) => (c === 'A' ? 'B' : 'A');
    for (const i of [0, 1, 10, 20, 30, cursor.length - 2, cursor.length - 1]) {
      const tampered = cursor.slice(0, i) + flip(cursor[i]!) + cursor.slice(i + 1);
      await refused(BOTH_WAYS, { first: 1, after: tampered, filter: { tenantId: tenant.id } }, 'after');
    }
  });

  it('refuses a foreign cursor over REST with 400 BAD_USER_INPUT, and follows its own', async () => {
    const base = url.replace(/\/graphql$/, '');
    const get = async (path: string) => {
      const res = await fetch(`${base}${path}`, { headers: asKey(creds.keys.operator) });
      return { status: res.status, body: (await res.json()) as any };
    };
    const { data } = await graphql(url, `{ auditEvents(first: 1, filter: { createdBefore: "${seeded}" }) { pageInfo { endCursor } } }`);
    const foreign = await get(`/v1/decisions?limit=2&cursor=${data.auditEvents.pageInfo.endCursor}`);
    expect(foreign.status).toBe(400);
    expect(foreign.body.error.code).toBe('BAD_USER_INPUT');
    const first = await get(`/v1/decisions?limit=2&tenant_id=${tenant.id}`);
    const next = await get(`/v1/decisions?limit=2&tenant_id=${tenant.id}&cursor=${first.body.next_cursor}`);
    expect(next.status).toBe(200);
    expect(next.body.data).toHaveLength(2);
    // The REST filter is the connection's filter: another one refuses the cursor.
    expect((await get(`/v1/decisions?limit=2&cursor=${first.body.next_cursor}`)).status).toBe(400);
  });
});

describe('the other connections', () => {
  const seeded = SEED.now.toISOString();

  it('walk audit events both ways as SQL orders them', async () => {
    // The quietest tenant that still fills more than one page of 100: cheap to walk, and the walk crosses pages.
    const [{ id: busiest }] = await sql(
      `SELECT tenant_id AS id FROM audit_events WHERE tenant_id IS NOT NULL AND created_at < $1 GROUP BY 1 HAVING count(*) > 100 ORDER BY count(*) ASC LIMIT 1`,
      [seeded],
    );
    const rows = (await sql(`SELECT id FROM audit_events WHERE tenant_id = $1 AND created_at < $2 ORDER BY created_at DESC, id DESC`, [busiest, seeded])).map((r) => r.id);
    const query = `query($first: Int, $after: String, $last: Int, $before: String, $filter: AuditEventFilter) {
      auditEvents(first: $first, after: $after, last: $last, before: $before, filter: $filter) {
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { node { id } } } }`;
    const filter = { tenantId: busiest, createdBefore: seeded };
    const forward: string[] = [];
    for (let after: string | null = null, more = true; more; ) {
      const { data }: { data?: any } = await graphql(url, query, { first: 100, after, filter });
      forward.push(...data.auditEvents.edges.map((e: any) => e.node.id));
      ({ hasNextPage: more, endCursor: after } = data.auditEvents.pageInfo);
    }
    const backward: string[] = [];
    for (let before: string | null = null, more = true; more; ) {
      const { data }: { data?: any } = await graphql(url, query, { last: 100, before, filter });
      backward.unshift(...data.auditEvents.edges.map((e: any) => e.node.id));
      ({ hasPreviousPage: more, startCursor: before } = data.auditEvents.pageInfo);
    }
    expect(rows.length).toBeGreaterThan(100);
    expect(forward).toEqual(rows);
    expect(backward).toEqual(rows);
  });

  it("page a package's versions, newest first, as Package.versions lists them; another package refuses the cursor", async () => {
    const [pkg, other] = await sql(`SELECT p.slug, count(*)::int AS n FROM packages p JOIN package_versions v ON v.package_id = p.id GROUP BY p.slug ORDER BY 2 DESC, 1 LIMIT 2`);
    const query = `query($slug: String!, $first: Int, $after: String, $last: Int, $before: String) { package(slug: $slug) {
      versions { id }
      versionsConnection(first: $first, after: $after, last: $last, before: $before) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { node { id } } } } }`;
    const list = (await graphql(url, query, { slug: pkg.slug, first: 0 })).data.package.versions.map((v: any) => v.id);
    expect(list.length).toBe(pkg.n);
    expect(pkg.n).toBeGreaterThan(1);
    const forward: string[] = [];
    let last: any;
    for (let after: string | null = null, more = true; more; ) {
      last = (await graphql(url, query, { slug: pkg.slug, first: 1, after })).data.package.versionsConnection;
      expect(last.totalCount).toBe(pkg.n);
      expect(last.pageInfo.hasPreviousPage).toBe(after !== null);
      forward.push(...last.edges.map((e: any) => e.node.id));
      ({ hasNextPage: more, endCursor: after } = last.pageInfo);
    }
    expect(forward).toEqual(list);
    const backward = (await graphql(url, query, { slug: pkg.slug, last: pkg.n - 1 })).data.package.versionsConnection;
    expect(backward.edges.map((e: any) => e.node.id)).toEqual(list.slice(1));
    expect(backward.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: false });
    const foreign = await graphql(url, query, { slug: other.slug, first: 1, after: last.pageInfo.endCursor });
    expect(foreign.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'after' });
  });

  it("page a tenant's installations by package slug, as Tenant.installations lists them", async () => {
    const [t] = await sql(`SELECT tenant_id AS id FROM installations GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`);
    const rows = (await sql(`SELECT i.id FROM installations i JOIN packages p ON p.id = i.package_id WHERE i.tenant_id = $1 ORDER BY p.slug, i.id`, [t.id])).map((r) => r.id);
    expect(rows.length).toBeGreaterThan(2);
    const query = `query($id: ID!, $first: Int, $after: String, $last: Int, $before: String) { tenant(id: $id) {
      installations { id }
      installationsConnection(first: $first, after: $after, last: $last, before: $before) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { node { id packageVersion { package { slug } } } } } } }`;
    const forward: string[] = [];
    for (let after: string | null = null, more = true; more; ) {
      const { data, errors }: { data?: any; errors?: unknown } = await graphql(url, query, { id: t.id, first: 2, after });
      expect(errors).toBeUndefined();
      expect(data.tenant.installationsConnection.totalCount).toBe(rows.length);
      forward.push(...data.tenant.installationsConnection.edges.map((e: any) => e.node.id));
      ({ hasNextPage: more, endCursor: after } = data.tenant.installationsConnection.pageInfo);
    }
    expect(forward).toEqual(rows);
    const backward: string[] = [];
    for (let before: string | null = null, more = true; more; ) {
      const { data }: { data?: any } = await graphql(url, query, { id: t.id, last: 2, before });
      backward.unshift(...data.tenant.installationsConnection.edges.map((e: any) => e.node.id));
      ({ hasPreviousPage: more, startCursor: before } = data.tenant.installationsConnection.pageInfo);
    }
    expect(backward).toEqual(rows);
    const { data } = await graphql(url, query, { id: t.id, first: 0 });
    expect(data.tenant.installations.map((i: any) => i.id)).toEqual(rows);
  });

  it("page a lineage's events as Lineage.events lists them, batched over many decisions", async () => {
    const query = `query($first: Int, $after: String, $last: Int) { decisions(first: 20, filter: { createdBefore: "${seeded}" }) { edges { node { lineage {
      events { id }
      eventsConnection(first: $first, after: $after, last: $last) { totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { node { id } } } } } } } }`;
    const { data, errors } = await graphql(url, query, { first: 1 });
    expect(errors).toBeUndefined();
    const lineages = data.decisions.edges.map((e: any) => e.node.lineage);
    for (const l of lineages) {
      expect(l.events.length).toBeGreaterThan(1);
      expect(l.eventsConnection.totalCount).toBe(l.events.length);
      expect(l.eventsConnection.edges.map((e: any) => e.node.id)).toEqual([l.events[0].id]);
      expect(l.eventsConnection.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    }
    const tail = await graphql(url, query, { last: 1 });
    tail.data.decisions.edges.forEach((e: any, i: number) => {
      expect(e.node.lineage.eventsConnection.edges.map((x: any) => x.node.id)).toEqual([lineages[i].events[lineages[i].events.length - 1].id]);
    });
    // One lineage's cursor is that lineage's alone: the other nineteen refuse it, each on its own path.
    const refusedElsewhere = await graphql(url, query, { first: 1, after: lineages[0].eventsConnection.pageInfo.endCursor });
    expect(refusedElsewhere.errors).toHaveLength(19);
    expect(refusedElsewhere.errors!.every((e) => e.extensions?.code === 'BAD_USER_INPUT')).toBe(true);
    expect(refusedElsewhere.data.decisions.edges[0].node.lineage.eventsConnection.edges.map((e: any) => e.node.id)).toEqual([lineages[0].events[1].id]);
  });
});
