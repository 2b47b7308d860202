/**
 * How the published API schema is linted (scripts/lint-schema.ts, run by
 * `npm run lint:schema` and test/schema-lint.test.ts): @graphql-eslint's
 * `schema-recommended` and `schema-relay` rule sets, with the few rule
 * options and named exceptions below. Kept next to the SDLs it judges, like
 * demand.ts. Every deviation carries its reason on the line above it; an
 * exception that no longer matches a finding fails the lint too, so the list
 * cannot outlive what it excuses.
 */
import { configs } from '@graphql-eslint/eslint-plugin';
import type { Linter } from 'eslint';

export const SCHEMA_LINT_RULES: Linter.RulesRecord = {
  ...configs['flat/schema-recommended'].rules,
  ...configs['flat/schema-relay'].rules,
  // Relay's Node needs type-tagged global ids and a `node(id:)` any subgraph could answer; our ids are per-type UUIDs and each type refetches by its own root field or entity key.
  '@graphql-eslint/relay-edge-types': ['error', { shouldImplementNode: false }],
  // A connection, an edge and a PageInfo describe a slice of a list, not a thing of their own: the Cursor Connections spec gives them no id.
  '@graphql-eslint/strict-id-in-types': ['error', { exceptions: { suffixes: ['Connection', 'Edge'], types: ['PageInfo'] } }],
};

/** One finding allowed at one schema coordinate (`Type`, `Type.field`, `Type.field(arg:)`). */
export interface LintException {
  rule: string;
  at: string;
  why: string;
}

const LIST = '@graphql-eslint/relay-edge-types';
const ID = '@graphql-eslint/strict-id-in-types';

export const SCHEMA_LINT_EXCEPTIONS: readonly LintException[] = [
  // relay-edge-types forbids every plain list; these stay lists on purpose.
  { rule: LIST, at: 'Decision.reasons', why: 'reason codes of one decision: a few strings, written once, read whole' },
  { rule: LIST, at: 'ApiKey.scopes', why: 'at most the three ApiKeyScope values' },
  { rule: LIST, at: 'Feature.outcomes', why: 'at most the four DecisionOutcome values' },
  { rule: LIST, at: 'PackageVersion.features', why: 'fixed when the version is published (a handful) and read whole to show the version' },
  { rule: LIST, at: 'Lineage.events', why: 'a contract of issue 11 (`lineage { events { action } }`); one request records its call and one write per root field (20 at most) once request ids are server-owned (issue 9); until then the response bound holds it; eventsConnection pages the same events' },
  { rule: LIST, at: 'Package.versions', why: 'kept for clients written against it (latestVersion reads the same list); versionsConnection pages the same versions' },
  { rule: LIST, at: 'Tenant.installations', why: 'kept for clients written against it; at most one per package in the catalogue; installationsConnection pages the same installations' },
  { rule: LIST, at: 'Query.packages', why: 'the curated marketplace catalogue (tens of packages), filtered and shown whole' },
  { rule: LIST, at: 'Query.tenants', why: "one tenant for a tenant's credential; the platform's customer list for admins, hundreds, not growing per call" },
  { rule: LIST, at: 'Query.apiKeys', why: 'admin-only key management: a few keys per tenant, listed whole to review and revoke' },
  { rule: LIST, at: 'DecisionStats.rows', why: 'a report: at most 10,000 rows (buckets times groups, refused beyond), ordered by bucket, read whole to draw a chart' },
  { rule: LIST, at: 'DecisionStatsRow.outcomes', why: 'exactly the four DecisionOutcome values' },
  { rule: LIST, at: 'DecisionAggregate.outcomes', why: 'exactly the four DecisionOutcome values' },
  { rule: LIST, at: 'ConfidenceStats.histogram', why: 'exactly ten fixed bins' },
  { rule: LIST, at: 'AuditStats.rows', why: 'a report: at most 10,000 rows (buckets times groups, refused beyond), ordered by bucket, read whole to draw a chart' },
  { rule: LIST, at: 'Query.featureHealth', why: 'one entry per feature key that decided in the last 30 days: the catalogue is tens of features, read whole by a health dashboard' },
  { rule: LIST, at: 'FeatureHealth.degradedBy', why: 'at most the two HealthSignal values' },
  // strict-id-in-types wants an id on every object; these are values inside their parent.
  { rule: ID, at: 'DecisionSubject', why: "the caller's own reference to a subject, embedded in its decision" },
  { rule: ID, at: 'TenantLimits', why: "the limits of the tenant's plan, embedded in the tenant" },
  { rule: ID, at: 'Lineage', why: 'identified by its decision (decisionId); computed per call, never stored' },
  { rule: ID, at: 'AuditChainVerification', why: 'the result of one verification run, computed per call' },
  { rule: ID, at: 'AuditChainBreak', why: 'a position in a chain (sequence, eventId), part of a verification result' },
  { rule: ID, at: 'AuditCheckpoint', why: 'identified by its chain (the verification tenantId) and sequence; only ever shown inside a verification result' },
  { rule: ID, at: 'DecisionStats', why: 'a report computed per call from its arguments, never stored' },
  { rule: ID, at: 'DecisionStatsRow', why: 'one bucket and group of a report, identified by them within it' },
  { rule: ID, at: 'DecisionAggregate', why: 'measures of a set of decisions, inside a report' },
  { rule: ID, at: 'ConfidenceStats', why: 'measures inside an aggregate' },
  { rule: ID, at: 'LatencyStats', why: 'measures inside an aggregate' },
  { rule: ID, at: 'HistogramBin', why: 'one fixed bin of a histogram, identified by its bounds' },
  { rule: ID, at: 'OutcomeCount', why: 'one outcome of an aggregate, identified by it' },
  { rule: ID, at: 'AuditStats', why: 'a report computed per call from its arguments, never stored' },
  { rule: ID, at: 'AuditStatsRow', why: 'one bucket and group of a report, identified by them within it' },
  { rule: ID, at: 'AuditAggregate', why: 'measures of a set of calls, inside a report' },
  { rule: ID, at: 'TenantUsage', why: "computed per call for one tenant and period, embedded in the tenant" },
  { rule: ID, at: 'FeatureHealth', why: 'computed per call; identified by its feature key and the call\'s window and asOf, never stored' },
  { rule: ID, at: 'FeatureHealthPeriod', why: 'one side (window or baseline) of a FeatureHealth' },
  { rule: ID, at: 'CreatedApiKey', why: 'a mutation result wrapping the ApiKey (which has its id) and its one-time secret' },
];
