import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { STREAM_SURFACES } from './vocabulary';

/**
 * Every Prometheus metric the system exports, in one registry per process:
 * Prometheus scrapes a process, and under `npm start` (and in the tests) the
 * gateway and the four subgraphs share one. Services that share a process
 * are told apart by labels (`subgraph`, `pool`), and instances of one kind in
 * one process (two gateways in a test) add up, as two replicas would in a
 * sum over instances.
 *
 * No label carries a tenant, a key, a caller or a request id: their number
 * grows with the customer base, and per-tenant figures live in the graph
 * (`Tenant.usage`). The one client-chosen value, the GraphQL operation name,
 * goes through `boundedLabel`: the first OPERATION_LABEL_LIMIT names seen are
 * kept, later ones count as `__other__`, so no client can grow the series.
 */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry });

/** Distinct GraphQL operation names kept as label values per process; the rest are `__other__`. */
export const OPERATION_LABEL_LIMIT = 100;
const OTHER = '__other__';
const seenOperations = new Set<string>();

/** The label value for a client-chosen operation name: itself while fewer than the limit have been seen, else `__other__`. */
export function boundedLabel(name: string | null | undefined): string {
  if (!name) return 'anonymous';
  // A label value is shown and stored: a bounded length keeps a huge name from doing what many names cannot.
  const value = name.length > 100 ? `${name.slice(0, 100)}…` : name;
  if (seenOperations.has(value)) return value;
  if (seenOperations.size >= OPERATION_LABEL_LIMIT) return OTHER;
  seenOperations.add(value);
  return value;
}

// Latency buckets from 5 ms to 30 s: a cached read to a report over a year.
const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export const gatewayCalls = new Counter({
  name: 'gateway_calls_total',
  help: 'Calls the gateway answered, one per audit record: by surface (GRAPHQL, REST, STREAM), operation (GraphQL operation name, bounded; REST `METHOD /template`) and status (HTTP status, then the error code or refusal reason)',
  labelNames: ['surface', 'operation', 'status'] as const,
  registers: [metricsRegistry],
});

export const gatewayCallSeconds = new Histogram({
  name: 'gateway_call_duration_seconds',
  help: 'Time from a call arriving to its answer being ready, by surface',
  labelNames: ['surface'] as const,
  buckets: SECONDS,
  registers: [metricsRegistry],
});

export const subgraphFetches = new Counter({
  name: 'gateway_subgraph_fetches_total',
  help: 'Subgraph calls the gateway made, by subgraph and outcome (ok, http_error, network_error, timeout, too_large)',
  labelNames: ['subgraph', 'outcome'] as const,
  registers: [metricsRegistry],
});

export const subgraphFetchSeconds = new Histogram({
  name: 'gateway_subgraph_fetch_duration_seconds',
  help: 'Time of one subgraph call, sent to answered, by subgraph',
  labelNames: ['subgraph'] as const,
  buckets: SECONDS,
  registers: [metricsRegistry],
});

export const subgraphFetchesShared = new Counter({
  name: 'gateway_subgraph_fetches_shared_total',
  help: 'Subgraph reads not sent because an identical one of the same tenant and scopes was in flight (dedup hits), by subgraph',
  labelNames: ['subgraph'] as const,
  registers: [metricsRegistry],
});

export const rateLimitRejections = new Counter({
  name: 'gateway_rate_limit_rejections_total',
  help: 'Calls refused because their caller spent its budget (429)',
  registers: [metricsRegistry],
});

export const auditBatches = new Counter({
  name: 'audit_writer_batches_total',
  help: 'Group commits of the audit writer, by outcome (ok, failed)',
  labelNames: ['outcome'] as const,
  registers: [metricsRegistry],
});

export const auditBatchEvents = new Histogram({
  name: 'audit_writer_batch_events',
  help: 'Audit events written together in one group commit',
  buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
  registers: [metricsRegistry],
});

export const auditBatchSeconds = new Histogram({
  name: 'audit_writer_batch_duration_seconds',
  help: 'Time of one group commit of the audit writer, INSERT to COMMIT',
  buckets: SECONDS,
  registers: [metricsRegistry],
});

export const subgraphRequests = new Counter({
  name: 'subgraph_requests_total',
  help: 'Requests a subgraph answered, by subgraph and HTTP status',
  labelNames: ['subgraph', 'status'] as const,
  registers: [metricsRegistry],
});

export const subgraphRequestSeconds = new Histogram({
  name: 'subgraph_request_duration_seconds',
  help: 'Time a subgraph took to answer one request, by subgraph',
  labelNames: ['subgraph'] as const,
  buckets: SECONDS,
  registers: [metricsRegistry],
});

/** Read at scrape time from whatever is running in this process: gauges are states, not events. */
interface StreamCensus {
  /** Open connections by transport (WEBSOCKET, SSE). */
  connections: Record<string, number>;
  subscriptions: number;
  groups: number;
}
interface PoolState {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

const streamCensuses = new Set<() => StreamCensus>();
const pools = new Map<PoolState, string>();

/** Counts a gateway's live streams in the gauges until the returned function is called. */
export function watchStreams(census: () => StreamCensus): () => void {
  streamCensuses.add(census);
  return () => void streamCensuses.delete(census);
}

/** Counts a connection pool's connections in the gauges (`pool` names its owner: gateway, or a subgraph) until the returned function is called. */
export function watchPool(name: string, pool: PoolState): () => void {
  pools.set(pool, name);
  return () => void pools.delete(pool);
}

// Read at each scrape, a walk over the open connections: cheap next to the scrape itself.
const sum = (f: (c: StreamCensus) => number) => [...streamCensuses].reduce((n, census) => n + f(census()), 0);

new Gauge({
  name: 'gateway_stream_connections',
  help: 'Open live-stream connections, by transport (WEBSOCKET: graphql-ws, SSE: graphql-sse)',
  labelNames: ['transport'] as const,
  registers: [metricsRegistry],
  collect() {
    for (const transport of STREAM_SURFACES) this.set({ transport }, sum((c) => c.connections[transport] ?? 0));
  },
});

new Gauge({
  name: 'gateway_stream_subscriptions',
  help: 'Live subscriptions running',
  registers: [metricsRegistry],
  collect() {
    this.set(sum((c) => c.subscriptions));
  },
});

new Gauge({
  name: 'gateway_stream_groups',
  help: 'Subscription groups: subscribers of one caller with one selection share a group and its resolutions',
  registers: [metricsRegistry],
  collect() {
    this.set(sum((c) => c.groups));
  },
});

new Gauge({
  name: 'db_pool_connections',
  help: 'Database pool connections, by pool (gateway, or the subgraph) and state (open, idle, waiting: callers waiting for one)',
  labelNames: ['pool', 'state'] as const,
  registers: [metricsRegistry],
  collect() {
    this.reset();
    const totals = new Map<string, { open: number; idle: number; waiting: number }>();
    for (const [pool, name] of pools) {
      const t = totals.get(name) ?? { open: 0, idle: 0, waiting: 0 };
      totals.set(name, { open: t.open + pool.totalCount, idle: t.idle + pool.idleCount, waiting: t.waiting + pool.waitingCount });
    }
    for (const [name, t] of totals) for (const [state, n] of Object.entries(t)) this.set({ pool: name, state }, n);
  },
});
