/**
 * Decoding of OTLP/JSON export requests into the same shapes as the protobuf decoder, so a test
 * cannot tell which encoding carried the data. OTLP/JSON differs from the proto3 JSON mapping in
 * two ways this honours: trace and span ids are hex (not base64), and enums are integers. As the
 * proto3 mapping allows, 64-bit integers may be strings or numbers, doubles may be "NaN" or
 * "Infinity", enums may be given by name, and field names may be lowerCamelCase or snake_case.
 */
import type { DecodedDataPoint, DecodedMetric, DecodedSpan, MetricType } from './otlp-decode.ts';
import { safeInt } from './otlp-decode.ts';

type Json = Record<string, unknown>;

function fail(problem: string): never {
  throw new Error(`otlp json: ${problem}`);
}

/** get reads a field by its lowerCamelCase name, falling back to the snake_case original. */
function get(o: Json, name: string): unknown {
  const v = o[name];
  return v !== undefined ? v : o[name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)];
}

function obj(v: unknown, what: string): Json {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) fail(`${what} is not an object`);
  return v as Json;
}

function list(v: unknown, what: string): Json[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) fail(`${what} is not an array`);
  return v.map((item, i) => obj(item, `${what}[${i}]`));
}

function text(v: unknown, what: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') fail(`${what} is not a string`);
  return v;
}

function int64(v: unknown, what: string): bigint {
  if (v === undefined || v === null) return 0n;
  if ((typeof v === 'string' && /^-?\d+$/.test(v)) || (typeof v === 'number' && Number.isInteger(v))) return BigInt(v);
  return fail(`${what} is not an integer: ${JSON.stringify(v)}`);
}

function double(v: unknown, what: string): number {
  if (typeof v === 'number') return v;
  if (v === 'NaN' || v === 'Infinity' || v === '-Infinity' || (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v)))) {
    return Number(v);
  }
  return fail(`${what} is not a number: ${JSON.stringify(v)}`);
}

function optionalDouble(o: Json, name: string, what: string): number | undefined {
  const v = get(o, name);
  return v === undefined || v === null ? undefined : double(v, what);
}

function enumValue(v: unknown, names: readonly string[], what: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string') {
    const i = names.indexOf(v);
    if (i >= 0) return i;
    if (/^\d+$/.test(v)) return Number(v);
  }
  return fail(`${what} is not a valid enum value: ${JSON.stringify(v)}`);
}

const SPAN_KINDS = ['SPAN_KIND_UNSPECIFIED', 'SPAN_KIND_INTERNAL', 'SPAN_KIND_SERVER', 'SPAN_KIND_CLIENT', 'SPAN_KIND_PRODUCER', 'SPAN_KIND_CONSUMER'];
const STATUS_CODES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];
const TEMPORALITIES = ['AGGREGATION_TEMPORALITY_UNSPECIFIED', 'AGGREGATION_TEMPORALITY_DELTA', 'AGGREGATION_TEMPORALITY_CUMULATIVE'];

/** id normalises a trace or span id: OTLP/JSON sends hex; base64 (plain proto3 JSON) is tolerated. */
function id(v: unknown, what: string): string {
  const s = text(v, what);
  if (/^[0-9a-fA-F]*$/.test(s) && s.length % 2 === 0) return s.toLowerCase();
  return Buffer.from(s, 'base64').toString('hex');
}

function anyValue(v: Json): unknown {
  const has = (name: string): boolean => get(v, name) !== undefined;
  if (has('stringValue')) return text(get(v, 'stringValue'), 'AnyValue.stringValue');
  if (has('boolValue')) return get(v, 'boolValue') === true;
  if (has('intValue')) return safeInt(int64(get(v, 'intValue'), 'AnyValue.intValue'));
  if (has('doubleValue')) return double(get(v, 'doubleValue'), 'AnyValue.doubleValue');
  if (has('arrayValue')) {
    return list(get(obj(get(v, 'arrayValue'), 'AnyValue.arrayValue'), 'values'), 'ArrayValue.values').map(anyValue);
  }
  if (has('kvlistValue')) return attributes(get(obj(get(v, 'kvlistValue'), 'AnyValue.kvlistValue'), 'values'));
  if (has('bytesValue')) return new Uint8Array(Buffer.from(text(get(v, 'bytesValue'), 'AnyValue.bytesValue'), 'base64'));
  return null;
}

function attributes(v: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of list(v, 'attributes')) out[text(get(kv, 'key'), 'KeyValue.key')] = anyValue(obj(get(kv, 'value'), 'KeyValue.value'));
  return out;
}

function scope(v: unknown): { name: string; version?: string } {
  const s = obj(v, 'scope');
  const name = text(get(s, 'name'), 'InstrumentationScope.name');
  const version = text(get(s, 'version'), 'InstrumentationScope.version');
  return version ? { name, version } : { name };
}

function span(s: Json, resource: Record<string, unknown>, sc: DecodedSpan['scope']): DecodedSpan {
  const status = obj(get(s, 'status'), 'Span.status');
  const message = text(get(status, 'message'), 'Status.message');
  const code = enumValue(get(status, 'code'), STATUS_CODES, 'Status.code');
  return {
    traceId: id(get(s, 'traceId'), 'Span.traceId'),
    spanId: id(get(s, 'spanId'), 'Span.spanId'),
    parentSpanId: id(get(s, 'parentSpanId'), 'Span.parentSpanId'),
    name: text(get(s, 'name'), 'Span.name'),
    kind: enumValue(get(s, 'kind'), SPAN_KINDS, 'Span.kind'),
    startTimeUnixNano: int64(get(s, 'startTimeUnixNano'), 'Span.startTimeUnixNano'),
    endTimeUnixNano: int64(get(s, 'endTimeUnixNano'), 'Span.endTimeUnixNano'),
    attributes: attributes(get(s, 'attributes')),
    events: list(get(s, 'events'), 'Span.events').map((e) => ({
      name: text(get(e, 'name'), 'Event.name'),
      timeUnixNano: int64(get(e, 'timeUnixNano'), 'Event.timeUnixNano'),
      attributes: attributes(get(e, 'attributes')),
    })),
    links: list(get(s, 'links'), 'Span.links').map((l) => ({
      traceId: id(get(l, 'traceId'), 'Link.traceId'),
      spanId: id(get(l, 'spanId'), 'Link.spanId'),
      attributes: attributes(get(l, 'attributes')),
    })),
    status: message ? { code, message } : { code },
    resource,
    scope: sc,
  };
}

/** decodeTraceJson decodes an OTLP/JSON ExportTraceServiceRequest (already parsed) into spans. */
export function decodeTraceJson(body: unknown): DecodedSpan[] {
  const spans: DecodedSpan[] = [];
  for (const rs of list(get(obj(body, 'request'), 'resourceSpans'), 'resourceSpans')) {
    const resource = attributes(get(obj(get(rs, 'resource'), 'resource'), 'attributes'));
    for (const ss of list(get(rs, 'scopeSpans'), 'scopeSpans')) {
      const sc = scope(get(ss, 'scope'));
      for (const s of list(get(ss, 'spans'), 'spans')) spans.push(span(s, resource, sc));
    }
  }
  return spans;
}

function point(p: Json, type: MetricType): DecodedDataPoint {
  const out: DecodedDataPoint = {
    attributes: attributes(get(p, 'attributes')),
    startTimeUnixNano: int64(get(p, 'startTimeUnixNano'), 'startTimeUnixNano'),
    timeUnixNano: int64(get(p, 'timeUnixNano'), 'timeUnixNano'),
  };
  const count = Number(int64(get(p, 'count'), 'count'));
  const counts = (v: unknown): number[] => (Array.isArray(v) ? v.map((c) => Number(int64(c, 'bucketCounts'))) : []);
  // sum, min and max are proto3 `optional`: absent stays absent, as in the protobuf decoder.
  const extremes: { sum?: number; min?: number; max?: number } = {};
  for (const k of ['sum', 'min', 'max'] as const) {
    const v = optionalDouble(p, k, k);
    if (v !== undefined) extremes[k] = v;
  }
  if (type === 'gauge' || type === 'sum') {
    const asInt = get(p, 'asInt');
    out.value = asInt !== undefined ? Number(int64(asInt, 'asInt')) : (optionalDouble(p, 'asDouble', 'asDouble') ?? 0);
  } else if (type === 'histogram') {
    const bounds = get(p, 'explicitBounds');
    out.histogram = {
      count, ...extremes, bucketCounts: counts(get(p, 'bucketCounts')),
      explicitBounds: Array.isArray(bounds) ? bounds.map((b) => double(b, 'explicitBounds')) : [],
    };
  } else if (type === 'exponentialHistogram') {
    const buckets = (v: unknown): { offset: number; bucketCounts: number[] } => {
      const b = obj(v, 'buckets');
      return { offset: Number(get(b, 'offset') ?? 0), bucketCounts: counts(get(b, 'bucketCounts')) };
    };
    out.exponentialHistogram = {
      count, ...extremes, scale: Number(get(p, 'scale') ?? 0),
      zeroCount: Number(int64(get(p, 'zeroCount'), 'zeroCount')),
      positive: buckets(get(p, 'positive')), negative: buckets(get(p, 'negative')),
    };
  } else {
    out.summary = {
      count, sum: optionalDouble(p, 'sum', 'sum') ?? 0,
      quantiles: list(get(p, 'quantileValues'), 'quantileValues').map((q) => ({
        quantile: optionalDouble(q, 'quantile', 'quantile') ?? 0,
        value: optionalDouble(q, 'value', 'value') ?? 0,
      })),
    };
  }
  return out;
}

const METRIC_TYPES: readonly MetricType[] = ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'];

/** decodeMetricsJson decodes an OTLP/JSON ExportMetricsServiceRequest (already parsed) into metrics. */
export function decodeMetricsJson(body: unknown): DecodedMetric[] {
  const metrics: DecodedMetric[] = [];
  for (const rm of list(get(obj(body, 'request'), 'resourceMetrics'), 'resourceMetrics')) {
    const resource = attributes(get(obj(get(rm, 'resource'), 'resource'), 'attributes'));
    for (const sm of list(get(rm, 'scopeMetrics'), 'scopeMetrics')) {
      const sc = scope(get(sm, 'scope'));
      for (const m of list(get(sm, 'metrics'), 'metrics')) {
        const type = METRIC_TYPES.find((t) => get(m, t) !== undefined) ?? 'gauge';
        const data = obj(get(m, type), `Metric.${type}`);
        metrics.push({
          name: text(get(m, 'name'), 'Metric.name'),
          description: text(get(m, 'description'), 'Metric.description'),
          unit: text(get(m, 'unit'), 'Metric.unit'),
          type,
          aggregationTemporality: enumValue(get(data, 'aggregationTemporality'), TEMPORALITIES, 'aggregationTemporality'),
          isMonotonic: get(data, 'isMonotonic') === true,
          dataPoints: list(get(data, 'dataPoints'), 'dataPoints').map((p) => point(p, type)),
          resource,
          scope: sc,
        });
      }
    }
  }
  return metrics;
}
