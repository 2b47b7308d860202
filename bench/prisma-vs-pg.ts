/**
 * Prisma's per-query cost against plain pg for the packages subgraph's hot
 * reads on the dashboard query (the batched loads of 20 decisions' package
 * versions, their packages, and the tenant's installations): each read
 * through PackageStore (Prisma's $queryRaw over the pg adapter; findMany,
 * which it used before, cost 2.4 to 3.5 times as much) and the same rows through a pg Pool with hand-written SQL, interleaved,
 * 8 in flight, printing reads/s, mean latency and this process's CPU per
 * read, with the ratio.
 *
 *   DATABASE_URL=… npx tsx bench/prisma-vs-pg.ts [--seconds 5] [--rounds 2]
 */
import { parseArgs } from 'node:util';
import { Pool } from 'pg';
import { CursorCodec } from '../lib/connection';
import { openDatabase } from '../lib/database';
import { poolConfigFromUrl } from '../lib/database-url';
import { PackageStore } from '../subgraphs/packages/store';

const IN_FLIGHT = 8;

const VERSION_SQL = `SELECT v.id, v.package_id AS "packageId", v.version, v.changelog, v.conformance_score AS "conformanceScore", v.published_at AS "publishedAt"
  FROM package_versions v JOIN packages p ON p.id = v.package_id WHERE v.id = ANY($1::uuid[]) AND p.status <> 'DRAFT'`;
const PACKAGE_SQL = `SELECT id, slug, name, description, risk_tier AS "riskTier", status, created_at AS "createdAt"
  FROM packages WHERE id = ANY($1::uuid[]) AND status <> 'DRAFT'`;
const INSTALLATION_SQL = `SELECT i.id, i.tenant_id AS "tenantId", i.package_id AS "packageId", i.package_version_id AS "packageVersionId", i.installed_at AS "installedAt"
  FROM installations i JOIN package_versions v ON v.id = i.package_version_id JOIN packages p ON p.id = v.package_id
  WHERE i.tenant_id = ANY($1::uuid[]) AND p.status <> 'DRAFT' ORDER BY p.slug`;

async function measure(seconds: number, read: () => Promise<unknown[]>): Promise<{ rps: number; meanMs: number; cpuUs: number; rows: number }> {
  const deadline = performance.now() + seconds * 1000;
  const cpu = process.cpuUsage();
  let reads = 0;
  let rows = 0;
  let busy = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (performance.now() < deadline) {
        const start = performance.now();
        rows = (await read()).length;
        busy += performance.now() - start;
        reads++;
      }
    }),
  );
  const used = process.cpuUsage(cpu);
  return { rps: reads / seconds, meanMs: busy / reads, cpuUs: (used.user + used.system) / reads, rows };
}

async function main() {
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, rounds: { type: 'string', default: '2' } } });
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) throw new Error('DATABASE_URL is required (a migrated, seeded PostgreSQL)');
  const database = openDatabase(databaseUrl, { poolSize: IN_FLIGHT });
  const pool = new Pool(poolConfigFromUrl(databaseUrl, { max: IN_FLIGHT, options: '-c jit=off' }));
  const store = new PackageStore(database.prisma, CursorCodec.forSubgraph('bench', 'packages'));
  try {
    const { rows: page } = await pool.query<{ tenant_id: string; package_version_id: string }>(
      `SELECT tenant_id, package_version_id FROM decisions WHERE outcome IN ('DECLINE', 'REVIEW') ORDER BY created_at DESC, id DESC LIMIT 20`,
    );
    if (page.length === 0) throw new Error('the database has no decisions: seed it first');
    const versionIds = [...new Set(page.map((d) => d.package_version_id))];
    const tenantIds = [...new Set(page.map((d) => d.tenant_id))];
    const packageIds = [...new Set((await store.versionsByIds(versionIds, 'hidden')).map((v) => v.packageId))];
    const reads: Array<{ name: string; prisma: () => Promise<unknown[]>; pg: () => Promise<unknown[]> }> = [
      { name: `versionsByIds (${versionIds.length} ids)`, prisma: () => store.versionsByIds(versionIds, 'hidden'), pg: async () => (await pool.query(VERSION_SQL, [versionIds])).rows },
      { name: `packagesByIds (${packageIds.length} ids)`, prisma: () => store.packagesByIds(packageIds, 'hidden'), pg: async () => (await pool.query(PACKAGE_SQL, [packageIds])).rows },
      { name: `installationsByTenantIds (${tenantIds.length} ids)`, prisma: () => store.installationsByTenantIds(tenantIds, null, 'hidden'), pg: async () => (await pool.query(INSTALLATION_SQL, [tenantIds])).rows },
    ];
    const seconds = Number(values.seconds);
    console.log(`${IN_FLIGHT} reads in flight, ${values.rounds} interleaved rounds of ${seconds} s each\n`);
    console.log('| read | via | reads/s | mean ms | CPU µs/read | rows | Prisma ÷ pg (CPU) |\n|---|---|---:|---:|---:|---:|---:|');
    for (const read of reads) {
      await measure(1, read.prisma);
      await measure(1, read.pg);
      const totals = { prisma: [] as Awaited<ReturnType<typeof measure>>[], pg: [] as Awaited<ReturnType<typeof measure>>[] };
      for (let round = 0; round < Number(values.rounds); round++) {
        totals.prisma.push(await measure(seconds, read.prisma));
        totals.pg.push(await measure(seconds, read.pg));
      }
      const mean = (rs: Awaited<ReturnType<typeof measure>>[], f: (r: Awaited<ReturnType<typeof measure>>) => number) => rs.reduce((a, r) => a + f(r), 0) / rs.length;
      const cpuRatio = mean(totals.prisma, (r) => r.cpuUs) / mean(totals.pg, (r) => r.cpuUs);
      for (const via of ['prisma', 'pg'] as const) {
        const rs = totals[via];
        if (rs[0]!.rows !== totals.prisma[0]!.rows) throw new Error(`${read.name}: Prisma read ${totals.prisma[0]!.rows} rows, pg ${rs[0]!.rows}`);
        console.log(`| ${read.name} | ${via === 'prisma' ? 'Prisma (PackageStore)' : 'pg, same SQL by hand'} | ${mean(rs, (r) => r.rps).toFixed(0)} | ${mean(rs, (r) => r.meanMs).toFixed(2)} | ${mean(rs, (r) => r.cpuUs).toFixed(0)} | ${rs[0]!.rows} | ${via === 'prisma' ? cpuRatio.toFixed(2) : ''} |`);
      }
    }
  } finally {
    await database.close();
    await pool.end();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
