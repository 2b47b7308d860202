/**
 * The billing months of Tenant.usage are UTC calendar months whatever time
 * zone the database session runs in: month arithmetic on a timestamptz
 * follows the session's zone (2026-03-01T00:00Z + 1 month in New York is
 * 2026-03-28T23:00Z), so the store must not do it there. Run here on a
 * session in America/New_York, whose DST ends inside November 2026 (on
 * 2026-11-01), and in Australia/Lord_Howe (half-hour DST) and Asia/Kolkata
 * (half-hour offset). Rows from SEED.now (2026-11-01T00:00Z) on only.
 * Through plain pg: Prisma's pg adapter reads timestamptz text as if the
 * session were in UTC, so the graph itself runs its sessions in UTC.
 */
import { Pool } from 'pg';
import { poolConfigFromUrl } from '../../../lib/database-url';
import { insertDecisions } from '../../../test/helpers/decision-rows';
import { createScratchTenant, type ScratchTenant } from '../../../test/helpers/scratch-tenant';
import { testDatabaseUrl } from '../../../test/helpers/system';
import { UsageStore, tenantUsage } from '../usage';

let tenant: ScratchTenant;
const at = (iso: string) => new Date(iso);

beforeAll(async () => {
  tenant = await createScratchTenant({ features: [], scopeSets: [] });
  await insertDecisions(
    tenant.id,
    ['2026-11-01T00:00:00.000Z', '2026-11-01T07:30:00.000Z', '2026-11-30T23:59:59.999Z', '2026-12-01T00:00:00.000Z', '2026-12-01T00:30:00.000Z'].map(
      (iso) => ({ feature: 'usage.months', outcome: 'APPROVE' as const, latencyMs: 1, createdAt: at(iso) }),
    ),
  );
});

describe.each(['America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata'])('usage months on a session in %s', (zone) => {
  let pool: Pool;
  let store: UsageStore;
  beforeAll(() => {
    pool = new Pool({ ...poolConfigFromUrl(testDatabaseUrl(), { max: 1 }), options: `-c TimeZone=${zone}` });
    store = new UsageStore(pool);
  });
  afterAll(() => pool.end());

  it('the session really is in that zone', async () => {
    const { rows } = await pool.query(`SELECT current_setting('TimeZone') AS zone`);
    expect(rows[0].zone).toBe(zone);
  });

  it('counts November 2026 as [11-01T00:00Z, 12-01T00:00Z), the last millisecond in and the next instants out', async () => {
    const asOf = at('2026-12-15T12:00:00.000Z');
    const previous = (await store.countFor([tenant.id], 'PREVIOUS_MONTH', asOf)).get(tenant.id)!;
    // A month added in New York's zone would end at 12-01T01:00Z and take in both December rows.
    expect(previous).toMatchObject({ periodStart: at('2026-11-01T00:00:00.000Z'), periodEnd: at('2026-12-01T00:00:00.000Z'), used: 3, asOf });
    const current = (await store.countFor([tenant.id], 'CURRENT_MONTH', asOf)).get(tenant.id)!;
    expect(current).toMatchObject({ periodStart: at('2026-12-01T00:00:00.000Z'), periodEnd: at('2027-01-01T00:00:00.000Z'), used: 2 });
  });

  it('projects linearly from the time elapsed, and not at all in the first hour', async () => {
    const asOf = at('2026-12-10T12:00:00.000Z'); // 9.5 of 31 days
    const current = (await store.countFor([tenant.id], 'CURRENT_MONTH', asOf)).get(tenant.id)!;
    expect(current.used).toBe(2);
    expect(tenantUsage(current, 'CURRENT_MONTH', 5)).toMatchObject({ projectedAtPeriodEnd: Math.floor((2 * 31) / 9.5), projectedOverQuota: true, remaining: 3, percentUsed: 40 });
    const early = (await store.countFor([tenant.id], 'CURRENT_MONTH', at('2026-12-01T00:59:59.999Z'))).get(tenant.id)!;
    expect(tenantUsage(early, 'CURRENT_MONTH', 5)).toMatchObject({ used: 2, projectedAtPeriodEnd: null, projectedOverQuota: null });
    const closed = (await store.countFor([tenant.id], 'PREVIOUS_MONTH', asOf)).get(tenant.id)!;
    expect(tenantUsage(closed, 'PREVIOUS_MONTH', 5)).toMatchObject({ used: 3, projectedAtPeriodEnd: 3, projectedOverQuota: false });
  });

  it('gives November its 30 days at its last millisecond, and ignores ids that are not UUIDs', async () => {
    const nov = await store.countFor([tenant.id, 'nope'], 'CURRENT_MONTH', at('2026-11-30T23:59:59.999Z'));
    expect([...nov.keys()]).toEqual([tenant.id]);
    expect(nov.get(tenant.id)).toMatchObject({ periodStart: at('2026-11-01T00:00:00.000Z'), periodEnd: at('2026-12-01T00:00:00.000Z'), used: 3 });
  });
});
