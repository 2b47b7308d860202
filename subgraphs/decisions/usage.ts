import { Prisma } from '@prisma/client';
import DataLoader from 'dataloader';
import { tenantScope, type Caller } from '../../lib/caller';
import { isUuid } from '../../lib/ids';
import { runSql, type SqlClient } from '../../lib/sql';
import { loaderFamily } from '../../lib/subgraph/loaders';
import { GraphQLError } from 'graphql';
import type { TenantResolvers, TenantUsage as TenantUsageType, UsagePeriod } from './__generated__/resolvers-types';

/** Decisions one tenant made in one billing period, and the clock they were counted at. */
export interface PeriodCount {
  tenantId: string;
  periodStart: Date;
  periodEnd: Date;
  asOf: Date;
  used: number;
}

/** What `Tenant.usage` answers; `tenantId` lets the operator's read be noted on the tenant's chain. */
export type TenantUsage = TenantUsageType & { tenantId: string };

/** An extrapolation from less than this much of a period says more about noise than pace. */
const MIN_ELAPSED_FOR_PROJECTION_MS = 60 * 60 * 1000;

/**
 * Counts decisions per tenant in a billing period, for many tenants in one
 * statement. Billing periods are calendar months in UTC: month arithmetic is
 * done on UTC wall-clock timestamps, because `timestamptz + interval '1
 * month'` would follow the session's time zone across a DST change. Each
 * tenant's count is an index-only range scan of decisions(tenant_id,
 * created_at).
 */
export class UsageStore {
  constructor(private readonly db: SqlClient) {}

  /** `asOf` null (as the graph asks) is the database's clock; tests give an instant to place the months. */
  async countFor(tenantIds: readonly string[], period: UsagePeriod, asOf: Date | null = null): Promise<Map<string, PeriodCount>> {
    const ids = [...new Set(tenantIds.filter(isUuid).map((id) => id.toLowerCase()))];
    if (ids.length === 0) return new Map();
    const monthsBack = period === 'PREVIOUS_MONTH' ? 1 : 0;
    const rows = await runSql<PeriodCount>(this.db, Prisma.sql`
      WITH clock AS (
        SELECT coalesce(${asOf}::timestamptz, now()) AS as_of
      ), month AS (
        SELECT as_of, date_trunc('month', as_of AT TIME ZONE 'UTC') - make_interval(months => ${monthsBack}::int) AS start_utc FROM clock
      ), period AS (
        SELECT as_of, start_utc AT TIME ZONE 'UTC' AS start, (start_utc + interval '1 month') AT TIME ZONE 'UTC' AS "end" FROM month
      )
      SELECT t.id::text AS "tenantId", p.start AS "periodStart", p."end" AS "periodEnd", p.as_of AS "asOf",
             (SELECT count(*)::int FROM decisions d
               WHERE d.tenant_id = t.id AND d.created_at >= p.start AND d.created_at < p."end") AS used
        FROM unnest(${ids}::uuid[]) AS t(id) CROSS JOIN period p`);
    return new Map(rows.map((row) => [row.tenantId, row]));
  }
}

/**
 * Per-request loaders: every Tenant asking for the same period shares one
 * statement. A tenant credential gets null for any tenant but its own.
 */
export function createUsageLoaders(store: UsageStore, caller: Caller) {
  const scope = tenantScope(caller);
  return loaderFamily(
    (period: UsagePeriod) => period,
    (period) =>
      new DataLoader<string, PeriodCount | null>(async (tenantIds) => {
        const visible = tenantIds.filter((id) => scope === null || id.toLowerCase() === scope);
        const counts = await store.countFor(visible, period);
        return tenantIds.map((id) => (scope === null || id.toLowerCase() === scope ? counts.get(id.toLowerCase()) ?? null : null));
      }),
  );
}

/** The usage figures from a count and the quota the tenants service gave (through @requires). */
export function tenantUsage(count: PeriodCount, period: UsagePeriod, quota: number): TenantUsage {
  const { used, periodStart, periodEnd, asOf } = count;
  const length = periodEnd.getTime() - periodStart.getTime();
  const elapsed = Math.min(asOf.getTime(), periodEnd.getTime()) - periodStart.getTime();
  const closed = asOf.getTime() >= periodEnd.getTime();
  const projected = closed ? used : elapsed < MIN_ELAPSED_FOR_PROJECTION_MS ? null : Math.floor((used * length) / elapsed);
  return {
    tenantId: count.tenantId,
    period,
    periodStart,
    periodEnd,
    asOf,
    used,
    quota,
    remaining: Math.max(0, quota - used),
    percentUsed: quota > 0 ? (100 * used) / quota : used > 0 ? null : 0,
    projectedAtPeriodEnd: projected,
    projectedOverQuota: projected === null ? null : projected > quota,
  };
}

/** Tenant.usage: the quota comes from the tenants service through `@requires(fields: "limits { monthlyDecisionQuota }")`. */
export const resolveUsage: TenantResolvers['usage'] = async (tenant, { period }, { usage }) => {
  const quota = tenant.limits?.monthlyDecisionQuota;
  // Only a call that bypasses the gateway's query plan can leave the required field out.
  if (typeof quota !== 'number') throw new GraphQLError('Tenant.usage needs limits.monthlyDecisionQuota from the tenants service (@requires)');
  const count = await usage(period).load(tenant.id);
  return count && tenantUsage(count, period, quota);
};
