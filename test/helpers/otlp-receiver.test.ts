import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { HrTime } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { JsonMetricsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationType, MeterProvider, MetricReader, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startOtlpReceiver } from './otlp-receiver.ts';
import type { DecodedSpan, OtlpReceiver } from './otlp-receiver.ts';

type Compression = NonNullable<NonNullable<ConstructorParameters<typeof ProtoTraceExporter>[0]>['compression']>;
const GZIP = 'gzip' as Compression;

const nanos = (t: HrTime): bigint => BigInt(t[0]) * 1_000_000_000n + BigInt(t[1]);

/** expectedSpan is what a Collector must see for a span the SDK finished. */
function expectedSpan(s: ReadableSpan): DecodedSpan {
  const scope = s.instrumentationScope;
  return {
    traceId: s.spanContext().traceId,
    spanId: s.spanContext().spanId,
    parentSpanId: s.parentSpanContext?.spanId ?? '',
    name: s.name,
    kind: s.kind + 1,
    startTimeUnixNano: nanos(s.startTime),
    endTimeUnixNano: nanos(s.endTime),
    attributes: { ...s.attributes },
    events: s.events.map((e) => ({ name: e.name, timeUnixNano: nanos(e.time), attributes: { ...e.attributes } })),
    links: s.links.map((l) => ({ traceId: l.context.traceId, spanId: l.context.spanId, attributes: { ...l.attributes } })),
    status: s.status.message ? { code: s.status.code, message: s.status.message } : { code: s.status.code },
    resource: { ...s.resource.attributes },
    scope: scope.version ? { name: scope.name, version: scope.version } : { name: scope.name },
  };
}

const RESOURCE = { 'service.name': 'runwarden-test', 'service.version': '1.2.3', 'host.cpu.count': 4 };
const ATTRIBUTES = {
  'run.id': 'run-42',
  'run.attempt': 3,
  'run.offset': -7,
  'run.max_safe': Number.MAX_SAFE_INTEGER,
  'run.ratio': 0.25,
  'run.retry': true,
  'run.tags': ['nightly', 'arm64'],
  'run.shards': [1, 2, 3],
  'run.weights': [0.5, 1.5],
  'run.flags': [true, false],
};

/** emitSpans records a root SERVER span, an ERROR child with an event and a link, and an unrelated span. */
function emitSpans(provider: TracerProvider): void {
  const tracer = provider.getTracer('runwarden.test', '0.1.0');
  const other = tracer.startSpan('other.trace', { startTime: [1_700_000_000, 1] });
  other.end([1_700_000_000, 2]);
  const root = tracer.startSpan('run', { kind: SpanKind.SERVER, attributes: ATTRIBUTES, startTime: [1_700_000_000, 123_456_789] });
  const child = tracer.startSpan(
    'step build',
    {
      kind: SpanKind.CLIENT,
      startTime: [1_700_000_000, 200_000_000],
      links: [{ context: other.spanContext(), attributes: { 'link.reason': 'retry-of' } }],
    },
    trace.setSpan(ROOT_CONTEXT, root),
  );
  child.addEvent('step.log', { 'log.line': 'compiling', 'log.seq': 1 }, [1_700_000_000, 300_000_000]);
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'exit code 2' });
  child.end([1_700_000_000, 999_999_999]);
  root.setStatus({ code: SpanStatusCode.OK });
  root.end([1_700_000_001, 5]);
}

let receiver: OtlpReceiver;
beforeEach(async () => {
  receiver = await startOtlpReceiver();
});
afterEach(async () => {
  await receiver.close();
});

const encodings = [
  { name: 'protobuf', contentType: 'application/x-protobuf', gzip: false },
  { name: 'protobuf + gzip', contentType: 'application/x-protobuf', gzip: true },
  { name: 'json', contentType: 'application/json', gzip: false },
  { name: 'json + gzip', contentType: 'application/json', gzip: true },
];

function traceExporter(contentType: string, gzip: boolean): SpanExporter {
  const config = { url: `${receiver.url}/v1/traces`, ...(gzip ? { compression: GZIP } : {}) };
  return contentType === 'application/json' ? new JsonTraceExporter(config) : new ProtoTraceExporter(config);
}

describe.each(encodings)('spans sent by the real SDK as $name', ({ contentType, gzip }) => {
  it('round-trip exactly: ids, parent, kind, times, attributes, events, links, status, resource, scope', async () => {
    const memory = new InMemorySpanExporter();
    const provider = new TracerProvider({
      resource: resourceFromAttributes(RESOURCE),
      spanProcessors: [
        new SimpleSpanProcessor({ exporter: traceExporter(contentType, gzip) }),
        new SimpleSpanProcessor({ exporter: memory }),
      ],
    });
    emitSpans(provider);
    await provider.forceFlush();
    const got = await receiver.waitForSpans(3);
    const expected = memory.getFinishedSpans().map(expectedSpan);
    await provider.shutdown();

    // SimpleSpanProcessor sends one request per span; with compression they may arrive out of order.
    const byName = (a: DecodedSpan, b: DecodedSpan): number => a.name.localeCompare(b.name);
    expect([...got].sort(byName)).toEqual(expected.sort(byName));
    const run = got.find((s) => s.name === 'run')!;
    const step = got.find((s) => s.name === 'step build')!;
    const other = got.find((s) => s.name === 'other.trace')!;
    expect(run.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(run.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(run.parentSpanId).toBe('');
    expect(step.parentSpanId).toBe(run.spanId);
    expect(step.traceId).toBe(run.traceId);
    expect(run.kind).toBe(2);
    expect(step.kind).toBe(3);
    expect(run.startTimeUnixNano).toBe(1_700_000_000_123_456_789n);
    expect(run.endTimeUnixNano).toBe(1_700_000_001_000_000_005n);
    expect(run.attributes).toEqual(ATTRIBUTES);
    expect(step.events).toEqual([
      { name: 'step.log', timeUnixNano: 1_700_000_000_300_000_000n, attributes: { 'log.line': 'compiling', 'log.seq': 1 } },
    ]);
    expect(step.links).toEqual([{ traceId: other.traceId, spanId: other.spanId, attributes: { 'link.reason': 'retry-of' } }]);
    expect(step.status).toEqual({ code: 2, message: 'exit code 2' });
    expect(run.status).toEqual({ code: 1 });
    expect(other.status).toEqual({ code: 0 });
    expect(run.resource).toMatchObject(RESOURCE);
    expect(run.scope).toEqual({ name: 'runwarden.test', version: '0.1.0' });
    expect(receiver.requests.length).toBeGreaterThan(0);
    for (const r of receiver.requests) {
      expect(r).toEqual({ method: 'POST', path: '/v1/traces', contentType, contentEncoding: gzip ? 'gzip' : '', status: 200 });
    }
  });

  it('simulates an outage with setFailure, and recovers', async () => {
    const memory = new InMemorySpanExporter();
    const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: memory })] });
    emitSpans(provider);
    const finished = memory.getFinishedSpans();
    const exporter = traceExporter(contentType, gzip);
    const exportOnce = (): Promise<ExportResult> => new Promise((resolve) => exporter.export(finished, resolve));

    // 400 is not retryable, so the exporter reports the failure at once.
    receiver.setFailure(400);
    expect((await exportOnce()).code).toBe(ExportResultCode.FAILED);
    expect(receiver.spans).toEqual([]);
    expect(receiver.requests.at(-1)?.status).toBe(400);

    receiver.setFailure(null);
    expect((await exportOnce()).code).toBe(ExportResultCode.SUCCESS);
    expect(receiver.spans).toHaveLength(3);
    await exporter.shutdown();
  });
});

describe('http behaviour', () => {
  const post = (path: string, contentType: string, body: Uint8Array | string, headers: Record<string, string> = {}) =>
    fetch(`${receiver.url}${path}`, { method: 'POST', headers: { 'content-type': contentType, ...headers }, body });

  it('answers an empty ExportTraceServiceResponse in the request encoding', async () => {
    const proto = await post('/v1/traces', 'application/x-protobuf', new Uint8Array(0));
    expect(proto.status).toBe(200);
    expect(proto.headers.get('content-type')).toBe('application/x-protobuf');
    expect((await proto.arrayBuffer()).byteLength).toBe(0);
    const json = await post('/v1/traces', 'application/json; charset=utf-8', '{}');
    expect(json.status).toBe(200);
    expect(json.headers.get('content-type')).toBe('application/json');
    expect(await json.json()).toEqual({});
  });

  it('answers a simulated 503 with a google.rpc.Status body', async () => {
    receiver.setFailure(503);
    const proto = await post('/v1/traces', 'application/x-protobuf', new Uint8Array(0));
    expect(proto.status).toBe(503);
    const bytes = new Uint8Array(await proto.arrayBuffer());
    // Status{code: 14 UNAVAILABLE, message: "simulated outage"}
    expect([...bytes.subarray(0, 4)]).toEqual([0x08, 14, 0x12, 'simulated outage'.length]);
    expect(Buffer.from(bytes.subarray(4)).toString()).toBe('simulated outage');
    const json = await post('/v1/metrics', 'application/json', '{}');
    expect(json.status).toBe(503);
    expect(await json.json()).toEqual({ code: 14, message: 'simulated outage' });
  });

  it.each([
    { what: 'truncated protobuf', path: '/v1/traces', type: 'application/x-protobuf', body: new Uint8Array([0x0a, 0x05, 0x01]), status: 400 },
    { what: 'bad JSON', path: '/v1/traces', type: 'application/json', body: '{"resourceSpans": [', status: 400 },
    { what: 'wrong JSON shape', path: '/v1/traces', type: 'application/json', body: '{"resourceSpans": 3}', status: 400 },
    { what: 'unknown content type', path: '/v1/traces', type: 'text/plain', body: 'x', status: 415 },
    { what: 'unknown path', path: '/v1/logs-nope', type: 'application/json', body: '{}', status: 404 },
  ])('rejects $what with $status', async ({ path, type, body, status }) => {
    const res = await post(path, type, body);
    expect(res.status).toBe(status);
    expect(receiver.requests).toEqual([expect.objectContaining({ path, status })]);
    expect(receiver.spans).toEqual([]);
  });

  it('normalises the looser JSON forms: string ints, enum names, snake_case, base64 bytes', async () => {
    const body = {
      resource_spans: [{
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] },
        scope_spans: [{
          scope: { name: 'hand' },
          spans: [{
            trace_id: '5B8EFFF798038103D269B633813FC60C',
            span_id: 'EEE19B7EC3C1B174',
            name: 'handmade',
            kind: 'SPAN_KIND_CONSUMER',
            start_time_unix_nano: '1544712660000000000',
            endTimeUnixNano: 1544712661000000000,
            attributes: [
              { key: 'big', value: { intValue: '9223372036854775807' } },
              { key: 'neg', value: { intValue: '-3' } },
              { key: 'nan', value: { doubleValue: 'NaN' } },
              { key: 'raw', value: { bytesValue: Buffer.from([1, 2, 255]).toString('base64') } },
              { key: 'map', value: { kvlistValue: { values: [{ key: 'k', value: { boolValue: false } }] } } },
            ],
            status: { code: 'STATUS_CODE_ERROR' },
          }],
        }],
      }],
    };
    expect((await post('/v1/traces', 'application/json', JSON.stringify(body))).status).toBe(200);
    const [span] = await receiver.waitForSpans(1);
    expect(span).toMatchObject({
      traceId: '5b8efff798038103d269b633813fc60c',
      spanId: 'eee19b7ec3c1b174',
      kind: 5,
      startTimeUnixNano: 1544712660000000000n,
      endTimeUnixNano: 1544712661000000000n,
      attributes: { big: 9223372036854775807n, neg: -3, nan: Number.NaN, raw: new Uint8Array([1, 2, 255]), map: { k: false } },
      status: { code: 2 },
      resource: { 'service.name': 'svc' },
      scope: { name: 'hand' },
    });
  });

  it('waitForSpans takes a predicate and times out with what it got', async () => {
    const provider = new TracerProvider({
      spanProcessors: [new SimpleSpanProcessor({ exporter: traceExporter('application/x-protobuf', false) })],
    });
    const waiting = receiver.waitForSpans((s) => s.name === 'step build');
    emitSpans(provider);
    expect((await waiting).map((s) => s.name)).toEqual(['step build']);
    await provider.forceFlush();
    await expect(receiver.waitForSpans((s) => s.name === 'never', 50)).rejects.toThrow(
      /timed out after 50 ms waiting for a match for the predicate; got 3: \[.*step build.*\]/,
    );
    await provider.shutdown();
  });

  it('accepts a deflate body and refuses an unknown Content-Encoding', async () => {
    const gz = await post('/v1/traces', 'application/json', gzipSync('{}'), { 'content-encoding': 'gzip' });
    expect(gz.status).toBe(200);
    const br = await post('/v1/traces', 'application/json', '{}', { 'content-encoding': 'br' });
    expect(br.status).toBe(400);
  });
});

/** CollectingReader lets a test collect ResourceMetrics by hand and serialize them itself. */
class CollectingReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

function recordMetrics(provider: MeterProvider): void {
  const meter = provider.getMeter('runwarden.metrics', '0.2.0');
  meter.createCounter('runs_started', { unit: '{run}', description: 'Runs started.' }).add(3, { pipeline: 'ci' });
  meter.createUpDownCounter('runs_active').add(-2, { pipeline: 'ci' });
  const h = meter.createHistogram('step_duration', { unit: 's', advice: { explicitBucketBoundaries: [0.1, 1, 10] } });
  for (const v of [0.05, 0.5, 0.7, 20]) h.record(v, { step: 'build' });
  meter.createGauge('queue_depth').record(1.5);
}

describe('metrics', () => {
  it('decode identically from the real JSON and protobuf serializers', async () => {
    const reader = new CollectingReader();
    const provider = new MeterProvider({
      resource: resourceFromAttributes(RESOURCE),
      readers: [reader],
      views: [{ instrumentName: 'payload_size', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }],
    });
    recordMetrics(provider);
    const sizes = provider.getMeter('runwarden.metrics', '0.2.0').createHistogram('payload_size', { unit: 'By' });
    for (const v of [0, 0.001, 3, 1000]) sizes.record(v);
    const { resourceMetrics } = await reader.collect();
    const post = (type: string, body: Uint8Array) =>
      fetch(`${receiver.url}/v1/metrics`, { method: 'POST', headers: { 'content-type': type }, body });
    expect((await post('application/x-protobuf', ProtobufMetricsSerializer.serializeRequest(resourceMetrics)!)).status).toBe(200);
    const fromProto = await receiver.waitForMetrics(5);
    expect((await post('application/json', JsonMetricsSerializer.serializeRequest(resourceMetrics)!)).status).toBe(200);
    const fromJson = (await receiver.waitForMetrics(10)).slice(5);
    expect(fromJson).toEqual(fromProto);

    const byName = new Map(fromProto.map((m) => [m.name, m]));
    expect(byName.get('runs_started')).toMatchObject({
      type: 'sum', unit: '{run}', description: 'Runs started.', isMonotonic: true, aggregationTemporality: 2,
      dataPoints: [{ attributes: { pipeline: 'ci' }, value: 3 }],
      resource: RESOURCE, scope: { name: 'runwarden.metrics', version: '0.2.0' },
    });
    expect(byName.get('runs_active')).toMatchObject({ type: 'sum', isMonotonic: false, dataPoints: [{ value: -2 }] });
    expect(byName.get('queue_depth')).toMatchObject({ type: 'gauge', aggregationTemporality: 0, dataPoints: [{ value: 1.5 }] });
    expect(byName.get('step_duration')).toMatchObject({
      type: 'histogram', unit: 's', aggregationTemporality: 2,
      dataPoints: [{
        attributes: { step: 'build' },
        histogram: { count: 4, sum: 21.25, min: 0.05, max: 20, bucketCounts: [1, 2, 0, 1], explicitBounds: [0.1, 1, 10] },
      }],
    });
    const exp = byName.get('payload_size')!.dataPoints[0]!.exponentialHistogram!;
    expect(exp).toMatchObject({ count: 4, min: 0, max: 1000, zeroCount: 1 });
    expect(exp.sum).toBeCloseTo(1003.001);
    expect(exp.positive.bucketCounts.reduce((a, b) => a + b, 0)).toBe(3);
    // 0.001 lands below bucket 0: a negative sint32 offset, decoded from zigzag.
    expect(exp.positive.offset).toBeLessThan(0);
    const point = byName.get('runs_started')!.dataPoints[0]!;
    expect(point.timeUnixNano).toBeGreaterThan(point.startTimeUnixNano);
    await provider.shutdown();
  });

  it('arrive from the real OTLPMetricExporter', async () => {
    const exporter = new OTLPMetricExporter({ url: `${receiver.url}/v1/metrics` });
    const provider = new MeterProvider({
      readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 })],
    });
    recordMetrics(provider);
    await provider.forceFlush();
    const got = await receiver.waitForMetrics((m) => m.name === 'step_duration');
    expect(got[0]!.dataPoints[0]!.histogram?.count).toBe(4);
    expect(receiver.requests.at(-1)).toMatchObject({ path: '/v1/metrics', contentType: 'application/json', status: 200 });
    await provider.shutdown();
  });
});
