import type { DashboardStatsQuery, DecisionOutcome } from '../__generated__/graphql';

export const RANGES = {
  '24h': { label: '24 h', hours: 24 },
  '7d': { label: '7 d', hours: 7 * 24 },
  '30d': { label: '30 d', hours: 30 * 24 },
} as const;
export type RangeKey = keyof typeof RANGES;

/** In the order of DecisionOutcome, as every `outcomes` list comes. */
export const OUTCOMES: readonly DecisionOutcome[] = ['APPROVE', 'DECLINE', 'REVIEW', 'CHALLENGE'];

const HOUR_MS = 3_600_000;

/**
 * The report window of a range: whole UTC hours ending with the hour under
 * way, so every range is hourly buckets (30 days is 720 of them, one HOUR
 * row each with no groupBy) and the newest bucket fills up as the page refreshes.
 */
export function rangeWindow(range: RangeKey, now = Date.now()): { from: string; to: string } {
  const to = Math.floor(now / HOUR_MS) * HOUR_MS + HOUR_MS;
  return { from: new Date(to - RANGES[range].hours * HOUR_MS).toISOString(), to: new Date(to).toISOString() };
}

type Stats = NonNullable<DashboardStatsQuery['decisionStats']>;

/** uPlot's columns: x in Unix seconds (each bucket's start), then one array per series. */
export type Columns = [number[], ...Array<Array<number | null>>];

/** Decisions per hour, one series per outcome. */
export function outcomeColumns(stats: Stats): Columns {
  const xs = stats.rows.map((r) => Date.parse(r.bucketStart) / 1000);
  const per = OUTCOMES.map((outcome) => stats.rows.map((r) => r.outcomes.find((o) => o.outcome === outcome)?.count ?? 0));
  return [xs, ...per];
}

/** Approval rate (percent) and p95 latency (ms) per hour; null, a gap, for an hour without decisions. */
export function qualityColumns(stats: Stats): Columns {
  const xs = stats.rows.map((r) => Date.parse(r.bucketStart) / 1000);
  const approval = stats.rows.map((r) => {
    const rate = r.outcomes.find((o) => o.outcome === 'APPROVE')?.rate;
    return rate == null ? null : rate * 100;
  });
  const p95 = stats.rows.map((r) => r.latencyMs.p95 ?? null);
  return [xs, approval, p95];
}
