/**
 * Demand control for the graph, kept next to the SDLs it prices: how many
 * items each list field may return, which argument slices it, and what a
 * field costs beyond its place in the tree. It plays the part of Apollo
 * Router's @listSize and @cost directives, written as a table because our
 * gateway (@apollo/gateway) does not read those directives.
 * test/operation-limits.test.ts fails when a list field of the API schema is
 * missing here, so a new list cannot escape the cost estimate.
 */

/** A connection: `first`/`last` slice it, the sized fields carry the items. */
export interface SlicedList {
  kind: 'sliced';
  /** The arguments whose value is the page size. */
  slicingArguments: readonly string[];
  /** The children of the connection that hold one entry per item. */
  sizedFields: readonly string[];
  /** Page size when no slicing argument is given. */
  defaultSize: number;
  /** The largest page the field serves (a larger argument is refused by the field itself). */
  maxSize: number;
}

/** A plain list: the most items it holds in practice (a documented assumption). */
export interface AssumedList {
  kind: 'assumed';
  size: number;
}

const connection = (defaultSize = 20, maxSize = 100): SlicedList => ({
  kind: 'sliced',
  slicingArguments: ['first', 'last'],
  sizedFields: ['edges', 'nodes'],
  defaultSize,
  maxSize,
});

/** Any field returning a `…Connection` type that the table does not name is priced as one of these. */
export const DEFAULT_CONNECTION: SlicedList = connection();

/** `Type.field` of every field that returns a list of objects. Lists of scalars cost nothing beyond their field. */
export const LIST_SIZES: Readonly<Record<string, SlicedList | AssumedList>> = {
  'Query.decisions': connection(),
  'Query.auditEvents': connection(),
  'Tenant.decisions': connection(),
  'Tenant.installationsConnection': connection(),
  'Package.versionsConnection': connection(),
  'Lineage.eventsConnection': connection(),
  'Query.tenants': { kind: 'assumed', size: 100 },
  'Query.packages': { kind: 'assumed', size: 100 },
  'Query.apiKeys': { kind: 'assumed', size: 100 },
  'Tenant.installations': { kind: 'assumed', size: 20 },
  'Package.versions': { kind: 'assumed', size: 20 },
  'PackageVersion.features': { kind: 'assumed', size: 20 },
  'Lineage.events': { kind: 'assumed', size: 50 },
  // A report answers at most 10,000 rows (lib/reporting), but a dashboard's
  // is typically a chart of a few dozen buckets times a few groups.
  'DecisionStats.rows': { kind: 'assumed', size: 100 },
  'DecisionStatsRow.outcomes': { kind: 'assumed', size: 4 },
  'DecisionAggregate.outcomes': { kind: 'assumed', size: 4 },
  'ConfidenceStats.histogram': { kind: 'assumed', size: 10 },
  'AuditStats.rows': { kind: 'assumed', size: 100 },
  'Query.featureHealth': { kind: 'assumed', size: 50 },
};

/**
 * What a field costs on top of the 1 every object field costs: work that a
 * row count does not show (a COUNT over a whole table, recomputing a hash
 * chain, a write).
 */
export const FIELD_COSTS: Readonly<Record<string, number>> = {
  'DecisionConnection.totalCount': 25,
  'AuditEventConnection.totalCount': 25,
  'Query.verifyAuditChain': 1000,
  // One aggregate statement over every decision of the window.
  'Query.decisionStats': 500,
  'Query.auditStats': 500,
  // Two 30-day percentile aggregates over the caller's decisions.
  'Query.featureHealth': 200,
  // One month's COUNT per tenant, batched into one statement.
  'Tenant.usage': 10,
  'Mutation.createDecision': 10,
  'Mutation.createApiKey': 10,
  'Mutation.revokeApiKey': 10,
};

/** A list field missing from LIST_SIZES (a new one, say) is assumed to hold this many items. */
export const UNLISTED_LIST_SIZE = 100;
