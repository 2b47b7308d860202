import { Prisma } from '@prisma/client';
import { BUCKET_UNIT, type ReportWindow } from './window';

/**
 * The CTEs that cut a window into buckets: `win` (win_from, win_to, win_tz,
 * cmp_from, cmp_to) and `buckets` (bucket_no from 1, bucket_start,
 * bucket_end, bucket_partial, prev_start, prev_end), one row per bucket
 * overlapping [from, to), empty ones included.
 *
 * Bucket edges are the local wall-clock boundaries of the zone, walked as
 * local timestamps (generate_series over `timestamp`, so a local day is a
 * day whatever its length) and turned into instants with AT TIME ZONE. Rows
 * are then assigned to buckets by range ([bucket_start, bucket_end)), never
 * by truncating each row, so a row always lies inside the bucket that
 * reports it. A bucket starts at the first instant whose local time reaches
 * its boundary (see instantOf): so a DAY lasts 23 or 25 hours across DST,
 * an HOUR repeated at a fall-back is one 2-hour bucket holding both of its
 * occurrences, a skipped HOUR has no bucket (its edge is the next one's and
 * is dropped as a duplicate), and half-hour zones (Asia/Kolkata,
 * Australia/Lord_Howe) start their hours at :30 UTC.
 *
 * The first and last bucket are clipped to [from, to): bucket_start is
 * never before `from`, bucket_end never after `to`, and bucket_partial says
 * the bucket was clipped.
 *
 * prev_start and prev_end are the bucket moved the way the compared window
 * is: back by the window's length (PREVIOUS_PERIOD), or each bound one
 * calendar year back in the zone (SAME_PERIOD_LAST_YEAR, so 2028-02-29
 * compares with 2027-02-28). Either way the moved buckets tile the compared
 * window as the buckets tile the window.
 */
export function bucketsSql(window: ReportWindow): Prisma.Sql {
  const shift = (column: string): Prisma.Sql => {
    const col = Prisma.raw(column);
    if (window.compareTo === 'SAME_PERIOD_LAST_YEAR') return instantOf(Prisma.sql`((${col} AT TIME ZONE win_tz) - interval '1 year')`);
    // Milliseconds, never days: `interval '1 day'` on a timestamptz would follow the session's zone.
    const lengthMs = window.to.getTime() - window.from.getTime();
    return Prisma.sql`(${col} - ${lengthMs}::double precision * interval '1 millisecond')`;
  };
  const win = Prisma.sql`win AS (
    SELECT win_from, win_to, win_tz, ${shift('win_from')} AS cmp_from, ${shift('win_to')} AS cmp_to
    FROM (SELECT ${window.from}::timestamptz AS win_from, ${window.to}::timestamptz AS win_to, ${window.timeZone}::text AS win_tz) AS args
  )`;
  if (window.bucket === null) {
    return Prisma.sql`${win},
    buckets AS (
      SELECT 1 AS bucket_no, win_from AS bucket_start, win_to AS bucket_end, false AS bucket_partial, cmp_from AS prev_start, cmp_to AS prev_end FROM win
    )`;
  }
  const { unit, step } = BUCKET_UNIT[window.bucket];
  return Prisma.sql`${win},
    edges AS (
      SELECT DISTINCT ${instantOf(Prisma.sql`local_edge`)} AS edge
      FROM win, generate_series(
        date_trunc(${unit}, win_from AT TIME ZONE win_tz) - ${step}::interval,
        (win_to AT TIME ZONE win_tz) + ${step}::interval,
        ${step}::interval) AS local_edge
    ),
    spans AS (SELECT edge AS span_start, lead(edge) OVER (ORDER BY edge) AS span_end FROM edges),
    clipped AS (
      SELECT (row_number() OVER (ORDER BY span_start))::int AS bucket_no,
             greatest(span_start, win_from) AS bucket_start, least(span_end, win_to) AS bucket_end,
             (span_start < win_from OR span_end > win_to) AS bucket_partial, win_tz
      FROM spans, win WHERE span_end > win_from AND span_start < win_to
    ),
    buckets AS (
      SELECT bucket_no, bucket_start, bucket_end, bucket_partial, ${shift('bucket_start')} AS prev_start, ${shift('bucket_end')} AS prev_end FROM clipped
    )`;
}

/**
 * The first instant whose local time in win_tz is at or after `local`. For
 * most local times that is plain AT TIME ZONE; a local time that occurs
 * twice (a fall-back) PostgreSQL reads as its later, standard-time
 * occurrence, which would start the bucket after its first half, so the
 * earlier candidates (back by the 30-minute, 1-hour or 2-hour shifts zones
 * make) are tried too. A local time that never occurs (a spring-forward)
 * becomes the instant the clock jumps to.
 */
function instantOf(local: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`(SELECT min(candidate) FROM unnest(ARRAY[
      (${local} AT TIME ZONE win_tz) - interval '2 hours', (${local} AT TIME ZONE win_tz) - interval '1 hour',
      (${local} AT TIME ZONE win_tz) - interval '30 minutes', ${local} AT TIME ZONE win_tz]) AS candidate
    WHERE candidate AT TIME ZONE win_tz >= ${local})`;
}
