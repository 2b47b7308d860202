import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { GraphQLError, Kind, parse, validate, type DocumentNode, type ExecutionArgs, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Caller } from '../../lib/caller';
import { ErrorCode } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import { newRequestId } from '../../lib/request-id';
import type { Authenticator } from '../auth/authenticator';
import type { OperationGuard } from '../graphql/operation-limits';
import { streamRequest, type StreamRequest, type SubscriptionHub } from './subscription-hub';

/** The largest message a client may send (a subscribe message carries a document and its variables). */
export const MAX_MESSAGE_BYTES = 64 * 1024;
/** How long a socket may stay open without connection_init before it is closed with 4408. */
export const CONNECTION_INIT_TIMEOUT_MS = 3_000;

interface StreamContext {
  request: StreamRequest;
}

/** graphql-ws errors carry the same stable codes as HTTP answers. */
function refusal(error: unknown): GraphQLError[] {
  if (error instanceof GraphQLError) return [error];
  const coded = error as { message?: string; extensions?: Record<string, unknown> };
  return [new GraphQLError(coded.message ?? 'the subscription was refused', { extensions: coded.extensions ?? { code: ErrorCode.BAD_USER_INPUT } })];
}

/**
 * graphql-ws (`graphql-transport-ws`) on the gateway's /graphql by
 * WebSocket upgrade. Credentials come in connection_init's payload
 * (`apiKey`, or `authorization: "Bearer …"`) and are checked by the same
 * Authenticator as HTTP before connection_ack; a refused one closes the
 * socket with 4403. Only subscriptions are served here: queries and
 * mutations go over HTTP, where they are audited and rate limited.
 */
export function attachGraphqlWs(options: {
  httpServer: http.Server;
  path: string;
  schema: GraphQLSchema;
  authenticator: Authenticator;
  guard: OperationGuard;
  hub: SubscriptionHub;
  logger: Logger;
}): { close(): Promise<void> } {
  const { httpServer, schema, authenticator, guard, hub, logger } = options;
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  const callers = new WeakMap<object, Caller>();

  const onUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    if ((req.url ?? '').split('?')[0] !== options.path) {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  };
  httpServer.on('upgrade', onUpgrade);

  const server = useServer<Record<string, unknown> | undefined>(
    {
      schema,
      connectionInitWaitTimeout: CONNECTION_INIT_TIMEOUT_MS,
      onConnect: async (ctx) => {
        const params = ctx.connectionParams ?? {};
        const headers: Record<string, string> = {};
        if (typeof params.apiKey === 'string') headers['x-api-key'] = params.apiKey;
        if (typeof params.authorization === 'string') headers.authorization = params.authorization;
        const auth = await authenticator.authenticate(headers, newRequestId(), 'WEBSOCKET');
        if ('failure' in auth) {
          // A store that cannot be read is not a refusal: 4500 tells the client to retry.
          if (auth.failure.reason === 'unavailable') throw new Error(auth.failure.message);
          return false;
        }
        callers.set(ctx, auth.caller);
        return true;
      },
      onSubscribe: (ctx, _id, payload) => {
        const caller = callers.get(ctx);
        if (!caller) return [new GraphQLError('not authenticated', { extensions: { code: ErrorCode.UNAUTHENTICATED } })];
        const variables = (payload.variables ?? {}) as Record<string, unknown>;
        const verdict = guard.check(payload.query, payload.operationName, variables);
        if (!verdict.ok) return [new GraphQLError(verdict.error.message, { extensions: verdict.error.extensions })];
        let document: DocumentNode;
        try {
          document = parse(payload.query, { maxTokens: guard.limits.maxTokens });
        } catch (error) {
          return [new GraphQLError((error as Error).message, { extensions: { code: ErrorCode.GRAPHQL_PARSE_FAILED } })];
        }
        const invalid = validate(schema, document);
        if (invalid.length) return invalid.map((e) => new GraphQLError(e.message, { extensions: { code: ErrorCode.GRAPHQL_VALIDATION_FAILED } }));
        const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
        const operation = payload.operationName ? operations.find((o) => o.name?.value === payload.operationName) : operations.length === 1 ? operations[0] : undefined;
        if (!operation) return [new GraphQLError('name the operation to run (operationName)', { extensions: { code: ErrorCode.BAD_USER_INPUT } })];
        if (operation.operation !== 'subscription') {
          return [new GraphQLError('only subscriptions are served over WebSocket; send queries and mutations over HTTP', { extensions: { code: ErrorCode.BAD_USER_INPUT } })];
        }
        try {
          const request = streamRequest(schema, document, operation, variables, { ...caller, requestId: newRequestId() });
          const args: ExecutionArgs = { schema, document, operationName: payload.operationName, variableValues: variables, contextValue: { request } satisfies StreamContext };
          return args;
        } catch (error) {
          return refusal(error);
        }
      },
      subscribe: (args) => hub.subscribe((args.contextValue as StreamContext).request),
      execute: () => {
        throw new Error('only subscriptions are served over WebSocket');
      },
    },
    wss,
  );
  wss.on('error', (err) => logger.warn('websocket server error', { err: err.message }));

  return {
    async close() {
      httpServer.off('upgrade', onUpgrade);
      for (const client of wss.clients) client.close(1001, 'the gateway is shutting down');
      await server.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
