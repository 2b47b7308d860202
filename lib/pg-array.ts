/** A value as it goes into a PostgreSQL array literal. */
export type Cell = string | number | boolean | null;

// Array elements PostgreSQL reads unquoted: ids, hashes, ISO times, numbers,
// codes. Anything else (commas, spaces, quotes, the word NULL) gets quoted.
const BARE = /^[\w.:+-]+$/;
const BARE_LIST = /^[\w.:+-]+(?:,[\w.:+-]+)*$/;
const NULL_WORD = /(?:^|,)null(?:,|$)/i;

/**
 * The PostgreSQL array literal for `values`, sent as one text parameter and
 * cast in SQL (`$1::uuid[]`). pg would build one from a JS array, but quotes
 * and regex-escapes every element; at millions of values that cost more than
 * generating them. Most columns are all-bare, so one join and two scans of
 * the result do. A text parameter also travels the same way through pg and
 * through Prisma's raw queries.
 */
export function arrayLiteral(values: readonly Cell[]): string {
  if (!values.includes(null)) {
    const joined = values.join(',');
    if (
      (values.length === 0 || BARE_LIST.test(joined)) &&
      !NULL_WORD.test(joined) &&
      // An element with a comma of its own would split in two.
      countCommas(joined) === Math.max(0, values.length - 1)
    ) {
      return `{${joined}}`;
    }
  }
  const parts = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v === null) parts[i] = 'NULL';
    else if (typeof v !== 'string') parts[i] = String(v);
    else parts[i] = BARE.test(v) && v.toUpperCase() !== 'NULL' ? v : `"${v.replace(/["\\]/g, '\\$&')}"`;
  }
  return `{${parts.join(',')}}`;
}

function countCommas(text: string): number {
  let count = 0;
  for (let i = text.indexOf(','); i !== -1; i = text.indexOf(',', i + 1)) count++;
  return count;
}
