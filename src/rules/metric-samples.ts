/**
 * metricSamples reads the sidecar's metrics straight from the MetricData its producers hand the
 * Prometheus exporter, as the samples a scrape of /metrics would give: the same series names and
 * labels, the same values. Serialising the exposition and parsing it back costs more than
 * evaluating a thousand rules at 10,000 series (bench/RESULTS.md); this skips both.
 *
 * "The same" is the exporter's (@opentelemetry/exporter-prometheus PrometheusSerializer, default
 * options, as Telemetry.selfScrape uses it): names with every character outside [a-zA-Z0-9_] made
 * `_` and runs of `_` collapsed, `_` before a leading digit, `_total` after a monotonic sum;
 * attribute names sanitised alike, non-string values as JSON; the scope's name, version and
 * schema URL as `otel_scope_*` labels after the point's own (so they win); histograms as `_count`,
 * `_sum` and cumulative `_bucket`s with `le`; a `target_info` series of the resource's attributes;
 * and a name that two metrics of different types share is left out. A label whose value is empty
 * is no label. test/rules/metric-samples.test.ts holds this to the serialiser's text.
 */
import { DataPointType } from '@opentelemetry/sdk-metrics';
import type { Histogram, MetricData, ResourceMetrics } from '@opentelemetry/sdk-metrics';

/**
 * MetricSampleVisitor receives one sample: its name; its identity (a string naming the series as
 * the exposition line does: two samples of one scrape have the same one exactly when their lines
 * would); its attributes and the exporter's extra labels, which `sampleLabels` turns into its
 * labels (`__name__` not among them) when the identity is new; and its value.
 */
export type MetricSampleVisitor = (name: string, id: string, attributes: Readonly<Record<string, unknown>>, extra: ExtraLabels, value: number) => void;

/** ExtraLabels are the labels the exporter adds after a point's own: sanitised names, values. */
export type ExtraLabels = ReadonlyArray<readonly [string, string]>;

const INVALID = /[^a-z0-9_]/gi;
const UNDERSCORES = /_{2,}/g;
const sanitizeCache = new Map<string, string>();

/** sanitize is the exporter's name sanitising. */
function sanitize(name: string): string {
  let out = sanitizeCache.get(name);
  if (out === undefined) {
    out = name.replace(INVALID, '_').replace(UNDERSCORES, '_');
    if (sanitizeCache.size > 10_000) sanitizeCache.clear();
    sanitizeCache.set(name, out);
  }
  return out;
}

function attributeValue(v: unknown): string {
  if (v === undefined) return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** prometheusName is the exposition name of a metric, undefined when the exporter leaves it out. */
function prometheusName(m: MetricData): string | undefined {
  let name = sanitize(m.descriptor.name.replace(/\\/g, '\\\\').replace(/\n/g, '\\n'));
  if (name === '' || name === '_') return undefined;
  if (name[0] !== undefined && name[0] >= '0' && name[0] <= '9') name = `_${name}`;
  if (!name.endsWith('_total') && m.dataPointType === DataPointType.SUM && m.isMonotonic) name += '_total';
  return name;
}

function typeOf(m: MetricData): string {
  if (m.dataPointType === DataPointType.SUM) return m.isMonotonic ? 'counter' : 'gauge';
  if (m.dataPointType === DataPointType.GAUGE) return 'gauge';
  if (m.dataPointType === DataPointType.HISTOGRAM) return 'histogram';
  return 'untyped';
}

/** sampleLabels is a sample's labels: its attributes', then the extra ones (a later name wins, as in the text). */
export function sampleLabels(attributes: Readonly<Record<string, unknown>>, extra: ExtraLabels): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k in attributes) out[sanitize(k)] = attributeValue(attributes[k]);
  for (const [k, v] of extra) out[k] = v;
  return out;
}

const SEP = '\xff';

function identity(name: string, attributes: Readonly<Record<string, unknown>>, extraId: string): string {
  let id = name;
  for (const k in attributes) id += SEP + sanitize(k) + SEP + attributeValue(attributes[k]);
  return id + extraId;
}

function extraId(extra: ExtraLabels): string {
  let id = '';
  for (const [k, v] of extra) id += SEP + k + SEP + v;
  return id;
}

const NONE: ExtraLabels = [];

/** metricSamples visits every sample a scrape of `rm` would show, in no particular order. */
export function metricSamples(rm: ResourceMetrics, visit: MetricSampleVisitor): void {
  visit('target_info', identity('target_info', rm.resource.attributes, ''), rm.resource.attributes, NONE, 1);
  // A name two metrics of different types share is dropped by the exporter, whole.
  const types = new Map<string, string | undefined>([['target_info', 'gauge']]);
  for (const sm of rm.scopeMetrics) {
    for (const m of sm.metrics) {
      const name = prometheusName(m);
      if (name === undefined) continue;
      const seen = types.get(name);
      if (!types.has(name)) types.set(name, typeOf(m));
      else if (seen !== typeOf(m)) types.set(name, undefined);
    }
  }
  for (const sm of rm.scopeMetrics) {
    const scope: Array<[string, string]> = [['otel_scope_name', sm.scope.name]];
    if (sm.scope.schemaUrl) scope.push(['otel_scope_schema_url', sm.scope.schemaUrl]);
    if (sm.scope.version) scope.push(['otel_scope_version', sm.scope.version]);
    const scopeId = extraId(scope);
    for (const m of sm.metrics) {
      const name = prometheusName(m);
      if (name === undefined || types.get(name) === undefined || name === 'target_info') continue;
      if (m.dataPointType === DataPointType.SUM || m.dataPointType === DataPointType.GAUGE) {
        // The text has no negative zero: `${-0}` is "0".
        for (const p of m.dataPoints) visit(name, identity(name, p.attributes, scopeId), p.attributes, scope, p.value === 0 ? 0 : p.value);
      } else if (m.dataPointType === DataPointType.HISTOGRAM) {
        for (const p of m.dataPoints) histogramSamples(name, p.attributes, p.value, scope, scopeId, visit);
      }
    }
  }
}

function histogramSamples(name: string, attributes: Readonly<Record<string, unknown>>, h: Histogram, scope: ExtraLabels, scopeId: string, visit: MetricSampleVisitor): void {
  const count = `${name}_count`;
  const sum = `${name}_sum`;
  const bucket = `${name}_bucket`;
  if (h.count != null) visit(count, identity(count, attributes, scopeId), attributes, scope, h.count);
  if (h.sum != null) visit(sum, identity(sum, attributes, scopeId), attributes, scope, h.sum === 0 ? 0 : h.sum);
  let cumulative = 0;
  let infinityDefined = false;
  for (const [i, count] of h.buckets.counts.entries()) {
    cumulative += count;
    const bound = h.buckets.boundaries[i];
    if (bound === undefined && infinityDefined) break;
    if (bound === Infinity) infinityDefined = true;
    const le = bound === undefined || bound === Infinity ? '+Inf' : String(bound);
    visit(bucket, identity(bucket, attributes, `${scopeId}${SEP}le${SEP}${le}`), attributes, [...scope, ['le', le]], cumulative);
  }
}
