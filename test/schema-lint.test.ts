import { lintApiSchema } from '../scripts/lint-schema';
import { SCHEMA_LINT_EXCEPTIONS } from '../schema/lint-config';

/**
 * `npm run lint:schema` under `npm test`: the composed API schema against
 * @graphql-eslint's schema-recommended and schema-relay rules, with only the
 * exceptions schema/lint-config.ts names and justifies.
 */
describe('the API schema lint', () => {
  it('finds no error in the composed schema, and every exception still excuses a finding', async () => {
    const { errors, excepted } = await lintApiSchema();
    expect(errors).toEqual([]);
    expect(excepted).toHaveLength(SCHEMA_LINT_EXCEPTIONS.length);
  }, 60_000);

  it('catches a connection that pages one way, a PageInfo short of the spec, a plain list and a stale exception', async () => {
    const sdl = `
      "Root."
      type Query {
        "Things."
        things("Size." first: Int, "Cursor." after: String): ThingConnection!
        "Tags."
        tags: [String!]!
      }
      "A thing."
      type Thing { "Id." id: ID! }
      "Page."
      type ThingConnection { "Edges." edges: [ThingEdge!]! "Info." pageInfo: PageInfo! }
      "Edge."
      type ThingEdge { "Cursor." cursor: String! "Node." node: Thing! }
      "Info."
      type PageInfo { "More." hasNextPage: Boolean! "End." endCursor: String }
    `;
    const { errors } = await lintApiSchema(sdl, [{ rule: '@graphql-eslint/relay-edge-types', at: 'Query.gone', why: 'test' }]);
    const found = errors.map((e) => `${e.rule.replace('@graphql-eslint/', '')} ${e.at}`);
    expect(found).toEqual(
      expect.arrayContaining([
        'relay-arguments Query.things',
        'relay-page-info PageInfo',
        'relay-edge-types Query.tags',
        'relay-edge-types Query.gone',
      ]),
    );
    expect(errors.find((e) => e.at === 'Query.gone')?.message).toMatch(/no longer matches/);
  }, 60_000);

  it('gives every exception a reason', () => {
    for (const e of SCHEMA_LINT_EXCEPTIONS) expect(e.why.trim().length).toBeGreaterThan(10);
    expect(new Set(SCHEMA_LINT_EXCEPTIONS.map((e) => `${e.rule} ${e.at}`)).size).toBe(SCHEMA_LINT_EXCEPTIONS.length);
  });
});
