/**
 * What the audit record costs before each answer: AuditWriter (one
 * statement per batch at the chain heads it knows) against the same records
 * appended the locked way (BEGIN, the chains' locks, the heads read, the
 * INSERT, COMMIT: what every batch cost before the writer kept its heads),
 * on one chain of a database of your choosing, one record in flight and
 * then ten, interleaved rounds. The locked baseline with ten in flight
 * runs ten transactions at once on a pool of ten, as ten gateways without
 * group commit would; the writer groups them. Prints records/s, mean
 * latency and this process's CPU per record, with the ratio.
 *
 *   DATABASE_URL=… npx tsx bench/audit-writer.ts [--records 1000] [--rounds 2]
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Pool } from 'pg';
import { appendAuditEvents, type AuditEventInput } from '../lib/audit-log/chain';
import { AuditWriter } from '../lib/audit-log/writer';
import { poolConfigFromUrl } from '../lib/database-url';
import { sha256Hex } from '../lib/hash';
import { inTransaction } from '../lib/sql';

interface Result {
  perSecond: number;
  meanMs: number;
  cpuUs: number;
}

function event(tenantId: string, n: number): AuditEventInput {
  return {
    tenantId,
    requestId: `bench_audit_${n}`,
    actor: 'bench',
    scope: 'read',
    surface: 'GRAPHQL',
    action: 'request',
    operationName: 'Bench',
    resourceType: null,
    resourceId: null,
    status: '200',
    bodySha256: sha256Hex(`document ${n}`),
    variablesSha256: sha256Hex('{}'),
    latencyMs: 1,
    createdAt: new Date(),
  };
}

/** `records` calls of `write`, `inFlight` at a time, each awaited before its slot takes the next. */
async function measure(records: number, inFlight: number, write: (n: number) => Promise<void>): Promise<Result> {
  let next = 0;
  let latency = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < records) {
        const n = next++;
        const t = performance.now();
        await write(n);
        latency += performance.now() - t;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { perSecond: records / seconds, meanMs: latency / records, cpuUs: (used.user + used.system) / records };
}

async function main() {
  const { values } = parseArgs({ options: { records: { type: 'string', default: '1000' }, rounds: { type: 'string', default: '2' } } });
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) throw new Error('DATABASE_URL is required (a migrated database; the records go to a chain of their own)');
  const records = Number(values.records);
  const pool = new Pool(poolConfigFromUrl(databaseUrl, { max: 10 }));
  // A chain of its own, so no other writer moves its head during the run.
  const tenantId = randomUUID();
  const writer = new AuditWriter(pool);
  let n = 0;
  const ways = {
    'AuditWriter (one statement at known heads)': () => writer.record(event(tenantId, n++)),
    'locked transaction (BEGIN, lock, read heads, INSERT, COMMIT)': async () => {
      await inTransaction(pool, (tx) => appendAuditEvents(tx, [event(tenantId, n++)]));
    },
  };
  // Connections opened and the writer's head known before anything is timed.
  await Promise.all(Array.from({ length: 10 }, () => pool.query('SELECT 1')));
  await writer.record(event(tenantId, n++));

  const results = new Map<string, Result[]>();
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const inFlight of [1, 10]) {
      for (const [label, write] of Object.entries(ways)) {
        const key = `${inFlight}\t${label}`;
        results.set(key, [...(results.get(key) ?? []), await measure(records, inFlight, write)]);
      }
    }
  }
  await writer.close();
  await pool.end();

  const mean = (rs: Result[], k: keyof Result) => rs.reduce((a, r) => a + r[k], 0) / rs.length;
  console.log(`${records} records per round, ${values.rounds} interleaved rounds, one chain\n`);
  console.log('| in flight | way | records/s | mean ms | CPU µs/record | locked ÷ writer (CPU) |');
  console.log('|---:|---|---:|---:|---:|---:|');
  for (const inFlight of [1, 10]) {
    const [mine, locked] = Object.keys(ways).map((label) => results.get(`${inFlight}\t${label}`)!);
    for (const [label, rs] of [[Object.keys(ways)[0]!, mine!], [Object.keys(ways)[1]!, locked!]] as const) {
      const ratio = rs === mine ? (mean(locked!, 'cpuUs') / mean(mine!, 'cpuUs')).toFixed(2) : '';
      console.log(`| ${inFlight} | ${label} | ${mean(rs, 'perSecond').toFixed(0)} | ${mean(rs, 'meanMs').toFixed(2)} | ${mean(rs, 'cpuUs').toFixed(0)} | ${ratio} |`);
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
