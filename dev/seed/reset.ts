import { Pool } from 'pg';
import { poolConfigFromUrl } from '../../lib/database-url';

// Children before parents, although TRUNCATE of the whole set ignores the order.
export const DOMAIN_TABLES = [
  'stream_events',
  'stream_commits',
  'decisions',
  'audit_events',
  'audit_checkpoints',
  'installations',
  'features',
  'package_versions',
  'packages',
  'api_keys',
  'tenants',
];

/**
 * Empties every domain table, for `db:seed --reset` on a development
 * database. The audit tables refuse TRUNCATE (they are append-only): the
 * guards are lifted for this one transaction, which takes the tables' owner
 * (the runtime role cannot, see scripts/db-grant.ts); no server module can do this.
 */
export async function truncateDomainTables(databaseUrl: string): Promise<void> {
  const pool = new Pool(poolConfigFromUrl(databaseUrl, { max: 1 }));
  try {
    await pool.query(`BEGIN;
      ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only;
      ALTER TABLE audit_checkpoints DISABLE TRIGGER audit_checkpoints_append_only;
      TRUNCATE ${DOMAIN_TABLES.map((t) => `"${t}"`).join(', ')};
      ALTER TABLE audit_checkpoints ENABLE TRIGGER audit_checkpoints_append_only;
      ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only;
      COMMIT`);
  } finally {
    await pool.end();
  }
}
