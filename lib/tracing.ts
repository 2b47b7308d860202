import { context, isSpanContextValid, ROOT_CONTEXT, trace, TraceFlags, type Context, type Link, type SpanContext, type Tracer } from '@opentelemetry/api';

/**
 * What the code that makes spans needs, on the OpenTelemetry API alone: the
 * tracer of each part, and the trace context in W3C form. The SDK (providers,
 * sampler, exporter) is set up by lib/tracing-setup.ts, once per process, by
 * the entry points; until then, and in tests that do not set it up, every
 * span here is a no-op.
 */

/** The instrumentation scope of every span we make ourselves. */
export const TRACER_SCOPE = 'micro-ai-graph';

let tracerSource: ((service: string) => Tracer) | null = null;

/** The tracer of one part: `gateway`, `decisions`, `audit`, `packages` or `tenants`. */
export function tracer(service: string): Tracer {
  return tracerSource ? tracerSource(service) : trace.getTracer(TRACER_SCOPE);
}

/** Called by setupTracing: where each part's tracer comes from from now on. */
export function installTracerSource(source: ((service: string) => Tracer) | null): void {
  tracerSource = source;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The W3C traceparent of the span active in `ctx`, or undefined when there is none (tracing not set up). */
export function traceparentOf(ctx: Context = context.active()): string | undefined {
  const spanContext = trace.getSpanContext(ctx);
  if (!spanContext || !isSpanContextValid(spanContext)) return undefined;
  return `00-${spanContext.traceId}-${spanContext.spanId}-0${spanContext.traceFlags & TraceFlags.SAMPLED}`;
}

/** The span context a well-formed version-00 traceparent names, or null (all-zero ids are invalid, per W3C). */
export function parseTraceparent(value: unknown): SpanContext | null {
  const match = typeof value === 'string' ? TRACEPARENT.exec(value) : null;
  if (!match) return null;
  const spanContext: SpanContext = { traceId: match[1]!, spanId: match[2]!, traceFlags: parseInt(match[3]!, 16) & TraceFlags.SAMPLED, isRemote: true };
  return isSpanContextValid(spanContext) ? spanContext : null;
}

/**
 * The context a subgraph runs a call in: a child of the gateway's fetch span
 * named in the verified caller token, or a fresh root. Never built from a
 * traceparent header: anyone who reaches a subgraph could send one, and
 * graft its spans onto somebody else's trace.
 */
export function contextFromSignedTraceparent(traceparent: string | undefined): Context {
  const parent = parseTraceparent(traceparent);
  return parent ? trace.setSpanContext(ROOT_CONTEXT, parent) : ROOT_CONTEXT;
}

/**
 * A client's traceparent, as a link from the gateway's request span rather
 * than as its parent. The gateway is the edge for every tenant's traffic: a
 * client that chose our trace id could join its calls to another tenant's
 * trace, and its sampled flag would decide what we record. So each call
 * starts a trace of our own (as it gets a request id of our own), and the
 * link leads from it to the client's trace.
 */
export function linksFromClientTraceparent(header: string | string[] | undefined): Link[] {
  const parent = parseTraceparent(Array.isArray(header) ? header[0] : header);
  return parent ? [{ context: parent, attributes: { 'micro_ai.link': 'client traceparent' } }] : [];
}

/** The active span's trace and span ids for a log line, or null when no valid span is active. */
export function activeTraceIds(): { trace_id: string; span_id: string } | null {
  const spanContext = trace.getSpanContext(context.active());
  return spanContext && isSpanContextValid(spanContext) ? { trace_id: spanContext.traceId, span_id: spanContext.spanId } : null;
}
