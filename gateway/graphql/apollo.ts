import type http from 'node:http';
import { Supergraph } from '@apollo/federation-internals';
import { ApolloGateway } from '@apollo/gateway';
import type { GraphQLSchema } from 'graphql';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import type { AuditWriter } from '../../lib/audit-log/writer';
import type { CallerSigner } from '../../lib/internal-token';
import { makeErrorMasker } from '../../lib/error-masking';
import type { AnswerBounds } from '../../lib/limits';
import type { Logger } from '../../lib/logger';
import { requestIdPlugin } from '../../lib/request-id-plugin';
import { tracingPlugin } from '../../lib/tracing-plugin';
import type { SubgraphName } from '../../lib/supergraph';
import type { Execute } from '../rest/router';
import { reclassifyValidationError } from './argument-errors';
import { auditPlugin } from './audit-plugin';
import type { GatewayContext } from './context';
import { SubgraphDataSource } from './subgraph-data-source';
import { SubgraphFetcher } from './subgraph-fetcher';

export interface FederatedGraphOptions {
  /** The composed supergraph SDL (schema/supergraph.graphql). */
  supergraphSdl: string;
  /** Where each subgraph listens. */
  urls: Record<SubgraphName, string>;
  /** Signs the caller token each subgraph checks, one per fetch, for that subgraph only. */
  callerSigner: CallerSigner;
  audit: AuditWriter;
  bounds: AnswerBounds;
  /** Drained on stop, so in-flight operations finish. */
  httpServer: http.Server;
  logger: Logger;
}

/** Apollo Server over @apollo/gateway: plans each operation across the subgraphs, audits it, masks its errors. */
export function createFederatedGraph(options: FederatedGraphOptions): ApolloServer<GatewayContext> {
  const { urls, callerSigner, logger } = options;
  const names = new Map(Object.entries(urls).map(([name, url]) => [url, name]));
  const fetcher = new SubgraphFetcher({ timeoutMs: options.bounds.operationTimeoutMs, maxResponseBytes: options.bounds.maxResponseBytes, subgraphOf: (url) => names.get(url) ?? 'unknown' });
  // @apollo/gateway otherwise exports usage metrics to Apollo's servers every
  // hour, after probing the AWS, GCP, Azure and Alibaba metadata endpoints to
  // describe the host: a gateway of financial decisions makes no outbound call
  // nobody asked for. An operator who wants it sets APOLLO_TELEMETRY_DISABLED=false.
  process.env.APOLLO_TELEMETRY_DISABLED ??= 'true';
  const gateway = new ApolloGateway({
    supergraphSdl: options.supergraphSdl,
    buildService: ({ name }) => new SubgraphDataSource(name, urls[name as SubgraphName], callerSigner, options.bounds, fetcher),
    // @apollo/gateway makes spans of its own (gateway.request, plan, execute,
    // fetch) on the global tracer, ours: they may carry the operation's name
    // and type, never its document (a literal argument is the caller's data),
    // nor its errors' messages.
    telemetry: { includeDocument: false, recordExceptions: false },
  });
  const maskErrors = makeErrorMasker(logger);
  return new ApolloServer<GatewayContext>({
    gateway,
    // The process stops on signals itself (lib/shutdown.ts), in order; Apollo's own handler would stop the server first and re-raise the signal, which then reads as a second one.
    stopOnTerminationSignals: false,
    formatError: (formatted, error) => maskErrors(reclassifyValidationError(formatted), error),
    includeStacktraceInErrorResponses: false,
    // Analysts explore the graph through introspection whatever NODE_ENV says;
    // the route lets only authenticated callers with the read scope reach it.
    introspection: true,
    // "Did you mean …" would list schema names to whoever probes with typos.
    hideSchemaDetailsFromClientErrors: true,
    // Documents by hash are the route's (trusted-documents.ts): it looks them up, holds them to the
    // operation limits with each call's variables and to the safelist. Apollo's own store would run
    // a registered document unmeasured, so a persistedQuery reaching Apollo is refused.
    persistedQueries: false,
    plugins: [
      // 5 s for requests in flight to finish, inside the 10 s a stopping process has (lib/shutdown.ts); an operation's own deadline is longer, so a slow one is cut.
      ApolloServerPluginDrainHttpServer({ httpServer: options.httpServer, stopGracePeriodMillis: 5_000 }),
      // GET /graphql from a browser is sent to GraphiQL by the route; Apollo's own page would load from a CDN.
      ApolloServerPluginLandingPageDisabled(),
      // Answers carry no HTTP cache policy (every one is per caller); the plugin's per-field hook costs on large answers.
      ApolloServerPluginCacheControlDisabled(),
      requestIdPlugin<GatewayContext>((context) => context.requestId),
      tracingPlugin<GatewayContext>(),
      auditPlugin(options.audit, logger),
      { serverWillStart: async () => ({ serverWillStop: () => fetcher.close() }) },
    ],
  });
}

/** Runs an operation of the graph in-process for an already verified caller (the REST facade's path into the graph). */
export function inProcessExecutor(apollo: ApolloServer<GatewayContext>): Execute {
  return async (query, variables, caller, call) => {
    const contextValue = { requestId: caller.requestId, correlationId: call.correlationId, caller, facts: call.facts };
    const response = await apollo.executeOperation({ query, variables }, { contextValue });
    if (response.body.kind !== 'single') throw new Error('incremental delivery is not used by the REST facade');
    return response.body.singleResult as Awaited<ReturnType<Execute>>;
  };
}

/** The schema clients see (the supergraph without federation's plumbing): what the operation limits measure against. */
export function apiSchemaOf(supergraphSdl: string): GraphQLSchema {
  return Supergraph.build(supergraphSdl).apiSchema().toGraphQLJSSchema();
}
