/**
 * Sampling straight from MetricData (Sampler.ingestMetrics, metric-samples.ts) gives the rule
 * engine exactly the series a self-scrape gives (Sampler.ingest of the exporter's text): same
 * names, labels and values, and the same stale markers when series go away.
 */
import { ValueType } from '@opentelemetry/api';
import { PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, DataPointType } from '@opentelemetry/sdk-metrics';
import type { MetricData, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { Sampler } from '../../src/rules/sampler.ts';
import { SampleStore } from '../../src/series/sample-store.ts';

const T: [number, number] = [1, 0];

function single(name: string, type: 'gauge' | 'counter' | 'updown', points: Array<[Record<string, unknown>, number]>): MetricData {
  const base = { descriptor: { name, unit: '', description: `${name} help`, valueType: ValueType.DOUBLE }, aggregationTemporality: AggregationTemporality.CUMULATIVE };
  const dataPoints = points.map(([attributes, value]) => ({ startTime: T, endTime: T, attributes: attributes as Record<string, string>, value }));
  if (type === 'gauge') return { ...base, dataPointType: DataPointType.GAUGE, dataPoints };
  return { ...base, dataPointType: DataPointType.SUM, isMonotonic: type === 'counter', dataPoints };
}

function histogram(name: string, boundaries: number[], counts: number[], sum: number | undefined): MetricData {
  return {
    descriptor: { name, unit: 's', description: 'h', valueType: ValueType.DOUBLE },
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.HISTOGRAM,
    dataPoints: [{ startTime: T, endTime: T, attributes: { 'cicd.pipeline.name': 'w1' }, value: { buckets: { boundaries, counts }, count: counts.reduce((a, b) => a + b, 0), ...(sum === undefined ? {} : { sum }), min: 0, max: 1 } }],
  } as MetricData;
}

function resourceMetrics(metrics: MetricData[], extra: MetricData[] = []): ResourceMetrics {
  return {
    resource: resourceFromAttributes({ 'service.name': 'runwarden', 'service.instance.id': 'i-1', 'host.cores': 2 }),
    scopeMetrics: [
      { scope: { name: 'runwarden', version: '1.2.3' }, metrics },
      { scope: { name: 'other', schemaUrl: 'https://opentelemetry.io/schemas/1.30.0' }, metrics: extra },
    ],
  };
}

const CASES: Array<[string, ResourceMetrics]> = [
  [
    'gauges, counters and up-down sums with dotted names and attributes',
    resourceMetrics([
      single('runwarden.run.heartbeat.age', 'gauge', [[{ 'cicd.pipeline.name': 'w1', 'cicd.pipeline.run.id': 'r1' }, 12.5], [{ 'cicd.pipeline.name': 'w2', 'cicd.pipeline.run.id': 'r2' }, 0]]),
      single('cicd.pipeline.run.errors', 'counter', [[{ 'error.type': 'timeout' }, 3]]),
      single('already_total', 'counter', [[{}, 1]]),
      single('queue.depth', 'updown', [[{ queue: 'a' }, -2]]),
    ]),
  ],
  [
    'awkward attribute values and names',
    resourceMetrics([
      single('odd..name--x', 'gauge', [[{ 'a.b': 'quote " and \\ backslash', 'new\nline': 'x\ny', n: 5, b: true, list: ['a', 1], empty: '' }, 1]]),
      single('9lives', 'gauge', [[{ 'otel.scope.name': 'overridden' }, 2]]),
      single('special', 'gauge', [[{ v: 'inf' }, Infinity], [{ v: '-inf' }, -Infinity], [{ v: 'nan' }, NaN], [{ v: 'zero' }, -0], [{ v: 'tiny' }, 5e-324], [{ v: 'big' }, 1.7976931348623157e308]]),
      single('ALERTS', 'gauge', [[{ alertname: 'X' }, 1]]),
    ]),
  ],
  [
    'histograms with and without an infinite boundary, and a type conflict dropping a name',
    resourceMetrics(
      [histogram('cicd.pipeline.run.duration', [1, 10, 100], [1, 2, 3, 4], 250.5), histogram('no.sum', [0.5, Infinity], [1, 1, 0], undefined), single('clash', 'gauge', [[{}, 1]])],
      [histogram('clash', [1], [1, 1], 3), single('from.other.scope', 'gauge', [[{ k: 'v' }, 7]])],
    ),
  ],
];

function contents(store: SampleStore): unknown[] {
  return [...store.select([], -Infinity, Infinity)]
    .map((s) => ({ labels: s.labels, points: s.points.map((p) => ({ t: p.t, v: Object.is(p.v, -0) ? '-0' : p.v, stale: p.stale ?? false })) }))
    .sort((a, b) => (JSON.stringify(a.labels) < JSON.stringify(b.labels) ? -1 : 1));
}

function stores(): [SampleStore, Sampler, SampleStore, Sampler] {
  const text = new SampleStore({ retentionMs: 3_600_000, maxSamples: 100_000 });
  const direct = new SampleStore({ retentionMs: 3_600_000, maxSamples: 100_000 });
  return [text, new Sampler(text), direct, new Sampler(direct)];
}

describe('Sampler.ingestMetrics', () => {
  const serializer = new PrometheusSerializer();
  for (const [name, rm] of CASES) {
    it(`reads what a self-scrape reads: ${name}`, () => {
      const [text, viaText, direct, viaMetrics] = stores();
      expect(viaMetrics.ingestMetrics(rm, 1000)).toBe(viaText.ingest(serializer.serialize(rm), 1000));
      expect(contents(direct)).toEqual(contents(text));
      expect(text.seriesCount).toBeGreaterThan(1);
    });
  }

  it('marks stale, as a scrape does, the series that went away', () => {
    const [text, viaText, direct, viaMetrics] = stores();
    const [, first] = CASES[0] as [string, ResourceMetrics];
    const later = resourceMetrics([single('runwarden.run.heartbeat.age', 'gauge', [[{ 'cicd.pipeline.name': 'w1', 'cicd.pipeline.run.id': 'r1' }, 27.5]])]);
    for (const [rm, t] of [[first, 1000], [later, 16_000], [later, 31_000]] as const) {
      viaText.ingest(serializer.serialize(rm), t);
      viaMetrics.ingestMetrics(rm, t);
    }
    expect(contents(direct)).toEqual(contents(text));
    expect(JSON.stringify(contents(direct))).toContain('"stale":true');
  });
});
