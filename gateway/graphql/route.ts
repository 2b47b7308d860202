import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApolloServer, HTTPGraphQLResponse } from '@apollo/server';
import { variablesHash } from '../../lib/audit-log/events';
import type { AuditWriter } from '../../lib/audit-log/writer';
import { CallFactsCollector } from '../../lib/call-facts';
import type { Caller } from '../../lib/caller';
import { AUDIT_UNAVAILABLE_MESSAGE, ErrorCode, HTTP_STATUS } from '../../lib/errors';
import { readGraphQLRequest, runGraphQLRequest, writeGraphQLResponse, type GraphQLHttpRequest } from '../../lib/graphql-http';
import { sha256Hex } from '../../lib/hash';
import { sendJson } from '../../lib/http';
import { annotateActiveSpan, ATTR_SURFACE, ATTR_TENANT_ID } from '../../lib/http-tracing';
import type { AnswerBounds } from '../../lib/limits';
import type { Logger } from '../../lib/logger';
import { failureStatus, type Authenticator } from '../auth/authenticator';
import { GRAPHIQL_PATH, wantsHtml } from '../http/pages';
import type { RequestScope, Route } from '../http/router';
import { recordCall } from '../audit/record-call';
import { operationWeight, rateLimitedMessage, rateLimitHeaders, type TenantRateLimiter } from '../protection/rate-limiter';
import type { GatewayContext, RequestTracking } from './context';
import type { OperationGuard } from './operation-limits';
import type { TrustedDocuments } from './trusted-documents';

export interface GraphQLRouteDeps {
  apollo: ApolloServer<GatewayContext>;
  authenticator: Authenticator;
  guard: OperationGuard;
  trusted: TrustedDocuments;
  limiter: TenantRateLimiter;
  audit: AuditWriter;
  bounds: AnswerBounds;
  logger: Logger;
}

/** The document's and the variables' hashes for the audit record, computed on demand. */
type Hashes = () => { body: string | null; variables: string | null };

interface Refusal {
  code: ErrorCode;
  message: string;
  extensions?: Record<string, unknown>;
  headers?: Record<string, string>;
  /** What the audit record's status says after the HTTP status: the code, or the credential's refusal reason. */
  statusDetail?: string;
}

interface Operation {
  query: unknown;
  operationName: unknown;
  variables: unknown;
  extensions: unknown;
}

/** The operation a request carries, as far as it can be read before Apollo looks at it. */
function operationOf(method: string, body: unknown, search: string): Operation | 'batch' | null {
  if (method === 'GET') {
    const params = new URLSearchParams(search);
    const json = (name: string) => {
      try {
        return params.has(name) ? JSON.parse(params.get(name)!) : undefined;
      } catch {
        // Apollo refuses it with its own answer.
        return undefined;
      }
    };
    return { query: params.get('query'), operationName: params.get('operationName'), variables: json('variables'), extensions: json('extensions') };
  }
  if (Array.isArray(body)) return 'batch';
  if (typeof body !== 'object' || body === null) return null;
  const { query, operationName, variables, extensions } = body as Record<string, unknown>;
  return { query, operationName, variables, extensions };
}

/**
 * The request as Apollo is to see it: with the document the gateway
 * resolved and no persistedQuery extension. Apollo's own APQ is off
 * (apollo.ts), so a request that still carried one would be refused there,
 * never looked up in a store the route does not guard.
 */
function withDocument(request: Extract<GraphQLHttpRequest, { ok: true }>, query: string, extensions: unknown): Extract<GraphQLHttpRequest, { ok: true }> {
  const rest = extensions && typeof extensions === 'object' && !Array.isArray(extensions) ? { ...(extensions as Record<string, unknown>) } : undefined;
  if (rest) delete rest.persistedQuery;
  const kept = rest && Object.keys(rest).length > 0 ? rest : undefined;
  if (request.method === 'GET') {
    const params = new URLSearchParams(request.search);
    params.set('query', query);
    if (kept) params.set('extensions', JSON.stringify(kept));
    else params.delete('extensions');
    return { ...request, search: `?${params.toString()}` };
  }
  const { extensions: _dropped, ...body } = request.body as Record<string, unknown>;
  return { ...request, body: { ...body, query, ...(kept && { extensions: kept }) } };
}

/**
 * POST and GET /graphql. In order: authenticate; read the request; resolve
 * its document (by hash, or held to the safelist: trusted-documents.ts); measure
 * the operation against its limits (before Apollo parses, validates or
 * plans anything); charge the caller's rate budget by the operation's
 * estimated cost (one unit for a refused one) and refuse what broke a
 * limit; then let Apollo run it under the answer bounds. Every call is
 * recorded once: by the audit plugin when Apollo got as far as running it,
 * and here otherwise (refusals, and what Apollo refuses at the HTTP level
 * before any plugin hears of it).
 */
export function graphQLRoute(deps: GraphQLRouteDeps): Route {
  const { apollo, authenticator, guard, trusted, limiter, audit, bounds, logger } = deps;

  async function record(scope: RequestScope, caller: Caller | null, status: string, started: number, hashes: Hashes) {
    await recordCall(audit, {
      requestId: scope.requestId,
      correlationId: scope.correlationId,
      caller,
      surface: 'GRAPHQL',
      scope: caller ? 'read' : null,
      operationName: null,
      status,
      bodySha256: hashes().body,
      variablesSha256: hashes().variables,
      latencyMs: Math.round(performance.now() - started),
    });
  }

  /** Answers a refusal in GraphQL's error shape, once it is recorded (or says the audit trail is down). */
  async function refuse(res: ServerResponse, scope: RequestScope, caller: Caller | null, refusal: Refusal, started: number, hashes: Hashes, extraHeaders: Record<string, string> = {}) {
    const status = HTTP_STATUS[refusal.code];
    try {
      await record(scope, caller, `${status} ${refusal.statusDetail ?? refusal.code}`, started, hashes);
    } catch (err) {
      // A caller refused for its credentials cannot be answered less: it gets its 401 even so.
      if (caller) return auditUnavailable(res, scope, err);
      logger.warn('could not record a refused call', { err, requestId: scope.requestId });
    }
    const error = { message: refusal.message, extensions: { code: refusal.code, ...refusal.extensions, requestId: scope.requestId } };
    sendJson(res, status, { errors: [error] }, { ...scope.headers, ...extraHeaders, ...refusal.headers });
  }

  function auditUnavailable(res: ServerResponse, scope: RequestScope, err: unknown) {
    logger.error('audit record failed; withholding the response', { err, requestId: scope.requestId });
    const error = { message: AUDIT_UNAVAILABLE_MESSAGE, extensions: { code: ErrorCode.AUDIT_UNAVAILABLE, requestId: scope.requestId } };
    sendJson(res, HTTP_STATUS.AUDIT_UNAVAILABLE, { errors: [error] }, { ...scope.headers, 'retry-after': '1' });
  }

  return {
    path: '/graphql',
    async handle(req: IncomingMessage, res: ServerResponse, scope: RequestScope) {
      // A browser opening the endpoint gets the page, which needs no key (the queries it sends do).
      if (wantsHtml(req)) {
        req.resume();
        res.writeHead(302, { ...scope.headers, location: GRAPHIQL_PATH, vary: 'accept', 'content-length': 0 });
        return void res.end();
      }
      const started = performance.now();
      annotateActiveSpan({ [ATTR_SURFACE]: 'GRAPHQL' });
      const noHashes: Hashes = () => ({ body: null, variables: null });
      if (req.method !== 'GET' && req.method !== 'POST') {
        req.resume();
        return refuse(res, scope, null, { code: ErrorCode.METHOD_NOT_ALLOWED, message: `/graphql takes GET and POST, not ${req.method}`, headers: { allow: 'GET, POST' } }, started, noHashes);
      }
      const auth = await authenticator.authenticate(req.headers, scope.requestId, 'GRAPHQL');
      if ('failure' in auth) {
        req.resume();
        const { code, headers } = failureStatus(auth.failure);
        return refuse(res, scope, null, { code, message: auth.failure.message, extensions: { reason: auth.failure.reason }, headers, statusDetail: auth.failure.reason }, started, noHashes);
      }
      const { caller } = auth;
      if (caller.tenantId) annotateActiveSpan({ [ATTR_TENANT_ID]: caller.tenantId });

      const request = await readGraphQLRequest(req);
      if (!request.ok) return refuse(res, scope, caller, { code: request.code, message: request.message }, started, noHashes);
      const operation = operationOf(request.method, request.body, request.search);
      if (operation === 'batch') {
        return refuse(res, scope, caller, { code: ErrorCode.BAD_REQUEST, message: 'batched operations are not supported: send one operation per request' }, started, noHashes);
      }
      const resolved = trusted.resolve(caller, operation?.query, operation?.extensions);
      const query = resolved.ok ? resolved.query : null;
      // Hashed only when this route records the call itself; the audit plugin hashes what Apollo runs.
      let hashed: ReturnType<Hashes> | undefined;
      const hashes: Hashes = () => (hashed ??= { body: query !== null ? sha256Hex(query) : null, variables: operation ? variablesHash(operation.variables) : null });
      const variables = operation?.variables && typeof operation.variables === 'object' && !Array.isArray(operation.variables) ? (operation.variables as Record<string, unknown>) : {};

      let cost = 0;
      let refusal: Refusal | null = null;
      if (!resolved.ok) {
        const { code, message } = resolved.refusal;
        // A proxy must not keep a NOT_FOUND for a GET: the same URL works once the client has registered the text.
        refusal = { code, message, ...(code === ErrorCode.PERSISTED_QUERY_NOT_FOUND && { headers: { 'cache-control': 'private, no-cache, must-revalidate' } }) };
      } else if (query !== null) {
        const verdict = guard.check(query, typeof operation?.operationName === 'string' ? operation.operationName : null, variables);
        if (!verdict.ok) {
          refusal = { code: verdict.error.extensions.code as ErrorCode, message: verdict.error.message, extensions: verdict.error.extensions.limit ? { limit: verdict.error.extensions.limit } : {} };
        } else if (verdict.demand?.introspection && !caller.scopes.has('read')) {
          refusal = { code: ErrorCode.FORBIDDEN, message: 'introspection needs the read scope', extensions: { requiredScope: 'read' } };
        } else {
          cost = verdict.demand?.cost ?? 0;
        }
      }

      // A refused operation still spends one unit: refusing is cheap, but not free, and must not be an unlimited way in.
      const decision = await limiter.charge(caller, auth.rateLimitPerMinute, refusal ? 1 : operationWeight(cost));
      const limitHeaders = rateLimitHeaders(decision);
      if (!decision.allowed) {
        return refuse(res, scope, caller, { code: ErrorCode.RATE_LIMITED, message: rateLimitedMessage(decision), extensions: { limit: decision.limit, weight: decision.weight, retryAfterSeconds: decision.resetSeconds } }, started, hashes, limitHeaders);
      }
      if (refusal) return refuse(res, scope, caller, refusal, started, hashes, limitHeaders);

      const tracking: RequestTracking = { auditAttempted: false, subgraphBytes: 0 };
      const run = resolved.ok && resolved.rewritten && query !== null ? withDocument(request, query, operation?.extensions) : request;
      const response = await withDeadline(runGraphQLRequest(apollo, run, async () => ({ requestId: scope.requestId, correlationId: scope.correlationId, caller, tracking, facts: new CallFactsCollector() })), bounds.operationTimeoutMs);
      if (response === 'timeout') {
        return refuse(res, scope, caller, { code: ErrorCode.OPERATION_TIMEOUT, message: `the operation did not finish within ${bounds.operationTimeoutMs} ms` }, started, hashes, limitHeaders);
      }
      // Stored once it passed the limits and Apollo parsed, validated and ran it: a 400 from Apollo means it did not.
      if (resolved.ok && resolved.register && query !== null && (response.status ?? 200) < 400) trusted.register(caller, resolved.register, query);
      if (!tracking.auditAttempted) {
        // Apollo refused it at the HTTP level (a GET without the CSRF
        // preflight header, a body that is not an operation, a mutation over
        // GET): no plugin heard of it, so it is recorded and stamped here.
        const { status, code, body } = stampRefusal(response, scope.requestId);
        try {
          await record(scope, caller, code ? `${status} ${code}` : String(status), started, hashes);
        } catch (err) {
          return auditUnavailable(res, scope, err);
        }
        if (body !== null) response.body = { kind: 'complete', string: body };
      }
      await writeGraphQLResponse(res, response, { ...scope.headers, ...limitHeaders });
    },
  };
}

function withDeadline<T>(work: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/** The status and first error code of an answer Apollo gave without running anything, with the request id added to its errors. */
function stampRefusal(response: HTTPGraphQLResponse, requestId: string): { status: number; code: string | null; body: string | null } {
  const status = response.status ?? 200;
  if (response.body.kind !== 'complete') return { status, code: null, body: null };
  try {
    const parsed = JSON.parse(response.body.string) as { errors?: Array<{ extensions?: Record<string, unknown> }> };
    if (!Array.isArray(parsed.errors)) return { status, code: null, body: null };
    parsed.errors = parsed.errors.map((e) => ({ ...e, extensions: { ...e.extensions, requestId } }));
    const code = parsed.errors[0]?.extensions?.code;
    return { status, code: typeof code === 'string' ? code : null, body: JSON.stringify(parsed) };
  } catch {
    return { status, code: null, body: null };
  }
}
