import http from 'node:http';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { Pool } from 'pg';
import { poolConfigFromUrl } from '../lib/database-url';
import { AuditWriter } from '../lib/audit-log/writer';
import { makeErrorFormatter } from '../lib/error-masking';
import { handleGraphQLRequest } from '../lib/graphql-http';
import { listenOn, sendCrash, sendJson } from '../lib/http';
import type { Logger } from '../lib/logger';
import { REQUEST_ID_HEADER, requestIdFrom } from '../lib/request-id';
import { requestIdPlugin } from '../lib/request-id-plugin';
import type { RunningServer } from '../lib/subgraph/server';
import { SUBGRAPHS, defaultSubgraphUrl, type SubgraphName } from '../lib/supergraph';
import type { GatewayContext } from './graphql/context';
import { reclassifyValidationError } from './graphql/argument-errors';
import { Authenticator, failureStatus, type JwtSettings } from './auth/authenticator';
import { auditPlugin } from './graphql/audit-plugin';
import { createRestHandler, type Execute } from './rest/router';
import { checkReadiness } from './http/readiness';
import { SubgraphDataSource } from './graphql/subgraph-data-source';

export interface GatewayOptions {
  /** The composed supergraph SDL (schema/supergraph.graphql). */
  supergraphSdl: string;
  /** Where each subgraph listens; defaults to the URLs in the supergraph. */
  subgraphUrls?: Partial<Record<SubgraphName, string>>;
  databaseUrl: string;
  /** Shared with the subgraphs to sign the caller header. */
  internalSecret: string;
  /** Bearer-token verification; null accepts API keys only. */
  jwt: JwtSettings | null;
  logger: Logger;
}

export interface Gateway {
  listen(port: number, host?: string): Promise<RunningServer>;
}

/** The federated gateway: POST /graphql, GET /healthz (process up), GET /readyz (dependencies up). */
export function buildGateway(options: GatewayOptions): Gateway {
  const logger = options.logger.child({ service: 'gateway' });
  const urls = Object.fromEntries(
    SUBGRAPHS.map(({ name }) => [name, options.subgraphUrls?.[name] ?? defaultSubgraphUrl(name)]),
  ) as Record<SubgraphName, string>;
  // Credential checks, readiness and the audit writer.
  const pool = new Pool(poolConfigFromUrl(options.databaseUrl, { max: 10, connectionTimeoutMillis: 2_000 }));
  pool.on('error', (err) => logger.warn('database pool error', { err: err.message }));

  const gateway = new ApolloGateway({
    supergraphSdl: options.supergraphSdl,
    buildService: ({ name }) => new SubgraphDataSource(name, urls[name as SubgraphName], options.internalSecret),
  });
  const authenticator = new Authenticator(pool, options.jwt, logger);
  const audit = new AuditWriter(pool, { logger });
  const httpServer = http.createServer();
  httpServer.keepAliveTimeout = 65_000;
  const formatError = makeErrorFormatter(logger);
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    formatError: (formatted, error) => formatError(reclassifyValidationError(formatted), error),
    includeStacktraceInErrorResponses: false,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      requestIdPlugin<GatewayContext>((context) => context.requestId),
      auditPlugin(audit, logger),
    ],
  });

  const execute: Execute = async (query, variables, caller) => {
    const response = await apollo.executeOperation({ query, variables }, { contextValue: { requestId: caller.requestId, caller } });
    if (response.body.kind !== 'single') throw new Error('incremental delivery is not used by the REST facade');
    return response.body.singleResult as Awaited<ReturnType<Execute>>;
  };
  const rest = createRestHandler({ authenticator, audit, execute, logger });

  httpServer.on('request', (req, res) => {
    const requestId = requestIdFrom(req.headers[REQUEST_ID_HEADER]);
    const headers = { [REQUEST_ID_HEADER]: requestId };
    const path = (req.url ?? '/').split('?')[0];
    const started = performance.now();
    // One access line per request, keyed by the request id that the response, errors and audit trail carry too.
    res.once('finish', () =>
      logger.info('request', { requestId, method: req.method, path, status: res.statusCode, ms: Math.round(performance.now() - started) }),
    );
    if (path === '/healthz') return sendJson(res, 200, { status: 'ok' }, headers);
    if (path === '/readyz') {
      checkReadiness(pool, urls).then((readiness) => sendJson(res, readiness.ready ? 200 : 503, readiness, headers));
      return;
    }
    if (path === '/v1' || path.startsWith('/v1/')) {
      rest(req, res, requestId, headers).catch((err) => {
        logger.error('REST request failed', { err, requestId });
        sendCrash(res, { error: { code: 'INTERNAL_SERVER_ERROR', message: 'Internal server error', request_id: requestId } }, headers);
      });
      return;
    }
    if (path !== '/graphql') {
      return sendJson(res, 404, { errors: [{ message: `no route for ${path}`, extensions: { code: 'NOT_FOUND', requestId } }] }, headers);
    }
    serveGraphQL(req, res, requestId, headers).catch((err) => {
      logger.error('request failed', { err, requestId });
      sendCrash(res, { errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR', requestId } }] }, headers);
    });
  });

  async function serveGraphQL(req: http.IncomingMessage, res: http.ServerResponse, requestId: string, headers: Record<string, string>) {
    const auth = await authenticator.authenticate(req.headers, requestId, 'GRAPHQL');
    if ('failure' in auth) {
      req.resume();
      const { status, code, headers: extra } = failureStatus(auth.failure);
      const error = { message: auth.failure.message, extensions: { code, reason: auth.failure.reason, requestId } };
      // A refused call is still a call: it is recorded, without a tenant, on the platform chain.
      if (status === 401) {
        await audit
          .record({
            tenantId: null, requestId, actor: 'anonymous', scope: null, surface: 'GRAPHQL', action: 'request',
            operationName: null, resourceType: null, resourceId: null, status: `401 ${auth.failure.reason}`,
            bodySha256: null, variablesSha256: null, latencyMs: null, createdAt: new Date(),
          })
          .catch((err) => logger.warn('could not record a refused call', { err, requestId }));
      }
      return sendJson(res, status, { errors: [error] }, { ...headers, ...extra });
    }
    await handleGraphQLRequest(apollo, req, res, async () => ({ requestId, caller: auth.caller }), headers);
  }

  return {
    async listen(port, host = '127.0.0.1') {
      await apollo.start();
      const bound = await listenOn(httpServer, port, host);
      const url = `http://${host}:${bound}/graphql`;
      logger.info('gateway listening', { url });
      return {
        url,
        port: bound,
        close: async () => {
          await apollo.stop();
          await audit.close();
          await pool.end();
        },
      };
    },
  };
}
