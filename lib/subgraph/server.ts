import http from 'node:http';
import { context, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { parse } from 'graphql';
import { ApolloServer, type BaseContext } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { ErrorCode } from '../errors';
import { handleGraphQLRequest } from '../graphql-http';
import { makeErrorMasker } from '../error-masking';
import { listenOn, sendCrash, sendJson } from '../http';
import { subgraphRequests, subgraphRequestSeconds } from '../metrics';
import { annotateActiveSpan, ATTR_SURFACE, ATTR_TENANT_ID, startServerSpan } from '../http-tracing';
import { REQUEST_ID_HEADER, requestIdFrom, withRequestId } from '../request-id';
import { contextFromSignedTraceparent } from '../tracing';
import { tracingPlugin } from '../tracing-plugin';
import type { Caller } from '../caller';
import { attachCallFacts, callFactsPlugin } from '../call-facts';
import { INTERNAL_CALLER_HEADER, type Refusal } from '../internal-token';
import { assertEveryRootFieldGuarded, guardRootFields, type RootPermissions } from './permissions';
import { requestIdPlugin } from '../request-id-plugin';
import { readSubgraphSdl, type SubgraphName } from '../supergraph';
import type { SubgraphDeps } from './deps';

export interface SubgraphDefinition<C extends BaseContext & { caller: Caller }> {
  /** Its name in the supergraph; the SDL is schema/<name>.graphql. */
  name: SubgraphName;
  /** The subgraph's codegen-typed resolvers. */
  resolvers: object;
  /** The scope every root field needs (the subgraph's permissions.ts). */
  permissions: RootPermissions;
  /** Builds the per-request context (fresh loaders bound to the caller). */
  createContext(caller: Caller): C;
}

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export interface SubgraphServer {
  /** Starts listening; port 0 picks a free port (tests). */
  listen(port: number, host?: string): Promise<RunningServer>;
}

/** On the span of a call a subgraph refused: why its caller token was refused. */
const ATTR_TOKEN_REFUSAL = 'micro_ai.caller_token.refusal';

/** One subgraph over plain node:http: POST /graphql, GET /healthz (process up), GET /readyz (database up). */
export function createSubgraphServer<C extends BaseContext & { caller: Caller }>(deps: SubgraphDeps, def: SubgraphDefinition<C>): SubgraphServer {
  if (deps.callerVerifier.audience !== def.name) {
    // Fail closed at start-up: a verifier for another audience would accept that subgraph's tokens here.
    throw new Error(`the ${def.name} subgraph was given a caller verifier for ${deps.callerVerifier.audience}`);
  }
  const httpServer = http.createServer();
  const logger = deps.logger.child({ subgraph: def.name });
  // Codegen's Resolvers type is stricter than Apollo's structural map; the
  // subgraphs type-check against the former, so the cast here loses nothing.
  const resolvers = guardRootFields(def.resolvers, def.permissions) as GraphQLResolverMap<unknown>;
  const schema = buildSubgraphSchema({ typeDefs: parse(readSubgraphSdl(def.name)), resolvers });
  assertEveryRootFieldGuarded(schema, def.permissions);
  const apollo = new ApolloServer<C>({
    schema,
    // The process stops on signals itself (lib/shutdown.ts), in order; Apollo's own handler would stop the server first and re-raise the signal, which then reads as a second one.
    stopOnTerminationSignals: false,
    formatError: makeErrorMasker(logger),
    includeStacktraceInErrorResponses: false,
    hideSchemaDetailsFromClientErrors: true,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      // Federated traces feed Apollo's usage reporting, which we do not use: skip the per-field work.
      ApolloServerPluginInlineTraceDisabled(),
      // No field carries a cache hint; the plugin's per-field hook was 10% of a 1,900-row report's CPU.
      ApolloServerPluginCacheControlDisabled(),
      requestIdPlugin<C>((context) => context.caller.requestId),
      tracingPlugin<C>(),
      callFactsPlugin<C>(),
    ],
  });

  httpServer.keepAliveTimeout = 65_000;
  httpServer.on('request', (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    // Only /graphql spends a token: a probe of /healthz must not use up the id of one in flight.
    const header = req.headers[INTERNAL_CALLER_HEADER];
    const verdict = path === '/graphql' ? deps.callerVerifier.verify(typeof header === 'string' ? header : undefined) : null;
    const requestId = verdict?.ok ? verdict.caller.requestId : requestIdFrom(req.headers[REQUEST_ID_HEADER]);
    const headers = { [REQUEST_ID_HEADER]: requestId };
    if (path === '/healthz') return sendJson(res, 200, { status: 'ok', subgraph: def.name }, headers);
    if (path === '/readyz') {
      // Ready when its database answers.
      deps.db.prisma.$queryRaw`SELECT 1`.then(
        () => sendJson(res, 200, { ready: true, subgraph: def.name }, headers),
        () => sendJson(res, 503, { ready: false, subgraph: def.name, database: 'unreachable' }, headers),
      );
      return;
    }
    // The parent span comes from the verified token alone; a traceparent header is never read (lib/tracing.ts says why).
    const parent = verdict?.ok ? contextFromSignedTraceparent(verdict.traceparent) : ROOT_CONTEXT;
    const span = startServerSpan(def.name, req, res, { path, route: path === '/graphql' ? path : null, requestId, parent });
    const scope = withRequestId(trace.setSpan(parent, span), requestId);
    const started = performance.now();
    if (path === '/graphql') {
      const timer = subgraphRequestSeconds.startTimer({ subgraph: def.name });
      res.once('finish', () => {
        timer();
        subgraphRequests.inc({ subgraph: def.name, status: String(res.statusCode) });
      });
    }
    res.once('finish', () => context.with(scope, () => logger.debug('request', { requestId, path, status: res.statusCode, ms: Math.round(performance.now() - started) })));
    context.with(scope, () => {
      if (path !== '/graphql') return sendJson(res, 404, { errors: [{ message: 'not found', extensions: { code: ErrorCode.NOT_FOUND } }] }, headers);
      if (!verdict?.ok) {
        const reason = verdict?.reason ?? 'missing';
        span.setAttribute(ATTR_TOKEN_REFUSAL, reason);
        logger.warn('caller token refused', { reason, requestId });
        return refuseCaller(res, reason, requestId, headers);
      }
      const { caller } = verdict;
      annotateActiveSpan({ [ATTR_SURFACE]: caller.surface, ...(caller.tenantId && { [ATTR_TENANT_ID]: caller.tenantId }) });
      handleGraphQLRequest(apollo, req, res, async () => attachCallFacts(def.createContext(caller)), headers).catch((err) => {
        logger.error('request failed', { err, requestId });
        sendCrash(res, { errors: [{ message: 'Internal server error', extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, requestId } }] }, headers);
      });
    });
  });

  return {
    async listen(port, host = '127.0.0.1') {
      await apollo.start();
      const bound = await listenOn(httpServer, port, host);
      const url = `http://${host}:${bound}/graphql`;
      logger.info('subgraph listening', { url });
      return { url, port: bound, close: () => apollo.stop() };
    },
  };
}

/**
 * Only the gateway holds the signing key: a direct, forged, misdirected or
 * replayed call gets nothing, not even the schema. A full replay guard is the
 * subgraph's own overload, not the caller's fault: 503, so the gateway
 * reports the service unavailable and the client retries.
 */
function refuseCaller(res: http.ServerResponse, reason: Refusal, requestId: string, headers: Record<string, string>): void {
  if (reason === 'replay_guard_full') {
    const error = { message: 'too many calls in flight to check them for replays; retry shortly', extensions: { code: ErrorCode.SUBGRAPH_UNAVAILABLE, requestId } };
    return sendJson(res, 503, { errors: [error] }, { ...headers, 'retry-after': '1' });
  }
  const error = { message: 'subgraphs answer only the gateway: missing or invalid internal caller token', extensions: { code: ErrorCode.UNAUTHENTICATED, reason, requestId } };
  sendJson(res, 401, { errors: [error] }, headers);
}
