import { readFileSync } from 'node:fs';
import { composeSupergraph, printApiSchema } from '../scripts/compose';
import { compareSchemas, DELIBERATE_CHANGES_PATH, PUBLISHED_SCHEMA_PATH, readDeliberateChanges } from '../scripts/schema-check';

const PUBLISHED = `
type Query { decision(id: ID!): Decision, decisions(first: Int): [Decision!]!, stats: Stats }
type Stats { mean: Float }
type Decision { id: ID!, outcome: Outcome!, score: Float }
enum Outcome { APPROVE DECLINE REVIEW }
`;

describe('schema evolution check', () => {
  it('passes additions that break nobody', () => {
    const current = PUBLISHED.replace('score: Float }', 'score: Float, reason: String }').replace('decisions(first: Int)', 'decisions(first: Int, after: String)');
    // An optional argument is dangerous, not breaking: a client passing positional defaults could notice.
    expect(compareSchemas(PUBLISHED, current, [])).toEqual({ unmarked: [], deliberate: [], stale: [], dangerous: ['An optional arg after on Query.decisions was added.'] });
  });

  it.each([
    ['a field removed', PUBLISHED.replace(', score: Float', ''), 'Decision.score was removed.'],
    ['an optional argument made required', PUBLISHED.replace('decisions(first: Int)', 'decisions(first: Int!)'), 'Query.decisions arg first has changed type from Int to Int!.'],
    ['an enum value removed', PUBLISHED.replace(' REVIEW', ''), 'REVIEW was removed from enum type Outcome.'],
    ['a field type changed', PUBLISHED.replace('score: Float', 'score: String'), 'Decision.score changed type from Float to String.'],
    ['a required argument added', PUBLISHED.replace('decision(id: ID!)', 'decision(id: ID!, tenant: ID!)'), 'A required arg tenant on Query.decision was added.'],
  ])('fails on %s unless marked', (_what, current, description) => {
    expect(compareSchemas(PUBLISHED, current, []).unmarked).toEqual([description]);
    const marked = compareSchemas(PUBLISHED, current, [{ change: description, reason: 'deliberate, announced in 1.4' }]);
    expect(marked.unmarked).toEqual([]);
    expect(marked.deliberate).toEqual([{ change: description, reason: 'deliberate, announced in 1.4' }]);
  });

  it('does not let a mark for one break excuse another', () => {
    const current = PUBLISHED.replace(', score: Float', '').replace(' REVIEW', '');
    const result = compareSchemas(PUBLISHED, current, [{ change: 'Decision.score was removed.', reason: 'moved to the reports' }]);
    expect(result.unmarked).toEqual(['REVIEW was removed from enum type Outcome.']);
  });

  it('fails on a mark that no longer matches a change, so it cannot excuse a later one', () => {
    expect(compareSchemas(PUBLISHED, PUBLISHED, [{ change: 'Decision.score was removed.', reason: 'old' }]).stale).toHaveLength(1);
  });

  it('reports an enum value added as dangerous, not breaking', () => {
    const result = compareSchemas(PUBLISHED, PUBLISHED.replace('REVIEW }', 'REVIEW ESCALATE }'), []);
    expect(result.unmarked).toEqual([]);
    expect(result.dangerous).toEqual(['ESCALATE was added to enum type Outcome.']);
  });

  it('refuses a marks file without reasons', () => {
    expect(() => readDeliberateChanges('[{"change": "Decision.score was removed."}]')).toThrow(/reason/);
    expect(() => readDeliberateChanges('[{"change": "x", "reason": "  "}]')).toThrow(/reason/);
    expect(() => readDeliberateChanges('{}')).toThrow();
  });

  it('holds for the graph as composed now against the published schema', () => {
    const result = compareSchemas(readFileSync(PUBLISHED_SCHEMA_PATH, 'utf8'), printApiSchema(composeSupergraph()), readDeliberateChanges(readFileSync(DELIBERATE_CHANGES_PATH, 'utf8')));
    expect({ unmarked: result.unmarked, stale: result.stale }).toEqual({ unmarked: [], stale: [] });
  });
});
