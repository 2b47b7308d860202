import { context, SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
import pg from 'pg';
import { tracer } from './tracing';

/**
 * A pg pool whose statements are client spans of the service that owns it,
 * for the gateway's pg and for Prisma's driver adapter alike (Prisma is
 * handed this pool), so every statement a request runs is in its trace.
 *
 * Done here, by hand, rather than by @opentelemetry/instrumentation-pg: that
 * patches `pg` through require-in-the-middle, which sees nothing under jest
 * (its module registry bypasses Node's require: checked, no span at all),
 * and under tsx only if it runs before anything requires pg, an ordering
 * four entry points would each have to keep. Prisma's own tracing
 * (@prisma/instrumentation) would cover the subgraphs alone, with a span per
 * stage of its engine besides.
 *
 * A statement gets a span only when the request around it is recorded: no
 * span (and no work) when tracing is off or the trace is not sampled, and
 * none for the background loops (stream reader, checkpointer), which run
 * outside any request.
 */

/** Attributes (semantic conventions' database names) a span carries: the statement's text with its $n placeholders, never the values. */
const DB_SYSTEM = 'db.system';
const DB_NAME = 'db.name';
const DB_STATEMENT = 'db.statement';
const DB_OPERATION = 'db.operation';
const SERVER_ADDRESS = 'server.address';
const SERVER_PORT = 'server.port';
const ERROR_TYPE = 'error.type';

type QueryArgs = unknown[];

export function tracedPool(config: pg.PoolConfig, service: string): pg.Pool {
  const base: Attributes = {
    [DB_SYSTEM]: 'postgresql',
    ...(config.database && { [DB_NAME]: config.database }),
    ...(config.host && { [SERVER_ADDRESS]: config.host }),
    ...(config.port && { [SERVER_PORT]: config.port }),
  };

  class TracedClient extends pg.Client {
    // pg types query as a set of overloads; this forwards every form unchanged, so it answers as each would (any).
    override query(...args: QueryArgs): any {
      const parent = context.active();
      if (!trace.getSpan(parent)?.isRecording()) return (super.query as (...a: QueryArgs) => unknown)(...args);
      const first = args[0] as { text?: unknown; submit?: unknown } | string | undefined;
      // Cursors and streams (a Submittable) report as events; none of ours are traced.
      if (typeof first === 'object' && first !== null && typeof first.submit === 'function') return (super.query as (...a: QueryArgs) => unknown)(...args);
      const text = typeof first === 'string' ? first : typeof first?.text === 'string' ? first.text : '';
      const operation = /^\s*([A-Za-z]+)/.exec(text)?.[1]?.toUpperCase() ?? 'SQL';
      const span = tracer(service).startSpan(
        `${operation} ${config.database ?? 'postgresql'}`,
        { kind: SpanKind.CLIENT, attributes: { ...base, [DB_STATEMENT]: text, [DB_OPERATION]: operation } },
        parent,
      );
      const last = args.length - 1;
      if (typeof args[last] === 'function') {
        const callback = args[last] as (err: unknown, result: unknown) => void;
        args[last] = (err: unknown, result: unknown) => {
          finish(span, err);
          callback(err, result);
        };
        return callSafely(span, () => (super.query as (...a: QueryArgs) => unknown)(...args));
      }
      const result = callSafely(span, () => (super.query as (...a: QueryArgs) => unknown)(...args));
      if (result instanceof Promise) {
        result.then(
          () => finish(span, undefined),
          (err: unknown) => finish(span, err),
        );
      } else {
        span.end();
      }
      return result;
    }
  }

  return new TracedPool({ ...config, Client: TracedClient });
}

/**
 * pg-pool calls pool.query's connection callback from whichever call
 * released the connection when the pool was exhausted: in that call's
 * context, so its statement would land in another request's trace. The
 * callback is bound to the caller's context instead. (The promise form
 * needs nothing: an awaited promise resumes in the awaiting context.)
 */
class TracedPool extends pg.Pool {
  // Typed as pg's overloads are: the promise form, or the callback form.
  override connect(callback?: (...a: any[]) => void): any {
    const connect = super.connect as (cb?: (...a: unknown[]) => void) => unknown;
    return typeof callback === 'function' ? connect.call(this, context.bind(context.active(), callback)) : connect.call(this);
  }
}

function callSafely(span: Span, call: () => unknown): unknown {
  try {
    return call();
  } catch (err) {
    finish(span, err);
    throw err;
  }
}

/** Ends a statement's span; on failure it records the SQLSTATE only: PostgreSQL's messages quote the values they refused. */
function finish(span: Span, err: unknown): void {
  if (err !== undefined && err !== null) {
    const code = (err as { code?: unknown }).code;
    const type = typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : 'connection';
    span.setAttribute(ERROR_TYPE, type);
    span.setStatus({ code: SpanStatusCode.ERROR, message: type === 'connection' ? 'statement failed' : `SQLSTATE ${type}` });
  }
  span.end();
}
