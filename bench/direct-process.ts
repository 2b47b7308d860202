/**
 * The floor under bench/gateways.ts: the subgraph calls one query costs,
 * made directly with no gateway. Given the calls a gateway made for the
 * query (recorded by bench/gateways.ts, grouped in the stages the query plan
 * ran them in: a stage starts when the previous one answered, its calls run
 * together), `connections` loops repeat them for `seconds`, each call with
 * a caller token of its own, over keep-alive connections, and report the
 * latency of each whole query.
 */
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'undici';
import { decodePrivateKey } from '../lib/internal-keys';
import { CallerSigner, INTERNAL_CALLER_HEADER } from '../lib/internal-token';
import type { LoadResult } from './load-process';
import { percentile } from './percentile';

export interface DirectRequest {
  stages: Array<Array<{ subgraph: string; url: string; body: string }>>;
  privateKey: string;
  tenantId: string;
  connections: number;
  seconds: number;
}

async function run(job: DirectRequest): Promise<LoadResult> {
  const signer = new CallerSigner(decodePrivateKey(job.privateKey));
  const agent = new Agent({ keepAliveTimeout: 30_000, connections: job.connections * 4 });
  const latencies: number[] = [];
  let errors = 0;
  const call = async ({ subgraph, url, body }: { subgraph: string; url: string; body: string }) => {
    const token = signer.sign({ requestId: `req_${randomBytes(16).toString('hex')}`, actor: 'bench-direct', tenantId: job.tenantId, scopes: new Set(['read']), surface: 'GRAPHQL' }, subgraph);
    const res = await request(url, { method: 'POST', dispatcher: agent, headers: { 'content-type': 'application/json', [INTERNAL_CALLER_HEADER]: token }, body });
    const text = await res.body.text();
    if (res.statusCode !== 200 || text.includes('"errors"')) errors++;
  };
  const end = Date.now() + job.seconds * 1_000;
  await Promise.all(
    Array.from({ length: job.connections }, async () => {
      while (Date.now() < end) {
        const started = performance.now();
        for (const stage of job.stages) await Promise.all(stage.map(call));
        latencies.push(performance.now() - started);
      }
    }),
  );
  await agent.close();
  latencies.sort((a, b) => a - b);
  return { requests: latencies.length, rps: latencies.length / job.seconds, p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99), errors };
}

if (!process.send) throw new Error('bench/direct-process.ts is forked by bench/gateways.ts');
process.on('message', (job: DirectRequest) => {
  run(job).then(
    (result) => process.send!({ result }),
    (err: Error) => process.send!({ error: err.message }),
  );
});
