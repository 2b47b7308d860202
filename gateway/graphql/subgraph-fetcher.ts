import { trace, type SpanContext } from '@opentelemetry/api';
import { ATTR_HTTP_RESPONSE_STATUS_CODE } from '@opentelemetry/semantic-conventions';
import { STATUS_CODES } from 'node:http';
import type { RemoteGraphQLDataSource } from '@apollo/gateway';
import { Agent, errors, type Dispatcher } from 'undici';
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
  url: string;
  status: number;
  /** Lower-case names. */
  headers: Map<string, string>;
  body: string | null;
}

export interface FetchInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /**
   * Headers made only if this call sends the request itself: a read that
   * rides on another call's request sends nothing, so it needs none (the
   * caller token is signed here, once per request actually sent).
   */
  sentHeaders?: () => Record<string, string>;
}

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
 *
 * It speaks undici's request() and hands Apollo a plain answer object, not
 * fetch() and a WHATWG Response: the fetch path builds web streams, a
 * Request and a Response around every call, and cost over four times the
 * CPU per loopback call (about 240 µs against 45 µs on this machine), a
 * few percent of the gateway's whole CPU under load.
 */
export class SubgraphFetcher {
  readonly counts: FetchCounts = { sent: 0, shared: 0 };
  private readonly agent = new Agent({ keepAliveTimeout: 30_000, connections: 128 });
  private readonly inFlight = new Map<string, InFlight>();

  constructor(private readonly options: { timeoutMs: number; maxResponseBytes: number; subgraphOf?: (url: string) => string }) {}

  private subgraphOf(url: string): string {
    return this.options.subgraphOf?.(url) ?? 'unknown';
  }

  readonly fetch = async (url: string, init: FetchInit = {}): Promise<SubgraphAnswer> => {
    const { [SHARE_KEY_HEADER]: shareKey, ...headers } = init.headers ?? {};
    // The data source's fetch span, active around this call.
    const span = trace.getActiveSpan();
    const recording = span?.isRecording() ? span : undefined;
    const send = () => this.send(url, init.method ?? 'GET', { ...headers, ...init.sentHeaders?.() }, init.body);
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

  private async send(url: string, method: string, headers: Record<string, string>, body: string | undefined): Promise<Answer> {
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
      const { origin, pathname, search } = new URL(url);
      const res = await this.agent.request({ origin, path: pathname + search, method: method as 'POST', headers, body, signal: abort.signal });
      const answerHeaders = new Map<string, string>();
      for (const [name, value] of Object.entries(res.headers)) if (value !== undefined) answerHeaders.set(name, Array.isArray(value) ? value.join(', ') : value);
      const length = Number(answerHeaders.get('content-length') ?? Number.POSITIVE_INFINITY);
      const fits = Number.isFinite(length) && length <= this.options.maxResponseBytes;
      // Left unread (and its connection closed): the data source refuses it by its declared length, which it still sees.
      const text = fits ? await res.body.text() : discard(res.body);
      outcome = !fits ? 'too_large' : res.statusCode < 300 ? 'ok' : 'http_error';
      return { url, status: res.statusCode, headers: answerHeaders, body: text };
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

/** Closes an answer's body unread; the abort it reports about itself is expected, not an error. */
function discard(body: Dispatcher.ResponseData['body']): null {
  body.on('error', () => undefined);
  body.destroy();
  return null;
}

function isTimeout(err: unknown): boolean {
  const name = (err as { name?: string })?.name;
  return name === 'TimeoutError' || err instanceof errors.HeadersTimeoutError || err instanceof errors.BodyTimeoutError;
}

/** A subgraph's answer as Apollo's data source reads it (@apollo/utils.fetcher's FetcherResponse). */
export type FetcherResponse = Parameters<RemoteGraphQLDataSource['parseBody']>[0];
type FetcherHeaders = FetcherResponse['headers'];

/** An answer of its own for each caller: a body is read once. */
function respond(answer: Answer, span: ReturnType<typeof trace.getActiveSpan>): SubgraphAnswer {
  span?.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, answer.status);
  return new SubgraphAnswer(answer);
}

/**
 * What Apollo's data source reads of a subgraph's answer (the fetch
 * Response's shape, @apollo/utils.fetcher's FetcherResponse), over a body
 * already read in full.
 */
export class SubgraphAnswer implements FetcherResponse {
  readonly url: string;
  readonly status: number;
  readonly statusText: string;
  readonly ok: boolean;
  readonly redirected = false;
  readonly headers: FetcherHeaders;
  private used = false;

  constructor(private readonly answer: Answer) {
    this.url = answer.url;
    this.status = answer.status;
    this.statusText = STATUS_CODES[answer.status] ?? '';
    this.ok = answer.status >= 200 && answer.status < 300;
    this.headers = new AnswerHeaders(answer.headers);
  }

  get bodyUsed(): boolean {
    return this.used;
  }

  async text(): Promise<string> {
    if (this.used) throw new TypeError('the body of a subgraph answer was already read');
    this.used = true;
    return this.answer.body ?? '';
  }

  async json(): Promise<any> {
    return JSON.parse(await this.text());
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = Buffer.from(await this.text());
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }

  clone(): SubgraphAnswer {
    return new SubgraphAnswer(this.answer);
  }
}

/** A caller's own copy of the answer's headers, looked up by lower-case name. */
class AnswerHeaders implements FetcherHeaders {
  private readonly map: Map<string, string>;

  constructor(headers: Map<string, string>) {
    this.map = new Map(headers);
  }

  get(name: string): string | null {
    return this.map.get(name.toLowerCase()) ?? null;
  }
  has(name: string): boolean {
    return this.map.has(name.toLowerCase());
  }
  set(name: string, value: string): void {
    this.map.set(name.toLowerCase(), value);
  }
  append(name: string, value: string): void {
    const had = this.get(name);
    this.set(name, had === null ? value : `${had}, ${value}`);
  }
  delete(name: string): void {
    this.map.delete(name.toLowerCase());
  }
  entries(): IterableIterator<[string, string]> {
    return this.map.entries();
  }
  keys(): IterableIterator<string> {
    return this.map.keys();
  }
  values(): IterableIterator<string> {
    return this.map.values();
  }
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.map.entries();
  }
}
