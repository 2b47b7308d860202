/**
 * The audit_chain migration on a database that already holds audit events:
 * it must chain them exactly as eventHash() would have, so they verify, and
 * appends continue from where it left each chain.
 */
import { createMigratedDatabase, applyMigrations, migrationFolders, type TestDatabase } from '../../../test/helpers/migrated-database';
import { withClient } from '../../../test/helpers/scratch-database';
import { appendAuditEvents, PLATFORM_CHAIN_KEY } from '../chain';
import { verifyLinks } from './events';

const TENANT_A = '2a000000-0000-4000-8000-00000000002a';
const TENANT_B = '2b000000-0000-4000-8000-00000000002b';

// Rows as the previous schema stored them, text that JSON escapes included.
const ROWS: [string, string | null, string, string | null, string, string | null, string | null, number | null, string][] = [
  // id, tenant_id, actor, scope, status, operation_name, body_sha256, latency_ms, created_at
  ['01900000-0000-7000-8000-000000000003', TENANT_A, 'mai_live_1', 'write', '201', 'POST /v1/decisions', 'ab'.repeat(32), 41, '2026-11-01T10:00:00.250Z'],
  ['01900000-0000-7000-8000-000000000001', TENANT_A, 'quote " back \\ slash', null, 'ok', 'émoji 🧾 tab\t nl\n ctrl \u0001 del \u007f', null, null, '2026-11-01T10:00:00.250Z'],
  ['01900000-0000-7000-8000-000000000002', TENANT_A, 'mai_live_1', 'read', '200', null, null, 0, '2026-11-01T09:59:59.999Z'],
  ['01900000-0000-7000-8000-000000000004', TENANT_B, '</script>', 'read', '200', 'Dashboard', 'cd'.repeat(32), 7, '1999-12-31T23:59:59.000Z'],
  ['01900000-0000-7000-8000-000000000005', null, 'unknown key', null, '401', 'POST /v1/decisions', null, 2, '2026-11-02T00:00:00.000Z'],
];

let database: TestDatabase;
/** audit_chain_heads as the audit_chain migration left it (a later migration drops it). */
let heads: unknown[];

beforeAll(async () => {
  database = await createMigratedDatabase('audit_migration', { upTo: '20261124000000_init' });
  await withClient(database.url, async (client) => {
    for (const [id, tenantId, actor, scope, status, operationName, bodySha256, latencyMs, createdAt] of ROWS) {
      await client.query(
        `INSERT INTO audit_events (id, tenant_id, request_id, actor, scope, surface, action, operation_name,
                                   resource_type, resource_id, status, body_sha256, latency_ms, created_at)
         VALUES ($1::uuid, $2, 'req_' || $1::text, $3, $4, 'REST', 'request', $5, NULL, NULL, $6, $7, $8, $9)`,
        [id, tenantId, actor, scope, operationName, status, bodySha256, latencyMs, createdAt],
      );
    }
  });
  await applyMigrations(database.url, ['20261124120000_audit_chain']);
  heads = await withClient(database.url, async (client) =>
    (await client.query('SELECT chain_key, last_seq::int AS last_seq FROM audit_chain_heads ORDER BY chain_key')).rows,
  );
  // The migrations after it, up to today's schema, which appends and verification use.
  await applyMigrations(database.url, migrationFolders().filter((name) => name > '20261124120000_audit_chain'));
}, 60_000);

afterAll(async () => {
  await database?.drop();
}, 60_000);

describe('the audit_chain migration', () => {
  it('chains the rows already there per tenant, in time order, exactly as eventHash() hashes', async () => {
    await withClient(database.url, async (client) => {
      expect(await verifyLinks(client, TENANT_A)).toEqual({ ok: true, checked: 3, firstBrokenLink: null });
      expect(await verifyLinks(client, TENANT_B)).toEqual({ ok: true, checked: 1, firstBrokenLink: null });
      expect(await verifyLinks(client, PLATFORM_CHAIN_KEY)).toEqual({ ok: true, checked: 1, firstBrokenLink: null });
      const { rows } = await client.query(
        'SELECT id, chain_seq::int AS seq FROM audit_events WHERE chain_key = $1 ORDER BY chain_seq',
        [TENANT_A],
      );
      // Time order, then id for equal times.
      expect(rows.map((r) => r.id.slice(-1) + r.seq)).toEqual(['21', '12', '33']);
      expect(heads).toEqual([
        { chain_key: PLATFORM_CHAIN_KEY, last_seq: 1 },
        { chain_key: TENANT_A, last_seq: 3 },
        { chain_key: TENANT_B, last_seq: 1 },
      ]);
    });
  });

  it('leaves chains that appends continue', async () => {
    await withClient(database.url, async (client) => {
      await client.query('BEGIN');
      await appendAuditEvents(client, [
        {
          tenantId: TENANT_A,
          requestId: 'req_after',
          actor: 'mai_live_1',
          scope: 'write',
          surface: 'GRAPHQL',
          action: 'request',
          operationName: 'CreateDecision',
          resourceType: null,
          resourceId: null,
          status: '200',
          bodySha256: 'ef'.repeat(32),
          variablesSha256: '12'.repeat(32),
          latencyMs: 9,
          createdAt: new Date('2026-11-03T00:00:00.000Z'),
        },
      ]);
      await client.query('COMMIT');
      expect(await verifyLinks(client, TENANT_A)).toEqual({ ok: true, checked: 4, firstBrokenLink: null });
    });
  });
});
