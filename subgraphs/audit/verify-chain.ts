import { Prisma } from '@prisma/client';
import { isUuid } from '../../lib/ids';
import { AUDIT_CONTENT_FIELDS, eventHash, GENESIS_HASH, type AuditEventContent } from '../../lib/audit-log/chain';
import { runSql, type SqlClient } from '../../lib/sql';

export type BrokenLinkReason = 'hash_mismatch' | 'prev_hash_mismatch' | 'gap';

export interface BrokenLink {
  /** The first position in the chain that does not verify. */
  seq: number;
  /**
   * The event found there: the altered event, or for a gap the first event
   * after it; null when the chain ends before the seq its head records
   * (its newest events are gone).
   */
  eventId: string | null;
  /**
   * hash_mismatch: the event's content (or hash) was changed;
   * prev_hash_mismatch: it does not point at the event before it (that one
   * was rewritten along with its hash, or this one's prev_hash was);
   * gap: events are missing at this seq.
   */
  reason: BrokenLinkReason;
}

export interface ChainVerification {
  ok: boolean;
  /** Events that verified, from seq 1 up to the first broken link or the end. */
  checked: number;
  firstBrokenLink: BrokenLink | null;
}

type EventRow = Omit<AuditEventContent, 'createdAt'> & { createdAt: Date | string; seq: string; prevHash: string; hash: string };

const PAGE_SIZE = 5_000;

/**
 * Recomputes a chain from its first event to the newest its head records,
 * in pages of `pageSize` events (keyset on seq, through the unique index),
 * so memory stays flat however long the chain. Events appended while it
 * runs are past the head it read first and are left for the next run.
 */
export async function verifyAuditChain(
  db: SqlClient,
  chainKey: string,
  options: { pageSize?: number } = {},
): Promise<ChainVerification> {
  const pageSize = options.pageSize ?? PAGE_SIZE;
  if (!isUuid(chainKey)) throw new TypeError(`chain key is not a UUID: ${JSON.stringify(chainKey)}`);
  if (!Number.isInteger(pageSize) || pageSize < 1) throw new TypeError(`pageSize must be a positive integer, got ${pageSize}`);

  const [head] = await runSql<{ lastSeq: string; lastHash: string }>(
    db,
    Prisma.sql`SELECT last_seq::text AS "lastSeq", last_hash AS "lastHash"
               FROM audit_chain_heads WHERE chain_key = ${chainKey}::uuid`,
  );
  // A chain without a head (rows written around appendAuditEvents) is checked to its end.
  const lastSeq = head ? Number(head.lastSeq) : Number.MAX_SAFE_INTEGER;
  const broken = (checked: number, link: BrokenLink): ChainVerification => ({
    ok: false,
    checked,
    firstBrokenLink: link,
  });

  let prevHash = GENESIS_HASH;
  let lastId: string | null = null;
  let checked = 0;
  for (;;) {
    const rows = await runSql<EventRow>(db, page(chainKey, checked, lastSeq, pageSize));
    for (const row of rows) {
      const seq = checked + 1;
      if (Number(row.seq) !== seq) return broken(checked, { seq, eventId: row.id, reason: 'gap' });
      if (row.prevHash !== prevHash) return broken(checked, { seq, eventId: row.id, reason: 'prev_hash_mismatch' });
      if (eventHash(row.prevHash, content(row)) !== row.hash) {
        return broken(checked, { seq, eventId: row.id, reason: 'hash_mismatch' });
      }
      prevHash = row.hash;
      lastId = row.id;
      checked = seq;
    }
    if (rows.length < pageSize) break;
  }

  if (head) {
    if (checked < lastSeq) return broken(checked, { seq: checked + 1, eventId: null, reason: 'gap' });
    // Every link held, yet the newest hash is not the one the head recorded
    // when it was appended: the newest event was rewritten, hash and all.
    if (checked > 0 && prevHash !== head.lastHash) {
      return broken(checked - 1, { seq: checked, eventId: lastId, reason: 'hash_mismatch' });
    }
  }
  return { ok: true, checked, firstBrokenLink: null };
}

// The events after seq `after`. uuid and enum columns come back as text
// whichever client runs it (Prisma would otherwise type them its own way).
function page(chainKey: string, after: number, lastSeq: number, limit: number): Prisma.Sql {
  return Prisma.sql`
    SELECT id::text AS id, tenant_id::text AS "tenantId", request_id AS "requestId", correlation_id AS "correlationId", actor, scope,
           surface::text AS surface, action, operation_name AS "operationName", resource_type AS "resourceType",
           resource_id AS "resourceId", status, body_sha256 AS "bodySha256", variables_sha256 AS "variablesSha256",
           latency_ms AS "latencyMs", created_at AS "createdAt",
           chain_seq::text AS seq, prev_hash AS "prevHash", hash
    FROM audit_events
    WHERE chain_key = ${chainKey}::uuid AND chain_seq > ${String(after)}::int8 AND chain_seq <= ${String(lastSeq)}::int8
    ORDER BY chain_seq
    LIMIT ${String(limit)}::int`;
}

function content(row: EventRow): AuditEventContent {
  const event = {} as Record<keyof AuditEventContent, unknown>;
  for (const field of AUDIT_CONTENT_FIELDS) event[field] = row[field];
  event.createdAt = new Date(row.createdAt);
  return event as AuditEventContent;
}
