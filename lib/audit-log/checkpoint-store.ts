/**
 * The SQL of audit_checkpoints: the one place that writes it, and the reads
 * the checkpointer and the chain verification need.
 */
import { Prisma } from '@prisma/client';
import { arrayLiteral } from '../pg-array';
import { runSql, type SqlClient } from '../sql';
import type { Checkpoint } from './checkpoint';

/**
 * Stores checkpoints. One that already exists for its (chain, seq) is left
 * as it is: two gateways may seal the same head, and the first one stands.
 */
export async function insertCheckpoints(db: SqlClient, checkpoints: readonly Checkpoint[]): Promise<void> {
  if (checkpoints.length === 0) return;
  await runSql(
    db,
    Prisma.sql`
      INSERT INTO audit_checkpoints (chain_key, seq, head_hash, signed_at, key_id, signature)
      SELECT * FROM unnest(${arrayLiteral(checkpoints.map((c) => c.chainKey))}::uuid[],
                           ${arrayLiteral(checkpoints.map((c) => c.seq))}::int8[],
                           ${arrayLiteral(checkpoints.map((c) => c.headHash))}::text[],
                           ${arrayLiteral(checkpoints.map((c) => c.signedAt.toISOString()))}::timestamptz[],
                           ${arrayLiteral(checkpoints.map((c) => c.keyId))}::text[],
                           ${arrayLiteral(checkpoints.map((c) => c.signature))}::text[])
      ON CONFLICT (chain_key, seq) DO NOTHING`,
  );
}

type CheckpointRow = { chainKey: string; seq: string; headHash: string; signedAt: Date | string; keyId: string; signature: string };

/** Every checkpoint of a chain, oldest first (about one per hundred events: small next to the chain). */
export async function checkpointsOf(db: SqlClient, chainKey: string): Promise<Checkpoint[]> {
  const rows = await runSql<CheckpointRow>(
    db,
    Prisma.sql`
      SELECT chain_key::text AS "chainKey", seq::text AS seq, head_hash AS "headHash", signed_at AS "signedAt",
             key_id AS "keyId", signature
      FROM audit_checkpoints c WHERE c.chain_key = ${chainKey}::uuid ORDER BY c.seq`,
  );
  return rows.map((r) => ({ ...r, seq: Number(r.seq), signedAt: new Date(r.signedAt) }));
}

/** A chain whose newest events no checkpoint covers yet. */
export interface UnsealedChain {
  chainKey: string;
  /** The chain's newest event: what a checkpoint now would seal. */
  headSeq: number;
  headHash: string;
  /** The seq of the chain's latest checkpoint, 0 when it has none. */
  sealedSeq: number;
}

/**
 * The chains that are due a checkpoint: `everyEvents` or more events past
 * their latest checkpoint, or an unsealed event recorded before `olderThan`.
 * Every step is an index probe: the distinct chain keys by a skip scan of
 * the (chain_key, chain_seq) index, then per chain its newest event, its
 * latest checkpoint and its first unsealed event. So a poll costs a few
 * probes per tenant, however long the log.
 */
export async function unsealedChains(
  db: SqlClient,
  due: { everyEvents: number; olderThan: Date },
): Promise<UnsealedChain[]> {
  const rows = await runSql<{ chainKey: string; headSeq: string; headHash: string; sealedSeq: string }>(
    db,
    Prisma.sql`
      WITH RECURSIVE chains(chain_key) AS (
        (SELECT chain_key FROM audit_events ORDER BY chain_key LIMIT 1)
        UNION ALL
        SELECT (SELECT e.chain_key FROM audit_events e WHERE e.chain_key > c.chain_key ORDER BY e.chain_key LIMIT 1)
        FROM chains c WHERE c.chain_key IS NOT NULL
      )
      SELECT c.chain_key::text AS "chainKey", h.chain_seq::text AS "headSeq", h.hash AS "headHash",
             coalesce(cp.seq, 0)::text AS "sealedSeq"
      FROM chains c
      CROSS JOIN LATERAL (
        SELECT chain_seq, hash FROM audit_events WHERE chain_key = c.chain_key ORDER BY chain_seq DESC LIMIT 1
      ) h
      LEFT JOIN LATERAL (
        SELECT seq FROM audit_checkpoints WHERE chain_key = c.chain_key ORDER BY seq DESC LIMIT 1
      ) cp ON true
      LEFT JOIN LATERAL (
        SELECT created_at FROM audit_events WHERE chain_key = c.chain_key AND chain_seq = coalesce(cp.seq, 0) + 1
      ) u ON true
      WHERE c.chain_key IS NOT NULL
        AND h.chain_seq > coalesce(cp.seq, 0)
        AND (h.chain_seq - coalesce(cp.seq, 0) >= ${due.everyEvents}::int8 OR u.created_at < ${due.olderThan.toISOString()}::timestamptz)
      ORDER BY c.chain_key`,
  );
  return rows.map((r) => ({ chainKey: r.chainKey, headSeq: Number(r.headSeq), headHash: r.headHash, sealedSeq: Number(r.sealedSeq) }));
}
