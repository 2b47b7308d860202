/**
 * Requests per second of our gateway (authentication + audit on) against a
 * plain @apollo/gateway over the same subgraphs, run alternately so both
 * see the same machine state. The plain gateway signs a fixed caller for
 * each subgraph fetch (the subgraphs trust nothing else) and does nothing more.
 *
 *   DATABASE_URL=postgresql://root@127.0.0.1:5432/bench npx tsx bench/gateway-overhead.ts [--seconds 10] [--connections 20]
 *
 * The database must be migrated and seeded (npm run db:migrate && npm run db:seed).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { Pool } from 'pg';
import { createApiKey } from '../subgraphs/tenants/api-keys';
import { generateInternalKeyPair } from '../lib/internal-keys';
import { CallerSigner, INTERNAL_CALLER_HEADER } from '../lib/internal-token';
import { poolConfigFromUrl } from '../lib/database-url';
import { SUPERGRAPH_PATH } from '../lib/supergraph';
import { startBenchSystem } from './bench-system';

const QUERIES = {
  simple: '{ tenants { slug plan } }',
  federated: '{ decisions(first: 20) { edges { node { id outcome tenant { slug } packageVersion { version package { slug } } } } } }',
};

async function main() {
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, connections: { type: 'string', default: '20' } } });
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) throw new Error('DATABASE_URL is required (a migrated, seeded PostgreSQL)');
  const callerKeys = generateInternalKeyPair();
  const signer = new CallerSigner(callerKeys.privateKey);
  const system = await startBenchSystem(databaseUrl, callerKeys);

  const pool = new Pool(poolConfigFromUrl(databaseUrl, { max: 1 }));
  const { rows: [tenant] } = await pool.query<{ id: string; slug: string }>('SELECT id, slug FROM tenants ORDER BY slug LIMIT 1');
  // Both sides read as this one tenant, so both do the same work: only the platform operator reads across tenants.
  // Its plan's rate limit would answer most of the run with cheap 429s: lifted, so every call does the whole work.
  await pool.query('UPDATE tenants SET rate_limit_per_minute = 1000000000 WHERE id = $1', [tenant.id]);
  const { key } = await createApiKey(pool, { tenant: { slug: tenant.slug }, name: 'bench', scopes: ['read'], environment: 'SANDBOX' }, { requestId: 'req_bench', actor: 'bench', surface: 'INTERNAL' });

  const urls = Object.fromEntries(Object.entries(system.subgraphs).map(([name, s]) => [name, s.url]));
  const plain = new ApolloServer({
    gateway: new ApolloGateway({
      supergraphSdl: readFileSync(SUPERGRAPH_PATH, 'utf8'),
      buildService: ({ name }) =>
        new RemoteGraphQLDataSource({
          url: urls[name!],
          willSendRequest({ request }) {
            const caller = { requestId: `req_${randomBytes(8).toString('hex')}`, actor: 'bench', tenantId: tenant.id, scopes: new Set(['read'] as const), surface: 'GRAPHQL' as const };
            request.http?.headers.set(INTERNAL_CALLER_HEADER, signer.sign(caller, name!));
          },
        }),
    }),
  });
  const { url: plainUrl } = await startStandaloneServer(plain, { listen: { port: 0, host: '127.0.0.1' } });

  const run = (url: string, query: string, headers: Record<string, string>) =>
    autocannon({
      url,
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query }),
      connections: Number(values.connections),
      duration: Number(values.seconds),
    });

  console.log(`gateway overhead: ${values.connections} connections, ${values.seconds} s per run, alternating, PostgreSQL ${databaseUrl.replace(/:[^:@/]*@/, ':***@')}`);
  for (const [name, query] of Object.entries(QUERIES)) {
    const results: Record<string, autocannon.Result[]> = { ours: [], plain: [] };
    for (let round = 0; round < 2; round++) {
      results.plain.push(await run(plainUrl, query, {}));
      results.ours.push(await run(system.gateway.url, query, { 'x-api-key': key }));
    }
    const summary = (rs: autocannon.Result[]) => ({
      rps: rs.reduce((a, r) => a + r.requests.average, 0) / rs.length,
      p50: rs.reduce((a, r) => a + r.latency.p50, 0) / rs.length,
      p99: rs.reduce((a, r) => a + r.latency.p99, 0) / rs.length,
      errors: rs.reduce((a, r) => a + r.errors + r.non2xx, 0),
    });
    const ours = summary(results.ours);
    const base = summary(results.plain);
    console.log(`\n${name}: ${query}`);
    console.log(`  plain @apollo/gateway  ${base.rps.toFixed(0).padStart(6)} req/s  p50 ${base.p50.toFixed(1)} ms  p99 ${base.p99.toFixed(1)} ms  errors ${base.errors}`);
    console.log(`  ours (auth + audit)    ${ours.rps.toFixed(0).padStart(6)} req/s  p50 ${ours.p50.toFixed(1)} ms  p99 ${ours.p99.toFixed(1)} ms  errors ${ours.errors}`);
    console.log(`  ratio ours / plain     ${(ours.rps / base.rps).toFixed(2)}`);
  }
  const { rows: [{ n }] } = await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_events WHERE actor LIKE 'key:%' AND created_at > now() - interval '10 minutes'");
  console.log(`\naudit events written by our gateway during the run: ${n}`);
  await pool.end();
  await plain.stop();
  await system.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

