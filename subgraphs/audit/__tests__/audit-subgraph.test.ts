import { sql } from '../../../test/helpers/system';
import { ENTITIES, startSubgraph, type TestSubgraph } from '../../../test/helpers/subgraph';

let subgraph: TestSubgraph;
beforeAll(async () => {
  subgraph = await startSubgraph('audit');
});
afterAll(() => subgraph.close());

describe('the audit subgraph', () => {
  it("resolves Decision.lineage from the decision's own decision.created event, batched, whatever the representation carries", async () => {
    const rows = await sql(`SELECT id, request_id FROM decisions ORDER BY id LIMIT 20`);
    const before = subgraph.db.statementCount();
    const { data, errors } = await subgraph.query(ENTITIES.replace('...F', '... on Decision { lineage { requestId events { action requestId } } }'), {
      // A stray requestId in the representation is not a key: the trail says which request made the decision.
      representations: rows.map((r) => ({ __typename: 'Decision', id: r.id, requestId: 'req_someone_elses_request' })),
    });
    expect(errors).toBeUndefined();
    data._entities.forEach((entity: any, i: number) => {
      expect(entity.lineage.requestId).toBe(rows[i].request_id);
      expect(entity.lineage.events.map((e: any) => e.action).sort()).toEqual(['decision.created', 'request']);
    });
    // The decisions' origins, then their requests' events: two statements for any number of decisions.
    expect(subgraph.db.statementCount() - before).toBe(2);
  });

  it('answers lineage null for a decision the audit trail does not know', async () => {
    const { data } = await subgraph.query(ENTITIES.replace('...F', '... on Decision { lineage { requestId } }'), {
      representations: [{ __typename: 'Decision', id: '00000000-0000-4000-8000-000000000000' }],
    });
    expect(data._entities[0].lineage).toBeNull();
  });

  it('resolves AuditEvent entities by id', async () => {
    const [e] = await sql(`SELECT id, action FROM audit_events ORDER BY id LIMIT 1`);
    const { data } = await subgraph.query(ENTITIES.replace('...F', '... on AuditEvent { id action }'), {
      representations: [{ __typename: 'AuditEvent', id: e.id }, { __typename: 'AuditEvent', id: 'nope' }],
    });
    expect(data._entities).toEqual([{ __typename: 'AuditEvent', id: e.id, action: e.action }, null]);
  });
});
