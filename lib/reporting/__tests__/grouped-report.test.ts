/**
 * The report statement's plan on the seeded data: each period read by one
 * range scan of a created_at index, and past the row cap the grid of every
 * bucket times every group is never built.
 */
import { Prisma } from '@prisma/client';
import { Pool } from 'pg';
import { poolConfigFromUrl } from '../../database-url';
import { testDatabaseUrl } from '../../../test/helpers/system';
import { groupedReportSql, type GroupedReportSpec } from '../grouped-report';
import { checkWindow } from '../window';

let pool: Pool;
beforeAll(() => {
  pool = new Pool(poolConfigFromUrl(testDatabaseUrl(), { max: 1 }));
});
afterAll(() => pool.end());

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Alias?: string;
  'Index Name'?: string;
  'Actual Loops': number;
  Plans?: PlanNode[];
}

const nodes = (plan: PlanNode): PlanNode[] => [plan, ...(plan.Plans ?? []).flatMap(nodes)];

async function plan(spec: GroupedReportSpec, args: Parameters<typeof checkWindow>[0]): Promise<PlanNode[]> {
  const sql = groupedReportSql(spec, checkWindow(args, 'Europe/London'));
  const { rows } = await pool.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql.text}`, sql.values);
  return nodes(rows[0]['QUERY PLAN'][0].Plan);
}

const spec = (dimensions: GroupedReportSpec['dimensions'], conditions: Prisma.Sql[] = []): GroupedReportSpec => ({
  table: 'decisions',
  timeColumn: 'created_at',
  conditions,
  dimensions,
  measures: Prisma.sql`json_build_object('count', count(*))`,
  measureColumns: [],
});

describe('the grouped report statement', () => {
  // Two weeks of one tenant against the two before them: each a small part
  // of the table, which the planner knows because the bounds are values.
  // (Over most of a table it rightly reads the table itself.)
  it("reads each period of one tenant's report through the (tenant_id, created_at) index", async () => {
    const { rows } = await pool.query(`SELECT tenant_id FROM decisions GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`);
    await pool.query('ANALYZE decisions');
    const all = await plan(spec([{ key: 'feature', sql: Prisma.sql`feature_key` }], [Prisma.sql`tenant_id = ${rows[0].tenant_id}::uuid`]), {
        from: new Date('2026-10-01T00:00:00Z'),
        to: new Date('2026-10-15T00:00:00Z'),
        bucket: 'DAY',
        compareTo: 'PREVIOUS_PERIOD',
      });
    expect(all.filter((n) => n['Relation Name'] === 'decisions').map((n) => n['Node Type'])).not.toContain('Seq Scan');
    const indexes = all.filter((n) => n['Index Name']).map((n) => n['Index Name']);
    expect(indexes.length).toBeGreaterThanOrEqual(2);
    expect(new Set(indexes)).toEqual(new Set(['decisions_tenant_created_id_report_idx']));
  });

  it('past the row cap, never builds the grid of buckets times groups', async () => {
    const all = await plan(spec([{ key: 'feature', sql: Prisma.sql`feature_key` }]), {
      from: new Date('2025-11-01T00:00:00Z'),
      to: new Date('2026-11-01T00:00:00Z'),
      bucket: 'HOUR',
    });
    // The aggregate read its rows once, and counted its groups from its own output.
    expect(all.filter((n) => n.Alias === 't' && n['Actual Loops'] > 0).length).toBe(1);
    expect(all.filter((n) => n['Relation Name'] === 'decisions' && n.Alias !== 't')).toEqual([]);
    const grid = all.filter((n) => n.Alias === 'b');
    expect(grid.length).toBeGreaterThan(0);
    for (const read of grid) expect(read['Actual Loops']).toBe(0);
  });
});
