import http from 'node:http';
import { listenOn } from './http';
import type { Logger } from './logger';
import { metricsRegistry } from './metrics';

/**
 * This process's metrics on a port of their own (METRICS_PORT), with no
 * credential: for a Prometheus on the private network, bound to METRICS_HOST
 * (loopback unless told otherwise). The only way to scrape a subgraph, whose
 * main port answers gateway-signed calls alone.
 */
export async function startMetricsServer(port: number, host: string, logger: Logger): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.resume();
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(path === '/metrics' ? 405 : 404, { 'content-type': 'text/plain; charset=utf-8' });
      return void res.end(path === '/metrics' ? 'GET /metrics\n' : 'not found: this port serves GET /metrics\n');
    }
    metricsRegistry.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': metricsRegistry.contentType, 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (err) => {
        logger.error('metrics collection failed', { err });
        res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('metrics collection failed\n');
      },
    );
  });
  const bound = await listenOn(server, port, host);
  logger.info('metrics listening', { url: `http://${host}:${bound}/metrics` });
  return {
    port: bound,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
