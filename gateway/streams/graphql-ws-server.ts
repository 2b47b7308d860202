import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { GraphQLError, type ExecutionArgs, type GraphQLSchema } from 'graphql';
import { CloseCode, MessageType } from 'graphql-ws';
import { useServer, type Extra } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { callEvent } from '../../lib/audit-log/events';
import type { AuditWriter } from '../../lib/audit-log/writer';
import { ErrorCode } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import { correlationIdFrom, newRequestId } from '../../lib/request-id';
import type { Authenticator } from '../auth/authenticator';
import type { OperationGuard } from '../graphql/operation-limits';
import type { TrustedDocuments } from '../graphql/trusted-documents';
import { admitSubscription } from './subscription-admission';
import type { SubscriptionHub } from './subscription-hub';
import { StreamCloseCode, type StreamConnection, type StreamSessions, type SubscriptionTicket } from './stream-sessions';
import type { AdmittedSubscription } from './subscription-admission';

/** The largest message a client may send (a subscribe message carries a document and its variables); ws closes a larger one with 1009. */
export const MAX_MESSAGE_BYTES = 64 * 1024;
/** How long a socket may stay open without connection_init before graphql-ws closes it with 4408. */
export const CONNECTION_INIT_TIMEOUT_MS = 3_000;

const SERVER_MESSAGES: ReadonlySet<unknown> = new Set([MessageType.ConnectionAck, MessageType.Next, MessageType.Error]);

/** A message of a type only a server sends: from a client, a bad request like any other message the protocol does not allow. */
function sentByServersOnly(text: string): boolean {
  try {
    return SERVER_MESSAGES.has((JSON.parse(text) as { type?: unknown } | null)?.type);
  } catch {
    return false;
  }
}

interface StreamContext {
  admitted: AdmittedSubscription;
  ticket: SubscriptionTicket;
  /** The WebSocket's TCP socket, whose writes a fan-out coalesces. */
  raw: Duplex | undefined;
}

const corked = new WeakSet<Duplex>();

/**
 * ws writes every frame with its own writev: a fan-out of one event to the
 * 20 subscriptions of a socket was 20 system calls, and writev alone 10% of
 * the gateway's CPU at 1,000 subscribers. Corked from the first delivery of
 * an event until graphql-ws has sent them all (its sends run as microtasks,
 * before setImmediate), the socket writes them in one call.
 */
function coalesceWrites(raw: Duplex | undefined): void {
  if (!raw || corked.has(raw) || raw.destroyed) return;
  corked.add(raw);
  raw.cork();
  setImmediate(() => {
    corked.delete(raw);
    raw.uncork();
  });
}

/**
 * graphql-ws (`graphql-transport-ws`) on the gateway's /graphql by
 * WebSocket upgrade. Credentials come in connection_init's payload
 * (`apiKey`, or `authorization: "Bearer …"`) and are checked by the same
 * Authenticator as HTTP before connection_ack; a refused one closes the
 * socket with 4403 and is recorded like a refused HTTP call. Only
 * subscriptions are served here: queries and mutations go over HTTP, where
 * they are rate limited and recorded one by one.
 */
export function attachGraphqlWs(options: {
  httpServer: http.Server;
  path: string;
  schema: GraphQLSchema;
  authenticator: Authenticator;
  guard: OperationGuard;
  trusted: TrustedDocuments;
  hub: SubscriptionHub;
  sessions: StreamSessions;
  audit: AuditWriter;
  logger: Logger;
}): { close(): Promise<void> } {
  const { httpServer, schema, authenticator, guard, trusted, hub, sessions, audit, logger } = options;
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  const connections = new WeakMap<object, StreamConnection>();
  const rawSockets = new WeakMap<object, Duplex>();

  const onUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    if ((req.url ?? '').split('?')[0] !== options.path) return void socket.destroy();
    if (sessions.reserve() !== 'ok') {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nretry-after: 5\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    // Held for the life of the TCP socket: ws never calls back for a handshake it refuses (a 400), so a release on the WebSocket's close would never come.
    socket.once('close', () => sessions.release());
    wss.handleUpgrade(req, socket, head, (ws) => {
      rawSockets.set(ws, socket);
      // Heard before graphql-ws, which takes these for its own failure: 4500, with the error's text for a reason.
      ws.on('message', (data) => {
        if (sentByServersOnly(String(data))) ws.close(CloseCode.BadRequest, 'Invalid message received');
      });
      wss.emit('connection', ws, req);
    });
  };
  httpServer.on('upgrade', onUpgrade);

  const server = useServer<Record<string, unknown> | undefined, Extra & Record<PropertyKey, unknown>>(
    {
      schema,
      connectionInitWaitTimeout: CONNECTION_INIT_TIMEOUT_MS,
      onConnect: async (ctx) => {
        const params = ctx.connectionParams ?? {};
        const headers: Record<string, string> = {};
        if (typeof params.apiKey === 'string') headers['x-api-key'] = params.apiKey;
        if (typeof params.authorization === 'string') headers.authorization = params.authorization;
        const requestId = newRequestId();
        const correlationId = correlationIdFrom(ctx.extra.request.headers);
        const auth = await authenticator.authenticate(headers, requestId, 'WEBSOCKET');
        if ('failure' in auth) {
          // A store that cannot be read is not a refusal: 4500 tells the client to retry.
          if (auth.failure.reason === 'unavailable') throw new Error(auth.failure.message);
          const refusal = callEvent({ requestId, correlationId, caller: null, surface: 'WEBSOCKET', scope: null, operationName: null, status: `4403 ${auth.failure.reason}`, bodySha256: null, variablesSha256: null, latencyMs: null });
          await audit.record(refusal).catch((err) => logger.warn('could not record a refused stream connection', { err, requestId }));
          return false;
        }
        const socket = ctx.extra.socket;
        // Gone while its credential was checked: its onClose has already run, and would never detach it.
        if (socket.readyState !== socket.OPEN) return false;
        const connection = sessions.attach(
          { caller: auth.caller, surface: 'WEBSOCKET', correlationId, expiresAt: auth.expiresAt },
          (code, reason) => socket.close(code, reason),
        );
        if (connection instanceof GraphQLError) {
          socket.close(StreamCloseCode.TRY_AGAIN_LATER, connection.message.slice(0, 120));
          return false;
        }
        connections.set(ctx, connection);
        return true;
      },
      onClose: (ctx) => {
        const connection = connections.get(ctx);
        if (connection) sessions.detach(connection);
      },
      onSubscribe: async (ctx, _id, payload) => {
        const connection = connections.get(ctx);
        if (!connection) return [new GraphQLError('not authenticated', { extensions: { code: ErrorCode.UNAUTHENTICATED } })];
        const admitted = admitSubscription(schema, guard, trusted, connection, payload);
        if (Array.isArray(admitted)) return admitted;
        const ticket = await sessions.start(connection, admitted.record);
        if (ticket instanceof GraphQLError) return [ticket];
        const args: ExecutionArgs = {
          schema,
          document: admitted.document,
          operationName: admitted.operationName,
          variableValues: admitted.variables,
          contextValue: { admitted, ticket, raw: rawSockets.get(ctx.extra.socket) } satisfies StreamContext,
        };
        return args;
      },
      subscribe: (args) => {
        const { admitted, ticket, raw } = args.contextValue as StreamContext;
        const hooks = sessions.hooks(ticket);
        return hub.subscribe(admitted.request, {
          ...hooks,
          delivered: (event) => {
            hooks.delivered(event);
            coalesceWrites(raw);
          },
        });
      },
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
      await server.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
