import { context, ROOT_CONTEXT, SamplingDecision, SpanKind, trace, TraceFlags } from '@opentelemetry/api';
import { loadEnv } from '../env';
import { createLogger } from '../logger';
import { withRequestId } from '../request-id';
import { contextFromSignedTraceparent, linksFromClientTraceparent, parseTraceparent, traceparentOf, tracer } from '../tracing';
import { otlpTracesUrl, samplerFrom, setupTracing } from '../tracing-setup';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

describe('tracing with no endpoint (the default)', () => {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger('info', {}, (line) => lines.push(JSON.parse(line)));
  const tracing = setupTracing(loadEnv({}), { service: 'gateway', logger });

  it('records and exports nothing, yet gives every span ids, so logs and subgraph calls still carry a trace', () => {
    expect([tracing.recording, tracing.exportUrl]).toEqual([false, null]);
    const root = tracer('gateway').startSpan('request', { kind: SpanKind.SERVER }, ROOT_CONTEXT);
    expect(root.isRecording()).toBe(false);
    const { traceId, spanId, traceFlags } = root.spanContext();
    expect(traceId).toMatch(/^(?!0+$)[0-9a-f]{32}$/);
    expect(spanId).toMatch(/^(?!0+$)[0-9a-f]{16}$/);
    expect(traceFlags).toBe(TraceFlags.NONE);
    const scope = withRequestId(trace.setSpan(ROOT_CONTEXT, root), 'req_0123456789abcdef0123456789abcdef');
    context.with(scope, () => {
      // What the caller token would carry: this span, not sampled.
      expect(traceparentOf()).toBe(`00-${traceId}-${spanId}-00`);
      const child = tracer('decisions').startSpan('child');
      expect([child.spanContext().traceId, child.isRecording()]).toEqual([traceId, false]);
      logger.info('inside');
    });
    logger.info('outside');
    expect(lines).toEqual([
      expect.objectContaining({ msg: 'inside', requestId: 'req_0123456789abcdef0123456789abcdef', trace_id: traceId, span_id: spanId }),
      expect.not.objectContaining({ trace_id: expect.anything() }),
    ]);
    expect(lines[1]).not.toHaveProperty('requestId');
  });

  it('is set up once per process', () => {
    expect(() => setupTracing(loadEnv({}), { service: 'decisions', logger })).toThrow(/already set up/);
  });
});

describe('samplers, as OTEL_TRACES_SAMPLER names them', () => {
  const decide = (name: string, parent: string | undefined, arg?: string) =>
    samplerFrom(loadEnv({ OTEL_TRACES_SAMPLER: name, ...(arg !== undefined && { OTEL_TRACES_SAMPLER_ARG: arg }) })).shouldSample(contextFromSignedTraceparent(parent), TRACE, 's', SpanKind.SERVER, {}, []).decision;
  const sampled = `00-${TRACE}-${SPAN}-01`;
  const unsampled = `00-${TRACE}-${SPAN}-00`;

  it('follow a trusted parent with the parentbased ones (the default), and decide roots by their own rule', () => {
    expect(loadEnv({}).OTEL_TRACES_SAMPLER).toBe('parentbased_always_on');
    expect(decide('parentbased_always_on', undefined)).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    expect(decide('parentbased_always_on', unsampled)).toBe(SamplingDecision.NOT_RECORD);
    expect(decide('parentbased_always_off', undefined)).toBe(SamplingDecision.NOT_RECORD);
    expect(decide('parentbased_always_off', sampled)).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    expect(decide('parentbased_traceidratio', undefined, '0')).toBe(SamplingDecision.NOT_RECORD);
    expect(decide('parentbased_traceidratio', sampled, '0')).toBe(SamplingDecision.RECORD_AND_SAMPLED);
  });

  it('ignore the parent with the others', () => {
    expect(decide('always_on', unsampled)).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    expect(decide('always_off', sampled)).toBe(SamplingDecision.NOT_RECORD);
    expect(decide('traceidratio', sampled, '0')).toBe(SamplingDecision.NOT_RECORD);
    expect(decide('traceidratio', undefined, '1')).toBe(SamplingDecision.RECORD_AND_SAMPLED);
  });
});

describe('W3C traceparent', () => {
  it('is read in version 00 only, lower-case, with ids that are not all zeros', () => {
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-01`)).toEqual({ traceId: TRACE, spanId: SPAN, traceFlags: TraceFlags.SAMPLED, isRemote: true });
    // Flags other than sampled are dropped, not carried on.
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-ff`)?.traceFlags).toBe(TraceFlags.SAMPLED);
    for (const bad of [
      `00-${TRACE.toUpperCase()}-${SPAN}-01`,
      `01-${TRACE}-${SPAN}-01`,
      `00-${'0'.repeat(32)}-${SPAN}-01`,
      `00-${TRACE}-${'0'.repeat(16)}-01`,
      `00-${TRACE}-${SPAN}-01-extra`,
      `00-${TRACE}-${SPAN}`,
      ` 00-${TRACE}-${SPAN}-01`,
      '',
      42,
      undefined,
    ]) {
      expect([bad, parseTraceparent(bad)]).toEqual([bad, null]);
    }
  });

  it("from a client is a link, never a parent; a malformed one is nothing", () => {
    expect(linksFromClientTraceparent(`00-${TRACE}-${SPAN}-01`)).toEqual([
      { context: { traceId: TRACE, spanId: SPAN, traceFlags: TraceFlags.SAMPLED, isRemote: true }, attributes: { 'micro_ai.link': 'client traceparent' } },
    ]);
    expect(linksFromClientTraceparent([`00-${TRACE}-${SPAN}-01`, 'second'])).toHaveLength(1);
    expect(linksFromClientTraceparent('garbage')).toEqual([]);
    expect(linksFromClientTraceparent(undefined)).toEqual([]);
    expect(contextFromSignedTraceparent('garbage')).toBe(ROOT_CONTEXT);
  });
});

describe('the OTEL_* variables', () => {
  it('send traces to the traces endpoint as given, or to /v1/traces under the base endpoint', () => {
    expect(otlpTracesUrl(loadEnv({}))).toBeNull();
    expect(otlpTracesUrl(loadEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }))).toBe('http://collector:4318/v1/traces');
    expect(otlpTracesUrl(loadEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/base/' }))).toBe('http://collector:4318/base/v1/traces');
    expect(otlpTracesUrl(loadEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:1', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://b:2/custom' }))).toBe('http://b:2/custom');
  });

  it('are refused at start-up when wrong, naming the variable and never echoing a header value', () => {
    expect(() => loadEnv({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow(/OTEL_EXPORTER_OTLP_PROTOCOL: only http\/protobuf/);
    expect(() => loadEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT/);
    expect(() => loadEnv({ OTEL_TRACES_SAMPLER: 'sometimes' })).toThrow(/OTEL_TRACES_SAMPLER/);
    expect(() => loadEnv({ OTEL_TRACES_SAMPLER_ARG: '1.5' })).toThrow(/OTEL_TRACES_SAMPLER_ARG/);
    for (const headers of ['Bearer sk-very-secret', '=sk-very-secret', 'x-key=%E0%A4%Asecret', 'bad name=sk-very-secret']) {
      let message = '';
      try {
        loadEnv({ OTEL_EXPORTER_OTLP_HEADERS: headers });
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/OTEL_EXPORTER_OTLP_HEADERS: must be key=value pairs/);
      expect(message).not.toMatch(/secret/);
    }
    expect(loadEnv({ OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20abc, x-tenant=1' }).OTEL_EXPORTER_OTLP_HEADERS).toBeDefined();
  });
});
