import { randomUUID } from 'node:crypto';
import { uuidV7 } from '../../lib/ids';
import { SEED } from './seed-constants';
import { sql } from './system';

/** A decision as a report test chooses it: what is measured, and when. */
export interface DecisionRow {
  feature: string;
  outcome: 'APPROVE' | 'DECLINE' | 'REVIEW' | 'CHALLENGE';
  latencyMs: number;
  createdAt: Date;
}

/**
 * Writes decisions straight into the table, at chosen instants, for a
 * tenant of the test's own: reports are then checked against these rows,
 * never against what the graph wrote. Refuses rows before SEED.now:
 * other test files count on every decision before it being a seeded one
 * (with its package version and lineage), and on the oldest decision being
 * seeded.
 */
export async function insertDecisions(tenantId: string, rows: readonly DecisionRow[]): Promise<void> {
  const early = rows.find((r) => r.createdAt < SEED.now);
  if (early) throw new Error(`a test decision at ${early.createdAt.toISOString()} would land among the seeded ones; pick an instant from ${SEED.now.toISOString()} on`);
  if (rows.length === 0) return;
  await sql(
    `INSERT INTO decisions (id, tenant_id, feature_key, package_version_id, subject_type, subject_reference, outcome,
                            confidence, reasons, latency_ms, request_id, input_hash, policy_hash, created_at)
     SELECT r.id, $1::uuid, r.feature, $2::uuid, 'person', 'report-test', r.outcome::"DecisionOutcome",
            0.5, ARRAY['report.test'], r.latency, 'req_' || md5(random()::text), md5(random()::text), md5('policy'), r.at
       FROM unnest($3::text[], $4::text[], $5::int[], $6::timestamptz[], $7::uuid[]) AS r(feature, outcome, latency, at, id)`,
    [
      tenantId,
      randomUUID(),
      rows.map((r) => r.feature),
      rows.map((r) => r.outcome),
      rows.map((r) => r.latencyMs),
      rows.map((r) => r.createdAt.toISOString()),
      // Time-ordered ids, as the platform makes them: they sort after the seeded decisions, as their times do.
      rows.map((r) => uuidV7(r.createdAt.getTime())),
    ],
  );
}
