import { Prisma } from '@prisma/client';
import type { Caller } from '../../../lib/caller';
import { badUserInput } from '../../../lib/errors';
import type { Dimension, GroupedReportSpec } from '../../../lib/reporting/grouped-report';
import { LATENCY_MEASURES, type LatencyMeasures } from '../../../lib/reporting/latency';
import type { DecisionDimension, DecisionFilter, DecisionOutcome } from '../__generated__/resolvers-types';
import { decisionFilterConditions } from '../decision-filter';

export const OUTCOMES: readonly DecisionOutcome[] = ['APPROVE', 'DECLINE', 'REVIEW', 'CHALLENGE'];

/** The confidence histogram: ten bins of width 0.1 over [0, 1]. */
export const HISTOGRAM_BINS = 10;

const histogram = Array.from({ length: HISTOGRAM_BINS }, (_, i) =>
  // width_bucket puts 1.0 in an 11th bin: least() folds it into the last, as the SDL promises.
  Prisma.raw(`count(*) FILTER (WHERE least(greatest(width_bucket(confidence, 0, 1, ${HISTOGRAM_BINS}), 1), ${HISTOGRAM_BINS}) = ${i + 1})`),
);

/** The measures of DecisionAggregate, as one json object per group. */
const MEASURES = Prisma.sql`json_build_object(
  'count', count(*),
  'outcomes', json_build_array(${Prisma.join(OUTCOMES.map((o) => Prisma.raw(`count(*) FILTER (WHERE outcome = '${o}')`)))}),
  'confidenceMean', avg(confidence), 'confidenceMin', min(confidence), 'confidenceMax', max(confidence),
  'histogram', json_build_array(${Prisma.join(histogram)}),
  ${LATENCY_MEASURES})`;

/** What the SQL answers per group (numbers as PostgreSQL's json prints them). */
export interface DecisionMeasures extends LatencyMeasures {
  count: number;
  outcomes: number[];
  confidenceMean: number | null;
  confidenceMin: number | null;
  confidenceMax: number | null;
  histogram: number[];
}

export const DIMENSION_KEYS: Record<DecisionDimension, string> = {
  TENANT: 'tenantId',
  FEATURE: 'feature',
  OUTCOME: 'outcome',
  PACKAGE_VERSION: 'packageVersionId',
  SUBJECT_TYPE: 'subjectType',
};

/**
 * The decisions a caller's report reads and how they are grouped: the
 * tenant scope and filter as for Query.decisions (a filter naming another
 * tenant is FORBIDDEN).
 */
export function decisionStatsSpec(caller: Caller, filter: DecisionFilter | null | undefined, groupBy: readonly DecisionDimension[] | null | undefined): GroupedReportSpec {
  const f = filter ?? {};
  if (f.createdAfter != null || f.createdBefore != null) {
    throw badUserInput('filter.createdAfter and filter.createdBefore do not apply to a report: its window is [from, to)', { argument: 'filter' });
  }
  const where = decisionFilterConditions(f, caller);
  const dimensions: Record<DecisionDimension, Dimension> = {
    TENANT: { key: DIMENSION_KEYS.TENANT, sql: Prisma.sql`tenant_id::text` },
    FEATURE: { key: DIMENSION_KEYS.FEATURE, sql: Prisma.sql`feature_key` },
    OUTCOME: { key: DIMENSION_KEYS.OUTCOME, sql: Prisma.sql`outcome::text` },
    PACKAGE_VERSION: { key: DIMENSION_KEYS.PACKAGE_VERSION, sql: Prisma.sql`package_version_id::text` },
    SUBJECT_TYPE: { key: DIMENSION_KEYS.SUBJECT_TYPE, sql: Prisma.sql`subject_type` },
  };
  return {
    table: 'decisions',
    timeColumn: 'created_at',
    conditions: where.list,
    dimensions: [...new Set(groupBy ?? [])].map((d) => dimensions[d]),
    measures: MEASURES,
    measureColumns: ['outcome', 'confidence', 'latency_ms'],
  };
}
