import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { createApiKey } from '../../subgraphs/tenants/api-keys';
import { poolConfigFromUrl } from '../../lib/database-url';
import type { Scope } from '../../lib/caller';
import { testDatabaseUrl } from './system';

export interface ScratchTenant {
  id: string;
  slug: string;
  /** Keys of this tenant by scope set, e.g. keys['read,write']. */
  keys: Record<string, string>;
}

/**
 * A tenant of the test's own, with the given features' latest published
 * versions installed, so tests that write never race with tests that count
 * another tenant's rows.
 */
export async function createScratchTenant(options: { features: string[]; status?: 'ACTIVE' | 'SUSPENDED'; scopeSets: Scope[][] }): Promise<ScratchTenant> {
  const pool = new Pool(poolConfigFromUrl(testDatabaseUrl(), { max: 1 }));
  try {
    const id = randomUUID();
    const slug = `scratch-${id.slice(0, 8)}`;
    await pool.query(
      `INSERT INTO tenants (id, slug, name, plan, status, monthly_decision_quota, rate_limit_per_minute)
       VALUES ($1, $2, $3, 'PRO', $4::"TenantStatus", 100000, 600)`,
      [id, slug, `Scratch ${slug}`, options.status ?? 'ACTIVE'],
    );
    for (const feature of options.features) {
      await pool.query(
        `INSERT INTO installations (id, tenant_id, package_id, package_version_id)
         SELECT $1, $2, pv.package_id, pv.id FROM features f JOIN package_versions pv ON pv.id = f.package_version_id
           JOIN packages p ON p.id = pv.package_id
          WHERE f.key = $3 AND p.status = 'PUBLISHED' ORDER BY pv.published_at DESC LIMIT 1`,
        [randomUUID(), id, feature],
      );
    }
    const keys: Record<string, string> = {};
    for (const scopes of options.scopeSets) {
      keys[scopes.join(',')] = (await createApiKey(pool, { tenant: { id }, name: scopes.join(','), scopes, environment: 'SANDBOX' }, { requestId: 'req_test_setup', actor: 'test-setup', surface: 'INTERNAL' })).key;
    }
    return { id, slug, keys };
  } finally {
    await pool.end();
  }
}
