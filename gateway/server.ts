import http from 'node:http';
import { context, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { Client } from 'pg';
import type { CheckpointSigner } from '../lib/audit-log/checkpoint';
import { AuditCheckpointer } from '../lib/audit-log/checkpointer';
import { AuditWriter } from '../lib/audit-log/writer';
import { CallFactsCollector } from '../lib/call-facts';
import { InProcessBus, RedisBus, type StreamBus } from '../lib/streams/bus';
import { poolConfigFromUrl } from '../lib/database-url';
import { ATTR_SURFACE, ATTR_TENANT_ID } from '../lib/http-tracing';
import { withRequestId } from '../lib/request-id';
import { tracedPool } from '../lib/sql-tracing';
import { tracer } from '../lib/tracing';
import { listenOn, sendJson } from '../lib/http';
import type { CallerSigner } from '../lib/internal-token';
import { DEFAULT_ANSWER_BOUNDS, DEFAULT_LIMITS, DEFAULT_STREAM_LIMITS, type AnswerBounds, type OperationLimits, type PersistedQueryLimits, type StreamLimits } from '../lib/limits';
import type { Logger } from '../lib/logger';
import { watchPool, watchStreams } from '../lib/metrics';
import type { RouteDeprecation } from '../lib/rest-deprecations';
import type { RunningServer } from '../lib/subgraph/server';
import { SUBGRAPHS, defaultSubgraphUrl, type SubgraphName } from '../lib/supergraph';
import { Authenticator, type JwtSettings } from './auth/authenticator';
import { CredentialsRead } from './auth/credentials-read';
import { KeyCache } from './auth/key-cache';
import { apiSchemaOf, createFederatedGraph, inProcessExecutor } from './graphql/apollo';
import { OperationGuard } from './graphql/operation-limits';
import { graphQLRoute } from './graphql/route';
import { metricsRoute } from './http/metrics-route';
import { loadManifest, TrustedDocuments, type TrustedDocumentsMode } from './graphql/trusted-documents';
import { dashboardRoute, graphiqlRoute } from './http/pages';
import { checkReadiness } from './http/readiness';
import { createRouter, type Route } from './http/router';
import { connectRateLimitRedis, TenantRateLimiter } from './protection/rate-limiter';
import { restRoute } from './rest/router';
import { attachGraphqlWs } from './streams/graphql-ws-server';
import { graphqlSseRoute } from './streams/graphql-sse-route';
import { StreamCloseCode, StreamSessions } from './streams/stream-sessions';
import { StreamReader } from './streams/stream-reader';
import { SubscriptionHub } from './streams/subscription-hub';
import type { GraphExecutor } from './streams/graph-answer';

export interface GatewayOptions {
  /** The composed supergraph SDL (schema/supergraph.graphql). */
  supergraphSdl: string;
  /** Where each subgraph listens; defaults to the URLs in the supergraph. */
  subgraphUrls?: Partial<Record<SubgraphName, string>>;
  databaseUrl: string;
  /** Signs the caller token for each subgraph fetch with the gateway's private key (the subgraphs hold only the public one). */
  callerSigner: CallerSigner;
  /** Bearer-token verification; null accepts API keys only. */
  jwt: JwtSettings | null;
  /** Shared rate-limit counters; without it each gateway counts in its own memory. */
  redisUrl?: string;
  /** The budget per minute of a platform operator's token (no tenant). */
  operatorRateLimitPerMinute?: number;
  /** Operation limits and answer bounds; the documented defaults when absent. */
  limits?: { operation: OperationLimits; answer: AnswerBounds };
  /** Bounds on the live streams' connections and subscriptions; the documented defaults when absent. */
  streamLimits?: StreamLimits;
  /** REST routes announced for removal (REST_DEPRECATIONS); none when absent. */
  restDeprecations?: RouteDeprecation[];
  /**
   * Which documents run: `allow` (the default) any, by text or by hash;
   * `safelist` the manifest's only (pages/__generated__/persisted-documents.json
   * unless `manifestPath` names another). The APQ store's bounds default to DEFAULT_APQ_LIMITS.
   */
  trustedDocuments?: { mode: TrustedDocumentsMode; manifestPath?: string; apq?: PersistedQueryLimits };
  /**
   * Signs checkpoints of the audit chains (lib/audit-log/checkpointer.ts).
   * Null or absent: no checkpoints, and the chains' newest events can be
   * rewound unnoticed (verification then answers UNVERIFIABLE).
   */
  auditCheckpoint?: { signer: CheckpointSigner; everyEvents?: number; everySeconds?: number; pollMs?: number } | null;
  /**
   * Wakes the stream reader when events commit (the subgraphs publish on the
   * same bus). Absent: one of the gateway's own, on Redis when `redisUrl` is
   * set (the subgraphs in other processes publish there), else in process.
   */
  streamBus?: StreamBus;
  logger: Logger;
}

export interface Gateway {
  listen(port: number, host?: string): Promise<RunningServer>;
}

/**
 * The federated gateway, composed from its parts: `/graphql` (Apollo over
 * the subgraphs), `/v1` (the REST facade), `/healthz` (process up) and
 * `/readyz` (dependencies up), behind one authentication and one audit log;
 * and the browser pages `/graphiql` and `/dashboard` (what they read from the
 * graph authenticates).
 */
export function buildGateway(options: GatewayOptions): Gateway {
  const logger = options.logger.child({ service: 'gateway' });
  const urls = Object.fromEntries(
    SUBGRAPHS.map(({ name }) => [name, options.subgraphUrls?.[name] ?? defaultSubgraphUrl(name)]),
  ) as Record<SubgraphName, string>;
  // Credential checks, readiness and the audit writer; their statements are spans of the gateway's requests.
  const pool = tracedPool(poolConfigFromUrl(options.databaseUrl, { max: 10, connectionTimeoutMillis: 2_000 }), 'gateway');
  pool.on('error', (err) => logger.warn('database pool error', { err: err.message }));
  const credentials = new CredentialsRead(pool);
  const keys = new KeyCache(
    credentials,
    () => new Client(poolConfigFromUrl(options.databaseUrl, { connectionTimeoutMillis: 2_000 })),
    (payload) => pool.query("SELECT pg_notify('credentials_changed', $1)", [payload]),
    logger,
  );
  const authenticator = new Authenticator(credentials, options.jwt, logger, options.operatorRateLimitPerMinute, keys);
  // Wakes every replica's stream reader when records commit: auditEventAppended follows the trail.
  const ownBus = options.streamBus ? null : options.redisUrl ? new RedisBus(options.redisUrl, logger) : new InProcessBus();
  const streamBus = options.streamBus ?? ownBus!;
  const audit = new AuditWriter(pool, { logger, onFlush: ({ events, error }) => events && error === undefined && streamBus.publish() });
  const checkpointer = options.auditCheckpoint
    ? new AuditCheckpointer(pool, options.auditCheckpoint.signer, { ...options.auditCheckpoint, logger })
    : null;
  if (!checkpointer) logger.warn('audit checkpoints are off: no AUDIT_CHECKPOINT_PRIVATE_KEY, so a rewound audit chain would go unnoticed');
  const limiter = new TenantRateLimiter(options.redisUrl ? connectRateLimitRedis(options.redisUrl, logger) : null);
  const bounds = options.limits?.answer ?? DEFAULT_ANSWER_BOUNDS;
  const apiSchema = apiSchemaOf(options.supergraphSdl);
  const guard = new OperationGuard(apiSchema, options.limits?.operation ?? DEFAULT_LIMITS);
  const trusted = new TrustedDocuments({
    mode: options.trustedDocuments?.mode ?? 'allow',
    manifest: loadManifest(options.trustedDocuments?.manifestPath),
    apq: options.trustedDocuments?.apq,
    limits: guard.limits,
  });
  logger.info('trusted documents', { mode: trusted.mode, manifestDocuments: trusted.manifestSize });

  const httpServer = http.createServer();
  httpServer.keepAliveTimeout = 65_000;
  const apollo = createFederatedGraph({ supergraphSdl: options.supergraphSdl, urls, callerSigner: options.callerSigner, audit, bounds, httpServer, logger });

  // Live streams: one outbox reader per replica, one hub of subscription groups, graphql-ws on /graphql, graphql-sse beside it.
  const execute = inProcessExecutor(apollo);
  // Each batch of stream events resolved is a trace of its own: it serves every subscriber of a group, no one request.
  const resolveStreamBatch: GraphExecutor = (query, variables, caller) => {
    const span = tracer('gateway').startSpan('stream event batch', { attributes: { [ATTR_SURFACE]: caller.surface, ...(caller.tenantId && { [ATTR_TENANT_ID]: caller.tenantId }) } }, ROOT_CONTEXT);
    return context
      .with(withRequestId(trace.setSpan(ROOT_CONTEXT, span), caller.requestId), () => execute(query, variables, caller, { correlationId: null, facts: new CallFactsCollector() }))
      .finally(() => span.end());
  };
  const hub = new SubscriptionHub(resolveStreamBatch, pool, logger);
  const reader = new StreamReader(pool, streamBus, (events) => hub.dispatch(events), logger);
  const sessions = new StreamSessions(credentials, audit, options.streamLimits ?? DEFAULT_STREAM_LIMITS, logger);
  const streamParts = { schema: apiSchema, authenticator, guard, trusted, hub, sessions, audit, logger };
  const websockets = attachGraphqlWs({ httpServer, path: '/graphql', ...streamParts });

  const routes: Route[] = [
    { path: '/healthz', handle: (_req, res, { headers }) => sendJson(res, 200, { status: 'ok' }, headers) },
    {
      path: '/readyz',
      handle: async (_req, res, { headers }) => {
        const readiness = await checkReadiness(pool, urls);
        sendJson(res, readiness.ready ? 200 : 503, readiness, headers);
      },
    },
    restRoute({ authenticator, limiter, audit, execute, logger, deprecations: options.restDeprecations }),
    graphqlSseRoute(streamParts),
    graphiqlRoute(),
    dashboardRoute(),
    metricsRoute(authenticator),
    graphQLRoute({ apollo, authenticator, guard, trusted, limiter, audit, bounds, logger }),
  ];
  httpServer.on('request', createRouter(routes, logger));

  return {
    async listen(port, host = '127.0.0.1') {
      await apollo.start();
      const bound = await listenOn(httpServer, port, host);
      checkpointer?.start();
      reader.start();
      keys.start();
      sessions.watch();
      const unwatch = [
        watchStreams(() => ({ ...sessions.census(), groups: hub.groupCount() })),
        watchPool('gateway', pool),
      ];
      const url = `http://${host}:${bound}/graphql`;
      logger.info('gateway listening', { url });
      return {
        url,
        port: bound,
        close: async () => {
          // No new connections from here on (the open ones finish what they asked, below), so a stream client told to go away cannot come back here.
          httpServer.close();
          // Streams end first, each with a code that tells its client to resume from its last cursor elsewhere.
          await sessions.stop(StreamCloseCode.GOING_AWAY, 'the gateway is shutting down');
          await websockets.close();
          hub.close();
          await reader.stop();
          // Drains the HTTP requests in flight (their audit records still go through the writer, flushed next).
          await apollo.stop();
          await audit.close();
          await checkpointer?.stop();
          await limiter.close();
          await ownBus?.close();
          await keys.stop();
          for (const stop of unwatch) stop();
          await pool.end();
        },
      };
    },
  };
}
