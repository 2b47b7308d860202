import { Prisma } from '@prisma/client';

/** The percentiles LatencyStats reports, in its order. */
export const LATENCY_PERCENTILES = [0.5, 0.9, 0.95, 0.99] as const;

/** The latency members of a report's per-group json object, over a `latency_ms` column. */
export const LATENCY_MEASURES = Prisma.sql`'latencyMean', avg(latency_ms),
  'latencyPercentiles', percentile_cont(ARRAY[${Prisma.raw(LATENCY_PERCENTILES.join(', '))}]::double precision[]) WITHIN GROUP (ORDER BY latency_ms),
  'latencyMax', max(latency_ms)`;

/** What LATENCY_MEASURES answers (numbers as PostgreSQL's json prints them). */
export interface LatencyMeasures {
  latencyMean: number | string | null;
  latencyPercentiles: Array<number | null> | null;
  latencyMax: number | null;
}

/** A json number as a number; null stays null. */
export const num = (value: number | string | null | undefined): number | null => (value == null ? null : Number(value));

/** LatencyStats of a group; no rows (null) has no latency. */
export function latencyStats(m: LatencyMeasures | null) {
  const percentiles = m?.latencyPercentiles ?? [];
  return {
    mean: num(m?.latencyMean),
    p50: num(percentiles[0]),
    p90: num(percentiles[1]),
    p95: num(percentiles[2]),
    p99: num(percentiles[3]),
    max: num(m?.latencyMax),
  };
}
