/**
 * The subgraph fetch's deadline, against real HTTP servers on loopback: a
 * subgraph that never answers, or answers its headers and then stalls its
 * body, is given up at the deadline with a TimeoutError; and a fetch that
 * finished leaves no timer behind (a timer holds the request's async
 * context, its spans and strings, until it fires); an answer past the size
 * bound is never read.
 */
import { createHook } from 'node:async_hooks';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SubgraphFetcher } from '../subgraph-fetcher';

let server: http.Server;
let base: string;
const stalled: http.ServerResponse[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/never') return void stalled.push(res);
      if (req.url === '/too-large') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '5000' });
        return void res.write('{"data":' + ' '.repeat(2_000));
      }
      if (req.url === '/stalls-body') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
        res.write('{"data":');
        return void stalled.push(res);
      }
      const text = '{"data":{"ok":true}}';
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const res of stalled) res.destroy();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const post = (fetcher: SubgraphFetcher, path: string) => fetcher.fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ ok }"}' });

it('gives up on a subgraph that never answers at the deadline, with a TimeoutError', async () => {
  const fetcher = new SubgraphFetcher({ timeoutMs: 300, maxResponseBytes: 1_000 });
  const started = Date.now();
  await expect(post(fetcher, '/never')).rejects.toMatchObject({ name: 'TimeoutError' });
  expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  expect(Date.now() - started).toBeLessThan(2_000);
  await fetcher.close();
});

it('counts the body in the deadline: headers then a stalled body time out too', async () => {
  const fetcher = new SubgraphFetcher({ timeoutMs: 300, maxResponseBytes: 1_000 });
  const started = Date.now();
  await expect(post(fetcher, '/stalls-body')).rejects.toMatchObject({ name: 'TimeoutError' });
  expect(Date.now() - started).toBeLessThan(2_000);
  await fetcher.close();
});

it('leaves an answer past the size bound unread, says its length, and fetches on', async () => {
  const fetcher = new SubgraphFetcher({ timeoutMs: 2_000, maxResponseBytes: 1_000 });
  const big = await post(fetcher, '/too-large');
  expect(big.headers.get('Content-Length')).toBe('5000');
  expect(await big.text()).toBe('');
  expect(await (await post(fetcher, '/answers')).json()).toEqual({ data: { ok: true } });
  await fetcher.close();
});

it('leaves no timer behind once a fetch has its answer', async () => {
  const fetcher = new SubgraphFetcher({ timeoutMs: 60_000, maxResponseBytes: 1_000 });
  await post(fetcher, '/answers');
  // Timers made during the fetches and not yet fired or cleared.
  const live = new Set<number>();
  const hook = createHook({
    init: (id, type) => void (type === 'Timeout' && live.add(id)),
    destroy: (id) => void live.delete(id),
  }).enable();
  try {
    for (let i = 0; i < 50; i++) expect(await (await post(fetcher, '/answers')).json()).toEqual({ data: { ok: true } });
    await new Promise((r) => setImmediate(r));
    // The keep-alive timers of the socket (both ends live in this process) and undici's clock: a handful, whatever the number of requests.
    expect(live.size).toBeLessThan(10);
  } finally {
    hook.disable();
    await fetcher.close();
  }
});
