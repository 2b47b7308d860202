import type { Pool } from 'pg';

/** A stored API key as the gateway needs it to authenticate one request. */
export interface StoredKey {
  id: string;
  tenantId: string;
  secretHash: string;
  scopes: string[];
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

/**
 * The gateway's one read of the tenants domain's `api_keys` table. It is
 * not a federation call because every request needs it before anything
 * else may run: a round trip through the tenants subgraph would cost every
 * call a hop, and that subgraph itself only trusts callers the gateway has
 * already verified. Key management (subgraphs/tenants/api-keys.ts) owns the
 * table; this module only reads a key by its prefix and stamps its last use.
 */
export class CredentialsRead {
  constructor(private readonly pool: Pool) {}

  async byPrefix(prefix: string): Promise<StoredKey | null> {
    const { rows } = await this.pool.query<StoredKey>(
      `SELECT id, tenant_id AS "tenantId", secret_hash AS "secretHash", scopes, expires_at AS "expiresAt",
              revoked_at AS "revokedAt", last_used_at AS "lastUsedAt"
         FROM api_keys WHERE prefix = $1`,
      [prefix],
    );
    return rows[0] ?? null;
  }

  /** Recorded to the minute at most, so a busy key does not write on every request. */
  async touch(id: string): Promise<void> {
    await this.pool.query('UPDATE api_keys SET last_used_at = now() WHERE id = $1', [id]);
  }
}
