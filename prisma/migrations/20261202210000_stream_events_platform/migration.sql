-- Audit events stream too, and the platform chain's events name no tenant
ALTER TABLE "stream_events" ALTER COLUMN "tenant_id" DROP NOT NULL;
