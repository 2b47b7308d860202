import type { Caller } from '../../../lib/caller';
import type { SqlClient } from '../../../lib/sql';
import { latencyStats, num } from '../../../lib/reporting/latency';
import { runStatsReport } from '../../../lib/reporting/stats-report';
import type { ComparePeriod, TimeBucket } from '../../../lib/reporting/window';
import type { DecisionAggregate, DecisionDimension, DecisionFilter, DecisionOutcome } from '../__generated__/resolvers-types';
import { decisionStatsSpec, HISTOGRAM_BINS, OUTCOMES, type DecisionMeasures } from './decision-stats-query';

export interface DecisionStatsArgs {
  filter?: DecisionFilter | null;
  from: Date;
  to: Date;
  bucket?: TimeBucket | null;
  timezone?: string | null;
  groupBy?: readonly DecisionDimension[] | null;
  compareTo?: ComparePeriod | null;
}

/** A row as the resolvers see it: the group's keys, with `tenantId` so an operator's read is recorded on that tenant's chain. */
export interface DecisionStatsRowModel extends DecisionAggregate {
  bucketStart: Date;
  bucketEnd: Date | null;
  partial: boolean;
  tenantId: string | null;
  packageVersionId: string | null;
  feature: string | null;
  outcome: DecisionOutcome | null;
  subjectType: string | null;
  previous: DecisionAggregate | null;
}

export interface DecisionStatsModel {
  rows: DecisionStatsRowModel[];
  totals: DecisionAggregate;
  previous: DecisionAggregate | null;
  previousFrom: Date | null;
  previousTo: Date | null;
}

/** decisionStats: the one report statement, its json shaped into DecisionAggregate. */
export class DecisionStatsReport {
  constructor(private readonly db: SqlClient) {}

  run(args: DecisionStatsArgs, caller: Caller): Promise<DecisionStatsModel> {
    return runStatsReport(this.db, decisionStatsSpec(caller, args.filter, args.groupBy), args, { aggregate, group });
  }
}

function group(g: Record<string, string | null>) {
  return {
    tenantId: g.tenantId ?? null,
    packageVersionId: g.packageVersionId ?? null,
    feature: g.feature ?? null,
    outcome: (g.outcome ?? null) as DecisionOutcome | null,
    subjectType: g.subjectType ?? null,
  };
}

/** The SQL's json for one group as DecisionAggregate; no rows (null) is the aggregate of nothing: count 0, no mean. */
export function aggregate(m: DecisionMeasures | null): DecisionAggregate {
  const count = m ? Number(m.count) : 0;
  return {
    count,
    outcomes: OUTCOMES.map((outcome, i) => {
      const n = m ? Number(m.outcomes[i]) : 0;
      return { outcome, count: n, rate: count === 0 ? null : n / count };
    }),
    confidence: {
      mean: num(m?.confidenceMean),
      min: num(m?.confidenceMin),
      max: num(m?.confidenceMax),
      histogram: Array.from({ length: HISTOGRAM_BINS }, (_, i) => ({
        lower: i / HISTOGRAM_BINS,
        upper: (i + 1) / HISTOGRAM_BINS,
        count: m ? Number(m.histogram[i]) : 0,
      })),
    },
    latencyMs: latencyStats(m),
  };
}
