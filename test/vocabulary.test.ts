import { readFileSync } from 'node:fs';
import { isEnumType, buildASTSchema, parse } from 'graphql';
import { OPENAPI_DOCUMENT } from '../gateway/rest/openapi';
import { subgraphSdlPath, type SubgraphName } from '../lib/supergraph';
import {
  DECISION_OUTCOMES, KEY_ENVIRONMENTS, KEY_STATUSES, PACKAGE_STATUSES, PLANS, RISK_TIERS, SCOPES, SURFACES, TENANT_STATUSES,
} from '../lib/vocabulary';
import { sql } from './helpers/system';

/** An enum's values as a subgraph's SDL declares them. */
function sdlEnum(subgraph: SubgraphName, name: string): string[] {
  // Federation directives need no definitions to read enum values.
  const schema = buildASTSchema(parse(readFileSync(subgraphSdlPath(subgraph), 'utf8')), { assumeValidSDL: true });
  const type = schema.getType(name);
  if (!isEnumType(type)) throw new Error(`${subgraph}.graphql has no enum ${name}`);
  return type.getValues().map((v) => v.name);
}

async function sqlEnum(name: string): Promise<string[]> {
  const rows = await sql<{ label: string }>(
    `SELECT e.enumlabel AS label FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid WHERE t.typname = $1 ORDER BY e.enumsortorder`,
    [name],
  );
  if (rows.length === 0) throw new Error(`the database has no enum ${name}`);
  return rows.map((r) => r.label);
}

const schemas = OPENAPI_DOCUMENT.components.schemas;

// Each list in lib/vocabulary.ts against every place that spells it again.
const LISTS: Array<{ name: string; values: readonly string[]; sql?: string; sdl: Array<[SubgraphName, string]>; openapi?: readonly string[] }> = [
  { name: 'SURFACES', values: SURFACES, sql: 'Surface', sdl: [['audit', 'Surface']], openapi: schemas.AuditEvent.properties.surface.enum },
  { name: 'DECISION_OUTCOMES', values: DECISION_OUTCOMES, sql: 'DecisionOutcome', sdl: [['decisions', 'DecisionOutcome'], ['packages', 'DecisionOutcome']], openapi: schemas.Decision.properties.outcome.enum },
  { name: 'SCOPES', values: SCOPES.map((s) => s.toUpperCase()), sdl: [['tenants', 'ApiKeyScope']] },
  { name: 'KEY_ENVIRONMENTS', values: KEY_ENVIRONMENTS, sql: 'ApiKeyEnvironment', sdl: [['tenants', 'ApiKeyEnvironment']] },
  { name: 'KEY_STATUSES', values: KEY_STATUSES, sdl: [['tenants', 'ApiKeyStatus']] },
  { name: 'PLANS', values: PLANS, sql: 'Plan', sdl: [['tenants', 'Plan']] },
  { name: 'TENANT_STATUSES', values: TENANT_STATUSES, sql: 'TenantStatus', sdl: [['tenants', 'TenantStatus']] },
  { name: 'RISK_TIERS', values: RISK_TIERS, sql: 'RiskTier', sdl: [['packages', 'RiskTier']] },
  { name: 'PACKAGE_STATUSES', values: PACKAGE_STATUSES, sql: 'PackageStatus', sdl: [['packages', 'PackageStatus']] },
];

describe('the lists that must agree', () => {
  describe.each(LISTS)('$name', ({ values, sql: sqlName, sdl, openapi }) => {
    const expected = [...values].sort();
    if (sqlName) it(`is the SQL enum ${sqlName}`, async () => expect((await sqlEnum(sqlName)).sort()).toEqual(expected));
    it.each(sdl)('is the SDL enum of %s: %s', (subgraph, name) => expect(sdlEnum(subgraph, name).sort()).toEqual(expected));
    if (openapi) it('is the OpenAPI enum', () => expect([...openapi].sort()).toEqual(expected));
  });
});
