/**
 * Hive Gateway 2.15 (createGatewayRuntime on node:http) for
 * bench/gateways.ts, with its defaults, or with in-flight request
 * deduplication off (HIVE_DEDUP=off). The caller token goes in through an
 * onFetch plugin: Hive's static transport headers are templates, and a
 * token must be signed per fetch anyway (subgraphs accept each once).
 */
import { createServer, type RequestListener } from 'node:http';
import { createRequire } from 'node:module';
import { INTERNAL_CALLER_HEADER } from '../../lib/internal-token';
import { peerEnv } from './peer-env';

// Loaded untyped: Hive lives in bench/peers/node_modules, installed for the bench alone (npm run bench:peers), and its types would pull DOM stream typings into the project's type check.
const { createGatewayRuntime } = createRequire(__filename)('@graphql-hive/gateway') as { createGatewayRuntime(config: Record<string, unknown>): RequestListener };
const env = peerEnv();
const byUrl = new Map(Object.entries(env.urls).map(([name, url]) => [url, name]));
const dedup = process.env.HIVE_DEDUP !== 'off';
const gateway = createGatewayRuntime({
  supergraph: env.supergraphSdl,
  logging: 'error',
  transportEntries: {
    '*.http': { options: { deduplicateInflightRequests: dedup } },
    ...Object.fromEntries(Object.entries(env.urls).map(([name, url]) => [name, { location: url }])),
  },
  plugins: () => [
    {
      onFetch({ url, options, setOptions }: { url: string; options: { headers?: Record<string, string> }; setOptions(o: unknown): void }) {
        const subgraph = byUrl.get(url);
        if (subgraph) setOptions({ ...options, headers: { ...options.headers, [INTERNAL_CALLER_HEADER]: env.sign(subgraph) } });
      },
    },
  ],
});
const server = createServer(gateway);
server.listen(env.port, '127.0.0.1', () => process.send?.({ listening: `http://127.0.0.1:${env.port}/graphql` }));
