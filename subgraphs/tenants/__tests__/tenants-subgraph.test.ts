import { sql } from '../../../test/helpers/system';
import { ENTITIES, signedCallerHeader, startSubgraph, type TestSubgraph } from '../../../test/helpers/subgraph';

let subgraph: TestSubgraph;
beforeAll(async () => {
  subgraph = await startSubgraph('tenants');
});
afterAll(() => subgraph.close());

describe('the tenants subgraph', () => {
  it('resolves many Tenant references in one statement, null for unknown ids', async () => {
    const rows = await sql(`SELECT id, slug FROM tenants ORDER BY slug`);
    const representations = [...rows, ...rows].map((r) => ({ __typename: 'Tenant', id: r.id }));
    const before = subgraph.db.statementCount();
    const { data, errors } = await subgraph.query(ENTITIES.replace('...F', '... on Tenant { slug limits { monthlyDecisionQuota } }'), {
      representations: [...representations, { __typename: 'Tenant', id: 'not-a-uuid' }],
    });
    expect(errors).toBeUndefined();
    expect(data._entities.slice(0, rows.length).map((t: any) => t.slug)).toEqual(rows.map((r) => r.slug));
    expect(data._entities[data._entities.length - 1]).toBeNull();
    expect(subgraph.db.statementCount() - before).toBe(1);
  });

  it('answers a JSON 404 off its GraphQL path and a 400 for malformed JSON', async () => {
    const notFound = await fetch(subgraph.url.replace('/graphql', '/other'));
    expect(notFound.status).toBe(404);
    const malformed = await fetch(subgraph.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signedCallerHeader('tenants') },
      body: '{"query": ',
    });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as any).errors[0].extensions.code).toBe('BAD_REQUEST');
  });
});
