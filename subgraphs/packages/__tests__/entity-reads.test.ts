/**
 * The entity reads written as SQL for speed (PackageStore.packagesByIds,
 * versionsByIds, installationsByTenantIds; TenantStore.byIds) return
 * exactly what Prisma's findMany returns for the same rows: every field of
 * the model, of the same type, drafts hidden from tenants and shown to the
 * operator, installations in package-slug order. A column added to a model
 * and not to the SQL fails here. A database of its own, with a draft.
 */
import type { PrismaClient } from '@prisma/client';
import { CursorCodec } from '../../../lib/connection';
import { openDatabase, type Database } from '../../../lib/database';
import { createMigratedDatabase, type TestDatabase } from '../../../test/helpers/migrated-database';
import { TenantStore } from '../../tenants/store';
import { PackageStore, type DraftVisibility } from '../store';

const T = ['7a000000-0000-4000-8000-00000000007a', '7b000000-0000-4000-8000-00000000007b'];
// Ids, and the order rows are written in, run against slug order: only an ORDER BY on the slug gives it.
const P = { zeta: '7c000000-0000-4000-8000-00000000007c', draft: '7d000000-0000-4000-8000-00000000007d', published: '7e000000-0000-4000-8000-00000000007e' };
const V = ['70000000-0000-4000-8000-000000000071', '70000000-0000-4000-8000-000000000072', '70000000-0000-4000-8000-000000000073', '70000000-0000-4000-8000-000000000074'];

let database: TestDatabase;
let db: Database;
let prisma: PrismaClient;
let packages: PackageStore;

beforeAll(async () => {
  database = await createMigratedDatabase('entity_reads');
  db = openDatabase(database.url, { poolSize: 2 });
  prisma = db.prisma;
  packages = new PackageStore(prisma, CursorCodec.forSubgraph('entity-reads-secret', 'packages'));
  await prisma.$executeRawUnsafe(`
    INSERT INTO tenants (id, slug, name, plan, status, monthly_decision_quota, rate_limit_per_minute) VALUES
      ('${T[0]}', 'reads-a', 'Reads A, "quoted"', 'PRO', 'ACTIVE', 1000, 60),
      ('${T[1]}', 'reads-b', 'Reads B', 'FREE', 'SUSPENDED', 10, 6);
    INSERT INTO packages (id, slug, name, description, risk_tier, status) VALUES
      ('${P.zeta}', 'zeta-kyc', 'Zeta', 'Last by slug', 'HIGH', 'DEPRECATED'),
      ('${P.draft}', 'beta-draft', 'Beta', 'Unreviewed', 'MEDIUM', 'DRAFT'),
      ('${P.published}', 'alpha-aml', 'Alpha', 'First by slug', 'LOW', 'PUBLISHED');
    INSERT INTO package_versions (id, package_id, version, changelog, conformance_score, published_at) VALUES
      ('${V[3]}', '${P.zeta}', '2.0.0', 'old', 70, '2026-10-01T10:00:00Z'),
      ('${V[2]}', '${P.draft}', '0.1.0', 'draft', 40, '2026-11-21T10:00:00Z'),
      ('${V[1]}', '${P.published}', '1.1.0', 'second', 95, '2026-11-20T10:00:00Z'),
      ('${V[0]}', '${P.published}', '1.0.0', 'first', 91, '2026-11-01T10:00:00.123Z');
    INSERT INTO installations (id, tenant_id, package_id, package_version_id, installed_at) VALUES
      ('71000000-0000-4000-8000-000000000001', '${T[0]}', '${P.zeta}', '${V[3]}', '2026-11-02T00:00:00Z'),
      ('71000000-0000-4000-8000-000000000002', '${T[0]}', '${P.draft}', '${V[2]}', '2026-11-22T00:00:00Z'),
      ('71000000-0000-4000-8000-000000000003', '${T[0]}', '${P.published}', '${V[1]}', '2026-11-21T00:00:00Z'),
      ('71000000-0000-4000-8000-000000000004', '${T[1]}', '${P.published}', '${V[0]}', '2026-11-03T00:00:00Z');
  `);
}, 60_000);

afterAll(async () => {
  await db?.close();
  await database?.drop();
});

const byId = <T extends { id: string }>(rows: T[]) => [...rows].sort((a, b) => a.id.localeCompare(b.id));
const notDraft = (drafts: DraftVisibility) => (drafts === 'hidden' ? { status: { not: 'DRAFT' as const } } : {});
// Asked for with ids that are not uuids and ids of nothing, as a representation may carry.
const ask = (ids: string[]) => [...ids, 'not-a-uuid', '00000000-0000-4000-8000-000000000000'];

describe.each<DraftVisibility>(['hidden', 'shown'])('with drafts %s', (drafts) => {
  it('packagesByIds', async () => {
    const ids = Object.values(P);
    const expected = await prisma.package.findMany({ where: { id: { in: ids }, ...notDraft(drafts) } });
    expect(expected).toHaveLength(drafts === 'hidden' ? 2 : 3);
    expect(byId(await packages.packagesByIds(ask(ids), drafts))).toStrictEqual(byId(expected));
  });

  it('versionsByIds', async () => {
    const expected = await prisma.packageVersion.findMany({ where: { id: { in: V }, package: notDraft(drafts) } });
    expect(expected).toHaveLength(drafts === 'hidden' ? 3 : 4);
    expect(byId(await packages.versionsByIds(ask(V), drafts))).toStrictEqual(byId(expected));
  });

  it('installationsByTenantIds, in package-slug order per tenant', async () => {
    for (const scope of [null, T[0]!]) {
      const expected = await prisma.installation.findMany({
        where: { tenantId: { in: scope ? [scope] : T }, packageVersion: { package: notDraft(drafts) } },
        orderBy: [{ packageVersion: { package: { slug: 'asc' } } }, { tenantId: 'asc' }],
      });
      const got = await packages.installationsByTenantIds(ask(T), scope, drafts);
      const perTenant = (rows: typeof expected) => T.map((t) => rows.filter((r) => r.tenantId === t));
      expect(perTenant(got)).toStrictEqual(perTenant(expected));
    }
  });
});

it('TenantStore.byIds: every field as findMany has it, and only the scope tenant for a tenant caller', async () => {
  const tenants = new TenantStore(prisma);
  const expected = await prisma.tenant.findMany({ where: { id: { in: T } } });
  expect(byId(await tenants.byIds(ask(T), null))).toStrictEqual(byId(expected));
  expect(await tenants.byIds(ask(T), T[1]!)).toStrictEqual(expected.filter((t) => t.id === T[1]));
  expect(await tenants.byIds(['not-a-uuid'], null)).toEqual([]);
});
