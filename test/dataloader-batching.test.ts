import type { RunningSystem } from '../system/start-system';
import { SEED } from './helpers/seed-constants';
import { graphql, startTestSystem } from './helpers/system';

let system: RunningSystem;

beforeAll(async () => {
  system = await startTestSystem();
});
afterAll(() => system.close());

/** SQL statements each subgraph sends while `work` runs. */
async function statementsDuring(work: () => Promise<void>): Promise<Record<string, number>> {
  const before = Object.fromEntries(Object.entries(system.subgraphs).map(([name, s]) => [name, s.db.statementCount()]));
  await work();
  return Object.fromEntries(Object.entries(system.subgraphs).map(([name, s]) => [name, s.db.statementCount() - before[name]]));
}

describe('per-request DataLoaders', () => {
  it('fetch 100 decisions with tenant, packageVersion { package } and lineage in a constant number of statements', async () => {
    // Seeded decisions only: other test files make decisions of their own (some deliberately without a call record).
    const query = `{ decisions(first: 100, filter: { createdBefore: "${SEED.now.toISOString()}" }) { edges { node { id
      tenant { slug plan } packageVersion { version package { slug } } lineage { requestId events { action } } } } } }`;
    let nodes: any[] = [];
    const counts = await statementsDuring(async () => {
      const { data, errors } = await graphql(system.gateway.url, query);
      expect(errors).toBeUndefined();
      nodes = data.decisions.edges.map((e: any) => e.node);
    });
    expect(nodes).toHaveLength(100);
    expect(nodes.every((n) => n.tenant.slug && n.packageVersion.package.slug && n.lineage.events.length === 2)).toBe(true);
    // One page query; one tenant lookup; versions then packages; the decisions' origins, then their requests' events.
    expect(counts).toEqual({ decisions: 1, tenants: 1, packages: 2, audit: 2 });
  });

  it('batch Tenant.decisions for every tenant into one page query and one count', async () => {
    const counts = await statementsDuring(async () => {
      const { data, errors } = await graphql(
        system.gateway.url,
        '{ tenants { slug decisions(first: 5, filter: { outcome: [APPROVE] }) { totalCount edges { node { outcome } } } } }',
      );
      expect(errors).toBeUndefined();
      expect(data.tenants.length).toBeGreaterThan(3);
      for (const t of data.tenants) expect(t.decisions.edges.every((e: any) => e.node.outcome === 'APPROVE')).toBe(true);
    });
    expect(counts).toEqual({ decisions: 2, tenants: 1, packages: 0, audit: 0 });
  });

  it('never share a cache between two requests', async () => {
    const query = '{ decisions(first: 1) { edges { node { tenant { slug } } } } }';
    const counts = await statementsDuring(async () => {
      await graphql(system.gateway.url, query);
      await graphql(system.gateway.url, query);
    });
    expect(counts.tenants).toBe(2);
  });
});
