import type { IncomingMessage, ServerResponse } from 'node:http';
import { CallFactsCollector } from '../../lib/call-facts';
import type { AuditWriter } from '../../lib/audit-log/writer';
import type { Caller } from '../../lib/caller';
import { AUDIT_UNAVAILABLE_MESSAGE, CALL_RECORD_MISSING_MESSAGE, ErrorCode } from '../../lib/errors';
import { sha256Hex } from '../../lib/hash';
import { sendJson } from '../../lib/http';
import { annotateActiveSpan, ATTR_SURFACE, ATTR_TENANT_ID, setActiveRoute } from '../../lib/http-tracing';
import type { Logger } from '../../lib/logger';
import { deprecationHeaders, type RouteDeprecation } from '../../lib/rest-deprecations';
import { failureStatus, type Authenticator } from '../auth/authenticator';
import type { RequestScope, Route } from '../http/router';
import { recordCall } from '../audit/record-call';
import { rateLimitedMessage, rateLimitHeaders, type TenantRateLimiter } from '../protection/rate-limiter';
import { readJsonObject } from './body';
import { CREATE_DECISION, GET_DECISION, LIST_DECISIONS, REQUEST_LINEAGE, createDecisionInput, listArguments, restDecision, restEvent, restWarning } from './decisions';
import { RestError, restErrorFromGraphQL, sendRestError } from './envelope';
import { INSTALLED_FEATURE, restInputSchema } from './features';
import { openApiDocument } from './openapi';
import { DECISION_REPORT, reportArguments, reportFormat, reportJson, writeReportCsv, type GraphStats } from './reports';

/** What a REST call shares with every operation it runs: the client's id, and the facts for its one audit record. */
export interface RestCall {
  correlationId: string | null;
  facts: CallFactsCollector;
}

export type Execute = (
  query: string,
  variables: Record<string, unknown>,
  caller: Caller,
  call: RestCall,
) => Promise<{ data?: Record<string, any> | null; errors?: ReadonlyArray<{ message: string; extensions?: Record<string, unknown> }> }>;

interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** Writes the body itself (CSV, a record at a time) instead of `body` as JSON; the headers are sent first. */
  write?: (res: ServerResponse) => Promise<void>;
  /**
   * The call made a change that is committed, with its own domain event in
   * the trail: it is answered even if the call's record then fails.
   */
  committed?: boolean;
}

/** An operation of the graph run for this call's caller. */
type Run = (query: string, variables: Record<string, unknown>) => ReturnType<Execute>;

interface Endpoint {
  method: 'GET' | 'POST';
  /** e.g. /v1/decisions/:id; the template is what the audit log records. */
  template: string;
  pattern: RegExp;
  scope: 'read' | 'write';
  handle(ctx: { req: IncomingMessage; caller: Caller; params: string[]; search: URLSearchParams; readJson(): Promise<Record<string, unknown>>; execute: Run }): Promise<Reply>;
}

/** The first GraphQL error, as the REST error it means. */
function throwIfErrors(result: Awaited<ReturnType<Execute>>): void {
  if (result.errors?.length) throw restErrorFromGraphQL(result.errors[0]);
}

// The GraphQL arguments a REST parameter stands for, so an error names what the client sent.
const REST_PARAMETER_OF: Record<string, string> = { after: 'cursor', first: 'limit', groupBy: 'group_by', compareTo: 'compare_to' };

function throwIfArgumentErrors(result: Awaited<ReturnType<Execute>>): void {
  const first = result.errors?.[0];
  if (!first) return;
  const argument = first.extensions?.argument;
  const parameter = typeof argument === 'string' ? REST_PARAMETER_OF[argument] : undefined;
  if (!parameter) throw restErrorFromGraphQL(first);
  const { argument: _argument, ...extensions } = first.extensions ?? {};
  throw restErrorFromGraphQL({ message: first.message.replace(new RegExp(`\\b${argument}\\b`, 'g'), parameter), extensions: { ...extensions, parameter } });
}

const ENDPOINTS: Endpoint[] = [
  {
    method: 'POST',
    template: '/v1/decisions',
    pattern: /^\/v1\/decisions$/,
    scope: 'write',
    async handle({ req, caller, readJson, execute }) {
      const value = await readJson();
      const header = req.headers['idempotency-key'];
      const input = createDecisionInput(value, typeof header === 'string' ? header : undefined);
      const result = await execute(CREATE_DECISION, { input });
      const made = result.data?.createDecision;
      if (!made) {
        throwIfErrors(result);
        throw new RestError(ErrorCode.INTERNAL_SERVER_ERROR, 'Internal server error');
      }
      // Made and committed: answered as made, even when another service
      // could not fill in its part (those fields are null, and say why).
      const decision = restDecision(made);
      const warnings = (result.errors ?? []).map(restWarning);
      // Request ids are the server's, one per call: a decision carrying
      // another call's id was made by that call, and this is its replay.
      const replayed = decision.request_id !== caller.requestId;
      return {
        status: 201,
        body: warnings.length ? { ...decision, warnings } : decision,
        headers: { location: `/v1/decisions/${decision.id}`, ...(replayed && { 'idempotent-replayed': 'true' }) },
        committed: true,
      };
    },
  },
  {
    method: 'GET',
    template: '/v1/decisions',
    pattern: /^\/v1\/decisions$/,
    scope: 'read',
    async handle({ search, execute }) {
      const result = await execute(LIST_DECISIONS, listArguments(search));
      throwIfArgumentErrors(result);
      const page = result.data!.decisions;
      return {
        status: 200,
        body: { data: page.edges.map((e: any) => restDecision(e.node)), has_more: page.pageInfo.hasNextPage, next_cursor: page.pageInfo.endCursor, total_count: page.totalCount },
      };
    },
  },
  {
    method: 'GET',
    template: '/v1/decisions/:id',
    pattern: /^\/v1\/decisions\/([^/]+)$/,
    scope: 'read',
    async handle({ params, execute }) {
      const result = await execute(GET_DECISION, { id: params[0] });
      throwIfErrors(result);
      if (!result.data!.decision) throw new RestError(ErrorCode.NOT_FOUND, 'no decision with that id');
      return { status: 200, body: restDecision(result.data!.decision) };
    },
  },
  {
    method: 'GET',
    template: '/v1/requests/:requestId',
    pattern: /^\/v1\/requests\/([^/]+)$/,
    scope: 'read',
    async handle({ params, execute }) {
      const result = await execute(REQUEST_LINEAGE, { requestId: params[0] });
      throwIfErrors(result);
      const events = result.data!.auditEvents.edges.map((e: any) => restEvent(e.node)).reverse();
      if (events.length === 0) throw new RestError(ErrorCode.NOT_FOUND, 'no recorded request with that id');
      return { status: 200, body: { request_id: params[0], events, decisions: result.data!.decisions.edges.map((e: any) => restDecision(e.node)) } };
    },
  },
  {
    method: 'GET',
    template: '/v1/reports/decisions',
    pattern: /^\/v1\/reports\/decisions$/,
    scope: 'read',
    async handle({ req, search, execute }) {
      const format = reportFormat(req.headers.accept);
      const request = reportArguments(search);
      const result = await execute(DECISION_REPORT, request.variables);
      throwIfArgumentErrors(result);
      const stats = result.data!.decisionStats as GraphStats;
      if (format === 'json') return { status: 200, body: reportJson(request, stats) };
      return {
        status: 200,
        body: null,
        headers: { 'content-type': 'text/csv; charset=utf-8; header=present', 'content-disposition': 'attachment; filename="decisions-report.csv"' },
        write: (res) => writeReportCsv(res, request, stats),
      };
    },
  },
  {
    method: 'GET',
    template: '/v1/features/:key/input-schema',
    pattern: /^\/v1\/features\/([^/]+)\/input-schema$/,
    scope: 'read',
    async handle({ params, execute }) {
      const result = await execute(INSTALLED_FEATURE, { key: params[0] });
      throwIfErrors(result);
      const feature = result.data!.installedFeature;
      if (!feature) throw new RestError(ErrorCode.NOT_FOUND, 'no package installed for this tenant offers that feature');
      if (feature.inputSchema === null) throw new RestError(ErrorCode.INPUT_SCHEMA_MISSING, 'the installed version of this feature declares no input schema, so it cannot decide');
      return { status: 200, body: restInputSchema(feature) };
    },
  },
];

export interface RestDeps {
  authenticator: Authenticator;
  limiter: TenantRateLimiter;
  audit: AuditWriter;
  execute: Execute;
  logger: Logger;
  /** Routes announced for removal: their answers carry Deprecation and Sunset, the OpenAPI document says so. */
  deprecations?: RouteDeprecation[];
}

/**
 * The versioned REST API under /v1: a thin facade that runs the same
 * GraphQL operations as everyone else (one write path, the same
 * authorisation), answers in one error envelope, and records each call
 * once in the audit trail before answering.
 */
export function restRoute(deps: RestDeps): Route {
  const deprecated = new Map<Endpoint, RouteDeprecation>();
  for (const d of deps.deprecations ?? []) {
    const endpoint = ENDPOINTS.find((e) => `${e.method} ${e.template}` === d.route);
    // Fail at start-up: a misspelt route would announce nothing while the operator believes clients were told.
    if (!endpoint) throw new Error(`REST_DEPRECATIONS names ${d.route}, which is not a route (${ENDPOINTS.map((e) => `${e.method} ${e.template}`).join(', ')})`);
    deprecated.set(endpoint, d);
  }
  const served = { ...deps, deprecated, openapi: openApiDocument([...deprecated.values()]) };
  return { path: '/v1/', handle: (req, res, scope) => serveRest(served, req, res, scope), crashBody: restCrash };
}

type ServedDeps = RestDeps & { deprecated: Map<Endpoint, RouteDeprecation>; openapi: unknown };

/**
 * URLSearchParams keeps a malformed escape (`%ZZ`) as literal text and turns
 * invalid UTF-8 into U+FFFD: either way the server would answer a question
 * the client did not ask. Refused instead, naming the parameter.
 */
function refuseMalformedQueryString(search: string): void {
  for (const pair of search.replace(/^\?/, '').split('&')) {
    if (!pair) continue;
    const [name, value = ''] = pair.split('=', 2) as [string, string?];
    if (decodeStrict(name.replace(/\+/g, ' ')) === null || decodeStrict(value.replace(/\+/g, ' ')) === null) {
      const shown = decodeStrict(name) ?? 'query';
      throw new RestError(ErrorCode.INVALID_PARAMETER, `query parameter ${shown} is not valid percent-encoded UTF-8 without NUL`, { parameter: shown });
    }
  }
}

/** A percent-encoded component as the client meant it; null when it is malformed, not UTF-8, or holds NUL. */
function decodeStrict(raw: string): string | null {
  try {
    const decoded = decodeURIComponent(raw);
    return decoded.includes('\0') ? null : decoded;
  } catch {
    return null;
  }
}

/** A path segment as the client meant it; malformed percent-encoding is the client's error, not a crash. */
function decodePathParameter(raw: string, template: string, index: number): string {
  const decoded = decodeStrict(raw);
  if (decoded !== null) return decoded;
  const name = template.split('/').filter((part) => part.startsWith(':'))[index]?.slice(1) ?? 'path';
  throw new RestError(ErrorCode.INVALID_PARAMETER, `${name} is not valid percent-encoded UTF-8 without NUL`, { parameter: name });
}

function restCrash(requestId: string) {
  return { error: { code: ErrorCode.INTERNAL_SERVER_ERROR, message: 'Internal server error', request_id: requestId } };
}

async function serveRest(deps: ServedDeps, req: IncomingMessage, res: ServerResponse, scope: RequestScope): Promise<void> {
  const { requestId, correlationId } = scope;
  const started = performance.now();
  annotateActiveSpan({ [ATTR_SURFACE]: 'REST' });
  const call = { correlationId, facts: new CallFactsCollector() };
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/v1/openapi.json' && req.method === 'GET') {
    setActiveRoute('GET', '/v1/openapi.json');
    return sendJson(res, 200, deps.openapi, scope.headers);
  }

  const matching = ENDPOINTS.filter((r) => r.pattern.test(url.pathname));
  const endpoint = matching.find((r) => r.method === req.method);
  const deprecation = endpoint && deps.deprecated.get(endpoint);
  const headers = deprecation ? { ...scope.headers, ...deprecationHeaders(deprecation) } : scope.headers;
  let caller: Caller | null = null;
  let reply: Reply;
  let bodyHash: string | null = null;
  let limitHeaders: Record<string, string> = {};
  try {
    if (!matching.length) throw new RestError(ErrorCode.NOT_FOUND, `no route for ${req.method} ${url.pathname}`);
    if (!endpoint) throw new RestError(ErrorCode.METHOD_NOT_ALLOWED, `${url.pathname} does not take ${req.method}`, undefined, { allow: matching.map((r) => r.method).join(', ') });
    setActiveRoute(endpoint.method, endpoint.template);
    const auth = await deps.authenticator.authenticate(req.headers, requestId, 'REST');
    if ('failure' in auth) {
      const { code, headers: extra } = failureStatus(auth.failure);
      throw new RestError(code, auth.failure.message, { reason: auth.failure.reason }, extra);
    }
    caller = auth.caller;
    if (caller.tenantId) annotateActiveSpan({ [ATTR_TENANT_ID]: caller.tenantId });
    // A REST call spends one unit of the same budget GraphQL operations spend.
    const decision = await deps.limiter.charge(caller, auth.rateLimitPerMinute, 1);
    limitHeaders = rateLimitHeaders(decision);
    if (!decision.allowed) {
      throw new RestError(ErrorCode.RATE_LIMITED, rateLimitedMessage(decision), { limit: decision.limit, retry_after_seconds: decision.resetSeconds });
    }
    refuseMalformedQueryString(url.search);
    const params = endpoint.pattern.exec(url.pathname)!.slice(1).map((raw, i) => decodePathParameter(raw, endpoint.template, i));
    const readJson = async () => {
      const { raw, value } = await readJsonObject(req);
      bodyHash = sha256Hex(raw);
      return value;
    };
    const verified = caller;
    const execute: Run = (query, variables) => deps.execute(query, variables, verified, call);
    reply = await endpoint.handle({ req, caller, params, search: url.searchParams, readJson, execute });
  } catch (error) {
    if (!(error instanceof RestError)) deps.logger.error('REST request failed', { err: error, requestId });
    const restError = error instanceof RestError ? error : new RestError(ErrorCode.INTERNAL_SERVER_ERROR, 'Internal server error');
    reply = { status: restError.status, body: restError, headers: restError.headers };
  }
  // A body nobody read (refused before parsing) is drained so the connection can be reused.
  if (!req.readableEnded) req.resume();

  try {
    await recordCall(
      deps.audit,
      {
        requestId,
        correlationId,
        caller,
        surface: 'REST',
        scope: endpoint && caller ? endpoint.scope : null,
        operationName: `${req.method} ${endpoint?.template ?? url.pathname}`,
        status: reply.body instanceof RestError ? `${reply.status} ${reply.body.code}` : String(reply.status),
        bodySha256: bodyHash,
        variablesSha256: url.search ? sha256Hex(url.search) : null,
        latencyMs: Math.round(performance.now() - started),
      },
      call.facts.facts(),
    );
  } catch (err) {
    if (!reply.committed) {
      deps.logger.error('audit record failed; withholding the response', { err, requestId });
      return sendRestError(res, new RestError(ErrorCode.AUDIT_UNAVAILABLE, AUDIT_UNAVAILABLE_MESSAGE, undefined, { 'retry-after': '1' }), requestId, headers);
    }
    // Withholding a made decision would only have the client make it again.
    deps.logger.error('audit record of a committed call failed; answering it', { err, requestId });
    reply = { ...reply, headers: { ...reply.headers, 'audit-record': 'missing' } };
    if (typeof reply.body === 'object' && reply.body !== null) {
      const body = reply.body as { warnings?: unknown[] };
      reply.body = { ...body, warnings: [...(body.warnings ?? []), { code: ErrorCode.AUDIT_UNAVAILABLE, message: CALL_RECORD_MISSING_MESSAGE }] };
    }
  }
  if (reply.body instanceof RestError) return sendRestError(res, reply.body, requestId, { ...headers, ...limitHeaders });
  if (reply.write) {
    res.writeHead(reply.status, { ...headers, ...limitHeaders, ...reply.headers });
    return reply.write(res);
  }
  sendJson(res, reply.status, reply.body, { ...headers, ...limitHeaders, ...reply.headers });
}
