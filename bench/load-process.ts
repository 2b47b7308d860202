/**
 * The load generator of bench/gateways.ts, forked so that it never shares
 * a core's event loop with the gateway it loads: autocannon, with every
 * response's latency kept, so p95 is exact (autocannon's own summary has
 * p90 and p97.5, not p95).
 */
import autocannon from 'autocannon';
import { percentile } from './percentile';

export interface LoadRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  connections: number;
  seconds: number;
}

export interface LoadResult {
  requests: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
}

function run(request: LoadRequest): Promise<LoadResult> {
  const latencies: number[] = [];
  let failed = 0;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      { url: request.url, method: 'POST', headers: { 'content-type': 'application/json', ...request.headers }, body: request.body, connections: request.connections, duration: request.seconds },
      (err, result) => {
        if (err) return reject(err);
        latencies.sort((a, b) => a - b);
        resolve({ requests: latencies.length, rps: latencies.length / request.seconds, p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99), errors: failed + result.errors + result.timeouts });
      },
    );
    instance.on('response', (_client, status, _bytes, ms) => {
      latencies.push(ms);
      if (status !== 200) failed++;
    });
  });
}

if (!process.send) throw new Error('bench/load-process.ts is forked by bench/gateways.ts');
process.on('message', (request: LoadRequest) => {
  run(request).then(
    (result) => process.send!({ result }),
    (err: Error) => process.send!({ error: err.message }),
  );
});
