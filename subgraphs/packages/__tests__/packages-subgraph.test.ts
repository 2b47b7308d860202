import { createScratchTenant } from '../../../test/helpers/scratch-tenant';
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

  it("pages every package's versions and every tenant's installations in one statement each, however many parents", async () => {
    const packages = await sql(`SELECT p.id, count(v.id)::int AS n FROM packages p LEFT JOIN package_versions v ON v.package_id = p.id GROUP BY p.id ORDER BY p.id`);
    let before = subgraph.db.statementCount();
    const versions = await subgraph.query(ENTITIES.replace('...F', '... on Package { versionsConnection(first: 1) { totalCount edges { node { id } } } }'), {
      representations: packages.map((p) => ({ __typename: 'Package', id: p.id })),
    });
    expect(versions.errors).toBeUndefined();
    expect(versions.data._entities.map((e: any) => e.versionsConnection.totalCount)).toEqual(packages.map((p) => p.n));
    // The packages themselves, one page per package, one count per package: three statements.
    expect(subgraph.db.statementCount() - before).toBe(3);

    const tenants = await sql(`SELECT tenant_id AS id, count(*)::int AS n FROM installations GROUP BY 1 ORDER BY 1`);
    before = subgraph.db.statementCount();
    const installs = await subgraph.query(ENTITIES.replace('...F', '... on Tenant { installationsConnection(last: 2) { totalCount edges { node { id } } } }'), {
      representations: tenants.map((t) => ({ __typename: 'Tenant', id: t.id })),
    });
    expect(installs.errors).toBeUndefined();
    expect(installs.data._entities.map((e: any) => e.installationsConnection.totalCount)).toEqual(tenants.map((t) => t.n));
    expect(installs.data._entities.every((e: any) => e.installationsConnection.edges.length === Math.min(2, e.installationsConnection.totalCount))).toBe(true);
    expect(subgraph.db.statementCount() - before).toBe(2);
  });

  it("shows a tenant's credential its own installations only, in the connection as in the list", async () => {
    // Tenants of the test's own: other test files install for seeded tenants while this one reads.
    const a = await createScratchTenant({ features: ['fraud.velocity', 'kyc.document'], scopeSets: [] });
    const b = await createScratchTenant({ features: ['fraud.velocity'], scopeSets: [] });
    const { data } = await subgraph.query(
      ENTITIES.replace('...F', '... on Tenant { installations { id } installationsConnection { totalCount edges { node { id } } } }'),
      { representations: [{ __typename: 'Tenant', id: a.id }, { __typename: 'Tenant', id: b.id }] },
      { tenantId: a.id, scopes: new Set(['read' as const]) },
    );
    expect(data._entities[0].installationsConnection.edges.map((e: any) => e.node.id)).toEqual(data._entities[0].installations.map((i: any) => i.id));
    expect(data._entities[0].installationsConnection.totalCount).toBe(2);
    expect(data._entities[1]).toMatchObject({ installations: [], installationsConnection: { totalCount: 0, edges: [] } });
  });
});
