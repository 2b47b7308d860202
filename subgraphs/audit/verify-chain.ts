import { Prisma } from '@prisma/client';
import { isUuid } from '../../lib/ids';
import { AUDIT_CONTENT_FIELDS, eventHash, GENESIS_HASH, type AuditEventContent } from '../../lib/audit-log/chain';
import type { Checkpoint, CheckpointKeyring, SignatureCheck } from '../../lib/audit-log/checkpoint';
import { checkpointsOf } from '../../lib/audit-log/checkpoint-store';
import { runSql, type SqlClient } from '../../lib/sql';

export type BrokenLinkReason = 'hash_mismatch' | 'prev_hash_mismatch' | 'gap' | 'checkpoint_mismatch';

export interface BrokenLink {
  /** The first position in the chain that does not verify. */
  seq: number;
  /**
   * The event found there: the altered event, or for a gap the first event
   * after it; null when the chain ends before a checkpoint's seq (its newest
   * events are gone).
   */
  eventId: string | null;
  /**
   * hash_mismatch: the event's content (or hash) was changed;
   * prev_hash_mismatch: it does not point at the event before it;
   * gap: events are missing at this seq;
   * checkpoint_mismatch: every link holds, but the event here is not the one
   * a signed checkpoint sealed (events were deleted and others appended).
   */
  reason: BrokenLinkReason;
}

/**
 * Why a chain does not verify, the first that applies in this order: a
 * broken link, events replaced under a checkpoint (found while walking), a
 * chain shorter than a checkpoint, no key configured at all (nothing could
 * be held against a rewind, so the chain is not declared intact), a
 * checkpoint whose signature fails, or one whose key is not configured.
 */
export type ChainFailure =
  | 'broken_link'
  | 'missing_events'
  | 'replaced_events'
  | 'forged_checkpoint'
  | 'unknown_checkpoint_key'
  | 'unverifiable';

export interface CheckpointReport {
  seq: number;
  headHash: string;
  signedAt: Date;
  keyId: string;
  signatureVerified: boolean;
}

export interface ChainVerification {
  ok: boolean;
  /** Events that verified, from seq 1 up to the first broken link or the end. */
  checked: number;
  firstBrokenLink: BrokenLink | null;
  failure: ChainFailure | null;
  /** The newest checkpoint stored for the chain, whatever its signature. */
  latestCheckpoint: CheckpointReport | null;
  /** The checkpoint that failed: forged, of an unknown key, past the chain's end or sealing another event. */
  failedCheckpoint: CheckpointReport | null;
  /** Verified events past the newest checkpoint whose signature verified: protected by their links alone. */
  eventsAfterCheckpoint: number;
}

type EventRow = Omit<AuditEventContent, 'createdAt'> & { createdAt: Date | string; seq: string; prevHash: string; hash: string };

const PAGE_SIZE = 5_000;

function report(checkpoint: Checkpoint, check: SignatureCheck): CheckpointReport {
  const { seq, headHash, signedAt, keyId } = checkpoint;
  return { seq, headHash, signedAt, keyId, signatureVerified: check === 'verified' };
}

/**
 * Recomputes a chain from its first event to its newest, in pages of
 * `pageSize` events (keyset on seq, through the unique index), so memory
 * stays flat however long the chain, and holds it to every checkpoint whose
 * signature verifies with `keyring`: the event at a checkpoint's seq must
 * carry the hash it sealed, and the chain must reach the newest one. Links
 * alone catch an edited or removed event; checkpoints catch a rewind (the
 * newest events deleted, perhaps others appended), which leaves every link
 * intact. Events appended while it runs are checked too if they land in a
 * page still to come.
 */
export async function verifyAuditChain(
  db: SqlClient,
  chainKey: string,
  keyring: CheckpointKeyring,
  options: { pageSize?: number } = {},
): Promise<ChainVerification> {
  const pageSize = options.pageSize ?? PAGE_SIZE;
  if (!isUuid(chainKey)) throw new TypeError(`chain key is not a UUID: ${JSON.stringify(chainKey)}`);
  if (!Number.isInteger(pageSize) || pageSize < 1) throw new TypeError(`pageSize must be a positive integer, got ${pageSize}`);

  const stored = await checkpointsOf(db, chainKey);
  const checks = stored.map((c) => keyring.check(c));
  const latestCheckpoint = stored.length ? report(stored.at(-1)!, checks.at(-1)!) : null;
  // Only a checkpoint whose signature verifies can hold the rows to anything.
  const sealed = new Map<number, Checkpoint>();
  stored.forEach((c, i) => checks[i] === 'verified' && sealed.set(c.seq, c));
  const newestSealed = Math.max(0, ...sealed.keys());
  const badSignature = checks.findIndex((c) => c !== 'verified');

  const result = (checked: number, link: BrokenLink | null, failure: ChainFailure | null, failed: Checkpoint | null): ChainVerification => ({
    ok: failure === null,
    checked,
    firstBrokenLink: link,
    failure,
    latestCheckpoint,
    failedCheckpoint: failed && report(failed, keyring.check(failed)),
    eventsAfterCheckpoint: Math.max(0, checked - newestSealed),
  });

  let prevHash = GENESIS_HASH;
  let checked = 0;
  for (;;) {
    const rows = await runSql<EventRow>(db, page(chainKey, checked, pageSize));
    for (const row of rows) {
      const seq = checked + 1;
      if (Number(row.seq) !== seq) return result(checked, { seq, eventId: row.id, reason: 'gap' }, 'broken_link', null);
      if (row.prevHash !== prevHash) return result(checked, { seq, eventId: row.id, reason: 'prev_hash_mismatch' }, 'broken_link', null);
      if (eventHash(row.prevHash, content(row)) !== row.hash) {
        return result(checked, { seq, eventId: row.id, reason: 'hash_mismatch' }, 'broken_link', null);
      }
      const checkpoint = sealed.get(seq);
      if (checkpoint && checkpoint.headHash !== row.hash) {
        return result(checked, { seq, eventId: row.id, reason: 'checkpoint_mismatch' }, 'replaced_events', checkpoint);
      }
      prevHash = row.hash;
      checked = seq;
    }
    if (rows.length < pageSize) break;
  }

  if (checked < newestSealed) {
    return result(checked, { seq: checked + 1, eventId: null, reason: 'gap' }, 'missing_events', sealed.get(newestSealed)!);
  }
  // Links hold, but with no key there is nothing to hold them to: a
  // rewound chain would look exactly like this one, checkpoints or not.
  if (keyring.size === 0) return result(checked, null, checked > 0 || stored.length > 0 ? 'unverifiable' : null, null);
  if (badSignature >= 0) {
    const failure = checks[badSignature] === 'forged' ? 'forged_checkpoint' : 'unknown_checkpoint_key';
    return result(checked, null, failure, stored[badSignature]!);
  }
  return result(checked, null, null, null);
}

// The events after seq `after`. uuid and enum columns come back as text
// whichever client runs it (Prisma would otherwise type them its own way).
function page(chainKey: string, after: number, limit: number): Prisma.Sql {
  return Prisma.sql`
    SELECT id::text AS id, tenant_id::text AS "tenantId", request_id AS "requestId", correlation_id AS "correlationId", actor, scope,
           surface::text AS surface, action, operation_name AS "operationName", resource_type AS "resourceType",
           resource_id AS "resourceId", status, body_sha256 AS "bodySha256", variables_sha256 AS "variablesSha256",
           latency_ms AS "latencyMs", created_at AS "createdAt",
           chain_seq::text AS seq, prev_hash AS "prevHash", hash
    FROM audit_events
    WHERE chain_key = ${chainKey}::uuid AND chain_seq > ${String(after)}::int8
    ORDER BY chain_seq
    LIMIT ${String(limit)}::int`;
}

function content(row: EventRow): AuditEventContent {
  const event = {} as Record<keyof AuditEventContent, unknown>;
  for (const field of AUDIT_CONTENT_FIELDS) event[field] = row[field];
  event.createdAt = new Date(row.createdAt);
  return event as AuditEventContent;
}
