import { Prisma, type PrismaClient } from '@prisma/client';
import { requireTenantAccess, tenantScope } from '../../lib/caller';
import { isUuid } from '../../lib/ids';
import type { FeatureHealth, FeatureHealthPeriod, HealthSignal, HealthWindow, QueryResolvers } from './__generated__/resolvers-types';

/** The window lengths in hours: hours, not days, so no session time zone can stretch one across a DST change. */
const WINDOW_HOURS: Record<HealthWindow, number> = { LAST_HOUR: 1, LAST_DAY: 24 };
const BASELINE_HOURS = 30 * 24;

/** The rule of `degraded`, as the field's description states it. */
export const DEGRADED_RULE = {
  minDecisions: 20,
  latencyP95Factor: 1.5,
  declineRatePoints: 0.1,
} as const;

/** One side (window or baseline) of one feature, as the SQL aggregates it. */
interface PeriodRow {
  feature: string;
  inWindow: boolean;
  count: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  approveRate: number | null;
  declineRate: number | null;
  reviewRate: number | null;
  challengeRate: number | null;
}

interface Bounds {
  asOf: Date;
  windowStart: Date;
  baselineStart: Date;
}

export interface HealthQuery {
  /** Only this tenant's decisions; null for every tenant (platform operator only). */
  tenantId: string | null;
  feature: string | null;
  window: HealthWindow;
  /** Null for the database's clock. */
  asOf: Date | null;
}

/**
 * Per-feature latency percentiles and outcome mix over a recent window and
 * the 30 days before it, in one statement: every decision of the 30 days
 * plus the window is read once (a range scan of decisions(tenant_id,
 * feature_key, created_at) for a tenant, of decisions(created_at) across
 * tenants) and grouped by feature and side.
 */
export class FeatureHealthStore {
  constructor(private readonly prisma: PrismaClient) {}

  async features(query: HealthQuery): Promise<FeatureHealth[]> {
    const asOf = Prisma.sql`coalesce(${query.asOf}::timestamptz, now())`;
    const windowStart = Prisma.sql`(${asOf} - ${WINDOW_HOURS[query.window]}::int * interval '1 hour')`;
    const baselineStart = Prisma.sql`(${windowStart} - ${BASELINE_HOURS}::int * interval '1 hour')`;
    const conditions = [Prisma.sql`d.created_at >= ${baselineStart}`, Prisma.sql`d.created_at < ${asOf}`];
    if (query.tenantId !== null) conditions.push(Prisma.sql`d.tenant_id = ${query.tenantId}::uuid`);
    if (query.feature !== null) conditions.push(Prisma.sql`d.feature_key = ${query.feature}`);
    const rate = (outcome: string) => Prisma.sql`(count(*) FILTER (WHERE d.outcome = ${outcome}::"DecisionOutcome"))::float8 / count(*)`;
    // now() is the transaction's start: every mention of it in the one statement is the same instant.
    const rows = await this.prisma.$queryRaw<Array<PeriodRow & Bounds>>(Prisma.sql`
      SELECT d.feature_key AS feature, d.created_at >= ${windowStart} AS "inWindow", count(*)::int AS count,
             percentile_disc(0.5) WITHIN GROUP (ORDER BY d.latency_ms) AS p50,
             percentile_disc(0.95) WITHIN GROUP (ORDER BY d.latency_ms) AS p95,
             percentile_disc(0.99) WITHIN GROUP (ORDER BY d.latency_ms) AS p99,
             ${rate('APPROVE')} AS "approveRate", ${rate('DECLINE')} AS "declineRate",
             ${rate('REVIEW')} AS "reviewRate", ${rate('CHALLENGE')} AS "challengeRate",
             ${asOf} AS "asOf", ${windowStart} AS "windowStart", ${baselineStart} AS "baselineStart"
        FROM decisions d
       WHERE ${Prisma.join(conditions, ' AND ')}
       GROUP BY 1, 2
       ORDER BY 1, 2`);
    return healthByFeature(rows);
  }
}

/** Pairs each feature's window and baseline rows (a side without decisions has none) and applies the rule. */
function healthByFeature(rows: ReadonlyArray<PeriodRow & Bounds>): FeatureHealth[] {
  const byFeature = new Map<string, { window?: PeriodRow; baseline?: PeriodRow; bounds: Bounds }>();
  for (const row of rows) {
    const entry = byFeature.get(row.feature) ?? { bounds: row };
    if (row.inWindow) entry.window = row;
    else entry.baseline = row;
    byFeature.set(row.feature, entry);
  }
  return [...byFeature].map(([feature, { window, baseline, bounds }]) => {
    const recent = period(window, bounds.windowStart, bounds.asOf);
    const past = period(baseline, bounds.baselineStart, bounds.windowStart);
    const degradedBy = signals(recent, past);
    return { feature, window: recent, baseline: past, degraded: degradedBy.length > 0, degradedBy };
  });
}

function period(row: PeriodRow | undefined, from: Date, to: Date): FeatureHealthPeriod {
  return {
    from,
    to,
    count: row?.count ?? 0,
    latencyP50Ms: row?.p50 ?? null,
    latencyP95Ms: row?.p95 ?? null,
    latencyP99Ms: row?.p99 ?? null,
    approveRate: row?.approveRate ?? null,
    declineRate: row?.declineRate ?? null,
    reviewRate: row?.reviewRate ?? null,
    challengeRate: row?.challengeRate ?? null,
  };
}

/** The parts of the degraded rule that hold; none when either side has too few decisions to compare. */
export function signals(window: FeatureHealthPeriod, baseline: FeatureHealthPeriod): HealthSignal[] {
  if (window.count < DEGRADED_RULE.minDecisions || baseline.count < DEGRADED_RULE.minDecisions) return [];
  const found: HealthSignal[] = [];
  if (window.latencyP95Ms! > DEGRADED_RULE.latencyP95Factor * baseline.latencyP95Ms!) found.push('LATENCY_P95');
  if (window.declineRate! - baseline.declineRate! > DEGRADED_RULE.declineRatePoints) found.push('DECLINE_RATE');
  return found;
}

/**
 * Query.featureHealth. A tenant credential reads its own decisions only
 * (naming another tenant is FORBIDDEN); the operator reads every tenant's,
 * or one tenant's with `tenantId`. A malformed tenant id names no tenant:
 * an empty list.
 */
export const resolveFeatureHealth: QueryResolvers['featureHealth'] = async (_parent, args, { caller, featureHealth }) => {
  requireTenantAccess(caller, args.tenantId);
  const tenantId = tenantScope(caller) ?? args.tenantId ?? null;
  if (tenantId !== null && !isUuid(tenantId)) return [];
  return featureHealth.features({ tenantId, feature: args.feature ?? null, window: args.window ?? 'LAST_HOUR', asOf: args.asOf ?? null });
};
