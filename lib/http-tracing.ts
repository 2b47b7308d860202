import type { IncomingMessage, ServerResponse } from 'node:http';
import { SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Link, type Span } from '@opentelemetry/api';
import { ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_HTTP_ROUTE, ATTR_URL_PATH } from '@opentelemetry/semantic-conventions';
import { tracer } from './tracing';

/** Our own attributes, beside the semantic conventions' (which have no name for these). */
export const ATTR_REQUEST_ID = 'micro_ai.request_id';
export const ATTR_SURFACE = 'micro_ai.surface';
export const ATTR_TENANT_ID = 'micro_ai.tenant_id';

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']);

/**
 * The server span of one HTTP request, ended when the response closes. Its
 * attributes are the method, the path and the route, the status, and the
 * request id: never headers, the query string or the body, where
 * credentials and variables travel.
 */
export function startServerSpan(
  service: string,
  req: IncomingMessage,
  res: ServerResponse,
  request: { path: string; route: string | null; requestId: string; parent: Context; links?: Link[] },
): Span {
  // A method a client made up is `_OTHER`, as the conventions ask: span names and attributes stay a short, known list.
  const method = req.method && KNOWN_METHODS.has(req.method) ? req.method : '_OTHER';
  const attributes: Attributes = { [ATTR_HTTP_REQUEST_METHOD]: method, [ATTR_URL_PATH]: request.path, [ATTR_REQUEST_ID]: request.requestId };
  if (request.route) attributes[ATTR_HTTP_ROUTE] = request.route;
  const span = tracer(service).startSpan(request.route ? `${method} ${request.route}` : method, { kind: SpanKind.SERVER, attributes, links: request.links }, request.parent);
  res.once('close', () => {
    span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, res.statusCode);
    // A server span is in error for a 5xx alone: a 4xx is the client's, and answered as meant.
    if (!res.writableFinished) span.setStatus({ code: SpanStatusCode.ERROR, message: 'connection closed before the response was sent' });
    else if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });
  return span;
}

/** Names the route of the request being served, once a router below the top one knows it (REST templates). */
export function setActiveRoute(method: string, route: string): void {
  const span = trace.getActiveSpan();
  if (!span?.isRecording()) return;
  span.updateName(`${KNOWN_METHODS.has(method) ? method : '_OTHER'} ${route}`);
  span.setAttribute(ATTR_HTTP_ROUTE, route);
}

/** Adds attributes to the active span when it is recorded (and does no work when it is not). */
export function annotateActiveSpan(attributes: Attributes): void {
  const span = trace.getActiveSpan();
  if (span?.isRecording()) span.setAttributes(attributes);
}
