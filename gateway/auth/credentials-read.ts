import type { Pool } from 'pg';

/** A stored API key as the gateway needs it to authenticate one request. */
export interface StoredKey {
  id: string;
  /** Null for a platform operator's key. */
  tenantId: string | null;
  secretHash: string;
  scopes: string[];
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  /** The owning tenant's budget (tenants.rate_limit_per_minute); null for an operator key. */
  rateLimitPerMinute: number | null;
}

/**
 * The gateway's one read of the tenants domain's tables: `api_keys`, with
 * the owning tenant's rate budget from `tenants`. It is
 * not a federation call because every request needs it before anything
 * else may run: a round trip through the tenants subgraph would cost every
 * call a hop, and that subgraph itself only trusts callers the gateway has
 * already verified. Key management (subgraphs/tenants/api-keys.ts) owns the
 * table; this module only reads a key by its prefix (and a tenant's budget) and
 * stamps a key's last use.
 */
export class CredentialsRead {
  constructor(private readonly pool: Pool) {}

  async byPrefix(prefix: string): Promise<StoredKey | null> {
    const { rows } = await this.pool.query<StoredKey>(
      `SELECT k.id, k.tenant_id AS "tenantId", k.secret_hash AS "secretHash", k.scopes, k.expires_at AS "expiresAt",
              k.revoked_at AS "revokedAt", k.last_used_at AS "lastUsedAt", t.rate_limit_per_minute AS "rateLimitPerMinute"
         FROM api_keys k LEFT JOIN tenants t ON t.id = k.tenant_id WHERE k.prefix = $1`,
      [prefix],
    );
    return rows[0] ?? null;
  }

  /** A JWT's tenant budget; null when no such tenant exists. */
  async tenantBudget(tenantId: string): Promise<number | null> {
    const { rows } = await this.pool.query<{ perMinute: number }>('SELECT rate_limit_per_minute AS "perMinute" FROM tenants WHERE id = $1', [tenantId]);
    return rows[0]?.perMinute ?? null;
  }

  /**
   * Of the given key ids, those no longer valid: revoked, expired or gone.
   * Live streams ask this every second for the keys they were opened with.
   */
  async invalidKeys(ids: readonly string[]): Promise<Map<string, 'revoked' | 'expired'>> {
    if (!ids.length) return new Map();
    const { rows } = await this.pool.query<{ id: string; revoked: boolean; expired: boolean }>(
      `SELECT id::text, revoked_at IS NOT NULL AS revoked, expires_at IS NOT NULL AND expires_at <= now() AS expired
         FROM api_keys WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    const found = new Map(rows.map((r) => [r.id, r]));
    const invalid = new Map<string, 'revoked' | 'expired'>();
    for (const id of ids) {
      const row = found.get(id);
      if (!row || row.revoked) invalid.set(id, 'revoked');
      else if (row.expired) invalid.set(id, 'expired');
    }
    return invalid;
  }

  /** Recorded to the minute at most, so a busy key does not write on every request. */
  async touch(id: string): Promise<void> {
    await this.pool.query('UPDATE api_keys SET last_used_at = now() WHERE id = $1', [id]);
  }
}
