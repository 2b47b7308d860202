import type { Caller } from '../../../lib/caller';
import type { SqlClient } from '../../../lib/sql';
import { runGroupedReport, type ReportRow } from '../../../lib/reporting/grouped-report';
import { resolveTimeZone } from '../../../lib/reporting/time-zone';
import { checkWindow, type ComparePeriod, type TimeBucket } from '../../../lib/reporting/window';
import type { AuditAggregate, AuditDimension, AuditStatsFilter, Surface } from '../__generated__/resolvers-types';
import { auditStatsSpec, type AuditMeasures } from './audit-stats-query';

export interface AuditStatsArgs {
  filter?: AuditStatsFilter | null;
  from: Date;
  to: Date;
  bucket?: TimeBucket | null;
  timezone?: string | null;
  groupBy?: readonly AuditDimension[] | null;
  compareTo?: ComparePeriod | null;
}

/** A row as the resolvers see it; `tenantId` so an operator's read is recorded on that tenant's chain. */
export interface AuditStatsRowModel extends AuditAggregate {
  bucketStart: Date;
  bucketEnd: Date | null;
  partial: boolean;
  surface: Surface | null;
  status: string | null;
  operation: string | null;
  actor: string | null;
  tenantId: string | null;
  previous: AuditAggregate | null;
}

export interface AuditStatsModel {
  rows: AuditStatsRowModel[];
  totals: AuditAggregate;
  previous: AuditAggregate | null;
  previousFrom: Date | null;
  previousTo: Date | null;
}

/** auditStats: checks the arguments, runs the one report statement, shapes its json into AuditAggregate. */
export class AuditStatsReport {
  constructor(private readonly db: SqlClient) {}

  async run(args: AuditStatsArgs, caller: Caller): Promise<AuditStatsModel> {
    const spec = auditStatsSpec(caller, args.filter, args.groupBy);
    const window = checkWindow(args, await resolveTimeZone(this.db, args.timezone ?? 'UTC'));
    const report = await runGroupedReport<AuditMeasures>(this.db, spec, window);
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

function rowModel(row: ReportRow<AuditMeasures>, compared: boolean, bucketed: boolean): AuditStatsRowModel {
  const g = row.group;
  return {
    bucketStart: row.bucketStart,
    bucketEnd: bucketed ? row.bucketEnd : null,
    partial: row.partial,
    surface: (g.surface ?? null) as Surface | null,
    status: g.status ?? null,
    operation: g.operation ?? null,
    actor: g.actor ?? null,
    tenantId: g.tenantId ?? null,
    ...aggregate(row.measures),
    previous: compared ? aggregate(row.previous) : null,
  };
}

const num = (value: number | string | null | undefined): number | null => (value == null ? null : Number(value));

/** The SQL's json for one group as AuditAggregate; no rows (null) is the aggregate of nothing. */
export function aggregate(m: AuditMeasures | null): AuditAggregate {
  const requests = m ? Number(m.requests) : 0;
  const errors = m ? Number(m.errors) : 0;
  const percentiles = m?.latencyPercentiles ?? [];
  return {
    requests,
    errors,
    errorRate: requests === 0 ? null : errors / requests,
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
