import type { Pool } from 'pg';
import { createApiKey } from '../subgraphs/tenants/api-keys';

/**
 * The seeded tenant with the most decisions, its rate limit lifted (the
 * plan's budget would answer most of a load run with cheap 429s; limiting
 * stays on), and a new read key for it.
 */
export async function benchTenant(pool: Pool, keyName: string): Promise<{ tenant: { id: string; slug: string }; key: string }> {
  const { rows: [tenant] } = await pool.query<{ id: string; slug: string }>(
    'SELECT t.id, t.slug FROM tenants t JOIN decisions d ON d.tenant_id = t.id GROUP BY t.id ORDER BY count(*) DESC LIMIT 1',
  );
  if (!tenant) throw new Error('the database has no decisions: seed it first');
  await pool.query('UPDATE tenants SET rate_limit_per_minute = 1000000000 WHERE id = $1', [tenant.id]);
  const { key } = await createApiKey(pool, { tenant: { slug: tenant.slug }, name: keyName, scopes: ['read'], environment: 'SANDBOX' }, { requestId: 'req_bench', actor: 'bench', surface: 'INTERNAL' });
  return { tenant, key };
}
