import { trace, type SpanContext } from '@opentelemetry/api';
import { ATTR_HTTP_RESPONSE_STATUS_CODE } from '@opentelemetry/semantic-conventions';
import { Agent, errors, fetch, Response, type HeadersInit } from 'undici';
import { subgraphFetches, subgraphFetchesShared, subgraphFetchSeconds } from '../../lib/metrics';

/**
 * The header by which the data source asks for a fetch to be shared: what
 * the subgraph's answer depends on besides the request body (the caller's
 * tenant and scopes). Set only on reads; never sent.
 */
export const SHARE_KEY_HEADER = 'x-gateway-share-key';

/** What the fetcher did, for tests (the metrics count the same by subgraph). */
export interface FetchCounts {
  /** Requests sent to subgraphs. */
  sent: number;
  /** Reads answered by a request another call already had in flight. */
  shared: number;
}

interface Answer {
  status: number;
  statusText: string;
  headers: HeadersInit;
  body: string | null;
}

type FetchInit = { method?: string; headers?: Record<string, string>; body?: string };

interface InFlight {
  answer: Promise<Answer>;
  /** The fetch span of the call that sent it: the request, and the subgraph's spans, are in that call's trace. */
  sentBy: SpanContext | undefined;
}

/** On the span of a call whose read rode on another call's fetch. */
const ATTR_SHARED = 'micro_ai.subgraph_fetch.shared';

/**
 * How the gateway reaches its subgraphs: undici over keep-alive
 * connections (make-fetch-happen, Apollo's default, opened a fresh one for
 * many fetches), a deadline per fetch, answers past the size bound never
 * read, and identical reads in flight at once sent once. A read is shared
 * only with calls of the same share key (the caller's tenant and scopes),
 * the same subgraph and the same body (document and variables), so two
 * tenants never share an answer, and a caller never gets an answer (or an
 * error) made for other scopes. Sharing lasts while the request is in
 * flight: nothing is cached.
 */
export class SubgraphFetcher {
  readonly counts: FetchCounts = { sent: 0, shared: 0 };
  private readonly agent = new Agent({ keepAliveTimeout: 30_000, connections: 128 });
  private readonly inFlight = new Map<string, InFlight>();

  constructor(private readonly options: { timeoutMs: number; maxResponseBytes: number; subgraphOf?: (url: string) => string }) {}

  private subgraphOf(url: string): string {
    return this.options.subgraphOf?.(url) ?? 'unknown';
  }

  readonly fetch = async (url: string, init: FetchInit = {}): Promise<Response> => {
    const { [SHARE_KEY_HEADER]: shareKey, ...headers } = init.headers ?? {};
    // The data source's fetch span, active around this call.
    const span = trace.getActiveSpan();
    const recording = span?.isRecording() ? span : undefined;
    const send = () => this.send(url, { ...init, headers });
    if (!shareKey || init.body === undefined) return respond(await send(), recording);
    const key = `${shareKey}\n${url}\n${init.body}`;
    const pending = this.inFlight.get(key);
    if (pending) {
      this.counts.shared++;
      subgraphFetchesShared.inc({ subgraph: this.subgraphOf(url) });
      // One request served both calls, and it belongs to the first call's
      // trace: this call's span says so, and links to the span that sent it.
      if (recording) {
        recording.setAttribute(ATTR_SHARED, true);
        if (pending.sentBy) recording.addLink({ context: pending.sentBy, attributes: { 'micro_ai.link': 'shared subgraph fetch' } });
      }
      return respond(await pending.answer, recording);
    }
    const sending = send().finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, { answer: sending, sentBy: span?.spanContext() });
    return respond(await sending, recording);
  };

  private async send(url: string, init: FetchInit): Promise<Answer> {
    this.counts.sent++;
    const subgraph = this.subgraphOf(url);
    const timer = subgraphFetchSeconds.startTimer({ subgraph });
    let outcome = 'ok';
    // A timer cleared once the answer is read, not AbortSignal.timeout: its
    // timer lives until it fires whatever the fetch did, and holds the
    // request's async context (spans, strings) that long: under load, tens
    // of megabytes of finished requests.
    const abort = new AbortController();
    const deadline = setTimeout(() => abort.abort(new DOMException(`no answer from the subgraph within ${this.options.timeoutMs} ms`, 'TimeoutError')), this.options.timeoutMs);
    try {
      const res = await fetch(url, { method: init.method, headers: init.headers, body: init.body, dispatcher: this.agent, signal: abort.signal });
      const length = Number(res.headers.get('content-length') ?? Number.POSITIVE_INFINITY);
      const fits = Number.isFinite(length) && length <= this.options.maxResponseBytes;
      // Left unread: the data source refuses it by its declared length, which it still sees.
      const body = fits ? await res.text() : (await res.body?.cancel(), null);
      outcome = !fits ? 'too_large' : res.ok ? 'ok' : 'http_error';
      return { status: res.status, statusText: res.statusText, headers: [...res.headers], body };
    } catch (err) {
      outcome = isTimeout(err) ? 'timeout' : 'network_error';
      throw err;
    } finally {
      clearTimeout(deadline);
      timer();
      subgraphFetches.inc({ subgraph, outcome });
    }
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

function isTimeout(err: unknown): boolean {
  const name = (err as { name?: string })?.name;
  return name === 'TimeoutError' || err instanceof errors.HeadersTimeoutError || err instanceof errors.BodyTimeoutError;
}

/** A response of its own for each caller: a body is read once. */
function respond(answer: Answer, span: ReturnType<typeof trace.getActiveSpan>): Response {
  span?.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, answer.status);
  return new Response(answer.body, { status: answer.status, statusText: answer.statusText, headers: answer.headers });
}
