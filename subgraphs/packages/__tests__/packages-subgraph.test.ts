import { sql } from '../../../test/helpers/system';
import { ENTITIES, startSubgraph, type TestSubgraph } from '../../../test/helpers/subgraph';

let subgraph: TestSubgraph;
beforeAll(async () => {
  subgraph = await startSubgraph('packages');
});
afterAll(() => subgraph.close());

describe('the packages subgraph', () => {
  it('resolves PackageVersion entities with their package in two statements however many', async () => {
    const rows = await sql(`SELECT pv.id, pv.version, p.slug FROM package_versions pv JOIN packages p ON p.id = pv.package_id ORDER BY pv.id`);
    const before = subgraph.db.statementCount();
    const { data, errors } = await subgraph.query(ENTITIES.replace('...F', '... on PackageVersion { version package { slug } }'), {
      representations: rows.map((r) => ({ __typename: 'PackageVersion', id: r.id })),
    });
    expect(errors).toBeUndefined();
    expect(data._entities.map((e: any) => [e.version, e.package.slug])).toEqual(rows.map((r) => [r.version, r.slug]));
    expect(subgraph.db.statementCount() - before).toBe(2);
  });

  it('lists a Tenant entity\'s installations, and none for an unknown tenant', async () => {
    const [t] = await sql(`SELECT tenant_id AS id, count(*)::int AS n FROM installations GROUP BY 1 LIMIT 1`);
    const { data } = await subgraph.query(ENTITIES.replace('...F', '... on Tenant { installations { id packageVersion { version } } }'), {
      representations: [{ __typename: 'Tenant', id: t.id }, { __typename: 'Tenant', id: '00000000-0000-4000-8000-000000000000' }],
    });
    expect(data._entities[0].installations).toHaveLength(t.n);
    expect(data._entities[1].installations).toEqual([]);
  });
});
