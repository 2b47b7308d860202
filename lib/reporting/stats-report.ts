import type { SqlClient } from '../sql';
import { runGroupedReport, type GroupedReportSpec } from './grouped-report';
import { resolveTimeZone } from './time-zone';
import { checkWindow, type ComparePeriod, type TimeBucket } from './window';

/** The window arguments every stats field takes. */
export interface StatsWindowArgs {
  from: Date;
  to: Date;
  bucket?: TimeBucket | null;
  timezone?: string | null;
  compareTo?: ComparePeriod | null;
}

/** How one report turns the SQL's json into its graph types: the measures, and the group's keys. */
export interface StatsShape<M, A, G> {
  aggregate(measures: M | null): A;
  group(keys: Record<string, string | null>): G;
}

export type StatsRowModel<A, G> = A & G & { bucketStart: Date; bucketEnd: Date | null; partial: boolean; previous: A | null };

export interface StatsModel<A, G> {
  rows: Array<StatsRowModel<A, G>>;
  totals: A;
  previous: A | null;
  previousFrom: Date | null;
  previousTo: Date | null;
}

/**
 * A stats field: checks the window, runs the one report statement, and
 * shapes every row, the totals and the compared period the same way for
 * every report. Without a bucket a row has no end.
 */
export async function runStatsReport<M, A, G>(db: SqlClient, spec: GroupedReportSpec, args: StatsWindowArgs, shape: StatsShape<M, A, G>): Promise<StatsModel<A, G>> {
  const window = checkWindow(args, await resolveTimeZone(db, args.timezone ?? 'UTC'));
  const report = await runGroupedReport<M>(db, spec, window);
  const compared = window.compareTo !== null;
  const bucketed = window.bucket !== null;
  return {
    rows: report.rows.map((row) => ({
      bucketStart: row.bucketStart,
      bucketEnd: bucketed ? row.bucketEnd : null,
      partial: row.partial,
      ...shape.group(row.group),
      ...shape.aggregate(row.measures),
      previous: compared ? shape.aggregate(row.previous) : null,
    })),
    totals: shape.aggregate(report.totals),
    previous: compared ? shape.aggregate(report.previousTotals) : null,
    previousFrom: report.comparedFrom,
    previousTo: report.comparedTo,
  };
}
