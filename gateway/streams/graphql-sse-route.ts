import type { IncomingMessage, ServerResponse } from 'node:http';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import { createHandler, type OperationArgs, type Response as SseResponse } from 'graphql-sse';
import { callEvent } from '../../lib/audit-log/events';
import type { AuditWriter } from '../../lib/audit-log/writer';
import { ErrorCode, HTTP_STATUS } from '../../lib/errors';
import { BodyTooLargeError, readBody, sendJson } from '../../lib/http';
import type { Logger } from '../../lib/logger';
import { failureStatus, type Authenticator } from '../auth/authenticator';
import type { OperationGuard } from '../graphql/operation-limits';
import type { TrustedDocuments } from '../graphql/trusted-documents';
import type { RequestScope, Route } from '../http/router';
import { admitSubscription, type AdmittedSubscription } from './subscription-admission';
import type { SubscriptionHub } from './subscription-hub';
import { StreamCloseCode, type StreamConnection, type StreamSessions, type SubscriptionTicket } from './stream-sessions';
import { MAX_MESSAGE_BYTES } from './graphql-ws-server';

/** Where graphql-sse listens, beside /graphql (WebSocket) for clients behind proxies that drop WebSockets. */
export const SSE_PATH = '/graphql/stream';

interface RequestContext {
  connection: StreamConnection;
  body: string;
  requestId: string;
}

type SseContext = {
  admitted: AdmittedSubscription;
  ticket: SubscriptionTicket;
};

/** The extensions.code of the last event of a stream the gateway ends itself, by the close code a WebSocket would get. */
const CLOSE_ERROR_CODES: Record<StreamCloseCode, ErrorCode> = {
  [StreamCloseCode.GOING_AWAY]: ErrorCode.SHUTTING_DOWN,
  [StreamCloseCode.TRY_AGAIN_LATER]: ErrorCode.RATE_LIMITED,
  [StreamCloseCode.SLOW_CONSUMER]: ErrorCode.SLOW_CONSUMER,
  [StreamCloseCode.CREDENTIAL_EXPIRED]: ErrorCode.UNAUTHENTICATED,
  [StreamCloseCode.CREDENTIAL_REVOKED]: ErrorCode.UNAUTHENTICATED,
};

function jsonError(status: number, code: ErrorCode, message: string, requestId: string, extra: Record<string, unknown> = {}): SseResponse {
  return [JSON.stringify({ errors: [{ message, extensions: { code, requestId, ...extra } }] }), { status, statusText: '', headers: { 'content-type': 'application/json; charset=utf-8' } }];
}

/**
 * GraphQL subscriptions over Server-Sent Events (graphql-sse, distinct
 * connections mode: one HTTP request per subscription) at /graphql/stream,
 * with the same credentials headers as HTTP (X-API-Key or Authorization:
 * Bearer), the same operation limits, audit events and stream limits as
 * WebSocket. Refusals are JSON answers with HTTP statuses; once the stream
 * is open, an end the gateway decides (revoked key, expired credential,
 * slow reader, shutdown) is a last `next` event whose error carries the
 * code and `closeCode` a WebSocket would have been closed with.
 */
export function graphqlSseRoute(options: {
  schema: GraphQLSchema;
  authenticator: Authenticator;
  guard: OperationGuard;
  trusted: TrustedDocuments;
  hub: SubscriptionHub;
  sessions: StreamSessions;
  audit: AuditWriter;
  logger: Logger;
}): Route {
  const { schema, authenticator, guard, trusted, hub, sessions, audit, logger } = options;

  const handler = createHandler<IncomingMessage, RequestContext, SseContext>({
    schema,
    // Distinct connections only: the single-connection mode's reservations would hold streams nobody has authenticated.
    authenticate: () => null,
    onSubscribe: async (req, params): Promise<SseResponse | OperationArgs<SseContext>> => {
      const { connection, requestId } = req.context;
      const admitted = admitSubscription(schema, guard, trusted, connection, params, requestId);
      if (Array.isArray(admitted)) {
        const first = admitted[0]!;
        const code = String(first.extensions.code ?? ErrorCode.BAD_USER_INPUT) as ErrorCode;
        // Never a 2xx here (PERSISTED_QUERY_NOT_FOUND is 200 on /graphql): an SSE client reads a 2xx as its stream opening.
        const status = Math.max(HTTP_STATUS[code] ?? 400, 400);
        return jsonError(status, code, first.message, requestId, first.extensions);
      }
      const ticket = await sessions.start(connection, admitted.record);
      if (ticket instanceof GraphQLError) {
        const code = ticket.extensions.code as ErrorCode;
        return jsonError(HTTP_STATUS[code], code, ticket.message, requestId, ticket.extensions);
      }
      const args: OperationArgs<SseContext> = {
        schema,
        document: admitted.document,
        operationName: admitted.operationName,
        variableValues: admitted.variables,
        contextValue: { admitted, ticket },
      };
      return args;
    },
    subscribe: (args) => hub.subscribe(args.contextValue.admitted.request, sessions.hooks(args.contextValue.ticket)),
    execute: () => {
      throw new Error('only subscriptions are served on the stream endpoint');
    },
  });

  async function refuseCredentials(res: ServerResponse, scope: RequestScope, reason: string, status: number, code: ErrorCode, message: string, headers: Record<string, string>) {
    await audit
      .record(callEvent({ requestId: scope.requestId, correlationId: scope.correlationId, caller: null, surface: 'SSE', scope: null, operationName: null, status: `${status} ${reason}`, bodySha256: null, variablesSha256: null, latencyMs: null }))
      .catch((err) => logger.warn('could not record a refused stream request', { err, requestId: scope.requestId }));
    sendJson(res, status, { errors: [{ message, extensions: { code, reason, requestId: scope.requestId } }] }, { ...scope.headers, ...headers });
  }

  async function serve(req: IncomingMessage, res: ServerResponse, scope: RequestScope): Promise<void> {
    const refuse = (status: number, code: ErrorCode, message: string, headers: Record<string, string> = {}) =>
      sendJson(res, status, { errors: [{ message, extensions: { code, requestId: scope.requestId } }] }, { ...scope.headers, ...headers });
    if (req.method !== 'GET' && req.method !== 'POST') {
      req.resume();
      return refuse(405, ErrorCode.METHOD_NOT_ALLOWED, 'subscribe with GET or POST', { allow: 'GET, POST' });
    }
    if (req.headers.accept !== 'text/event-stream') {
      req.resume();
      return refuse(406, ErrorCode.NOT_ACCEPTABLE, 'the stream endpoint answers Accept: text/event-stream only (graphql-sse, distinct connections)');
    }
    const auth = await authenticator.authenticate(req.headers, scope.requestId, 'SSE');
    if ('failure' in auth) {
      req.resume();
      const { status, code, headers } = failureStatus(auth.failure);
      return refuseCredentials(res, scope, auth.failure.reason, status, code, auth.failure.message, headers);
    }
    let body = '';
    if (req.method === 'POST') {
      try {
        body = (await readBody(req, MAX_MESSAGE_BYTES)).toString('utf8');
      } catch (err) {
        if (!(err instanceof BodyTooLargeError)) throw err;
        return refuse(413, ErrorCode.PAYLOAD_TOO_LARGE, `a subscribe request is at most ${MAX_MESSAGE_BYTES} bytes`, { connection: 'close' });
      }
    }
    let ended = false;
    const endStream = (code: StreamCloseCode, reason: string) => {
      if (ended) return;
      ended = true;
      // A client that does not read would never take a last event: it is cut off.
      if (code === StreamCloseCode.SLOW_CONSUMER || !res.writable) return void res.destroy();
      const error = { message: `the stream was closed: ${reason}`, extensions: { code: CLOSE_ERROR_CODES[code], reason, closeCode: code } };
      res.end(`event: next\ndata: ${JSON.stringify({ errors: [error] })}\n\nevent: complete\ndata: \n\n`);
    };
    const connection = sessions.attach({ caller: auth.caller, surface: 'SSE', correlationId: scope.correlationId, expiresAt: auth.expiresAt }, endStream);
    if (connection instanceof GraphQLError) return refuse(429, ErrorCode.RATE_LIMITED, connection.message, { 'retry-after': '5' });
    try {
      const [stream, init] = await handler({
        method: req.method,
        url: req.url ?? SSE_PATH,
        headers: { get: (key) => (Array.isArray(req.headers[key]) ? (req.headers[key] as string[]).join('\n') : (req.headers[key] as string | undefined)) },
        body: () => Promise.resolve(body),
        raw: req,
        context: { connection, body, requestId: scope.requestId },
      });
      if (init.status >= 400 && (stream === null || typeof stream === 'string')) {
        const first = stream ? (JSON.parse(stream) as { errors?: Array<{ message?: string; extensions?: { code?: unknown } }> }).errors?.[0] : undefined;
        // graphql-sse's own refusals (a body that is not a JSON object, no query, a URL it cannot read, a body not JSON at all) carry no code.
        if (!first?.extensions?.code) {
          const code = init.status === 415 ? ErrorCode.UNSUPPORTED_MEDIA_TYPE : ErrorCode.BAD_REQUEST;
          return refuse(init.status, code, first?.message ?? 'send the subscription as Content-Type: application/json, or as a GET');
        }
      }
      res.writeHead(init.status, { ...init.headers, ...scope.headers });
      if (!stream || typeof stream === 'string') return void res.end(stream ?? undefined);
      res.once('close', () => void stream.return(undefined));
      for await (const chunk of stream) {
        if (ended || !res.writable) break;
        // Waits for the client to take each event: a reader that stops makes the hub's queue fill, and the hub then ends the stream.
        if (!res.write(chunk)) await drainedOrClosed(res);
      }
      if (!ended) res.end();
    } finally {
      sessions.detach(connection);
    }
  }

  return {
    path: SSE_PATH,
    handle: (req, res, scope) => {
      const reserved = sessions.reserve();
      if (reserved !== 'ok') {
        req.resume();
        const [message, code] = reserved === 'stopping'
          ? ['this gateway is shutting down; resume from your last cursor on another', ErrorCode.SHUTTING_DOWN]
          : ['this gateway holds as many stream connections as it may; retry shortly', ErrorCode.RATE_LIMITED];
        return sendJson(res, 503, { errors: [{ message, extensions: { code, requestId: scope.requestId } }] }, { ...scope.headers, 'retry-after': '5' });
      }
      return serve(req, res, scope).finally(() => sessions.release());
    },
  };
}

function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}
