import { sql } from '../../../test/helpers/system';
import { ENTITIES, startSubgraph, type TestSubgraph } from '../../../test/helpers/subgraph';

let subgraph: TestSubgraph;
beforeAll(async () => {
  subgraph = await startSubgraph('decisions');
});
afterAll(() => subgraph.close());

describe('the decisions subgraph', () => {
  it('resolves Decision entities by id, null for unknown ones, in one statement', async () => {
    const rows = await sql(`SELECT id, outcome::text, tenant_id FROM decisions ORDER BY id LIMIT 3`);
    const before = subgraph.db.statementCount();
    const { data, errors } = await subgraph.query(ENTITIES.replace('...F', '... on Decision { id outcome tenant { id } }'), {
      representations: [...rows.map((r) => ({ __typename: 'Decision', id: r.id })), { __typename: 'Decision', id: '00000000-0000-4000-8000-000000000000' }],
    });
    expect(errors).toBeUndefined();
    expect(data._entities).toEqual([
      ...rows.map((r) => ({ __typename: 'Decision', id: r.id, outcome: r.outcome, tenant: { id: r.tenant_id } })),
      null,
    ]);
    expect(subgraph.db.statementCount() - before).toBe(1);
  });

  it('pages a Tenant entity\'s decisions', async () => {
    const [t] = await sql(`SELECT tenant_id AS id, count(*)::int AS n FROM decisions GROUP BY 1 ORDER BY 2 DESC LIMIT 1`);
    const { data, errors } = await subgraph.query(
      ENTITIES.replace('...F', '... on Tenant { decisions(first: 2, filter: { tenantId: "ignored" }) { totalCount edges { node { id } } } }'),
      { representations: [{ __typename: 'Tenant', id: t.id }] },
    );
    expect(errors).toBeUndefined();
    expect(data._entities[0].decisions.totalCount).toBe(t.n);
    expect(data._entities[0].decisions.edges).toHaveLength(2);
  });

  it('probes for rows behind a cursor only when hasPreviousPage is asked for, in one statement', async () => {
    const PAGE = (fields: string) => `query($after: String) { decisions(first: 5, after: $after) { pageInfo { ${fields} } edges { node { id } } } }`;
    const first = await subgraph.query(PAGE('hasPreviousPage endCursor'));
    expect(first.data.decisions.pageInfo.hasPreviousPage).toBe(false);
    const after = first.data.decisions.pageInfo.endCursor;
    let before = subgraph.db.statementCount();
    const plain = await subgraph.query(PAGE('hasNextPage endCursor'), { after });
    expect(plain.errors).toBeUndefined();
    expect(subgraph.db.statementCount() - before).toBe(1);
    before = subgraph.db.statementCount();
    const both = await subgraph.query(`query($after: String) { decisions(first: 5, after: $after) {
      a: pageInfo { hasPreviousPage } b: pageInfo { hasPreviousPage hasNextPage } edges { node { id } } } }`, { after });
    expect(both.data.decisions.a.hasPreviousPage).toBe(true);
    expect(both.data.decisions.b.hasPreviousPage).toBe(true);
    expect(subgraph.db.statementCount() - before).toBe(2);
  });

  it('accepts a cursor in another process with the same secret', async () => {
    const PAGE = 'query($after: String) { decisions(first: 3, after: $after, orderBy: LATENCY_MS_DESC) { pageInfo { endCursor } edges { node { id } } } }';
    const first = await subgraph.query(PAGE);
    const other = await startSubgraph('decisions');
    try {
      const here = await subgraph.query(PAGE, { after: first.data.decisions.pageInfo.endCursor });
      const there = await other.query(PAGE, { after: first.data.decisions.pageInfo.endCursor });
      expect(there.errors).toBeUndefined();
      expect(there.data).toEqual(here.data);
    } finally {
      await other.close();
    }
  });

  it("refuses one caller's cursor for a caller of another tenant scope", async () => {
    const [a, b] = await sql(`SELECT DISTINCT tenant_id AS id FROM decisions LIMIT 2`);
    const PAGE = 'query($after: String) { decisions(first: 1, after: $after) { pageInfo { endCursor } } }';
    const asA = { tenantId: a.id, scopes: new Set(['read' as const]) };
    const cursor = (await subgraph.query(PAGE, undefined, asA)).data.decisions.pageInfo.endCursor;
    expect((await subgraph.query(PAGE, { after: cursor }, asA)).errors).toBeUndefined();
    const asB = await subgraph.query(PAGE, { after: cursor }, { tenantId: b.id, scopes: new Set(['read' as const]) });
    expect(asB.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'after' });
  });

  it('publishes its SDL for composition through _service', async () => {
    const { data } = await subgraph.query('{ _service { sdl } }');
    expect(data._service.sdl).toMatch(/type Decision\s+@(federation__)?key\(fields: "id"/);
    expect(data._service.sdl).toContain('One decision made by a Micro AI');
  });
});
