-- The transactional outbox of the live streams: written in the transaction
-- of each event, read by the gateway in commit order.

-- CreateTable
CREATE TABLE "stream_events" (
    "seq" BIGSERIAL NOT NULL,
    "tx_id" xid8 NOT NULL DEFAULT pg_current_xact_id(),
    "topic" TEXT NOT NULL,
    "tenant_id" UUID NOT NULL,
    "entity_id" UUID NOT NULL,
    "attributes" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "stream_events_pkey" PRIMARY KEY ("seq")
);

-- CreateIndex
CREATE INDEX "stream_events_position_idx" ON "stream_events"("tx_id", "seq");

-- CreateIndex
CREATE INDEX "stream_events_entity_id_idx" ON "stream_events"("entity_id");
