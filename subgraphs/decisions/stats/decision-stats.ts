import type { Caller } from '../../../lib/caller';
import type { SqlClient } from '../../../lib/sql';
import { runGroupedReport, type ReportRow } from '../../../lib/reporting/grouped-report';
import { resolveTimeZone } from '../../../lib/reporting/time-zone';
import { checkWindow, type ComparePeriod, type TimeBucket } from '../../../lib/reporting/window';
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

/** decisionStats: checks the arguments, runs the one report statement, shapes its json into DecisionAggregate. */
export class DecisionStatsReport {
  constructor(private readonly db: SqlClient) {}

  async run(args: DecisionStatsArgs, caller: Caller): Promise<DecisionStatsModel> {
    const spec = decisionStatsSpec(caller, args.filter, args.groupBy);
    const window = checkWindow(args, await resolveTimeZone(this.db, args.timezone ?? 'UTC'));
    const report = await runGroupedReport<DecisionMeasures>(this.db, spec, window);
    const compared = window.compareTo !== null;
    return {
      rows: report.rows.map((row) => rowModel(row, compared, window.bucket !== null)),
      totals: aggregate(report.totals),
      previous: compared ? aggregate(report.previousTotals) : null,
      previousFrom: report.comparedFrom,
      previousTo: report.comparedTo,
    };
  }
}

function rowModel(row: ReportRow<DecisionMeasures>, compared: boolean, bucketed: boolean): DecisionStatsRowModel {
  const g = row.group;
  return {
    bucketStart: row.bucketStart,
    bucketEnd: bucketed ? row.bucketEnd : null,
    partial: row.partial,
    tenantId: g.tenantId ?? null,
    packageVersionId: g.packageVersionId ?? null,
    feature: g.feature ?? null,
    outcome: (g.outcome ?? null) as DecisionOutcome | null,
    subjectType: g.subjectType ?? null,
    ...aggregate(row.measures),
    previous: compared ? aggregate(row.previous) : null,
  };
}

const num = (value: number | string | null | undefined): number | null => (value == null ? null : Number(value));

/** The SQL's json for one group as DecisionAggregate; no rows (null) is the aggregate of nothing: count 0, no mean. */
export function aggregate(m: DecisionMeasures | null): DecisionAggregate {
  const count = m ? Number(m.count) : 0;
  const percentiles = m?.latencyPercentiles ?? [];
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
    latencyMs: {
      mean: num(m?.latencyMean),
      p50: num(percentiles[0]),
      p90: num(percentiles[1]),
      p95: num(percentiles[2]),
      p99: num(percentiles[3]),
      max: num(m?.latencyMax),
    },
  };
}
