import { randomUUID } from 'node:crypto';
import { setGlobalErrorHandler } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  NodeTracerProvider,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type Sampler,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-node';
import type { Tracer } from '@opentelemetry/api';
import { ATTR_SERVICE_INSTANCE_ID, ATTR_SERVICE_NAME, ATTR_SERVICE_NAMESPACE } from '@opentelemetry/semantic-conventions';
import { parseOtlpHeaders, type Env } from './env';
import type { Logger } from './logger';
import { installTracerSource, TRACER_SCOPE } from './tracing';

/**
 * OpenTelemetry's SDK, set up once per process by its entry point: one
 * tracer provider per part of the system (the gateway, each subgraph), so
 * that when `npm start` or the tests run every part in one process each span
 * still names the service that made it. The process's own part has the
 * global provider (the one @apollo/gateway's own spans use), and
 * OTEL_SERVICE_NAME renames that part alone.
 *
 * Without an OTLP endpoint nothing is recorded or exported, but spans are
 * still made, non-recording: they cost two random ids, and give every log
 * line a trace id and every subgraph call a traceparent.
 */

/** The namespace every part's service.name lives in. */
export const SERVICE_NAMESPACE = 'micro-ai-graph';

export type TracingEnv = Pick<
  Env,
  | 'OTEL_EXPORTER_OTLP_ENDPOINT'
  | 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'
  | 'OTEL_EXPORTER_OTLP_HEADERS'
  | 'OTEL_EXPORTER_OTLP_TIMEOUT'
  | 'OTEL_TRACES_SAMPLER'
  | 'OTEL_TRACES_SAMPLER_ARG'
>;

export interface TracingOptions {
  /** The part this process is (or, when it runs several, the one whose provider is global). */
  service: string;
  /** This part's service.name instead of `service` (OTEL_SERVICE_NAME); the other parts keep theirs. */
  serviceName?: string;
  /** Where export failures are reported (a line a minute at most). */
  logger: Logger;
  /** Processors of the caller's own (tests: an in-memory exporter). With these or an OTLP endpoint, spans are recorded as the sampler says. */
  spanProcessors?: SpanProcessor[];
}

export interface Tracing {
  /** Whether spans are recorded at all (an exporter or a processor was given). */
  readonly recording: boolean;
  /** The OTLP URL spans are sent to, or null. */
  readonly exportUrl: string | null;
  /** Sends what is queued; resolves even when the collector is down (the failure is logged). */
  forceFlush(): Promise<void>;
  /** Flushes and stops; once, before the process exits. */
  shutdown(): Promise<void>;
}

let setUp = false;

/**
 * Sets tracing up: the AsyncLocalStorage context manager, a provider per
 * part (made when a part first asks for its tracer), the sampler the
 * environment names, and the OTLP exporter when an endpoint is set.
 */
export function setupTracing(env: TracingEnv, options: TracingOptions): Tracing {
  if (setUp) throw new Error('tracing is already set up in this process');
  setUp = true;
  const exportUrl = otlpTracesUrl(env);
  const report = exportFailureReporter(options.logger);
  const processors: SpanProcessor[] = [...(options.spanProcessors ?? [])];
  if (exportUrl) {
    // A bounded queue, exported in the background: a collector that is slow
    // or down costs dropped spans, never a request's time or its answer.
    processors.push(
      new BatchSpanProcessor(otlpExporter(exportUrl, env), { maxQueueSize: 2048, maxExportBatchSize: 512, scheduledDelayMillis: 2000, exportTimeoutMillis: env.OTEL_EXPORTER_OTLP_TIMEOUT }),
    );
    setGlobalErrorHandler(report);
  }
  const recording = processors.length > 0;
  const sampler = recording ? samplerFrom(env) : new AlwaysOffSampler();
  const instance = randomUUID();
  const providers: NodeTracerProvider[] = [];
  const tracers = new Map<string, Tracer>();
  const tracerOf = (service: string): Tracer => {
    let found = tracers.get(service);
    if (!found) {
      const provider = new NodeTracerProvider({
        resource: resourceFromAttributes({
          [ATTR_SERVICE_NAME]: service === options.service ? (options.serviceName ?? service) : service,
          [ATTR_SERVICE_NAMESPACE]: SERVICE_NAMESPACE,
          [ATTR_SERVICE_INSTANCE_ID]: instance,
        }),
        sampler,
        // One processor list for every part: a process has one export queue, whatever it runs.
        spanProcessors: processors,
        spanLimits: { attributeValueLengthLimit: 4096, attributeCountLimit: 64, linkCountLimit: 32, eventCountLimit: 32 },
      });
      // No global propagator: trace context reaches the subgraphs inside the signed caller token, never in a header they would trust.
      if (providers.length === 0) provider.register({ propagator: null });
      providers.push(provider);
      found = provider.getTracer(TRACER_SCOPE);
      tracers.set(service, found);
    }
    return found;
  };
  tracerOf(options.service);
  installTracerSource(tracerOf);
  return {
    recording,
    exportUrl,
    forceFlush: async () => {
      await Promise.all(providers.map((p) => p.forceFlush())).catch(report);
    },
    shutdown: async () => {
      // The processors are shared: each provider's shutdown reaches them, and they stop once.
      await Promise.all(providers.map((p) => p.shutdown())).catch(report);
    },
  };
}

/**
 * What an entry point calls first: tracing as the environment configures
 * it, for the part the process runs, and one line saying where spans go.
 */
export function startTracing(env: TracingEnv & Pick<Env, 'OTEL_SERVICE_NAME'>, service: string, logger: Logger): Tracing {
  const tracing = setupTracing(env, { service, serviceName: env.OTEL_SERVICE_NAME, logger });
  if (tracing.exportUrl) logger.info('exporting traces over OTLP', { url: redactedUrl(tracing.exportUrl), sampler: env.OTEL_TRACES_SAMPLER });
  return tracing;
}

/** OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as it is, or OTEL_EXPORTER_OTLP_ENDPOINT with the signal's path, as the OTLP exporter spec says. */
export function otlpTracesUrl(env: Pick<TracingEnv, 'OTEL_EXPORTER_OTLP_ENDPOINT' | 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'>): string | null {
  if (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (env.OTEL_EXPORTER_OTLP_ENDPOINT) return `${env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`;
  return null;
}

/** The URL without credentials or query, fit for a start-up line. */
export function redactedUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
}

function otlpExporter(url: string, env: TracingEnv): SpanExporter {
  // Loaded only when exporting: the exporter and protobufjs add some 40 ms
  // and their memory to every start-up that would never use them.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-proto') as typeof import('@opentelemetry/exporter-trace-otlp-proto');
  return new OTLPTraceExporter({ url, headers: parseOtlpHeaders(env.OTEL_EXPORTER_OTLP_HEADERS), timeoutMillis: env.OTEL_EXPORTER_OTLP_TIMEOUT });
}

/**
 * The sampler OTEL_TRACES_SAMPLER names. With the parentbased_* ones (the
 * default) a part follows the decision of a parent it trusts: a subgraph
 * its gateway's, carried in the signed caller token. The gateway never has
 * a remote parent (a client's traceparent is only a link), so no caller
 * can switch our sampling on or off.
 */
export function samplerFrom(env: Pick<TracingEnv, 'OTEL_TRACES_SAMPLER' | 'OTEL_TRACES_SAMPLER_ARG'>): Sampler {
  const ratio = () => new TraceIdRatioBasedSampler(env.OTEL_TRACES_SAMPLER_ARG ?? 1);
  switch (env.OTEL_TRACES_SAMPLER) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return ratio();
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: ratio() });
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

const EXPORT_FAILURE_LOG_INTERVAL_MS = 60_000;

/** A collector that is down fails every export: one line a minute says so without flooding the log. */
function exportFailureReporter(logger: Logger): (error: unknown) => void {
  let lastLogged = Number.NEGATIVE_INFINITY;
  let suppressed = 0;
  return (error) => {
    const now = Date.now();
    if (now - lastLogged < EXPORT_FAILURE_LOG_INTERVAL_MS) {
      suppressed++;
      return;
    }
    lastLogged = now;
    // Duck-typed: errors made by Node's internals are not instances of this realm's Error under jest.
    const found = typeof error === 'string' ? error : (error as { message?: unknown } | null)?.message;
    const message = typeof found === 'string' ? found : 'unknown error';
    // The message alone: an exporter's error object can carry the request it failed on, headers and all.
    logger.warn('trace export failed; spans are being dropped', { error: message.slice(0, 300), suppressedSinceLast: suppressed });
    suppressed = 0;
  };
}
