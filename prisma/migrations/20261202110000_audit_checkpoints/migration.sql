-- Signed checkpoints replace audit_chain_heads (lib/audit-log/checkpoint.ts).
--
-- A head row could be moved back together with the newest events, and the
-- chain still verified. A chain's head is now its newest event, read under
-- an advisory lock on the chain, so there is nothing to rewind apart from
-- the events themselves. What a rewind cannot fake is a checkpoint: the
-- chain's seq and hash at some point, signed with an Ed25519 key the
-- database never holds. Checkpoints are append-only like the events.
--
-- No semicolon may appear in this file except between statements (see
-- 20261124120000_audit_chain): \073 is an escaped one.

-- DropTable
DROP TABLE "audit_chain_heads";

-- CreateTable
CREATE TABLE "audit_checkpoints" (
    "chain_key" UUID NOT NULL,
    "seq" BIGINT NOT NULL,
    "head_hash" TEXT NOT NULL,
    "signed_at" TIMESTAMPTZ(3) NOT NULL,
    "key_id" TEXT NOT NULL,
    "signature" TEXT NOT NULL,

    CONSTRAINT "audit_checkpoints_pkey" PRIMARY KEY ("chain_key","seq")
);

-- One guard for every audit table, naming the table it refused.
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS E'
BEGIN
  RAISE EXCEPTION ''% is append-only: % is not allowed'', TG_TABLE_NAME, TG_OP
    USING ERRCODE = ''insufficient_privilege'',
          HINT = ''Audit records are never changed or removed: append a new one instead.''\073
END';

CREATE TRIGGER audit_checkpoints_append_only
BEFORE UPDATE OR DELETE OR TRUNCATE ON "audit_checkpoints"
FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
