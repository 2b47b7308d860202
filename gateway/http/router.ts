import type { IncomingMessage, ServerResponse } from 'node:http';
import { context, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { ErrorCode } from '../../lib/errors';
import { sendCrash, sendJson } from '../../lib/http';
import type { Logger } from '../../lib/logger';
import { startServerSpan } from '../../lib/http-tracing';
import { CORRELATION_ID_HEADER, REQUEST_ID_HEADER, correlationIdFrom, newRequestId, withRequestId } from '../../lib/request-id';
import { linksFromClientTraceparent } from '../../lib/tracing';

/** What every handler gets: the request id the response, its errors, the logs and the audit trail all carry. */
export interface RequestScope {
  /** Made by the server for this call alone. */
  requestId: string;
  /** The client's own id for the call (X-Correlation-Id or X-Request-Id), recorded and echoed; never a key. */
  correlationId: string | null;
  /** Headers every response carries (X-Request-Id, and X-Correlation-Id when the client sent one). */
  headers: Record<string, string>;
  path: string;
}

export interface Route {
  /** `/graphql` matches that path only; `/v1/` matches `/v1` and everything under it. */
  path: string;
  handle(req: IncomingMessage, res: ServerResponse, scope: RequestScope): void | Promise<void>;
  /** The body of the 500 a handler that threw gets, in its surface's error shape. */
  crashBody?(requestId: string): unknown;
}

function graphQLCrash(requestId: string) {
  return { errors: [{ message: 'Internal server error', extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, requestId } }] };
}

function matches(route: Route, path: string): boolean {
  return route.path.endsWith('/') ? path === route.path.slice(0, -1) || path.startsWith(route.path) : path === route.path;
}

/**
 * The gateway's HTTP front: gives every request its own id, its own trace
 * (a server span, the root of what the call does below) and one access-log
 * line, hands it to the first route whose path matches, and turns a handler
 * that throws into a 500 in that route's error shape instead of a hung socket.
 */
export function createRouter(routes: readonly Route[], logger: Logger) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const requestId = newRequestId();
    const correlationId = correlationIdFrom(req.headers);
    const headers: Record<string, string> = { [REQUEST_ID_HEADER]: requestId, ...(correlationId && { [CORRELATION_ID_HEADER]: correlationId }) };
    const path = (req.url ?? '/').split('?')[0]!;
    const started = performance.now();
    const route = routes.find((r) => matches(r, path));
    // Every call is the root of a trace of its own, as it has a request id of
    // its own; a client's traceparent is linked, never the parent (lib/tracing.ts says why).
    // Probes are left out: a trace every few seconds per replica would only bury the real ones.
    const span = UNTRACED.has(path)
      ? undefined
      : startServerSpan('gateway', req, res, { path, route: route ? route.path : null, requestId, parent: ROOT_CONTEXT, links: linksFromClientTraceparent(req.headers.traceparent) });
    const scope = withRequestId(span ? trace.setSpan(ROOT_CONTEXT, span) : ROOT_CONTEXT, requestId);
    res.once('finish', () =>
      context.with(scope, () => logger.info('request', { requestId, correlationId, method: req.method, path, status: res.statusCode, ms: Math.round(performance.now() - started) })),
    );
    context.with(scope, () => {
      if (!route) {
        return sendJson(res, 404, { errors: [{ message: `no route for ${path}`, extensions: { code: ErrorCode.NOT_FOUND, requestId } }] }, headers);
      }
      const crash = (err: unknown) => {
        logger.error('request failed', { err, requestId, path });
        sendCrash(res, (route.crashBody ?? graphQLCrash)(requestId), headers);
      };
      try {
        Promise.resolve(route.handle(req, res, { requestId, correlationId, headers, path })).catch(crash);
      } catch (err) {
        crash(err);
      }
    });
  };
}

const UNTRACED = new Set(['/healthz', '/readyz']);
