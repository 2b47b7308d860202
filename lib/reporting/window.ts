import { badUserInput } from '../errors';

/** The TimeBucket enum of the SDL: the local calendar unit a report row covers. */
export type TimeBucket = 'MINUTE' | 'HOUR' | 'DAY' | 'WEEK' | 'MONTH';

/** The ComparePeriod enum of the SDL. */
export type ComparePeriod = 'PREVIOUS_PERIOD' | 'SAME_PERIOD_LAST_YEAR';

/** MINUTE buckets cover at most this much time: a day of minutes is 1,440 points, more than any chart draws. */
export const MINUTE_RANGE_MS = 24 * 3600_000;

/** The most rows (buckets times groups) one report may answer. */
export const ROW_CAP = 10_000;

/**
 * The longest a bucket can last in any zone (a DST day is 25 h, a local
 * hour repeated at a fall-back 2 h): from it, a lower bound of the bucket
 * count that lets an absurd window be refused before any SQL runs.
 */
const LONGEST_MS: Record<TimeBucket, number> = {
  MINUTE: 60_000,
  HOUR: 2 * 3600_000,
  DAY: 26 * 3600_000,
  WEEK: (7 * 24 + 2) * 3600_000,
  MONTH: (31 * 24 + 2) * 3600_000,
};

/** What the bucket names in date_trunc and as a generate_series step. */
export const BUCKET_UNIT: Record<TimeBucket, { unit: string; step: string }> = {
  MINUTE: { unit: 'minute', step: '1 minute' },
  HOUR: { unit: 'hour', step: '1 hour' },
  DAY: { unit: 'day', step: '1 day' },
  WEEK: { unit: 'week', step: '1 week' },
  MONTH: { unit: 'month', step: '1 month' },
};

/** A checked report window: [from, to) in a zone PostgreSQL knows, cut into buckets or not. */
export interface ReportWindow {
  from: Date;
  to: Date;
  bucket: TimeBucket | null;
  timeZone: string;
  compareTo: ComparePeriod | null;
}

export function rowCapExceeded(rows: number | string, what: string): Error {
  return badUserInput(
    `the report asks for ${what}${rows} rows (buckets times groups), more than the ${ROW_CAP} a report may answer: use a larger bucket, a shorter window, fewer groupBy dimensions or a narrower filter`,
    { argument: 'bucket', askedRows: typeof rows === 'number' ? rows : Number(rows), rowCap: ROW_CAP },
  );
}

/**
 * Checks the window's own arguments (the zone is resolved separately, it
 * needs the database): from before to, MINUTE within its range, and no
 * window so long that its buckets alone pass the row cap.
 */
export function checkWindow(args: { from: Date; to: Date; bucket?: TimeBucket | null; compareTo?: ComparePeriod | null }, timeZone: string): ReportWindow {
  const { from, to } = args;
  const bucket = args.bucket ?? null;
  if (!(from.getTime() < to.getTime())) throw badUserInput('from must be strictly before to: a report covers [from, to)', { argument: 'from' });
  if (bucket === 'MINUTE' && to.getTime() - from.getTime() > MINUTE_RANGE_MS) {
    throw badUserInput('MINUTE buckets cover at most 24 hours: shorten [from, to) or use HOUR buckets', { argument: 'bucket' });
  }
  if (bucket !== null) {
    const atLeast = Math.floor((to.getTime() - from.getTime()) / LONGEST_MS[bucket]);
    if (atLeast > ROW_CAP) throw rowCapExceeded(atLeast, 'at least ');
  }
  return { from, to, bucket, timeZone, compareTo: args.compareTo ?? null };
}
