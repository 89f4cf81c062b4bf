/**
 * Decoding of OTLP protobuf export requests (opentelemetry.proto.collector.{trace,metrics}.v1) into
 * plain objects tests can assert on. The installed @opentelemetry/otlp-transformer only ships
 * encoders (its ProtobufReader is internal and reads varints as lossy JS numbers), so this is a
 * small wire-format reader for the subset of trace.v1 / metrics.v1 / common.v1 / resource.v1 that
 * the SDK emits. Field numbers are those of the official .proto files (opentelemetry-proto);
 * unknown fields are skipped as the protobuf spec requires, and a field with the wrong wire type or
 * a truncated buffer throws.
 */

/** DecodedSpan is one span as a Collector would see it, the same whichever OTLP encoding carried it. */
export interface DecodedSpan {
  /** Lower-case hex, 32 characters. */
  traceId: string;
  /** Lower-case hex, 16 characters. */
  spanId: string;
  /** Lower-case hex, or '' for a root span. */
  parentSpanId: string;
  name: string;
  /** OTLP SpanKind: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: Record<string, unknown>;
  events: { name: string; timeUnixNano: bigint; attributes: Record<string, unknown> }[];
  links: { traceId: string; spanId: string; attributes: Record<string, unknown> }[];
  /** OTLP StatusCode: 0 unset, 1 ok, 2 error. `message` only when non-empty. */
  status: { code: number; message?: string };
  resource: Record<string, unknown>;
  /** `version` only when non-empty. */
  scope: { name: string; version?: string };
}

/** DecodedHistogram is the value of an explicit-bucket histogram data point. */
export interface DecodedHistogram {
  count: number;
  sum?: number;
  min?: number;
  max?: number;
  bucketCounts: number[];
  explicitBounds: number[];
}

/** DecodedExponentialHistogram is the value of an exponential histogram data point. */
export interface DecodedExponentialHistogram {
  count: number;
  sum?: number;
  min?: number;
  max?: number;
  scale: number;
  zeroCount: number;
  positive: { offset: number; bucketCounts: number[] };
  negative: { offset: number; bucketCounts: number[] };
}

/** DecodedSummary is the value of a summary data point. */
export interface DecodedSummary {
  count: number;
  sum: number;
  quantiles: { quantile: number; value: number }[];
}

/**
 * DecodedDataPoint is one point of a metric. Exactly one of `value` (gauge and sum),
 * `histogram`, `exponentialHistogram` or `summary` is set, matching the metric's `type`.
 */
export interface DecodedDataPoint {
  attributes: Record<string, unknown>;
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  value?: number;
  histogram?: DecodedHistogram;
  exponentialHistogram?: DecodedExponentialHistogram;
  summary?: DecodedSummary;
}

/** MetricType names the oneof `data` of an OTLP Metric. */
export type MetricType = 'gauge' | 'sum' | 'histogram' | 'exponentialHistogram' | 'summary';

/** DecodedMetric is one metric of one export, with its resource and scope flattened in. */
export interface DecodedMetric {
  name: string;
  description: string;
  unit: string;
  type: MetricType;
  /** OTLP AggregationTemporality: 0 unspecified (gauges, summaries), 1 delta, 2 cumulative. */
  aggregationTemporality: number;
  /** Sums only; false otherwise. */
  isMonotonic: boolean;
  dataPoints: DecodedDataPoint[];
  resource: Record<string, unknown>;
  scope: { name: string; version?: string };
}

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

/** Field is one decoded tag-value pair. `int` holds varint, fixed64 and fixed32 values unsigned. */
interface Field {
  no: number;
  wire: number;
  int: bigint;
  bytes: Uint8Array;
}

const EMPTY = new Uint8Array(0);
const utf8 = new TextDecoder('utf-8', { fatal: true });

function fail(problem: string): never {
  throw new Error(`otlp protobuf: ${problem}`);
}

/** fields iterates the top-level fields of one message, in wire order. */
function* fields(buf: Uint8Array): Generator<Field> {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (shift > 63n) fail(`varint longer than 10 bytes at offset ${pos}`);
      if (pos >= buf.length) fail('truncated varint');
      const b = buf[pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return BigInt.asUintN(64, result);
    }
  };
  const take = (n: number): Uint8Array => {
    if (pos + n > buf.length) fail(`truncated field: need ${n} bytes at offset ${pos}, have ${buf.length - pos}`);
    const out = buf.subarray(pos, pos + n);
    pos += n;
    return out;
  };
  while (pos < buf.length) {
    const tag = Number(varint());
    const no = Math.floor(tag / 8);
    const wire = tag & 7;
    if (no === 0) fail(`field number 0 at offset ${pos}`);
    if (wire === WIRE_VARINT) {
      yield { no, wire, int: varint(), bytes: EMPTY };
    } else if (wire === WIRE_I64) {
      const at = pos;
      yield { no, wire, bytes: take(8), int: view.getBigUint64(at, true) };
    } else if (wire === WIRE_LEN) {
      const len = varint();
      yield { no, wire, int: 0n, bytes: take(Number(len)) };
    } else if (wire === WIRE_I32) {
      const at = pos;
      yield { no, wire, bytes: take(4), int: BigInt(view.getUint32(at, true)) };
    } else {
      fail(`unsupported wire type ${wire} for field ${no}`);
    }
  }
}

function expectWire(f: Field, wire: number, what: string): Field {
  if (f.wire !== wire) fail(`${what} (field ${f.no}) has wire type ${f.wire}, want ${wire}`);
  return f;
}

const str = (f: Field, what: string): string => utf8.decode(expectWire(f, WIRE_LEN, what).bytes);
const msg = (f: Field, what: string): Uint8Array => expectWire(f, WIRE_LEN, what).bytes;
const hex = (f: Field, what: string): string => Buffer.from(msg(f, what)).toString('hex');
const fixed64 = (f: Field, what: string): bigint => expectWire(f, WIRE_I64, what).int;
const uvarint = (f: Field, what: string): number => Number(expectWire(f, WIRE_VARINT, what).int);
const float64 = (f: Field, what: string): number =>
  new DataView(expectWire(f, WIRE_I64, what).bytes.buffer, f.bytes.byteOffset, 8).getFloat64(0, true);
const sint32 = (f: Field, what: string): number => {
  const n = Number(BigInt.asUintN(32, expectWire(f, WIRE_VARINT, what).int));
  return (n >>> 1) ^ -(n & 1);
};

/** safeInt turns an int64 into a number when that is exact, else keeps the bigint. */
export function safeInt(n: bigint): number | bigint {
  return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}

/** Repeated scalar fields may come packed (one LEN field) or not; a parser MUST accept both. */
function pushFixed64s(out: number[], f: Field, what: string, asDouble: boolean): void {
  const chunk = (b: Uint8Array): number => {
    const v = new DataView(b.buffer, b.byteOffset, 8);
    return asDouble ? v.getFloat64(0, true) : Number(v.getBigUint64(0, true));
  };
  if (f.wire === WIRE_I64) {
    out.push(chunk(f.bytes));
    return;
  }
  const b = msg(f, what);
  if (b.length % 8 !== 0) fail(`packed ${what} length ${b.length} is not a multiple of 8`);
  for (let i = 0; i < b.length; i += 8) out.push(chunk(b.subarray(i, i + 8)));
}

function pushVarints(out: number[], f: Field, what: string): void {
  if (f.wire === WIRE_VARINT) {
    out.push(Number(f.int));
    return;
  }
  const b = msg(f, what);
  let pos = 0;
  while (pos < b.length) {
    let result = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (pos >= b.length || shift > 63n) fail(`bad packed varint in ${what}`);
      const byte = b[pos++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) break;
    }
    out.push(Number(result));
  }
}

function decodeAnyValue(buf: Uint8Array): unknown {
  let value: unknown = null;
  for (const f of fields(buf)) {
    switch (f.no) {
      case 1: value = str(f, 'AnyValue.string_value'); break;
      case 2: value = uvarint(f, 'AnyValue.bool_value') !== 0; break;
      case 3: value = safeInt(BigInt.asIntN(64, expectWire(f, WIRE_VARINT, 'AnyValue.int_value').int)); break;
      case 4: value = float64(f, 'AnyValue.double_value'); break;
      case 5: {
        const items: unknown[] = [];
        for (const g of fields(msg(f, 'AnyValue.array_value'))) {
          if (g.no === 1) items.push(decodeAnyValue(msg(g, 'ArrayValue.values')));
        }
        value = items;
        break;
      }
      case 6: {
        const kv: Record<string, unknown> = {};
        for (const g of fields(msg(f, 'AnyValue.kvlist_value'))) {
          if (g.no === 1) addKeyValue(kv, msg(g, 'KeyValueList.values'));
        }
        value = kv;
        break;
      }
      case 7: value = new Uint8Array(msg(f, 'AnyValue.bytes_value')); break;
    }
  }
  return value;
}

function addKeyValue(into: Record<string, unknown>, buf: Uint8Array): void {
  let key = '';
  let value: unknown = null;
  for (const f of fields(buf)) {
    if (f.no === 1) key = str(f, 'KeyValue.key');
    else if (f.no === 2) value = decodeAnyValue(msg(f, 'KeyValue.value'));
  }
  into[key] = value;
}

function decodeResource(buf: Uint8Array): Record<string, unknown> {
  const attributes: Record<string, unknown> = {};
  for (const f of fields(buf)) if (f.no === 1) addKeyValue(attributes, msg(f, 'Resource.attributes'));
  return attributes;
}

function decodeScope(buf: Uint8Array): { name: string; version?: string } {
  let name = '';
  let version = '';
  for (const f of fields(buf)) {
    if (f.no === 1) name = str(f, 'InstrumentationScope.name');
    else if (f.no === 2) version = str(f, 'InstrumentationScope.version');
  }
  return version ? { name, version } : { name };
}

function decodeEvent(buf: Uint8Array): DecodedSpan['events'][number] {
  const event = { name: '', timeUnixNano: 0n, attributes: {} as Record<string, unknown> };
  for (const f of fields(buf)) {
    if (f.no === 1) event.timeUnixNano = fixed64(f, 'Event.time_unix_nano');
    else if (f.no === 2) event.name = str(f, 'Event.name');
    else if (f.no === 3) addKeyValue(event.attributes, msg(f, 'Event.attributes'));
  }
  return event;
}

function decodeLink(buf: Uint8Array): DecodedSpan['links'][number] {
  const link = { traceId: '', spanId: '', attributes: {} as Record<string, unknown> };
  for (const f of fields(buf)) {
    if (f.no === 1) link.traceId = hex(f, 'Link.trace_id');
    else if (f.no === 2) link.spanId = hex(f, 'Link.span_id');
    else if (f.no === 4) addKeyValue(link.attributes, msg(f, 'Link.attributes'));
  }
  return link;
}

function decodeStatus(buf: Uint8Array): DecodedSpan['status'] {
  let code = 0;
  let message = '';
  for (const f of fields(buf)) {
    if (f.no === 2) message = str(f, 'Status.message');
    else if (f.no === 3) code = uvarint(f, 'Status.code');
  }
  return message ? { code, message } : { code };
}

function decodeSpan(buf: Uint8Array, resource: Record<string, unknown>, scope: DecodedSpan['scope']): DecodedSpan {
  const span: DecodedSpan = {
    traceId: '', spanId: '', parentSpanId: '', name: '', kind: 0,
    startTimeUnixNano: 0n, endTimeUnixNano: 0n, attributes: {}, events: [], links: [],
    status: { code: 0 }, resource, scope,
  };
  for (const f of fields(buf)) {
    switch (f.no) {
      case 1: span.traceId = hex(f, 'Span.trace_id'); break;
      case 2: span.spanId = hex(f, 'Span.span_id'); break;
      case 4: span.parentSpanId = hex(f, 'Span.parent_span_id'); break;
      case 5: span.name = str(f, 'Span.name'); break;
      case 6: span.kind = uvarint(f, 'Span.kind'); break;
      case 7: span.startTimeUnixNano = fixed64(f, 'Span.start_time_unix_nano'); break;
      case 8: span.endTimeUnixNano = fixed64(f, 'Span.end_time_unix_nano'); break;
      case 9: addKeyValue(span.attributes, msg(f, 'Span.attributes')); break;
      case 11: span.events.push(decodeEvent(msg(f, 'Span.events'))); break;
      case 13: span.links.push(decodeLink(msg(f, 'Span.links'))); break;
      case 15: span.status = decodeStatus(msg(f, 'Span.status')); break;
    }
  }
  return span;
}

/**
 * decodeTraceRequest decodes the bytes of an ExportTraceServiceRequest into spans, in the order
 * they were sent, each carrying its resource and scope.
 */
export function decodeTraceRequest(buf: Uint8Array): DecodedSpan[] {
  const spans: DecodedSpan[] = [];
  for (const rs of fields(buf)) {
    if (rs.no !== 1) continue;
    let resource: Record<string, unknown> = {};
    const scopeSpans: Uint8Array[] = [];
    for (const f of fields(msg(rs, 'ExportTraceServiceRequest.resource_spans'))) {
      if (f.no === 1) resource = decodeResource(msg(f, 'ResourceSpans.resource'));
      else if (f.no === 2) scopeSpans.push(msg(f, 'ResourceSpans.scope_spans'));
    }
    for (const ss of scopeSpans) {
      let scope: DecodedSpan['scope'] = { name: '' };
      const raw: Uint8Array[] = [];
      for (const f of fields(ss)) {
        if (f.no === 1) scope = decodeScope(msg(f, 'ScopeSpans.scope'));
        else if (f.no === 2) raw.push(msg(f, 'ScopeSpans.spans'));
      }
      for (const s of raw) spans.push(decodeSpan(s, resource, scope));
    }
  }
  return spans;
}

function pointBase(): DecodedDataPoint {
  return { attributes: {}, startTimeUnixNano: 0n, timeUnixNano: 0n };
}

function decodeNumberPoint(buf: Uint8Array): DecodedDataPoint {
  const p = pointBase();
  p.value = 0;
  for (const f of fields(buf)) {
    switch (f.no) {
      case 2: p.startTimeUnixNano = fixed64(f, 'NumberDataPoint.start_time_unix_nano'); break;
      case 3: p.timeUnixNano = fixed64(f, 'NumberDataPoint.time_unix_nano'); break;
      case 4: p.value = float64(f, 'NumberDataPoint.as_double'); break;
      case 6: p.value = Number(BigInt.asIntN(64, expectWire(f, WIRE_I64, 'NumberDataPoint.as_int').int)); break;
      case 7: addKeyValue(p.attributes, msg(f, 'NumberDataPoint.attributes')); break;
    }
  }
  return p;
}

function decodeHistogramPoint(buf: Uint8Array): DecodedDataPoint {
  const p = pointBase();
  const h: DecodedHistogram = { count: 0, bucketCounts: [], explicitBounds: [] };
  for (const f of fields(buf)) {
    switch (f.no) {
      case 2: p.startTimeUnixNano = fixed64(f, 'HistogramDataPoint.start_time_unix_nano'); break;
      case 3: p.timeUnixNano = fixed64(f, 'HistogramDataPoint.time_unix_nano'); break;
      case 4: h.count = Number(fixed64(f, 'HistogramDataPoint.count')); break;
      case 5: h.sum = float64(f, 'HistogramDataPoint.sum'); break;
      case 6: pushFixed64s(h.bucketCounts, f, 'HistogramDataPoint.bucket_counts', false); break;
      case 7: pushFixed64s(h.explicitBounds, f, 'HistogramDataPoint.explicit_bounds', true); break;
      case 9: addKeyValue(p.attributes, msg(f, 'HistogramDataPoint.attributes')); break;
      case 11: h.min = float64(f, 'HistogramDataPoint.min'); break;
      case 12: h.max = float64(f, 'HistogramDataPoint.max'); break;
    }
  }
  p.histogram = h;
  return p;
}

function decodeBuckets(buf: Uint8Array): { offset: number; bucketCounts: number[] } {
  const b = { offset: 0, bucketCounts: [] as number[] };
  for (const f of fields(buf)) {
    if (f.no === 1) b.offset = sint32(f, 'Buckets.offset');
    else if (f.no === 2) pushVarints(b.bucketCounts, f, 'Buckets.bucket_counts');
  }
  return b;
}

function decodeExponentialPoint(buf: Uint8Array): DecodedDataPoint {
  const p = pointBase();
  const h: DecodedExponentialHistogram = {
    count: 0, scale: 0, zeroCount: 0,
    positive: { offset: 0, bucketCounts: [] }, negative: { offset: 0, bucketCounts: [] },
  };
  for (const f of fields(buf)) {
    switch (f.no) {
      case 1: addKeyValue(p.attributes, msg(f, 'ExponentialHistogramDataPoint.attributes')); break;
      case 2: p.startTimeUnixNano = fixed64(f, 'ExponentialHistogramDataPoint.start_time_unix_nano'); break;
      case 3: p.timeUnixNano = fixed64(f, 'ExponentialHistogramDataPoint.time_unix_nano'); break;
      case 4: h.count = Number(fixed64(f, 'ExponentialHistogramDataPoint.count')); break;
      case 5: h.sum = float64(f, 'ExponentialHistogramDataPoint.sum'); break;
      case 6: h.scale = sint32(f, 'ExponentialHistogramDataPoint.scale'); break;
      case 7: h.zeroCount = Number(fixed64(f, 'ExponentialHistogramDataPoint.zero_count')); break;
      case 8: h.positive = decodeBuckets(msg(f, 'ExponentialHistogramDataPoint.positive')); break;
      case 9: h.negative = decodeBuckets(msg(f, 'ExponentialHistogramDataPoint.negative')); break;
      case 12: h.min = float64(f, 'ExponentialHistogramDataPoint.min'); break;
      case 13: h.max = float64(f, 'ExponentialHistogramDataPoint.max'); break;
    }
  }
  p.exponentialHistogram = h;
  return p;
}

function decodeSummaryPoint(buf: Uint8Array): DecodedDataPoint {
  const p = pointBase();
  const s: DecodedSummary = { count: 0, sum: 0, quantiles: [] };
  for (const f of fields(buf)) {
    switch (f.no) {
      case 2: p.startTimeUnixNano = fixed64(f, 'SummaryDataPoint.start_time_unix_nano'); break;
      case 3: p.timeUnixNano = fixed64(f, 'SummaryDataPoint.time_unix_nano'); break;
      case 4: s.count = Number(fixed64(f, 'SummaryDataPoint.count')); break;
      case 5: s.sum = float64(f, 'SummaryDataPoint.sum'); break;
      case 6: {
        const q = { quantile: 0, value: 0 };
        for (const g of fields(msg(f, 'SummaryDataPoint.quantile_values'))) {
          if (g.no === 1) q.quantile = float64(g, 'ValueAtQuantile.quantile');
          else if (g.no === 2) q.value = float64(g, 'ValueAtQuantile.value');
        }
        s.quantiles.push(q);
        break;
      }
      case 7: addKeyValue(p.attributes, msg(f, 'SummaryDataPoint.attributes')); break;
    }
  }
  p.summary = s;
  return p;
}

/** Metric.data oneof: field number → type and point decoder. */
const METRIC_DATA: Record<number, { type: MetricType; point: (b: Uint8Array) => DecodedDataPoint }> = {
  5: { type: 'gauge', point: decodeNumberPoint },
  7: { type: 'sum', point: decodeNumberPoint },
  9: { type: 'histogram', point: decodeHistogramPoint },
  10: { type: 'exponentialHistogram', point: decodeExponentialPoint },
  11: { type: 'summary', point: decodeSummaryPoint },
};

function decodeMetric(buf: Uint8Array, resource: Record<string, unknown>, scope: DecodedMetric['scope']): DecodedMetric {
  const m: DecodedMetric = {
    name: '', description: '', unit: '', type: 'gauge', aggregationTemporality: 0, isMonotonic: false,
    dataPoints: [], resource, scope,
  };
  for (const f of fields(buf)) {
    if (f.no === 1) m.name = str(f, 'Metric.name');
    else if (f.no === 2) m.description = str(f, 'Metric.description');
    else if (f.no === 3) m.unit = str(f, 'Metric.unit');
    const data = METRIC_DATA[f.no];
    if (!data) continue;
    m.type = data.type;
    m.dataPoints = [];
    // Gauge, Sum, Histogram, ExponentialHistogram and Summary all put data_points at 1; Sum and the
    // histograms put aggregation_temporality at 2, and Sum is_monotonic at 3.
    for (const g of fields(msg(f, `Metric.${data.type}`))) {
      if (g.no === 1) m.dataPoints.push(data.point(msg(g, `${data.type}.data_points`)));
      else if (g.no === 2 && data.type !== 'gauge' && data.type !== 'summary') {
        m.aggregationTemporality = uvarint(g, `${data.type}.aggregation_temporality`);
      } else if (g.no === 3 && data.type === 'sum') m.isMonotonic = uvarint(g, 'Sum.is_monotonic') !== 0;
    }
  }
  return m;
}

/** decodeMetricsRequest decodes the bytes of an ExportMetricsServiceRequest into metrics. */
export function decodeMetricsRequest(buf: Uint8Array): DecodedMetric[] {
  const metrics: DecodedMetric[] = [];
  for (const rm of fields(buf)) {
    if (rm.no !== 1) continue;
    let resource: Record<string, unknown> = {};
    const scopeMetrics: Uint8Array[] = [];
    for (const f of fields(msg(rm, 'ExportMetricsServiceRequest.resource_metrics'))) {
      if (f.no === 1) resource = decodeResource(msg(f, 'ResourceMetrics.resource'));
      else if (f.no === 2) scopeMetrics.push(msg(f, 'ResourceMetrics.scope_metrics'));
    }
    for (const sm of scopeMetrics) {
      let scope: DecodedMetric['scope'] = { name: '' };
      const raw: Uint8Array[] = [];
      for (const f of fields(sm)) {
        if (f.no === 1) scope = decodeScope(msg(f, 'ScopeMetrics.scope'));
        else if (f.no === 2) raw.push(msg(f, 'ScopeMetrics.metrics'));
      }
      for (const m of raw) metrics.push(decodeMetric(m, resource, scope));
    }
  }
  return metrics;
}

/**
 * encodeRpcStatus encodes a google.rpc.Status {code = 1, message = 2}: the body OTLP/HTTP servers
 * send with an error response.
 */
export function encodeRpcStatus(code: number, message: string): Uint8Array {
  const text = new TextEncoder().encode(message);
  const out: number[] = [];
  const varint = (n: number): void => {
    while (n > 0x7f) {
      out.push((n & 0x7f) | 0x80);
      n >>>= 7;
    }
    out.push(n);
  };
  out.push(0x08);
  varint(code);
  out.push(0x12);
  varint(text.length);
  return Uint8Array.from([...out, ...text]);
}
