/**
 * An independent computation of report measures, for the reporting tests:
 * local calendar boundaries from Node's Intl (ICU's tz data, not
 * PostgreSQL's), rows assigned to buckets and measured in plain JavaScript.
 * Written separately from lib/reporting on purpose: it shares no code with
 * what it checks.
 */

/** The zone's offset from UTC at `instant`, in ms (e.g. +5:30 for Asia/Kolkata). */
export function offsetMs(instant: number, zone: string): number {
  const name = new Intl.DateTimeFormat('en-GB', { timeZone: zone, timeZoneName: 'longOffset' })
    .formatToParts(new Date(instant))
    .find((p) => p.type === 'timeZoneName')!.value; // "GMT+05:30" or "GMT"
  const m = /^GMT(?:([+-])(\d{2}):(\d{2}))?$/.exec(name);
  if (!m) throw new Error(`unexpected offset ${name}`);
  if (!m[1]) return 0;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 3600_000 + Number(m[3]) * 60_000);
}

/** The instant of a local wall-clock time that exists (two passes: the offset can change between the guess and the answer). */
export function localInstant(zone: string, y: number, mo: number, d: number, h = 0, mi = 0): number {
  const wall = Date.UTC(y, mo - 1, d, h, mi);
  const first = wall - offsetMs(wall, zone);
  return wall - offsetMs(first, zone);
}

/** The local calendar date of an instant. */
export function localDate(instant: number, zone: string): { y: number; mo: number; d: number; weekday: number } {
  const wall = new Date(instant + offsetMs(instant, zone));
  return { y: wall.getUTCFullYear(), mo: wall.getUTCMonth() + 1, d: wall.getUTCDate(), weekday: (wall.getUTCDay() + 6) % 7 };
}

export type Unit = 'DAY' | 'WEEK' | 'MONTH';

/** Local midnights starting each DAY/WEEK (Monday)/MONTH bucket that overlaps [from, to), clipped to [from, to). */
export function localBuckets(zone: string, unit: Unit, from: number, to: number): Array<{ start: number; end: number; partial: boolean }> {
  const first = localDate(from, zone);
  // Step on the UTC calendar as a stand-in for the local one, then take local midnight of that date.
  let cursor = Date.UTC(first.y, first.mo - 1, unit === 'MONTH' ? 1 : first.d);
  if (unit === 'WEEK') cursor -= first.weekday * 86400_000;
  const edgeOf = (c: number) => {
    const u = new Date(c);
    return localInstant(zone, u.getUTCFullYear(), u.getUTCMonth() + 1, u.getUTCDate());
  };
  const next = (c: number) => {
    const u = new Date(c);
    if (unit === 'MONTH') return Date.UTC(u.getUTCFullYear(), u.getUTCMonth() + 1, 1);
    return c + (unit === 'WEEK' ? 7 : 1) * 86400_000;
  };
  const out = [];
  while (edgeOf(cursor) < to) {
    const start = edgeOf(cursor);
    const end = edgeOf(next(cursor));
    if (end > from) out.push({ start: Math.max(start, from), end: Math.min(end, to), partial: start < from || end > to });
    cursor = next(cursor);
  }
  return out;
}

/** percentile_cont's definition: linear interpolation at rank p * (n - 1) of the sorted values. */
export function percentileCont(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = p * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}

export const mean = (values: number[]): number | null => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : null);
