-- A platform operator's key belongs to no tenant. Existing keys all keep
-- their tenant: their admin scope now manages that tenant only. The foreign
-- key stays ON DELETE RESTRICT: were it SET NULL, deleting a tenant would
-- turn its keys into operator keys.
ALTER TABLE "api_keys" ALTER COLUMN "tenant_id" DROP NOT NULL;

-- The server now makes every request id, and keeps the client's own id here.
-- Null in every earlier event, and hashed only when set, so chains verify.
ALTER TABLE "audit_events" ADD COLUMN "correlation_id" TEXT;
CREATE INDEX "audit_events_correlation_id_idx" ON "audit_events"("correlation_id");
