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

  it('publishes its SDL for composition through _service', async () => {
    const { data } = await subgraph.query('{ _service { sdl } }');
    expect(data._service.sdl).toMatch(/type Decision\s+@(federation__)?key\(fields: "id"/);
    expect(data._service.sdl).toContain('One decision made by a Micro AI');
  });
});
