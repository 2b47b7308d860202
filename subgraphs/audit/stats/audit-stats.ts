import type { Caller } from '../../../lib/caller';
import type { SqlClient } from '../../../lib/sql';
import { latencyStats } from '../../../lib/reporting/latency';
import { runStatsReport } from '../../../lib/reporting/stats-report';
import type { ComparePeriod, TimeBucket } from '../../../lib/reporting/window';
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

/** auditStats: the one report statement, its json shaped into AuditAggregate. */
export class AuditStatsReport {
  constructor(private readonly db: SqlClient) {}

  run(args: AuditStatsArgs, caller: Caller): Promise<AuditStatsModel> {
    return runStatsReport(this.db, auditStatsSpec(caller, args.filter, args.groupBy), args, { aggregate, group });
  }
}

function group(g: Record<string, string | null>) {
  return {
    surface: (g.surface ?? null) as Surface | null,
    status: g.status ?? null,
    operation: g.operation ?? null,
    actor: g.actor ?? null,
    tenantId: g.tenantId ?? null,
  };
}

/** The SQL's json for one group as AuditAggregate; no rows (null) is the aggregate of nothing. */
export function aggregate(m: AuditMeasures | null): AuditAggregate {
  const requests = m ? Number(m.requests) : 0;
  const errors = m ? Number(m.errors) : 0;
  return { requests, errors, errorRate: requests === 0 ? null : errors / requests, latencyMs: latencyStats(m) };
}
