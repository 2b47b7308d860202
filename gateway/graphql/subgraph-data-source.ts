import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { context as otelContext, SpanKind, SpanStatusCode, trace, type Attributes } from '@opentelemetry/api';
import { ATTR_ERROR_TYPE, ATTR_HTTP_REQUEST_METHOD, ATTR_SERVER_ADDRESS, ATTR_SERVER_PORT, ATTR_URL_PATH } from '@opentelemetry/semantic-conventions';
import { GraphQLError } from 'graphql';
import { CALL_FACTS_EXTENSION } from '../../lib/call-facts';
import { ErrorCode } from '../../lib/errors';
import { INTERNAL_CALLER_HEADER, type CallerSigner } from '../../lib/internal-token';
import { REQUEST_ID_HEADER } from '../../lib/request-id';
import { traceparentOf, tracer } from '../../lib/tracing';
import type { AnswerBounds } from '../../lib/limits';
import type { GatewayContext } from './context';
import { SHARE_KEY_HEADER, type FetcherResponse, type SubgraphAnswer, type SubgraphFetcher } from './subgraph-fetcher';

type NodeFetchRequest = NonNullable<Parameters<RemoteGraphQLDataSource['parseBody']>[1]>;
type GatewayGraphQLResponse = Awaited<ReturnType<RemoteGraphQLDataSource<GatewayContext>['process']>>;

class AnswerTooLarge extends Error {}

/** The operations the query planner sends a subgraph start with their type. */
const MUTATION = /^\s*mutation\b/;

/**
 * How the gateway calls one subgraph: forwards the request id and the
 * verified caller (in a token signed for this subgraph alone, fresh for each
 * fetch, so the subgraph trusts nothing else) with the traceparent of the
 * fetch's own span (in the same token), and turns a
 * transport failure into a stable SUBGRAPH_UNAVAILABLE error naming the
 * service, so clients get partial data with a clear error instead of a
 * socket message.
 */
export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  /** What every fetch span of this subgraph says: where it went, never what it carried (the caller token, the variables). */
  private readonly spanAttributes: Attributes;

  constructor(
    private readonly serviceName: string,
    url: string,
    private readonly signer: CallerSigner,
    private readonly bounds: AnswerBounds,
    private readonly subgraphFetcher: SubgraphFetcher,
  ) {
    // APQ would send one signed header twice (hash first, then the query),
    // and the subgraph refuses the second as a replay: keep it off.
    super({ url, apq: false });
    const parsed = new URL(url);
    this.spanAttributes = {
      'peer.service': serviceName,
      [ATTR_HTTP_REQUEST_METHOD]: 'POST',
      [ATTR_SERVER_ADDRESS]: parsed.hostname,
      [ATTR_SERVER_PORT]: Number(parsed.port || (parsed.protocol === 'https:' ? 443 : 80)),
      [ATTR_URL_PATH]: parsed.pathname,
    };
  }

  /** Counts every subgraph answer towards the operation's response bound before parsing it. */
  override async parseBody(fetchResponse: FetcherResponse, fetchRequest?: NodeFetchRequest, context?: GatewayContext): Promise<object | string> {
    // Our subgraphs always declare their length; an answer that does not is refused rather than read unbounded.
    const length = Number(fetchResponse.headers.get('content-length') ?? Number.POSITIVE_INFINITY);
    if (!Number.isFinite(length) || length > this.bounds.maxResponseBytes) throw new AnswerTooLarge();
    if (context?.tracking) {
      context.tracking.subgraphBytes += length;
      if (context.tracking.subgraphBytes > this.bounds.maxResponseBytes) throw new AnswerTooLarge();
    }
    return super.parseBody(fetchResponse, fetchRequest, context);
  }

  /**
   * A fetch that fails as a whole (the subgraph unreachable, too slow, its
   * answer too large) fails the fields it was to fetch: its error names
   * their place in the answer, up to the first list, as a field's error
   * would. Apollo leaves it without a path, so an error of one entity's
   * fetch could not be told from another's (a stream event resolved in a
   * batch would carry the errors of every event of the batch).
   */
  override async process(options: GraphQLDataSourceProcessOptions<GatewayContext>) {
    // The fetch's span: its traceparent is what the caller token carries, so the subgraph's server span is its child.
    const span = tracer('gateway').startSpan(`POST ${this.serviceName}`, { kind: SpanKind.CLIENT, attributes: this.spanAttributes });
    if (span.isRecording() && options.request.query) span.setAttribute('graphql.operation.type', MUTATION.test(options.request.query) ? 'mutation' : 'query');
    try {
      return await otelContext.with(trace.setSpan(otelContext.active(), span), () => this.send(options));
    } catch (error) {
      const code = error instanceof GraphQLError ? error.extensions.code : undefined;
      span.setAttribute(ATTR_ERROR_TYPE, typeof code === 'string' ? code : 'fetch_failed');
      span.setStatus({ code: SpanStatusCode.ERROR });
      const path = 'pathInIncomingRequest' in options ? options.pathInIncomingRequest : undefined;
      if (!(error instanceof GraphQLError) || error.path || !path?.length) throw error;
      const list = path.indexOf('@');
      throw new GraphQLError(error.message, { path: list < 0 ? path : path.slice(0, list), extensions: error.extensions, originalError: error.originalError });
    } finally {
      span.end();
    }
  }

  /**
   * Apollo's process and sendRequest, through our fetcher: the caller
   * token is signed only if this fetch sends its request, not when it rides
   * on an identical one in flight (one Ed25519 signature per request sent),
   * and no node-fetch Headers and Request are built around every fetch only
   * to reach hooks that read none of them (1–2% of the gateway's CPU).
   * Left out: APQ (off: see the constructor) and the subgraphs'
   * Cache-Control (they send none, and the gateway's answers are never
   * cacheable, so the policy it would restrict is already maxAge 0).
   */
  private async send(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
    const { request } = options;
    // A health check's context is empty: no caller, nothing signed.
    const context = options.context as GatewayContext;
    const { http: _unused, query, ...rest } = request;
    if (!query) throw new Error('Missing query');
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    const caller = context.caller;
    let sentHeaders: (() => Record<string, string>) | undefined;
    if (caller) {
      headers[REQUEST_ID_HEADER] = context.requestId;
      // A read's answer depends on the caller's tenant and scopes, the document and the variables: identical ones in flight are sent once.
      if (!MUTATION.test(query)) headers[SHARE_KEY_HEADER] = `${caller.tenantId ?? 'platform'}|${[...caller.scopes].sort().join(',')}`;
      const traceparent = traceparentOf();
      sentHeaders = () => ({ [INTERNAL_CALLER_HEADER]: this.signer.sign(caller, this.serviceName, Date.now(), traceparent) });
    }
    const sending = { query, ...rest };
    let answer: SubgraphAnswer | undefined;
    let response: GatewayGraphQLResponse;
    try {
      answer = await this.subgraphFetcher.fetch(this.url, { method: 'POST', headers, body: JSON.stringify(sending), sentHeaders });
      if (!answer.ok) throw await this.errorFromResponse(answer);
      const body = await this.parseBody(answer, undefined, context);
      if (typeof body !== 'object' || body === null) throw new Error(`Expected JSON response body, but received: ${body}`);
      response = { ...body, http: answer } as GatewayGraphQLResponse;
    } catch (error) {
      this.didEncounterError(error as Error, undefined, answer);
      throw error;
    }
    const pathInIncomingRequest = 'pathInIncomingRequest' in options ? options.pathInIncomingRequest : undefined;
    return this.didReceiveResponse({ response, request: sending, context, pathInIncomingRequest });
  }

  /** Gathers what the subgraph reports about the call for its audit record. */
  override didReceiveResponse({ response, context }: Parameters<NonNullable<RemoteGraphQLDataSource<GatewayContext>['didReceiveResponse']>>[0]): GatewayGraphQLResponse {
    context?.facts?.merge(response.extensions?.[CALL_FACTS_EXTENSION]);
    return response;
  }

  override didEncounterError(error: Error, _req?: unknown, response?: { status: number }): never {
    if (error instanceof AnswerTooLarge) {
      throw new GraphQLError(`the answer grew past ${this.bounds.maxResponseBytes} bytes; select fewer fields or smaller pages`, {
        extensions: { code: ErrorCode.RESPONSE_TOO_LARGE, serviceName: this.serviceName, limit: { name: 'maxResponseBytes', max: this.bounds.maxResponseBytes } },
      });
    }
    if ((error as { name?: unknown }).name === 'TimeoutError') {
      throw new GraphQLError(`the ${this.serviceName} service did not answer within ${this.bounds.operationTimeoutMs} ms`, {
        extensions: { code: ErrorCode.OPERATION_TIMEOUT, serviceName: this.serviceName },
      });
    }
    if (response?.status === 401) {
      // The gateway authenticated the client already: a subgraph refusing the
      // gateway's own caller token is a deployment fault (a key pair that does
      // not match, clocks far apart), never the client's, so it must not read
      // as UNAUTHENTICATED. The subgraph logs the reason.
      throw new GraphQLError(`The ${this.serviceName} service is unavailable; retry shortly`, {
        extensions: { code: ErrorCode.SUBGRAPH_UNAVAILABLE, serviceName: this.serviceName, status: 401 },
      });
    }
    if (response && response.status < 500) {
      // A 4xx carries the subgraph's own GraphQL error (e.g. a custom scalar
      // refusing its input, which the gateway cannot check): pass it on, code and all.
      const body = (error as { extensions?: { response?: { body?: { errors?: unknown } } } }).extensions?.response?.body;
      const first = Array.isArray(body?.errors) ? (body.errors[0] as { message?: unknown; extensions?: Record<string, unknown> }) : undefined;
      if (typeof first?.message !== 'string') throw error;
      throw new GraphQLError(first.message, { extensions: { ...first.extensions, serviceName: this.serviceName } });
    }
    throw new GraphQLError(`The ${this.serviceName} service is unavailable; retry shortly`, {
      extensions: { code: ErrorCode.SUBGRAPH_UNAVAILABLE, serviceName: this.serviceName, ...(response && { status: response.status }) },
    });
  }
}
