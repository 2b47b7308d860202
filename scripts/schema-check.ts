/**
 * Schema evolution: compares the API schema composed now with the last
 * published one (schema/published/api.graphql, committed when a release
 * ships) and fails on a breaking change (graphql's findBreakingChanges: a
 * type, field, argument or enum value removed, a type changed, an argument
 * made required...) unless schema/published/deliberate-changes.json lists it
 * with a reason. Dangerous changes (an enum value or optional argument
 * added, a default changed) are printed, not failed: clients that switch
 * exhaustively on an enum should hear of them. A listed change that no longer
 * happens fails too, so the list never excuses a future change by accident.
 *
 *   tsx scripts/schema-check.ts            check (CI)
 *   tsx scripts/schema-check.ts --publish  the current schema becomes the published one; the list empties
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildSchema, findBreakingChanges, findDangerousChanges } from 'graphql';
import { composeSupergraph, printApiSchema } from './compose';

const PUBLISHED_DIR = path.resolve(__dirname, '..', 'schema', 'published');
export const PUBLISHED_SCHEMA_PATH = path.join(PUBLISHED_DIR, 'api.graphql');
export const DELIBERATE_CHANGES_PATH = path.join(PUBLISHED_DIR, 'deliberate-changes.json');

/** A breaking change someone meant: `change` is the description findBreakingChanges gives, verbatim. */
export interface DeliberateChange {
  change: string;
  reason: string;
}

export interface SchemaComparison {
  /** Breaking changes nobody marked deliberate: these fail the check. */
  unmarked: string[];
  /** Breaking changes marked deliberate, with their reasons. */
  deliberate: DeliberateChange[];
  /** Marks that match no change any more: these fail the check too. */
  stale: DeliberateChange[];
  dangerous: string[];
}

export function compareSchemas(publishedSdl: string, currentSdl: string, marks: readonly DeliberateChange[]): SchemaComparison {
  const published = buildSchema(publishedSdl);
  const current = buildSchema(currentSdl);
  const breaking = findBreakingChanges(published, current).map((c) => c.description);
  const marked = new Map(marks.map((m) => [m.change, m]));
  return {
    unmarked: breaking.filter((b) => !marked.has(b)),
    deliberate: breaking.filter((b) => marked.has(b)).map((b) => marked.get(b)!),
    stale: marks.filter((m) => !breaking.includes(m.change)),
    dangerous: findDangerousChanges(published, current).map((c) => c.description),
  };
}

/** The marks file, checked: a list of {change, reason}, each reason said. */
export function readDeliberateChanges(text: string): DeliberateChange[] {
  const value: unknown = JSON.parse(text);
  const valid = Array.isArray(value) && value.every((m) => typeof m?.change === 'string' && typeof m?.reason === 'string' && m.reason.trim().length > 0 && Object.keys(m).length === 2);
  if (!valid) throw new Error(`${path.relative(process.cwd(), DELIBERATE_CHANGES_PATH)} must be a list of {"change": "<as the check prints it>", "reason": "<why>"}`);
  return value as DeliberateChange[];
}

function main(): void {
  const current = printApiSchema(composeSupergraph());
  if (process.argv.includes('--publish')) {
    writeFileSync(PUBLISHED_SCHEMA_PATH, current);
    writeFileSync(DELIBERATE_CHANGES_PATH, '[]\n');
    console.log(`published: ${PUBLISHED_SCHEMA_PATH} is now the schema clients are promised`);
    return;
  }
  const result = compareSchemas(readFileSync(PUBLISHED_SCHEMA_PATH, 'utf8'), current, readDeliberateChanges(readFileSync(DELIBERATE_CHANGES_PATH, 'utf8')));
  for (const d of result.dangerous) console.warn(`dangerous (not failed): ${d}`);
  for (const d of result.deliberate) console.log(`breaking, marked deliberate: ${d.change} (${d.reason})`);
  for (const u of result.unmarked) console.error(`BREAKING: ${u}`);
  for (const s of result.stale) console.error(`marked deliberate but no longer happens: ${s.change}`);
  if (result.unmarked.length > 0 || result.stale.length > 0) {
    console.error(
      '\nThe API schema breaks what clients were promised. Keep the old shape (deprecate with @deprecated(reason:) and add beside it),' +
        ' or, if the break is meant, add each line above to schema/published/deliberate-changes.json as {"change", "reason"}.',
    );
    process.exit(1);
  }
  console.log(`the API schema keeps every promise of schema/published/api.graphql (${result.deliberate.length} deliberate break(s), ${result.dangerous.length} dangerous change(s))`);
}

if (require.main === module) main();
