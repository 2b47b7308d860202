-- Gateways cache API keys (gateway/auth/key-cache.ts) and drop an entry
-- when PostgreSQL tells them it changed: a revoked, expired, rescoped or
-- deleted key, or a tenant whose rate budget changed or that is gone. Any
-- writer triggers it, so no code path can forget to. The last use stamp is
-- left out (the gateway writes it once a minute per key, and a NOTIFY takes
-- a lock at commit). No semicolon may appear in this file except between
-- statements (see the audit chain migration): the body escapes them as \073.

CREATE FUNCTION notify_credentials_changed() RETURNS trigger LANGUAGE plpgsql AS E'
BEGIN
  IF TG_TABLE_NAME = ''api_keys'' THEN
    PERFORM pg_notify(''credentials_changed'', ''key:'' || OLD.prefix)\073
  ELSE
    PERFORM pg_notify(''credentials_changed'', ''tenant:'' || OLD.id::text)\073
  END IF\073
  RETURN NULL\073
END';

CREATE TRIGGER api_keys_credentials_changed
AFTER UPDATE ON "api_keys"
FOR EACH ROW
WHEN (OLD.revoked_at IS DISTINCT FROM NEW.revoked_at OR OLD.expires_at IS DISTINCT FROM NEW.expires_at
   OR OLD.scopes IS DISTINCT FROM NEW.scopes OR OLD.secret_hash IS DISTINCT FROM NEW.secret_hash
   OR OLD.tenant_id IS DISTINCT FROM NEW.tenant_id OR OLD.prefix IS DISTINCT FROM NEW.prefix)
EXECUTE FUNCTION notify_credentials_changed();

CREATE TRIGGER api_keys_credentials_deleted
AFTER DELETE ON "api_keys"
FOR EACH ROW EXECUTE FUNCTION notify_credentials_changed();

CREATE TRIGGER tenants_credentials_changed
AFTER UPDATE ON "tenants"
FOR EACH ROW
WHEN (OLD.rate_limit_per_minute IS DISTINCT FROM NEW.rate_limit_per_minute)
EXECUTE FUNCTION notify_credentials_changed();

CREATE TRIGGER tenants_credentials_deleted
AFTER DELETE ON "tenants"
FOR EACH ROW EXECUTE FUNCTION notify_credentials_changed();
