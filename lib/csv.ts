/**
 * RFC 4180 CSV, written by hand: a few lines, where a library would bring
 * a parser we do not need. Records end with CRLF; a field is quoted when it
 * holds a comma, a quote, CR or LF, and quotes inside are doubled.
 */

export type CsvCell = string | number | boolean | null;

const NEEDS_QUOTES = /[",\r\n]/;

// A spreadsheet runs a text cell that starts with one of these as a formula
// (OWASP's "CSV injection"). Text we did not write ourselves (a subject type,
// say) gets a leading apostrophe, which spreadsheets show as plain text.
const FORMULA_START = /^[=+\-@\t\r]/;

function field(cell: CsvCell): string {
  if (cell === null) return '';
  if (typeof cell !== 'string') return String(cell);
  const text = FORMULA_START.test(cell) ? `'${cell}` : cell;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One record, CRLF included. */
export function csvRecord(cells: readonly CsvCell[]): string {
  return cells.map(field).join(',') + '\r\n';
}
