import http from 'node:http';
import { parse } from 'graphql';
import { ApolloServer, type BaseContext } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { ErrorCode } from '../errors';
import { handleGraphQLRequest } from '../graphql-http';
import { makeErrorMasker } from '../error-masking';
import { listenOn, sendCrash, sendJson } from '../http';
import { REQUEST_ID_HEADER, requestIdFrom } from '../request-id';
import type { Caller } from '../caller';
import { attachCallFacts, callFactsPlugin } from '../call-facts';
import { INTERNAL_CALLER_HEADER, verifyCaller } from '../internal-token';
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

/** One subgraph over plain node:http: POST /graphql, GET /healthz (process up), GET /readyz (database up). */
export function createSubgraphServer<C extends BaseContext & { caller: Caller }>(deps: SubgraphDeps, def: SubgraphDefinition<C>): SubgraphServer {
  const httpServer = http.createServer();
  const logger = deps.logger.child({ subgraph: def.name });
  // Codegen's Resolvers type is stricter than Apollo's structural map; the
  // subgraphs type-check against the former, so the cast here loses nothing.
  const resolvers = guardRootFields(def.resolvers, def.permissions) as GraphQLResolverMap<unknown>;
  const schema = buildSubgraphSchema({ typeDefs: parse(readSubgraphSdl(def.name)), resolvers });
  assertEveryRootFieldGuarded(schema, def.permissions);
  const apollo = new ApolloServer<C>({
    schema,
    formatError: makeErrorMasker(logger),
    includeStacktraceInErrorResponses: false,
    hideSchemaDetailsFromClientErrors: true,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      // Federated traces feed Apollo's usage reporting, which we do not use: skip the per-field work.
      ApolloServerPluginInlineTraceDisabled(),
      requestIdPlugin<C>((context) => context.caller.requestId),
      callFactsPlugin<C>(),
    ],
  });

  httpServer.keepAliveTimeout = 65_000;
  httpServer.on('request', (req, res) => {
    const header = req.headers[INTERNAL_CALLER_HEADER];
    const caller = verifyCaller(typeof header === 'string' ? header : undefined, deps.internalSecret);
    const requestId = caller?.requestId ?? requestIdFrom(req.headers[REQUEST_ID_HEADER]);
    const path = (req.url ?? '/').split('?')[0];
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
    if (path !== '/graphql') return sendJson(res, 404, { errors: [{ message: 'not found', extensions: { code: ErrorCode.NOT_FOUND } }] }, headers);
    if (!caller) {
      // Only the gateway holds the secret: a direct or forged call gets nothing, not even the schema.
      const error = { message: 'subgraphs answer only the gateway: missing or invalid internal caller signature', extensions: { code: ErrorCode.UNAUTHENTICATED, requestId } };
      return sendJson(res, 401, { errors: [error] }, headers);
    }
    handleGraphQLRequest(apollo, req, res, async () => attachCallFacts(def.createContext(caller)), headers).catch((err) => {
      logger.error('request failed', { err, requestId });
      sendCrash(res, { errors: [{ message: 'Internal server error', extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, requestId } }] }, headers);
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
